/**
 * DifyObservability: what an operator relies on at 3 a.m. Logs are shipped and kept for the
 * configured time, the collector is hardened, every dashboard panel reads a metric the stack's
 * sources really emit for the resources it creates, and the alarms notify the topic with the
 * configured thresholds. Bad arguments are refused before anything is registered.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { PROBE_SCRIPT } from "../components/observability/queueDepth";
import { ALARM_THRESHOLD_DEFAULTS, DifyObservabilityArgs, resolveObservability } from "../components/observability/args";
import { alarmSpecs, runbookAnchor } from "../components/observability/alarms";
import { panels } from "../components/observability/dashboard";
import { findMetric, METRICS } from "../components/observability/metrics";
import { RecordedResource, resolve, runUnderMocks } from "../program/plan/monitor";
import { LB_ID } from "../components/testing/observability";
import { CLUSTER, DB_CLUSTER, REDIS_GROUP, obsArgs, runObservability } from "./observability-fixture";
import { DifyObservability, alarmIds, dashboardIds } from "../components/observability/observability";

const ofType = (rs: RecordedResource[], t: string) => rs.filter((r) => r.type === t);
type Inputs = Record<string, unknown>;
const inputs = (r: RecordedResource) => r.rawInputs as Inputs;

/** Every metric a dashboard body reads: [namespace, name, dimensions] from rows and Metrics Insights queries. */
function metricsOf(body: string): { panel: string; namespace: string; metric: string; dims: Record<string, string> }[] {
  const out: { panel: string; namespace: string; metric: string; dims: Record<string, string> }[] = [];
  for (const w of (JSON.parse(body) as { widgets: { type: string; properties: { title?: string; metrics?: unknown[][] } }[] }).widgets) {
    if (w.type !== "metric") continue;
    for (const row of w.properties.metrics ?? []) {
      const head = row.filter((x) => typeof x === "string") as string[];
      const opts = row.find((x) => typeof x === "object") as { expression?: string } | undefined;
      if (head.length >= 2) {
        const dims: Record<string, string> = {};
        for (let i = 2; i + 1 < head.length; i += 2) dims[head[i]] = head[i + 1];
        out.push({ panel: w.properties.title!, namespace: head[0], metric: head[1], dims });
      } else if (opts?.expression?.startsWith("SELECT")) {
        const m = /^SELECT \w+\((\w+)\) FROM SCHEMA\("([^"]+)", ([^)]+)\)(?: WHERE (.*))?$/.exec(opts.expression)!;
        assert.ok(m, `unparsable query ${opts.expression}`);
        const dims: Record<string, string> = {};
        for (const d of m[3].split(", ")) dims[d] = "*";
        for (const [, k, v] of (m[4] ?? "").matchAll(/(\w+) = '([^']+)'/g)) if (dims[k] === "*") dims[k] = v;
        out.push({ panel: w.properties.title!, namespace: m[2], metric: m[1], dims });
      }
    }
  }
  return out;
}

