/**
 * Container logs in a closed network: the official aws-for-fluent-bit Helm chart instead of the
 * amazon-cloudwatch-observability add-on. The add-on pulls its operator, agent and Fluent Bit
 * images from public.ecr.aws (no VPC endpoint) and the EKS add-on cannot redirect them
 * (aws/containers-roadmap#2210), so with `closedNetwork` its pods never start. This release pulls
 * its one image from the stack's registry mirror and writes the same log group the add-on writes
 * (`/aws/containerinsights/<cluster>/application`, created with retention and the stack's key in
 * logs.ts), through the `logs` interface endpoint closed mode creates. What it does not replace:
 * the CloudWatch agent's Container Insights metrics (docs/closed-networks.md).
 *
 * Every value key below was checked against aws/eks-charts stable/aws-for-fluent-bit chart 0.2.0
 * (last changed in 2942cdce, 2026-02-03; read at 5239609): values.yaml and templates/daemonset.yaml,
 * configmap.yaml, _helpers.tpl, serviceaccount.yaml.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { irsaRole } from "../aws/irsa";
import { OidcProvider } from "../contracts";
import { helmImage, ImageSource } from "../k8s/images";
import { podSecurityNamespaceLabels } from "../k8s/security";
import { ObservabilitySettings } from "./args";

/** aws-for-fluent-bit chart, pinned (aws/eks-charts, stable/aws-for-fluent-bit, version 0.2.0). */
export const AWS_FOR_FLUENT_BIT_CHART = { repo: "https://aws.github.io/eks-charts", chart: "aws-for-fluent-bit", version: "0.2.0" } as const;

/** The chart's default image (values.yaml `image`, chart 0.2.0 = appVersion 3.2.1), pinned explicitly so the mirror list names it. */
export const AWS_FOR_FLUENT_BIT_IMAGE = "public.ecr.aws/aws-observability/aws-for-fluent-bit:3.2.1";

/**
 * Namespace of the shipper, one per cluster like the add-on's `amazon-cloudwatch`. Fluent Bit reads
 * every node's /var/log/containers through a hostPath volume, which PSS baseline already forbids
 * (Pod Security Standards, "HostPath Volumes": baseline and restricted), so it cannot share the
 * restricted `dify-observability` namespace; it gets its own, enforcing `privileged` (the only level
 * admitting hostPath) while auditing and warning at `restricted`. The add-on's namespace carries no
 * Pod Security labels at all today, so this is no wider than what it replaces; the pod itself is
 * hardened below as far as a log reader can be.
 */
export const FLUENT_BIT_NAMESPACE = "aws-for-fluent-bit";

/** ServiceAccount of the DaemonSet (chart `serviceAccount.name`), the IRSA role's only subject. */
export const FLUENT_BIT_SERVICE_ACCOUNT = "aws-for-fluent-bit";

/** Only what the cloudwatch_logs output calls on a group that already exists (no CreateLogGroup, no PutRetentionPolicy). */
export function fluentBitLogsPolicy(logGroupArn: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{
      Sid: "ShipContainerLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
      Resource: [logGroupArn, `${logGroupArn}:log-stream:*`],
    }],
  });
}

/** Chart values for the DaemonSet: image from the mirror, CloudWatch Logs output to `logGroupName`, hardening. */
export function fluentBitValues(a: { region: string; logGroupName: pulumi.Input<string>; roleArn: pulumi.Input<string>; images?: ImageSource }): Record<string, unknown> {
  const varlog = { name: "varlog", hostPath: { path: "/var/log" } };
  return {
    image: helmImage(AWS_FOR_FLUENT_BIT_IMAGE, a.images),
    serviceAccount: { create: true, name: FLUENT_BIT_SERVICE_ACCOUNT, annotations: { "eks.amazonaws.com/role-arn": a.roleArn } },
    // The add-on's record layout: a JSON log line is merged under `log_processed` and the raw line
    // dropped, so the Logs Insights queries of docs/observability.md (`log_processed.levelname`)
    // and DifyBackups' metric filters read the same fields from either shipper.
    filter: { mergeLogKey: "log_processed", keepLog: "Off" },
    cloudWatchLogs: {
      enabled: true,
      region: a.region,
      logGroupName: a.logGroupName,
      logStreamPrefix: "fluentbit-",
      // The group exists (logs.ts); rendered only when true, and the plugin's default is Off.
      autoCreateGroup: false,
      // Regional STS (closed mode's `sts` endpoint) for the web-identity exchange.
      stsEndpoint: `https://sts.${a.region}.amazonaws.com`,
    },
    // Containerd (AL2023 nodes) writes only under /var/log; the chart's default second hostPath,
    // /var/lib/docker/containers, is for Docker nodes and is left out. /var/log stays writable:
    // the tail input keeps its offsets in /var/log/flb_kube.db (values.yaml `input.db`).
    volumes: [varlog],
    volumeMounts: [{ name: "varlog", mountPath: "/var/log" }],
    podSecurityContext: { seccompProfile: { type: "RuntimeDefault" } },
    // Root (the image's user) is needed to read the kubelet's 0640 root-owned log files, but as
    // their owner, so every capability can go. Fluent Bit buffers in memory only (no
    // storage.path in the chart's [SERVICE]), so the root filesystem can be read-only.
    containerSecurityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      readOnlyRootFilesystem: true,
      seccompProfile: { type: "RuntimeDefault" },
    },
    // Chart default limits memory to 250Mi with no CPU bound; input.memBufLimit (5MB) caps each tail buffer.
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "250Mi" } },
    priorityClassName: "system-node-critical",
    // Every node, the tainted spot workers included (the add-on tolerates every taint too); the chart default is [].
    tolerations: [{ operator: "Exists" }],
  };
}

/** The namespace, IRSA role and Helm release shipping container logs to `logGroup`. */
export function fluentBitLogShipper(
  s: ObservabilitySettings,
  a: { oidc: OidcProvider; images?: ImageSource; logGroup: aws.cloudwatch.LogGroup },
  parent: pulumi.Resource,
): k8s.helm.v3.Release {
  const ns = new k8s.core.v1.Namespace(`${s.name}-fluent-bit-namespace`, {
    metadata: {
      name: FLUENT_BIT_NAMESPACE,
      labels: { "app.kubernetes.io/part-of": "dify", "app.kubernetes.io/managed-by": "pulumi", ...podSecurityNamespaceLabels("privileged") },
    },
  }, { parent });
  const { role, policy } = irsaRole(`${s.name}-fluent-bit`, {
    oidc: a.oidc,
    namespace: FLUENT_BIT_NAMESPACE,
    serviceAccounts: [FLUENT_BIT_SERVICE_ACCOUNT],
    policy: a.logGroup.arn.apply(fluentBitLogsPolicy),
    description: "aws-for-fluent-bit: container logs to the Container Insights application log group",
    tags: s.tags,
  }, parent);
  return new k8s.helm.v3.Release(`${s.name}-fluent-bit`, {
    name: "aws-for-fluent-bit",
    chart: AWS_FOR_FLUENT_BIT_CHART.chart,
    version: AWS_FOR_FLUENT_BIT_CHART.version,
    repositoryOpts: { repo: AWS_FOR_FLUENT_BIT_CHART.repo },
    namespace: ns.metadata.name,
    values: fluentBitValues({ region: s.region, logGroupName: a.logGroup.name, roleArn: role.arn, images: a.images }),
    atomic: true,
    timeout: 600,
  }, { parent, dependsOn: [policy, a.logGroup] });
}
