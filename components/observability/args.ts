/**
 * The typed arguments of DifyObservability and their validation (run before anything is
 * registered, so a bad value never half-creates a stack).
 */
import { CLOUDWATCH_LOG_RETENTION_DAYS } from "../aws/logRetention";
import * as pulumi from "@pulumi/pulumi";
import { DIFY_DASHBOARD_DEPLOYMENTS, KedaOperatorMetrics, OidcProvider, PostgresEngine } from "../contracts";
import { ImageSource, validateImageSource } from "../k8s/images";
import { dnsLabel, email, Problems, region } from "../checks";

/** Alarm thresholds; every field optional (defaults in ALARM_THRESHOLD_DEFAULTS). */
export interface AlarmThresholds {
  /** Load balancer 5xx responses (ELB + targets) as percent of requests over 5 minutes. Default 5 (%). */
  alb5xxPercent?: number;
  /** p95 target response time (time to first byte) over 5 minutes. Default 3 (seconds). */
  albP95LatencySeconds?: number;
  /** Unhealthy targets in any target group of the load balancer. Default 1 (targets). */
  albUnhealthyTargets?: number;
  /** PostgreSQL CPU (Aurora: maximum over the cluster's instances). Default 80 (%). */
  dbCpuPercent?: number;
  /** Aurora instance-local free storage (temp tables, sorts) below this. Default 5 (GiB). */
  dbFreeLocalStorageGiB?: number;
  /** RDS DB instance ("rds-instance"): free space of its volume below this (FreeStorageSpace). Default 2 (GiB). */
  dbFreeStorageGiB?: number;
  /** RDS DB instance ("rds-instance"): memory available to PostgreSQL and the OS cache below this (FreeableMemory). Default 128 (MiB). */
  dbFreeableMemoryMiB?: number;
  /** Aurora maximum replica lag (only alarmed when readers exist). Default 2000 (milliseconds). */
  dbReplicaLagMilliseconds?: number;
  /** ElastiCache memory used of the node's max memory. Default 80 (%). */
  redisMemoryPercent?: number;
  /** ElastiCache keys evicted in 5 minutes (evictions lose Celery tasks and sessions). Default 1 (keys). */
  redisEvictions?: number;
  /** Worker nodes failing a node condition (Container Insights cluster_failed_node_count; no alarm without the add-on). Default 1 (nodes). */
  nodesNotReady?: number;
  /** Containers in CrashLoopBackOff (Container Insights; no alarm without the add-on). Default 1 (containers). */
  crashLoopingContainers?: number;
  /** Messages waiting for one worker Deployment, summed over its queues (KEDA's measurement; needs `kedaMetrics`). Default 500 (messages). */
  celeryQueueDepth?: number;
}

/** Name, default, allowed range and unit of every threshold (drives validation, config docs and the runbook). */
export const ALARM_THRESHOLD_DEFAULTS: Readonly<Record<keyof AlarmThresholds, { value: number; min: number; max: number; unit: string }>> = {
  alb5xxPercent: { value: 5, min: 0.1, max: 100, unit: "%" },
  albP95LatencySeconds: { value: 3, min: 0.1, max: 600, unit: "seconds" },
  albUnhealthyTargets: { value: 1, min: 1, max: 100, unit: "targets" },
  dbCpuPercent: { value: 80, min: 1, max: 100, unit: "%" },
  dbFreeLocalStorageGiB: { value: 5, min: 1, max: 1000, unit: "GiB" },
  dbFreeStorageGiB: { value: 2, min: 1, max: 65536, unit: "GiB" },
  dbFreeableMemoryMiB: { value: 128, min: 16, max: 1048576, unit: "MiB" },
  dbReplicaLagMilliseconds: { value: 2000, min: 10, max: 600000, unit: "milliseconds" },
  redisMemoryPercent: { value: 80, min: 1, max: 100, unit: "%" },
  redisEvictions: { value: 1, min: 1, max: 1000000, unit: "keys" },
  nodesNotReady: { value: 1, min: 1, max: 100, unit: "nodes" },
  crashLoopingContainers: { value: 1, min: 1, max: 100, unit: "containers" },
  celeryQueueDepth: { value: 500, min: 1, max: 10000000, unit: "messages" },
};

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS: readonly number[] = CLOUDWATCH_LOG_RETENTION_DAYS;

