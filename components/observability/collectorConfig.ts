/**
 * The OpenTelemetry Collector configuration (JSON, which the collector reads as YAML).
 *
 * Export choice: CloudWatch (awsemf for metrics, awsxray for traces) rather than Amazon Managed
 * Service for Prometheus: no extra workspace to pay for and secure, the alarms already live in
 * CloudWatch next to the ALB/RDS/ElastiCache metrics, and the metrics land in a log group with the
 * stack's retention and KMS key. awsemf writes EMF to `log_group_name`, which CloudWatch turns into
 * metrics in `namespace` (opentelemetry-collector-contrib exporter/awsemfexporter README).
 *
 * Inputs: OTLP from Dify's api/worker/beat (ENABLE_OTEL; Dify posts OTLP/HTTP to
 * OTLP_BASE_ENDPOINT + /v1/traces and /v1/metrics, api/extensions/ext_otel.py), a Prometheus
 * scrape of the plugin daemon's `/metrics/` on 5002 (shared/dify-reference.md §4), and a
 * Prometheus scrape of KEDA's operator for the Celery queue depth (see kedaScrape).
 */
import { DIFY_PLUGIN_DAEMON_METRICS, OTLP_PORTS } from "../contracts";
import { CELERY_DEPLOYMENT_DIMENSIONS, CELERY_DEPLOYMENT_QUEUE_DEPTH, CELERY_NAMESPACE, CELERY_QUEUE_DEPTH } from "./metrics";

export const OTLP_GRPC_PORT = OTLP_PORTS.grpc;
export const OTLP_HTTP_PORT = OTLP_PORTS.http;
export const HEALTH_PORT = 13133;
/** The plugin daemon's metrics port (DifyApp's catalog, through contracts.ts). */
export const PLUGIN_DAEMON_METRICS_PORT = DIFY_PLUGIN_DAEMON_METRICS.port;
/** CloudWatch namespace of the metrics the collector exports. */
export const OTEL_METRICS_NAMESPACE = "Dify/OTel";

export interface CollectorConfigArgs {
  region: string;
  logGroupName: string;
  /** host:port of the plugin daemon Service. */
  pluginDaemonTarget: string;
  /** KEDA's operator metrics (queue depth); no KEDA scrape when absent. */
  keda?: { target: string; appNamespace: string; clusterName: string };
}

/**
 * The KEDA operator scrape. KEDA records every scaler value it reads as the gauge
 * `keda_scaler_metrics_value{namespace, scaledObject, scaler, triggerIndex, metric, type}`
 * (kedacore/keda v2.20.2 pkg/metricscollector/prommetrics.go; recorded on each polling and each
 * HPA query, pkg/scaling/scale_handler.go). For a Redis list trigger `metric` is
 * `s<triggerIndex>-redis-<listName>` (pkg/scalers/redis_scaler.go) and the value is the list's
 * LLEN: the Celery queue depth. The relabelling keeps only the Redis triggers of Dify's
 * namespace, names the queue, the ScaledObject (a queue-group worker and the default worker may
 * both watch one queue) and the cluster (the CloudWatch namespace is account-wide), and drops the
 * rest so the EMF dimensions are exactly these. Replacements use Prometheus' default `$1`, so no
 * `$` reaches the collector's environment-variable expansion.
 */
export function kedaScrape(k: NonNullable<CollectorConfigArgs["keda"]>): Record<string, unknown> {
  return {
    job_name: "keda-operator",
    scrape_interval: "60s",
    metrics_path: "/metrics",
    static_configs: [{ targets: [k.target] }],
    metric_relabel_configs: [
      { action: "keep", source_labels: ["__name__", "namespace", "metric"], separator: ";", regex: `${CELERY_QUEUE_DEPTH};${k.appNamespace};s[0-9]+-redis-.+` },
      { action: "replace", source_labels: ["metric"], regex: "s[0-9]+-redis-(.+)", target_label: "Queue" },
      { action: "replace", source_labels: ["scaledObject"], regex: "(.+)", target_label: "ScaledObject" },
      { action: "replace", target_label: "ClusterName", replacement: k.clusterName },
      // job and instance stay: the receiver drops a series without them ("job or instance cannot be found
      // from labels", opentelemetry-collector-contrib#9986); they become resource attributes, not dimensions.
      { action: "labelkeep", regex: "__name__|job|instance|ClusterName|Queue|ScaledObject" },
    ],
  };
}

