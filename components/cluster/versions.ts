/**
 * Every version DifyCluster installs, pinned in one place. Bump them together, one Kubernetes
 * minor at a time, and check each add-on with
 * `aws eks describe-addon-versions --kubernetes-version <v> --addon-name <name>`.
 */

/**
 * Kubernetes minor version of the control plane and the node groups.
 * 1.35: released on EKS 2026-01-28, standard support until 2027-03-27 (EKS version calendar,
 * https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html). 1.34 leaves
 * standard support on 2026-12-02, so it is no longer a sensible default.
 */
export const DEFAULT_KUBERNETES_VERSION = "1.35";

/** EKS managed add-on versions, all known to be offered for Kubernetes 1.35. */
export interface AddonVersions {
  /** `vpc-cni` (Amazon VPC CNI with the network policy agent). */
  vpcCni: string;
  /** `kube-proxy`. */
  kubeProxy: string;
  /** `coredns`. */
  coredns: string;
  /** `aws-ebs-csi-driver`. */
  ebsCsiDriver: string;
  /** `metrics-server` (EKS community add-on). */
  metricsServer: string;
}

/**
 * Versions used on EKS 1.35 clusters in public infrastructure code (2026). The newest builds seen
 * in more than one independent source: vpc-cni v1.21.1-eksbuild.7, kube-proxy v1.35.3-eksbuild.2
 * and coredns v1.13.2-eksbuild.4 (listed as the 1.35 defaults in two places), aws-ebs-csi-driver
 * v1.57.1-eksbuild.1, metrics-server v0.8.0-eksbuild.6. Check with
 * `aws eks describe-addon-versions --kubernetes-version 1.35 --addon-name <name>` before bumping.
 */
export const ADDON_VERSIONS_1_35: AddonVersions = {
  vpcCni: "v1.21.1-eksbuild.7",
  kubeProxy: "v1.35.3-eksbuild.2",
  coredns: "v1.13.2-eksbuild.4",
  ebsCsiDriver: "v1.57.1-eksbuild.1",
  metricsServer: "v0.8.0-eksbuild.6",
};

// The amazon-cloudwatch-observability add-on belongs to DifyObservability and is pinned there
// (components/observability/logs.ts, CLOUDWATCH_OBSERVABILITY_ADDON_VERSION = v6.4.0-eksbuild.1):
// bump it with these.

/** Add-on versions known per Kubernetes minor; other minors need `addonVersions` passed explicitly. */
export const KNOWN_ADDON_VERSIONS: Readonly<Record<string, AddonVersions>> = {
  "1.35": ADDON_VERSIONS_1_35,
};

/** A Helm chart pinned by repository, name and version. */
export interface PinnedChart {
  repo: string;
  chart: string;
  version: string;
}

/**
 * AWS Load Balancer Controller chart 3.5.0 (app v3.5.0, aws/eks-charts, 2026-08-03). Its IAM
 * policy is lbControllerPolicy.ts, taken from the controller's docs/install/iam_policy.json at
 * tag v3.5.0: bump both together.
 */
export const LB_CONTROLLER_CHART: PinnedChart = {
  repo: "https://aws.github.io/eks-charts",
  chart: "aws-load-balancer-controller",
  version: "3.5.0",
};

/**
 * Cluster Autoscaler chart 9.59.0, whose default image is Cluster Autoscaler 1.35.0 (the
 * autoscaler's minor must match the cluster's; kubernetes/autoscaler README compatibility table).
 */
export const CLUSTER_AUTOSCALER_CHART: PinnedChart = {
  repo: "https://kubernetes.github.io/autoscaler",
  chart: "cluster-autoscaler",
  version: "9.59.0",
};

/**
 * The image chart 3.5.0 runs by default (values.yaml image.repository/tag), named here so a registry
 * prefix can move it: public.ecr.aws/eks/aws-load-balancer-controller:v3.5.0.
 */
export const LB_CONTROLLER_IMAGE = "public.ecr.aws/eks/aws-load-balancer-controller:v3.5.0";

/** Repository of the Cluster Autoscaler image (chart values.yaml image.repository). */
export const CLUSTER_AUTOSCALER_IMAGE = "registry.k8s.io/autoscaling/cluster-autoscaler";

/** Cluster Autoscaler image tag per Kubernetes minor (pinned rather than left to the chart). */
export const CLUSTER_AUTOSCALER_IMAGE_TAG: Readonly<Record<string, string>> = {
  "1.35": "v1.35.0",
};

/**
 * KEDA (CNCF; kedacore/charts keda 2.20.2, tag v2.20.2 @ cbb9bb8c): scales Dify's Celery workers
 * on the length of their Redis queues (components/app ScaledObjects). Its three images
 * (values.yaml image.keda / metricsApiServer / webhooks, tag = appVersion 2.20.2).
 */
export const KEDA_CHART: PinnedChart = {
  repo: "https://kedacore.github.io/charts",
  chart: "keda",
  version: "2.20.2",
};
export const KEDA_IMAGES = {
  keda: "ghcr.io/kedacore/keda:2.20.2",
  metricsApiServer: "ghcr.io/kedacore/keda-metrics-apiserver:2.20.2",
  webhooks: "ghcr.io/kedacore/keda-admission-webhooks:2.20.2",
} as const;
