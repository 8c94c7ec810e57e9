/**
 * The CloudWatch dashboard body, built from data: one entry per panel with what it shows, why
 * it matters, and the metrics it reads (names from metrics.ts only, checked while building).
 * docs/observability.md describes each panel under the same title.
 */
import { PostgresEngine, postgresDimension, RESULT_METRICS } from "../contracts";
import { CELERY_DEPLOYMENT_DIMENSIONS, CELERY_DEPLOYMENT_QUEUE_DEPTH, CELERY_NAMESPACE, checkedMetric } from "./metrics";

/** Resolved identifiers of the resources the stack creates (plain strings: the body is JSON). */
export interface DashboardIds {
  region: string;
  clusterName: string;
  /** `app/<name>/<id>`: the LoadBalancer dimension. */
  albArnSuffix: string;
  /** Aurora cluster or DB instance identifier. */
  dbId: string;
  /** "aurora" or "rds-instance" (PostgresEngine): which AWS/RDS metrics exist. */
  dbEngine: string;
  /** ElastiCache node ids (`<group>-001`, ...). */
  redisNodeIds: string[];
  appNamespace: string;
  deployments: string[];
  /** KEDA's queue depth is exported (DifyObservability `kedaMetrics`): the Celery panel is shown only then. */
  queueDepth: boolean;
  /** DifyBackups' metric namespace; no backup panel when absent. */
  backupsNamespace?: string;
  /** Readers exist (the replica-lag panel is shown only then). */
  hasReaders: boolean;
  /** Container Insights metrics exist (the amazon-cloudwatch-observability add-on); without them the pod, replica and node panels are left out. Default true. */
  containerInsights?: boolean;
}

type MetricRow = (string | Record<string, unknown>)[];
interface Widget { type: string; x: number; y: number; width: number; height: number; properties: Record<string, unknown> }

/** One panel: title (the runbook heading), description and its metric rows. */
export interface Panel {
  title: string;
  description: string;
  stat: string;
  period: number;
  metrics: MetricRow[];
  yAxis?: Record<string, unknown>;
}

function row(ids: DashboardIds, namespace: string, metric: string, dims: Record<string, string>, opts: Record<string, unknown> = {}): MetricRow {
  checkedMetric(namespace, metric, dims, ids.backupsNamespace);
  const r: MetricRow = [namespace, metric, ...Object.entries(dims).flat()];
  if (Object.keys(opts).length > 0) r.push(opts);
  return r;
}

/** Metrics Insights query over a schema; its (namespace, metric, dimensions) are checked too. */
export function insightsQuery(ids: { backupsNamespace?: string }, fn: string, namespace: string, metric: string, schemaDims: string[], where: Record<string, string | string[]>, groupBy?: string): string {
  checkedMetric(namespace, metric, Object.fromEntries(schemaDims.map((d) => [d, "x"])), ids.backupsNamespace);
  if (groupBy !== undefined && !schemaDims.includes(groupBy)) throw new Error(`cannot group ${namespace}/${metric} by ${groupBy}: not one of its dimensions [${schemaDims.join(", ")}]`);
  const cond = Object.entries(where).map(([k, v]) =>
    Array.isArray(v) ? `(${v.map((x) => `${k} = '${x}'`).join(" OR ")})` : `${k} = '${v}'`);
  return `SELECT ${fn}(${metric}) FROM SCHEMA("${namespace}", ${schemaDims.join(", ")})${cond.length ? ` WHERE ${cond.join(" AND ")}` : ""}${groupBy ? ` GROUP BY ${groupBy}` : ""}`;
}

