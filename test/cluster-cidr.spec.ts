import { strict as assert } from "assert";
import { parseCidr, subnetLayout } from "../components/cluster/cidr";

const range = (cidr: string) => {
  const c = parseCidr(cidr)!;
  return [c.ip, c.ip + 2 ** (32 - c.bits) - 1];
};
const overlap = (a: string, b: string) => {
  const [a0, a1] = range(a);
  const [b0, b1] = range(b);
  return a0 <= b1 && b0 <= a1;
};
const inside = (inner: string, outer: string) => {
  const [i0, i1] = range(inner);
  const [o0, o1] = range(outer);
  return o0 <= i0 && i1 <= o1;
};

describe("DifyCluster subnet layout", () => {
  for (const vpc of ["10.40.0.0/16", "172.16.0.0/17", "10.0.0.0/18", "192.168.0.0/19", "10.40.0.0/20"]) {
    for (const azCount of [2, 3]) {
      it(`${vpc}, ${azCount} zones: private, public, internal-LB and node subnets inside the VPC, disjoint, internal-LB ones big enough for an ALB`, () => {
        const l = subnetLayout(vpc, azCount);
        const all = [...l.privateCidrs, ...l.publicCidrs, ...l.internalLbCidrs, ...l.nodeCidrs];
        assert.equal(all.length, 4 * azCount);
        for (const c of all) assert.ok(inside(c, vpc), `${c} inside ${vpc}`);
        for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) assert.ok(!overlap(all[i], all[j]), `${all[i]} and ${all[j]} overlap`);
        // An ALB needs a /27 or larger with 8 free addresses per subnet (ELB user guide, "Subnets for your load balancer").
        for (const c of l.internalLbCidrs) assert.ok(parseCidr(c)!.bits <= 27, c);
      });
    }
  }

  it("keeps the existing private and public CIDRs (adding the internal-LB and node subnets moves nothing)", () => {
    assert.deepEqual(subnetLayout("10.40.0.0/16", 3), {
      privateCidrs: ["10.40.0.0/18", "10.40.64.0/18", "10.40.128.0/18"],
      publicCidrs: ["10.40.192.0/22", "10.40.196.0/22", "10.40.200.0/22"],
      internalLbCidrs: ["10.40.224.0/24", "10.40.225.0/24", "10.40.226.0/24"],
      nodeCidrs: ["10.40.208.0/22", "10.40.212.0/22", "10.40.216.0/22"],
    });
    assert.deepEqual(subnetLayout("10.40.0.0/20", 2).internalLbCidrs, ["10.40.14.0/26", "10.40.14.64/26"]);
  });
});
