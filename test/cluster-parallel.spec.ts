import { strict as assert } from "assert";
import * as aws from "@pulumi/aws";
import { DifyCluster } from "../components/cluster";
import { MockRun, RecordedResource, runUnderMocks } from "../program/plan/monitor";

/** Every resource `from` waits for, directly or through others (URNs). */
function closure(run: MockRun<unknown>, from: RecordedResource): Set<string> {
  const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
  const seen = new Set<string>();
  const stack = [...from.dependencies];
  while (stack.length) {
    const urn = stack.pop()!;
    if (seen.has(urn)) continue;
    seen.add(urn);
    stack.push(...(byUrn.get(urn)?.dependencies ?? []));
  }
  return seen;
}

describe("DifyCluster first deploy", () => {
  it("lets the database deploy in parallel with EKS: no dependency path between the cluster and the data services either way", async () => {
    // A stand-in for DifyDatabaseHA: exactly what it takes from DifyCluster (VPC id, private
    // subnets, the workloads security group) and the separate ingress rule it creates.
    const run = await runUnderMocks(() => {
      const cluster = new DifyCluster("prod", { publicAccessCidrs: ["203.0.113.0/24"] });
      const dbSg = new aws.ec2.SecurityGroup("db", { vpcId: cluster.vpcId, description: "aurora" });
      new aws.vpc.SecurityGroupIngressRule("db-from-workloads", {
        securityGroupId: dbSg.id, referencedSecurityGroupId: cluster.nodeSecurityGroupId, ipProtocol: "tcp", fromPort: 5432, toPort: 5432,
      });
      const subnets = new aws.rds.SubnetGroup("db", { subnetIds: cluster.privateSubnetIds });
      new aws.rds.Cluster("db", {
        engine: "aurora-postgresql", dbSubnetGroupName: subnets.name, vpcSecurityGroupIds: [dbSg.id], manageMasterUserPassword: true, masterUsername: "dify",
      });
      return cluster;
    }, { stack: "prod" });

    const eksCluster = run.resources.find((r) => r.type === "eks:index:Cluster")!;
    const data = run.resources.filter((r) => ["db", "db-from-workloads"].includes(r.name));
    assert.equal(data.length, 4);
    const clusterSide = run.resources.filter((r) => r.type === "eks:index:Cluster" || r.type.startsWith("aws:eks/") || r.type.startsWith("kubernetes:"));
    const clusterSideUrns = new Set(clusterSide.map((r) => r.urn));
    for (const d of data) {
      const deps = closure(run, d);
      assert.ok(!deps.has(eksCluster.urn), `${d.type} ${d.name} must not wait for EKS`);
      assert.deepEqual([...deps].filter((u) => clusterSideUrns.has(u)), [], `${d.name} depends on nothing cluster-side`);
      assert.ok(deps.size > 0, `${d.name} does depend on the network`);
    }
    const dataUrns = new Set(data.map((r) => r.urn));
    for (const c of clusterSide) {
      assert.deepEqual([...closure(run, c)].filter((u) => dataUrns.has(u)), [], `${c.name} must not wait for the database`);
    }
    // And the cluster itself needs only the network (plus its own key and log group).
    const eksDeps = [...closure(run, eksCluster)].map((u) => run.resources.find((r) => r.urn === u)!.type);
    assert.ok(eksDeps.includes("aws:ec2/subnet:Subnet"));
    assert.ok(eksDeps.every((t) => t.startsWith("aws:ec2/") || t.startsWith("aws:kms/") || t.startsWith("aws:cloudwatch/")), eksDeps.join(", "));
  });
});
