/**
 * The typed handles the components pass to each other. DifyDatabaseHA and DifyStorage produce
 * them, DifyApp and DifyBackups consume them, so nobody re-derives connection settings by hand.
 * They are interfaces of Inputs (component-package analyzer rules: no unions, no intersections).
 */
import * as pulumi from "@pulumi/pulumi";

/** The npm package name: the first segment of every component type token. */
export const PACKAGE_NAME = "dify-aws";

/** `dify-aws:index:<ClassName>`: the type token of a component. Changing one breaks stacks. */
export function componentType(className: string): string {
  return `${PACKAGE_NAME}:index:${className}`;
}

/**
 * The URN of a resource with the same parent as the resource at `urn`, but of type `type` and
 * named `name` (URN format: `urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>`).
 */
export function siblingUrn(urn: string, type: string, name: string): string {
  const parts = urn.split("::");
  if (parts.length < 4 || !parts[0].startsWith("urn:pulumi:")) throw new Error(`not a Pulumi URN: ${urn}`);
  const chain = parts[2].split("$");
  chain[chain.length - 1] = type;
  return `${parts[0]}::${parts[1]}::${chain.join("$")}::${name}`;
}

/**
 * Aliases for a resource that moved from component `fromClass` to `component`: its URN under the
 * component of that class with the same name and parent as `component` (where 0.1 created it),
 * so a stack created before the move keeps the resource instead of replacing it.
 */
export function movedFrom(component: pulumi.ComponentResource, componentName: string, fromClass: string): pulumi.Alias[] {
  return [{ parent: component.urn.apply((u) => siblingUrn(u, componentType(fromClass), componentName)) }];
}

/** How Dify reaches Postgres. */
export interface PostgresConnection {
  /** Writer endpoint host name. */
  host: pulumi.Input<string>;
  /** Reader endpoint host name (equals `host` when there are no readers). */
  readerHost: pulumi.Input<string>;
  /** TCP port. Default 5432. */
  port?: pulumi.Input<number>;
  /** Database of the Dify api (`DB_DATABASE`). Default "dify". */
  database?: pulumi.Input<string>;
  /** Database of the plugin daemon. Default "dify_plugin". */
  pluginDatabase?: pulumi.Input<string>;
  /** Role Dify logs in as. */
  username: pulumi.Input<string>;
  /** Password of `username`. Always a secret Output. */
  password: pulumi.Input<string>;
  /** libpq sslmode Dify and the daemon must use ("require" or "verify-full"). */
  sslMode: pulumi.Input<string>;
}

/**
 * How DifyDatabaseHA runs PostgreSQL: an Aurora cluster (writer + readers, Serverless v2 or
 * provisioned) or one RDS for PostgreSQL DB instance (optionally Multi-AZ). Consumers that chart or
 * back up the database take it to pick the CloudWatch dimension (DBClusterIdentifier or
 * DBInstanceIdentifier) and the metrics that exist for it.
 */
export enum PostgresEngine {
  /** Aurora PostgreSQL cluster (the default). */
  Aurora = "aurora",
  /** One RDS for PostgreSQL DB instance: no per-ACU minimum, for small and disposable installs. */
  RdsInstance = "rds-instance",
}

/** The CloudWatch AWS/RDS dimension that names a database of `engine` ("aurora" or "rds-instance"). */
export function postgresDimension(engine: string): string {
  return engine === PostgresEngine.RdsInstance ? "DBInstanceIdentifier" : "DBClusterIdentifier";
}

/** How Dify reaches Redis. */
export interface RedisConnection {
  /** Primary endpoint host name. */
  host: pulumi.Input<string>;
  /** TCP port. Default 6379. */
  port?: pulumi.Input<number>;
  /** AUTH token. Always a secret Output. */
  password: pulumi.Input<string>;
  /** True when the server requires TLS (ElastiCache in-transit encryption): `rediss://`, `REDIS_USE_SSL=true`. */
  useTls: pulumi.Input<boolean>;
}

