/**
 * The regional WAFv2 web ACL in front of Dify's ALB: an optional IP allow-list, a rate limit per
 * client IP, and three AWS managed rule groups (Amazon IP reputation, Known bad inputs, Core rule
 * set). DifyApp attaches it with the Ingress annotation `alb.ingress.kubernetes.io/wafv2-acl-arn`.
 *
 * Core rule set (CRS) rules Dify's own traffic trips (AWS WAF developer guide, "Baseline rule
 * groups", CRS table): the four *_BODY rules below. They are set to Count inside the group (so
 * they still label the request), and one rule per label blocks it again OUTSIDE Dify's API paths.
 * On an ALB the WAF inspects only the first 8 KB of a body, fixed (same table's warnings).
 * Every other CRS rule, and the other two groups, keep blocking everywhere.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * Every path prefix DifyApp's Ingress routes to Dify's api-image services and the plugin daemon:
 * all but the web front end's "/" (a test keeps this equal to DifyApp's service catalog).
 */
export const DIFY_API_PATHS: readonly string[] = ["/console/api", "/api", "/v1", "/files", "/mcp", "/triggers", "/e", "/socket.io"];

/** A CRS rule overridden to Count on Dify's API paths, and why Dify's traffic trips it. */
export interface BodyRuleException {
  /** Rule name in AWSManagedRulesCommonRuleSet. */
  rule: string;
  /** The label the rule adds (matched by the blocking rule outside the API paths). */
  label: string;
  /** What legitimate Dify requests match it. */
  why: string;
}

/** Label names from the CRS table (awswaf:managed:aws:core-rule-set:<Name>). */
export const BODY_RULE_EXCEPTIONS: readonly BodyRuleException[] = [
  {
    rule: "SizeRestrictions_BODY",
    label: "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body",
    why: "bodies over 8 KB: file uploads (/console/api/files/upload, /v1/files/upload, knowledge documents), long prompts and chat histories, workflow drafts and DSL imports (JSON), MCP and webhook payloads",
  },
  {
    rule: "CrossSiteScripting_BODY",
    label: "awswaf:managed:aws:core-rule-set:CrossSiteScripting_Body",
    why: "HTML and JavaScript as content: prompts and answers that contain markup, JavaScript code nodes in workflows, uploaded .html/.md documents",
  },
  {
    rule: "GenericRFI_BODY",
    label: "awswaf:managed:aws:core-rule-set:GenericRFI_Body",
    why: "URLs with IPv4 hosts in bodies: HTTP-request node URLs, self-hosted model endpoints (e.g. http://10.0.1.5:11434), custom tool OpenAPI servers, API extension endpoints",
  },
  {
    rule: "GenericLFI_BODY",
    label: "awswaf:managed:aws:core-rule-set:GenericLFI_Body",
    why: "relative paths (../) as content: Python/JavaScript in code nodes and prompts about code",
  },
];

/** Priorities (evaluation order) of the web ACL's rules. */
const PRIORITY = { allowList: 0, rateLimit: 1, ipReputation: 2, knownBadInputs: 3, commonRuleSet: 4, bodyRulesOutsideApi: 10 } as const;

const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });

