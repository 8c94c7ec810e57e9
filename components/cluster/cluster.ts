/**
 * DifyCluster: the network and the EKS cluster Dify runs on, and the handles the other
 * components need (secret kubeconfig, OIDC provider for IRSA, VPC and subnets, the workloads'
 * security group, the ingress and storage classes).
 *
 * Nodes: a `system` managed node group over every zone, and `app` and `workers` (spot by default)
 * groups with one group per zone (so the Cluster Autoscaler can add a node in the zone a zone-spread pod
 * needs; sizes and reasons in nodeGroups.ts).
 *
 * Build order (each arrow a real dependency, everything else runs in parallel):
 *   network ─► control plane ─► CNI/kube-proxy add-ons ─► node groups ─► CoreDNS/EBS CSI/metrics-server
 *                                                                    └─► LB controller, Cluster Autoscaler
 * The network outputs come straight from VPC resources, never through the cluster, so data
 * services built from them are created alongside the cluster on a first deploy.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { componentType, OidcProvider } from "../contracts";
import { DifyClusterArgs, resolveClusterArgs } from "./args";
import { createNetworkAddons, createWorkloadAddons } from "./addons";
import { createControllers, INGRESS_CLASS_NAME } from "./controllers";
import { createControlPlane } from "./controlPlane";
import { nodeRole } from "./iam";
import { createNodeGroups } from "./nodeGroups";
import { createNetwork } from "./vpc";
import { createPullThroughCache } from "./pullThroughCache";

/**
 * An EKS cluster for Dify (`dify-aws:index:DifyCluster`): a VPC across 2-3 zones (or your own),
 * the control plane with a restricted public endpoint and access entries, managed node groups
 * `system`, `app` (on-demand by default) and `workers` (spot by default, tainted) labelled `dify-aws/node-role`, pinned
 * add-ons, the Cluster Autoscaler, the AWS Load Balancer Controller (IngressClass "alb") and an
 * OIDC provider for IRSA. Pass `nodePlacement: true` to DifyApp to use its node roles.
 */
export class DifyCluster extends pulumi.ComponentResource {
  /** Kubeconfig (JSON) for the cluster; authenticates with `aws eks get-token`. Secret. */
  public readonly kubeconfig: pulumi.Output<string>;
  /** EKS cluster name; resolves once the cluster exists. */
  public readonly clusterName: pulumi.Output<string>;
  /** ARN of the cluster's IAM OIDC provider (IRSA trust policies' Federated principal). */
  public readonly oidcProviderArn: pulumi.Output<string>;
  /** OIDC issuer without "https://", e.g. "oidc.eks.us-east-1.amazonaws.com/id/ABC" (IRSA condition keys). */
  public readonly oidcIssuer: pulumi.Output<string>;
  /** VPC id (from the VPC itself, not the cluster: data services do not wait for EKS). */
  public readonly vpcId: pulumi.Output<string>;
  /** Private subnet ids, one per AZ: data services, and nodes and pods unless `natGateways` is "none". */
  public readonly privateSubnetIds: pulumi.Output<string[]>;
  /** Public subnet ids, one per AZ: internet-facing load balancers and NAT gateways. */
  public readonly publicSubnetIds: pulumi.Output<string[]>;
  /**
   * Subnet ids, one per AZ, where internal load balancers go (the only subnets tagged
   * kubernetes.io/role/internal-elb). A new VPC gets dedicated ones that no node or pod uses
   * (their CIDRs, known from config alone: `subnetLayout(vpcCidr, azCount).internalLbCidrs`); with
   * `existingVpc` these are the private subnets.
   */
  public readonly internalLbSubnetIds: pulumi.Output<string[]>;
  /**
   * Security group on every node and (VPC CNI) every pod, created with the VPC. Data services
   * admit traffic from this group; it does not depend on the cluster.
   */
  public readonly nodeSecurityGroupId: pulumi.Output<string>;
  /** The EKS-created cluster security group (control plane ENIs and nodes; node-to-node traffic). */
  public readonly clusterSecurityGroupId: pulumi.Output<string>;
  /** IngressClass served by the AWS Load Balancer Controller ("alb"); resolves once the controller is installed. */
  public readonly ingressClassName: pulumi.Output<string>;
  /** Default StorageClass: encrypted gp3 via the EBS CSI driver ("gp3"). */
  public readonly storageClassName: pulumi.Output<string>;
  /** ARN of the KMS key that envelope-encrypts Kubernetes Secrets. */
  public readonly secretsKmsKeyArn: pulumi.Output<string>;

