/**
 * DifyCluster's arguments: the public interface (documented field by field) and the validation
 * that runs before anything is registered, so a bad argument never half-creates a stack.
 */
import * as pulumi from "@pulumi/pulumi";
import { NodeRole } from "../contracts";
import { parseCidr, VPC_MAX_BITS, VPC_MAX_BITS_WITHOUT_NAT, VPC_MIN_BITS } from "./cidr";
import { Problems } from "../checks";
import { ImageSource, validateImageSource } from "../k8s/images";
import { ENDPOINT_SERVICE } from "./endpoints";
import { AddonVersions, CLUSTER_AUTOSCALER_IMAGE_TAG, DEFAULT_KUBERNETES_VERSION, KNOWN_ADDON_VERSIONS } from "./versions";

/** CPU architecture of every node group; selects the Amazon Linux 2023 EKS AMI type. */
export enum NodeArchitecture {
  /** AWS Graviton (AMI type AL2023_ARM_64_STANDARD); about 20% cheaper per vCPU. */
  Arm64 = "arm64",
  /** Intel/AMD (AMI type AL2023_x86_64_STANDARD). */
  X86_64 = "x86_64",
}

/**
 * Where a new VPC's nodes reach the internet (images, AWS APIs, LLM providers). Ignored with
 * `existingVpc` (its routing is the owner's) and `closedNetwork` (no NAT gateway and no internet
 * route at all); "none" is refused with either.
 */
export enum NatGateways {
  /** A NAT gateway (and its Elastic IP) per AZ: a zone outage keeps the other zones online. $0.045/h + $0.005/h per AZ. */
  PerAz = "per-az",
  /** One NAT gateway for every zone: every zone loses egress when its zone fails. $0.045/h + $0.005/h. */
  One = "one",
  /**
   * No NAT gateway: the nodes run in dedicated public node subnets (one per AZ, routed to the
   * internet gateway, `mapPublicIpOnLaunch`) with a public IPv4 address each ($0.005/h per node);
   * pods reach the internet through the VPC CNI's SNAT to the node's address. Nothing inbound is
   * admitted: the EKS cluster security group admits only itself and the workloads group has no
   * rule. Refused when `production` is true. Data services stay in the private subnets.
   */
  None = "none",
}

/** EC2 purchase option of a node group (EKS managed node group `capacityType`). */
export enum CapacityType {
  /** On-demand instances: never reclaimed. */
  OnDemand = "ON_DEMAND",
  /** Spot instances: up to ~60-70% cheaper, reclaimed with a two-minute notice (EKS drains the node and launches a replacement). */
  Spot = "SPOT",
}

/**
 * Size and shape of one node role. Plain values: they are validated up front. The sizes are the
 * role's totals: `systemNodes` is one group over every zone; `appNodes` and `workerNodes` are
 * split into one group per zone (min and desired shared out exactly, the first zones taking the
 * remainder; each zone's max is ceil(maxSize / zones)).
 */
export interface NodeGroupArgs {
  /**
   * EC2 instance types, all of `nodeArchitecture`. For the spot workers list several types of the
   * same vCPU and memory (the autoscaler sizes the group by the first one). Default: see
   * DEFAULT_NODE_GROUPS (per role and architecture).
   */
  instanceTypes?: string[];
  /** Minimum node count of the role, over all zones (the autoscaler never goes below). Default per role: system 2, app 3, workers 2. Unit: nodes. */
  minSize?: number;
  /**
   * Maximum node count of the role (the autoscaler's ceiling). For app and workers each zone may
   * grow to ceil(maxSize / zones), so the total can exceed a maxSize that is not a multiple of the
   * zone count by up to zones - 1. Default per role: system 4, app 9, workers 12. Unit: nodes.
   */
  maxSize?: number;
  /** Node count at creation; the autoscaler owns it afterwards (changes are ignored). Default: minSize. Unit: nodes. */
  desiredSize?: number;
  /** Root volume size (encrypted gp3). Default 50. Minimum 20. Unit: GiB. */
  diskSizeGiB?: number;
  /**
   * On-demand or spot. A spot group should list several `instanceTypes` of the same vCPU and
   * memory (more spot pools, fewer failed launches). Default per role: system and app ON_DEMAND,
   * workers SPOT.
   */
  capacityType?: CapacityType;
}

