/** DifyEdge: DNS and TLS from a hosted zone, and the WAF in front of the ALB. */
import { strict as assert } from "assert";
import { DifyDomainRecord, DifyDomainRecordArgs, DifyEdge, DifyEdgeArgs } from "../components/edge";
import { BODY_RULE_EXCEPTIONS, DIFY_API_PATHS, pathRegex, wafRules } from "../components/edge/waf";
import * as pulumi from "@pulumi/pulumi";
import { CATALOG } from "../components/app/catalog";
import { checkedZoneId } from "../components/edge/dns";
import { resolve, runUnderMocks, RecordedResource } from "../program/plan/monitor";

const ZONE = { zoneId: "Z0EXAMPLE1234567890AB", zoneName: "example.com" };
const of = (rs: RecordedResource[], type: string) => rs.filter((r) => r.type === type);

/** The mocked ALB "dify-prod"'s DNS name, as DifyApp's Ingress would report it. */
const LB_HOSTNAME = "dify-prod-123456789.us-east-1.elb.amazonaws.com";

/** DifyEdge, and with a hosted zone DifyDomainRecord after it, as the program wires them. */
async function runEdge(args: DifyEdgeArgs, loadBalancerHostname: pulumi.Input<string> = LB_HOSTNAME) {
  return runUnderMocks(() => {
    const e = new DifyEdge("dify", args);
    const record = args.hostedZone
      ? new DifyDomainRecord("dify", { domain: args.domain, hostedZone: args.hostedZone, loadBalancerName: args.loadBalancerName ?? "dify-prod", loadBalancerHostname })
      : undefined;
    return { certificateArn: e.certificateArn, webAclArn: e.webAclArn, domainRecord: record?.domainRecord };
  }, { stack: "prod" });
}

