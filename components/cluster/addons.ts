/**
 * EKS managed add-ons with pinned versions, in two waves: the node networking ones (VPC CNI,
 * kube-proxy) before any node boots, so every node starts with network-policy enforcement; the
 * ones that run as Deployments (CoreDNS, EBS CSI, metrics-server) after the node groups exist,
 * because EKS reports those add-ons healthy only once their pods run.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { NODE_ROLE_LABEL, NodeRole, OidcProvider } from "../contracts";
import { ClusterSettings } from "./args";
import { irsaRole, managedPolicyArn } from "./iam";

/** Name of the default StorageClass this component creates. */
export const STORAGE_CLASS_NAME = "gp3";

interface AddonSpec {
  /** Logical name suffix. */
  id: string;
  /** EKS add-on name. */
  addonName: string;
  version: string;
  /** configurationValues (must match `aws eks describe-addon-configuration` for that version). */
  configuration?: Record<string, unknown>;
  serviceAccountRoleArn?: pulumi.Input<string>;
  dependsOn: pulumi.Resource[];
}

function addon(s: ClusterSettings, clusterName: pulumi.Output<string>, a: AddonSpec, parent: pulumi.Resource): aws.eks.Addon {
  return new aws.eks.Addon(`${s.name}-${a.id}`, {
    clusterName,
    addonName: a.addonName,
    addonVersion: a.version,
    configurationValues: a.configuration ? JSON.stringify(a.configuration) : undefined,
    serviceAccountRoleArn: a.serviceAccountRoleArn,
    // Adopt the self-managed copies EKS bootstraps, and keep Pulumi the source of truth.
    resolveConflictsOnCreate: "OVERWRITE",
    resolveConflictsOnUpdate: "OVERWRITE",
    tags: s.tags,
  }, { parent, dependsOn: a.dependsOn });
}

/** VPC CNI (own IRSA role, network policy agent on) and kube-proxy: needed before nodes join. */
export function createNetworkAddons(
  s: ClusterSettings,
  clusterName: pulumi.Output<string>,
  oidc: OidcProvider,
  partition: pulumi.Output<string>,
  parent: pulumi.Resource,
): aws.eks.Addon[] {
  const cni = irsaRole(s.name, {
    id: "vpc-cni",
    namespace: "kube-system",
    serviceAccount: "aws-node",
    description: "Amazon VPC CNI (aws-node): assigns VPC addresses to pods",
    managedPolicyArns: [managedPolicyArn(partition, "AmazonEKS_CNI_Policy")],
  }, oidc, s.tags, parent);
  return [
    addon(s, clusterName, {
      id: "vpc-cni",
      addonName: "vpc-cni",
      version: s.addonVersions.vpcCni,
      // Without this the NetworkPolicies DifyApp creates are accepted but not enforced.
      configuration: { enableNetworkPolicy: "true" },
      serviceAccountRoleArn: cni.role.arn,
      dependsOn: cni.grants,
    }, parent),
    addon(s, clusterName, { id: "kube-proxy", addonName: "kube-proxy", version: s.addonVersions.kubeProxy, dependsOn: [] }, parent),
  ];
}

/** CoreDNS, EBS CSI driver (IRSA) and metrics-server, then the default encrypted gp3 StorageClass. */
export function createWorkloadAddons(
  s: ClusterSettings,
  clusterName: pulumi.Output<string>,
  oidc: OidcProvider,
  partition: pulumi.Output<string>,
  nodeGroups: pulumi.Resource[],
  k8sProvider: k8s.Provider,
  parent: pulumi.Resource,
): { addons: aws.eks.Addon[]; storageClass: k8s.storage.v1.StorageClass } {
  const ebs = irsaRole(s.name, {
    id: "ebs-csi",
    namespace: "kube-system",
    serviceAccount: "ebs-csi-controller-sa",
    description: "EBS CSI driver controller: creates, attaches and deletes EBS volumes",
    managedPolicyArns: [managedPolicyArn(partition, "service-role/AmazonEBSCSIDriverPolicy")],
  }, oidc, s.tags, parent);
  const coredns = addon(s, clusterName, {
    id: "coredns",
    addonName: "coredns",
    version: s.addonVersions.coredns,
    configuration: {
      // Prefer the system nodes, one replica per node and spread over zones so DNS survives a
      // node or zone loss. (Setting affinity replaces the add-on's default anti-affinity, so it
      // is restated here.)
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{
            weight: 100,
            preference: { matchExpressions: [{ key: NODE_ROLE_LABEL, operator: "In", values: [NodeRole.System] }] },
          }],
        },
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{
            weight: 100,
            podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { "k8s-app": "kube-dns" } } },
          }],
        },
      },
      topologySpreadConstraints: [{
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: { "k8s-app": "kube-dns" } },
      }],
    },
    dependsOn: nodeGroups,
  }, parent);
  // With hop limit 1 the EBS CSI pods cannot read IMDS; the driver then falls back to the
  // Kubernetes API (node providerID and topology labels) for instance metadata
  // (aws-ebs-csi-driver docs/install.md, "Kubernetes metadata"); the controller's region comes
  // from the AWS_REGION IRSA injects.
  const ebsCsi = addon(s, clusterName, {
    id: "ebs-csi",
    addonName: "aws-ebs-csi-driver",
    version: s.addonVersions.ebsCsiDriver,
    serviceAccountRoleArn: ebs.role.arn,
    dependsOn: [...nodeGroups, ...ebs.grants],
  }, parent);
  const metricsServer = addon(s, clusterName, {
    id: "metrics-server",
    addonName: "metrics-server",
    version: s.addonVersions.metricsServer,
    dependsOn: nodeGroups,
  }, parent);

  // Since Kubernetes 1.30 EKS no longer marks its in-tree gp2 class as default (EKS user guide,
  // Kubernetes 1.30 release notes), so this is the only default class.
  const storageClass = new k8s.storage.v1.StorageClass(`${s.name}-gp3`, {
    metadata: {
      name: STORAGE_CLASS_NAME,
      annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
    },
    provisioner: "ebs.csi.aws.com",
    parameters: { type: "gp3", encrypted: "true", "csi.storage.k8s.io/fstype": "ext4" },
    // Create the volume in the zone the pod is scheduled to.
    volumeBindingMode: "WaitForFirstConsumer",
    allowVolumeExpansion: true,
    reclaimPolicy: "Delete",
  }, { parent, provider: k8sProvider, dependsOn: [ebsCsi] });

  return { addons: [coredns, ebsCsi, metricsServer], storageClass };
}