/**
 * Per-Deployment queue depth: the metricstransform processor (part of the otelcol-contrib
 * distribution COLLECTOR_IMAGE pins: open-telemetry/opentelemetry-collector-releases
 * distributions/otelcol-contrib/manifest.yaml lists processor/metricstransformprocessor, read at
 * 008cde8c, 0.135/0.136, and in every release since) copies KEDA's per-queue gauge into
 * CELERY_DEPLOYMENT_QUEUE_DEPTH ("insert") and sums it over the queues of each ScaledObject
 * (aggregate_labels keeps only the label_set). A worker Deployment has one ScaledObject, so the
 * sum is what waits for that Deployment.
 */
export const KEDA_QUEUE_TRANSFORM = {
  transforms: [{
    include: CELERY_QUEUE_DEPTH, match_type: "strict", action: "insert", new_name: CELERY_DEPLOYMENT_QUEUE_DEPTH,
    operations: [{ action: "aggregate_labels", label_set: CELERY_DEPLOYMENT_DIMENSIONS, aggregation_type: "sum" }],
  }],
};

/**
 * Which of the KEDA pipeline's metrics become CloudWatch metrics: only the per-Deployment sum, by
 * exactly its dimensions. With metric_declarations set, awsemf adds the `_aws` CloudWatchMetrics
 * directive only to the data points a declaration matches; the others (the per-queue values) are
 * still written as EMF log events, without it, so they cost log ingestion only and stay queryable
 * with Logs Insights. The selector has no closing `$` (no `$` reaches the collector's variable
 * expansion; the pipeline's only other metric is keda_scaler_metrics_value)
 * (opentelemetry-collector-contrib exporter/awsemfexporter README, "metric_declarations";
 * metric_translator.go translateCWMetricToEMF: "Create `_aws` section only if there are measurements").
 */
export const KEDA_METRIC_DECLARATIONS = [
  { dimensions: [CELERY_DEPLOYMENT_DIMENSIONS], metric_name_selectors: [`^${CELERY_DEPLOYMENT_QUEUE_DEPTH}`] },
];

export function collectorConfig(a: CollectorConfigArgs): string {
  const config = {
    extensions: { health_check: { endpoint: `0.0.0.0:${HEALTH_PORT}` } },
    receivers: {
      otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` }, http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` } } },
      prometheus: {
        config: {
          scrape_configs: [{
            job_name: "dify-plugin-daemon",
            scrape_interval: "60s",
            metrics_path: DIFY_PLUGIN_DAEMON_METRICS.path,
            // Through the Service: with several daemon replicas each scrape sees one of them.
            static_configs: [{ targets: [a.pluginDaemonTarget] }],
          }],
        },
      },
      ...(a.keda ? { "prometheus/keda": { config: { scrape_configs: [kedaScrape(a.keda)] } } } : {}),
    },
    processors: {
      memory_limiter: { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 20 },
      batch: { timeout: "10s", send_batch_size: 1024 },
      ...(a.keda ? { "metricstransform/keda": KEDA_QUEUE_TRANSFORM } : {}),
    },
    exporters: {
      awsemf: {
        region: a.region,
        namespace: OTEL_METRICS_NAMESPACE,
        log_group_name: a.logGroupName,
        log_stream_name: "collector",
        // Only the data point's own attributes become dimensions (no per-pid resource attributes).
        dimension_rollup_option: "NoDimensionRollup",
      },
      ...(a.keda ? {
        // Its own exporter for its own CloudWatch namespace (the dashboard's queue panel and alarm).
        "awsemf/keda": {
          region: a.region,
          namespace: CELERY_NAMESPACE,
          log_group_name: a.logGroupName,
          log_stream_name: "keda",
          dimension_rollup_option: "NoDimensionRollup",
          metric_declarations: KEDA_METRIC_DECLARATIONS,
        },
      } : {}),
      awsxray: { region: a.region },
    },
    service: {
      extensions: ["health_check"],
      pipelines: {
        traces: { receivers: ["otlp"], processors: ["memory_limiter", "batch"], exporters: ["awsxray"] },
        metrics: { receivers: ["otlp", "prometheus"], processors: ["memory_limiter", "batch"], exporters: ["awsemf"] },
        ...(a.keda ? { "metrics/keda": { receivers: ["prometheus/keda"], processors: ["memory_limiter", "metricstransform/keda", "batch"], exporters: ["awsemf/keda"] } } : {}),
      },
    },
  };
  return JSON.stringify(config, null, 2);
}
