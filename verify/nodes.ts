/**
 * The simulated nodes: one Node object per node of the stack's managed node groups, as EKS would
 * register it (zone, instance type and node-role labels, taints, allocatable).
 *
 * Allocatable is what the AL2023 EKS AMI's nodeadm configures on the kubelet
 * (awslabs/amazon-eks-ami nodeadm/internal/kubelet/config.go at 01375496231a):
 *   maxPods       = the VPC CNI table eni-max-pods.txt for the type (ENIs × (IPv4 per ENI − 1) + 2),
 *                   as the cluster does not enable prefix delegation (components/cluster/addons.ts);
 *   kube-reserved = CPU: 6 % of the first core, 1 % of the second, 0.5 % of cores 3–4, 0.25 % above
 *                   (getCPUMillicoresToReserve); memory: 11 MiB × maxPods + 255 MiB
 *                   (getMemoryMebibytesToReserve); no system-reserved;
 *   eviction-hard = memory.available 100Mi.
 * Memory capacity is the instance's nominal memory less the 7.5 % the kernel and firmware keep,
 * Karpenter's default estimate (karpenter-provider-aws, --vm-memory-overhead-percent 0.075), so a
 * fit here is not an over-optimistic one.
 */

/** vCPUs, nominal memory (GiB) and VPC CNI max pods of the instance types the presets use. */
export const INSTANCE_TYPES: Readonly<Record<string, { vcpu: number; memoryGiB: number; maxPods: number; arch: "arm64" | "amd64" }>> = {
  // Graviton (the presets; dify:nodeArchitecture arm64)
  "t4g.medium": { vcpu: 2, memoryGiB: 4, maxPods: 17, arch: "arm64" },
  "t4g.large": { vcpu: 2, memoryGiB: 8, maxPods: 35, arch: "arm64" },
  "m6g.large": { vcpu: 2, memoryGiB: 8, maxPods: 29, arch: "arm64" },
  "m7g.large": { vcpu: 2, memoryGiB: 8, maxPods: 29, arch: "arm64" },
  "m8g.large": { vcpu: 2, memoryGiB: 8, maxPods: 29, arch: "arm64" },
  "m6g.xlarge": { vcpu: 4, memoryGiB: 16, maxPods: 58, arch: "arm64" },
  "m7g.xlarge": { vcpu: 4, memoryGiB: 16, maxPods: 58, arch: "arm64" },
  "m8g.xlarge": { vcpu: 4, memoryGiB: 16, maxPods: 58, arch: "arm64" },
  "m7g.2xlarge": { vcpu: 8, memoryGiB: 32, maxPods: 58, arch: "arm64" },
  // dev's spot system group: t4g.medium's size (2 vCPU, 4 GiB) in two more spot pools
  // (eni-max-pods.txt, awslabs/amazon-eks-ami templates/shared/runtime @9e910f87: c6g.large 29, c7g.large 29).
  "c6g.large": { vcpu: 2, memoryGiB: 4, maxPods: 29, arch: "arm64" },
  "c7g.large": { vcpu: 2, memoryGiB: 4, maxPods: 29, arch: "arm64" },
  // x86_64 counterparts (dify:nodeArchitecture x86_64)
  "t3.medium": { vcpu: 2, memoryGiB: 4, maxPods: 17, arch: "amd64" },
  "t3.large": { vcpu: 2, memoryGiB: 8, maxPods: 35, arch: "amd64" },
  "m6i.large": { vcpu: 2, memoryGiB: 8, maxPods: 29, arch: "amd64" },
  "m7i.large": { vcpu: 2, memoryGiB: 8, maxPods: 29, arch: "amd64" },
  "m6i.xlarge": { vcpu: 4, memoryGiB: 16, maxPods: 58, arch: "amd64" },
  "m7i.xlarge": { vcpu: 4, memoryGiB: 16, maxPods: 58, arch: "amd64" },
};

export interface Allocatable {
  /** Millicores. */
  cpuMilli: number;
  /** MiB. */
  memoryMiB: number;
  pods: number;
}

export function kubeReservedCpuMilli(vcpu: number): number {
  const total = vcpu * 1000;
  const ranges: [number, number, number][] = [[0, 1000, 600], [1000, 2000, 100], [2000, 4000, 50], [4000, Infinity, 25]];
  let reserved = 0;
  for (const [from, to, perTenThousand] of ranges) {
    if (total > from) reserved += Math.floor(((Math.min(total, to) - from) * perTenThousand) / 10000);
  }
  return reserved;
}

export function capacityOf(instanceType: string): Allocatable {
  const t = INSTANCE_TYPES[instanceType];
  if (!t) {
    throw new Error(`unknown instance type "${instanceType}": verify/nodes.ts knows ${Object.keys(INSTANCE_TYPES).join(", ")}; add a row (vCPU, memory, and max pods from the EKS AMI's eni-max-pods.txt)`);
  }
  return { cpuMilli: t.vcpu * 1000, memoryMiB: Math.floor(t.memoryGiB * 1024 * (1 - 0.075)), pods: t.maxPods };
}

