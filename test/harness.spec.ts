import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as random from "@pulumi/random";
import { resolve, runUnderMocks } from "../program/plan/monitor";

describe("offline harness", () => {
  it("records inputs, secrets, dependencies and options as the engine would see them", async () => {
    const run = await runUnderMocks(() => {
      const pw = new random.RandomPassword("pw", { length: 32 });
      const key = new aws.kms.Key("key", { description: "k" }, { protect: true });
      const bucket = new aws.s3.BucketV2("b", { tags: { k: "v" } }, { dependsOn: [pw], ignoreChanges: ["tags"] });
      new aws.ssm.Parameter("p", { type: "SecureString", value: pw.result, keyId: key.arn });
      return { arn: bucket.arn, secret: pw.result };
    }, { stack: "unit" });
    const byName = (n: string) => run.resources.find((r) => r.name === n)!;
    const p = byName("p");
    assert.equal(p.inputs.value, "[secret]");
    assert.deepEqual(p.secretPaths, ["value"]);
    assert.ok(p.dependencies.includes(byName("pw").urn));
    assert.ok(p.dependencies.includes(byName("key").urn));
    assert.deepEqual(p.options.dependsOn, []);
    assert.equal(byName("key").options.protect, true);
    assert.deepEqual(byName("b").options.dependsOn, [byName("pw").urn]);
    assert.deepEqual(byName("b").options.ignoreChanges, ["tags"]);
    const secret = await resolve(run.value.secret);
    assert.equal(secret.secret, true, "RandomPassword.result is secret, as the engine would make it");
    const arn = await resolve(run.value.arn);
    assert.match(String(arn.value), /^arn:aws:s3:::/);
    assert.equal(p.urn, "urn:pulumi:unit::dify::aws:ssm/parameter:Parameter::p");
    void pulumi;
  });
});
