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
 * OTLP_BASE_ENDPOINT + /v1/traces and /v1/metrics, api/extensions/ext_otel.py), and a Prometheus
 * scrape of the plugin daemon's `/metrics/` on 5002 (shared/dify-reference.md §4).
 */

export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;
export const HEALTH_PORT = 13133;
export const PLUGIN_DAEMON_METRICS_PORT = 5002;
/** CloudWatch namespace of the metrics the collector exports. */
export const OTEL_METRICS_NAMESPACE = "Dify/OTel";

export interface CollectorConfigArgs {
  region: string;
  logGroupName: string;
  /** host:port of the plugin daemon Service. */
  pluginDaemonTarget: string;
}

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
            metrics_path: "/metrics/",
            // Through the Service: with several daemon replicas each scrape sees one of them.
            static_configs: [{ targets: [a.pluginDaemonTarget] }],
          }],
        },
      },
    },
    processors: {
      memory_limiter: { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 20 },
      batch: { timeout: "10s", send_batch_size: 1024 },
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
      awsxray: { region: a.region },
    },
    service: {
      extensions: ["health_check"],
      pipelines: {
        traces: { receivers: ["otlp"], processors: ["memory_limiter", "batch"], exporters: ["awsxray"] },
        metrics: { receivers: ["otlp", "prometheus"], processors: ["memory_limiter", "batch"], exporters: ["awsemf"] },
      },
    },
  };
  return JSON.stringify(config, null, 2);
}