describe("DifyEdge: DNS and TLS from a hosted zone", () => {
  it("issues a DNS-validated certificate (record in the zone, a validation the ARN waits for) and an alias record to the ALB", async () => {
    const run = await runEdge({ domain: "dify.example.com", hostedZone: ZONE, loadBalancerName: "dify-prod" });
    const rs = run.resources;
    const [cert] = of(rs, "aws:acm/certificate:Certificate");
    assert.equal(cert.rawInputs.domainName, "dify.example.com");
    assert.equal(cert.rawInputs.validationMethod, "DNS");
    const records = of(rs, "aws:route53/record:Record");
    const validationRecord = records.find((r) => r.name === "dify-certificate-validation")!;
    assert.equal(validationRecord.rawInputs.zoneId, ZONE.zoneId, "in the given zone (after the lookup confirmed its name)");
    assert.equal(validationRecord.rawInputs.type, "CNAME");
    assert.match(String(validationRecord.rawInputs.name), /^_[0-9a-f]+\.dify\.example\.com\.$/, "ACM's record name");
    assert.deepEqual(validationRecord.rawInputs.records, ["_0a1b2c3d4e5f60718293a4b5c6d7e8f9.mhbtsbpdnt.acm-validations.aws."]);
    const [validation] = of(rs, "aws:acm/certificateValidation:CertificateValidation");
    assert.ok(validation.dependencies.includes(validationRecord.urn), "the validation waits for the record");
    assert.deepEqual(validation.rawInputs.validationRecordFqdns, [String(validationRecord.rawInputs.name).replace(/\.$/, "")]);
    // The ARN handed to DifyApp is the validation's: the Ingress cannot get a pending certificate.
    const arn = await resolve((run.value as { certificateArn: unknown }).certificateArn as string);
    assert.equal(arn.value, validation.rawInputs.certificateArn);
    const alias = records.find((r) => r.name === "dify-domain")!;
    assert.equal(alias.rawInputs.name, "dify.example.com");
    assert.equal(alias.rawInputs.type, "A");
    assert.deepEqual(alias.rawInputs.aliases, [{ name: "dify-prod-123456789.us-east-1.elb.amazonaws.com", zoneId: "Z35SXDOTRQ7X7K", evaluateTargetHealth: true }]);
    assert.equal(of(rs, "aws:wafv2/webAcl:WebAcl").length, 0, "no WAF unless asked");
  });

  it("with a certificate of your own: only the alias record", async () => {
    const run = await runEdge({ domain: "example.com", hostedZone: ZONE, issueCertificate: false, loadBalancerName: "dify-prod" });
    assert.equal(of(run.resources, "aws:acm/certificate:Certificate").length, 0);
    assert.deepEqual(of(run.resources, "aws:route53/record:Record").map((r) => r.name), ["dify-domain"]);
  });

  it("fails the deploy when the zone id belongs to a zone of another name (lookup at deploy time)", async () => {
    // The mocked Route 53 knows every zone id as "example.com". Every record takes its zone id
    // from this check (first test), so none is written into a zone of another name.
    const run = await runUnderMocks(() => checkedZoneId({ zoneId: "Z0EXAMPLE1234567890AB", zoneName: "other.org" }, new pulumi.ComponentResource("test:index:Parent", "p")));
    await assert.rejects(resolve(run.value), (e: Error) => {
      assert.ok(e instanceof pulumi.RunError, "a RunError: pulumi up prints the message, no stack trace");
      assert.match(e.message, /hosted zone Z0EXAMPLE1234567890AB is named "example\.com", not "other\.org": set dify:hostedZoneName/);
      return true;
    });
    const ok = await runUnderMocks(() => checkedZoneId({ zoneId: "Z0EXAMPLE1234567890AB", zoneName: "Example.com." }, new pulumi.ComponentResource("test:index:Parent", "p")));
    assert.equal((await resolve(ok.value)).value, "Z0EXAMPLE1234567890AB", "case and a trailing dot do not matter");
  });

  it("refuses bad arguments before registering anything, naming each", async () => {
    const run = await runUnderMocks(() => {
      try {
        new DifyEdge("dify", {
          domain: "dify.example.org",
          hostedZone: { zoneId: "/hostedzone/Z123", zoneName: "example.com" },
          waf: { rateLimit: 5, allowedCidrs: ["10.0.0.0/33"], bodyRulePaths: ["/"] },
        });
        return "";
      } catch (e) {
        return (e as Error).message;
      }
    });
    assert.match(run.value, /^DifyEdge "dify": /);
    assert.match(run.value, /args\.hostedZone\.zoneId: got "\/hostedzone\/Z123", allowed a Route 53 hosted zone id/);
    assert.match(run.value, /args\.domain: got "dify\.example\.org", allowed the zone's name example\.com \(args\.hostedZone\.zoneName\) or a name inside it/);
    assert.match(run.value, /args\.waf\.rateLimit: got 5, allowed an integer from 10 to 2000000000/);
    assert.match(run.value, /args\.waf\.allowedCidrs\[0\]: got "10\.0\.0\.0\/33"/);
    assert.match(run.value, /args\.waf\.bodyRulePaths\[0\]: got "\/"/);
    assert.deepEqual(run.resources, []);
  });
});

describe("DifyDomainRecord: the domain's record, after DifyApp", () => {
  it("points the domain at the ALB DifyApp's Ingress reports, keeping the URN it had under DifyEdge", async () => {
    const run = await runEdge({ domain: "dify.example.com", hostedZone: ZONE, loadBalancerName: "dify-prod" });
    const alias = of(run.resources, "aws:route53/record:Record").find((r) => r.name === "dify-domain")!;
    assert.equal(alias.parent, "urn:pulumi:prod::dify::dify-aws:index:DifyDomainRecord::dify");
    assert.deepEqual(alias.options.aliases, ["urn:pulumi:prod::dify::dify-aws:index:DifyEdge$aws:route53/record:Record::dify-domain"]);
  });

  it("fails the deploy when the host name DifyApp reports is another ALB's than the one named", async () => {
    const run = await runUnderMocks(() => new DifyDomainRecord("dify", {
      domain: "dify.example.com", hostedZone: ZONE, loadBalancerName: "dify-prod", loadBalancerHostname: "k8s-other-0123456789.us-east-1.elb.amazonaws.com",
    }).domainRecord, { stack: "prod" });
    await assert.rejects(resolve(run.value), (e: Error) => {
      assert.ok(e instanceof pulumi.RunError);
      assert.match(e.message, /DifyDomainRecord "dify": args\.loadBalancerName: got "dify-prod", allowed the name of the ALB at args\.loadBalancerHostname k8s-other-0123456789/);
      return true;
    });
  });

  for (const [what, hostname] of [["no loadBalancerHostname", undefined], ["an empty loadBalancerHostname (a lookup that would not wait)", ""]] as const) {
    it(`refuses ${what} before registering anything`, async () => {
      const run = await runUnderMocks(() => {
        try {
          const args = { domain: "dify.example.com", hostedZone: ZONE, loadBalancerName: "dify-prod", ...(hostname === undefined ? {} : { loadBalancerHostname: hostname }) };
          new DifyDomainRecord("dify", args as DifyDomainRecordArgs);
          return "";
        } catch (e) {
          return (e as Error).message;
        }
      });
      assert.match(run.value, /^DifyDomainRecord "dify": args\.loadBalancerHostname: got (nothing|""), allowed DifyApp's loadBalancerHostname output/);
      assert.deepEqual(run.resources, []);
    });
  }
});

describe("DifyEdge: WAF", () => {
  it("has the three AWS managed groups, a per-IP rate limit, and overrides only the four body rules of the Common rule set", () => {
    const rules = wafRules({ name: "dify-prod", rateLimit: 3000, bodyRulePaths: DIFY_API_PATHS });
    const managed = rules.filter((r) => (r.statement as { managedRuleGroupStatement?: unknown }).managedRuleGroupStatement)
      .map((r) => (r.statement as { managedRuleGroupStatement: { name: string; vendorName: string; ruleActionOverrides?: { name: string; actionToUse: unknown }[] } }).managedRuleGroupStatement);
    assert.deepEqual(managed.map((m) => m.name).sort(), ["AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"]);
    assert.ok(managed.every((m) => m.vendorName === "AWS"));
    const crs = managed.find((m) => m.name === "AWSManagedRulesCommonRuleSet")!;
    assert.deepEqual(crs.ruleActionOverrides, ["SizeRestrictions_BODY", "CrossSiteScripting_BODY", "GenericRFI_BODY", "GenericLFI_BODY"].map((name) => ({ name, actionToUse: { count: {} } })));
    for (const m of managed.filter((x) => x.name !== "AWSManagedRulesCommonRuleSet")) assert.equal(m.ruleActionOverrides, undefined, `${m.name}: no rule overridden`);
    // No whole group is set to count.
    for (const r of rules.filter((x) => x.overrideAction)) assert.deepEqual(r.overrideAction, { none: {} });
    const rate = rules.find((r) => r.name === "rate-limit-per-ip")!;
    assert.deepEqual(rate.statement, { rateBasedStatement: { limit: 3000, aggregateKeyType: "IP", evaluationWindowSec: 300 } });
    assert.deepEqual(rate.action, { block: {} });
    const priorities = rules.map((r) => r.priority);
    assert.equal(new Set(priorities).size, priorities.length, "unique priorities");
    const crsPriority = rules.find((r) => r.name === "AWS-AWSManagedRulesCommonRuleSet")!.priority as number;
    // Each counted rule's label blocks again outside Dify's API paths, evaluated after the group.
    for (const e of BODY_RULE_EXCEPTIONS) {
      const r = rules.find((x) => x.name === `${e.rule}-outside-api`)!;
      assert.ok((r.priority as number) > crsPriority, `${r.name} runs after the CRS`);
      assert.deepEqual(r.action, { block: {} });
      const and = (r.statement as { andStatement: { statements: Record<string, unknown>[] } }).andStatement.statements;
      assert.deepEqual(and[0], { labelMatchStatement: { scope: "LABEL", key: e.label } });
      assert.equal(((and[1].notStatement as { statement: { regexMatchStatement: { regexString: string } } }).statement.regexMatchStatement.regexString), pathRegex(DIFY_API_PATHS));
    }
  });

  it("the exempt paths are exactly Dify's API, webhook and plugin endpoint routes, not the web front end", () => {
    const routed = CATALOG.flatMap((s) => s.ingressPaths ?? []).filter((p) => p !== "/");
    assert.deepEqual([...DIFY_API_PATHS].sort(), [...routed].sort(), "every non-web path DifyApp's Ingress routes");
    const re = new RegExp(pathRegex(DIFY_API_PATHS));
    for (const p of ["/console/api/files/upload", "/v1/chat-messages", "/api/workflows/run", "/triggers/webhook/abc", "/e/hook123/x", "/mcp", "/mcp/server/abc/mcp", "/socket.io/"]) assert.ok(re.test(p), p);
    for (const p of ["/", "/apps", "/signin", "/v1x", "/api-docs", "/_next/static/chunk.js", "/install", "/explore/apps", "/socket-io"]) assert.ok(!re.test(p), p);
  });

  it("allow-list first, then the rate limit; logs only blocked and counted requests, without credentials", async () => {
    const run = await runEdge({ domain: "dify.example.com", loadBalancerName: "dify-prod", waf: { rateLimit: 500, allowedCidrs: ["203.0.113.0/24"], logRetentionDays: 30 } });
    const rs = run.resources;
    const [ipSet] = of(rs, "aws:wafv2/ipSet:IpSet");
    assert.deepEqual(ipSet.rawInputs.addresses, ["203.0.113.0/24"]);
    assert.equal(ipSet.rawInputs.scope, "REGIONAL");
    const [acl] = of(rs, "aws:wafv2/webAcl:WebAcl");
    assert.equal(acl.rawInputs.scope, "REGIONAL");
    assert.deepEqual(acl.rawInputs.defaultAction, { allow: {} });
    const rules = acl.rawInputs.rules as { name: string; priority: number; statement: unknown; action?: unknown }[];
    assert.deepEqual(rules.slice(0, 2).map((r) => r.name), ["allow-list", "rate-limit-per-ip"]);
    const blocked = (rules[0].statement as { notStatement: { statement: { ipSetReferenceStatement: { arn: string } } } }).notStatement.statement;
    assert.match(blocked.ipSetReferenceStatement.arn, /:ipset\/dify-waf-allow-list$/, "blocks whatever is NOT in the allow-list");
    assert.deepEqual(rules[0].action, { block: {} });
    assert.equal((rules[1].statement as { rateBasedStatement: { limit: number } }).rateBasedStatement.limit, 500);
    const [group] = of(rs, "aws:cloudwatch/logGroup:LogGroup");
    assert.equal(group.rawInputs.name, "aws-waf-logs-dify-prod", "WAF only logs to groups named aws-waf-logs-*");
    assert.equal(group.rawInputs.retentionInDays, 30);
    const [logging] = of(rs, "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration");
    assert.deepEqual(logging.rawInputs.redactedFields, [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "cookie" } }]);
    assert.equal((logging.rawInputs.loggingFilter as { defaultBehavior: string }).defaultBehavior, "DROP");
    const acl2 = await resolve((run.value as { webAclArn: unknown }).webAclArn as string);
    assert.match(String(acl2.value), /^arn:aws:wafv2:/);
  });
});