  constructor(name: string, args: DifyClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const s = resolveClusterArgs(name, args); // throws before anything is registered
    super(componentType("DifyCluster"), name, {}, opts);
    const parent = this;
    const partition = aws.getPartitionOutput({}, { parent }).partition;
    const region = aws.getRegionOutput({}, { parent }).region;

    const network = createNetwork(s, parent);
    const cp = createControlPlane(s, network, partition, parent);
    const oidc: OidcProvider = { arn: cp.oidcProviderArn, issuer: cp.oidcIssuer };

    const node = nodeRole(s.name, partition, s.tags, parent);
    const pullThroughCache = s.ecrPullThroughCache
      ? createPullThroughCache(s, { nodeRoleName: node.role.name, partition, region, accountId: aws.getCallerIdentityOutput({}, { parent }).accountId }, parent)
      : [];
    const networkAddons = createNetworkAddons(s, cp.clusterName, oidc, partition, parent);
    const groups = createNodeGroups(s, {
      clusterName: cp.clusterName,
      subnetIds: network.nodeSubnetIds,
      zoneCount: s.existingVpc ? s.existingVpc.privateSubnetIds.length : s.azCount,
      clusterSecurityGroupId: cp.clusterSecurityGroupId,
      workloadSecurityGroupId: network.workloadSecurityGroupId,
      nodeRoleArn: node.role.arn,
      // Closed network: the endpoints and cache rules the first image pull goes through.
      dependsOn: [...node.grants, ...networkAddons, ...network.endpoints, ...pullThroughCache],
    }, parent);
    const nodeGroups = Object.values(groups).flat();

    const provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: cp.kubeconfigJson }, { parent });
    const workload = createWorkloadAddons(s, cp.clusterName, oidc, partition, nodeGroups, provider, parent);
    const [lbController] = createControllers(s, {
      clusterName: cp.clusterName,
      vpcId: network.vpcId,
      region,
      partition,
      oidc,
      provider,
      // CoreDNS first: the controllers resolve AWS endpoints at start-up.
      dependsOn: [...nodeGroups, ...networkAddons, workload.addons[0]],
    }, parent);

    this.kubeconfig = cp.kubeconfigJson;
    this.clusterName = cp.clusterName;
    this.oidcProviderArn = cp.oidcProviderArn;
    this.oidcIssuer = cp.oidcIssuer;
    this.vpcId = network.vpcId;
    this.privateSubnetIds = network.privateSubnetIds;
    this.publicSubnetIds = network.publicSubnetIds;
    this.internalLbSubnetIds = network.internalLbSubnetIds;
    this.nodeSecurityGroupId = network.workloadSecurityGroupId;
    this.clusterSecurityGroupId = cp.clusterSecurityGroupId;
    // Carries the dependency on the controller, so an Ingress built from it waits for the webhook.
    this.ingressClassName = lbController.status.apply(() => INGRESS_CLASS_NAME);
    this.storageClassName = workload.storageClass.metadata.name;
    this.secretsKmsKeyArn = cp.kmsKey.arn;
    this.registerOutputs({
      kubeconfig: this.kubeconfig,
      clusterName: this.clusterName,
      oidcProviderArn: this.oidcProviderArn,
      oidcIssuer: this.oidcIssuer,
      vpcId: this.vpcId,
      privateSubnetIds: this.privateSubnetIds,
      publicSubnetIds: this.publicSubnetIds,
      internalLbSubnetIds: this.internalLbSubnetIds,
      nodeSecurityGroupId: this.nodeSecurityGroupId,
      clusterSecurityGroupId: this.clusterSecurityGroupId,
      ingressClassName: this.ingressClassName,
      storageClassName: this.storageClassName,
      secretsKmsKeyArn: this.secretsKmsKeyArn,
    });
  }
}