/** Use an existing VPC instead of creating one. */
export interface ExistingVpcArgs {
  /** VPC id, e.g. "vpc-0123…". */
  vpcId: pulumi.Input<string>;
  /** Private subnets (one per AZ, routed through NAT) for nodes, pods, data services and internal load balancers. 2 or 3. */
  privateSubnetIds: pulumi.Input<string>[];
  /** Public subnets (one per AZ, routed to an internet gateway) for the load balancer. 2 or 3. */
  publicSubnetIds: pulumi.Input<string>[];
}

/** Arguments of {@link DifyCluster}. Resource names derive from the component's name. */
export interface DifyClusterArgs {
  /** True for production: refuses a world-open API endpoint and turns on `protect` by default. Default true. */
  production?: boolean;
  /** EKS cluster name (also the autoscaler's discovery key). Default: the component's name. */
  clusterName?: string;
  /** Kubernetes minor version, e.g. "1.35". Default "1.35" (EKS standard support until 2027-03-27). */
  kubernetesVersion?: string;
  /** EKS add-on versions. Default: the versions pinned for `kubernetesVersion` in versions.ts; required for other versions. */
  addonVersions?: AddonVersions;
  /** Cluster Autoscaler image tag, matching `kubernetesVersion`. Default: pinned per version in versions.ts ("v1.35.0"). */
  clusterAutoscalerImageTag?: string;
  /** Availability zones of the new VPC's subnets: 2 (dev) or 3 (prod). Default 3. Unit: zones. */
  azCount?: number;
  /**
   * IPv4 CIDR of the new VPC, /16 to /20. Default "10.40.0.0/16". Ignored with `existingVpc`.
   * Carved per AZ into private, public and internal-load-balancer subnets (cidr.ts subnetLayout).
   */
  vpcCidr?: string;
  /** Run in this VPC and these subnets instead of creating a VPC (`azCount`, `vpcCidr`, `natGateways` and `natGatewayPerAz` are then ignored; `natGateways` none is refused). Default: create a VPC. */
  existingVpc?: ExistingVpcArgs;
  /**
   * One NAT gateway per AZ (true) or one shared gateway (false). Superseded by `natGateways`,
   * which wins when both are set (they must then agree). Default true.
   */
  natGatewayPerAz?: boolean;
  /**
   * The new VPC's egress: "per-az", "one" or "none" (no NAT gateway; nodes in public node subnets
   * with a public IPv4 each; see the NatGateways enum). "none" is refused with `production`,
   * `closedNetwork`, `existingVpc`, `internetGateway` false, and a VPC smaller than /18 (each node
   * subnet is 1/64 of the VPC: a /22 of a /16). Default: "per-az", or "one" when `natGatewayPerAz` is false.
   */
  natGateways?: NatGateways;
  /**
   * CIDRs allowed to reach the public Kubernetes API endpoint (where you and CI run `pulumi up`).
   * The private endpoint is always on. An empty list turns the public endpoint off (then pulumi
   * must run from inside the VPC). "0.0.0.0/0" is refused when `production` is true. Required.
   */
  publicAccessCidrs: string[];
  /**
   * IAM role ARNs granted cluster-admin through EKS access entries (authentication mode API, no
   * aws-auth ConfigMap). Leave out the identity that runs pulumi: @pulumi/eks always makes the
   * cluster creator admin, and a second entry for it fails (pulumi/pulumi-eks#2373). Default none.
   */
  adminRoleArns?: pulumi.Input<string>[];
  /** CPU architecture of all node groups. Default arm64 (Graviton). */
  nodeArchitecture?: NodeArchitecture;
  /** The `system` group (one group over every zone; on-demand by default): cluster add-ons (load balancer controller, autoscaler, CoreDNS, metrics-server). */
  systemNodes?: NodeGroupArgs;
  /** The `app` nodes (on-demand by default), one managed node group per zone: Dify api, web, plugin-daemon, sandbox, ssrf-proxy. */
  appNodes?: NodeGroupArgs;
  /** The `workers` nodes (spot by default), one managed node group per zone, tainted dify-aws/workers=true:NoSchedule: Celery workers only. */
  workerNodes?: NodeGroupArgs;
  /** Send all five control-plane log types (api, audit, authenticator, controllerManager, scheduler) to CloudWatch; false keeps audit and authenticator only. Default true. */
  enableAllControlPlaneLogs?: boolean;
  /** Retention of the control-plane log group. Default 90. Unit: days. */
  logRetentionDays?: number;
  /** Stay on a Kubernetes version past its standard support at $0.60/h extra (EKS extended support) instead of being auto-upgraded. Default false. */
  extendedSupport?: boolean;
  /** Pulumi `protect` on the secrets KMS key and EKS deletion protection on the cluster. Default: `production`. */
  protect?: boolean;
  /** Tags added to every AWS resource. Default none. */
  tags?: Record<string, string>;
  /**
   * Closed network: no NAT gateways and no default route from the private subnets; interface VPC
   * endpoints (with endpoint policies) for every AWS API the cluster and Dify call. Images must then
   * come from ECR (`imageSource.registry`, e.g. with `ecrPullThroughCache`). Default false.
   */
  closedNetwork?: boolean;
  /**
   * Keep the internet gateway and the public subnets' default route (for an internet-facing ALB).
   * Private subnets never route to it. Default: true, false when `closedNetwork`.
   */
  internetGateway?: boolean;
  /**
   * Extra interface endpoints by service suffix (e.g. "bedrock-runtime", "ssm"), created in closed
   * mode next to the built-in list. Default none.
   */
  extraVpcEndpoints?: string[];
  /** Where the controllers' Helm chart images are pulled from (registry prefix, digests). Default: public images. */
  imageSource?: ImageSource;
  /**
   * Create ECR pull-through cache rules (prefixes docker-hub, ecr-public, k8s, quay, github) and
   * let the node role create and import cached repositories on first pull. Default false.
   */
  ecrPullThroughCache?: boolean;
  /** Secrets Manager ARN (name starting "ecr-pullthroughcache/") of the Docker Hub credential; required for the docker-hub rule. Default none (rule skipped). */
  dockerHubCredentialArn?: pulumi.Input<string>;
  /** Secrets Manager ARN (name starting "ecr-pullthroughcache/") of a GitHub token for ghcr.io (KEDA's images); required with ecrPullThroughCache. Default none. */
  githubCredentialArn?: pulumi.Input<string>;
}

