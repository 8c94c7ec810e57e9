import { strict as assert } from "assert";
import { DifyStorage, DifyStorageArgs } from "../components/storage";
import { DIFY_APP_S3_SERVICE_ACCOUNTS, DIFY_PLUGIN_DAEMON_SERVICE_ACCOUNT } from "../components/contracts";
import { RecordedResource, resolve, runUnderMocks } from "../program/plan/monitor";
import { evaluatePolicies } from "../policy/runner";

const OIDC = { arn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC", issuer: "oidc.eks.us-east-1.amazonaws.com/id/ABC" };
const base: DifyStorageArgs = { oidcProvider: OIDC, namespace: "dify" };

interface Statement { Sid?: string; Effect: string; Action: string[]; Resource: string[]; Principal?: Record<string, string[]>; Condition?: Record<string, Record<string, string[]>> }
const statements = (json: unknown): Statement[] => (JSON.parse(String(json)) as { Statement: Statement[] }).Statement;

async function plan(args: DifyStorageArgs, stack = "prod") {
  const run = await runUnderMocks(() => new DifyStorage(stack, args), { stack });
  const of = (type: string) => run.resources.filter((r) => r.type === type);
  return { run, of };
}

/** The bucket configuration resource of `type` attached to the bucket named `bucketRes`. */
function configOf(res: RecordedResource[], type: string, bucketRes: RecordedResource): RecordedResource {
  const found = res.filter((r) => r.type === type && r.dependencies.includes(bucketRes.urn) && !r.name.includes("access-logs"));
  assert.equal(found.length, 1, `${type} for ${bucketRes.name}`);
  return found[0];
}

describe("DifyStorage", () => {
  it("hardens both buckets: versioned, CMK-encrypted with a bucket key, private, owner-enforced, TLS-only, retention window", async () => {
    const { run, of } = await plan({ ...base, noncurrentVersionRetentionDays: 30 });
    // (and their access-log bucket: test/access-logs.spec.ts)
    const buckets = of("aws:s3/bucket:Bucket").filter((b) => !b.name.endsWith("access-logs"));
    assert.deepEqual(buckets.map((b) => b.name).sort(), ["prod-plugins", "prod-uploads"]);
    const key = of("aws:kms/key:Key");
    assert.equal(key.length, 1);
    assert.equal(key[0].inputs.enableKeyRotation, true);
    for (const b of buckets) {
      assert.equal(b.options.protect, true, `${b.name} protected in prod`);
      assert.equal(b.options.retainOnDelete, true, `${b.name} survives a stack delete`);
      assert.equal(b.inputs.forceDestroy, false);
      const v = configOf(run.resources, "aws:s3/bucketVersioning:BucketVersioning", b);
      assert.equal((v.inputs.versioningConfiguration as { status: string }).status, "Enabled");
      const enc = configOf(run.resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", b);
      const rule = (enc.rawInputs.rules as { applyServerSideEncryptionByDefault: { sseAlgorithm: string; kmsMasterKeyId: string }; bucketKeyEnabled: boolean }[])[0];
      assert.equal(rule.applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
      assert.ok(enc.dependencies.includes(key[0].urn), "encrypted with the component's CMK");
      assert.equal(rule.bucketKeyEnabled, true);
      const pab = configOf(run.resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", b);
      for (const f of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(pab.inputs[f], true, f);
      const own = configOf(run.resources, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", b);
      assert.deepEqual(own.inputs.rule, { objectOwnership: "BucketOwnerEnforced" });
      const pol = statements(configOf(run.resources, "aws:s3/bucketPolicy:BucketPolicy", b).rawInputs.policy);
      const deny = pol.find((s) => s.Effect === "Deny")!;
      assert.deepEqual(deny.Condition, { Bool: { "aws:SecureTransport": "false" } } as unknown);
      const lc = configOf(run.resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", b);
      const rules = lc.rawInputs.rules as { noncurrentVersionExpiration?: { noncurrentDays: number }; abortIncompleteMultipartUpload?: { daysAfterInitiation: number }; expiration?: { days?: number } }[];
      assert.equal(rules.find((x) => x.noncurrentVersionExpiration)!.noncurrentVersionExpiration!.noncurrentDays, 30);
      assert.equal(rules.find((x) => x.abortIncompleteMultipartUpload)!.abortIncompleteMultipartUpload!.daysAfterInitiation, 7);
      assert.ok(!rules.some((x) => x.expiration?.days !== undefined), "current files never expire: only old versions do");
      // The retained bucket must keep its configuration after a stack delete too.
      for (const c of [v, enc, pab, lc]) assert.equal(c.options.retainOnDelete, true, `${c.name} retained`);
    }
  });

  it("the retention window follows the argument (dev: 7 days) and dev can be destroyed", async () => {
    const { of } = await plan({ ...base, noncurrentVersionRetentionDays: 7, protect: false, forceDestroy: true }, "dev");
    for (const lc of of("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").filter((l) => !l.name.includes("access-logs"))) {
      const rules = lc.rawInputs.rules as { noncurrentVersionExpiration?: { noncurrentDays: number } }[];
      assert.equal(rules.find((x) => x.noncurrentVersionExpiration)!.noncurrentVersionExpiration!.noncurrentDays, 7);
    }
    for (const b of of("aws:s3/bucket:Bucket")) {
      assert.equal(b.options.protect, false);
      assert.equal(b.inputs.forceDestroy, true);
    }
  });

  it("two roles: api/worker/beat reach only the uploads bucket, the plugin daemon (and so every plugin) only the plugin bucket", async () => {
    const { of } = await plan(base);
    const roles = of("aws:iam/role:Role");
    assert.deepEqual(roles.map((r) => r.name).sort(), ["prod-plugin-storage", "prod-storage"]);
    const keyArn = "arn:aws:kms:us-east-1:123456789012:key/prod-storage-key";
    const bucketArn = (kind: string) => `arn:aws:s3:::prod-${kind}-0000`;
    const expect: Record<string, { sas: readonly string[]; bucket: string }> = {
      "prod-storage": { sas: DIFY_APP_S3_SERVICE_ACCOUNTS, bucket: bucketArn("uploads") },
      "prod-plugin-storage": { sas: [DIFY_PLUGIN_DAEMON_SERVICE_ACCOUNT], bucket: bucketArn("plugins") },
    };
    for (const role of roles) {
      const want = expect[role.name];
      const [trust] = statements(role.rawInputs.assumeRolePolicy);
      // IAM treats a one-element list and a plain string alike.
      assert.deepEqual([trust.Action].flat(), ["sts:AssumeRoleWithWebIdentity"]);
      assert.deepEqual([(trust.Principal as { Federated: unknown }).Federated].flat(), [OIDC.arn]);
      assert.deepEqual(Object.keys(trust.Condition!), ["StringEquals"]);
      assert.deepEqual([trust.Condition!.StringEquals[`${OIDC.issuer}:sub`]].flat().sort(), want.sas.map((sa) => `system:serviceaccount:dify:${sa}`).sort(), role.name);
      assert.deepEqual([trust.Condition!.StringEquals[`${OIDC.issuer}:aud`]].flat(), ["sts.amazonaws.com"]);
      const policy = of("aws:iam/rolePolicy:RolePolicy").find((p) => p.name === `${role.name}-access`)!;
      const st = statements(policy.rawInputs.policy);
      const actions = st.flatMap((x) => x.Action).sort();
      assert.deepEqual(actions, ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "s3:DeleteObject", "s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket", "s3:PutObject"]);
      const allowed = new Set([want.bucket, `${want.bucket}/*`, keyArn]);
      for (const x of st) {
        assert.equal(x.Effect, "Allow");
        for (const res of x.Resource) assert.ok(allowed.has(res), `${role.name}: unexpected resource ${res}`);
      }
    }
    assert.equal(of("aws:iam/rolePolicy:RolePolicy").length, 2, "no extra grant unless pluginDaemonPolicy is given");
  });

  it("pluginDaemonPolicy (e.g. Bedrock) goes on the plugin daemon's role only", async () => {
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["bedrock:InvokeModel"], Resource: ["arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"] }] });
    const { of } = await plan({ ...base, pluginDaemonPolicy: policy });
    const extra = of("aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "prod-plugin-daemon-extra")!;
    assert.equal(extra.rawInputs.policy, policy);
    assert.ok(extra.dependencies.some((d) => d.endsWith("::prod-plugin-storage")), "attached to the plugin daemon's role");
    assert.ok(!extra.dependencies.some((d) => d.endsWith("::prod-storage")), "not to the api's");
  });

  it("produces the ObjectStorage handle DifyApp consumes", async () => {
    const { run } = await plan(base);
    const s = await resolve(run.value.storage);
    assert.deepEqual(s.value, {
      bucketName: "prod-uploads-0000",
      pluginBucketName: "prod-plugins-0000",
      region: "us-east-1",
      roleArn: "arn:aws:iam::123456789012:role/prod-storage",
      pluginRoleArn: "arn:aws:iam::123456789012:role/prod-plugin-storage",
    });
  });

  it("passes the project's policy pack with no mandatory violation (dev and prod)", async () => {
    for (const [stack, patch] of [["dev", { protect: false, forceDestroy: true }], ["prod", {}]] as const) {
      const { run } = await plan({ ...base, ...patch }, stack);
      const report = evaluatePolicies(run.resources.map((r) => ({
        urn: r.urn, type: r.type, name: r.name, props: r.inputs, parent: r.parent, dependencies: r.dependencies, protect: r.options.protect,
      })), { stack });
      assert.deepEqual(report.violations.filter((v) => v.level === "mandatory" && !(v.policy === "s3-bucket-encryption" && /access-logs/.test(v.urn))), [], stack);
    }
  });

  const bad: [string, Partial<DifyStorageArgs>, RegExp][] = [
    ["retention 0", { noncurrentVersionRetentionDays: 0 }, /args\.noncurrentVersionRetentionDays: got 0, allowed an integer from 1 to 3650 \(days\)/],
    ["fractional retention", { noncurrentVersionRetentionDays: 1.5 }, /noncurrentVersionRetentionDays.*got 1\.5/],
    ["forceDestroy on a protected stack", { forceDestroy: true }, /args\.forceDestroy: got true, allowed false while args\.protect is true/],
    ["key window 3", { kmsKeyDeletionWindowDays: 3 }, /args\.kmsKeyDeletionWindowDays: got 3, allowed an integer from 7 to 30/],
  ];
  for (const [what, patch, msg] of bad) {
    it(`refuses ${what} with a clear message and registers nothing`, async () => {
      const run = await runUnderMocks(() => {
        try {
          new DifyStorage("prod", { ...base, ...patch });
          return undefined;
        } catch (e) {
          return (e as Error).message;
        }
      });
      assert.match(String(run.value), msg);
      assert.match(String(run.value), /^DifyStorage "prod": /);
      assert.equal(run.resources.length, 0);
    });
  }
});
