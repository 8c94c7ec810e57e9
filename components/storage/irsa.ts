/**
 * IAM roles for service accounts (IRSA): a role that exactly the named Kubernetes
 * ServiceAccounts can assume through the cluster's OIDC provider, and nobody else.
 * https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { irsaTrustPolicy } from "../aws/irsa";
import { OidcProvider } from "../contracts";

/** A role for `serviceAccounts` with one inline least-privilege policy. */
export function irsaRole(
  name: string,
  args: {
    oidc: OidcProvider;
    namespace: pulumi.Input<string>;
    serviceAccounts: readonly string[];
    policy: pulumi.Input<string>;
    description: string;
    tags: Record<string, string>;
  },
  parent: pulumi.Resource,
): { role: aws.iam.Role; policy: aws.iam.RolePolicy } {
  const role = new aws.iam.Role(name, {
    description: args.description,
    assumeRolePolicy: irsaTrustPolicy(args.oidc, args.namespace, args.serviceAccounts),
    maxSessionDuration: 3600,
    tags: args.tags,
  }, { parent });
  const policy = new aws.iam.RolePolicy(`${name}-access`, { role: role.id, policy: args.policy }, { parent });
  return { role, policy };
}
