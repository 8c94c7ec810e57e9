/**
 * The managed node groups, each role with its own launch template: `system` as one group over
 * every zone, `app` and spot `workers` as ONE GROUP PER ZONE (`<name>-app-0`, `-1`, `-2`).
 *
 * Why per zone: Dify's Deployments spread over topology.kubernetes.io/zone with
 * whenUnsatisfiable DoNotSchedule, so a pod may need a node in one particular zone. The Cluster
 * Autoscaler models a node group by one template node, and for an Auto Scaling group over
 * several zones that template carries one zone only; it cannot ask EC2 for a node in the zone
 * the pod needs, so such a pod can stay Pending. With one group per zone it knows which group
 * adds a node where (Cluster Autoscaler FAQ, "I have a couple of pending pods, but there was no
 * scale-up?"; EKS user guide, "Cluster Autoscaler": one group per AZ with
 * --balance-similar-node-groups, set in controllers.ts). The groups of a role share the launch
 * template, labels, taints and instance types, so the autoscaler sees them as similar (its AWS
 * comparator ignores the per-group eks.amazonaws.com/nodegroup label and the zone) and keeps
 * them balanced.
 *
 * `system` stays one multi-zone group: nothing that runs there has a hard zone constraint
 * (CoreDNS and the collector spread with ScheduleAnyway, the controllers not at all, and no
 * workload uses a zonal volume), so any zone the ASG picks serves; and splitting it would turn
 * prod's 2 system nodes into a 3-node floor or a zone without a floor.
 *
 * Sizes of a per-zone role (n zones, the role's min/max/desired as configured):
 *   min_i     = floor(min/n) + (i < min mod n ? 1 : 0)      Σ min_i = min exactly
 *   desired_i = floor(desired/n) + (i < desired mod n ? 1 : 0), within [min_i, max_i]
 *                                                           Σ desired_i = desired exactly
 *   max_i     = ceil(max/n)  (>= 1)                          Σ max_i = n·ceil(max/n), max..max+n-1
 * The floor is never below the configured min (and costs nothing extra: it is the same number
 * of always-on nodes, the remainder in the first zones); every zone gets the same ceiling, so a
 * zone can always grow to its share of a spread Deployment. The total ceiling exceeds maxSize
 * by up to n-1 nodes when maxSize is not a multiple of n (dev: 3 → 4); pick a multiple of the
 * zone count for an exact cap.
 *
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

/**
 * Per-role shape: taints, one group per zone or one over all zones. Sizes and the capacity type
 * (on-demand or spot; workers default to spot: Celery tasks are retried after an interruption)
 * come from the args.
 */
const ROLES: Record<NodeRole, { taints: aws.types.input.eks.NodeGroupTaint[]; perZone: boolean }> = {
  [NodeRole.System]: { taints: [], perZone: false },
  [NodeRole.App]: { taints: [], perZone: true },
  // The taint keeps everything but the Celery workers off the workers nodes.
  [NodeRole.Workers]: {
    taints: [{ key: WORKERS_TAINT.key, value: WORKERS_TAINT.value, effect: "NO_SCHEDULE" }],
    perZone: true,
  },
};

/** A node group's scaling configuration. Unit: nodes. */
export interface Scaling {
  minSize: number;
  maxSize: number;
  desiredSize: number;
}

/**
 * Splits a role's configured sizes over `zones` single-zone groups (arithmetic in the header):
 * min and desired are shared out exactly (remainder to the first zones), every zone gets the same
 * ceiling ceil(max/zones). Expects validated sizes (0 <= min <= desired <= max, max >= 1).
 */
export function zonalScaling(size: Scaling, zones: number): Scaling[] {
  const share = (total: number, i: number) => Math.floor(total / zones) + (i < total % zones ? 1 : 0);
  const maxSize = Math.max(1, Math.ceil(size.maxSize / zones));
  return [...Array(zones).keys()].map((i) => {
    const minSize = share(size.minSize, i);
    // Already within [minSize, maxSize] for validated sizes; the clamp only guards the invariant.
    return { minSize, maxSize, desiredSize: Math.min(maxSize, Math.max(minSize, share(size.desiredSize, i))) };
  });
}

export interface NodeGroupInputs {
  clusterName: pulumi.Output<string>;
  /**
   * The nodes' subnets, one per zone in zone order (the private ones, or the public node subnets
   * with natGateways "none"): the per-zone groups take one each, `system` takes all.
   */
  subnetIds: pulumi.Output<string[]>;
  /** How many node subnets (= zones) there are; known before the subnets exist. */
  zoneCount: number;
  /** The EKS cluster security group: must be listed, EKS adds it only when the template sets none. */
  clusterSecurityGroupId: pulumi.Output<string>;
  workloadSecurityGroupId: pulumi.Output<string>;
  nodeRoleArn: pulumi.Output<string>;
  /** What must exist before nodes boot: the node role's policies, the CNI and kube-proxy add-ons. */
  dependsOn: pulumi.Resource[];
}

/**
 * Creates the groups: per role, its launch template and either one group over all node
 * subnets (`<name>-system`) or one per zone (`<name>-<role>-<i>`, i = the subnet's index).
 */
export function createNodeGroups(s: ClusterSettings, inp: NodeGroupInputs, parent: pulumi.Resource): Record<NodeRole, aws.eks.NodeGroup[]> {
  const groups = {} as Record<NodeRole, aws.eks.NodeGroup[]>;
  for (const role of Object.values(NodeRole)) {
    const size = s.nodeGroups[role];
    const shape = ROLES[role];
    const tags = { ...s.tags, Name: `${s.clusterName}-${role}`, [NODE_ROLE_LABEL]: role };
    // One template per role, shared by its zonal groups: identical node templates (and
    // eks.amazonaws.com/sourceLaunchTemplate* labels) keep them "similar" for the autoscaler.
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

    const placements: { suffix: string; subnetIds: pulumi.Input<string[]>; scaling: Scaling }[] = shape.perZone
      ? zonalScaling(size, inp.zoneCount).map((scaling, i) => ({ suffix: `-${i}`, subnetIds: inp.subnetIds.apply((ids) => [ids[i]]), scaling }))
      : [{ suffix: "", subnetIds: inp.subnetIds, scaling: size }];
    groups[role] = placements.map(({ suffix, subnetIds, scaling }) => new aws.eks.NodeGroup(`${s.name}-${role}${suffix}`, {
      clusterName: inp.clusterName,
      nodeRoleArn: inp.nodeRoleArn,
      subnetIds,
      version: s.kubernetesVersion,
      amiType: AMI_TYPE[s.architecture],
      capacityType: size.capacityType,
      instanceTypes: size.instanceTypes,
      scalingConfig: { minSize: scaling.minSize, maxSize: scaling.maxSize, desiredSize: scaling.desiredSize },
      updateConfig: { maxUnavailable: 1 },
      labels: { [NODE_ROLE_LABEL]: role },
      taints: shape.taints,
      launchTemplate: { id: lt.id, version: lt.latestVersion.apply((v) => String(v)) },
      tags: { ...tags, Name: `${s.clusterName}-${role}${suffix}` },
    }, {
      parent,
      dependsOn: inp.dependsOn,
      // The Cluster Autoscaler owns the current size; a re-deploy must not reset it.
      ignoreChanges: ["scalingConfig.desiredSize"],
    }));
  }
  return groups;
}