describe("DifyObservability (prod)", () => {
  let rs: RecordedResource[];
  let obs: DifyObservability;
  before(async () => {
    const run = await runObservability();
    rs = run.resources;
    obs = run.value as DifyObservability;
  });

  it("ships logs: the CloudWatch add-on with its IRSA role, into pre-created KMS log groups kept 30 days", () => {
    const addon = ofType(rs, "aws:eks/addon:Addon")[0];
    assert.equal(inputs(addon).addonName, "amazon-cloudwatch-observability");
    assert.equal(inputs(addon).clusterName, CLUSTER);
    const role = ofType(rs, "aws:iam/role:Role").find((r) => r.name === "dify-cloudwatch-agent")!;
    assert.match(String(inputs(role).assumeRolePolicy), /system:serviceaccount:amazon-cloudwatch:cloudwatch-agent/);
    const groups = ofType(rs, "aws:cloudwatch/logGroup:LogGroup");
    for (const kind of ["application", "dataplane", "host", "performance"]) {
      const g = groups.find((x) => inputs(x).name === `/aws/containerinsights/${CLUSTER}/${kind}`);
      assert.ok(g, `log group ${kind}`);
      assert.equal(inputs(g).retentionInDays, 30);
      assert.ok(inputs(g).kmsKeyId);
      assert.equal(g.options.protect, true);
      // The add-on must not create the group first (it would keep logs forever).
      assert.ok(addon.dependencies.includes(g.urn), `add-on waits for ${kind}`);
    }
  });

  it("runs the collector PSS-restricted, pinned, with limits, 2 replicas and a PDB", () => {
    const d = ofType(rs, "kubernetes:apps/v1:Deployment").find((r) => (inputs(r).metadata as Inputs).name === "dify-otel-collector")!;
    const spec = (inputs(d).spec as { replicas: number; template: { spec: { securityContext: Inputs; containers: { image: string; securityContext: Inputs; resources: { limits: Inputs } }[] } } });
    assert.equal(spec.replicas, 2);
    const c = spec.template.spec.containers[0];
    assert.match(c.image, /^otel\/opentelemetry-collector-contrib:\d+\.\d+\.\d+$/);
    assert.equal(spec.template.spec.securityContext.runAsNonRoot, true);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual((c.securityContext.capabilities as Inputs).drop, ["ALL"]);
    assert.ok(c.resources.limits.memory && c.resources.limits.cpu);
    const ns = ofType(rs, "kubernetes:core/v1:Namespace").find((r) => (inputs(r).metadata as Inputs).name === "dify-observability")!;
    assert.equal(((inputs(ns).metadata as Inputs).labels as Inputs)["pod-security.kubernetes.io/enforce"], "restricted");
    assert.equal(ofType(rs, "kubernetes:policy/v1:PodDisruptionBudget").length, 1);
    const cfg = JSON.parse(((ofType(rs, "kubernetes:core/v1:ConfigMap")[0].rawInputs as Inputs).data as Inputs)["collector.yaml"] as string);
    assert.deepEqual(Object.keys(cfg.exporters).sort(), ["awsemf", "awsxray"]);
    assert.equal(cfg.exporters.awsemf.log_group_name, `/aws/dify/${CLUSTER}/otel-metrics`);
    assert.equal(cfg.receivers.prometheus.config.scrape_configs[0].metrics_path, "/metrics/");
    assert.deepEqual(cfg.receivers.prometheus.config.scrape_configs[0].static_configs[0].targets, ["dify-plugin-daemon.dify.svc.cluster.local:5002"]);
  });

  it("renders a dashboard whose every panel reads a metric its source emits, for resources this stack creates", async () => {
    const dash = ofType(rs, "aws:cloudwatch/dashboard:Dashboard")[0];
    assert.equal(inputs(dash).dashboardName, CLUSTER);
    const used = metricsOf(String(inputs(dash).dashboardBody));
    const titles = new Set(used.map((u) => u.panel));
    for (const t of ["Requests per minute (load balancer)", "p95 latency (load balancer)", "5xx rate (load balancer)", "CPU against limit (pods)",
      "Memory against limit (pods)", "Replicas (HPA)", "Celery queue depth", "Postgres CPU", "Postgres connections", "Postgres replica lag",
      "Postgres free local storage", "Redis memory", "Redis evictions", "Redis connections", "Backups and restore verification"]) {
      assert.ok(titles.has(t), `panel ${t}`);
    }
    // The identities the stack really has: its cluster, ALB (looked up by name), Aurora, Redis nodes, namespaces, Deployments, backups.
    const known: Record<string, (v: string) => boolean> = {
      ClusterName: (v) => v === CLUSTER,
      LoadBalancer: (v) => v === `app/dify-prod/${LB_ID}`,
      DBClusterIdentifier: (v) => v === DB_CLUSTER,
      CacheClusterId: (v) => v === `${REDIS_GROUP}-001` || v === `${REDIS_GROUP}-002`,
      Namespace: (v) => ["dify", "*"].includes(v), // "*": aggregated over the schema (whole cluster)
      PodName: (v) => ["dify-api", "dify-worker", "dify-web", "dify-plugin-daemon", "*"].includes(v),
      TargetGroup: (v) => v === "*",
      Queue: (v) => /^[a-z_]+$/.test(v),
    };
    for (const u of used) {
      const spec = findMetric(u.namespace, u.metric, "Dify/Backups/dify");
      assert.ok(spec, `${u.panel}: ${u.namespace}/${u.metric} is in the metric catalog`);
      assert.deepEqual(Object.keys(u.dims).sort(), [...spec.dimensions].sort(), `${u.panel}: ${u.metric} dimensions`);
      for (const [k, v] of Object.entries(u.dims)) assert.ok(known[k]?.(v), `${u.panel}: ${k}=${v} names a resource of this stack`);
    }
    assert.equal((await resolve(obs.loadBalancerArnSuffix)).value, `app/dify-prod/${LB_ID}`);
  });

  it("creates the queue-depth metric the Celery panel reads from the probe's log lines", () => {
    const f = ofType(rs, "aws:cloudwatch/logMetricFilter:LogMetricFilter").find((r) => r.name === "dify-celery-queue-depth")!;
    const t = inputs(f).metricTransformation as Inputs;
    assert.ok(findMetric(String(t.namespace), String(t.name)));
    assert.deepEqual(t.dimensions, { Queue: "$.log_processed.queue" });
    assert.equal(inputs(f).logGroupName, `/aws/containerinsights/${CLUSTER}/application`);
    const cron = ofType(rs, "kubernetes:batch/v1:CronJob")[0];
    const c = (inputs(cron).spec as { jobTemplate: { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } } }).jobTemplate.spec.template.spec.containers[0];
    assert.ok(c.env.some((e) => e.name === "REDISCLI_AUTH" && e.value === undefined), "the Redis password comes from a Secret");
  });

  it("alarms with their thresholds notify the KMS-encrypted topic, which mails the on-call address", () => {
    const topic = ofType(rs, "aws:sns/topic:Topic")[0];
    assert.ok(inputs(topic).kmsMasterKeyId);
    const sub = ofType(rs, "aws:sns/topicSubscription:TopicSubscription")[0];
    assert.deepEqual([inputs(sub).protocol, inputs(sub).endpoint], ["email", "oncall@example.com"]);
    const alarms = ofType(rs, "aws:cloudwatch/metricAlarm:MetricAlarm");
    const byId = new Map(alarms.map((a) => [a.name.replace(/^dify-/, ""), inputs(a)]));
    for (const id of ["alb-5xx", "alb-latency", "alb-unhealthy", "db-cpu", "db-local-storage", "db-replica-lag", "redis-memory-1", "redis-memory-2",
      "redis-evictions-1", "redis-evictions-2", "nodes-not-ready", "crash-loop", "celery-queue-depth"]) {
      const a = byId.get(id);
      assert.ok(a, `alarm ${id}`);
      // The mock's ARN for topic "dify-alarms" (components/testing/aws.ts).
      assert.deepEqual(a.alarmActions, ["arn:aws:sns:us-east-1:123456789012:topic/dify-alarms"], `${id} notifies the topic`);
      assert.deepEqual(a.okActions, a.alarmActions);
    }
    assert.equal(byId.get("alb-5xx")!.threshold, ALARM_THRESHOLD_DEFAULTS.alb5xxPercent.value);
    assert.equal(byId.get("alb-latency")!.extendedStatistic, "p95");
    assert.equal(byId.get("db-local-storage")!.threshold, 5 * 1024 ** 3);
    assert.deepEqual(byId.get("redis-memory-2")!.dimensions, { CacheClusterId: `${REDIS_GROUP}-002` });
    assert.match(String((byId.get("crash-loop")!.metricQueries as Inputs[])[0].expression), /FROM SCHEMA\("ContainerInsights", ClusterName, Namespace, PodName\) WHERE ClusterName = 'dify-prod'$/);
  });

  it("serves ALB access logs from an AES256 bucket only the ELB delivery account may write, under its prefix", () => {
    const policy = JSON.parse(String(inputs(ofType(rs, "aws:s3/bucketPolicy:BucketPolicy")[0]).policy));
    const put = policy.Statement.find((s: { Sid: string }) => s.Sid === "ElbLogDelivery");
    assert.deepEqual(put.Principal, { AWS: "arn:aws:iam::127311923021:root" });
    assert.match(put.Resource, /\/alb\/AWSLogs\/123456789012\/\*$/);
    const sse = inputs(ofType(rs, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[0]);
    assert.equal(((sse.rules as Inputs[])[0].applyServerSideEncryptionByDefault as Inputs).sseAlgorithm, "AES256");
  });
});

