/**
 * Controllers installed from pinned Helm charts, each with its own IRSA role, on the system nodes:
 * the AWS Load Balancer Controller (ALB for Dify's Ingress) and the Cluster Autoscaler (adds app
 * and spot worker nodes, in the zone a pending pod needs, and removes them when idle).
 *
 * Cluster Autoscaler rather than Karpenter: the issue asks for managed node groups with explicit
 * min/max/desired per group, which is the model the Cluster Autoscaler scales (it drives the
 * groups' Auto Scaling groups, discovered by the tags EKS puts on them). Karpenter replaces node
 * groups with its own NodePools/EC2NodeClasses and launches instances itself, needs broader IAM
 * (ec2:RunInstances, CreateFleet, iam:PassRole) plus an SQS interruption queue, and its CRDs
 * would have to be applied after its chart: more moving parts for three fixed-purpose node roles.
 * Karpenter would pick a pending pod's zone by itself; the autoscaler gets the same ability from
 * one group per zone for the app and workers roles (nodeGroups.ts), without those costs.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { DIFY_CLUSTER_KEDA_METRICS, KEDA_CLOUDWATCH_ACTIONS, KEDA_OPERATOR_SERVICE_ACCOUNT, NODE_ROLE_LABEL, NodeRole, OidcProvider } from "../contracts";
import { ClusterSettings } from "./args";
import { irsaRole } from "./iam";
import { clusterAutoscalerPolicy, lbControllerPolicy } from "./lbControllerPolicy";
import { helmImage, imageRepository, parseImage } from "../k8s/images";
import { CLUSTER_AUTOSCALER_CHART, CLUSTER_AUTOSCALER_IMAGE, KEDA_CHART, KEDA_IMAGES, LB_CONTROLLER_CHART, LB_CONTROLLER_IMAGE, PinnedChart } from "./versions";

/**
 * Chart `image` values: the chart's default image pinned explicitly, moved under the registry
 * prefix when one is set (both charts render `repository:tag`). Without a prefix and a digest the
 * values stay as before (the autoscaler tag only), so default stacks do not change.
 */
function chartImage(s: ClusterSettings, image: string): Record<string, string> | undefined {
  return s.imageSource.registry || s.imageSource.digests?.[image] ? helmImage(image, s.imageSource) : undefined;
}

/** IngressClass the load balancer controller serves. */
export const INGRESS_CLASS_NAME = "alb";

const SYSTEM_NODES = { [NODE_ROLE_LABEL]: NodeRole.System };

/** Container hardening both charts get (PSS restricted, plus a read-only root filesystem). */
const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  seccompProfile: { type: "RuntimeDefault" },
};

/**
 * AWS Load Balancer Controller chart 3.5.0 (aws/eks-charts stable/aws-load-balancer-controller
 * @ 5239609): templates/deployment.yaml renders `podSecurityContext` as the pod's securityContext,
 * `securityContext` as the container's and `resources` as is; values.yaml defaults are
 * podSecurityContext {fsGroup: 65534}, securityContext {readOnlyRootFilesystem, runAsNonRoot,
 * allowPrivilegeEscalation: false} without drop ALL or seccomp, and resources {}. Helm merges
 * maps, so the defaults stay and these add to them. fsGroup keeps the projected IRSA token
 * readable by the image's non-root user. One Ingress: the controller stays small; the memory
 * limit leaves room for its informer caches.
 */
