/**
 * DifyEdge: what stands in front of DifyApp's load balancer. From a Route 53 public hosted zone
 * it issues a DNS-validated ACM certificate (DifyApp `certificateArn`) and points the domain at
 * the ALB with an alias record; and it creates a regional WAFv2 web ACL (DifyApp `webAclArn`).
 * Each part is optional. The certificate and web ACL are created before DifyApp's Ingress; the
 * alias record waits for the ALB (`loadBalancerReady`).
 * Provider: `aws` through opts (children inherit it).
 */
import * as pulumi from "@pulumi/pulumi";
import { componentType } from "../contracts";
import { CLOUDWATCH_LOG_RETENTION_DAYS } from "../aws/logRetention";
import { DEFAULT_WAF_RATE_LIMIT, DifyEdgeArgs, edgeProblems } from "./args";
import { aliasRecord, checkedZoneId, validatedCertificate } from "./dns";
import { DIFY_API_PATHS, createWaf } from "./waf";

/** Throws (before anything is registered) when the args are invalid, listing every problem. */
export function validateEdgeArgs(name: string, args: DifyEdgeArgs): void {
  edgeProblems(name, args, CLOUDWATCH_LOG_RETENTION_DAYS).throwIfAny();
}

export class DifyEdge extends pulumi.ComponentResource {
  /** ARN of the issued, validated certificate ("" when none is issued): DifyApp `certificateArn`. */
  public readonly certificateArn: pulumi.Output<string>;
  /** ARN of the web ACL ("" without WAF): DifyApp `webAclArn`. */
  public readonly webAclArn: pulumi.Output<string>;
  /** Log group of the WAF's blocked and counted requests ("" without WAF). */
  public readonly wafLogGroupName: pulumi.Output<string>;
  /** The domain's record name ("" without a hosted zone). */
  public readonly domainRecord: pulumi.Output<string>;

  constructor(name: string, args: DifyEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    validateEdgeArgs(name, args);
    super(componentType("DifyEdge"), name, {}, opts);
    const tags = { ...(args.tags ?? {}), "dify-aws/component": "edge" };

    let certificateArn: pulumi.Output<string> = pulumi.output("");
    let domainRecord: pulumi.Output<string> = pulumi.output("");
    if (args.hostedZone) {
      const zoneId = checkedZoneId(args.hostedZone, this);
      if (args.issueCertificate ?? true) certificateArn = validatedCertificate(name, args.domain, zoneId, tags, this);
      domainRecord = aliasRecord(name, args.domain, zoneId, args.loadBalancerName!, args.loadBalancerReady, this).fqdn;
    }

    let webAclArn: pulumi.Output<string> = pulumi.output("");
    let wafLogGroupName: pulumi.Output<string> = pulumi.output("");
    if (args.waf) {
      const w = args.waf;
      const waf = createWaf(name, {
        // Metric and log group names: the ALB's name is unique per stack and region.
        name: args.loadBalancerName ?? name,
        rateLimit: w.rateLimit ?? DEFAULT_WAF_RATE_LIMIT,
        bodyRulePaths: w.bodyRulePaths ?? DIFY_API_PATHS,
        allowedCidrs: w.allowedCidrs ?? [],
        logRetentionDays: w.logRetentionDays ?? 90,
        tags,
      }, this);
      webAclArn = waf.webAcl.arn;
      wafLogGroupName = waf.logGroup.name;
    }

    this.certificateArn = certificateArn;
    this.webAclArn = webAclArn;
    this.wafLogGroupName = wafLogGroupName;
    this.domainRecord = domainRecord;
    this.registerOutputs({ certificateArn, webAclArn, wafLogGroupName, domainRecord });
  }
}