export function allocatableOf(instanceType: string): Allocatable {
  const cap = capacityOf(instanceType);
  return {
    cpuMilli: cap.cpuMilli - kubeReservedCpuMilli(cap.cpuMilli / 1000),
    memoryMiB: cap.memoryMiB - (11 * cap.pods + 255) - 100,
    pods: cap.pods,
  };
}

/** A managed node group as the program rendered it. */
export interface NodeGroupSpec {
  /** Pulumi name, e.g. "dify-app-0". */
  name: string;
  role: string;
  instanceTypes: string[];
  capacityType: string;
  desired: number;
  max: number;
  /** Zones of the group's subnets, in subnet order. */
  zones: string[];
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
}

export interface SimNode {
  name: string;
  group: string;
  role: string;
  zone: string;
  instanceType: string;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  capacity: Allocatable;
  allocatable: Allocatable;
}

interface Recorded {
  type: string;
  name: string;
  rawInputs: Record<string, unknown>;
}

const EFFECT: Record<string, string> = { NO_SCHEDULE: "NoSchedule", NO_EXECUTE: "NoExecute", PREFER_NO_SCHEDULE: "PreferNoSchedule" };

/** The node groups of a plan, zones resolved through the subnets it created. */
export function nodeGroupsOf(recorded: Recorded[], region: string): NodeGroupSpec[] {
  const subnetZone = new Map<string, string>();
  for (const r of recorded) {
    if (r.type === "aws:ec2/subnet:Subnet" && typeof r.rawInputs.availabilityZone === "string") subnetZone.set(`${r.name}-id`, r.rawInputs.availabilityZone);
  }
  const groups = recorded.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup");
  // Subnets given by id (dify:existingVpcId) are not in the plan: name their zones by position.
  const allSubnets = [...new Set(groups.flatMap((g) => g.rawInputs.subnetIds as string[]))];
  const zoneOf = (id: string) => subnetZone.get(id) ?? `${region}-zone${allSubnets.indexOf(id)}`;
  return groups.map((g) => {
    const i = g.rawInputs;
    const scaling = i.scalingConfig as { desiredSize: number; maxSize: number };
    const labels = (i.labels ?? {}) as Record<string, string>;
    return {
      name: g.name,
      role: labels["dify-aws/node-role"] ?? g.name,
      instanceTypes: i.instanceTypes as string[],
      capacityType: String(i.capacityType ?? "ON_DEMAND"),
      desired: scaling.desiredSize,
      max: scaling.maxSize,
      zones: (i.subnetIds as string[]).map(zoneOf),
      labels,
      taints: ((i.taints ?? []) as { key: string; value?: string; effect: string }[]).map((t) => ({ key: t.key, value: t.value, effect: EFFECT[t.effect] ?? t.effect })),
    };
  });
}

/**
 * Nodes of the groups at `size` ("desired" or "max"). A group over several zones places its
 * nodes round-robin over them (as an Auto Scaling group balances its zones). The instance type is
 * the group's first (the one the Cluster Autoscaler sizes the group by); allocatable is the
 * smallest of the group's types, so a spot group that gets a smaller type still fits.
 */
export function simulatedNodes(groups: NodeGroupSpec[], size: "desired" | "max", region: string, clusterName: string): SimNode[] {
  const nodes: SimNode[] = [];
  for (const g of groups) {
    const n = size === "desired" ? g.desired : g.max;
    const allocs = g.instanceTypes.map(allocatableOf);
    const smallest: Allocatable = {
      cpuMilli: Math.min(...allocs.map((a) => a.cpuMilli)),
      memoryMiB: Math.min(...allocs.map((a) => a.memoryMiB)),
      pods: Math.min(...allocs.map((a) => a.pods)),
    };
    const type = g.instanceTypes[0];
    for (let k = 0; k < n; k++) {
      const zone = g.zones[k % g.zones.length];
      const name = `${g.name}-${k}`;
      nodes.push({
        name,
        group: g.name,
        role: g.role,
        zone,
        instanceType: type,
        labels: {
          ...g.labels,
          "kubernetes.io/hostname": name,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": INSTANCE_TYPES[type].arch,
          "node.kubernetes.io/instance-type": type,
          "topology.kubernetes.io/zone": zone,
          "topology.kubernetes.io/region": region,
          "eks.amazonaws.com/nodegroup": g.name,
          "eks.amazonaws.com/capacityType": g.capacityType,
          "alpha.eksctl.io/cluster-name": clusterName,
        },
        taints: g.taints,
        capacity: capacityOf(type),
        allocatable: smallest,
      });
    }
  }
  return nodes;
}

/** The Node object kwok takes over (it manages nodes carrying `managedLabel`=true). */
export function nodeManifest(n: SimNode, managedLabel: string): Record<string, unknown> {
  const res = (a: Allocatable) => ({ cpu: `${a.cpuMilli}m`, memory: `${a.memoryMiB}Mi`, pods: String(a.pods), "ephemeral-storage": "18Gi" });
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: n.name, labels: { ...n.labels, [managedLabel]: "true", "node.kubernetes.io/exclude-from-external-load-balancers": undefined }, annotations: { "kwok.x-k8s.io/node": "fake" } },
    spec: { taints: n.taints.length ? n.taints : undefined },
    status: { capacity: res(n.capacity), allocatable: res(n.allocatable) },
  };
}
