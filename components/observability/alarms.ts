/**
 * The alarms, from data: each names its threshold (args.alarmThresholds), what it watches and the
 * runbook entry (docs/observability.md, same title). All notify one KMS-encrypted SNS topic, and
 * notify again when they recover.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmThresholds } from "./args";
import { insightsQuery } from "./dashboard";
import { CELERY_DEPLOYMENT_DIMENSIONS, CELERY_DEPLOYMENT_QUEUE_DEPTH, CELERY_NAMESPACE, checkedMetric } from "./metrics";
import { PostgresEngine, postgresDimension } from "../contracts";

/** What the alarms need to know about the stack's resources. */
export interface AlarmIds {
  clusterName: string;
  albArnSuffix: string;
  /** Aurora cluster or DB instance identifier. */
  dbId: string;
  /** "aurora" or "rds-instance" (PostgresEngine): which AWS/RDS metrics exist. */
  dbEngine: string;
  redisNodeIds: string[];
  appNamespace: string;
  observabilityNamespace: string;
  hasReaders: boolean;
  hasQueueDepth: boolean;
  /**
   * Container Insights metrics exist (the amazon-cloudwatch-observability add-on). Without them the
   * nodes-not-ready and crash-loop alarms are left out: nothing would publish their metrics, and an
   * alarm on a metric nothing emits never fires. Default true.
   */
  containerInsights?: boolean;
}

type Query = aws.types.input.cloudwatch.MetricAlarmMetricQuery;

/** One alarm, resolved to plain values (the tests read these too). */
export interface AlarmSpec {
  /** Logical id, e.g. "alb-5xx"; also the runbook anchor. */
  id: string;
  /** Runbook heading in docs/observability.md. */
  title: string;
  threshold: keyof AlarmThresholds;
  /** Multiplier from the configured unit to the metric's unit (GiB -> bytes). Default 1. */
  scale?: number;
  comparison: string;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: string;
  /** A single metric... */
  metric?: { namespace: string; name: string; dimensions: Record<string, string>; statistic?: string; extendedStatistic?: string; period: number };
  /** ...or metric queries (math or Metrics Insights), the one with returnData producing the alarmed series. */
  queries?: Query[];
}

const q = (id: string, namespace: string, name: string, dims: Record<string, string>, stat: string, period: number): Query => {
  checkedMetric(namespace, name, dims);
  return { id, returnData: false, metric: { namespace, metricName: name, dimensions: dims, stat, period } };
};

