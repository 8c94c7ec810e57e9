/**
 * Log shipping: the Amazon CloudWatch Observability EKS add-on (CloudWatch agent for Container
 * Insights with enhanced observability + Fluent Bit for container logs), chosen over a Fluent Bit
 * Helm release because AWS maintains and versions both agents, the Container Insights metrics the
 * dashboard and alarms read come from the same install, and EKS upgrades it like the other add-ons.
 *
 * The log groups it writes (`/aws/containerinsights/<cluster>/{application,dataplane,host,performance}`,
 * CloudWatch user guide "Setting up Fluent Bit as a DaemonSet to send logs to CloudWatch Logs") are
 * created here first, KMS-encrypted and with the configured retention; the agents then write into
 * them instead of creating groups that keep logs forever. On Amazon Linux 2023 nodes the add-on
 * ships no dataplane/host logs by default (journald); those two groups then stay empty.
 *
 * IRSA: service account `cloudwatch-agent` in `amazon-cloudwatch` (EKS user guide "Amazon
 * CloudWatch Observability agent": eksctl create iamserviceaccount --name cloudwatch-agent
 * --namespace amazon-cloudwatch ... CloudWatchAgentServerPolicy, AWSXrayWriteOnlyAccess).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { irsaTrustPolicy } from "../aws/irsa";
import { OidcProvider } from "../contracts";
import { ObservabilitySettings } from "./args";

/** The Container Insights log groups, by suffix. */
export const CONTAINER_INSIGHTS_LOG_GROUPS = ["application", "dataplane", "host", "performance"] as const;

export function containerInsightsLogGroupName(cluster: string, kind: string): string {
  return `/aws/containerinsights/${cluster}/${kind}`;
}

/** Log group the collector's awsemf exporter writes Dify's OTLP metrics to. */
export function otelMetricsLogGroupName(cluster: string): string {
  return `/aws/dify/${cluster}/otel-metrics`;
}

/**
 * One KMS key for the log groups and the alarm topic. CloudWatch Logs may use it only for log
 * groups of this account and region (encryption-context condition, CloudWatch Logs user guide
 * "Encrypt log data in CloudWatch Logs using AWS KMS"); CloudWatch alarms may use it to publish to
 * the encrypted topic (SNS developer guide, "Enable compatibility between event sources from AWS
 * services and encrypted topics").
 */
export function telemetryKey(s: ObservabilitySettings, parent: pulumi.Resource): aws.kms.Key {
  const id = aws.getCallerIdentityOutput({}, { parent });
  const partition = aws.getPartitionOutput({}, { parent });
  const policy = pulumi.all([id.accountId, partition.partition]).apply(([account, part]) => JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "AccountAdmin", Effect: "Allow", Principal: { AWS: `arn:${part}:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
      {
        Sid: "CloudWatchLogs", Effect: "Allow", Principal: { Service: `logs.${s.region}.amazonaws.com` },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"], Resource: "*",
        Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${part}:logs:${s.region}:${account}:log-group:*` } },
      },
      {
        Sid: "CloudWatchAlarmsToSns", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": account } },
      },
    ],
  }));
  const key = new aws.kms.Key(`${s.name}-telemetry`, {
    description: `Dify ${s.name}: container logs, OTLP metrics and the alarm topic`,
    enableKeyRotation: true,
    deletionWindowInDays: 30,
    policy,
    tags: s.tags,
  }, { parent, protect: s.protect, retainOnDelete: s.protect });
  // A prefix, so two installs with the same component name can share an account.
  new aws.kms.Alias(`${s.name}-telemetry`, { namePrefix: `alias/dify-${s.name}-telemetry-`, targetKeyId: key.keyId }, { parent });
  return key;
}

/**
 * The Container Insights and OTLP metrics log groups, encrypted and with retention. Without the
 * add-on (containerLogShipper "fluent-bit") only `application` (Fluent Bit's) and `otel-metrics`:
 * nothing would write dataplane, host or performance (the add-on's agents do).
 */
