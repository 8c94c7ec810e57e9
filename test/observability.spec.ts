/**
 * DifyObservability: what an operator relies on at 3 a.m. Logs are shipped and kept for the
 * configured time, the collector is hardened, every dashboard panel reads a metric the stack's
 * sources really emit for the resources it creates, and the alarms notify the topic with the
 * configured thresholds. Bad arguments are refused before anything is registered.
 */
import { strict as assert } from "assert";
import { readFileSync } from "fs";
import { ALARM_THRESHOLD_DEFAULTS, DifyObservabilityArgs, resolveObservability } from "../components/observability/args";
import { alarmSpecs, runbookAnchor } from "../components/observability/alarms";
import { panels } from "../components/observability/dashboard";
import { findMetric, METRICS, MetricSource } from "../components/observability/metrics";
import { RecordedResource, resolve, runUnderMocks } from "../program/plan/monitor";
import { LB_ID } from "../components/testing/observability";
import { CLUSTER, DB_CLUSTER, REDIS_GROUP, obsArgs, runObservability } from "./observability-fixture";
import { DifyObservability, alarmIds, dashboardIds } from "../components/observability/observability";
import { DifyLoadBalancerMonitoring } from "../components/observability/loadBalancerMonitoring";

const ofType = (rs: RecordedResource[], t: string) => rs.filter((r) => r.type === t);
type Inputs = Record<string, unknown>;
const inputs = (r: RecordedResource) => r.rawInputs as Inputs;

/**
 * Prometheus metric relabelling (keep, replace, labelkeep; regexes anchored, default separator ";",
 * default replacement "$1"), enough to run the collector's KEDA rules on KEDA's label sets.
 */
