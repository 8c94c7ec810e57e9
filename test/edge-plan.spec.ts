/**
 * The edge in the offline plan of the real stacks: prod from a hosted zone with no certificate of
 * its own gets a validated certificate, its validation record and the domain's record, and a WAF
 * attached to the ALB; bad edge config is refused by the plan CLI with exit 2, naming the key.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { Plan, planStack } from "../program/plan/plan";
import { loadStackConfig, PROJECT_ROOT } from "../program/plan/stack";
import { parseStackConfig } from "../program/config";
import { stackSettings } from "../program/settings";
import { RecordedResource } from "../program/plan/monitor";

const of = (rs: RecordedResource[], type: string) => rs.filter((r) => r.type === type);
const ingressAnnotations = (p: Plan) =>
  (of(p.recorded, "kubernetes:networking.k8s.io/v1:Ingress")[0].rawInputs.metadata as { annotations: Record<string, string> }).annotations;

describe("edge in the offline plan", function () {
  this.timeout(120000);
  let prod: Plan;
  before(async () => {
    prod = await planStack("prod");
  });

  it("prod from the hosted zone: a DNS-validated certificate the Ingress uses, its validation record, the domain's alias record", () => {
    assert.equal(prod.config.certificateArn, undefined, "the shipped prod stack brings no certificate");
    const [cert] = of(prod.recorded, "aws:acm/certificate:Certificate");
    assert.equal(cert.rawInputs.domainName, "dify.example.com");
    const [validation] = of(prod.recorded, "aws:acm/certificateValidation:CertificateValidation");
    const records = of(prod.recorded, "aws:route53/record:Record");
    assert.deepEqual(records.map((r) => r.rawInputs.zoneId), ["Z0EXAMPLE1234567890AB", "Z0EXAMPLE1234567890AB"]);
    assert.ok(records.some((r) => r.rawInputs.name === "dify.example.com" && r.rawInputs.type === "A"), "the domain's alias record");
    const a = ingressAnnotations(prod);
    assert.equal(a["alb.ingress.kubernetes.io/certificate-arn"], validation.rawInputs.certificateArn, "the validated certificate, not a pending one");
    assert.equal(a["alb.ingress.kubernetes.io/ssl-redirect"], "443");
    assert.equal(prod.rawOutputs.url, "https://dify.example.com");
  });

  it("prod: the WAF (three managed groups, rate limit, scoped overrides) is attached to the ALB through the Ingress", () => {
    const [acl] = of(prod.recorded, "aws:wafv2/webAcl:WebAcl");
    const rules = acl.rawInputs.rules as { name: string }[];
    for (const n of ["AWS-AWSManagedRulesCommonRuleSet", "AWS-AWSManagedRulesKnownBadInputsRuleSet", "AWS-AWSManagedRulesAmazonIpReputationList", "rate-limit-per-ip", "SizeRestrictions_BODY-outside-api"]) {
      assert.ok(rules.some((r) => r.name === n), n);
    }
    assert.equal(ingressAnnotations(prod)["alb.ingress.kubernetes.io/wafv2-acl-arn"], prod.rawOutputs.webAclArn);
    assert.match(String(prod.rawOutputs.webAclArn), /^arn:aws:wafv2:us-east-1:/);
    assert.equal(prod.rawOutputs.wafLogGroup, "aws-waf-logs-dify-prod");
  });

  it("dev: no WAF unless dify:waf is true (then the same web ACL settings as prod)", () => {
    const dev = (over: Record<string, unknown> = {}) => stackSettings(parseStackConfig(loadStackConfig("dev", over)), "dev");
    assert.equal(dev().edge.waf, undefined);
    // Explicitly none: the controller keeps an association when the annotation is absent, so a
    // stack that turns its WAF off must detach it before the web ACL is deleted.
    assert.equal(dev().app.webAclArn, "none");
    const on = dev({ "dify:waf": true, "dify:wafRateLimit": 10000 });
    assert.deepEqual(on.edge.waf, { rateLimit: 10000, allowedCidrs: [], logRetentionDays: 7 });
    assert.equal(on.app.webAclArn, undefined, "the program passes DifyEdge's web ACL");
  });

  it("the plan CLI refuses bad edge config with exit 2, every problem at once, naming the key", () => {
    const r = spawnSync(process.execPath, ["scripts/plan.js", "--stack", "prod",
      "--config", "dify:hostedZoneId=/hostedzone/Z0EXAMPLE", "--config", "dify:hostedZoneName=example.org", "--config", "dify:wafRateLimit=5",
      "--config", 'dify:bedrockModels=["claude-3-sonnet"]'], { cwd: PROJECT_ROOT, encoding: "utf8" });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^\s+dify:hostedZoneId: got "\/hostedzone\/Z0EXAMPLE", allowed a Route 53 hosted zone id/m);
    assert.match(r.stderr, /^\s+dify:domain: got "dify\.example\.com", not inside dify:hostedZoneName "example\.org"/m);
    assert.match(r.stderr, /^\s+dify:wafRateLimit: got 5, allowed an integer from 10 to 2000000000$/m);
    assert.match(r.stderr, /^\s+dify:bedrockModels: item "claude-3-sonnet" is invalid, allowed a Bedrock model id/m);
    assert.equal(r.stderr.trim().split("\n").length, 5, "the four problems, each once, after the heading");
    assert.ok(!/\n\s+at /.test(r.stderr), "no stack trace");
    assert.equal(r.stdout, "", "nothing was planned");
  });

  it("prod needs a certificate or a hosted zone; WAF keys need the WAF; a closed network (internal ALB, controller without WAF) refuses it", async () => {
    await assert.rejects(planStack("prod", { overrides: { "dify:hostedZoneId": undefined, "dify:hostedZoneName": undefined } }),
      /dify:certificateArn: required in prod unless dify:hostedZoneId and dify:hostedZoneName are set/);
    await assert.rejects(planStack("prod", { overrides: { "dify:hostedZoneName": undefined } }), /dify:hostedZoneName: required with dify:hostedZoneId/);
    await assert.rejects(planStack("dev", { overrides: { "dify:wafAllowedCidrs": ["203.0.113.0/24"] } }), /dify:wafAllowedCidrs: set, but the WAF is off/);
    await assert.rejects(planStack("prod", { overrides: { "dify:closedNetwork": true, "dify:waf": true } }), /dify:waf: true with dify:closedNetwork/);
  });
});