/** Where Dify keeps files (uploads) and plugin packages. */
export interface ObjectStorage {
  /** Bucket for Dify's uploads and generated files (`S3_BUCKET_NAME`). */
  bucketName: pulumi.Input<string>;
  /** Bucket for plugin packages and assets (`PLUGIN_STORAGE_OSS_BUCKET`). */
  pluginBucketName: pulumi.Input<string>;
  /** AWS region of both buckets. */
  region: pulumi.Input<string>;
  /**
   * IAM role the api, worker and beat assume through IRSA (annotation `eks.amazonaws.com/role-arn`
   * on their ServiceAccounts): the uploads bucket. Its trust policy must admit `DIFY_APP_S3_SERVICE_ACCOUNTS`.
   */
  roleArn: pulumi.Input<string>;
  /**
   * IAM role of the plugin daemon (ServiceAccount `DIFY_PLUGIN_DAEMON_SERVICE_ACCOUNT`): the plugin
   * bucket. The daemon starts every installed plugin as a subprocess with its own environment, IRSA
   * token included, so every plugin can do whatever this role allows: keep it to the plugin bucket
   * (plus deliberate grants such as Bedrock models).
   */
  pluginRoleArn: pulumi.Input<string>;
}

/** The ServiceAccounts (in DifyApp's namespace) of the api image that use the uploads bucket; the storage role trusts exactly these. */
export const DIFY_APP_S3_SERVICE_ACCOUNTS: readonly string[] = ["dify-api", "dify-worker", "dify-worker-beat"];
/** The plugin daemon's ServiceAccount; the plugin role trusts exactly it. */
export const DIFY_PLUGIN_DAEMON_SERVICE_ACCOUNT = "dify-plugin-daemon";
/** Every ServiceAccount with an IRSA role from DifyStorage; DifyApp creates exactly these names. */
export const DIFY_S3_SERVICE_ACCOUNTS: readonly string[] = [...DIFY_APP_S3_SERVICE_ACCOUNTS, DIFY_PLUGIN_DAEMON_SERVICE_ACCOUNT];

/** The cluster-side handles for IAM roles for service accounts (IRSA). */
export interface OidcProvider {
  /** ARN of the cluster's IAM OIDC provider. */
  arn: pulumi.Input<string>;
  /** Issuer URL without the scheme, e.g. "oidc.eks.us-east-1.amazonaws.com/id/ABC". */
  issuer: pulumi.Input<string>;
}

/**
 * Node placement contract between DifyCluster (which labels and taints its node groups) and
 * DifyApp (which selects and tolerates them).
 */
export const NODE_ROLE_LABEL = "dify-aws/node-role";
/** Values of {@link NODE_ROLE_LABEL}: add-ons, on-demand Dify services, spot Celery workers. */
export enum NodeRole {
  System = "system",
  App = "app",
  Workers = "workers",
}
/** Taint on the spot workers group (effect NoSchedule): only pods that tolerate it land there. */
export const WORKERS_TAINT = { key: "dify-aws/workers", value: "true", effect: "NoSchedule" } as const;

/**
 * DifyBackups' result metrics, which DifyObservability's dashboard reads: the watched result lines
 * (metric name, filter pattern, days without success before alarming).
 */
export const RESULT_METRICS = [
  { id: "dump", tag: "DIFY_BACKUP_DUMP", staleDays: 2 },
  { id: "verify", tag: "DIFY_RESTORE_VERIFY", staleDays: 7 },
] as const;

/** CloudWatch namespace of the result metrics of DifyBackups `name` (dashboards read it). */
export function backupMetricNamespace(name: string): string {
  return `Dify/Backups/${name}`;
}

/** A PostgresConnection with its documented defaults applied (port 5432, databases "dify" and "dify_plugin"). */
export type ResolvedPostgresConnection = PostgresConnection & Required<Pick<PostgresConnection, "port" | "database" | "pluginDatabase">>;
/** A RedisConnection with its documented default port (6379) applied. */
export type ResolvedRedisConnection = RedisConnection & Required<Pick<RedisConnection, "port">>;

/** `c` with the defaults its fields document. */
export function withPostgresDefaults(c: PostgresConnection): ResolvedPostgresConnection {
  return { ...c, port: c.port ?? 5432, database: c.database ?? "dify", pluginDatabase: c.pluginDatabase ?? "dify_plugin" };
}

/** `c` with the default port its field documents. */
export function withRedisDefaults(c: RedisConnection): ResolvedRedisConnection {
  return { ...c, port: c.port ?? 6379 };
}

/**
 * The 16 Celery queues a SELF_HOSTED Dify worker consumes (api/docker/entrypoint.sh `-Q`;
 * shared/dify-reference.md §2): DifyApp scales workers on them, DifyObservability charts them.
 */
