/** IAM for the cluster: the node role, and IAM roles for service accounts (IRSA) for the add-ons. */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { irsaTrustPolicy } from "../aws/irsa";
import { OidcProvider } from "../contracts";

/** ARN of an AWS managed policy in the current partition. */
export function managedPolicyArn(partition: pulumi.Input<string>, path: string): pulumi.Output<string> {
  return pulumi.interpolate`arn:${partition}:iam::aws:policy/${path}`;
}

/** What an IRSA role needs: who assumes it and what it may do. */
export interface IrsaRoleSpec {
  /** Logical name suffix, e.g. "lb-controller". */
  id: string;
  namespace: string;
  serviceAccount: string;
  description: string;
  /** AWS managed policies to attach (ARNs). */
  managedPolicyArns?: pulumi.Input<string>[];
  /** An inline policy document (JSON). */
  inlinePolicy?: pulumi.Input<string>;
}

/** Creates an IRSA role; returns it with every attachment, so dependents can wait for the permissions. */
export function irsaRole(
  prefix: string,
  spec: IrsaRoleSpec,
  oidc: OidcProvider,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): { role: aws.iam.Role; grants: pulumi.Resource[] } {
  const opts = { parent };
  const role = new aws.iam.Role(`${prefix}-${spec.id}`, {
    description: spec.description,
    assumeRolePolicy: irsaTrustPolicy(oidc, spec.namespace, spec.serviceAccount),
    tags,
  }, opts);
  const grants: pulumi.Resource[] = (spec.managedPolicyArns ?? []).map((policyArn, i) =>
    new aws.iam.RolePolicyAttachment(`${prefix}-${spec.id}-${i}`, { role: role.name, policyArn }, opts));
  if (spec.inlinePolicy !== undefined) {
    grants.push(new aws.iam.RolePolicy(`${prefix}-${spec.id}`, { role: role.id, policy: spec.inlinePolicy }, opts));
  }
  return { role, grants };
}

/**
 * The role of every node. No CNI permissions here: the VPC CNI gets its own IRSA role, and with
 * IMDSv2 at hop limit 1 pods cannot borrow this role's credentials anyway.
 */
export function nodeRole(
  prefix: string,
  partition: pulumi.Input<string>,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): { role: aws.iam.Role; grants: pulumi.Resource[] } {
  const opts = { parent };
  const role = new aws.iam.Role(`${prefix}-node`, {
    description: "EKS managed node groups of Dify",
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    }),
    tags,
  }, opts);
  const policies = [
    "AmazonEKSWorkerNodePolicy",
    // Pull-only (no image push) is enough for nodes.
    "AmazonEC2ContainerRegistryPullOnly",
    // Session Manager shell on nodes instead of SSH keys and open port 22.
    "AmazonSSMManagedInstanceCore",
  ];
  const grants = policies.map((p) =>
    new aws.iam.RolePolicyAttachment(`${prefix}-node-${p}`, { role: role.name, policyArn: managedPolicyArn(partition, p) }, opts));
  return { role, grants };
}
