/**
 * Every CloudWatch metric the dashboard and the alarms read, with the source that emits it and the
 * dimensions it carries. The dashboard and alarm builders take names only from this table, and a
 * test checks every rendered panel against it, so no panel points at a metric nothing emits.
 *
 * Sources:
 * - AWS/ApplicationELB: emitted by the ALB itself, per `LoadBalancer` (`app/<name>/<id>`, the ARN
 *   suffix) and per `TargetGroup`+`LoadBalancer` for UnHealthyHostCount (ELB user guide, "CloudWatch
 *   metrics for your Application Load Balancer"). There is no LoadBalancer-only UnHealthyHostCount,
 *   so the alarm aggregates target groups with a Metrics Insights query.
 * - ContainerInsights: the amazon-cloudwatch-observability add-on (enhanced observability). Names and
 *   dimension sets from the agent's awsemf declarations (aws/amazon-cloudwatch-agent,
 *   translator/translate/otel/exporter/awsemf/kubernetes.go): pod_*_over_pod_limit and the
 *   pod_container_status_* metrics by {PodName, Namespace, ClusterName} (PodName is the workload
 *   name without the ReplicaSet hash), Deployment replicas_desired/replicas_ready by {PodName,
 *   Namespace, ClusterName} (PodName = Deployment name), cluster_failed_node_count by {ClusterName}.
 * - AWS/RDS: Aurora instance metrics aggregated by `DBClusterIdentifier`; AuroraReplicaLagMaximum
 *   is cluster-level (Aurora user guide, "Amazon CloudWatch metrics for Amazon Aurora"). An RDS DB
 *   instance publishes its metrics by `DBInstanceIdentifier`, FreeStorageSpace (its EBS volume) and
 *   FreeableMemory among them (RDS user guide, "Amazon CloudWatch metrics for Amazon RDS").
 * - AWS/ElastiCache: host and engine metrics per node (`CacheClusterId` = `<group>-00N`).
 * - Dify/Backups/<name>: DifyBackups' log metric filters (components/backups/monitoring.ts; names in components/contracts.ts).
 * - Dify/Celery: KEDA's own measurement of each Celery queue (the LLEN its Redis scaler reads for
 *   DifyApp's worker ScaledObjects), scraped from the operator's Prometheus endpoint by the
 *   collector (collectorConfig.ts kedaScrape). One CloudWatch metric per worker Deployment:
 *   `celery_queue_depth` by ClusterName and ScaledObject, the sum of the lengths of the queues that
 *   Deployment's ScaledObject watches (what waits for it). The per-queue values
 *   (`keda_scaler_metrics_value` by ClusterName, Queue, ScaledObject) stay in the EMF log events
 *   only (Logs Insights on the otel-metrics log group), not CloudWatch metrics: 1 metric per worker
 *   Deployment instead of 1 per queue ($0.30/metric-month each).
 */

/** Where a metric comes from (for the docs and the tests). */
export enum MetricSource {
  LoadBalancer = "AWS/ApplicationELB",
  ContainerInsights = "ContainerInsights",
  Aurora = "AWS/RDS",
  RdsInstance = "AWS/RDS (DB instance)",
  ElastiCache = "AWS/ElastiCache",
  Backups = "DifyBackups log metric filters",
  Keda = "KEDA operator Prometheus metrics (via the collector)",
}

export interface MetricSpec {
  source: MetricSource;
  /** CloudWatch namespace; `{backups}` is replaced by the backups namespace. */
  namespace: string;
  metric: string;
  /** The exact dimension set the source publishes it with. */
  dimensions: string[];
}

/** CloudWatch namespace of the Celery queue depth (KEDA's measurement, exported by the collector). */
export const CELERY_NAMESPACE = "Dify/Celery";
/** KEDA's gauge, one series per queue (kedacore/keda pkg/metricscollector/prommetrics.go): in the EMF log events only. */
export const CELERY_QUEUE_DEPTH = "keda_scaler_metrics_value";
/** Labels of the per-queue values in the EMF log events (collectorConfig.ts kedaScrape); not a CloudWatch metric. */
export const CELERY_QUEUE_DIMENSIONS = ["ClusterName", "Queue", "ScaledObject"];
/** The CloudWatch metric: messages waiting for one worker Deployment (sum over its ScaledObject's queues). */
export const CELERY_DEPLOYMENT_QUEUE_DEPTH = "celery_queue_depth";
/** Dimensions of CELERY_DEPLOYMENT_QUEUE_DEPTH (the collector's metricstransform keeps only these). */
export const CELERY_DEPLOYMENT_DIMENSIONS = ["ClusterName", "ScaledObject"];

