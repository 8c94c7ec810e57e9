/** The typed arguments of DifyEdge and their validation (component-package rules: interfaces, no unions). */
import * as pulumi from "@pulumi/pulumi";
import { Check, Problems, cidr, hostname } from "../checks";

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
  /** Route 53 zone for DNS validation and the domain's alias record. Default none (no DNS records, no issued certificate). */
  hostedZone?: HostedZoneArgs;
  /** Issue an ACM certificate for `domain`, validated by DNS in `hostedZone`. Only with `hostedZone`. Default true with `hostedZone`. */
  issueCertificate?: boolean;
  /** Name of the ALB DifyApp creates (DifyApp `loadBalancerName`); the alias record points at it. Required with `hostedZone`. */
  loadBalancerName?: string;
  /**
   * Any value that resolves only once the ALB exists (e.g. DifyApp's `loadBalancerHostname`): the
   * ALB lookup for the alias record waits for it. Default none (look up at once).
   */
  loadBalancerReady?: pulumi.Input<string>;
  /** A regional WAFv2 web ACL for the ALB (DifyApp `webAclArn`). Default none (no WAF). */
  waf?: DifyWafArgs;
  /** Tags added to every AWS resource. Default {}. */
  tags?: { [key: string]: string };
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

/** Every problem with the args, each naming the argument (nothing is registered before this). */
export function edgeProblems(name: string, args: DifyEdgeArgs, logRetentionValues: readonly number[]): Problems {
  const p = new Problems(`DifyEdge "${name}"`);
  const domainOk = p.check("args.domain", args?.domain, hostname);
  const z = args?.hostedZone;
  if (z) {
    p.check("args.hostedZone.zoneId", z.zoneId, zoneId);
    if (p.check("args.hostedZone.zoneName", z.zoneName, zoneName) && domainOk && !inZone(args.domain, z.zoneName)) {
      p.add("args.domain", args.domain, `the zone's name ${normalizeZoneName(z.zoneName)} (args.hostedZone.zoneName) or a name inside it`);
    }
    if (!args.loadBalancerName) p.add("args.loadBalancerName", args.loadBalancerName, "the name of DifyApp's ALB (required with args.hostedZone: the alias record points at it)");
  } else if (args?.issueCertificate === true) {
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
