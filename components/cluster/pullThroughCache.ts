/**
 * ECR pull-through cache: one rule per public registry the stack's images come from, with the
 * repository prefixes components/k8s/images.ts maps image references to, so a cluster without
 * internet access pulls `<account>.dkr.ecr.<region>.amazonaws.com/docker-hub/library/postgres:…`
 * and ECR fetches it upstream on first pull (ECR itself reaches the internet, not the VPC).
 *
 * The node role gets the two extra permissions a first pull needs (ECR user guide, "IAM
 * permissions required to sync an upstream registry"): ecr:BatchImportUpstreamImage, and
 * ecr:CreateRepository because the cached repository does not exist until then. Both are scoped
 * to the rules' prefixes; the managed pull-only policy keeps the ordinary pull permissions.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { UPSTREAM_REGISTRIES, UpstreamRegistry } from "../k8s/images";
import { ClusterSettings } from "./args";

/** The upstreams that get a rule: those needing no credential, plus those whose credential is given. */
export function cachedUpstreams(s: ClusterSettings): UpstreamRegistry[] {
  return UPSTREAM_REGISTRIES.filter((u) => !u.ecrCredentialRequired || s.upstreamCredentials[u.host] !== undefined);
}

/** Node-role policy: import and create repositories under the cached prefixes only. */
export function pullThroughCachePolicy(partition: string, region: string, accountId: string, aliases: string[]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{
      Sid: "PullThroughCacheFirstPull",
      Effect: "Allow",
      Action: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
      Resource: aliases.map((a) => `arn:${partition}:ecr:${region}:${accountId}:repository/${a}/*`),
    }],
  });
}

export function createPullThroughCache(
  s: ClusterSettings,
  inp: { nodeRoleName: pulumi.Input<string>; partition: pulumi.Input<string>; region: pulumi.Input<string>; accountId: pulumi.Input<string> },
  parent: pulumi.Resource,
): pulumi.Resource[] {
  const upstreams = cachedUpstreams(s);
  const rules = upstreams.map((u) => new aws.ecr.PullThroughCacheRule(`${s.name}-ptc-${u.alias}`, {
    ecrRepositoryPrefix: u.alias,
    upstreamRegistryUrl: u.ecrUpstreamUrl,
    credentialArn: s.upstreamCredentials[u.host],
  }, { parent }));
  const grant = new aws.iam.RolePolicy(`${s.name}-node-pull-through-cache`, {
    role: inp.nodeRoleName,
    policy: pulumi.all([inp.partition, inp.region, inp.accountId]).apply(([p, r, a]) =>
      pullThroughCachePolicy(p, r, a, upstreams.map((u) => u.alias))),
  }, { parent });
  return [...rules, grant];
}
