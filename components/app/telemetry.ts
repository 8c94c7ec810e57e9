/**
 * Dify's own telemetry settings when DifyObservability is wired in (shared/dify-reference.md §3.9):
 * OTLP push (Dify has no Prometheus endpoint; api/extensions/ext_otel.py posts to
 * OTLP_BASE_ENDPOINT + /v1/traces and /v1/metrics) and JSON log lines, so CloudWatch Logs Insights
 * and metric filters can query fields instead of parsing text.
 */
import { AppObservability } from "./args";

/** Plain env for the api image (api, worker, beat, migration); empty when observability is off. */
export function telemetryEnv(o: AppObservability | undefined): Record<string, string> {
  if (!o) return {};
  return {
    ENABLE_OTEL: "true",
    OTLP_BASE_ENDPOINT: o.otlpEndpoint,
    OTEL_EXPORTER_TYPE: "otlp",
    OTEL_EXPORTER_OTLP_PROTOCOL: "http",
    OTEL_SAMPLING_RATE: String(o.samplingRate ?? 0.1),
    LOG_OUTPUT_FORMAT: "json",
  };
}
