/**
 * IAM roles for service accounts (IRSA): the trust policy that lets exactly the named Kubernetes
 * ServiceAccounts assume a role through the cluster's OIDC provider, and nobody else.
 * https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
 * IRSA rather than EKS Pod Identity: Dify's boto3 and the plugin daemon's AWS SDK for Go v2 both
 * read the web-identity token IRSA injects, and IRSA needs no agent DaemonSet on the nodes.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { OidcProvider } from "../contracts";

/**
 * Trust policy for `system:serviceaccount:<namespace>:<sa>`: one subject (a string) or several
 * (a list). StringEquals on both `sub` and `aud`, so no wildcard can widen who assumes the role.
 */
export function irsaTrustPolicy(
  oidc: OidcProvider,
  namespace: pulumi.Input<string>,
  serviceAccounts: string | readonly string[],
): pulumi.Output<string> {
  return pulumi.all([oidc.arn, oidc.issuer, namespace]).apply(([arn, rawIssuer, ns]) => {
    const issuer = rawIssuer.replace(/^https:\/\//, "");
    const subject = (sa: string) => `system:serviceaccount:${ns}:${sa}`;
    return JSON.stringify({
      Version: "2012-10-17",
      Statement: [{
        Effect: "Allow",
        Principal: { Federated: arn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${issuer}:sub`]: typeof serviceAccounts === "string" ? subject(serviceAccounts) : serviceAccounts.map(subject),
            [`${issuer}:aud`]: "sts.amazonaws.com",
          },
        },
      }],
    });
  });
}

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