/** Everything the builders need, defaults applied and validated. */
export interface ClusterSettings {
  name: string;
  production: boolean;
  clusterName: string;
  kubernetesVersion: string;
  addonVersions: AddonVersions;
  clusterAutoscalerImageTag: string;
  azCount: number;
  vpcCidr: string;
  existingVpc?: ExistingVpcArgs;
  natGateways: NatGateways;
  publicAccessCidrs: string[];
  adminRoleArns: pulumi.Input<string>[];
  architecture: NodeArchitecture;
  nodeGroups: Record<NodeRole, Required<NodeGroupArgs>>;
  enableAllControlPlaneLogs: boolean;
  logRetentionDays: number;
  extendedSupport: boolean;
  protect: boolean;
  tags: Record<string, string>;
  closedNetwork: boolean;
  internetGateway: boolean;
  extraVpcEndpoints: string[];
  imageSource: ImageSource;
  ecrPullThroughCache: boolean;
  upstreamCredentials: Record<string, pulumi.Input<string> | undefined>;
}

/** Production-sized defaults per role and architecture (same vCPU/memory within each spot list). */
export const DEFAULT_NODE_GROUPS: Record<NodeArchitecture, Record<NodeRole, Required<NodeGroupArgs>>> = {
  [NodeArchitecture.Arm64]: {
    [NodeRole.System]: { instanceTypes: ["m7g.large"], minSize: 2, maxSize: 4, desiredSize: 2, diskSizeGiB: 50, capacityType: CapacityType.OnDemand },
    [NodeRole.App]: { instanceTypes: ["m7g.xlarge"], minSize: 3, maxSize: 9, desiredSize: 3, diskSizeGiB: 50, capacityType: CapacityType.OnDemand },
    [NodeRole.Workers]: { instanceTypes: ["m7g.xlarge", "m6g.xlarge", "m8g.xlarge"], minSize: 2, maxSize: 12, desiredSize: 2, diskSizeGiB: 50, capacityType: CapacityType.Spot },
  },
  [NodeArchitecture.X86_64]: {
    [NodeRole.System]: { instanceTypes: ["m7i.large"], minSize: 2, maxSize: 4, desiredSize: 2, diskSizeGiB: 50, capacityType: CapacityType.OnDemand },
    [NodeRole.App]: { instanceTypes: ["m7i.xlarge"], minSize: 3, maxSize: 9, desiredSize: 3, diskSizeGiB: 50, capacityType: CapacityType.OnDemand },
    [NodeRole.Workers]: { instanceTypes: ["m7i.xlarge", "m6i.xlarge", "m6a.xlarge", "m5.xlarge"], minSize: 2, maxSize: 12, desiredSize: 2, diskSizeGiB: 50, capacityType: CapacityType.Spot },
  },
};

