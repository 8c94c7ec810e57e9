/** IPv4 CIDR parsing and subnet carving for the VPC (pure functions, no Pulumi). */
import { parseCidr as parseSharedCidr } from "../checks";

/** A parsed IPv4 CIDR block. */
export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  ip: number;
  /** Prefix length, 0..32. */
  bits: number;
}

/** An IPv4 CIDR (the shared check: no host bits set), as { ip, bits }. */
export const parseCidr: (text: string) => Cidr | undefined = parseSharedCidr;


export function formatCidr(c: Cidr): string {
  const o = [24, 16, 8, 0].map((s) => Math.floor(c.ip / 2 ** s) % 256);
  return `${o.join(".")}/${c.bits}`;
}

/** The `index`-th block of prefix `bits` inside `parent`. */
export function subBlock(parent: Cidr, bits: number, index: number): Cidr {
  if (bits < parent.bits) throw new Error(`cannot carve a /${bits} out of ${formatCidr(parent)}`);
  const count = 2 ** (bits - parent.bits);
  if (index < 0 || index >= count) throw new Error(`${formatCidr(parent)} has only ${count} /${bits} blocks, asked for #${index}`);
  return { ip: parent.ip + index * 2 ** (32 - bits), bits };
}

/** Smallest and largest VPC prefix the layout supports (/20 still leaves /26 public subnets). */
export const VPC_MIN_BITS = 16;
export const VPC_MAX_BITS = 20;

/**
 * Smallest VPC (largest prefix) for natGateways "none": its public node subnets are 1/64 of the
 * VPC each (a /24 of a /18: 251 addresses for nodes and, through the VPC CNI, their pods).
 */
export const VPC_MAX_BITS_WITHOUT_NAT = 18;

/** Prefix of the internal load balancer subnets: /24 in a /16, never smaller than /26 (an ALB needs a /27 or larger with 8 free addresses). */
const INTERNAL_LB_MAX_BITS = 26;

/** A new VPC's subnet CIDRs, one per AZ in zone order. */
export interface SubnetLayout {
  /** Nodes, pods (VPC CNI), data services, interface endpoints. */
  privateCidrs: string[];
  /** Internet-facing load balancers and NAT gateways. */
  publicCidrs: string[];
  /**
   * Internal load balancers only (tagged kubernetes.io/role/internal-elb; nothing else runs
   * there), so "from the ALB" is a CIDR that no pod address falls in.
   */
  internalLbCidrs: string[];
  /**
   * Public node subnets, created only with natGateways "none": nodes and their pods (VPC CNI)
   * with a public IPv4 each and a route to the internet gateway. Apart from the load balancers'
   * public subnets, so "from the internet-facing ALB" stays a CIDR no pod address falls in.
   */
  nodeCidrs: string[];
}

/**
 * The subnet layout of a new VPC: private subnets get a quarter of the VPC each (pods take VPC
 * addresses with the VPC CNI, so private space is what runs out first: a /16 gives three /18s,
 * 16,379 usable addresses per AZ); public subnets, which only hold load balancer and NAT
 * interfaces, share the first quarter of the last quarter as /22s (1,019 addresses each for a
 * /16); the internal load balancer subnets sit in the second half of the last quarter, /24s for
 * a /16 (251 addresses each; an ALB uses at most a few dozen per subnet), /26s from a /18 on.
 * The public node subnets (natGateways "none" only) take the public subnets' size from the fifth
 * such block on, in the same eighth of the VPC. Plain values from plain config, so a program can
 * pass them to DifyApp before anything exists.
 *
 *   /16 example   private 10.40.0.0/18, .64.0/18, .128.0/18   public 10.40.192.0/22, .196.0/22, .200.0/22
 *                 internal LB 10.40.224.0/24, .225.0/24, .226.0/24
 *                 nodes without NAT 10.40.208.0/22, .212.0/22, .216.0/22     (10.40.204.0/22,
 *                 10.40.220.0/22 and the rest of 10.40.224.0/19 are free)
 */
export function subnetLayout(vpcCidr: string, azCount: number): SubnetLayout {
  const vpc = parseCidr(vpcCidr);
  if (!vpc) throw new Error(`not a CIDR: ${vpcCidr}`);
  const lastQuarter = subBlock(vpc, vpc.bits + 2, 3);
  const internalLbHalf = subBlock(lastQuarter, lastQuarter.bits + 1, 1);
  const internalLbBits = Math.min(vpc.bits + 8, INTERNAL_LB_MAX_BITS);
  const layout: SubnetLayout = { privateCidrs: [], publicCidrs: [], internalLbCidrs: [], nodeCidrs: [] };
  for (let i = 0; i < azCount; i++) {
    layout.privateCidrs.push(formatCidr(subBlock(vpc, vpc.bits + 2, i)));
    layout.publicCidrs.push(formatCidr(subBlock(lastQuarter, vpc.bits + 6, i)));
    layout.internalLbCidrs.push(formatCidr(subBlock(internalLbHalf, internalLbBits, i)));
    layout.nodeCidrs.push(formatCidr(subBlock(lastQuarter, vpc.bits + 6, 4 + i)));
  }
  return layout;
}
