/**
 * The three managed node groups (system, app, spot workers), each with its own launch template.
 * aws.eks.NodeGroup + aws.ec2.LaunchTemplate rather than eks.ManagedNodeGroup: every hardening
 * setting (IMDSv2, hop limit, encrypted gp3, security groups) is then a visible input that tests
 * and the policy pack can check, instead of living inside an opaque component.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { NODE_ROLE_LABEL, NodeRole, WORKERS_TAINT } from "../contracts";
import { ClusterSettings, NodeArchitecture } from "./args";

const AMI_TYPE: Record<NodeArchitecture, string> = {
  [NodeArchitecture.Arm64]: "AL2023_ARM_64_STANDARD",
  [NodeArchitecture.X86_64]: "AL2023_x86_64_STANDARD",
};

/** Per-role shape: on-demand vs spot, taints. Sizes come from the args. */
const ROLES: Record<NodeRole, { capacityType: string; taints: aws.types.input.eks.NodeGroupTaint[] }> = {
  [NodeRole.System]: { capacityType: "ON_DEMAND", taints: [] },
  [NodeRole.App]: { capacityType: "ON_DEMAND", taints: [] },
  // Spot for Celery: tasks are retried after an interruption; the taint keeps everything else off.
  [NodeRole.Workers]: {
    capacityType: "SPOT",
    taints: [{ key: WORKERS_TAINT.key, value: WORKERS_TAINT.value, effect: "NO_SCHEDULE" }],
  },
};

export interface NodeGroupInputs {
  clusterName: pulumi.Output<string>;
  privateSubnetIds: pulumi.Output<string[]>;
  /** The EKS cluster security group: must be listed, EKS adds it only when the template sets none. */
  clusterSecurityGroupId: pulumi.Output<string>;
  workloadSecurityGroupId: pulumi.Output<string>;
  nodeRoleArn: pulumi.Output<string>;
  /** What must exist before nodes boot: the node role's policies, the CNI and kube-proxy add-ons. */
  dependsOn: pulumi.Resource[];
}

export function createNodeGroups(s: ClusterSettings, inp: NodeGroupInputs, parent: pulumi.Resource): Record<NodeRole, aws.eks.NodeGroup> {
  const groups = {} as Record<NodeRole, aws.eks.NodeGroup>;
  for (const role of Object.values(NodeRole)) {
    const size = s.nodeGroups[role];
    const shape = ROLES[role];
    const tags = { ...s.tags, Name: `${s.clusterName}-${role}`, [NODE_ROLE_LABEL]: role };
    const lt = new aws.ec2.LaunchTemplate(`${s.name}-${role}`, {
      description: `Dify ${role} nodes of EKS cluster ${s.clusterName}`,
      updateDefaultVersion: true,
      // No image and no user data: EKS picks the AL2023 AMI for amiType and bootstraps it.
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required", // IMDSv2 only
        // Hop limit 1: the IMDS reply cannot cross the extra hop into a pod's network namespace,
        // so pods cannot take the node role's credentials (they use IRSA). Host-network pods
        // (VPC CNI, kube-proxy) still reach it. The LB controller gets region and VPC id as values.
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: "disabled",
      },
      blockDeviceMappings: [{
        deviceName: "/dev/xvda", // root device of the EKS AL2023 AMIs
        ebs: { volumeType: "gp3", volumeSize: size.diskSizeGiB, encrypted: "true", deleteOnTermination: "true" },
      }],
      vpcSecurityGroupIds: [inp.clusterSecurityGroupId, inp.workloadSecurityGroupId],
      tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({ resourceType, tags })),
      tags: s.tags,
    }, { parent });

    groups[role] = new aws.eks.NodeGroup(`${s.name}-${role}`, {
      clusterName: inp.clusterName,
      nodeRoleArn: inp.nodeRoleArn,
      subnetIds: inp.privateSubnetIds,
      version: s.kubernetesVersion,
      amiType: AMI_TYPE[s.architecture],
      capacityType: shape.capacityType,
      instanceTypes: size.instanceTypes,
      scalingConfig: { minSize: size.minSize, maxSize: size.maxSize, desiredSize: size.desiredSize },
      updateConfig: { maxUnavailable: 1 },
      labels: { [NODE_ROLE_LABEL]: role },
      taints: shape.taints,
      launchTemplate: { id: lt.id, version: lt.latestVersion.apply((v) => String(v)) },
      tags,
    }, {
      parent,
      dependsOn: inp.dependsOn,
      // The Cluster Autoscaler owns the current size; a re-deploy must not reset it.
      ignoreChanges: ["scalingConfig.desiredSize"],
    });
  }
  return groups;
}
