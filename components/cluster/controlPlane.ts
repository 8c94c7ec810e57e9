/**
 * The EKS control plane through @pulumi/eks: secrets envelope-encrypted with a customer KMS key,
 * control-plane logs in a log group with a retention, a private endpoint plus a public one
 * restricted to given CIDRs, access entries (no aws-auth ConfigMap), and an OIDC provider for IRSA.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import { ClusterSettings } from "./args";
import { Network } from "./vpc";

const ALL_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
/** Who did what, and who authenticated: kept even when the verbose types are off. */
const MINIMAL_LOG_TYPES = ["audit", "authenticator"];

export interface ControlPlane {
  cluster: eks.Cluster;
  kmsKey: aws.kms.Key;
  /** Cluster name, resolved only once the cluster exists. */
  clusterName: pulumi.Output<string>;
  /** The security group EKS creates and attaches to the control plane ENIs and managed nodes. */
  clusterSecurityGroupId: pulumi.Output<string>;
  oidcProviderArn: pulumi.Output<string>;
  /** Issuer without "https://". */
  oidcIssuer: pulumi.Output<string>;
  kubeconfigJson: pulumi.Output<string>;
}

export function createControlPlane(
  s: ClusterSettings,
  network: Network,
  partition: pulumi.Output<string>,
  parent: pulumi.Resource,
): ControlPlane {
  const kmsKey = new aws.kms.Key(`${s.name}-secrets`, {
    description: `Envelope encryption of Kubernetes Secrets in EKS cluster ${s.clusterName}`,
    enableKeyRotation: true,
    deletionWindowInDays: 30,
    tags: s.tags,
  }, { parent, protect: s.protect });
  new aws.kms.Alias(`${s.name}-secrets`, { name: `alias/${s.clusterName}-eks-secrets`, targetKeyId: kmsKey.keyId }, { parent });

  // EKS writes to /aws/eks/<name>/cluster and would create it without a retention (kept forever).
  const logGroup = new aws.cloudwatch.LogGroup(`${s.name}-control-plane`, {
    name: `/aws/eks/${s.clusterName}/cluster`,
    retentionInDays: s.logRetentionDays,
    tags: s.tags,
  }, { parent });

  const accessEntries: Record<string, eks.types.input.AccessEntryArgs> = {};
  s.adminRoleArns.forEach((principalArn, i) => {
    accessEntries[`admin-${i}`] = {
      principalArn,
      accessPolicies: {
        clusterAdmin: {
          policyArn: pulumi.interpolate`arn:${partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
          accessScope: { type: "cluster" },
        },
      },
    };
  });

  const cluster = new eks.Cluster(`${s.name}-eks`, {
    name: s.clusterName,
    version: s.kubernetesVersion,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    publicSubnetIds: network.publicSubnetIds,
    endpointPrivateAccess: true,
    endpointPublicAccess: s.publicAccessCidrs.length > 0,
    publicAccessCidrs: s.publicAccessCidrs.length > 0 ? s.publicAccessCidrs : undefined,
    authenticationMode: eks.AuthenticationMode.Api,
    accessEntries,
    createOidcProvider: true,
    encryptionConfigKeyArn: kmsKey.arn,
    enabledClusterLogTypes: s.enableAllControlPlaneLogs ? ALL_LOG_TYPES : MINIMAL_LOG_TYPES,
    deletionProtection: s.protect,
    upgradePolicy: { supportType: s.extendedSupport ? "EXTENDED" : "STANDARD" },
    // Managed node groups only (nodegroups.ts), on the EKS-created cluster security group.
    skipDefaultNodeGroup: true,
    skipDefaultSecurityGroups: true,
    // Add-ons are managed in addons.ts with pinned versions and configuration, not by eks.Cluster.
    useDefaultVpcCni: true,
    kubeProxyAddonOptions: { enabled: false },
    corednsAddonOptions: { enabled: false },
    tags: s.tags,
  }, { parent, dependsOn: [logGroup] });

  // Plain outputs of the remote component (resource-valued outputs such as eksCluster are avoided).
  const clusterSecurityGroupId = cluster.clusterSecurityGroupId;
  return {
    cluster,
    kmsKey,
    clusterName: clusterSecurityGroupId.apply(() => s.clusterName),
    clusterSecurityGroupId,
    oidcProviderArn: cluster.oidcProviderArn,
    oidcIssuer: cluster.oidcIssuer.apply((i) => i.replace(/^https:\/\//, "")),
    kubeconfigJson: pulumi.secret(cluster.kubeconfigJson),
  };
}
