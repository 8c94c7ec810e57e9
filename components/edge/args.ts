/** The typed arguments of DifyEdge and their validation (component-package rules: interfaces, no unions). */
import * as pulumi from "@pulumi/pulumi";
import { Check, Problems, albName, cidr, hostname } from "../checks";
import { loadBalancerProblems } from "../aws/loadBalancer";

/** A Route 53 public hosted zone that holds the install's domain. */
export interface HostedZoneArgs {
  /** Hosted zone id, e.g. "Z0123456789ABCDEFGHIJ" (without "/hostedzone/"). Required. */
  zoneId: string;
  /** The zone's name, e.g. "example.com"; the domain must be it or inside it. Checked against the zone at deploy time. Required. */
  zoneName: string;
}

/** The regional WAF in front of the ALB. */
export interface DifyWafArgs {
  /** Requests one client IP may make in any 5 minutes before further ones are blocked (AWS allows 10 to 2,000,000,000). Default 3000. */
  rateLimit?: number;
  /** Only these IPv4 CIDRs may reach Dify at all (everything else is blocked). Default none (everyone). */
  allowedCidrs?: string[];
  /** Days the WAF log group keeps blocked and counted requests (a CloudWatch Logs retention value). Default 90. */
  logRetentionDays?: number;
  /**
   * Path prefixes (as routed by DifyApp's Ingress, e.g. "/console/api") where the Common rule set's
   * body rules count instead of block: Dify's API, webhook and plugin endpoint paths. Default
   * DIFY_API_PATHS (every Ingress path but the web front end's "/").
   */
  bodyRulePaths?: string[];
}

export interface DifyEdgeArgs {
  /** Public host name of the install (DifyApp's `domain`), e.g. "dify.example.com". Required. */
  domain: string;
  /**
   * Route 53 zone for the certificate's DNS validation. Default none (no issued certificate). The
   * domain's alias record is DifyDomainRecord's, built after DifyApp from its load balancer.
   */
  hostedZone?: HostedZoneArgs;
  /** Issue an ACM certificate for `domain`, validated by DNS in `hostedZone`. Only with `hostedZone`. Default true with `hostedZone`. */
  issueCertificate?: boolean;
  /** Name of the ALB DifyApp creates (DifyApp `loadBalancerName`): names the WAF's metrics and log group (`aws-waf-logs-<name>`). Default: this component's name. */
  loadBalancerName?: string;
  /** A regional WAFv2 web ACL for the ALB (DifyApp `webAclArn`). Default none (no WAF). */
  waf?: DifyWafArgs;
  /** Tags added to every AWS resource. Default {}. */
  tags?: { [key: string]: string };
}

/**
 * DifyDomainRecord's arguments: the domain's alias record in the zone, pointing at DifyApp's ALB.
 * `loadBalancerHostname` is DifyApp's output, so the record (and the ALB lookup it needs) comes
 * after DifyApp by construction.
 */
export interface DifyDomainRecordArgs {
  /** Public host name of the install (DifyApp's `domain`), e.g. "dify.example.com". Required. */
  domain: string;
  /** Route 53 public hosted zone that holds `domain`; the record is written there. Required. */
  hostedZone: HostedZoneArgs;
  /** Name of DifyApp's ALB (DifyApp `loadBalancerName`): 1-32 letters, digits or '-'. Required. */
  loadBalancerName: string;
  /**
   * DNS name of that ALB as DifyApp's Ingress reports it: DifyApp's `loadBalancerHostname` output,
   * which resolves once the controller has created the ALB (the ALB lookup waits for it). Required.
   */
  loadBalancerHostname: pulumi.Input<string>;
}

/** The AWS bounds of a rate-based rule's limit (WAF developer guide, rate-based rule high-level settings). */
export const WAF_RATE_LIMIT_MIN = 10;
export const WAF_RATE_LIMIT_MAX = 2_000_000_000;
export const DEFAULT_WAF_RATE_LIMIT = 3000;

/** Route 53 hosted zone ids: "Z" and upper-case letters and digits, at most 32 characters. */
export const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;

/** "Example.COM." -> "example.com". */
export function normalizeZoneName(n: string): string {
  return n.trim().toLowerCase().replace(/\.+$/, "");
}

/** True when `domain` is the zone's apex or a name inside it. */
export function inZone(domain: string, zoneName: string): boolean {
  const d = normalizeZoneName(domain);
  const z = normalizeZoneName(zoneName);
  return d === z || d.endsWith(`.${z}`);
}

const zoneId: Check = (v) => (HOSTED_ZONE_ID.test(v) ? undefined : "a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ (no \"/hostedzone/\" prefix)");
const zoneName: Check = (v) => hostname(normalizeZoneName(v));
const pathPrefix: Check = (v) => (/^\/[A-Za-z0-9._~/-]+$/.test(v) ? undefined : "a path prefix such as /v1 (not \"/\": the body rules would count everywhere)");

/** Checks `domain` and, when given, the zone (its id, its name, the domain inside it); true when a zone was given. */
function zoneProblems(p: Problems, domain: unknown, z: HostedZoneArgs | undefined): boolean {
  const domainOk = p.check("args.domain", domain, hostname);
  if (!z) return false;
  p.check("args.hostedZone.zoneId", z.zoneId, zoneId);
  if (p.check("args.hostedZone.zoneName", z.zoneName, zoneName) && domainOk && !inZone(domain as string, z.zoneName)) {
    p.add("args.domain", domain, `the zone's name ${normalizeZoneName(z.zoneName)} (args.hostedZone.zoneName) or a name inside it`);
  }
  return true;
}

/** Every problem with DifyDomainRecord's args, each naming the argument (nothing is registered before this). */
export function domainRecordProblems(name: string, args: DifyDomainRecordArgs): Problems {
  const p = new Problems(`DifyDomainRecord "${name}"`);
  if (!zoneProblems(p, args?.domain, args?.hostedZone)) p.add("args.hostedZone", undefined, "the Route 53 public hosted zone of args.domain ({ zoneId, zoneName }): the record is written there");
  loadBalancerProblems(p, args);
  return p;
}

/** Every problem with the args, each naming the argument (nothing is registered before this). */
export function edgeProblems(name: string, args: DifyEdgeArgs, logRetentionValues: readonly number[]): Problems {
  const p = new Problems(`DifyEdge "${name}"`);
  const z = zoneProblems(p, args?.domain, args?.hostedZone);
  if (args?.loadBalancerName !== undefined) p.check("args.loadBalancerName", args.loadBalancerName, albName);
  if (!z && args?.issueCertificate === true) {
    p.add("args.issueCertificate", true, "true only with args.hostedZone (the certificate is validated by DNS records in it)");
  }
  const w = args?.waf;
  if (w) {
    if (w.rateLimit !== undefined) p.int("args.waf.rateLimit", w.rateLimit, DEFAULT_WAF_RATE_LIMIT, WAF_RATE_LIMIT_MIN, WAF_RATE_LIMIT_MAX, "requests per client IP per 5 minutes");
    if (w.allowedCidrs !== undefined) p.items("args.waf.allowedCidrs", w.allowedCidrs, cidr);
    if (w.logRetentionDays !== undefined && !logRetentionValues.includes(w.logRetentionDays)) {
      p.add("args.waf.logRetentionDays", w.logRetentionDays, `one of ${logRetentionValues.join(", ")} (CloudWatch Logs retention values)`);
    }
    if (w.bodyRulePaths !== undefined) p.items("args.waf.bodyRulePaths", w.bodyRulePaths, pathPrefix, 1);
  }
  return p;
}
