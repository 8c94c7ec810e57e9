/**
 * How many nodes of each role the pods need, from the rendered Deployments and their autoscaling
 * bounds: the cost model's node count at the idle floor and at the autoscaling ceiling, and the
 * capacity check that the node groups' maximum can hold the ceiling.
 *
 * Approximation (stated, not hidden): pods are packed by the sum of their requests per zone
 * (Dify's Deployments spread evenly across zones with DoNotSchedule, and app/workers run one node
 * group per zone), a node offers its vCPU less 80m and its memory less 0.75 GiB to pods
 * (EKS AMI kube-reserved + eviction threshold for 2-4 vCPU sizes), and every node runs the
 * DaemonSets (VPC CNI, kube-proxy, EBS CSI node, CloudWatch agent, Fluent Bit) worth
 * `DAEMONSET_OVERHEAD`; pods of Deployments without a hard zone spread go where there is room. Add-on pods (Helm releases and EKS add-ons) run on the system group,
 * which stays at its minimum.
 */
import { EC2 } from "./prices";

export const NODE_RESERVED = { cpu: 0.08, memoryGiB: 0.75 };
/** Requests of the per-node DaemonSets: VPC CNI 25m, kube-proxy 100m, EBS CSI node ~30m, CloudWatch agent 250m/128Mi, Fluent Bit 50m/25Mi, plus margin. */
export const DAEMONSET_OVERHEAD = { cpu: 0.45, memoryGiB: 0.5 };
export const ROLE_LABEL = "dify-aws/node-role";

/** Pods of one workload that land on one role. */
export interface PodDemand {
  name: string;
  role: string;
  cpu: number;
  memoryGiB: number;
  floor: number;
  ceiling: number;
  /** Spread evenly over zones (DoNotSchedule topology spread). */
  zoneSpread: boolean;
  /** Another role the pod may run on (required affinity lists it): used at the floor when its own role has no minimum nodes. */
  fallbackRole?: string;
}

/** One managed node group as rendered. */
export interface GroupShape {
  name: string;
  role: string;
  instanceType: string;
  spot: boolean;
  minSize: number;
  maxSize: number;
  diskGiB: number;
  /** Its subnets give every node a public IPv4 address (natGateways "none"), billed per node. */
  publicIpv4?: boolean;
}

/** Kubernetes CPU quantity -> cores. */
export function cpuCores(q: unknown): number {
  if (typeof q === "number") return q;
  const s = String(q ?? "0");
  return s.endsWith("m") ? Number(s.slice(0, -1)) / 1000 : Number(s);
}

/** Kubernetes memory quantity -> GiB. */
export function memoryGiB(q: unknown): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q ?? "0"));
  if (!m) return 0;
  const f: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12, "": 1 };
  return (Number(m[1]) * f[m[2] ?? ""]) / 2 ** 30;
}

/** Pod capacity of one node of `instanceType` (after reservations and DaemonSets). */
export function nodeAllocatable(instanceType: string): { cpu: number; memoryGiB: number } {
  const spec = EC2[instanceType];
  if (!spec) throw new Error(`no size for instance type ${instanceType} in program/capacity/prices.ts`);
  return {
    cpu: spec.vcpu - NODE_RESERVED.cpu - DAEMONSET_OVERHEAD.cpu,
    memoryGiB: spec.memoryGiB - NODE_RESERVED.memoryGiB - DAEMONSET_OVERHEAD.memoryGiB,
  };
}

export interface RoleNodes {
  role: string;
  groups: GroupShape[];
  zones: number;
  /** Nodes the pods need (bin-packing lower bound, per zone for per-zone groups). */
  neededFloor: number;
  neededCeiling: number;
  /** What runs: max(sum of group minimums, needed), ceiling capped by nothing (the check compares with maxSize). */
  floorNodes: number;
  ceilingNodes: number;
  maxNodes: number;
}

function needed(pods: PodDemand[], at: "floor" | "ceiling", zones: number, instanceType: string): number {
  const alloc = nodeAllocatable(instanceType);
  const cpu = new Array<number>(zones).fill(0);
  const mem = new Array<number>(zones).fill(0);
  // A zone-spread Deployment puts floor(n / zones) pods in every zone and one more in the first
  // n % zones; the scheduler places the other pods where there is room, modelled as first fit into
  // nodes that already run (largest pods first), else the least loaded zone.
  for (const p of pods.filter((x) => x.zoneSpread)) {
    for (let z = 0; z < zones; z++) {
      const here = Math.floor(p[at] / zones) + (z < p[at] % zones ? 1 : 0);
      cpu[z] += here * p.cpu;
      mem[z] += here * p.memoryGiB;
    }
  }
  const load = (z: number) => Math.max(cpu[z] / alloc.cpu, mem[z] / alloc.memoryGiB);
  const loose = pods.filter((x) => !x.zoneSpread).flatMap((p) => Array.from({ length: p[at] }, () => p));
  const nodesIn = (c: number, m: number) => (c > 0 || m > 0 ? Math.ceil(Math.max(c / alloc.cpu, m / alloc.memoryGiB) - 1e-9) : 0);
  for (const p of loose.sort((a, b) => b.cpu - a.cpu)) {
    // First fit: a zone whose nodes have room for it; else the least loaded zone.
    let best = -1;
    for (let z = 0; z < zones && best < 0; z++) {
      if ((cpu[z] > 0 || mem[z] > 0) && nodesIn(cpu[z] + p.cpu, mem[z] + p.memoryGiB) === nodesIn(cpu[z], mem[z])) best = z;
    }
    if (best < 0) {
      best = 0;
      for (let z = 1; z < zones; z++) if (load(z) < load(best)) best = z;
    }
    cpu[best] += p.cpu;
    mem[best] += p.memoryGiB;
  }
  let nodes = 0;
  for (let z = 0; z < zones; z++) {
    if (cpu[z] > 0 || mem[z] > 0) nodes += Math.ceil(load(z) - 1e-9);
  }
  return nodes;
}

/** Node counts per role: groups with the same role label form one role (one group per zone, or one multi-AZ group). */
export function nodesByRole(groups: GroupShape[], pods: PodDemand[]): RoleNodes[] {
  const roles = [...new Set(groups.map((g) => g.role))].sort();
  const minOf = (role: string) => groups.filter((g) => g.role === role).reduce((a, g) => a + g.minSize, 0);
  // At the floor, pods whose role scales from zero nodes run where they may fall back (the
  // scheduler places them on existing nodes before the autoscaler adds one).
  const floorRole = (p: PodDemand) => (p.fallbackRole && minOf(p.role) === 0 && roles.includes(p.fallbackRole) ? p.fallbackRole : p.role);
  return roles.map((role) => {
    const gs = groups.filter((g) => g.role === role);
    const zones = gs.length; // per-zone groups; a single multi-AZ group packs as one pool
    const its = gs[0].instanceType;
    const rolePods = pods.filter((p) => p.role === role);
    const neededFloor = needed(pods.filter((p) => floorRole(p) === role), "floor", zones, its);
    const neededCeiling = needed(rolePods, "ceiling", zones, its);
    const min = gs.reduce((a, g) => a + g.minSize, 0);
    const max = gs.reduce((a, g) => a + g.maxSize, 0);
    return { role, groups: gs, zones, neededFloor, neededCeiling, floorNodes: Math.max(min, neededFloor), ceilingNodes: Math.max(min, neededCeiling), maxNodes: max };
  });
}