/** Instance families that are Graviton (arm64); everything else is taken as x86_64. */
const ARM_FAMILY = /^([a-z]+\d+g[a-z]*|a1)\./;

/** Validates `args` and applies defaults. Throws an Error naming the argument; registers nothing. */
export function resolveClusterArgs(name: string, args: DifyClusterArgs): ClusterSettings {
  const p = new Problems(`DifyCluster "${name}"`);
  const bad = (arg: string, given: unknown, allowed: string) => p.add(`args.${arg}`, given, allowed);

  const production = args.production ?? true;
  const clusterName = args.clusterName ?? name;
  if (!/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/.test(clusterName)) {
    bad("clusterName", clusterName, "1-100 letters, digits, '-' or '_', starting with a letter or digit (EKS cluster name rules)");
  }
  const kubernetesVersion = args.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION;
  if (!/^1\.\d{2}$/.test(kubernetesVersion)) bad("kubernetesVersion", kubernetesVersion, 'a Kubernetes minor version such as "1.35"');
  const addonVersions = args.addonVersions ?? KNOWN_ADDON_VERSIONS[kubernetesVersion];
  if (!addonVersions) {
    bad("addonVersions", undefined, `pinned add-on versions for Kubernetes ${kubernetesVersion} (they exist only for ${Object.keys(KNOWN_ADDON_VERSIONS).join(", ")})`);
  }
  const clusterAutoscalerImageTag = args.clusterAutoscalerImageTag ?? CLUSTER_AUTOSCALER_IMAGE_TAG[kubernetesVersion];
  if (!clusterAutoscalerImageTag) {
    bad("clusterAutoscalerImageTag", undefined, `a Cluster Autoscaler image tag for Kubernetes ${kubernetesVersion} (the autoscaler minor must match the cluster's)`);
  }

  const azCount = args.azCount ?? 3;
  if (!Number.isInteger(azCount) || azCount < 2 || azCount > 3) bad("azCount", azCount, "2 or 3");
  const vpcCidr = args.vpcCidr ?? "10.40.0.0/16";
  if (!args.existingVpc) {
    const c = parseCidr(vpcCidr);
    if (!c) bad("vpcCidr", vpcCidr, "an IPv4 CIDR with no host bits set, e.g. 10.40.0.0/16");
    else if (c.bits < VPC_MIN_BITS || c.bits > VPC_MAX_BITS) bad("vpcCidr", vpcCidr, `a /${VPC_MIN_BITS} to /${VPC_MAX_BITS} block`);
  } else {
    for (const key of ["privateSubnetIds", "publicSubnetIds"] as const) {
      const n = args.existingVpc[key].length;
      if (n < 2 || n > 3) bad(`existingVpc.${key}`, `${n} subnet(s)`, "2 or 3 subnets, one per AZ");
    }
  }

  if (!Array.isArray(args.publicAccessCidrs)) {
    bad("publicAccessCidrs", args.publicAccessCidrs, "a list of IPv4 CIDRs (an empty list disables the public endpoint)");
  }
  const publicAccessCidrs = Array.isArray(args.publicAccessCidrs) ? args.publicAccessCidrs : [];
  for (const [i, cidr] of publicAccessCidrs.entries()) {
    const c = parseCidr(cidr);
    if (!c) bad(`publicAccessCidrs[${i}]`, cidr, "an IPv4 CIDR with no host bits set, e.g. 203.0.113.0/24");
    else if (production && c.bits === 0) {
      bad(`publicAccessCidrs[${i}]`, cidr, "a CIDR narrower than /0 in production (the Kubernetes API must not be open to the internet; list your office/VPN/CI egress CIDRs)");
    }
  }

  const architecture = args.nodeArchitecture ?? NodeArchitecture.Arm64;
  if (!Object.values(NodeArchitecture).includes(architecture)) bad("nodeArchitecture", architecture, '"arm64" or "x86_64"');
  const defaults = DEFAULT_NODE_GROUPS[architecture] ?? DEFAULT_NODE_GROUPS[NodeArchitecture.Arm64];
  const given: Record<NodeRole, [string, NodeGroupArgs | undefined]> = {
    [NodeRole.System]: ["systemNodes", args.systemNodes],
    [NodeRole.App]: ["appNodes", args.appNodes],
    [NodeRole.Workers]: ["workerNodes", args.workerNodes],
  };
  const nodeGroups = {} as Record<NodeRole, Required<NodeGroupArgs>>;
  for (const role of Object.values(NodeRole)) {
    const [arg, g] = given[role];
    const d = defaults[role];
    const minSize = g?.minSize ?? d.minSize;
    const maxSize = g?.maxSize ?? d.maxSize;
    const desiredSize = g?.desiredSize ?? Math.max(minSize, Math.min(d.desiredSize, maxSize));
    const ng = { instanceTypes: g?.instanceTypes ?? d.instanceTypes, minSize, maxSize, desiredSize, diskSizeGiB: g?.diskSizeGiB ?? d.diskSizeGiB, capacityType: g?.capacityType ?? d.capacityType };
    if (!Object.values(CapacityType).includes(ng.capacityType)) bad(`${arg}.capacityType`, ng.capacityType, '"ON_DEMAND" or "SPOT"');
    const isInt = (n: number) => Number.isInteger(n) && n >= 0;
    if (!isInt(minSize)) bad(`${arg}.minSize`, minSize, "a whole number >= 0");
    if (!isInt(maxSize) || maxSize < 1) bad(`${arg}.maxSize`, maxSize, "a whole number >= 1");
    if (isInt(minSize) && isInt(maxSize) && minSize > maxSize) bad(`${arg}.minSize`, minSize, `at most maxSize (${maxSize})`);
    if (!isInt(desiredSize) || desiredSize < minSize || desiredSize > maxSize) {
      bad(`${arg}.desiredSize`, desiredSize, `a value from minSize to maxSize (${minSize}..${maxSize})`);
    }
    if (role !== NodeRole.Workers && minSize < 1) bad(`${arg}.minSize`, minSize, "at least 1 (add-ons and Dify's api/web must always have a node)");
    if (!isInt(ng.diskSizeGiB) || ng.diskSizeGiB < 20 || ng.diskSizeGiB > 16384) bad(`${arg}.diskSizeGiB`, ng.diskSizeGiB, "20 to 16384 GiB");
    if (!Array.isArray(ng.instanceTypes) || ng.instanceTypes.length === 0) bad(`${arg}.instanceTypes`, ng.instanceTypes, "a non-empty list of EC2 instance types");
    else {
      for (const t of ng.instanceTypes) {
        if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(t)) bad(`${arg}.instanceTypes`, t, "EC2 instance types such as m7g.large");
        else if (ARM_FAMILY.test(t) !== (architecture === NodeArchitecture.Arm64)) {
          bad(`${arg}.instanceTypes`, t, `${architecture} instance types (nodeArchitecture is ${architecture}; Graviton types have a "g" after the generation, e.g. m7g)`);
        }
      }
    }
    nodeGroups[role] = ng;
  }

  const logRetentionDays = args.logRetentionDays ?? 90;
  const allowedRetention = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
  if (!allowedRetention.includes(logRetentionDays)) bad("logRetentionDays", logRetentionDays, `one of CloudWatch's retention values (${allowedRetention.join(", ")})`);

  const closedNetwork = args.closedNetwork ?? false;
  const extraVpcEndpoints = args.extraVpcEndpoints ?? [];
  if (!Array.isArray(extraVpcEndpoints)) bad("extraVpcEndpoints", extraVpcEndpoints, 'a list of AWS service suffixes such as "bedrock-runtime"');
  else for (const e of extraVpcEndpoints) {
    if (typeof e !== "string" || !ENDPOINT_SERVICE.test(e) || e.startsWith("com.")) bad("extraVpcEndpoints", e, 'AWS service suffixes after "com.amazonaws.<region>." such as "bedrock-runtime" or "ssm"');
  }
  if (extraVpcEndpoints.length > 0 && !closedNetwork) bad("extraVpcEndpoints", extraVpcEndpoints, "an empty list unless closedNetwork is true (endpoints are created in closed mode only)");
  if (closedNetwork && publicAccessCidrs.some((c) => parseCidr(c)?.bits === 0)) bad("publicAccessCidrs", publicAccessCidrs, "CIDRs narrower than /0 with closedNetwork");
  p.absorb(() => validateImageSource(`DifyCluster "${name}"`, "args.imageSource", args.imageSource), "args.imageSource", args.imageSource);
  if (args.ecrPullThroughCache && args.dockerHubCredentialArn === undefined) {
    bad("dockerHubCredentialArn", undefined, "a Secrets Manager ARN with ecrPullThroughCache (Dify's images are on Docker Hub, and ECR caches Docker Hub only with a credential in Secrets Manager named ecr-pullthroughcache/...)");
  }
  if (args.ecrPullThroughCache && args.githubCredentialArn === undefined) {
    bad("githubCredentialArn", undefined, "a Secrets Manager ARN with ecrPullThroughCache (KEDA's images are on ghcr.io, and ECR caches ghcr.io only with a GitHub token in Secrets Manager named ecr-pullthroughcache/...)");
  }
  for (const key of ["dockerHubCredentialArn", "githubCredentialArn"] as const) {
    const v = args[key];
    if (typeof v === "string" && !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:ecr-pullthroughcache\/.+/.test(v)) {
      bad(key, v, "a Secrets Manager secret ARN whose name starts with ecr-pullthroughcache/ (ECR requires that prefix)");
    }
  }
  if (closedNetwork && !args.imageSource?.registry) {
    bad("imageSource.registry", args.imageSource?.registry, "a registry prefix with closedNetwork (the nodes cannot reach public registries; use this account's ECR with ecrPullThroughCache, or a mirror reachable from the VPC)");
  }

  const natGateways = args.natGateways ?? (args.natGatewayPerAz === false ? NatGateways.One : NatGateways.PerAz);
  if (!Object.values(NatGateways).includes(natGateways)) bad("natGateways", natGateways, '"per-az", "one" or "none"');
  else if (args.natGateways !== undefined && args.natGatewayPerAz !== undefined && args.natGatewayPerAz !== (args.natGateways === NatGateways.PerAz)) {
    bad("natGatewayPerAz", args.natGatewayPerAz, `unset, or ${args.natGateways === NatGateways.PerAz} to agree with natGateways "${args.natGateways}" (natGateways supersedes it)`);
  }
  if (natGateways === NatGateways.None) {
    // Each "none" refusal keeps a promise another argument makes (nodes without public addresses,
    // no internet route, the owner's routing) or one the node subnets need (an internet gateway,
    // room for nodes and pods).
    const none = (arg: string, given: unknown, why: string) => bad("natGateways", "none", `"per-az" or "one" with ${arg} ${JSON.stringify(given)} (${why})`);
    if (production) none("production", true, "production keeps a NAT gateway per AZ: zone-loss tolerance and nodes without public addresses");
    if (closedNetwork) none("closedNetwork", true, "a closed network already has no NAT gateway and keeps its nodes in private subnets without an internet route");
    if (args.existingVpc) none("existingVpc", "set", "the existing VPC's routing is its owner's: the nodes go in its private subnets");
    if (args.internetGateway === false) none("internetGateway", false, "nodes without NAT reach the internet through the internet gateway");
    const c = parseCidr(vpcCidr);
    if (!args.existingVpc && c && c.bits > VPC_MAX_BITS_WITHOUT_NAT) {
      none("vpcCidr", vpcCidr, `each public node subnet is 1/64 of the VPC, too small for nodes and their pods below a /${VPC_MAX_BITS_WITHOUT_NAT}`);
    }
  }

  p.throwIfAny();
  return {
    name,
    production,
    clusterName,
    kubernetesVersion,
    addonVersions: addonVersions as AddonVersions,
    clusterAutoscalerImageTag: clusterAutoscalerImageTag as string,
    azCount,
    vpcCidr,
    existingVpc: args.existingVpc,
    natGateways,
    publicAccessCidrs,
    adminRoleArns: args.adminRoleArns ?? [],
    architecture,
    nodeGroups,
    enableAllControlPlaneLogs: args.enableAllControlPlaneLogs ?? true,
    logRetentionDays,
    extendedSupport: args.extendedSupport ?? false,
    protect: args.protect ?? production,
    tags: { ...(args.tags ?? {}), "dify-aws/cluster": clusterName },
    closedNetwork,
    internetGateway: args.internetGateway ?? !closedNetwork,
    extraVpcEndpoints,
    imageSource: args.imageSource ?? {},
    ecrPullThroughCache: args.ecrPullThroughCache ?? false,
    upstreamCredentials: {
      "docker.io": args.dockerHubCredentialArn,
      "ghcr.io": args.githubCredentialArn,
    },
  };
}