/** The panels, in dashboard order. */
export function panels(ids: DashboardIds): Panel[] {
  const lb = { LoadBalancer: ids.albArnSuffix };
  const pod = (d: string) => ({ PodName: d, Namespace: ids.appNamespace, ClusterName: ids.clusterName });
  const db = { [postgresDimension(ids.dbEngine)]: ids.dbId };
  const instance = ids.dbEngine === PostgresEngine.RdsInstance;
  const ci = "ContainerInsights";
  const insights = ids.containerInsights !== false;
  const out: Panel[] = [
    { title: "Requests per minute (load balancer)", description: "Requests the ALB received; a drop to zero with users online means DNS, certificate or ALB trouble.",
      stat: "Sum", period: 60, metrics: [row(ids, "AWS/ApplicationELB", "RequestCount", lb)] },
    { title: "p95 latency (load balancer)", description: "95th percentile time to the first response byte from Dify (TargetResponseTime); streamed answers count until their first byte.",
      stat: "p95", period: 60, metrics: [row(ids, "AWS/ApplicationELB", "TargetResponseTime", lb, { stat: "p95", label: "p95" }), row(ids, "AWS/ApplicationELB", "TargetResponseTime", lb, { stat: "p50", label: "p50" })] },
    { title: "5xx rate (load balancer)", description: "Percent of requests answered 5xx, by the ALB itself (no healthy target, timeouts) plus by Dify.",
      stat: "Sum", period: 60, yAxis: { left: { min: 0, label: "%" } }, metrics: [
        row(ids, "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", lb, { id: "elb", visible: false }),
        row(ids, "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", lb, { id: "target", visible: false }),
        row(ids, "AWS/ApplicationELB", "RequestCount", lb, { id: "req", visible: false }),
        [{ expression: "100 * (FILL(elb, 0) + FILL(target, 0)) / req", label: "5xx %", id: "rate" }],
      ] },
    { title: "Unhealthy targets (load balancer)", description: "Targets failing ALB health checks, summed over Dify's target groups (api, web, plugin daemon).",
      stat: "Maximum", period: 60, metrics: [[{ expression: insightsQuery(ids, "MAX", "AWS/ApplicationELB", "UnHealthyHostCount", ["LoadBalancer", "TargetGroup"], lb), label: "unhealthy", id: "u" }]] },
    ...(insights ? [{ title: "CPU against limit (pods)", description: "Average pod CPU as percent of its CPU limit, per Deployment; near 100 means throttling.",
      stat: "Average", period: 60, yAxis: { left: { min: 0, max: 100 } }, metrics: ids.deployments.map((d) => row(ids, ci, "pod_cpu_utilization_over_pod_limit", pod(d), { label: d })) },
    { title: "Memory against limit (pods)", description: "Average pod memory as percent of its memory limit, per Deployment; at 100 the kernel OOM-kills the container.",
      stat: "Average", period: 60, yAxis: { left: { min: 0, max: 100 } }, metrics: ids.deployments.map((d) => row(ids, ci, "pod_memory_utilization_over_pod_limit", pod(d), { label: d })) },
    { title: "Replicas (HPA)", description: "Ready against desired replicas per Deployment; the HPA sets desired, a gap means pods that cannot start or schedule.",
      stat: "Maximum", period: 60, metrics: ids.deployments.flatMap((d) => [
        row(ids, ci, "replicas_desired", pod(d), { label: `${d} desired` }),
        row(ids, ci, "replicas_ready", pod(d), { label: `${d} ready` }),
      ]) }] : []),
    ...(ids.queueDepth ? [{ title: "Celery queue depth", description: "Messages waiting per worker Deployment: the sum of the queue lengths its ScaledObject's Redis triggers read to scale it (every 30 s; exported each minute); growth means its workers cannot keep up. Per-queue values: Logs Insights on the otel-metrics log group.",
      // One line per worker Deployment (its ScaledObject); per-queue values are in the EMF log events only (collectorConfig.ts).
      stat: "Maximum", period: 60, metrics: [[{ expression: insightsQuery(ids, "MAX", CELERY_NAMESPACE, CELERY_DEPLOYMENT_QUEUE_DEPTH, CELERY_DEPLOYMENT_DIMENSIONS, { ClusterName: ids.clusterName }, "ScaledObject"), id: "q" }]] }] : []),
    { title: "Postgres CPU", description: instance ? "CPU of the DB instance (a burstable class spends CPU credits above its baseline)." : "Aurora CPU, maximum over the cluster's instances.",
      stat: "Maximum", period: 60, yAxis: { left: { min: 0, max: 100 } }, metrics: [row(ids, "AWS/RDS", "CPUUtilization", db)] },
    { title: "Postgres connections", description: "Open connections; Dify's pools are sized from the replica ceilings (DifyDatabaseHA), so a climb to max_connections means a leak or an oversized HPA.",
      stat: "Maximum", period: 60, metrics: [row(ids, "AWS/RDS", "DatabaseConnections", db)] },
    ...(instance ? [
      { title: "Postgres free storage", description: "Free space on the DB instance's gp3 volume (data, WAL, temp files); it does not grow by itself.",
        stat: "Minimum", period: 300, metrics: [row(ids, "AWS/RDS", "FreeStorageSpace", db)] },
      { title: "Postgres freeable memory", description: "Memory left for PostgreSQL's connections and the OS page cache on the DB instance.",
        stat: "Minimum", period: 60, metrics: [row(ids, "AWS/RDS", "FreeableMemory", db)] },
    ] : [
      { title: "Postgres free local storage", description: "Instance-local storage left for temp tables and sorts (the cluster volume itself grows automatically).",
        stat: "Minimum", period: 300, metrics: [row(ids, "AWS/RDS", "FreeLocalStorage", db)] },
    ]),
    ...(ids.hasReaders && !instance ? [{ title: "Postgres replica lag", description: "Maximum replica lag of the Aurora readers, in milliseconds; readers are the failover targets.",
      stat: "Maximum", period: 60, metrics: [row(ids, "AWS/RDS", "AuroraReplicaLagMaximum", db)] }] : []),
    { title: "Redis memory", description: "Memory used of maxmemory per node; Redis is Dify's cache and Celery broker.",
      stat: "Maximum", period: 60, yAxis: { left: { min: 0, max: 100 } }, metrics: ids.redisNodeIds.map((n) => row(ids, "AWS/ElastiCache", "DatabaseMemoryUsagePercentage", { CacheClusterId: n }, { label: n })) },
    { title: "Redis evictions", description: "Keys evicted for lack of memory; an evicted Celery message is a lost task.",
      stat: "Sum", period: 60, metrics: ids.redisNodeIds.map((n) => row(ids, "AWS/ElastiCache", "Evictions", { CacheClusterId: n }, { label: n })) },
    { title: "Redis connections", description: "Client connections per node.",
      stat: "Maximum", period: 60, metrics: ids.redisNodeIds.map((n) => row(ids, "AWS/ElastiCache", "CurrConnections", { CacheClusterId: n }, { label: n })) },
    ...(insights ? [{ title: "Nodes and crash loops", description: "Nodes failing a node condition, all nodes, and containers in CrashLoopBackOff anywhere in the cluster.",
      stat: "Maximum", period: 60, metrics: [
        row(ids, ci, "cluster_failed_node_count", { ClusterName: ids.clusterName }, { label: "failed nodes" }),
        row(ids, ci, "cluster_node_count", { ClusterName: ids.clusterName }, { label: "nodes" }),
        [{ expression: insightsQuery(ids, "SUM", ci, "pod_container_status_waiting_reason_crash_loop_back_off", ["ClusterName", "Namespace", "PodName"],
          { ClusterName: ids.clusterName }), label: "crash-looping containers", id: "crash" }],
      ] }] : []),
  ];
  if (ids.backupsNamespace !== undefined) {
    const ns = ids.backupsNamespace;
    out.push({ title: "Backups and restore verification", description: "Successful and failed database dumps and restore verifications per day (DifyBackups result lines).",
      stat: "Sum", period: 86400, metrics: RESULT_METRICS.flatMap((r) => (["success", "failure"] as const).map((o) => row(ids, ns, `${r.id}-${o}`, {}, { label: `${r.id} ${o}` }))) });
  }
  return out;
}

/** The dashboard JSON body: a header, then the panels two per row. */
export function dashboardBody(ids: DashboardIds): string {
  const widgets: Widget[] = [{
    type: "text", x: 0, y: 0, width: 24, height: 2,
    properties: { markdown: `# Dify on ${ids.clusterName}\nWhat each panel means and what to do: docs/observability.md in the dify-aws repository.` },
  }];
  panels(ids).forEach((p, i) => {
    widgets.push({
      type: "metric", x: (i % 2) * 12, y: 2 + Math.floor(i / 2) * 6, width: 12, height: 6,
      properties: {
        title: p.title, region: ids.region, view: "timeSeries", stacked: false, stat: p.stat, period: p.period,
        metrics: p.metrics, ...(p.yAxis ? { yAxis: p.yAxis } : {}),
      },
    });
  });
  return JSON.stringify({ widgets });
}
