import { strict as assert } from "assert";
import { CapacityType, DifyCluster, DifyClusterArgs, NatGateways, NodeArchitecture } from "../components/cluster";
import { runUnderMocks } from "../program/plan/monitor";

const OK: DifyClusterArgs = { publicAccessCidrs: ["203.0.113.0/24"] };

/** Constructs the cluster under mocks; returns the error message and how many resources were registered. */
async function refusal(args: DifyClusterArgs): Promise<{ message: string; registered: number }> {
  const run = await runUnderMocks(() => {
    try {
      new DifyCluster("prod", args);
      return "";
    } catch (e) {
      return (e as Error).message;
    }
  }, { stack: "prod" });
  return { message: run.value, registered: run.resources.length };
}

describe("DifyCluster argument validation", () => {
  const cases: [string, DifyClusterArgs, RegExp][] = [
    ["an AZ count outside 2-3", { ...OK, azCount: 5 }, /args\.azCount: got 5, allowed 2 or 3/],
    ["min > max", { ...OK, workerNodes: { minSize: 6, maxSize: 4 } }, /args\.workerNodes\.minSize: got 6, allowed at most maxSize \(4\)/],
    ["desired outside [min, max]", { ...OK, appNodes: { minSize: 2, maxSize: 4, desiredSize: 9 } }, /args\.appNodes\.desiredSize: got 9, allowed a value from minSize to maxSize \(2\.\.4\)/],
    ["a VPC CIDR that does not parse", { ...OK, vpcCidr: "10.300.0.0/16" }, /args\.vpcCidr: got "10\.300\.0\.0\/16", allowed an IPv4 CIDR with no host bits set, e\.g\. 10\.40\.0\.0\/16/],
    ["a VPC CIDR with host bits", { ...OK, vpcCidr: "10.40.1.0/16" }, /args\.vpcCidr: got "10\.40\.1\.0\/16", allowed an IPv4 CIDR with no host bits set/],
    ["a VPC too small for the subnet layout", { ...OK, vpcCidr: "10.40.0.0/24" }, /args\.vpcCidr: got "10\.40\.0\.0\/24", allowed a \/16 to \/20 block/],
    ["an API CIDR that does not parse", { publicAccessCidrs: ["203.0.113.0/33"] }, /args\.publicAccessCidrs\[0\]: got "203\.0\.113\.0\/33", allowed an IPv4 CIDR/],
    ["0.0.0.0/0 for the API endpoint in production", { publicAccessCidrs: ["10.0.0.0/8", "0.0.0.0/0"] }, /args\.publicAccessCidrs\[1\]: got "0\.0\.0\.0\/0", allowed a CIDR narrower than \/0 in production/],
    ["x86 instance types on arm64 nodes", { ...OK, appNodes: { instanceTypes: ["m7i.xlarge"] } }, /args\.appNodes\.instanceTypes: got "m7i\.xlarge", allowed arm64 instance types/],
    ["a system group that can shrink to zero", { ...OK, systemNodes: { minSize: 0, maxSize: 2, desiredSize: 0 } }, /args\.systemNodes\.minSize: got 0, allowed at least 1/],
    ["a Kubernetes version without pinned add-ons", { ...OK, kubernetesVersion: "1.36" }, /args\.addonVersions: got nothing, allowed pinned add-on versions for Kubernetes 1\.36/],
    ["a root volume too small for the AMI", { ...OK, workerNodes: { diskSizeGiB: 8 } }, /args\.workerNodes\.diskSizeGiB: got 8, allowed 20 to 16384 GiB/],
    ["an unknown capacity type", { ...OK, appNodes: { capacityType: "RESERVED" as CapacityType } }, /args\.appNodes\.capacityType: got "RESERVED", allowed "ON_DEMAND" or "SPOT"/],
    ["an unknown NAT mode", { ...OK, natGateways: "two" as NatGateways }, /args\.natGateways: got "two", allowed "per-az", "one" or "none"/],
    ["natGatewayPerAz disagreeing with natGateways", { ...OK, production: false, natGateways: NatGateways.One, natGatewayPerAz: true }, /args\.natGatewayPerAz: got true, allowed unset, or false to agree with natGateways "one"/],
    ["nodes without NAT in production", { ...OK, natGateways: NatGateways.None }, /args\.natGateways: got "none", allowed "per-az" or "one" with production true \(production keeps a NAT gateway per AZ: zone-loss tolerance and nodes without public addresses\)/],
    ["nodes without NAT in a closed network", { ...OK, production: false, natGateways: NatGateways.None, closedNetwork: true, imageSource: { registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com" } }, /args\.natGateways: got "none", allowed "per-az" or "one" with closedNetwork true \(a closed network already has no NAT gateway/],
    ["nodes without NAT in an existing VPC", { ...OK, production: false, natGateways: NatGateways.None, existingVpc: { vpcId: "vpc-1", privateSubnetIds: ["subnet-a", "subnet-b"], publicSubnetIds: ["subnet-c", "subnet-d"] } }, /args\.natGateways: got "none", allowed "per-az" or "one" with existingVpc "set" \(the existing VPC's routing is its owner's/],
    ["nodes without NAT and without an internet gateway", { ...OK, production: false, natGateways: NatGateways.None, internetGateway: false }, /args\.natGateways: got "none", allowed "per-az" or "one" with internetGateway false/],
    ["nodes without NAT in a VPC too small for node subnets", { ...OK, production: false, natGateways: NatGateways.None, vpcCidr: "10.40.0.0/20" }, /args\.natGateways: got "none", allowed "per-az" or "one" with vpcCidr "10\.40\.0\.0\/20" \(each public node subnet is 1\/64 of the VPC/],
  ];
  for (const [what, args, expected] of cases) {
    it(`refuses ${what}, naming the argument, before registering anything`, async () => {
      const { message, registered } = await refusal(args);
      assert.match(message, /^DifyCluster "prod": /);
      assert.match(message, expected);
      assert.equal(registered, 0, "a refused cluster must not half-create a stack");
    });
  }

  it("reports every problem at once", async () => {
    const { message } = await refusal({ publicAccessCidrs: ["0.0.0.0/0"], azCount: 1, nodeArchitecture: NodeArchitecture.X86_64, appNodes: { minSize: 5, maxSize: 2 } });
    assert.match(message, /azCount/);
    assert.match(message, /publicAccessCidrs\[0\]/);
    assert.match(message, /appNodes\.minSize/);
  });

  it("accepts 0.0.0.0/0 outside production and an empty list (private endpoint only)", async () => {
    assert.equal((await refusal({ production: false, publicAccessCidrs: ["0.0.0.0/0"] })).message, "");
    const run = await runUnderMocks(() => new DifyCluster("private", { publicAccessCidrs: [] }), { stack: "prod" });
    const eks = run.resources.find((r) => r.type === "eks:index:Cluster")!;
    assert.equal(eks.inputs.endpointPublicAccess, false);
    assert.equal(eks.inputs.endpointPrivateAccess, true);
  });
});