export function logGroups(s: ObservabilitySettings, clusterName: pulumi.Input<string>, key: aws.kms.Key, parent: pulumi.Resource): Map<string, aws.cloudwatch.LogGroup> {
  const groups = new Map<string, aws.cloudwatch.LogGroup>();
  const names: [string, pulumi.Output<string>][] = [
    ...CONTAINER_INSIGHTS_LOG_GROUPS.filter((k) => s.containerInsights || k === "application").map((k): [string, pulumi.Output<string>] => [k, pulumi.output(clusterName).apply((c) => containerInsightsLogGroupName(c, k))]),
    ["otel-metrics", pulumi.output(clusterName).apply(otelMetricsLogGroupName)],
  ];
  for (const [kind, name] of names) {
    groups.set(kind, new aws.cloudwatch.LogGroup(`${s.name}-logs-${kind}`, {
      name,
      retentionInDays: s.logRetentionDays,
      kmsKeyId: key.arn,
      tags: s.tags,
    }, { parent, protect: s.protect, retainOnDelete: s.protect }));
  }
  return groups;
}

/**
 * amazon-cloudwatch-observability add-on build, pinned like the cluster's add-ons
 * (components/cluster/versions.ts, ADDON_VERSIONS_1_35). v6.4.0-eksbuild.1 is the build several
 * independent public 1.34-1.36 configurations pin (2026) and the one whose chart was read for the
 * configuration below: aws-observability/helm-charts tag amazon-cloudwatch-observability-6.4.0
 * (f4ad2e3a). Check `aws eks describe-addon-versions --kubernetes-version 1.35 --addon-name
 * amazon-cloudwatch-observability` and `aws eks describe-addon-configuration` before bumping.
 */
export const CLOUDWATCH_OBSERVABILITY_ADDON_VERSION = "v6.4.0-eksbuild.1";

/**
 * The add-on's configurationValues. Application Signals auto-monitoring off: with the chart's
 * default the operator resolves `manager.applicationSignals.autoMonitor.monitorAllServices` to true
 * in supported regions (templates/_helpers.tpl "manager.modify-auto-monitor-config" and
 * "manager.monitorAllServices", chart 6.4.0; an explicit value is kept as given), and then annotates
 * every Deployment a Service selects for Java/Python/.NET/Node.js auto-instrumentation whenever its
 * pod template changes (aws/amazon-cloudwatch-agent-operator pkg/instrumentation/auto/monitor.go,
 * isWorkloadAutoMonitored / MutateObject). The injected init container has no securityContext, so
 * the next rollout in a namespace enforcing PSS restricted (dify, dify-observability, ...) has its
 * pods refused. Dify's traces go through the project's own OpenTelemetry Collector instead.
 */
export const CLOUDWATCH_ADDON_CONFIGURATION = {
  manager: { applicationSignals: { autoMonitor: { monitorAllServices: false, restartPods: false } } },
};

/** The add-on with its IRSA role; created after the log groups so the agents find them. */
export function cloudwatchAddon(
  s: ObservabilitySettings,
  a: { clusterName: pulumi.Input<string>; oidc: OidcProvider; version?: string; logGroups: pulumi.Resource[] },
  parent: pulumi.Resource,
): aws.eks.Addon {
  const partition = aws.getPartitionOutput({}, { parent });
  const role = new aws.iam.Role(`${s.name}-cloudwatch-agent`, {
    description: "amazon-cloudwatch-observability add-on (CloudWatch agent + Fluent Bit)",
    assumeRolePolicy: irsaTrustPolicy(a.oidc, "amazon-cloudwatch", "cloudwatch-agent"),
    tags: s.tags,
  }, { parent });
  const grants = ["CloudWatchAgentServerPolicy", "AWSXrayWriteOnlyAccess"].map((p) =>
    new aws.iam.RolePolicyAttachment(`${s.name}-cloudwatch-agent-${p}`, {
      role: role.name, policyArn: pulumi.interpolate`arn:${partition.partition}:iam::aws:policy/${p}`,
    }, { parent }));
  // The add-on's default tolerations are `operator: Exists` (aws-observability/helm-charts,
  // charts/amazon-cloudwatch-observability/values.yaml), so its Fluent Bit and agent DaemonSets also
  // run on the tainted spot workers group and ship the Celery workers' logs.
  return new aws.eks.Addon(`${s.name}-cloudwatch-observability`, {
    clusterName: a.clusterName,
    addonName: "amazon-cloudwatch-observability",
    addonVersion: a.version ?? CLOUDWATCH_OBSERVABILITY_ADDON_VERSION,
    configurationValues: JSON.stringify(CLOUDWATCH_ADDON_CONFIGURATION),
    serviceAccountRoleArn: role.arn,
    resolveConflictsOnCreate: "OVERWRITE",
    resolveConflictsOnUpdate: "OVERWRITE",
    tags: s.tags,
  }, { parent, dependsOn: [...grants, ...a.logGroups] });
}
