/**
 * DifyEdge: what stands in front of DifyApp's load balancer and exists before it. From a Route 53
 * public hosted zone it issues a DNS-validated ACM certificate (DifyApp `certificateArn`), and it
 * creates a regional WAFv2 web ACL (DifyApp `webAclArn`). Each part is optional.
 * DifyDomainRecord: the domain's alias record, built after DifyApp from its `loadBalancerHostname`
 * (a required input, so the ALB lookup cannot run before the ALB exists).
 * Provider: `aws` through opts (children inherit it).
 */
import * as pulumi from "@pulumi/pulumi";
import { componentType, movedFrom } from "../contracts";
import { CLOUDWATCH_LOG_RETENTION_DAYS } from "../aws/logRetention";
import { lookupLoadBalancer } from "../aws/loadBalancer";
import { DEFAULT_WAF_RATE_LIMIT, DifyDomainRecordArgs, DifyEdgeArgs, domainRecordProblems, edgeProblems } from "./args";
import { aliasRecord, checkedZoneId, validatedCertificate } from "./dns";
import { DIFY_API_PATHS, createWaf } from "./waf";

/** Throws (before anything is registered) when the args are invalid, listing every problem. */
export function validateEdgeArgs(name: string, args: DifyEdgeArgs): void {
  edgeProblems(name, args, CLOUDWATCH_LOG_RETENTION_DAYS).throwIfAny();
}

/**
 * What stands in front of DifyApp's ALB and must exist before it (`dify-aws:index:DifyEdge`): a
 * DNS-validated ACM certificate from a Route 53 hosted zone (DifyApp `certificateArn`) and a
 * regional WAFv2 web ACL with its logging (DifyApp `webAclArn`). The domain's record comes after
 * DifyApp: DifyDomainRecord.
 */
export class DifyEdge extends pulumi.ComponentResource {
  /** ARN of the issued, validated certificate ("" when none is issued): DifyApp `certificateArn`. */
  public readonly certificateArn: pulumi.Output<string>;
  /** ARN of the web ACL ("" without WAF): DifyApp `webAclArn`. */
  public readonly webAclArn: pulumi.Output<string>;
  /** Log group of the WAF's blocked and counted requests ("" without WAF). */
  public readonly wafLogGroupName: pulumi.Output<string>;

  constructor(name: string, args: DifyEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    validateEdgeArgs(name, args);
    super(componentType("DifyEdge"), name, {}, opts);
    const tags = { ...(args.tags ?? {}), "dify-aws/component": "edge" };

    let certificateArn: pulumi.Output<string> = pulumi.output("");
    if (args.hostedZone) {
      if (args.issueCertificate ?? true) certificateArn = validatedCertificate(name, args.domain, checkedZoneId(args.hostedZone, this), tags, this);
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
    this.registerOutputs({ certificateArn, webAclArn, wafLogGroupName });
  }
}

/** Throws (before anything is registered) when DifyDomainRecord's args are invalid, listing every problem. */
export function validateDomainRecordArgs(name: string, args: DifyDomainRecordArgs): void {
  domainRecordProblems(name, args).throwIfAny();
}

/**
 * The domain's alias A record pointing at DifyApp's ALB (`dify-aws:index:DifyDomainRecord`), in
 * a Route 53 public hosted zone. Construct it after DifyApp with its `loadBalancerName` and
 * `loadBalancerHostname`: the ALB lookup waits for the host name, which resolves only once the
 * controller has created the ALB, and fails the deploy when that host name is another ALB's.
 * The record keeps the URN it had as DifyEdge's child in 0.1 (an alias to the DifyEdge of the
 * same name and parent), so existing stacks keep it.
 */
export class DifyDomainRecord extends pulumi.ComponentResource {
  /** The record's name: the domain, e.g. "dify.example.com". */
  public readonly domainRecord: pulumi.Output<string>;
  /** DNS name of the ALB the record points at. */
  public readonly loadBalancerDnsName: pulumi.Output<string>;

  constructor(name: string, args: DifyDomainRecordArgs, opts?: pulumi.ComponentResourceOptions) {
    validateDomainRecordArgs(name, args);
    super(componentType("DifyDomainRecord"), name, {}, opts);
    const zoneId = checkedZoneId(args.hostedZone, this);
    const lb = lookupLoadBalancer(`DifyDomainRecord "${name}"`, args, this);
    const record = aliasRecord(name, args.domain, zoneId, lb, { parent: this, aliases: movedFrom(this, name, "DifyEdge") });
    this.domainRecord = record.fqdn;
    this.loadBalancerDnsName = lb.dnsName;
    this.registerOutputs({ domainRecord: this.domainRecord, loadBalancerDnsName: this.loadBalancerDnsName });
  }
}
