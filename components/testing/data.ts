/**
 * Mock outputs for the data tier (DifyDatabaseHA): the endpoints and identifiers RDS and
 * ElastiCache would compute, and ec2.getSubnet's availability zone.
 */
import { ACCOUNT_ID, CallRule, StateRule } from "./types";

/** Subnet ids ending in "-a".."-f" (e.g. "subnet-private-b") live in that zone; others in zone "a". */
function zoneOf(id: unknown, region: string): string {
  const m = /-([a-f])$/.exec(String(id ?? ""));
  return `${region}${m ? m[1] : "a"}`;
}

export const calls: Record<string, CallRule> = {
  "aws:ec2/getSubnet:getSubnet": (inputs, region, registered) => {
    // A subnet this run created answers with the zone it was created in, as AWS would.
    const own = registered.find((r) => r.type === "aws:ec2/subnet:Subnet" && r.id === inputs.id);
    const zone = typeof own?.inputs.availabilityZone === "string" ? own.inputs.availabilityZone : zoneOf(inputs.id, region);
    return {
      id: inputs.id,
      availabilityZone: zone,
      availabilityZoneId: `use1-az${"abcdef".indexOf(zone.slice(-1)) + 1}`,
      vpcId: "vpc-mock",
    };
  },
};

export const state: Record<string, StateRule> = {
  "aws:rds/cluster:Cluster": (r) => {
    const id = (r.inputs.clusterIdentifier as string | undefined) ?? `${r.name}-0000000`;
    return {
      clusterIdentifier: id,
      arn: `arn:aws:rds:${r.region}:${ACCOUNT_ID}:cluster:${id}`,
      endpoint: `${id}.cluster-mock.${r.region}.rds.amazonaws.com`,
      readerEndpoint: `${id}.cluster-ro-mock.${r.region}.rds.amazonaws.com`,
      port: (r.inputs.port as number | undefined) ?? 5432,
      engineVersionActual: `${r.inputs.engineVersion ?? "16"}.9`,
    };
  },
  "aws:rds/instance:Instance": (r) => {
    const id = (r.inputs.identifier as string | undefined) ?? `${r.name}-0000000`;
    const port = (r.inputs.port as number | undefined) ?? 5432;
    const address = `${id}.mock.${r.region}.rds.amazonaws.com`;
    return {
      identifier: id,
      arn: `arn:aws:rds:${r.region}:${ACCOUNT_ID}:db:${id}`,
      address,
      endpoint: `${address}:${port}`,
      port,
      resourceId: "db-MOCKRESOURCEID",
      engineVersionActual: `${r.inputs.engineVersion ?? "16"}.9`,
    };
  },
  "aws:rds/clusterInstance:ClusterInstance": (r) => ({
    identifier: `${r.name}-0000000`,
    endpoint: `${r.name}.mock.${r.region}.rds.amazonaws.com`,
    writer: r.name.endsWith("-0"),
  }),
  "aws:elasticache/replicationGroup:ReplicationGroup": (r) => {
    const id = (r.inputs.replicationGroupId as string | undefined) ?? `${r.name}-0000000`;
    return {
      replicationGroupId: id,
      arn: `arn:aws:elasticache:${r.region}:${ACCOUNT_ID}:replicationgroup:${id}`,
      primaryEndpointAddress: `master.${id}.mock.use1.cache.amazonaws.com`,
      readerEndpointAddress: `replica.${id}.mock.use1.cache.amazonaws.com`,
      port: (r.inputs.port as number | undefined) ?? 6379,
    };
  },
  "aws:secretsmanager/secret:Secret": (r) => ({
    arn: `arn:aws:secretsmanager:${r.region}:${ACCOUNT_ID}:secret:${r.name}-AbCdEf`,
  }),
};
