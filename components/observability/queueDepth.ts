/**
 * Celery queue depth. Dify exposes no queue metric (its OTLP metrics are HTTP counters; the Celery
 * instrumentation runs only in the api process, api/extensions/otel/instrumentation.py), so a
 * CronJob runs `LLEN` on each queue of the broker (Redis db 1, as DifyApp's CELERY_BROKER_URL)
 * every minute and prints one JSON line per queue. The add-on's Fluent Bit parses JSON container
 * lines into `log_processed` (its kubernetes filter: Merge_Log On, Merge_Log_Key log_processed),
 * and a metric filter on the application log group turns them into `Dify/Celery queue_depth` by
 * `Queue`. (Plain EMF lines would not work: Fluent Bit wraps every line in a record with the
 * Kubernetes metadata, so `_aws` would not be at the top level.)
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedRedisConnection } from "../contracts";
import { ImageSource, imageRef } from "../k8s/images";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../k8s/security";
import { ObservabilitySettings } from "./args";
import { CELERY_NAMESPACE, CELERY_QUEUE_DEPTH } from "./metrics";

/** redis-cli comes with the redis image; the alpine variant ships the CA bundle for --tls. Runs as its `redis` user (999). */
export const PROBE_IMAGE = "redis:7.4.2-alpine";
/** The `dify_metric` value of a queue-depth line. */
export const PROBE_METRIC = "celery_queue_depth";

/** The probe's shell script (also run by the tests against sample output). */
export const PROBE_SCRIPT = [
  "set -eu",
  "tls=''",
  "if [ \"$REDIS_TLS\" = true ]; then tls=--tls; fi",
  "for q in $QUEUES; do",
  "  n=`redis-cli $tls -h \"$REDIS_HOST\" -p \"$REDIS_PORT\" -n 1 --no-auth-warning LLEN \"$q\"`",
  "  case \"$n\" in ''|*[!0-9]*) echo \"queue-depth probe: LLEN $q failed: $n\" >&2; exit 1;; esac",
  `  printf '{"dify_metric":"${PROBE_METRIC}","queue":"%s","depth":%s}\\n' "$q" "$n"`,
  "done",
].join("\n");

export interface ProbeContext {
  s: ObservabilitySettings;
  redis: ResolvedRedisConnection;
  images?: ImageSource;
  applicationLogGroup: aws.cloudwatch.LogGroup;
  namespace: k8s.core.v1.Namespace;
  parent: pulumi.Resource;
  provider?: pulumi.ProviderResource;
}

export function queueDepthProbe(c: ProbeContext): aws.cloudwatch.LogMetricFilter {
  const { s, parent } = c;
  const kopts: pulumi.CustomResourceOptions = { parent, provider: c.provider, dependsOn: [c.namespace] };
  const labels = { "app.kubernetes.io/name": "celery-queue-probe", "app.kubernetes.io/part-of": "dify", "app.kubernetes.io/instance": s.name, "app.kubernetes.io/managed-by": "pulumi" };
  const secret = new k8s.core.v1.Secret(`${s.name}-queue-probe`, {
    metadata: { name: "dify-queue-probe", namespace: s.namespace, labels },
    stringData: { REDISCLI_AUTH: pulumi.secret(c.redis.password) },
  }, kopts);
  const policy = new k8s.networking.v1.NetworkPolicy(`${s.name}-obs-queue-probe`, {
    metadata: { name: "dify-obs-queue-probe", namespace: s.namespace, labels },
    spec: {
      podSelector: { matchLabels: { "app.kubernetes.io/name": "celery-queue-probe" } },
      policyTypes: ["Ingress", "Egress"],
      // No ingress rules: policyType Ingress alone admits nothing (an empty `ingress: []` would be
      // dropped by the API server and show as a change on every apply).
      egress: [{ to: s.dataCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: c.redis.port }] }],
    },
  }, kopts);
  new k8s.batch.v1.CronJob(`${s.name}-queue-probe`, {
    metadata: { name: "dify-celery-queue-probe", namespace: s.namespace, labels },
    spec: {
      schedule: "* * * * *",
      concurrencyPolicy: "Forbid",
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        spec: {
          activeDeadlineSeconds: 50,
          backoffLimit: 0,
          ttlSecondsAfterFinished: 600,
          template: {
            metadata: { labels },
            spec: {
              restartPolicy: "Never",
              automountServiceAccountToken: false,
              securityContext: restrictedPodSecurityContext(999),
              containers: [{
                name: "probe",
                image: imageRef(PROBE_IMAGE, c.images),
                command: ["/bin/sh", "-c", PROBE_SCRIPT],
                env: [
                  { name: "REDIS_HOST", value: c.redis.host },
                  { name: "REDIS_PORT", value: pulumi.output(c.redis.port).apply(String) },
                  { name: "REDIS_TLS", value: pulumi.output(c.redis.useTls).apply(String) },
                  { name: "QUEUES", value: s.celeryQueues.join(" ") },
                  { name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: "dify-queue-probe", key: "REDISCLI_AUTH" } } },
                ],
                resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
                securityContext: restrictedContainerSecurityContext(),
              }],
            },
          },
        },
      },
    },
  }, { ...kopts, dependsOn: [c.namespace, secret, policy] });
  return new aws.cloudwatch.LogMetricFilter(`${s.name}-celery-queue-depth`, {
    logGroupName: c.applicationLogGroup.name,
    pattern: `{ $.log_processed.dify_metric = "${PROBE_METRIC}" }`,
    metricTransformation: {
      namespace: CELERY_NAMESPACE,
      name: CELERY_QUEUE_DEPTH,
      value: "$.log_processed.depth",
      dimensions: { Queue: "$.log_processed.queue" },
      unit: "Count",
    },
  }, { parent });
}
