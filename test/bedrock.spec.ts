/** Bedrock through IAM: dify:bedrockModels becomes an invoke grant on the plugin daemon's role, and nothing else. */
import { strict as assert } from "assert";
import { bedrockInvokePolicy, bedrockModel } from "../components/aws/bedrock";
import { planStack } from "../program/plan/plan";
import { ConfigError } from "../program/config";

const C = { partition: "aws", region: "us-east-1", accountId: "123456789012" };

describe("Bedrock models for the plugin daemon's role", function () {
  this.timeout(60000);

  it("accepts model ids, cross-region profile ids and Bedrock ARNs; refuses anything else", () => {
    for (const ok of ["anthropic.claude-3-5-sonnet-20240620-v1:0", "amazon.titan-embed-text-v2:0", "cohere.rerank-v3-5:0", "meta.llama3-1-70b-instruct-v1:0",
      "us.anthropic.claude-3-5-sonnet-20241022-v2:0", "global.anthropic.claude-sonnet-4-5-20250929-v1:0", "apac.amazon.nova-lite-v1:0",
      "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-pro-v1:0", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"]) {
      assert.equal(bedrockModel(ok), undefined, ok);
    }
    for (const bad of ["claude-3", "anthropic.claude 3", "Anthropic.Claude", "arn:aws:s3:::bucket", "arn:aws:bedrock:us-east-1::agent/x", "*", ""]) {
      assert.ok(bedrockModel(bad), bad);
    }
  });

  it("grants InvokeModel and the streaming variant on exactly the listed models (a profile: the profile and its model in every region)", () => {
    const doc = JSON.parse(bedrockInvokePolicy(["amazon.nova-pro-v1:0", "us.anthropic.claude-3-5-sonnet-20241022-v2:0"], C)) as { Statement: { Action: string[]; Resource: string[] }[] };
    assert.deepEqual(doc.Statement[0].Action, ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]);
    assert.deepEqual(doc.Statement[0].Resource, [
      "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0",
      "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0",
      "arn:aws:bedrock:*::foundation-model/anthropic.claude-3-5-sonnet-20241022-v2:0",
    ]);
    assert.deepEqual(doc.Statement[1], { Sid: "ReadListedProfiles", Effect: "Allow", Action: ["bedrock:GetInferenceProfile"], Resource: ["arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0"] });
    assert.ok(!JSON.stringify(doc).includes('"*"'), "no wildcard resource");
  });

  it("prod with dify:bedrockModels: the grant is on the plugin daemon's role only; without it there is none", async () => {
    const p = await planStack("prod", { policy: false, overrides: { "dify:bedrockModels": ["anthropic.claude-3-5-sonnet-20240620-v1:0"] } });
    const extra = p.recorded.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && JSON.stringify(r.rawInputs.policy).includes("bedrock:"));
    assert.deepEqual(extra.map((r) => r.name), ["dify-plugin-daemon-extra"]);
    assert.ok(String(extra[0].rawInputs.policy).includes("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0"));
    assert.ok(extra[0].dependencies.some((d) => d.endsWith("::dify-plugin-storage")));
  });

  it("refuses a malformed model id naming the key, and Bedrock in a closed network without its endpoint", async () => {
    await assert.rejects(planStack("prod", { overrides: { "dify:bedrockModels": ["claude-3-sonnet"] } }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /dify:bedrockModels: item "claude-3-sonnet" is invalid, allowed a Bedrock model id/);
      return true;
    });
    await assert.rejects(planStack("prod", { overrides: { "dify:closedNetwork": true, "dify:imageRegistry": "123456789012.dkr.ecr.us-east-1.amazonaws.com", "dify:egressAllowedDomains": ["api.openai.com"], "dify:bedrockModels": ["amazon.nova-pro-v1:0"] } }),
      /dify:bedrockModels: set with dify:closedNetwork but dify:extraVpcEndpoints has no bedrock-runtime/);
  });
});