describe("DifyObservability (dev, alarms off; bad arguments)", () => {
  it("creates no alarm, topic or subscription when alarms are off, and no replica-lag panel without readers", async () => {
    const run = await runObservability({ alarms: false, databaseReaderCount: 0, protect: false });
    for (const t of ["aws:cloudwatch/metricAlarm:MetricAlarm", "aws:sns/topic:Topic", "aws:sns/topicSubscription:TopicSubscription"]) {
      assert.equal(ofType(run.resources, t).length, 0, t);
    }
    const body = String(inputs(ofType(run.resources, "aws:cloudwatch/dashboard:Dashboard")[0]).dashboardBody);
    assert.ok(!body.includes("AuroraReplicaLagMaximum"));
    assert.equal((await resolve((run.value as DifyObservability).alarmTopicArn)).value, undefined);
  });

  const refused: [string, Partial<DifyObservabilityArgs>, RegExp][] = [
    ["retention not accepted by CloudWatch", { logRetentionDays: 10 }, /args\.logRetentionDays: got 10, allowed one of 1, 3, 5, 7, 14, 30/],
    ["unknown threshold", { alarmThresholds: { alb5xx: 3 } as never }, /args\.alarmThresholds\.alb5xx: got 3, allowed a known threshold: alb5xxPercent/],
    ["threshold out of range", { alarmThresholds: { dbCpuPercent: 150 } }, /args\.alarmThresholds\.dbCpuPercent: got 150, allowed a number from 1 to 100 \(%\)/],
    ["bad e-mail", { alarmEmails: ["oncall"] }, /args\.alarmEmails\[0\]: got "oncall", allowed an e-mail address/],
    ["ALB name too long", { loadBalancerName: "x".repeat(33) }, /args\.loadBalancerName: got "x{33}", allowed 1-32 letters/],
    ["probe without data CIDRs", { dataCidrs: [] }, /args\.dataCidrs: got \[\], allowed at least one CIDR with args\.redis/],
    ["every problem at once", { logRetentionDays: 10, alarmEmails: ["oncall"], region: "Mars" }, /logRetentionDays: got 10.*region: got "Mars"|region: got "Mars".*logRetentionDays: got 10/],
  ];
  for (const [what, over, msg] of refused) {
    it(`refuses ${what} before registering anything`, async () => {
      const run = await runUnderMocks(() => {
        try { new DifyObservability("dify", obsArgs(over)); return ""; } catch (e) { return (e as Error).message; }
      }, { stack: "prod" });
      assert.match(run.value, msg);
      assert.match(run.value, /^DifyObservability "dify": /);
      assert.equal(run.resources.length, 0);
    });
  }

  it("every alarm and every panel has its runbook entry in docs/observability.md, and each alarm links to it", async () => {
    const doc = readFileSync("docs/observability.md", "utf8");
    const anchors = new Set([...doc.matchAll(/^### (.+)$/gm)].map((m) => m[1].toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-")));
    const ids = { clusterName: "c", albArnSuffix: "app/n/i", dbClusterId: "d", redisGroupId: "r" };
    const s = resolveObservability("dify", obsArgs());
    for (const a of alarmSpecs(alarmIds(s, ids, true))) assert.ok(anchors.has(runbookAnchor(a.title)), `runbook for alarm ${a.title}`);
    for (const p of panels(dashboardIds(s, ids, true, "Dify/Backups/dify"))) assert.ok(doc.includes(`### ${p.title}\n`), `runbook for panel ${p.title}`);
    const run = await runObservability();
    const alarm = run.resources.find((r) => r.name === "dify-crash-loop")!;
    assert.match(String(inputs(alarm).alarmDescription), /docs\/observability\.md#alarm-pods-crash-looping$/);
  });

  it("the queue-depth probe prints one JSON line per queue from LLEN on broker db 1, and fails loudly on a Redis error", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "probe-"));
    // Fake redis-cli: records its arguments; answers 7 for "dataset", 0 otherwise, or an error when asked to.
    writeFileSync(path.join(dir, "redis-cli"), `#!/bin/sh\necho "$@" >> "${dir}/args"\n[ -n "$FAIL" ] && { echo "NOAUTH Authentication required."; exit 0; }\nfor a; do q=$a; done\n[ "$q" = dataset ] && echo 7 || echo 0\n`);
    chmodSync(path.join(dir, "redis-cli"), 0o755);
    const env = { PATH: `${dir}:${process.env.PATH}`, REDIS_HOST: "redis.example", REDIS_PORT: "6379", REDIS_TLS: "true", QUEUES: "dataset mail", REDISCLI_AUTH: "pw" };
    const ok = spawnSync("sh", ["-c", PROBE_SCRIPT], { env, encoding: "utf8" });
    assert.equal(ok.status, 0, ok.stderr);
    assert.deepEqual(ok.stdout.trim().split("\n").map((l) => JSON.parse(l)), [
      { dify_metric: "celery_queue_depth", queue: "dataset", depth: 7 },
      { dify_metric: "celery_queue_depth", queue: "mail", depth: 0 },
    ]);
    const args = readFileSync(path.join(dir, "args"), "utf8");
    assert.match(args, /^--tls -h redis\.example -p 6379 -n 1 --no-auth-warning LLEN dataset$/m);
    const bad = spawnSync("sh", ["-c", PROBE_SCRIPT], { env: { ...env, FAIL: "1" }, encoding: "utf8" });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /LLEN dataset failed: NOAUTH/);
  });

  it("the metric catalog has no duplicate entries", () => {
    const keys = METRICS.map((m) => `${m.namespace}/${m.metric}`);
    assert.equal(new Set(keys).size, keys.length);
  });
});
