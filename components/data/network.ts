/**
 * Network placement of the data tier: one security group per engine, ingress as separate rule
 * resources, and the AZ of each subnet.
 *
 * The groups have no inline rules: each allowed group/CIDR gets its own
 * `aws.vpc.SecurityGroupIngressRule`. The Aurora cluster and the replication group therefore
 * depend only on the VPC and subnets, never on the EKS cluster whose security group is
 * allowed in, so the first deploy creates cluster and databases in parallel.
 * Without inline egress the provider removes AWS's default allow-all egress rule: the databases
 * never open connections.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface AccessArgs {
  /** Short label used in names and descriptions ("postgres", "redis"). */
  label: string;
  vpcId: pulumi.Input<string>;
  port: number;
  allowedSecurityGroupIds: pulumi.Input<string>[];
  allowedCidrBlocks: pulumi.Input<string>[];
  tags: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** A security group open on one TCP port to exactly the given groups and CIDRs. */
export function createAccess(name: string, a: AccessArgs, parent: pulumi.Resource): aws.ec2.SecurityGroup {
  const sg = new aws.ec2.SecurityGroup(
    `${name}-${a.label}`,
    {
      vpcId: a.vpcId,
      description: `Dify ${a.label}: TCP ${a.port} from the Dify cluster only`,
      revokeRulesOnDelete: true,
      tags: a.tags,
    },
    { parent },
  );
  a.allowedSecurityGroupIds.forEach((sgId, i) => {
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-${a.label}-from-sg-${i}`,
      {
        securityGroupId: sg.id,
        referencedSecurityGroupId: sgId,
        ipProtocol: "tcp",
        fromPort: a.port,
        toPort: a.port,
        description: `${a.label} from allowed security group #${i}`,
        tags: a.tags,
      },
      { parent },
    );
  });
  a.allowedCidrBlocks.forEach((cidr, i) => {
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-${a.label}-from-cidr-${i}`,
      {
        securityGroupId: sg.id,
        cidrIpv4: cidr,
        ipProtocol: "tcp",
        fromPort: a.port,
        toPort: a.port,
        description: `${a.label} from allowed CIDR #${i}`,
        tags: a.tags,
      },
      { parent },
    );
  });
  return sg;
}

/**
 * The distinct AZs of the subnets, in subnet order. Given explicitly, or looked up with
 * ec2.getSubnet (an invoke that waits only for the subnets themselves).
 */
export function subnetZones(
  subnetIds: pulumi.Input<pulumi.Input<string>[]>,
  zones: pulumi.Input<pulumi.Input<string>[]> | undefined,
  parent: pulumi.Resource,
): pulumi.Output<string[]> {
  if (zones !== undefined) return pulumi.output(zones).apply((azs) => [...new Set(azs)]);
  // A plain list is looked up entry by entry; a list output (another resource's) once it is known.
  const perSubnet = Array.isArray(subnetIds)
    ? pulumi.all(subnetIds.map((id) => aws.ec2.getSubnetOutput({ id }, { parent }).availabilityZone))
    : pulumi.output(subnetIds).apply((ids) => pulumi.all(ids.map((id) => aws.ec2.getSubnetOutput({ id }, { parent }).availabilityZone)));
  return perSubnet.apply((azs) => [...new Set(azs)]);
}

/** The AZ for the i-th node: round-robin over the distinct zones, so consecutive nodes never share one. */
export function zoneFor(zones: pulumi.Output<string[]>, i: number): pulumi.Output<string> {
  return zones.apply((z) => z[i % z.length]);
}
