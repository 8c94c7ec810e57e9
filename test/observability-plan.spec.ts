/**
 * Observability in the offline plan of the real stacks: prod ships logs, runs the collector,
 * creates the dashboard with the panels and the alarms with thresholds and SNS actions,
 * and wires Dify (OTLP, JSON logs, ALB name + access logs) and the backup alarms to it; dev keeps
 * logs and the dashboard but creates no alarm.
 */
import { strict as assert } from "assert";
import { Plan, planStack } from "../program/plan/plan";
import { RecordedResource } from "../program/plan/monitor";

const plans: Record<string, Plan> = {};
async function plan(stack: "dev" | "prod"): Promise<Plan> {
  plans[stack] ??= await planStack(stack);
  return plans[stack];
}
const ofType = (rs: RecordedResource[], t: string) => rs.filter((r) => r.type === t);
type Inputs = Record<string, unknown>;
const inputs = (r: RecordedResource) => r.rawInputs as Inputs;

describe("offline plan: observability", function () {
  this.timeout(120000);

  it("the CloudWatch add-on is pinned and never auto-instruments our restricted namespaces (Application Signals auto-monitor off)", async () => {
    for (const stack of ["prod"] as const) {
      const addon = ofType((await plan(stack)).recorded, "aws:eks/addon:Addon").find((a) => inputs(a).addonName === "amazon-cloudwatch-observability")!;
      // Pinned next to the cluster's 1.35 add-on pins, not EKS's moving default.
      assert.equal(inputs(addon).addonVersion, "v6.4.0-eksbuild.1", stack);
      // Chart 6.4.0 _helpers.tpl keeps an explicit monitorAllServices; left unset it becomes true in
      // supported regions and the operator annotates every Deployment a Service selects.
      const config = JSON.parse(String(inputs(addon).configurationValues)) as { manager: { applicationSignals: { autoMonitor: Record<string, unknown> } } };
      assert.equal(config.manager.applicationSignals.autoMonitor.monitorAllServices, false, stack);
      assert.equal(config.manager.applicationSignals.autoMonitor.restartPods, false, stack);
    }
  });

  it("prod: log shipping, collector, dashboard panels, alarms to the topic, Dify and backups wired in", async () => {
    const rs = (await plan("prod")).recorded;
    assert.equal(inputs(ofType(rs, "aws:eks/addon:Addon").find((a) => inputs(a).addonName === "amazon-cloudwatch-observability")!).clusterName, "dify-prod");
    const app = ofType(rs, "aws:cloudwatch/logGroup:LogGroup").find((g) => inputs(g).name === "/aws/containerinsights/dify-prod/application")!;
    assert.equal(inputs(app).retentionInDays, 90);
    assert.ok(ofType(rs, "kubernetes:apps/v1:Deployment").some((d) => (inputs(d).metadata as Inputs).name === "dify-otel-collector"));

    const body = JSON.parse(String(inputs(ofType(rs, "aws:cloudwatch/dashboard:Dashboard")[0]).dashboardBody));
    const titles = body.widgets.filter((w: { type: string }) => w.type === "metric").map((w: { properties: { title: string } }) => w.properties.title);
    for (const t of ["Requests per minute (load balancer)", "p95 latency (load balancer)", "5xx rate (load balancer)", "CPU against limit (pods)",
      "Memory against limit (pods)", "Replicas (HPA)", "Celery queue depth", "Postgres CPU", "Postgres connections", "Postgres replica lag",
      "Postgres free local storage", "Redis memory", "Redis evictions", "Redis connections", "Backups and restore verification"]) {
      assert.ok(titles.includes(t), `panel ${t}`);
    }
    // Dimensions name this stack's resources (mock ids: the Aurora cluster and Redis group DifyDatabaseHA creates).
    const text = JSON.stringify(body);
    assert.match(text, /"DBClusterIdentifier","dify-pg-0000000"/);
    assert.match(text, /"CacheClusterId","dify-redis-0000000-002"/);
    assert.match(text, /"LoadBalancer","app\/dify-prod\//);

    const topic = ofType(rs, "aws:sns/topic:Topic")[0];
    assert.ok(inputs(topic).kmsMasterKeyId);
    const alarms = ofType(rs, "aws:cloudwatch/metricAlarm:MetricAlarm");
    assert.ok(alarms.length >= 13 + 4, `${alarms.length} alarms`);
    for (const a of alarms) {
      assert.equal(typeof inputs(a).threshold, "number", a.name);
      assert.deepEqual(inputs(a).alarmActions, ["arn:aws:sns:us-east-1:123456789012:topic/dify-alarms"], `${a.name} notifies the topic`);
    }
    for (const id of ["dify-dump-failed", "dify-verify-failed", "dify-alb-5xx", "dify-db-replica-lag", "dify-nodes-not-ready", "dify-crash-loop"]) {
      assert.ok(alarms.some((a) => a.name === id), id);
    }

    const ingress = ofType(rs, "kubernetes:networking.k8s.io/v1:Ingress")[0];
    const ann = (inputs(ingress).metadata as { annotations: Record<string, string> }).annotations;
    assert.equal(ann["alb.ingress.kubernetes.io/load-balancer-name"], "dify-prod");
    assert.match(ann["alb.ingress.kubernetes.io/load-balancer-attributes"], /^idle_timeout\.timeout_seconds=600,.*access_logs\.s3\.enabled=true,access_logs\.s3\.bucket=dify-alb-logs-[a-z0-9-]+,access_logs\.s3\.prefix=alb$/);
    const cm = ofType(rs, "kubernetes:core/v1:ConfigMap").find((r) => (inputs(r).metadata as Inputs).name === "dify-api-config");
    const data = (cm ? inputs(cm).data : {}) as Record<string, string>;
    assert.equal(data.ENABLE_OTEL, "true");
    assert.equal(data.OTLP_BASE_ENDPOINT, "http://dify-otel-collector.dify-observability.svc.cluster.local:4318");
    assert.equal(data.LOG_OUTPUT_FORMAT, "json");
  });

  it("dev (dify:containerInsights false): no CloudWatch observability add-on; Fluent Bit ships the container logs; metrics-server keeps the metrics API", async () => {
    const rs = (await plan("dev")).recorded;
    const addons = ofType(rs, "aws:eks/addon:Addon").map((a) => inputs(a).addonName);
    assert.ok(!addons.includes("amazon-cloudwatch-observability"), String(addons));
    // KEDA's CPU triggers, the HPAs and `kubectl top` read the metrics API, which metrics-server serves (not the add-on).
    assert.ok(addons.includes("metrics-server"), String(addons));
    const rel = ofType(rs, "kubernetes:helm.sh/v3:Release").find((r) => inputs(r).chart === "aws-for-fluent-bit")!;
    assert.ok(rel, "aws-for-fluent-bit release");
    const out = (inputs(rel).values as { cloudWatchLogs: { logGroupName: string; enabled: boolean } }).cloudWatchLogs;
    assert.equal(out.logGroupName, "/aws/containerinsights/dify-dev/application");
    assert.deepEqual(ofType(rs, "aws:cloudwatch/logGroup:LogGroup").map((g) => String(inputs(g).name)).filter((n) => n.includes("containerinsights")), ["/aws/containerinsights/dify-dev/application"]);
    const body = String(inputs(ofType(rs, "aws:cloudwatch/dashboard:Dashboard")[0]).dashboardBody);
    assert.ok(!body.includes("ContainerInsights"), "no panel reads a Container Insights metric");
  });

  it("dify:containerInsights true in dev brings the add-on back; alarms on without it leave out only the Container Insights alarms", async () => {
    const on = (await planStack("dev", { overrides: { "dify:containerInsights": true }, policy: false })).recorded;
    assert.ok(ofType(on, "aws:eks/addon:Addon").some((a) => inputs(a).addonName === "amazon-cloudwatch-observability"));
    assert.ok(!ofType(on, "kubernetes:helm.sh/v3:Release").some((r) => inputs(r).chart === "aws-for-fluent-bit"));
    const alarms = ofType((await planStack("dev", { overrides: { "dify:alarms": true }, policy: false })).recorded, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.name);
    assert.ok(alarms.includes("dify-db-cpu") && alarms.includes("dify-alb-5xx") && alarms.includes("dify-celery-queue-depth"), String(alarms));
    assert.ok(!alarms.includes("dify-nodes-not-ready") && !alarms.includes("dify-crash-loop"), String(alarms));
  });

  it("dev: logs and dashboard, but no alarm, topic or subscription", async () => {
    const rs = (await plan("dev")).recorded;
    assert.equal(ofType(rs, "aws:cloudwatch/dashboard:Dashboard").length, 1);
    assert.equal(inputs(ofType(rs, "aws:cloudwatch/logGroup:LogGroup").find((g) => inputs(g).name === "/aws/containerinsights/dify-dev/application")!).retentionInDays, 7);
    for (const t of ["aws:cloudwatch/metricAlarm:MetricAlarm", "aws:sns/topic:Topic", "aws:sns/topicSubscription:TopicSubscription"]) {
      assert.equal(ofType(rs, t).length, 0, t);
    }
  });
});
