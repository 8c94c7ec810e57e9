/**
 * Mock answers for the lookups of what the AWS Load Balancer Controller creates
 * (components/aws/loadBalancer.ts): a target group found by the controller's tags, with the ARN
 * and suffix AWS would give it. The ALB lookup by name is in observability.ts.
 */
import { createHash } from "crypto";
import { ACCOUNT_ID, CallRule } from "./types";

/** The name the controller would give the target group of `resource` (`k8s-<ns>-<svc>-<hash>`, 32 characters at most). */
export function mockTargetGroupName(resource: string): string {
  const [ns, rest] = resource.split("/");
  const svc = (rest ?? "").split("-").slice(1).join("").split(":")[0];
  return `k8s-${ns.slice(0, 8)}-${svc.slice(0, 8)}-${createHash("sha256").update(resource).digest("hex").slice(0, 10)}`;
}

export const calls: Record<string, CallRule> = {
  "aws:lb/getTargetGroup:getTargetGroup": (inputs, region) => {
    const tags = (inputs.tags ?? {}) as Record<string, string>;
    const resource = tags["ingress.k8s.aws/resource"];
    if (!resource || !tags["elbv2.k8s.aws/cluster"]) return {};
    const name = mockTargetGroupName(resource);
    const arnSuffix = `targetgroup/${name}/${createHash("sha256").update(`${tags["elbv2.k8s.aws/cluster"]}|${resource}`).digest("hex").slice(0, 16)}`;
    const arn = `arn:aws:elasticloadbalancing:${region}:${ACCOUNT_ID}:${arnSuffix}`;
    return { id: arn, arn, arnSuffix, name, port: 5001, protocol: "HTTP", targetType: "ip", tags };
  },
};
