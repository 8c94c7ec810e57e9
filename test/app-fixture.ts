/** Shared fixture for the DifyApp specs: prod-like args and a mocked run. */
import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { KNOWN_ENV } from "../components/app/knownEnv";
import { DIFY_VERSIONS, DifyImageSet } from "../components/app/versions";
import * as pulumi from "@pulumi/pulumi";
import { DifyApp } from "../components/app/dify-app";
import { DifyAppArgs } from "../components/app/args";
import { RecordedResource, runUnderMocks } from "../program/plan/monitor";

export const PG_PASSWORD = "pg-Sup3r/Secret+pw";
export const REDIS_PASSWORD = "redis-Sup3r/Secret+pw";
export const DATA_CIDRS = ["10.0.32.0/20", "10.0.48.0/20"];
export const ALB_CIDRS = ["10.0.0.0/20"];

export function prodArgs(over: Partial<DifyAppArgs> = {}): DifyAppArgs {
  return {
    domain: "dify.example.com",
    certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc",
    database: {
      host: "dify.cluster-abc.us-east-1.rds.amazonaws.com",
      readerHost: "dify.cluster-ro-abc.us-east-1.rds.amazonaws.com",
      port: 5432,
      database: "dify",
      pluginDatabase: "dify_plugin",
      username: "dify",
      password: pulumi.secret(PG_PASSWORD),
      sslMode: "require",
    },
    redis: { host: "master.dify.abc.use1.cache.amazonaws.com", port: 6379, password: pulumi.secret(REDIS_PASSWORD), useTls: true },
    storage: { bucketName: "dify-files", pluginBucketName: "dify-plugins", region: "us-east-1", roleArn: "arn:aws:iam::123456789012:role/dify-storage", pluginRoleArn: "arn:aws:iam::123456789012:role/dify-plugin-storage" },
    vpcCidrs: ["10.0.0.0/16"],
    dataCidrs: DATA_CIDRS,
    ingressSourceCidrs: ALB_CIDRS,
    ...over,
  };
}

/** Runs DifyApp "dify" under mocks with a Kubernetes provider. */
export async function runApp(over: Partial<DifyAppArgs> = {}) {
  return runUnderMocks(() => {
    const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    return new DifyApp("dify", prodArgs(over), { provider });
  }, { stack: "prod" });
}

/** Runs a construction expected to throw; returns the message and what got registered. */
export async function runRefused(over: Partial<DifyAppArgs>) {
  const run = await runUnderMocks(() => {
    try {
      new DifyApp("dify", prodArgs(over));
      return "";
    } catch (e) {
      return (e as Error).message;
    }
  }, { stack: "prod" });
  return { message: run.value, resources: run.resources };
}

export const ofType = (rs: RecordedResource[], t: string) => rs.filter((r) => r.type === t);
export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const JOB = "kubernetes:batch/v1:Job";

// Structural views of the recorded inputs (mock echoes them).
export interface Container {
  name: string; image: string; command?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { configMapRef?: { name: string } }[];
  ports?: { containerPort: number }[];
  startupProbe?: Probe; readinessProbe?: Probe; livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[]; add?: string[] } };
  volumeMounts?: { name: string; mountPath: string }[];
}
export interface Probe {
  httpGet?: { path: string; port: string | number }; tcpSocket?: { port: string | number }; exec?: { command: string[] };
  periodSeconds?: number; timeoutSeconds?: number; failureThreshold?: number;
}
export interface PodSpec {
  containers: Container[];
  securityContext?: Record<string, unknown>;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  topologySpreadConstraints?: { topologyKey: string; whenUnsatisfiable: string; maxSkew: number; minDomains?: number }[];
  priorityClassName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: { key: string }[];
  volumes?: { name: string; emptyDir?: unknown }[];
  terminationGracePeriodSeconds?: number;
}
export interface Workload {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  replicas: number;
  strategy?: { type: string };
  pod: PodSpec;
  resource: RecordedResource;
}

/** Deployments and Jobs as pod templates. */
export function workloads(rs: RecordedResource[]): Workload[] {
  return rs.filter((r) => r.type === DEPLOYMENT || r.type === JOB).map((r) => {
    const i = r.rawInputs as { metadata: { name: string; namespace: string }; spec: { replicas?: number; strategy?: { type: string }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } } };
    return { name: i.metadata.name, namespace: i.metadata.namespace, labels: i.spec.template.metadata.labels, replicas: i.spec.replicas ?? 1, strategy: i.spec.strategy, pod: i.spec.template.spec, resource: r };
  });
}

export function configMapData(rs: RecordedResource[], name: string, namespace?: string): Record<string, string> {
  const cm = rs.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && (r.rawInputs as { metadata: { name: string } }).metadata.name === name &&
    (namespace === undefined || (r.rawInputs as { metadata: { namespace: string } }).metadata.namespace === namespace));
  if (!cm) throw new Error(`no ConfigMap ${name}`);
  return (cm.rawInputs as { data: Record<string, string> }).data;
}

/** Every env name a container ends up with (literals, secret refs and its ConfigMaps). */
export function envOf(rs: RecordedResource[], c: Container): Map<string, { value?: string; secret?: string }> {
  const m = new Map<string, { value?: string; secret?: string }>();
  for (const f of c.envFrom ?? []) {
    if (f.configMapRef) for (const [k, v] of Object.entries(configMapData(rs, f.configMapRef.name))) m.set(k, { value: v });
  }
  for (const e of c.env ?? []) {
    m.set(e.name, e.valueFrom?.secretKeyRef ? { secret: `${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}` } : { value: e.value });
  }
  return m;
}

/** The value a `<secret>/<key>` reference resolves to (from the recorded Secrets). */
export function secretValue(rs: RecordedResource[], ref: string): string {
  const [name, key] = ref.split("/");
  const s = rs.find((r) => r.type === "kubernetes:core/v1:Secret" && (r.rawInputs as { metadata: { name: string } }).metadata.name === name);
  if (!s) throw new Error(`no Secret ${name}`);
  return (s.rawInputs as { stringData: Record<string, string> }).stringData[key];
}

/**
 * Every env name a Dify container sets is one its image reads (components/app/knownEnv.ts).
 * Containers of other images (backups, bootstrap, collector) are not Dify's and are skipped.
 */
export function assertKnownEnv(rs: RecordedResource[]): void {
  const images = Object.entries(DIFY_VERSIONS["1.16.1"]) as [keyof DifyImageSet, string][];
  let checked = 0;
  for (const x of workloads(rs)) {
    for (const c of x.pod.containers) {
      const kind = images.find(([, v]) => v === c.image)?.[0];
      if (!kind) continue;
      const known = KNOWN_ENV[kind];
      for (const name of envOf(rs, c).keys()) {
        assert.ok(name in known, `${x.name} sets ${name}, which ${c.image} does not read`);
        checked++;
      }
    }
  }
  assert.ok(checked > 100);
}