/** A WAF regex matching the URI path of any request under one of `prefixes` ("/v1" matches /v1 and /v1/..., not /v1x). */
export function pathRegex(prefixes: readonly string[]): string {
  const esc = (s: string) => s.replace(/^\/+|\/+$/g, "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return `^/(${prefixes.map(esc).join("|")})(/|$)`;
}

export interface WafRuleSettings {
  name: string;
  rateLimit: number;
  bodyRulePaths: readonly string[];
  /** IP set ARN of the allow-list, when there is one. */
  allowListArn?: pulumi.Input<string>;
}

/** The web ACL's rules (pure: the tests read them). */
export function wafRules(s: WafRuleSettings): aws.types.input.wafv2.WebAclRule[] {
  const metric = (x: string) => `${s.name}-${x}`;
  const managed = (name: string, priority: number, overrides: readonly string[] = []): aws.types.input.wafv2.WebAclRule => ({
    name: `AWS-${name}`,
    priority,
    overrideAction: { none: {} },
    statement: {
      managedRuleGroupStatement: {
        vendorName: "AWS",
        name,
        ...(overrides.length ? { ruleActionOverrides: overrides.map((rule) => ({ name: rule, actionToUse: { count: {} } })) } : {}),
      },
    },
    visibilityConfig: visibility(metric(name)),
  });
  const rules: aws.types.input.wafv2.WebAclRule[] = [];
  if (s.allowListArn !== undefined) {
    rules.push({
      name: "allow-list",
      priority: PRIORITY.allowList,
      action: { block: {} },
      statement: { notStatement: { statement: { ipSetReferenceStatement: { arn: s.allowListArn } } } },
      visibilityConfig: visibility(metric("allow-list")),
    });
  }
  rules.push({
    // Per client IP (the ALB sees the real client address), every path: webhooks and /v1 included.
    name: "rate-limit-per-ip",
    priority: PRIORITY.rateLimit,
    action: { block: {} },
    statement: { rateBasedStatement: { limit: s.rateLimit, aggregateKeyType: "IP", evaluationWindowSec: 300 } },
    visibilityConfig: visibility(metric("rate-limit")),
  });
  rules.push(managed("AWSManagedRulesAmazonIpReputationList", PRIORITY.ipReputation));
  rules.push(managed("AWSManagedRulesKnownBadInputsRuleSet", PRIORITY.knownBadInputs));
  rules.push(managed("AWSManagedRulesCommonRuleSet", PRIORITY.commonRuleSet, BODY_RULE_EXCEPTIONS.map((e) => e.rule)));
  // The counted body rules block again everywhere but Dify's API paths (the web front end takes no bodies).
  const regex = pathRegex(s.bodyRulePaths);
  BODY_RULE_EXCEPTIONS.forEach((e, i) => {
    rules.push({
      name: `${e.rule}-outside-api`,
      priority: PRIORITY.bodyRulesOutsideApi + i,
      action: { block: {} },
      statement: {
        andStatement: {
          statements: [
            { labelMatchStatement: { scope: "LABEL", key: e.label } },
            {
              notStatement: {
                statement: {
                  regexMatchStatement: {
                    regexString: regex,
                    fieldToMatch: { uriPath: {} },
                    // /v1/../x must not count as /v1: match the normalized path.
                    textTransformations: [{ priority: 0, type: "NORMALIZE_PATH" }],
                  },
                },
              },
            },
          ],
        },
      },
      visibilityConfig: visibility(metric(`${e.rule}-outside-api`)),
    });
  });
  return rules;
}

export interface WafResources {
  webAcl: aws.wafv2.WebAcl;
  logGroup: aws.cloudwatch.LogGroup;
}

/** Creates the web ACL, its optional IP set and its logging. */
export function createWaf(name: string, s: Omit<WafRuleSettings, "allowListArn"> & { allowedCidrs: string[]; logRetentionDays: number; tags: Record<string, string> }, parent: pulumi.Resource): WafResources {
  const opts = { parent };
  const ipSet = s.allowedCidrs.length > 0 ? new aws.wafv2.IpSet(`${name}-waf-allow-list`, {
    scope: "REGIONAL",
    ipAddressVersion: "IPV4",
    addresses: s.allowedCidrs,
    description: `Dify ${name}: the only client CIDRs allowed`,
    tags: s.tags,
  }, opts) : undefined;
  const webAcl = new aws.wafv2.WebAcl(`${name}-waf`, {
    scope: "REGIONAL",
    description: `Dify ${name}: managed rules, rate limit per client IP`,
    defaultAction: { allow: {} },
    rules: wafRules({ ...s, allowListArn: ipSet?.arn }),
    visibilityConfig: visibility(`${s.name}-web-acl`),
    tags: s.tags,
  }, opts);
  // WAF delivers only to log groups whose name starts with aws-waf-logs- (WAF developer guide, CloudWatch Logs destination).
  const logGroup = new aws.cloudwatch.LogGroup(`${name}-waf-logs`, {
    name: `aws-waf-logs-${s.name}`,
    retentionInDays: s.logRetentionDays,
    tags: s.tags,
  }, opts);
  new aws.wafv2.WebAclLoggingConfiguration(`${name}-waf-logging`, {
    resourceArn: webAcl.arn,
    logDestinationConfigs: [logGroup.arn],
    // API keys (Authorization: Bearer app-...) and session cookies never reach the logs.
    redactedFields: [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "cookie" } }],
    // Only what a rule blocked or counted: what you look at when a legitimate request fails.
    loggingFilter: {
      defaultBehavior: "DROP",
      filters: [{
        behavior: "KEEP",
        requirement: "MEETS_ANY",
        conditions: [{ actionCondition: { action: "BLOCK" } }, { actionCondition: { action: "COUNT" } }, { actionCondition: { action: "EXCLUDED_AS_COUNT" } }],
      }],
    },
  }, opts);
  return { webAcl, logGroup };
}