const m = (source: MetricSource, namespace: string, dimensions: string[], ...metrics: string[]): MetricSpec[] =>
  metrics.map((metric) => ({ source, namespace, metric, dimensions }));

const POD = ["PodName", "Namespace", "ClusterName"];

export const METRICS: readonly MetricSpec[] = [
  ...m(MetricSource.LoadBalancer, "AWS/ApplicationELB", ["LoadBalancer"],
    "RequestCount", "HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count", "TargetResponseTime"),
  ...m(MetricSource.LoadBalancer, "AWS/ApplicationELB", ["LoadBalancer", "TargetGroup"], "UnHealthyHostCount", "HealthyHostCount"),
  ...m(MetricSource.ContainerInsights, "ContainerInsights", POD,
    "pod_cpu_utilization_over_pod_limit", "pod_memory_utilization_over_pod_limit",
    "pod_container_status_waiting_reason_crash_loop_back_off", "pod_number_of_container_restarts",
    "replicas_desired", "replicas_ready"),
  ...m(MetricSource.ContainerInsights, "ContainerInsights", ["ClusterName"], "cluster_failed_node_count", "cluster_node_count"),
  ...m(MetricSource.Aurora, "AWS/RDS", ["DBClusterIdentifier"],
    "CPUUtilization", "DatabaseConnections", "FreeLocalStorage", "AuroraReplicaLagMaximum"),
  ...m(MetricSource.RdsInstance, "AWS/RDS", ["DBInstanceIdentifier"],
    "CPUUtilization", "DatabaseConnections", "FreeStorageSpace", "FreeableMemory"),
  ...m(MetricSource.ElastiCache, "AWS/ElastiCache", ["CacheClusterId"],
    "DatabaseMemoryUsagePercentage", "Evictions", "CurrConnections"),
  ...m(MetricSource.Backups, "{backups}", [], "dump-success", "dump-failure", "verify-success", "verify-failure"),
  ...m(MetricSource.Keda, CELERY_NAMESPACE, CELERY_DEPLOYMENT_DIMENSIONS, CELERY_DEPLOYMENT_QUEUE_DEPTH),
];

const sameDims = (a: readonly string[], b: readonly string[]) => [...a].sort().join(",") === [...b].sort().join(",");

/**
 * The catalog entry for (namespace, metric) and, when given, that dimension set (AWS/RDS publishes
 * CPUUtilization by DBClusterIdentifier and by DBInstanceIdentifier), or undefined. `backupsNamespace` resolves `{backups}`.
 */
export function findMetric(namespace: string, metric: string, backupsNamespace?: string, dimensions?: readonly string[]): MetricSpec | undefined {
  return METRICS.find((s) => (s.namespace === "{backups}" ? namespace === backupsNamespace : s.namespace === namespace) && s.metric === metric
    && (dimensions === undefined || sameDims(s.dimensions, dimensions)));
}

/** Throws unless (namespace, metric, dimension names) is in the catalog: builders call it for every metric they use. */
export function checkedMetric(namespace: string, metric: string, dimensions: Record<string, string>, backupsNamespace?: string): void {
  const spec = findMetric(namespace, metric, backupsNamespace);
  if (!spec) throw new Error(`metric ${namespace}/${metric} is not emitted by any source of this stack (components/observability/metrics.ts)`);
  if (!findMetric(namespace, metric, backupsNamespace, Object.keys(dimensions))) {
    const sets = METRICS.filter((s) => s.namespace === spec.namespace && s.metric === metric).map((s) => `[${s.dimensions.join(", ")}]`);
    throw new Error(`metric ${namespace}/${metric} is published with dimensions ${sets.join(" or ")}, not [${Object.keys(dimensions).sort().join(",")}]`);
  }
}