export const LB_CONTROLLER_POD_VALUES = {
  podSecurityContext: { fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
  securityContext: RESTRICTED_CONTAINER,
  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
};

/**
 * Cluster Autoscaler chart 9.59.0 (kubernetes/autoscaler tag cluster-autoscaler-chart-9.59.0 @
 * 5a0b98e4, cluster-autoscaler/charts/cluster-autoscaler): templates/deployment.yaml renders
 * `securityContext` as the pod's securityContext and `containerSecurityContext` as the
 * container's (each only when non-empty), `resources` as is; all three default to {}. The uid
 * 65534 and the requests (100m / 300Mi) are the ones values.yaml suggests in its comments;
 * fsGroup makes the projected IRSA token readable by that uid.
 */
export const CLUSTER_AUTOSCALER_POD_VALUES = {
  securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
  containerSecurityContext: RESTRICTED_CONTAINER,
  resources: { requests: { cpu: "100m", memory: "300Mi" }, limits: { cpu: "500m", memory: "600Mi" } },
};

/**
 * KEDA chart 2.20.2 (kedacore/charts v2.20.2, keda/): templates/{manager,metrics-server,webhooks}/
 * deployment.yaml render `podSecurityContext.<component>` as the pod's securityContext,
 * `securityContext.<component>` as the container's and `resources.<component>` as is. The chart's
 * defaults already drop ALL capabilities, forbid privilege escalation, mount the root read-only
 * and use RuntimeDefault seccomp with runAsNonRoot pods; they are stated here so the pack sees them
 * whatever a later chart changes, and the requests are the chart's (100m / 100Mi) with lower
 * limits (three small controllers on the system nodes).
 */
const KEDA_COMPONENTS = ["operator", "metricServer", "webhooks"] as const;
/**
 * The operator reads CloudWatch with an IRSA role: its pod runs as the image's user
 * (gcr.io/distroless/static:nonroot, `USER 65532:65532` in kedacore/keda v2.20.2 Dockerfile) with
 * that fsGroup, so the projected web-identity token the EKS webhook mounts is readable by it.
 */
const KEDA_OPERATOR_USER = 65532;
export const KEDA_POD_VALUES = {
  podSecurityContext: Object.fromEntries(KEDA_COMPONENTS.map((c) => [c, {
    runAsNonRoot: true,
    seccompProfile: { type: "RuntimeDefault" },
    ...(c === "operator" ? { runAsUser: KEDA_OPERATOR_USER, runAsGroup: KEDA_OPERATOR_USER, fsGroup: KEDA_OPERATOR_USER } : {}),
  }])),
  securityContext: Object.fromEntries(KEDA_COMPONENTS.map((c) => [c, RESTRICTED_CONTAINER])),
  resources: Object.fromEntries(KEDA_COMPONENTS.map((c) => [c, { requests: { cpu: "100m", memory: "100Mi" }, limits: { cpu: "500m", memory: "512Mi" } }])),
};

/** KEDA's image values under a registry prefix: the full repository, no separate registry (the chart then renders repository:tag). */
function kedaImages(s: ClusterSettings): Record<string, unknown> | undefined {
  if (!s.imageSource.registry && !Object.values(KEDA_IMAGES).some((i) => s.imageSource.digests?.[i])) return undefined;
  return Object.fromEntries(Object.entries(KEDA_IMAGES).map(([k, image]) => {
    const digest = s.imageSource.digests?.[image];
    return [k, { registry: "", repository: imageRepository(image, s.imageSource), tag: `${parseImage(image).tag}${digest ? `@${digest}` : ""}` }];
  }));
}

export interface ControllerInputs {
  clusterName: pulumi.Output<string>;
  vpcId: pulumi.Output<string>;
  region: pulumi.Output<string>;
  partition: pulumi.Output<string>;
  oidc: OidcProvider;
  provider: k8s.Provider;
  /** Nodes and networking the pods need before Helm can wait for them. */
  dependsOn: pulumi.Resource[];
}

function release(s: ClusterSettings, id: string, chart: PinnedChart, values: pulumi.Input<Record<string, unknown>>, inp: ControllerInputs, deps: pulumi.Resource[], parent: pulumi.Resource) {
  return new k8s.helm.v3.Release(`${s.name}-${id}`, {
    name: id,
    chart: chart.chart,
    version: chart.version,
    repositoryOpts: { repo: chart.repo },
    namespace: "kube-system",
    values,
    atomic: true, // a failed install or upgrade rolls back instead of leaving a broken release
    timeout: 600,
  }, { parent, provider: inp.provider, dependsOn: [...inp.dependsOn, ...deps] });
}

export function createControllers(s: ClusterSettings, inp: ControllerInputs, parent: pulumi.Resource): k8s.helm.v3.Release[] {
  const lbSa = "aws-load-balancer-controller";
  const lb = irsaRole(s.name, {
    id: "lb-controller",
    namespace: "kube-system",
    serviceAccount: lbSa,
    description: "AWS Load Balancer Controller: manages the ALB of Dify's Ingress",
    inlinePolicy: inp.partition.apply(lbControllerPolicy),
  }, inp.oidc, s.tags, parent);
  const lbRelease = release(s, "aws-load-balancer-controller", LB_CONTROLLER_CHART, {
    clusterName: inp.clusterName,
    // IMDS is out of reach of pods (hop limit 1): pass what the controller would look up there
    // (chart values.yaml: "Set this manually when your pods are unable to use the metadata service").
    region: inp.region,
    vpcId: inp.vpcId,
    replicaCount: 2,
    podDisruptionBudget: { maxUnavailable: 1 },
    serviceAccount: { create: true, name: lbSa, annotations: { "eks.amazonaws.com/role-arn": lb.role.arn } },
    ingressClass: INGRESS_CLASS_NAME,
    createIngressClassResource: true,
    nodeSelector: SYSTEM_NODES,
    ...LB_CONTROLLER_POD_VALUES,
    ...(chartImage(s, LB_CONTROLLER_IMAGE) ? { image: chartImage(s, LB_CONTROLLER_IMAGE) } : {}),
    // Closed network: the controller calls Shield and WAF on every reconcile and fails without
    // those endpoints (kubernetes-sigs/aws-load-balancer-controller#2797, #3035); Dify's Ingress
    // uses neither, so switch them off rather than pay for two more endpoints.
    ...(s.closedNetwork ? { enableShield: false, enableWaf: false, enableWafv2: false } : {}),
  }, inp, lb.grants, parent);

  const caSa = "cluster-autoscaler";
  const ca = irsaRole(s.name, {
    id: "cluster-autoscaler",
    namespace: "kube-system",
    serviceAccount: caSa,
    description: "Cluster Autoscaler: resizes this cluster's managed node groups",
    inlinePolicy: clusterAutoscalerPolicy(s.clusterName),
  }, inp.oidc, s.tags, parent);
  const caRelease = release(s, "cluster-autoscaler", CLUSTER_AUTOSCALER_CHART, {
    cloudProvider: "aws",
    awsRegion: inp.region,
    // Finds the groups by the k8s.io/cluster-autoscaler/{enabled,<cluster>} tags EKS puts on
    // every managed node group's Auto Scaling group, the per-zone app and workers groups included
    // (the chart renders --node-group-auto-discovery=asg:tag=<both tags>).
    autoDiscovery: { clusterName: inp.clusterName },
    image: chartImage(s, `${CLUSTER_AUTOSCALER_IMAGE}:${s.clusterAutoscalerImageTag}`) ?? { tag: s.clusterAutoscalerImageTag },
    fullnameOverride: "cluster-autoscaler",
    rbac: { serviceAccount: { create: true, name: caSa, annotations: { "eks.amazonaws.com/role-arn": ca.role.arn } } },
    extraArgs: {
      // Cheapest fit among groups that can host the pending pods.
      expander: "least-waste",
      // app and workers are one group per zone (nodeGroups.ts): a scale-up that any zone can
      // serve is split over a role's zonal groups, so they stay even; a pod that needs one zone
      // scales that zone's group. The groups of a role are "similar" because they share labels,
      // taints, instance types and launch template (the AWS comparator ignores the per-group
      // eks.amazonaws.com/nodegroup label and the zone labels).
      "balance-similar-node-groups": true,
      // Dify pods use emptyDir scratch space; it must not pin nodes forever.
      "skip-nodes-with-local-storage": false,
      "scale-down-unneeded-time": "10m",
    },
    nodeSelector: SYSTEM_NODES,
    ...CLUSTER_AUTOSCALER_POD_VALUES,
  }, inp, ca.grants, parent);

  // KEDA: scales the Celery workers on their Redis queue length and the api on its ALB requests
  // (DifyApp ScaledObjects). The Redis scaler reads the password from a TriggerAuthentication in
  // Dify's namespace; the aws-cloudwatch scaler reads the ALB's metrics as the operator itself
  // (TriggerAuthentication podIdentity provider "aws" without a roleArn: the SDK's default
  // credential chain, kedacore/keda v2.20.2 pkg/scalers/aws/aws_config_cache.go), so the operator
  // gets an IRSA role that may only call GetMetricData. GetMetricData has no resource-level
  // permissions or condition keys (IAM service authorization reference, Amazon CloudWatch), hence
  // Resource "*"; reading metrics reveals no data beyond the account's own metric values.
  const keda = irsaRole(s.name, {
    id: "keda",
    namespace: DIFY_CLUSTER_KEDA_METRICS.namespace,
    serviceAccount: KEDA_OPERATOR_SERVICE_ACCOUNT,
    description: "KEDA operator: reads the ALB's CloudWatch metrics that scale Dify's api",
    inlinePolicy: kedaCloudWatchPolicy(),
  }, inp.oidc, s.tags, parent);
  const kedaRelease = release(s, "keda", KEDA_CHART, {
    crds: { install: true },
    // Chart 2.20.2 templates/manager/serviceaccount.yaml: with podIdentity.aws.irsa.enabled the
    // operator's ServiceAccount gets eks.amazonaws.com/role-arn (roleArn), the audience
    // sts.amazonaws.com, regional STS endpoints (the closed network's sts endpoint) and a token
    // expiration; nothing else in the chart reads these values.
    serviceAccount: { operator: { create: true, name: KEDA_OPERATOR_SERVICE_ACCOUNT } },
    podIdentity: { aws: { irsa: { enabled: true, roleArn: keda.role.arn } } },
    // The operator's Prometheus endpoint (plain HTTP /metrics, chart templates/manager/
    // deployment.yaml: --enable-prometheus-metrics and --metrics-bind-address, the container port
    // and the keda-operator Service's `metrics` port): DifyObservability's collector scrapes the
    // queue lengths KEDA measured (keda_scaler_metrics_value) instead of measuring them twice.
    prometheus: { operator: { enabled: true, port: DIFY_CLUSTER_KEDA_METRICS.port } },
    nodeSelector: SYSTEM_NODES,
    ...KEDA_POD_VALUES,
    ...(kedaImages(s) ? { image: kedaImages(s) } : {}),
  }, inp, keda.grants, parent);

  return [lbRelease, caRelease, kedaRelease];
}

/** The KEDA operator's policy: the CloudWatch reads of the aws-cloudwatch scaler, nothing else. */
export function kedaCloudWatchPolicy(): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: "ReadMetricsForScaling", Effect: "Allow", Action: [...KEDA_CLOUDWATCH_ACTIONS], Resource: "*" }],
  });
}