export interface DifyObservabilityArgs {
  /** EKS cluster name (Container Insights' ClusterName dimension and log group names). Required. */
  clusterName: pulumi.Input<string>;
  /** The cluster's IAM OIDC provider, for the add-on's and the collector's IRSA roles. Required. */
  oidcProvider: OidcProvider;
  /** AWS region of the stack (ELB log delivery principal). Required. */
  region: string;
  /**
   * The database's AWS/RDS identity: the Aurora cluster identifier (dimension DBClusterIdentifier)
   * or, with `databaseEngine` "rds-instance", the DB instance identifier (DBInstanceIdentifier).
   * DifyDatabaseHA's `databaseIdentifier`. Required (or the deprecated `databaseClusterIdentifier`).
   */
  databaseIdentifier?: pulumi.Input<string>;
  /**
   * How the database runs: "aurora" or "rds-instance" (`PostgresEngine`; DifyDatabaseHA's
   * `postgresEngine`, as a plain value: it decides which panels and alarms exist). Default "aurora".
   */
  databaseEngine?: string;
  /** Deprecated, use `databaseIdentifier`: the Aurora cluster identifier. Default none. */
  databaseClusterIdentifier?: pulumi.Input<string>;
  /** Aurora readers; the replica-lag alarm exists only when above 0. Default 0. */
  databaseReaderCount?: number;
  /** ElastiCache replication group id; node ids are `<id>-001`, `-002`, ... Required. */
  redisReplicationGroupId: pulumi.Input<string>;
  /** ElastiCache nodes (1 primary + replicas). Default 1. */
  redisNodeCount?: number;
  /** Namespace of the Dify services (DifyApp's). Default "dify". */
  appNamespace?: string;
  /** Namespace for the collector (PSS restricted). Default "dify-observability". */
  namespace?: string;
  /** Days CloudWatch keeps container logs, OTLP metrics logs and ALB access logs. One of LOG_RETENTION_DAYS. Default 30. */
  logRetentionDays?: number;
  /** Version of the amazon-cloudwatch-observability EKS add-on. Default: CLOUDWATCH_OBSERVABILITY_ADDON_VERSION (v6.4.0-eksbuild.1). */
  cloudwatchAddonVersion?: string;
  /**
   * What ships container logs to `/aws/containerinsights/<cluster>/application`: "cloudwatch-addon"
   * (the amazon-cloudwatch-observability add-on, with Container Insights metrics) or "fluent-bit"
   * (the aws-for-fluent-bit chart with its image from `images`, logs only: for closed networks,
   * where the add-on's public.ecr.aws images cannot be pulled, or to save Container Insights' cost).
   * With "fluent-bit" there are no Container Insights metrics: no dataplane/host/performance log
   * groups, and the dashboard's pod/replica/node panels and the nodes-not-ready and crash-loop
   * alarms are left out. One of CONTAINER_LOG_SHIPPERS (a plain string: the component schema has
   * no string unions). Default "cloudwatch-addon".
   */
  containerLogShipper?: string;
  /** OpenTelemetry Collector (contrib) image, pinned by tag or digest. Default COLLECTOR_IMAGE. */
  collectorImage?: string;
  /** Where images are pulled from (registry mirror, digests); see components/k8s/images.ts. Default: the public, tag-pinned images. */
  images?: ImageSource;
  /** Collector replicas (2+ keeps OTLP ingestion up during a node drain). Default 2. */
  collectorReplicas?: number;
  /**
   * KEDA's operator metrics endpoint (DifyCluster's: DIFY_CLUSTER_KEDA_METRICS). The collector scrapes
   * the Celery queue lengths KEDA reads for DifyApp's worker ScaledObjects (`queueAutoscaling`) and
   * exports them to CloudWatch for the queue panel and alarm; neither exists when absent. Default none.
   */
  kedaMetrics?: KedaOperatorMetrics;
  /** Deployments charted for CPU/memory against limits and replica counts. Default ["dify-api", "dify-worker", "dify-web", "dify-plugin-daemon"]. */
  deployments?: string[];
  /** CloudWatch namespace of DifyBackups' result metrics (backupMetricNamespace()); no backup panel when absent. Default none. */
  backupMetricNamespace?: string;
  /** Create the alarms and the SNS topic. Default true. */
  alarms?: boolean;
  /** E-mail addresses subscribed to the alarm topic (each must confirm the subscription). Default none. */
  alarmEmails?: string[];
  /** Alarm thresholds by name. Default ALARM_THRESHOLD_DEFAULTS. */
  alarmThresholds?: AlarmThresholds;
  /** Protect the KMS key, log groups and the access-log bucket from deletion. Recommended true in prod. Default false. */
  protect?: boolean;
  /** Let a stack delete empty the access-log bucket. Default false. */
  forceDestroy?: boolean;
  /** Tags on every AWS resource. Default none. */
  tags?: Record<string, string>;
}