export function alarmSpecs(ids: AlarmIds): AlarmSpec[] {
  const lb = { LoadBalancer: ids.albArnSuffix };
  const db = { [postgresDimension(ids.dbEngine)]: ids.dbId };
  const instance = ids.dbEngine === PostgresEngine.RdsInstance;
  const single = (namespace: string, name: string, dimensions: Record<string, string>, period: number, stat: string) => {
    checkedMetric(namespace, name, dimensions);
    return stat.startsWith("p") ? { namespace, name, dimensions, extendedStatistic: stat, period } : { namespace, name, dimensions, statistic: stat, period };
  };
  const specs: AlarmSpec[] = [
    { id: "alb-5xx", title: "5xx rate", threshold: "alb5xxPercent", comparison: "GreaterThanThreshold", evaluationPeriods: 3, datapointsToAlarm: 2, treatMissingData: "notBreaching",
      queries: [
        q("elb", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", lb, "Sum", 300),
        q("target", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", lb, "Sum", 300),
        q("req", "AWS/ApplicationELB", "RequestCount", lb, "Sum", 300),
        // Below 20 requests per 5 minutes a single error is not a rate worth waking someone for.
        { id: "rate", returnData: true, label: "5xx percent", expression: "IF(req >= 20, 100 * (FILL(elb, 0) + FILL(target, 0)) / req, 0)" },
      ] },
    { id: "alb-latency", title: "p95 latency", threshold: "albP95LatencySeconds", comparison: "GreaterThanThreshold", evaluationPeriods: 3, datapointsToAlarm: 2, treatMissingData: "notBreaching",
      metric: single("AWS/ApplicationELB", "TargetResponseTime", lb, 300, "p95") },
    { id: "alb-unhealthy", title: "Unhealthy targets", threshold: "albUnhealthyTargets", comparison: "GreaterThanOrEqualToThreshold", evaluationPeriods: 5, datapointsToAlarm: 5, treatMissingData: "notBreaching",
      // No LoadBalancer-only UnHealthyHostCount exists: a Metrics Insights query sums the target groups.
      queries: [{ id: "u", returnData: true, period: 60, label: "unhealthy targets", expression: insightsQuery({}, "MAX", "AWS/ApplicationELB", "UnHealthyHostCount", ["LoadBalancer", "TargetGroup"], lb) }] },
    { id: "db-cpu", title: "Postgres CPU", threshold: "dbCpuPercent", comparison: "GreaterThanThreshold", evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData: "missing",
      metric: single("AWS/RDS", "CPUUtilization", db, 300, "Maximum") },
    ...(instance ? [
      { id: "db-storage", title: "Postgres free storage", threshold: "dbFreeStorageGiB" as const, scale: 1024 ** 3, comparison: "LessThanThreshold", evaluationPeriods: 2, datapointsToAlarm: 2, treatMissingData: "missing",
        metric: single("AWS/RDS", "FreeStorageSpace", db, 300, "Minimum") },
      { id: "db-memory", title: "Postgres freeable memory", threshold: "dbFreeableMemoryMiB" as const, scale: 1024 ** 2, comparison: "LessThanThreshold", evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData: "missing",
        metric: single("AWS/RDS", "FreeableMemory", db, 300, "Minimum") },
    ] : [
      { id: "db-local-storage", title: "Postgres free local storage", threshold: "dbFreeLocalStorageGiB" as const, scale: 1024 ** 3, comparison: "LessThanThreshold", evaluationPeriods: 2, datapointsToAlarm: 2, treatMissingData: "missing",
        metric: single("AWS/RDS", "FreeLocalStorage", db, 300, "Minimum") },
    ]),
    ...(ids.hasReaders && !instance ? [{ id: "db-replica-lag", title: "Postgres replica lag", threshold: "dbReplicaLagMilliseconds" as const, comparison: "GreaterThanThreshold", evaluationPeriods: 5, datapointsToAlarm: 3, treatMissingData: "missing",
      metric: single("AWS/RDS", "AuroraReplicaLagMaximum", db, 60, "Maximum") }] : []),
    ...ids.redisNodeIds.flatMap((n, i): AlarmSpec[] => [
      { id: `redis-memory-${i + 1}`, title: "Redis memory", threshold: "redisMemoryPercent", comparison: "GreaterThanThreshold", evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData: "missing",
        metric: single("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", { CacheClusterId: n }, 300, "Maximum") },
      { id: `redis-evictions-${i + 1}`, title: "Redis evictions", threshold: "redisEvictions", comparison: "GreaterThanOrEqualToThreshold", evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: "notBreaching",
        metric: single("AWS/ElastiCache", "Evictions", { CacheClusterId: n }, 300, "Sum") },
    ]),
    ...(ids.containerInsights === false ? [] : containerInsightsAlarms(ids, single)),
  ];
  if (ids.hasQueueDepth) {
    specs.push({ id: "celery-queue-depth", title: "Celery queue depth", threshold: "celeryQueueDepth", comparison: "GreaterThanThreshold", evaluationPeriods: 10, datapointsToAlarm: 10, treatMissingData: "notBreaching",
      queries: [{ id: "d", returnData: true, period: 60, label: "most messages waiting for one worker Deployment", expression: insightsQuery({}, "MAX", CELERY_NAMESPACE, CELERY_DEPLOYMENT_QUEUE_DEPTH, CELERY_DEPLOYMENT_DIMENSIONS, { ClusterName: ids.clusterName }) }] });
  }
  return specs;
}

/** The alarms on Container Insights metrics (only with the amazon-cloudwatch-observability add-on). */
function containerInsightsAlarms(ids: AlarmIds, single: (namespace: string, name: string, dimensions: Record<string, string>, period: number, stat: string) => AlarmSpec["metric"]): AlarmSpec[] {
  return [
    { id: "nodes-not-ready", title: "Nodes not ready", threshold: "nodesNotReady", comparison: "GreaterThanOrEqualToThreshold", evaluationPeriods: 5, datapointsToAlarm: 5, treatMissingData: "missing",
      metric: single("ContainerInsights", "cluster_failed_node_count", { ClusterName: ids.clusterName }, 60, "Maximum") },
    { id: "crash-loop", title: "Pods crash-looping", threshold: "crashLoopingContainers", comparison: "GreaterThanOrEqualToThreshold", evaluationPeriods: 5, datapointsToAlarm: 5, treatMissingData: "notBreaching",
      queries: [{ id: "c", returnData: true, period: 60, label: "containers in CrashLoopBackOff", expression: insightsQuery({}, "SUM", "ContainerInsights", "pod_container_status_waiting_reason_crash_loop_back_off",
        // The whole cluster (add-on crash loops such as CoreDNS or the LB controller break Dify too);
        // Metrics Insights WHERE documents only AND-joined conditions, so no namespace list.
        ["ClusterName", "Namespace", "PodName"], { ClusterName: ids.clusterName }) }] },
  ];
}

/** True for the alarms on the ALB's metrics (DifyLoadBalancerMonitoring's; DifyObservability creates the others). */
export function watchesLoadBalancer(spec: AlarmSpec): boolean {
  // Specs are plain values (alarmSpecs): a metric, metric queries or a Metrics Insights SCHEMA in the ALB's namespace.
  return JSON.stringify([spec.metric, spec.queries]).includes("AWS/ApplicationELB");
}

/**
 * Creates one alarm per entry of `shape` (specs built from placeholder ids: the count and logical
 * names are known at plan time); each alarm's values come from `specs`, built from the real ids.
 */
export function createAlarms(
  prefix: string,
  shape: AlarmSpec[],
  specs: pulumi.Output<AlarmSpec[]>,
  thresholds: Required<AlarmThresholds>,
  actions: pulumi.Input<string>[],
  tags: pulumi.Input<Record<string, string>>,
  opts: pulumi.CustomResourceOptions,
): aws.cloudwatch.MetricAlarm[] {
  return shape.map((p, i) => {
    const s = specs.apply((all) => all[i]);
    const scale = p.scale ?? 1;
    return new aws.cloudwatch.MetricAlarm(`${prefix}-${p.id}`, {
      alarmDescription: `Dify ${prefix}: ${p.title} (threshold ${thresholds[p.threshold]}, alarmThresholds.${p.threshold}). What to do: docs/observability.md#${runbookAnchor(p.title)}`,
      comparisonOperator: p.comparison,
      threshold: thresholds[p.threshold] * scale,
      evaluationPeriods: p.evaluationPeriods,
      datapointsToAlarm: p.datapointsToAlarm,
      treatMissingData: p.treatMissingData,
      ...(p.metric ? {
        namespace: p.metric.namespace, metricName: p.metric.name, period: p.metric.period,
        statistic: p.metric.statistic, extendedStatistic: p.metric.extendedStatistic,
        dimensions: s.apply((x) => x.metric!.dimensions),
      } : { metricQueries: s.apply((x) => x.queries!) }),
      alarmActions: actions,
      okActions: actions,
      tags,
    }, opts);
  });
}

/** GitHub's heading anchor for a runbook title. */
export function runbookAnchor(title: string): string {
  return `Alarm: ${title}`.toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-");
}
