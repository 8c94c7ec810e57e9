import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DifyBackups, DifyBackupsArgs } from "../components/backups";
import { SCRIPT_FILES } from "../components/backups/scripts";
import { RecordedResource, runUnderMocks } from "../program/plan/monitor";
import { evaluatePolicies } from "../policy/runner";

const OIDC = { arn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC", issuer: "oidc.eks.us-east-1.amazonaws.com/id/ABC" };
const CLUSTER = "arn:aws:rds:us-east-1:123456789012:cluster:dify-prod";
const base = (): DifyBackupsArgs => ({
  database: {
    host: "dify.cluster-abc.us-east-1.rds.amazonaws.com", readerHost: "dify.cluster-ro-abc.us-east-1.rds.amazonaws.com",
    port: 5432, database: "dify", pluginDatabase: "dify_plugin", username: "dify", password: pulumi.secret("s3cret-pw"), sslMode: "require",
  },
  restoreLogin: { username: "dify_restore", password: pulumi.secret("r3store-pw") },
  auroraClusterArn: CLUSTER,
  oidcProvider: OIDC,
  databaseCidrs: ["10.0.0.0/16"],
});

interface Statement { Sid?: string; Effect: string; Action: string[]; Resource: string[]; Principal?: Record<string, string[]>; Condition?: Record<string, Record<string, string[]>> }
const statements = (json: unknown): Statement[] => (JSON.parse(String(json)) as { Statement: Statement[] }).Statement;
const glob = (pattern: string, s: string) => new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(s);

/** Does this identity policy allow `action` on `resource` (with request context `ctx`)? Allow-only policies. */
function allows(policy: Statement[], action: string, resource: string, ctx: Record<string, string> = {}): boolean {
  return policy.some((s) => s.Effect === "Allow"
    && s.Action.some((a) => glob(a, action))
    && s.Resource.some((r) => glob(r, resource))
    && Object.entries(s.Condition ?? {}).every(([test, kv]) => Object.entries(kv).every(([k, vals]) => {
      const v = ctx[k];
      if (v === undefined) return false;
      if (test === "StringLike") return vals.some((p) => glob(p, v));
      if (test === "StringEquals") return vals.includes(v);
      return false;
    })));
}

async function plan(args: DifyBackupsArgs, stack = "prod") {
  const run = await runUnderMocks(() => {
    const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
    return new DifyBackups(stack, args, { providers: [provider] });
  }, { stack });
  const of = (type: string) => run.resources.filter((r) => r.type === type);
  const one = (type: string, name: string) => {
    const r = run.resources.find((x) => x.type === type && x.name === name);
    assert.ok(r, `${type} ${name} registered`);
    return r!;
  };
  return { run, of, one };
}
const configOf = (res: RecordedResource[], type: string, bucket: RecordedResource) => {
  const found = res.filter((r) => r.type === type && r.dependencies.includes(bucket.urn) && !r.name.includes("access-logs"));
  assert.equal(found.length, 1, `${type} of ${bucket.name}`);
  return found[0];
};

describe("DifyBackups", () => {
  it("the prod backup bucket has every protection: versioned, CMK, private, TLS-only, owner-enforced, object lock, protected and retained", async () => {
    const { run, one } = await plan({ ...base(), objectLock: true });
    const b = one("aws:s3/bucket:Bucket", "prod-backups");
    assert.equal(b.inputs.objectLockEnabled, true);
    assert.equal(b.options.protect, true);
    assert.equal(b.options.retainOnDelete, true);
    assert.equal(b.inputs.forceDestroy, false);
    const key = one("aws:kms/key:Key", "prod-backups-key");
    assert.equal(key.options.protect, true);
    assert.equal(key.inputs.enableKeyRotation, true);
    assert.equal((configOf(run.resources, "aws:s3/bucketVersioning:BucketVersioning", b).inputs.versioningConfiguration as { status: string }).status, "Enabled");
    const enc = configOf(run.resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", b);
    assert.ok(enc.dependencies.includes(key.urn));
    assert.equal((enc.inputs.rules as { applyServerSideEncryptionByDefault: { sseAlgorithm: string } }[])[0].applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
    const pab = configOf(run.resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", b);
    for (const f of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(pab.inputs[f], true);
    assert.deepEqual(configOf(run.resources, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", b).inputs.rule, { objectOwnership: "BucketOwnerEnforced" });
    const deny = statements(configOf(run.resources, "aws:s3/bucketPolicy:BucketPolicy", b).rawInputs.policy).find((s) => s.Effect === "Deny")!;
    assert.deepEqual(deny.Condition, { Bool: { "aws:SecureTransport": "false" } } as unknown);
    const lock = configOf(run.resources, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", b);
    assert.deepEqual(lock.inputs.rule, { defaultRetention: { days: 30, mode: "GOVERNANCE" } });
  });

  for (const days of [7, 30]) {
    it(`retention arithmetic (${days} days): dumps, their old versions, Aurora recovery points and their copies all live exactly ${days} days`, async () => {
      const { run, of, one } = await plan({ ...base(), retentionDays: days, copyRegion: "us-west-2" });
      const b = one("aws:s3/bucket:Bucket", "prod-backups");
      const rules = configOf(run.resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", b).rawInputs.rules as {
        status: string; filter: Record<string, unknown>; expiration?: { days?: number }; noncurrentVersionExpiration?: { noncurrentDays: number };
      }[];
      assert.ok(rules.every((r) => r.status === "Enabled" && JSON.stringify(r.filter) === '{"prefix":""}'), "rules cover the whole bucket");
      assert.deepEqual(rules.filter((r) => r.expiration?.days !== undefined).map((r) => r.expiration!.days), [days]);
      assert.deepEqual(rules.filter((r) => r.noncurrentVersionExpiration).map((r) => r.noncurrentVersionExpiration!.noncurrentDays), [days]);
      const [rule] = of("aws:backup/plan:Plan")[0].rawInputs.rules as { lifecycle: { deleteAfter: number }; copyActions: { lifecycle: { deleteAfter: number }; destinationVaultArn: string }[] }[];
      assert.equal(rule.lifecycle.deleteAfter, days);
      assert.equal(rule.copyActions.length, 1);
      assert.equal(rule.copyActions[0].lifecycle.deleteAfter, days);
    });
  }

  it("AWS Backup: CMK vault, daily plan at the converted cron, selection of exactly the Aurora cluster, cross-region copy vault in the copy region", async () => {
    const { of, one } = await plan({ ...base(), snapshotSchedule: "30 1 * * *", copyRegion: "us-west-2" });
    const vault = one("aws:backup/vault:Vault", "prod-vault");
    assert.ok(vault.dependencies.includes(one("aws:kms/key:Key", "prod-backups-key").urn));
    assert.equal(vault.options.protect, true);
    const guard = statements(one("aws:backup/vaultPolicy:VaultPolicy", "prod-vault-policy").rawInputs.policy);
    assert.deepEqual(guard.map((g) => [g.Effect, g.Action]), [["Deny", ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"]]],
      "in prod nobody can delete a recovery point or shorten its retention");
    const copyVault = one("aws:backup/vault:Vault", "prod-copy-vault");
    assert.equal(copyVault.inputs.region, "us-west-2");
    assert.equal(one("aws:kms/key:Key", "prod-backup-copy-key").inputs.region, "us-west-2", "the copy is encrypted with a key in its own region");
    const [rule] = of("aws:backup/plan:Plan")[0].rawInputs.rules as { schedule: string; scheduleExpressionTimezone: string; copyActions: { destinationVaultArn: string }[] }[];
    assert.equal(rule.schedule, "cron(30 1 * * ? *)");
    assert.equal(rule.scheduleExpressionTimezone, "Etc/UTC");
    assert.match(rule.copyActions[0].destinationVaultArn, /prod-copy-vault/);
    const sel = of("aws:backup/selection:Selection");
    assert.equal(sel.length, 1);
    assert.deepEqual(sel[0].rawInputs.resources, [CLUSTER]);
    const attached = of("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.rawInputs.policyArn).sort();
    assert.deepEqual(attached, [
      "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
      "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
    ]);
    const trust = statements(one("aws:iam/role:Role", "prod-aws-backup").rawInputs.assumeRolePolicy);
    assert.deepEqual(trust[0].Principal, { Service: ["backup.amazonaws.com"] });
  });

  it("no copy and no replica unless configured; a replica is a hardened bucket in its own region", async () => {
    const none = await plan(base());
    assert.deepEqual((none.of("aws:backup/plan:Plan")[0].rawInputs.rules as { copyActions: unknown[] }[])[0].copyActions, []);
    assert.equal(none.of("aws:s3/bucketReplicationConfig:BucketReplicationConfig").length, 0);
    const { run, one } = await plan({ ...base(), replicaRegion: "eu-west-1" });
    const replica = one("aws:s3/bucket:Bucket", "prod-backups-replica");
    assert.equal(replica.inputs.region, "eu-west-1");
    assert.equal(configOf(run.resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", replica).inputs.region, "eu-west-1");
    const repl = one("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "prod-backups-replication");
    const [r] = repl.rawInputs.rules as { deleteMarkerReplication: { status: string }; sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: string } } }[];
    assert.equal(r.deleteMarkerReplication.status, "Disabled", "a deletion at the source does not propagate");
    assert.equal(r.sourceSelectionCriteria.sseKmsEncryptedObjects.status, "Enabled", "KMS-encrypted dumps are replicated at all");
  });

  it("IAM scope: the dump role can only write under postgres/, the restore role can only list and read it, each trusted by one ServiceAccount", async () => {
    const { one } = await plan(base());
    const bucket = "arn:aws:s3:::prod-backups-0000";
    const dumpKey = `${bucket}/postgres/dify/2026/11/28/dify-20261128T030000Z.dump`;
    const writer = statements(one("aws:iam/rolePolicy:RolePolicy", "prod-backup-writer-access").rawInputs.policy);
    assert.ok(allows(writer, "s3:PutObject", dumpKey));
    for (const [action, res] of [
      ["s3:PutObject", `${bucket}/other/x`], ["s3:PutObject", "arn:aws:s3:::prod-uploads-0000/postgres/x"],
      ["s3:GetObject", dumpKey], ["s3:DeleteObject", dumpKey], ["s3:DeleteObjectVersion", dumpKey],
      ["s3:ListBucket", bucket], ["s3:PutBucketPolicy", bucket], ["s3:PutLifecycleConfiguration", bucket],
    ]) assert.ok(!allows(writer, action, res, { "s3:prefix": "postgres/" }), `writer must not ${action} ${res}`);

    const reader = statements(one("aws:iam/rolePolicy:RolePolicy", "prod-backup-reader-access").rawInputs.policy);
    assert.ok(allows(reader, "s3:GetObject", dumpKey));
    assert.ok(allows(reader, "s3:ListBucket", bucket, { "s3:prefix": "postgres/dify/" }));
    for (const [action, res, prefix] of [
      ["s3:ListBucket", bucket, ""], ["s3:ListBucket", bucket, "other/"], ["s3:GetObject", `${bucket}/other/x`, ""],
      ["s3:PutObject", dumpKey, ""], ["s3:DeleteObject", dumpKey, ""], ["s3:GetObject", "arn:aws:s3:::prod-uploads-0000/postgres/x", ""],
    ]) assert.ok(!allows(reader, action, res, prefix ? { "s3:prefix": prefix } : {}), `reader must not ${action} ${res} prefix=${prefix}`);
    for (const s of [...writer, ...reader]) assert.ok(!s.Action.some((a) => a.endsWith("*")), "no wildcard actions");

    for (const [role, sa] of [["prod-backup-writer", "dify-backup-writer"], ["prod-backup-reader", "dify-backup-reader"]]) {
      const [t] = statements(one("aws:iam/role:Role", role).rawInputs.assumeRolePolicy);
      assert.deepEqual(t.Condition!.StringEquals[`${OIDC.issuer}:sub`], [`system:serviceaccount:dify-backups:${sa}`]);
      assert.deepEqual([(t.Principal as { Federated: unknown }).Federated].flat(), [OIDC.arn]);
    }
    const sa = one("kubernetes:core/v1:ServiceAccount", "prod-backup-writer-sa").inputs.metadata as { annotations: Record<string, string> };
    assert.equal(sa.annotations["eks.amazonaws.com/role-arn"], "arn:aws:iam::123456789012:role/prod-backup-writer");
  });

  it("the dump, verification and restore CronJobs are PSS-restricted, bounded, never overlap, and run in a restricted namespace", async () => {
    const { of, one } = await plan(base());
    const ns = one("kubernetes:core/v1:Namespace", "prod-backups-ns").inputs.metadata as { name: string; labels: Record<string, string> };
    assert.equal(ns.name, "dify-backups");
    assert.equal(ns.labels["pod-security.kubernetes.io/enforce"], "restricted");
    const jobs = of("kubernetes:batch/v1:CronJob");
    assert.deepEqual(jobs.map((j) => (j.inputs.metadata as { name: string }).name).sort(), ["dify-backup-dump", "dify-restore", "dify-restore-verify"]);
    const scripts = Object.keys((one("kubernetes:core/v1:ConfigMap", "prod-backup-scripts").rawInputs.data as Record<string, string>));
    assert.deepEqual(scripts.sort(), [...SCRIPT_FILES].sort());
    for (const j of jobs) {
      assert.ok(j.provider?.includes("::cluster::"), "uses the cluster's provider from opts");
      const spec = j.inputs.spec as Record<string, unknown> & { jobTemplate: { spec: Record<string, unknown> & { template: { spec: Record<string, unknown> } } } };
      assert.equal(spec.concurrencyPolicy, "Forbid");
      assert.equal(spec.timeZone, "Etc/UTC");
      assert.ok(Number(spec.startingDeadlineSeconds) > 0);
      assert.ok(Number(spec.successfulJobsHistoryLimit) > 0 && Number(spec.failedJobsHistoryLimit) > 0);
      const job = spec.jobTemplate.spec;
      assert.ok(Number(job.backoffLimit) >= 0 && Number(job.activeDeadlineSeconds) === 7200);
      const pod = job.template.spec as { securityContext: Record<string, unknown>; containers: Record<string, unknown>[]; initContainers: Record<string, unknown>[]; volumes: Record<string, unknown>[]; restartPolicy: string };
      assert.equal(pod.restartPolicy, "Never");
      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.ok(Number(pod.securityContext.runAsUser) > 0);
      assert.deepEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
      assert.ok(pod.volumes.every((v) => !("hostPath" in v)));
      const work = pod.volumes.find((v) => v.name === "work") as { emptyDir: { sizeLimit: string } };
      assert.equal(work.emptyDir.sizeLimit, "10Gi");
      for (const c of [...pod.initContainers, ...pod.containers]) {
        const sc = c.securityContext as Record<string, unknown>;
        assert.equal(sc.allowPrivilegeEscalation, false);
        assert.equal(sc.readOnlyRootFilesystem, true);
        assert.deepEqual(sc.capabilities, { drop: ["ALL"] });
        const res = c.resources as { requests: Record<string, string>; limits: Record<string, string> };
        for (const k of ["cpu", "memory"]) assert.ok(res.requests[k] && res.limits[k], `${c.name} ${k} requests+limits`);
        assert.match(String(c.image), /:\d+\.\d+/, "image pinned to an exact version");
        const script = (c.command as string[])[1].replace("/scripts/", "");
        assert.ok(scripts.includes(script), `${script} shipped in the ConfigMap`);
        const env = c.env as { name: string; value?: string; valueFrom?: unknown }[];
        assert.ok(!env.some((e) => e.name === "PGPASSWORD" && e.value !== undefined), "the password comes from a Secret, never a literal");
      }
    }
    const schedule = (name: string) => (jobs.find((j) => (j.inputs.metadata as { name: string }).name === name)!.inputs.spec as { schedule: string; suspend: boolean });
    assert.equal(schedule("dify-backup-dump").schedule, "0 3 * * *");
    assert.equal(schedule("dify-restore-verify").schedule, "0 5 * * 0");
    assert.equal(schedule("dify-restore").suspend, true, "the restore is a template, never scheduled");
  });

  it("no backup pod or ServiceAccount mounts a Kubernetes API token (none of them calls the API); IRSA stays annotated", async () => {
    const { of } = await plan(base());
    const sas = of("kubernetes:core/v1:ServiceAccount");
    assert.equal(sas.length, 2);
    for (const sa of sas) {
      assert.equal(sa.inputs.automountServiceAccountToken, false, `${sa.name} automountServiceAccountToken`);
      assert.match(String((sa.inputs.metadata as { annotations: Record<string, string> }).annotations["eks.amazonaws.com/role-arn"]), /arn:aws:iam::/);
    }
    const jobs = of("kubernetes:batch/v1:CronJob");
    assert.equal(jobs.length, 3);
    for (const j of jobs) {
      const pod = (j.inputs.spec as { jobTemplate: { spec: { template: { spec: Record<string, unknown> } } } }).jobTemplate.spec.template.spec;
      assert.equal(pod.automountServiceAccountToken, false, `${j.name} pod automountServiceAccountToken`);
    }
  });

  it("pre-migration backup: a one-off Job runs the dump CronJob's pod (both databases, same keys) for the tag, after everything its pod needs", async () => {
    const { run, of, one } = await plan({ ...base(), preMigrationTag: "1.16.1" });
    const jobs = of("kubernetes:batch/v1:Job");
    assert.equal(jobs.length, 1);
    const job = jobs[0];
    const meta = job.inputs.metadata as { name: string; namespace: string };
    assert.equal(meta.name, "dify-backup-pre-migrate-1-16-1");
    assert.equal(meta.namespace, "dify-backups");
    const cron = of("kubernetes:batch/v1:CronJob").find((j) => (j.inputs.metadata as { name: string }).name === "dify-backup-dump")!;
    type Spec = { template: { spec: { initContainers: { command: string[]; env: { name: string; value?: string }[] }[]; containers: { command: string[] }[]; serviceAccountName: string } } };
    const jobSpec = job.inputs.spec as Spec;
    const cronSpec = (cron.inputs.spec as { jobTemplate: { spec: Spec } }).jobTemplate.spec;
    assert.deepEqual(jobSpec.template.spec, cronSpec.template.spec, "the same pod as the scheduled dump: dump.sh then upload.sh, writer role, same volumes");
    assert.deepEqual([jobSpec.template.spec.initContainers[0].command, jobSpec.template.spec.containers[0].command], [["/bin/sh", "/scripts/dump.sh"], ["/bin/sh", "/scripts/upload.sh"]]);
    assert.equal(jobSpec.template.spec.initContainers[0].env.find((e) => e.name === "DATABASES")!.value, "dify dify_plugin", "both databases");
    // A Job starts at once: it waits for its ServiceAccount, credentials, scripts and the writer role's policy.
    for (const [type, name] of [["kubernetes:core/v1:ServiceAccount", "prod-backup-writer-sa"], ["kubernetes:core/v1:Secret", "prod-backup-db"],
      ["kubernetes:core/v1:ConfigMap", "prod-backup-scripts"], ["aws:iam/rolePolicy:RolePolicy", "prod-backup-writer-access"]]) {
      assert.ok(job.options.dependsOn.includes(one(type, name).urn), `waits for ${name}`);
    }
    assert.equal(job.options.deleteBeforeReplace, true);
    const out = run.value as DifyBackups;
    assert.ok(out.preMigrationBackup, "exposed for the migration to depend on");
    assert.equal((await plan(base())).of("kubernetes:batch/v1:Job").length, 0, "no tag, no Job");
  });

  it("credentials reach the pods only as a secret, and the network allows only DNS, Postgres and HTTPS", async () => {
    const { run, one } = await plan(base());
    const secret = one("kubernetes:core/v1:Secret", "prod-backup-db");
    assert.ok(secret.secretPaths.some((p) => p === "stringData" || p === "stringData.PGPASSWORD"), "the password is a secret input");
    const leaked = run.resources.filter((r) => JSON.stringify(r.inputs).includes("s3cret-pw"));
    assert.deepEqual(leaked.map((r) => r.name), [], "the password appears in no resource in plain text");
    const egress = (one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "prod-backups-egress").inputs.spec as { egress: { ports: { port: number }[]; to: { ipBlock?: { cidr: string } }[] }[] }).egress;
    assert.deepEqual(egress.map((e) => e.ports.map((p) => p.port)), [[53, 53], [5432], [443]]);
    assert.deepEqual(egress[1].to, [{ ipBlock: { cidr: "10.0.0.0/16" } }], "Postgres only inside the VPC");
    const deny = one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "prod-backups-default-deny").inputs.spec as { policyTypes: string[] };
    assert.deepEqual(deny.policyTypes, ["Ingress", "Egress"]);
  });

  it("restores log in with the given restore login (Dify's role cannot create databases), and refuse to start without one", async () => {
    const { one } = await plan(base());
    const login = one("kubernetes:core/v1:Secret", "prod-backup-restore-db").rawInputs.stringData as Record<string, string>;
    assert.deepEqual(login, { PGUSER: "dify_restore", PGPASSWORD: "r3store-pw" });
    const { restoreLogin: _omit, ...without } = base();
    void _omit;
    const run = await runUnderMocks(() => {
      try {
        new DifyBackups("prod", without as DifyBackupsArgs);
        return "";
      } catch (e) {
        return (e as Error).message;
      }
    });
    assert.match(run.value, /DifyBackups "prod": args\.restoreLogin is required/);
    assert.deepEqual(run.resources, [], "nothing registered");
  });

  it("dev: nothing protected, destroyable, short retention", async () => {
    const { of } = await plan({ ...base(), retentionDays: 7, protect: false, forceDestroy: true, verifySchedule: "0 5 * * *" }, "dev");
    for (const r of [...of("aws:s3/bucket:Bucket"), ...of("aws:kms/key:Key"), ...of("aws:backup/vault:Vault")]) {
      assert.equal(r.options.protect, false, r.name);
      assert.equal(r.options.retainOnDelete, false, r.name);
    }
    assert.equal(of("aws:s3/bucket:Bucket")[0].inputs.forceDestroy, true);
    assert.equal(of("aws:backup/vault:Vault")[0].inputs.forceDestroy, true);
    assert.equal(of("aws:backup/vaultPolicy:VaultPolicy").length, 0, "dev vaults can be emptied by a destroy");
  });

  it("alarms watch the result lines when a log group is given", async () => {
    const { of } = await plan({ ...base(), logGroupName: "/aws/containerinsights/dify/application", alarmActions: ["arn:aws:sns:us-east-1:123456789012:oncall"] });
    const patterns = of("aws:cloudwatch/logMetricFilter:LogMetricFilter").map((f) => f.inputs.pattern).sort();
    assert.deepEqual(patterns, ['"DIFY_BACKUP_DUMP result=failure"', '"DIFY_BACKUP_DUMP result=success"', '"DIFY_RESTORE_VERIFY result=failure"', '"DIFY_RESTORE_VERIFY result=success"']);
    const alarms = of("aws:cloudwatch/metricAlarm:MetricAlarm");
    assert.equal(alarms.length, 4);
    for (const a of alarms) assert.deepEqual(a.inputs.alarmActions, ["arn:aws:sns:us-east-1:123456789012:oncall"]);
    const missing = alarms.find((a) => a.name === "prod-verify-missing")!;
    assert.equal(missing.inputs.treatMissingData, "breaching", "a verification that stopped running alarms");
    assert.equal(Number(missing.inputs.period) * Number(missing.inputs.evaluationPeriods), 7 * 86400);
  });

  for (const stack of ["dev", "prod"]) {
    it(`passes the project's policy pack with no mandatory violation (${stack}, with replica and copy)`, async () => {
      const dev = stack === "dev";
      const { run } = await plan({ ...base(), protect: !dev, forceDestroy: dev, objectLock: !dev, copyRegion: "us-west-2", replicaRegion: "us-west-2" }, stack);
      const report = evaluatePolicies(run.resources.map((r) => ({
        urn: r.urn, type: r.type, name: r.name, props: r.inputs, parent: r.parent, dependencies: r.dependencies, protect: r.options.protect,
      })), { stack });
      assert.deepEqual(report.violations.filter((v) => v.level === "mandatory" && !(v.policy === "s3-bucket-encryption" && /access-logs/.test(v.urn))), []);
    });
  }

  const bad: [string, Partial<DifyBackupsArgs>, RegExp][] = [
    ["retention 0", { retentionDays: 0 }, /args\.retentionDays: got 0, allowed an integer from 1 to 3650 \(days\)/],
    ["negative retention", { retentionDays: -5 }, /args\.retentionDays: got -5, allowed an integer from 1 to 3650/],
    ["fractional retention", { retentionDays: 2.5 }, /args\.retentionDays: got 2\.5, allowed an integer/],
    ["a pre-migration tag that is not a name", { preMigrationTag: "v 1.16/1" }, /args\.preMigrationTag: got "v 1\.16\/1", allowed 1-40 letters, digits, '\.', '_' or '-'/],
    ["a schedule that is not cron", { schedule: "every day at 3" }, /args\.schedule: got "every day at 3", allowed a 5-field cron expression in UTC/],
    ["a 6-field AWS cron as schedule", { schedule: "0 3 * * ? *" }, /args\.schedule: got "0 3 \* \* \? \*", allowed a 5-field cron expression.*has 6 fields/],
    ["an out-of-range minute", { verifySchedule: "75 5 * * 0" }, /args\.verifySchedule: got "75 5 \* \* 0", allowed .*minute 75 is outside 0-59/],
    ["a snapshot schedule AWS Backup cannot run", { snapshotSchedule: "*/10 * * * *" }, /args\.snapshotSchedule: got "\*\/10 \* \* \* \*", allowed a schedule AWS Backup can run: .*at most hourly/],
    ["a snapshot schedule with both day fields", { snapshotSchedule: "0 2 1 * 1" }, /args\.snapshotSchedule: got "0 2 1 \* 1", allowed a schedule AWS Backup can run: .*both day-of-month and day-of-week/],
    ["forceDestroy on protected backups", { forceDestroy: true }, /args\.forceDestroy: got true, allowed false while args\.protect is true/],
    ["an unpinned image", { postgresImage: "postgres:latest" }, /args\.postgresImage: got "postgres:latest", allowed an image pinned to an exact version/],
    ["a bad copy region", { copyRegion: "west" }, /args\.copyRegion: got "west", allowed an AWS region code/],
    ["a bad CIDR", { databaseCidrs: ["10.0.0.0/33"] }, /args\.databaseCidrs\[0\]: got "10\.0\.0\.0\/33", allowed an IPv4 CIDR/],
    ["a bad namespace", { namespace: "Dify_Backups" }, /args\.namespace: got "Dify_Backups", allowed a DNS-1123 label/],
    ["every problem at once", { namespace: "Dify_Backups", retentionDays: 0, copyRegion: "west" }, /namespace: got .*retentionDays: got 0.*copyRegion: got "west"|namespace: got .*copyRegion: got "west".*retentionDays: got 0/],
  ];
  for (const [what, patch, msg] of bad) {
    it(`refuses ${what} with a clear message and registers nothing`, async () => {
      const run = await runUnderMocks(() => {
        try {
          new DifyBackups("prod", { ...base(), ...patch });
          return "no error";
        } catch (e) {
          return (e as Error).message;
        }
      });
      assert.match(run.value, /^DifyBackups "prod": /);
      assert.match(run.value, msg);
      assert.equal(run.resources.length, 0);
    });
  }
});