export const DEFAULT_CELERY_QUEUES: readonly string[] = [
  "dataset", "priority_dataset", "priority_pipeline", "pipeline", "mail", "ops_trace", "app_deletion", "plugin",
  "workflow_storage", "conversation", "workflow", "schedule_poller", "schedule_executor", "triggered_workflow_dispatcher",
  "trigger_refresh_executor", "retention",
];

/**
 * Where KEDA's operator serves its Prometheus metrics. DifyObservability's collector scrapes
 * `keda_scaler_metrics_value` there: the Celery queue lengths KEDA measures for DifyApp's worker
 * ScaledObjects (one measurement for scaling and the dashboard).
 */
export interface KedaOperatorMetrics {
  /** Namespace KEDA is installed in. DifyCluster: "kube-system". */
  namespace: string;
  /** The operator's Service (chart value operator.name). DifyCluster: "keda-operator". */
  service: string;
  /** Labels of the operator pods (chart templates/manager/deployment.yaml `app: <operator.name>`), for the collector's egress policy. */
  podLabels: Record<string, string>;
  /** Port of the operator's `/metrics` (chart value prometheus.operator.port). DifyCluster: 8080. */
  port: number;
}

/** DifyCluster's KEDA (kedacore/charts keda 2.20.2 in kube-system, prometheus.operator.enabled on port 8080). */
export const DIFY_CLUSTER_KEDA_METRICS: KedaOperatorMetrics = {
  namespace: "kube-system",
  service: "keda-operator",
  podLabels: { app: "keda-operator" },
  port: 8080,
};

/**
 * DifyApp ↔ DifyObservability: which Dify pods send OTLP, which one serves Prometheus metrics, and
 * the label that tells them apart. DifyApp's catalog (components/app/catalog.ts) is the source;
 * these restate what the collector's NetworkPolicies and scrape config need, because
 * DifyObservability may not import DifyApp's folder. test/catalog.spec.ts fails when they differ.
 */
/** Label every DifyApp pod carries with its catalog key (NetworkPolicies on both sides select on it). */
export const DIFY_SERVICE_LABEL = "dify-aws/service";
/** OTLP receiver ports of DifyObservability's collector (the OpenTelemetry defaults): gRPC 4317, HTTP 4318. */
export const OTLP_PORTS = { grpc: 4317, http: 4318 } as const;
/**
 * The DifyApp pods ({@link DIFY_SERVICE_LABEL} values) that push OTLP when observability is wired
 * in: every catalog row that reads the api image's settings (ENABLE_OTEL), and the migration Job.
 */
export const DIFY_OTLP_SENDERS: readonly string[] = ["api", "worker", "worker-beat", "api-websocket", "migration"];
/**
 * The DifyApp Deployments DifyObservability's dashboard charts by default (CPU and memory against
 * limits, replicas): the services that carry user load. test/catalog.spec.ts fails when one is not
 * a Deployment DifyApp creates.
 */
export const DIFY_DASHBOARD_DEPLOYMENTS: readonly string[] = ["dify-api", "dify-worker", "dify-web", "dify-plugin-daemon"];
/** Where DifyApp's plugin daemon serves Prometheus metrics: its Service port (the catalog row's `port`) and `metricsPath`. */
export const DIFY_PLUGIN_DAEMON_METRICS = { service: "plugin-daemon", port: 5002, path: "/metrics/" } as const;

/** The ServiceAccount of DifyCluster's KEDA operator (chart value serviceAccount.operator.name, in {@link DIFY_CLUSTER_KEDA_METRICS}'s namespace). */
export const KEDA_OPERATOR_SERVICE_ACCOUNT = "keda-operator";

/**
 * What KEDA's `aws-cloudwatch` scaler calls: GetMetricData only, never GetMetricStatistics
 * (kedacore/keda v2.20.2 pkg/scalers/aws_cloudwatch_scaler.go, `cwClient.GetMetricData`).
 * DifyCluster's KEDA operator role allows exactly these; DifyApp's `requestAutoscaling` needs them
 * (its TriggerAuthentication uses the operator's own identity: pod identity provider `aws`).
 */
export const KEDA_CLOUDWATCH_ACTIONS: readonly string[] = ["cloudwatch:GetMetricData"];