/**
 * What DifyObservability hands DifyLoadBalancerMonitoring (its `monitoring` output): the resolved
 * identifiers the dashboard and the ALB alarms are built from.
 */
export interface MonitoringSource {
  /** AWS region of the stack (the dashboard's widgets). */
  region: string;
  /** EKS cluster name: the dashboard's name and the ClusterName dimension. */
  clusterName: string;
  /** Deprecated, read `databaseIdentifier`: the database's identifier (an Aurora cluster's, or the DB instance's with "rds-instance"). */
  databaseClusterIdentifier: string;
  /** The Aurora cluster or DB instance identifier (the dimension `postgresDimension(databaseEngine)`). Default `databaseClusterIdentifier`. */
  databaseIdentifier?: string;
  /** "aurora" or "rds-instance" (PostgresEngine): which AWS/RDS metrics and dimension the dashboard uses. Default "aurora". */
  databaseEngine?: string;
  /** Aurora readers exist: the replica-lag panel is shown. */
  databaseReaders: boolean;
  /** ElastiCache node ids (`<group>-001`, ...). */
  redisNodeIds: string[];
  /** Namespace of the Dify services. */
  appNamespace: string;
  /** Namespace of the collector. */
  namespace: string;
  /** Deployments charted for CPU/memory and replicas. */
  deployments: string[];
  /** KEDA's Celery queue depth is exported: the queue panel is shown. */
  queueDepth: boolean;
  /** Container Insights metrics exist (containerLogShipper "cloudwatch-addon"): the pod/replica/node panels are shown. Default true. */
  containerInsights?: boolean;
  /** CloudWatch namespace of DifyBackups' result metrics ("" for no backup panel). */
  backupMetricNamespace: string;
  /** Tags DifyObservability puts on its AWS resources (the ALB alarms get them too). */
  tags: Record<string, string>;
}

/** The two ways container logs reach CloudWatch (DifyObservabilityArgs.containerLogShipper). */
export const CONTAINER_LOG_SHIPPERS = ["cloudwatch-addon", "fluent-bit"] as const;
export type ContainerLogShipper = typeof CONTAINER_LOG_SHIPPERS[number];

/** Every default applied; what the component builds from. */
export interface ObservabilitySettings {
  name: string;
  region: string;
  databaseEngine: PostgresEngine;
  databaseReaderCount: number;
  redisNodeCount: number;
  appNamespace: string;
  namespace: string;
  logRetentionDays: number;
  containerLogShipper: ContainerLogShipper;
  /** The add-on runs, so Container Insights metrics exist (containerLogShipper "cloudwatch-addon"). */
  containerInsights: boolean;
  collectorReplicas: number;
  kedaMetrics?: KedaOperatorMetrics;
  deployments: string[];
  alarms: boolean;
  alarmEmails: string[];
  thresholds: Required<AlarmThresholds>;
  protect: boolean;
  tags: Record<string, string>;
}


/** What DifyObservability validates before registering anything: its args without the handles to other resources. */
export type DifyObservabilitySettings = Omit<DifyObservabilityArgs, "clusterName" | "oidcProvider" | "databaseIdentifier" | "databaseClusterIdentifier" | "redisReplicationGroupId">;

/** Checks `args.alarmThresholds` (each a number in its range, no unknown names) and applies the defaults. */
export function resolveThresholds(p: Problems, given: AlarmThresholds = {}): Required<AlarmThresholds> {
  const thresholds = {} as Required<AlarmThresholds>;
  for (const key of Object.keys(given)) {
    if (!(key in ALARM_THRESHOLD_DEFAULTS)) p.add(`args.alarmThresholds.${key}`, (given as Record<string, unknown>)[key], `a known threshold: ${Object.keys(ALARM_THRESHOLD_DEFAULTS).join(", ")}`);
  }
  for (const [key, d] of Object.entries(ALARM_THRESHOLD_DEFAULTS) as [keyof AlarmThresholds, { value: number; min: number; max: number; unit: string }][]) {
    const v = given[key] ?? d.value;
    if (typeof v !== "number" || !Number.isFinite(v) || v < d.min || v > d.max) p.add(`args.alarmThresholds.${key}`, given[key], `a number from ${d.min} to ${d.max} (${d.unit})`);
    thresholds[key] = v;
  }
  return thresholds;
}

