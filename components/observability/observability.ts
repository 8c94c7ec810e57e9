/**
 * DifyObservability (issue 9): logs, metrics, traces, a dashboard and alarms for a Dify install.
 * - Logs: the amazon-cloudwatch-observability add-on (or, in closed networks, the aws-for-fluent-bit
 *   chart from the mirror) ships every container's stdout to
 *   `/aws/containerinsights/<cluster>/application` (log groups pre-created with retention + KMS);
 *   ALB access logs go to an S3 bucket (DifyApp's `observability.accessLogBucket`).
 * - Metrics/traces: an OpenTelemetry Collector receives Dify's OTLP and scrapes the plugin daemon;
 *   metrics to CloudWatch (EMF), traces to X-Ray. It also scrapes KEDA's operator for the Celery
 *   queue depth KEDA measures to scale the workers (one measurement, no separate probe).
 * - Alarms to a KMS-encrypted SNS topic (e-mail subscriptions); the dashboard and the alarms on the
 *   ALB are DifyLoadBalancerMonitoring's (loadBalancerMonitoring.ts), built after DifyApp.
 * Providers: `aws` and `kubernetes` through opts.providers (children inherit them).
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { componentType } from "../contracts";
import { podSecurityNamespaceLabels } from "../k8s/security";
import { accessLogBucket } from "./albLogs";
import { AlarmIds, AlarmSpec, alarmSpecs, createAlarms, watchesLoadBalancer } from "./alarms";
import { DifyObservabilityArgs, MonitoringSource, ObservabilitySettings, resolveObservability } from "./args";
import { COLLECTOR_IMAGE, collector, otlpHttpEndpoint } from "./collector";
import { DashboardIds } from "./dashboard";
import { fluentBitLogShipper } from "./fluentBit";
import { cloudwatchAddon, logGroups, telemetryKey } from "./logs";

/** Node ids of an ElastiCache replication group with cluster mode disabled: `<group>-001`, ... */
export function redisNodeIds(groupId: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${groupId}-${String(i + 1).padStart(3, "0")}`);
}

/** Identifiers the dashboard and alarms are built from. */
interface Ids { clusterName: string; albArnSuffix: string; dbId: string; redisGroupId: string }

export function dashboardIds(s: ObservabilitySettings, ids: Ids, backupsNamespace?: string): DashboardIds {
  return {
    region: s.region, clusterName: ids.clusterName, albArnSuffix: ids.albArnSuffix, dbId: ids.dbId, dbEngine: s.databaseEngine,
    redisNodeIds: redisNodeIds(ids.redisGroupId, s.redisNodeCount), appNamespace: s.appNamespace, deployments: s.deployments,
    queueDepth: s.kedaMetrics !== undefined, backupsNamespace, hasReaders: s.databaseReaderCount > 0, containerInsights: s.containerInsights,
  };
}

export function alarmIds(s: ObservabilitySettings, ids: Ids): AlarmIds {
  return {
    clusterName: ids.clusterName, albArnSuffix: ids.albArnSuffix, dbId: ids.dbId, dbEngine: s.databaseEngine,
    redisNodeIds: redisNodeIds(ids.redisGroupId, s.redisNodeCount), appNamespace: s.appNamespace,
    observabilityNamespace: s.namespace, hasReaders: s.databaseReaderCount > 0, hasQueueDepth: s.kedaMetrics !== undefined,
    containerInsights: s.containerInsights,
  };
}

/**
 * Observability for a Dify install (`dify-aws:index:DifyObservability`), built before DifyApp:
 * container logs to CloudWatch (the EKS add-on), an OpenTelemetry Collector for Dify's traces and
 * metrics, the ALB access-log bucket, Celery queue depth from KEDA (`kedaMetrics`), and the alarms
 * on the data stores and the cluster to an SNS topic. Give DifyApp its `observability` settings
 * (`otlpHttpEndpoint(namespace)`, `COLLECTOR_LABELS`, this component's `accessLogBucketName`),
 * then, after DifyApp, DifyLoadBalancerMonitoring this component's `monitoring` with DifyApp's
 * load balancer: the dashboard and the ALB alarms.
 */
export class DifyObservability extends pulumi.ComponentResource {
  /** Log group of every container's stdout (`/aws/containerinsights/<cluster>/application`); DifyBackups' `logGroupName`. */
  public readonly applicationLogGroupName: pulumi.Output<string>;
  /** ARN of the SNS topic the alarms notify (undefined when alarms are off); DifyBackups' `alarmActions`. */
  public readonly alarmTopicArn: pulumi.Output<string | undefined>;
  /** Bucket the ALB writes access logs to (DifyApp `observability.accessLogBucket`). */
  public readonly accessLogBucketName: pulumi.Output<string>;
  /** OTLP/HTTP base URL of the collector (DifyApp `observability.otlpEndpoint`). */
  public readonly otlpEndpoint: pulumi.Output<string>;
  /** Namespace of the collector (DifyApp `observability.collectorNamespace`). */
  public readonly namespace: pulumi.Output<string>;
  /** Names of the alarms created here, all but the ALB's (empty when alarms are off). */
  public readonly alarmNames: pulumi.Output<string[]>;
  /** What DifyLoadBalancerMonitoring builds the dashboard and the ALB alarms from (its `observability`). */
  public readonly monitoring: pulumi.Output<MonitoringSource>;

  constructor(name: string, args: DifyObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    const s = resolveObservability(name, args); // throws before anything is registered
    const dbIdentifier = args.databaseIdentifier ?? args.databaseClusterIdentifier;
    if (dbIdentifier === undefined || dbIdentifier === null) throw new Error(`DifyObservability "${name}": args.databaseIdentifier is required (DifyDatabaseHA's databaseIdentifier)`);
    super(componentType("DifyObservability"), name, {}, opts);
    const parent = this;

    const key = telemetryKey(s, parent);
    const groups = logGroups(s, args.clusterName, key, parent);
    const application = groups.get("application")!;
    // Fluent Bit: closed networks (the add-on's images live on public.ecr.aws, out of reach:
    // fluentBit.ts) and stacks without Container Insights (dify:containerInsights false).
    if (s.containerLogShipper === "fluent-bit") fluentBitLogShipper(s, { oidc: args.oidcProvider, images: args.images, logGroup: application }, parent);
    else cloudwatchAddon(s, { clusterName: args.clusterName, oidc: args.oidcProvider, version: args.cloudwatchAddonVersion, logGroups: [...groups.values()] }, parent);
    const bucket = accessLogBucket(s, args.forceDestroy === true, parent);

    const ns = new k8s.core.v1.Namespace(`${name}-observability-namespace`, {
      metadata: { name: s.namespace, labels: { "app.kubernetes.io/part-of": "dify", "app.kubernetes.io/managed-by": "pulumi", ...podSecurityNamespaceLabels("restricted") } },
    }, { parent });
    collector({ s, clusterName: args.clusterName, oidc: args.oidcProvider, images: args.images, image: args.collectorImage ?? COLLECTOR_IMAGE, logGroup: groups.get("otel-metrics")!, namespace: ns, parent });

    const ids = pulumi.all([args.clusterName, dbIdentifier, args.redisReplicationGroupId])
      .apply(([clusterName, dbId, redisGroupId]) => ({ clusterName, albArnSuffix: "", dbId, redisGroupId }));

    // The alarms on the ALB's metrics, and the dashboard (its first panels chart the ALB), are
    // DifyLoadBalancerMonitoring's: built after DifyApp from its load balancer and `monitoring`.
    let topicArn: pulumi.Output<string | undefined> = pulumi.output(undefined);
    let alarmNames: pulumi.Output<string[]> = pulumi.output([]);
    if (s.alarms) {
      const topic = new aws.sns.Topic(`${name}-alarms`, { kmsMasterKeyId: key.arn, tags: s.tags }, { parent });
      s.alarmEmails.forEach((email, i) => new aws.sns.TopicSubscription(`${name}-alarm-email-${i}`, { topic: topic.arn, protocol: "email", endpoint: email }, { parent }));
      const own = (specs: AlarmSpec[]) => specs.filter((a) => !watchesLoadBalancer(a));
      const placeholder = { clusterName: "c", albArnSuffix: "app/n/i", dbId: "d", redisGroupId: "r" };
      const alarms = createAlarms(name, own(alarmSpecs(alarmIds(s, placeholder))), ids.apply((i) => own(alarmSpecs(alarmIds(s, i)))),
        s.thresholds, [topic.arn], s.tags, { parent });
      topicArn = topic.arn;
      alarmNames = pulumi.all(alarms.map((a) => a.name));
    }

    this.applicationLogGroupName = application.name;
    this.alarmTopicArn = topicArn;
    this.accessLogBucketName = bucket.bucket;
    this.otlpEndpoint = pulumi.output(otlpHttpEndpoint(s.namespace));
    this.namespace = ns.metadata.name;
    this.alarmNames = alarmNames;
    this.monitoring = ids.apply((i): MonitoringSource => ({
      region: s.region, clusterName: i.clusterName, databaseClusterIdentifier: i.dbId, databaseIdentifier: i.dbId, databaseEngine: s.databaseEngine, databaseReaders: s.databaseReaderCount > 0,
      redisNodeIds: redisNodeIds(i.redisGroupId, s.redisNodeCount), appNamespace: s.appNamespace, namespace: s.namespace,
      deployments: s.deployments, queueDepth: s.kedaMetrics !== undefined, containerInsights: s.containerInsights, backupMetricNamespace: args.backupMetricNamespace ?? "",
      tags: s.tags,
    }));
    this.registerOutputs({
      applicationLogGroupName: this.applicationLogGroupName, alarmTopicArn: this.alarmTopicArn,
      accessLogBucketName: this.accessLogBucketName, otlpEndpoint: this.otlpEndpoint, namespace: this.namespace,
      alarmNames: this.alarmNames, monitoring: this.monitoring,
    });
  }
}
