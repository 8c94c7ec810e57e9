export { DifyObservability, redisNodeIds } from "./observability";
export type { AlarmThresholds, ContainerLogShipper, DifyObservabilityArgs } from "./args";
export { ALARM_THRESHOLD_DEFAULTS, CONTAINER_LOG_SHIPPERS, LOG_RETENTION_DAYS, resolveObservability } from "./args";
export { COLLECTOR_IMAGE, COLLECTOR_LABELS, OTLP_SENDERS, otlpHttpEndpoint } from "./collector";
export { ACCESS_LOG_PREFIX } from "./albLogs";
export { CLOUDWATCH_ADDON_CONFIGURATION, CLOUDWATCH_OBSERVABILITY_ADDON_VERSION } from "./logs";
export { OTLP_GRPC_PORT, OTLP_HTTP_PORT, PLUGIN_DAEMON_METRICS_PORT } from "./collectorConfig";
export { AWS_FOR_FLUENT_BIT_CHART, AWS_FOR_FLUENT_BIT_IMAGE, FLUENT_BIT_NAMESPACE } from "./fluentBit";
