import { strict as assert } from "assert";
import { DifyCluster, DifyClusterArgs, NodeArchitecture } from "../components/cluster";
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
    ["an AZ count outside 2-3", { ...OK, azCount: 5 }, /args\.azCount must be 2 or 3, got 5/],
    ["min > max", { ...OK, workerNodes: { minSize: 6, maxSize: 4 } }, /args\.workerNodes\.minSize must be <= maxSize \(4\), got 6/],
    ["desired outside [min, max]", { ...OK, appNodes: { minSize: 2, maxSize: 4, desiredSize: 9 } }, /args\.appNodes\.desiredSize must be between minSize and maxSize \(2\.\.4\), got 9/],
    ["a VPC CIDR that does not parse", { ...OK, vpcCidr: "10.300.0.0/16" }, /args\.vpcCidr must be an IPv4 CIDR with no host bits set, e\.g\. 10\.40\.0\.0\/16, got "10\.300\.0\.0\/16"/],
    ["a VPC CIDR with host bits", { ...OK, vpcCidr: "10.40.1.0/16" }, /args\.vpcCidr must be an IPv4 CIDR with no host bits set/],
    ["a VPC too small for the subnet layout", { ...OK, vpcCidr: "10.40.0.0/24" }, /args\.vpcCidr must be a \/16 to \/20 block, got "10\.40\.0\.0\/24"/],
    ["an API CIDR that does not parse", { publicAccessCidrs: ["203.0.113.0/33"] }, /args\.publicAccessCidrs\[0\] must be an IPv4 CIDR/],
    ["0.0.0.0/0 for the API endpoint in production", { publicAccessCidrs: ["10.0.0.0/8", "0.0.0.0/0"] }, /args\.publicAccessCidrs\[1\] must be narrower than \/0 in production .*got "0\.0\.0\.0\/0"/],
    ["x86 instance types on arm64 nodes", { ...OK, appNodes: { instanceTypes: ["m7i.xlarge"] } }, /args\.appNodes\.instanceTypes must be arm64 instance types .*got "m7i\.xlarge"/],
    ["a system group that can shrink to zero", { ...OK, systemNodes: { minSize: 0, maxSize: 2, desiredSize: 0 } }, /args\.systemNodes\.minSize must be at least 1/],
    ["a Kubernetes version without pinned add-ons", { ...OK, kubernetesVersion: "1.36" }, /args\.addonVersions must be given for Kubernetes 1\.36/],
    ["a root volume too small for the AMI", { ...OK, workerNodes: { diskSizeGiB: 8 } }, /args\.workerNodes\.diskSizeGiB must be 20 to 16384 GiB, got 8/],
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