/** Validates `args` and applies defaults; throws an Error naming the argument. */
export function resolveObservability(name: string, args: DifyObservabilitySettings): ObservabilitySettings {
  const p = new Problems(`DifyObservability "${name}"`);
  const int = (v: number | undefined, arg: string, def: number, min: number, max: number): number => p.int(`args.${arg}`, v, def, min, max);
  p.absorb(() => validateImageSource(`DifyObservability "${name}"`, "args.images", args.images), "args.images", args.images);
  p.check("args.region", args.region, region);
  const retention = args.logRetentionDays ?? 30;
  if (!LOG_RETENTION_DAYS.includes(retention)) p.add("args.logRetentionDays", args.logRetentionDays, `one of ${LOG_RETENTION_DAYS.join(", ")} (CloudWatch Logs retention values)`);
  const shipper = args.containerLogShipper ?? "cloudwatch-addon";
  if (!(CONTAINER_LOG_SHIPPERS as readonly string[]).includes(shipper)) p.add("args.containerLogShipper", args.containerLogShipper, CONTAINER_LOG_SHIPPERS.map((x) => `"${x}"`).join(" or "));
  const appNamespace = args.appNamespace ?? "dify";
  const namespace = args.namespace ?? "dify-observability";
  p.check("args.appNamespace", appNamespace, dnsLabel(63));
  p.check("args.namespace", namespace, dnsLabel(63));
  if (appNamespace === namespace) p.add("args.namespace", namespace, `a namespace other than args.appNamespace ("${appNamespace}"): DifyApp's default-deny policies own that namespace`);
  const emails = args.alarmEmails ?? [];
  p.items("args.alarmEmails", emails, email);
  if (new Set(emails).size !== emails.length) p.add("args.alarmEmails", emails, "each address once");
  const thresholds = resolveThresholds(p, args.alarmThresholds);
  const keda = args.kedaMetrics;
  if (keda !== undefined) {
    p.check("args.kedaMetrics.namespace", keda.namespace, dnsLabel(63));
    p.check("args.kedaMetrics.service", keda.service, dnsLabel(63));
    p.int("args.kedaMetrics.port", keda.port, 0, 1, 65535);
    if (typeof keda.podLabels !== "object" || keda.podLabels === null || Object.keys(keda.podLabels).length === 0) p.add("args.kedaMetrics.podLabels", keda.podLabels, "at least one label of the operator pods");
  }
  const engine = args.databaseEngine ?? PostgresEngine.Aurora;
  if (!(Object.values(PostgresEngine) as string[]).includes(engine)) p.add("args.databaseEngine", args.databaseEngine, `"aurora" or "rds-instance"`);
  if (engine === PostgresEngine.RdsInstance && (args.databaseReaderCount ?? 0) > 0) p.add("args.databaseReaderCount", args.databaseReaderCount, `0 with args.databaseEngine "rds-instance" (a DB instance has no Aurora readers)`);
  const deployments = args.deployments ?? [...DIFY_DASHBOARD_DEPLOYMENTS];
  p.items("args.deployments", deployments, dnsLabel(63));
  p.throwIfAny();
  return {
    name,
    region: args.region,
    databaseEngine: engine as PostgresEngine,
    databaseReaderCount: int(args.databaseReaderCount, "databaseReaderCount", 0, 0, 15),
    redisNodeCount: int(args.redisNodeCount, "redisNodeCount", 1, 1, 6),
    appNamespace,
    namespace,
    logRetentionDays: retention,
    containerLogShipper: shipper as ContainerLogShipper,
    containerInsights: shipper === "cloudwatch-addon",
    collectorReplicas: int(args.collectorReplicas, "collectorReplicas", 2, 1, 10),
    kedaMetrics: keda,
    deployments,
    alarms: args.alarms ?? true,
    alarmEmails: emails,
    thresholds,
    protect: args.protect === true,
    tags: args.tags ?? {},
  };
}