function relabel(rules: { action: string; source_labels?: string[]; separator?: string; regex?: string; target_label?: string; replacement?: string }[], labels: Record<string, string>): Record<string, string> | undefined {
  let l = { ...labels };
  for (const r of rules) {
    const re = new RegExp(`^(?:${r.regex ?? "(.*)"})$`);
    const value = (r.source_labels ?? []).map((k) => l[k] ?? "").join(r.separator ?? ";");
    if (r.action === "keep") { if (!re.test(value)) return undefined; }
    else if (r.action === "replace") { const m = re.exec(value); if (m) l[r.target_label!] = (r.replacement ?? "$1").replace(/\$(\d)/g, (_, i) => m[Number(i)] ?? ""); }
    else if (r.action === "labelkeep") l = Object.fromEntries(Object.entries(l).filter(([k]) => re.test(k)));
    else throw new Error(`relabel action ${r.action} not modelled`);
  }
  return l;
}

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
        const m = /^SELECT \w+\((\w+)\) FROM SCHEMA\("([^"]+)", ([^)]+)\)(?: WHERE (.*?))?(?: GROUP BY \w+)?$/.exec(opts.expression)!;
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
  let monitoring: DifyLoadBalancerMonitoring;
  before(async () => {
    const run = await runObservability();
    rs = run.resources;
    monitoring = run.monitoring;
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
    assert.deepEqual(Object.keys(cfg.exporters).sort(), ["awsemf", "awsemf/keda", "awsxray"]);
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
      Queue: (v) => v === "*", // grouped by: one line per queue KEDA measures
      ScaledObject: (v) => v === "*",
    };
    for (const u of used) {
      const spec = findMetric(u.namespace, u.metric, "Dify/Backups/dify", Object.keys(u.dims));
      assert.ok(spec, `${u.panel}: ${u.namespace}/${u.metric} is in the metric catalog`);
      assert.deepEqual(Object.keys(u.dims).sort(), [...spec.dimensions].sort(), `${u.panel}: ${u.metric} dimensions`);
      for (const [k, v] of Object.entries(u.dims)) assert.ok(known[k]?.(v), `${u.panel}: ${k}=${v} names a resource of this stack`);
    }
    assert.equal((await resolve(monitoring.loadBalancerArnSuffix)).value, `app/dify-prod/${LB_ID}`);
  });

  it("the Celery panel and alarm read KEDA's queue depth, published as one CloudWatch metric per worker Deployment (per-queue values in the EMF logs only); no probe CronJob", () => {
    const dash = ofType(rs, "aws:cloudwatch/dashboard:Dashboard")[0];
    const panel = (JSON.parse(String(inputs(dash).dashboardBody)) as { widgets: { properties: { title?: string; metrics?: { expression?: string }[][] } }[] }).widgets
      .find((w) => w.properties.title === "Celery queue depth")!;
    const query = String(panel.properties.metrics![0][0].expression);
    assert.equal(query, `SELECT MAX(celery_queue_depth) FROM SCHEMA("Dify/Celery", ClusterName, ScaledObject) WHERE ClusterName = '${CLUSTER}' GROUP BY ScaledObject`);
    assert.equal(findMetric("Dify/Celery", "celery_queue_depth")!.source, MetricSource.Keda);
    assert.equal(findMetric("Dify/Celery", "keda_scaler_metrics_value"), undefined, "the per-queue gauge is not a CloudWatch metric");
    const alarm = ofType(rs, "aws:cloudwatch/metricAlarm:MetricAlarm").find((r) => r.name === "dify-celery-queue-depth")!;
    assert.match(String((inputs(alarm).metricQueries as Inputs[])[0].expression), /^SELECT MAX\(celery_queue_depth\) FROM SCHEMA\("Dify\/Celery", ClusterName, ScaledObject\) WHERE ClusterName = 'dify-prod'$/);
    // The collector writes exactly that metric, namespace and dimension set.
    const cfg = JSON.parse(((ofType(rs, "kubernetes:core/v1:ConfigMap")[0].rawInputs as Inputs).data as Inputs)["collector.yaml"] as string);
    const job = cfg.receivers["prometheus/keda"].config.scrape_configs[0];
    assert.deepEqual(job.static_configs[0].targets, ["keda-operator.kube-system.svc.cluster.local:8080"]);
    assert.equal(job.metrics_path, "/metrics");
    const emf = cfg.exporters["awsemf/keda"];
    assert.equal(emf.namespace, "Dify/Celery");
    assert.equal(emf.dimension_rollup_option, "NoDimensionRollup");
    assert.deepEqual(cfg.service.pipelines["metrics/keda"], { receivers: ["prometheus/keda"], processors: ["memory_limiter", "metricstransform/keda", "batch"], exporters: ["awsemf/keda"] });
    // metricstransform: a copy of KEDA's gauge summed over the queues of each ScaledObject.
    const [t] = cfg.processors["metricstransform/keda"].transforms;
    assert.deepEqual([t.include, t.action, t.new_name], ["keda_scaler_metrics_value", "insert", "celery_queue_depth"]);
    assert.deepEqual(t.operations, [{ action: "aggregate_labels", label_set: ["ClusterName", "ScaledObject"], aggregation_type: "sum" }]);
    // awsemf makes CloudWatch metrics only of what a declaration selects: the per-Deployment sum by
    // {ClusterName, ScaledObject}; the per-queue gauge matches none (EMF log events only).
    const selected = (metric: string) => (emf.metric_declarations as { dimensions: string[][]; metric_name_selectors: string[] }[])
      .filter((d) => d.metric_name_selectors.some((r) => new RegExp(r).test(metric))).flatMap((d) => d.dimensions);
    assert.deepEqual(selected("celery_queue_depth"), [["ClusterName", "ScaledObject"]]);
    assert.deepEqual(selected("keda_scaler_metrics_value"), []);
    const series = (labels: Record<string, string>) => relabel(job.metric_relabel_configs, { job: "keda-operator", instance: "x:8080", ...labels });
    // KEDA's labels (kedacore/keda v2.20.2 pkg/metricscollector/prommetrics.go getLabels; redis_scaler.go metric name).
    const keda = { namespace: "dify", scaledObject: "dify-worker-datasets", scaler: "queue-priority-dataset", triggerIndex: "1", type: "scaledobject" };
    assert.deepEqual(series({ __name__: "keda_scaler_metrics_value", ...keda, metric: "s1-redis-priority_dataset" }),
      { __name__: "keda_scaler_metrics_value", job: "keda-operator", instance: "x:8080", ClusterName: CLUSTER, Queue: "priority_dataset", ScaledObject: "dify-worker-datasets" });
    assert.equal(series({ __name__: "keda_scaler_metrics_value", ...keda, namespace: "other-app", metric: "s0-redis-jobs" }), undefined, "another namespace's ScaledObject");
    assert.equal(series({ __name__: "keda_scaler_metrics_value", ...keda, metric: "s0-kafka-orders" }), undefined, "a non-Redis trigger");
    assert.equal(series({ __name__: "keda_scaler_active", ...keda, metric: "s1-redis-priority_dataset" }), undefined, "other KEDA metrics");
    assert.equal(ofType(rs, "kubernetes:batch/v1:CronJob").length, 0);
    assert.equal(ofType(rs, "aws:cloudwatch/logMetricFilter:LogMetricFilter").length, 0);
  });

  it("without kedaMetrics there is no KEDA scrape, Celery panel or queue alarm", async () => {
    const run = await runObservability({ kedaMetrics: undefined });
    const cfg = JSON.parse(((ofType(run.resources, "kubernetes:core/v1:ConfigMap")[0].rawInputs as Inputs).data as Inputs)["collector.yaml"] as string);
    assert.deepEqual(Object.keys(cfg.receivers).sort(), ["otlp", "prometheus"]);
    assert.ok(!String(inputs(ofType(run.resources, "aws:cloudwatch/dashboard:Dashboard")[0]).dashboardBody).includes("Celery"));
    assert.ok(!run.resources.some((r) => r.name === "dify-celery-queue-depth"));
  });

  it("without Container Insights (containerLogShipper fluent-bit): Fluent Bit ships the logs, no add-on or its log groups, and no panel or alarm reads a Container Insights metric", async () => {
    const run = await runObservability({ containerLogShipper: "fluent-bit" });
    assert.equal(ofType(run.resources, "aws:eks/addon:Addon").length, 0);
    assert.ok(ofType(run.resources, "kubernetes:helm.sh/v3:Release").some((r) => inputs(r).chart === "aws-for-fluent-bit"));
    assert.deepEqual(ofType(run.resources, "aws:cloudwatch/logGroup:LogGroup").map((g) => String(inputs(g).name)).sort(),
      [`/aws/containerinsights/${CLUSTER}/application`, `/aws/dify/${CLUSTER}/otel-metrics`]);
    const body = String(inputs(ofType(run.resources, "aws:cloudwatch/dashboard:Dashboard")[0]).dashboardBody);
    assert.ok(!body.includes("ContainerInsights"), "no Container Insights panel");
    assert.ok(body.includes("Celery queue depth") && body.includes("Redis memory"), "the other panels stay");
    const alarms = ofType(run.resources, "aws:cloudwatch/metricAlarm:MetricAlarm");
    assert.ok(alarms.length > 0);
    for (const a of alarms) assert.ok(!JSON.stringify(inputs(a)).includes("ContainerInsights"), `${a.name} reads no Container Insights metric`);
    assert.ok(!alarms.some((a) => /nodes-not-ready|crash-loop/.test(a.name)));
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
    ["KEDA metrics port out of range", { kedaMetrics: { namespace: "kube-system", service: "keda-operator", podLabels: { app: "keda-operator" }, port: 0 } }, /args\.kedaMetrics\.port: got 0, allowed an integer from 1 to 65535/],
    ["an unknown container log shipper", { containerLogShipper: "fluentd" }, /args\.containerLogShipper: got "fluentd", allowed "cloudwatch-addon" or "fluent-bit"/],
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
    const ids = { clusterName: "c", albArnSuffix: "app/n/i", dbId: "d", redisGroupId: "r" };
    for (const engine of ["aurora", "rds-instance"]) {
      const s = resolveObservability("dify", { ...obsArgs(), databaseEngine: engine, databaseReaderCount: engine === "aurora" ? 1 : 0 });
      for (const a of alarmSpecs(alarmIds(s, ids))) assert.ok(anchors.has(runbookAnchor(a.title)), `runbook for alarm ${a.title}`);
      for (const p of panels(dashboardIds(s, ids, "Dify/Backups/dify"))) assert.ok(doc.includes(`### ${p.title}\n`), `runbook for panel ${p.title}`);
    }
    const run = await runObservability();
    const alarm = run.resources.find((r) => r.name === "dify-crash-loop")!;
    assert.match(String(inputs(alarm).alarmDescription), /docs\/observability\.md#alarm-pods-crash-looping$/);
  });

  it("an RDS DB instance (databaseEngine rds-instance) is alarmed by DBInstanceIdentifier on CPU, free storage and freeable memory; no Aurora-only alarm", () => {
    const s = resolveObservability("dify", { ...obsArgs(), databaseEngine: "rds-instance", databaseReaderCount: 0 });
    const specs = alarmSpecs(alarmIds(s, { clusterName: "c", albArnSuffix: "app/n/i", dbId: "dify-pg-1a2b3c4d", redisGroupId: "r" }));
    const db = specs.filter((a) => a.id.startsWith("db-"));
    assert.deepEqual(db.map((a) => [a.id, a.metric!.name]), [["db-cpu", "CPUUtilization"], ["db-storage", "FreeStorageSpace"], ["db-memory", "FreeableMemory"]]);
    for (const a of db) assert.deepEqual(a.metric!.dimensions, { DBInstanceIdentifier: "dify-pg-1a2b3c4d" });
    assert.equal(db.find((a) => a.id === "db-storage")!.scale, 1024 ** 3, "dbFreeStorageGiB is in GiB, the metric in bytes");
    assert.throws(() => resolveObservability("dify", { ...obsArgs(), databaseEngine: "rds-instance", databaseReaderCount: 1 }), /args\.databaseReaderCount/);
    assert.throws(() => resolveObservability("dify", { ...obsArgs(), databaseEngine: "mysql" }), /args\.databaseEngine/);
  });

  it("the metric catalog has no duplicate entries (a metric appears once per dimension set)", () => {
    const keys = METRICS.map((m) => `${m.namespace}/${m.metric}/${[...m.dimensions].sort().join(",")}`);
    assert.equal(new Set(keys).size, keys.length);
  });
});
