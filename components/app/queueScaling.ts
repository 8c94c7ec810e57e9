/**
 * Celery workers scaled on the work waiting for them: a KEDA ScaledObject per worker Deployment
 * (KEDA 2.20, installed by DifyCluster) with one Redis list trigger per Celery queue it consumes,
 * plus CPU and memory (scaledObject.ts). KEDA creates the HPA from it at run time (named like the
 * Deployment) and takes the largest replica count any trigger asks for.
 *
 * Celery's Redis transport keeps each queue as a Redis list named after the queue in the broker's
 * database (db 1 in CELERY_BROKER_URL, env.ts), so LLEN is the number of tasks waiting. The Redis
 * scaler (kedacore/keda v2.20.2 pkg/scalers/redis_scaler.go) reads `host`, `port`, `listName`,
 * `listLength` (target per replica), `databaseIndex` and `enableTLS` from the trigger metadata and
 * the password from the TriggerAuthentication's `password` parameter, here the credentials
 * Secret's redis-password key (ElastiCache AUTH; TLS verified against the image's CA roots).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_CELERY_QUEUES, ResolvedRedisConnection } from "../contracts";
import { perPod } from "./catalog";
import { SECRET_NAME, SecretKey } from "./env";
import { ResolvedService } from "./validate";

/** Name of the TriggerAuthentication in the app namespace. */
export const REDIS_TRIGGER_AUTH = "dify-redis";

export interface QueueScaler {
  /** The broker, its port defaulted (withRedisDefaults). */
  redis: ResolvedRedisConnection;
  /** The TriggerAuthentication the triggers reference. */
  auth: k8s.apiextensions.CustomResource;
}

/** The Celery broker's Redis database (CELERY_BROKER_URL ends in /1, env.ts). */
const BROKER_DB = "1";
/** Seconds between KEDA's queue reads (KEDA's default is 30; queue bursts deserve faster). */
export const QUEUE_POLLING_SECONDS = 15;

/** The TriggerAuthentication: the Redis AUTH token from the credentials Secret. */
export function redisTriggerAuth(name: string, namespace: pulumi.Input<string>, labels: Record<string, string>, opts: pulumi.CustomResourceOptions): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(`${name}-redis-trigger-auth`, {
    apiVersion: "keda.sh/v1alpha1",
    kind: "TriggerAuthentication",
    metadata: { name: REDIS_TRIGGER_AUTH, namespace, labels },
    spec: { secretTargetRef: [{ parameter: "password", name: SECRET_NAME, key: SecretKey.RedisPassword }] },
  }, opts);
}

/** The queues a worker Deployment consumes: its queue group's CELERY_QUEUES, else all of Dify's. */
export function workerQueues(s: ResolvedService): string[] {
  const own = s.extraLiteralEnv.CELERY_QUEUES;
  return own ? own.split(",").filter((q) => q !== "") : [...DEFAULT_CELERY_QUEUES];
}

/** One Redis list trigger per queue `s` consumes: a replica per pod's worth of tasks (the row's concurrency) waiting in the fullest queue. */
export function queueTriggers(s: ResolvedService, scaler: QueueScaler): Record<string, unknown>[] {
  const port = pulumi.output(scaler.redis.port).apply(String);
  const tls = pulumi.output(scaler.redis.useTls).apply((t) => (t ? "true" : "false"));
  return workerQueues(s).map((q) => ({
    type: "redis",
    name: `queue-${q.replace(/_/g, "-")}`,
    metadata: { host: scaler.redis.host, port, listName: q, listLength: String(Math.max(1, perPod(s.spec))), databaseIndex: BROKER_DB, enableTLS: tls },
    authenticationRef: { name: REDIS_TRIGGER_AUTH },
  }));
}
