// S3 server access logging (issue 13 item 6): every data bucket (uploads, plugins, backups and the
// prod replica) logs every request to a dedicated log bucket in its own region, kept for a set time.
import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DifyBackups } from "../components/backups";
import { DifyStorage } from "../components/storage";
import { RecordedResource, runUnderMocks } from "../program/plan/monitor";
import { loadPolicyConfig } from "../policy/runner";

const OIDC = { arn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC", issuer: "oidc.eks.us-east-1.amazonaws.com/id/ABC" };

interface Statement { Sid: string; Effect: string; Principal: Record<string, string>; Action: string; Resource: string | string[]; Condition: Record<string, Record<string, unknown>> }

/** For each source bucket: its BucketLogging, the target bucket, and the target's settings. */
function loggingOf(rs: RecordedResource[], source: RecordedResource) {
  const logging = rs.filter((r) => r.type === "aws:s3/bucketLogging:BucketLogging" && r.dependencies.includes(source.urn));
  assert.equal(logging.length, 1, `${source.name} has server access logging`);
  const target = rs.find((r) => r.type === "aws:s3/bucket:Bucket" && r.urn !== source.urn && logging[0].dependencies.includes(r.urn))!;
  assert.ok(target, `${source.name}'s log bucket`);
  const cfg = (type: string) => rs.find((r) => r.type === type && r.dependencies.includes(target.urn))!;
  return { logging: logging[0], target, cfg };
}

function assertLogTarget(rs: RecordedResource[], source: RecordedResource, prefix: string, days: number) {
  const { logging, target, cfg } = loggingOf(rs, source);
  assert.equal(logging.rawInputs.targetPrefix, prefix);
  // Same region as the source (S3 delivers only within a region).
  assert.equal(target.rawInputs.region, source.rawInputs.region, `${target.name} in ${source.name}'s region`);
  assert.equal(logging.rawInputs.region, source.rawInputs.region);
  // SSE-S3: S3 does not deliver server access logs to SSE-KMS buckets.
  const enc = cfg("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
  assert.deepEqual((enc.rawInputs.rules as { applyServerSideEncryptionByDefault: unknown }[])[0].applyServerSideEncryptionByDefault, { sseAlgorithm: "AES256" });
  const life = cfg("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
  assert.equal((life.rawInputs.rules as { expiration: { days: number } }[])[0].expiration.days, days, "retention");
  const pab = cfg("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
  for (const f of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(pab.rawInputs[f], true);
  const st = (JSON.parse(String(cfg("aws:s3/bucketPolicy:BucketPolicy").rawInputs.policy)) as { Statement: Statement[] }).Statement;
  const put = st.find((s) => s.Sid === "S3ServerAccessLogDelivery")!;
  assert.deepEqual(put.Principal, { Service: "logging.s3.amazonaws.com" });
  assert.equal(put.Action, "s3:PutObject");
  assert.deepEqual(put.Condition.StringEquals, { "aws:SourceAccount": "123456789012" });
  assert.equal((put.Condition.ArnLike["aws:SourceArn"] as string[]).length > 0, true, "only the listed source buckets");
  assert.ok(st.some((s) => s.Sid === "DenyInsecureTransport" && s.Effect === "Deny"));
  return target;
}

describe("S3 server access logging", () => {
  it("DifyStorage: uploads and plugins log to one access-log bucket in their region (SSE-S3, expiring, only S3 logging may write)", async () => {
    const run = await runUnderMocks(() => new DifyStorage("prod", { oidcProvider: OIDC, namespace: "dify", accessLogRetentionDays: 90 }), { stack: "prod" });
    const b = (n: string) => run.resources.find((r) => r.type === "aws:s3/bucket:Bucket" && r.name === n)!;
    const t1 = assertLogTarget(run.resources, b("prod-uploads"), "uploads/", 90);
    const t2 = assertLogTarget(run.resources, b("prod-plugins"), "plugins/", 90);
    assert.equal(t1.urn, t2.urn);
    assert.equal(t1.name, "prod-access-logs");
    assert.equal(t1.options.retainOnDelete, true, "prod keeps the audit trail");
  });

  it("DifyBackups: the dump bucket logs in its region, the replica to a log bucket in the replica's region", async () => {
    const run = await runUnderMocks(() => {
      const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
      return new DifyBackups("prod", {
        database: { host: "h", readerHost: "r", port: 5432, database: "dify", pluginDatabase: "dify_plugin", username: "dify", password: pulumi.secret("pw"), sslMode: "require" },
        restoreLogin: { username: "dify_restore", password: pulumi.secret("rpw") },
        auroraClusterArn: "arn:aws:rds:us-east-1:123456789012:cluster:dify-prod", oidcProvider: OIDC, databaseCidrs: ["10.0.0.0/16"],
        replicaRegion: "eu-west-1", accessLogRetentionDays: 30,
      }, { providers: [provider] });
    }, { stack: "prod" });
    const b = (n: string) => run.resources.find((r) => r.type === "aws:s3/bucket:Bucket" && r.name === n)!;
    assert.equal(assertLogTarget(run.resources, b("prod-backups"), "backups/", 30).name, "prod-backups-access-logs");
    const replicaTarget = assertLogTarget(run.resources, b("prod-backups-replica"), "backups-replica/", 30);
    assert.equal(replicaTarget.name, "prod-backups-replica-access-logs");
    assert.equal(replicaTarget.rawInputs.region, "eu-west-1");
  });

  it("optional CloudTrail trail of the backup bucket's data events, delivered to its access-log bucket after the bucket policy allows it", async () => {
    const build = (trail: boolean) => runUnderMocks(() => {
      const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
      return new DifyBackups("prod", {
        database: { host: "h", readerHost: "r", port: 5432, database: "dify", pluginDatabase: "dify_plugin", username: "dify", password: pulumi.secret("pw"), sslMode: "require" },
        restoreLogin: { username: "dify_restore", password: pulumi.secret("rpw") },
        auroraClusterArn: "arn:aws:rds:us-east-1:123456789012:cluster:dify-prod", oidcProvider: OIDC, databaseCidrs: ["10.0.0.0/16"],
        dataEventsTrail: trail,
      }, { providers: [provider] });
    }, { stack: "prod" });
    assert.equal((await build(false)).resources.filter((r) => r.type === "aws:cloudtrail/trail:Trail").length, 0, "off by default");
    const rs = (await build(true)).resources;
    const trail = rs.find((r) => r.type === "aws:cloudtrail/trail:Trail")!;
    const logs = rs.find((r) => r.type === "aws:s3/bucket:Bucket" && r.name === "prod-backups-access-logs")!;
    const policy = rs.find((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy" && r.name === "prod-backups-access-logs-policy")!;
    assert.equal(trail.rawInputs.name, "prod-backups-data-events");
    assert.ok(trail.dependencies.includes(logs.urn) && trail.options.dependsOn.includes(policy.urn), "CloudTrail checks the bucket policy at creation");
    assert.equal(trail.rawInputs.s3KeyPrefix, "cloudtrail");
    assert.equal(trail.rawInputs.enableLogFileValidation, true);
    const sel = (trail.rawInputs.eventSelectors as { includeManagementEvents: boolean; readWriteType: string; dataResources: { type: string; values: string[] }[] }[])[0];
    assert.deepEqual([sel.includeManagementEvents, sel.readWriteType, sel.dataResources[0].type], [false, "All", "AWS::S3::Object"]);
    assert.match(sel.dataResources[0].values[0], /\/$/, "every object of the backup bucket");
    const st = (JSON.parse(String(policy.rawInputs.policy)) as { Statement: Statement[] }).Statement;
    const write = st.find((x) => x.Sid === "CloudTrailWrite")!;
    assert.match(String(write.Resource), /\/cloudtrail\/AWSLogs\/123456789012\/\*$/);
    assert.deepEqual(write.Condition.StringEquals, { "aws:SourceArn": "arn:aws:cloudtrail:us-east-1:123456789012:trail/prod-backups-data-events", "s3:x-amz-acl": "bucket-owner-full-control" });
  });

  it("prod's pack config waives only the KMS requirement, only for the three access-log buckets, with a reason", () => {
    const exceptions = loadPolicyConfig("prod")["policy-exceptions"] as { exceptions: { resourceName: string; policies: string[]; reason: string }[] };
    const logs = exceptions.exceptions.filter((e) => e.resourceName.endsWith("access-logs"));
    assert.deepEqual(logs.map((e) => e.resourceName).sort(), ["dify-access-logs", "dify-backups-access-logs", "dify-backups-replica-access-logs"]);
    for (const e of logs) {
      assert.deepEqual(e.policies, ["s3-bucket-encryption"]);
      assert.match(e.reason, /SSE-KMS is not supported/);
    }
  });
});
