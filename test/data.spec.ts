import { strict as assert } from "assert";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DifyApp } from "../components/app/dify-app";
import { DifyDatabaseHA, DifyDatabaseHAArgs, poolEnv, postgresConnectionOf, redisConnectionOf } from "../components/data";
import { evaluatePolicies } from "../policy/runner";
import { RecordedResource, resolve, runUnderMocks } from "../program/plan/monitor";

const SUBNETS = ["subnet-private-a", "subnet-private-b", "subnet-private-c"];
const T = {
  cluster: "aws:rds/cluster:Cluster",
  instance: "aws:rds/clusterInstance:ClusterInstance",
  params: "aws:rds/clusterParameterGroup:ClusterParameterGroup",
  redis: "aws:elasticache/replicationGroup:ReplicationGroup",
  key: "aws:kms/key:Key",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  job: "kubernetes:batch/v1:Job",
  k8sSecret: "kubernetes:core/v1:Secret",
  password: "random:index/randomPassword:RandomPassword",
};

const prodArgs = (over: Partial<DifyDatabaseHAArgs> = {}): DifyDatabaseHAArgs => ({
  vpcId: "vpc-123",
  subnetIds: SUBNETS,
  allowedSecurityGroupIds: ["sg-eks-nodes"],
  ...over,
});
// What the lead's dev preset should pass (README "dev vs prod").
const devArgs = (over: Partial<DifyDatabaseHAArgs> = {}): DifyDatabaseHAArgs => prodArgs({
  protect: false,
  applyImmediately: true,
  postgres: { instanceClass: "db.t4g.medium", readerCount: 0, backupRetentionDays: 7, performanceInsights: false, enhancedMonitoringInterval: 0 },
  redis: { nodeType: "cache.t4g.micro", replicaCount: 0, snapshotRetentionDays: 1 },
  connectionBudget: { apiReplicas: 2, workerReplicas: 2, pluginDaemonReplicas: 1 },
  ...over,
});

async function plan(args: DifyDatabaseHAArgs, withK8s = true, stack = "prod") {
  return runUnderMocks(() => {
    const provider = withK8s ? new k8s.Provider("k8s", { kubeconfig: "{}" }) : undefined;
    return new DifyDatabaseHA(stack, args, provider ? { providers: { kubernetes: provider } } : {});
  }, { stack });
}
const ofType = (rs: RecordedResource[], t: string) => rs.filter((r) => r.type === t);
const one = (rs: RecordedResource[], t: string) => {
  const found = ofType(rs, t);
  assert.equal(found.length, 1, `exactly one ${t}`);
  return found[0];
};

describe("DifyDatabaseHA prod plan", function () {
  let rs: RecordedResource[];
  before(async () => {
    rs = (await plan(prodArgs())).resources;
  });

  it("survives a zone loss: a writer and a reader in different AZs, failover to the reader first", () => {
    const instances = ofType(rs, T.instance);
    assert.ok(instances.length >= 2, "writer + at least one reader");
    const zones = instances.map((i) => i.inputs.availabilityZone);
    assert.equal(new Set(zones).size, instances.length, `instances spread over distinct AZs, got ${zones}`);
    for (const i of instances) {
      assert.equal(i.inputs.publiclyAccessible, false);
      assert.equal(i.inputs.instanceClass, "db.r7g.large");
      assert.equal(i.inputs.performanceInsightsEnabled, true);
      assert.equal(i.inputs.monitoringInterval, 60);
    }
    assert.deepEqual(instances.map((i) => i.inputs.promotionTier), [0, 0], "the cross-AZ reader is the first failover target");
  });

  it("keeps Postgres data: CMK-encrypted, deletion-protected, Pulumi-protected, final snapshot, 30-day PITR", () => {
    const cluster = one(rs, T.cluster);
    const key = one(rs, T.key);
    assert.equal(cluster.inputs.storageEncrypted, true);
    assert.match(String(cluster.inputs.kmsKeyId), /^arn:aws:kms:.*:key\//);
    assert.ok(cluster.dependencies.includes(key.urn), "encrypted with this stack's customer key");
    assert.equal(cluster.inputs.deletionProtection, true);
    assert.equal(cluster.options.protect, true);
    assert.equal(cluster.inputs.skipFinalSnapshot, false);
    assert.match(String(cluster.inputs.finalSnapshotIdentifier), /^prod-pg-final-/);
    assert.equal(cluster.inputs.deleteAutomatedBackups, false, "automated backups outlive the cluster");
    assert.equal(cluster.inputs.backupRetentionPeriod, 30);
    assert.equal(cluster.inputs.copyTagsToSnapshot, true);
    assert.equal(cluster.inputs.engine, "aurora-postgresql");
    assert.equal(cluster.inputs.engineVersion, "16");
    assert.equal(key.options.protect, true);
    assert.equal(key.options.retainOnDelete, true, "snapshots stay restorable after a stack delete");
    assert.equal(key.inputs.enableKeyRotation, true);
  });

  it("refuses non-TLS connections and logs slow queries, never DDL (which would log passwords)", () => {
    const params = Object.fromEntries(
      (one(rs, T.params).inputs.parameters as { name: string; value: string }[]).map((p) => [p.name, p.value]),
    );
    assert.equal(params["rds.force_ssl"], "1");
    assert.equal(params.log_min_duration_statement, "1000");
    assert.equal(params.log_statement, undefined);
    assert.equal(one(rs, T.params).inputs.family, "aurora-postgresql16");
  });

  it("Redis fails over across AZs with TLS, AUTH and CMK encryption, and keeps a final snapshot", () => {
    const g = one(rs, T.redis);
    assert.equal(g.inputs.automaticFailoverEnabled, true);
    assert.equal(g.inputs.multiAzEnabled, true);
    assert.ok((g.inputs.numCacheClusters as number) >= 2);
    const azs = g.inputs.preferredCacheClusterAzs as string[];
    assert.equal(new Set(azs).size, azs.length, "primary and replica in different AZs");
    assert.equal(g.inputs.transitEncryptionEnabled, true);
    assert.equal(g.inputs.transitEncryptionMode, "required");
    assert.equal(g.inputs.atRestEncryptionEnabled, true);
    assert.ok(g.dependencies.includes(one(rs, T.key).urn));
    assert.equal(g.inputs.authToken, "[secret]");
    assert.equal(g.inputs.engine, "valkey");
    assert.equal(g.inputs.snapshotRetentionLimit, 7);
    assert.equal(g.options.protect, true);
    assert.match(String(g.inputs.finalSnapshotIdentifier), /^prod-redis-final-/);
  });

  it("is reachable only from the allowed security group, on 5432 and 6379 only", () => {
    const rules = ofType(rs, T.ingress);
    assert.deepEqual(rules.map((r) => [r.inputs.referencedSecurityGroupId, r.inputs.fromPort, r.inputs.toPort]).sort(), [
      ["sg-eks-nodes", 5432, 5432],
      ["sg-eks-nodes", 6379, 6379],
    ]);
    for (const sg of ofType(rs, T.sg)) {
      assert.equal(sg.inputs.ingress, undefined, "no inline rules");
      assert.equal(sg.inputs.egress, undefined, "no egress: the default allow-all rule is removed");
    }
  });

  it("never holds a credential as a plain value", () => {
    const secrets = ofType(rs, T.password).map((p) => `mock-${p.name}-`);
    assert.equal(secrets.length, 4, "master, app role, restore role, AUTH token");
    const leaks: string[] = [];
    const walk = (v: unknown, path: string, r: RecordedResource) => {
      if (typeof v === "string") {
        if (secrets.some((s) => v.includes(s)) && !r.secretPaths.some((p) => path === p || path.startsWith(`${p}.`))) leaks.push(`${r.name}:${path}`);
      } else if (v && typeof v === "object") {
        for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k, r);
      }
    };
    for (const r of rs) walk(r.rawInputs, "", r);
    assert.deepEqual(leaks, []);
    const cluster = one(rs, T.cluster);
    assert.equal(cluster.inputs.masterPassword, "[secret]");
  });
});

describe("DifyDatabaseHA under the policy pack", () => {
  const asPlanned = (rs: RecordedResource[]) =>
    rs.map((r) => ({ urn: r.urn, type: r.type, name: r.name, props: r.inputs, parent: r.parent, dependencies: r.dependencies, protect: r.options.protect }));
  it("prod passes every policy, advisory ones included", async () => {
    const report = evaluatePolicies(asPlanned((await plan(prodArgs())).resources), { stack: "prod" });
    // policy-exceptions only reports that the sandbox exception has no DifyApp in this partial plan.
    assert.deepEqual(report.violations.filter((v) => v.policy !== "policy-exceptions").map((v) => `${v.policy}: ${v.message}`), []);
  });
  it("dev passes every mandatory policy (only deletion protection is knowingly off)", async () => {
    const report = evaluatePolicies(asPlanned((await plan(devArgs(), true, "dev")).resources), { stack: "dev" });
    assert.deepEqual(report.violations.filter((v) => v.level === "mandatory").map((v) => `${v.policy}: ${v.message}`), []);
  });
});

describe("DifyDatabaseHA dev plan", () => {
  it("is one small instance and one cache node, torn down freely", async () => {
    const { resources: rs } = await plan(devArgs(), true, "dev");
    const instances = ofType(rs, T.instance);
    assert.equal(instances.length, 1);
    assert.equal(instances[0].inputs.instanceClass, "db.t4g.medium");
    assert.equal(instances[0].inputs.performanceInsightsEnabled, false);
    assert.equal(ofType(rs, "aws:iam/role:Role").length, 0, "no enhanced-monitoring role when it is off");
    const cluster = one(rs, T.cluster);
    assert.equal(cluster.options.protect, false);
    assert.equal(cluster.inputs.deletionProtection, false);
    assert.equal(cluster.inputs.skipFinalSnapshot, true);
    assert.equal(cluster.inputs.finalSnapshotIdentifier, undefined);
    assert.equal(cluster.inputs.backupRetentionPeriod, 7);
    const g = one(rs, T.redis);
    assert.equal(g.inputs.numCacheClusters, 1);
    assert.equal(g.inputs.automaticFailoverEnabled, false);
    assert.equal(g.inputs.multiAzEnabled, false);
    assert.equal(g.inputs.transitEncryptionEnabled, true, "TLS and AUTH in dev too: same client settings");
    assert.equal(g.options.protect, false);
    assert.equal(one(rs, T.key).options.retainOnDelete, false);
    assert.ok(rs.every((r) => !r.options.protect), "nothing protected in dev");
  });

  it("can run on Aurora Serverless v2 instead", async () => {
    const { resources: rs, value } = await plan(devArgs({ postgres: { serverless: { minCapacity: 0.5, maxCapacity: 4 }, readerCount: 0 } }), false, "dev");
    assert.equal(one(rs, T.instance).inputs.instanceClass, "db.serverless");
    assert.deepEqual(one(rs, T.cluster).inputs.serverlessv2ScalingConfiguration, { minCapacity: 0.5, maxCapacity: 4 });
    assert.equal((await resolve(value.poolSettings)).value?.maxConnections, 811, "8 GiB at 4 ACU");
  });
});

describe("DifyDatabaseHA connection settings", () => {
  it("hand DifyApp's api, worker and plugin daemon these endpoints, with TLS on and secret passwords", async () => {
    const run = await runUnderMocks(() => {
      const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
      const db = new DifyDatabaseHA("prod", prodArgs(), { providers: { kubernetes: provider } });
      const pool = poolEnv({ maxConnections: 0, sqlalchemyPoolSize: 30, sqlalchemyMaxOverflow: 10, pgvectorMaxConnection: 5, pluginDbMaxOpenConns: 30, pluginDbMaxIdleConns: 10, worstCaseConnections: 0 });
      new DifyApp("dify", {
        domain: "dify.example.com",
        database: postgresConnectionOf(db),
        redis: redisConnectionOf(db),
        storage: { bucketName: "files", pluginBucketName: "plugins", region: "us-east-1", roleArn: "arn:aws:iam::123456789012:role/s3", pluginRoleArn: "arn:aws:iam::123456789012:role/s3-plugins" },
        vpcCidrs: ["10.0.0.0/16"],
        dataCidrs: ["10.0.32.0/20"],
        ingressSourceCidrs: ["10.0.0.0/20"],
        extraEnv: pool.api,
      }, { provider });
      return db;
    }, { stack: "prod" });
    const rs = run.resources;
    const cluster = one(rs, T.cluster);
    const clusterHost = `prod-pg-0000000.cluster-mock.us-east-1.rds.amazonaws.com`;
    const redisHost = "master.prod-redis-0000000.mock.use1.cache.amazonaws.com";
    assert.ok(cluster.urn);
    const cm = (suffix: string) => {
      const found = rs.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && String((r.inputs.metadata as { name: string }).name).endsWith(suffix));
      assert.ok(found, `ConfigMap *${suffix}`);
      return found.inputs.data as Record<string, string>;
    };
    const api = cm("api-config");
    assert.equal(api.DB_HOST, clusterHost, "plain host, readable in the plan");
    assert.equal(api.DB_DATABASE, "dify");
    assert.equal(api.DB_USERNAME, "dify");
    assert.equal(api.DB_EXTRAS, "sslmode=require");
    assert.equal(api.PGVECTOR_HOST, clusterHost);
    assert.equal(api.REDIS_HOST, redisHost);
    assert.equal(api.REDIS_USE_SSL, "true");
    assert.equal(api.SQLALCHEMY_POOL_SIZE, "30");
    const daemon = cm("plugin-daemon-config");
    assert.equal(daemon.DB_HOST, clusterHost);
    assert.equal(daemon.DB_DATABASE, "dify_plugin");
    assert.equal(daemon.DB_SSL_MODE, "require");
    assert.equal(daemon.REDIS_USE_SSL, "true");
    // The passwords DifyApp stores are exactly the generated ones, and secret.
    const appPw = rs.find((r) => r.name === "prod-pg-app")!;
    const creds = rs.find((r) => r.type === T.k8sSecret && (r.inputs.metadata as { namespace?: string }).namespace !== "dify-db-bootstrap")!;
    assert.equal(creds.inputs.stringData, "[secret]");
    const raw = creds.rawInputs.stringData as Record<string, string>;
    const dbPw = Object.values(raw).find((v) => v.startsWith(`mock-${appPw.name}-`));
    assert.ok(dbPw, "the app role password reaches DifyApp's Secret");
    assert.ok(Object.values(raw).some((v) => v.startsWith(`rediss://:mock-prod-redis-auth-`) && v.includes(`@${redisHost}:6379/`)), "Celery broker over TLS with AUTH");
    const pg = await resolve((run.value as DifyDatabaseHA).postgres);
    const redis = await resolve((run.value as DifyDatabaseHA).redis);
    assert.equal(pg.secret, true);
    assert.equal(redis.secret, true);
    assert.equal(pg.value?.sslMode, "require");
    assert.equal(redis.value?.useTls, true);
    assert.equal(pg.value?.host, clusterHost);
    const master = await resolve((run.value as DifyDatabaseHA).masterLogin);
    assert.equal(master.secret, true, "the master login (for DifyBackups' restoreLogin) is secret too");
    assert.equal(master.value?.username, "dify_admin");
    const restore = await resolve((run.value as DifyDatabaseHA).restoreLogin);
    assert.equal(restore.secret, true, "the restore login (for DifyBackups' restoreLogin) is secret");
    assert.equal(restore.value?.username, "dify_restore");
    assert.match(restore.value?.password ?? "", /^mock-prod-pg-restore-/, "its own generated password, not the master's");
    assert.equal(redis.value?.host, redisHost);
  });

  it("keeps the databases off the EKS cluster's dependency path (first deploy creates both in parallel)", async () => {
    const run = await runUnderMocks(() => {
      const eksSg = new aws.ec2.SecurityGroup("eks-cluster-sg", { vpcId: "vpc-123" });
      const provider = new k8s.Provider("k8s", { kubeconfig: eksSg.id.apply(() => "{}") });
      return new DifyDatabaseHA("prod", prodArgs({ allowedSecurityGroupIds: [eksSg.id] }), { providers: { kubernetes: provider } });
    }, { stack: "prod" });
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const reaches = (from: RecordedResource, target: string, seen = new Set<string>()): boolean =>
      from.dependencies.some((d) => d === target || (!seen.has(d) && (seen.add(d), byUrn.has(d) && reaches(byUrn.get(d)!, target, seen))));
    const eks = run.resources.find((r) => r.name === "eks-cluster-sg")!;
    for (const t of [T.cluster, T.instance, T.redis]) {
      for (const r of ofType(run.resources, t)) assert.ok(!reaches(r, eks.urn), `${r.name} must not wait for the EKS cluster`);
    }
    assert.ok(ofType(run.resources, T.ingress).every((r) => reaches(r, eks.urn)), "only the ingress rules reference it");
  });
});

describe("DifyDatabaseHA bootstrap Job", () => {
  it("is PSS-restricted and reads credentials only from its Secret", async () => {
    const { resources: rs } = await plan(prodArgs());
    const job = one(rs, T.job);
    const pod = (job.inputs.spec as { template: { spec: Record<string, unknown> } }).template.spec as {
      securityContext: Record<string, unknown>; automountServiceAccountToken: boolean;
      containers: { image: string; command: string[]; env?: { name: string; value?: string }[]; envFrom: { secretRef: { name: string } }[];
        securityContext: Record<string, unknown> & { capabilities: { drop: string[] } }; resources: { requests: object; limits: object } }[];
    };
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.deepEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
    const c = pod.containers[0];
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"]);
    assert.ok((c.securityContext.runAsUser as number) > 0);
    assert.ok(c.resources.requests && c.resources.limits);
    assert.match(c.image, /^postgres:16\.\d+-alpine$/, "psql pinned to the server's major");
    const secret = one(rs, T.k8sSecret);
    assert.deepEqual(c.envFrom, [{ secretRef: { name: (secret.inputs.metadata as { name: string }).name } }]);
    assert.deepEqual((c.env ?? []).map((e) => e.name), ["HOME"], "no credential in env literals");
    assert.ok(!JSON.stringify(job.rawInputs).includes("mock-prod-pg"), "no password anywhere in the Job");
    assert.equal(secret.inputs.stringData, "[secret]");
    const data = secret.rawInputs.stringData as Record<string, string>;
    assert.equal(data.PGSSLMODE, "require");
    assert.equal(data.PGUSER, "dify_admin");
    assert.match(data.DIFY_APP_PASSWORD_VERIFIER, /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    assert.ok(!data.DIFY_APP_PASSWORD_VERIFIER.includes("mock-prod-pg-app"), "only the verifier reaches Postgres");
    assert.match(data.DIFY_RESTORE_PASSWORD_VERIFIER, /^SCRAM-SHA-256\$4096:/, "the restore role's password, as a verifier only");
    assert.ok(!JSON.stringify(data).includes("mock-prod-pg-restore"), "the restore password itself never reaches the Job");
    assert.ok(job.dependencies.some((d) => d.includes("ClusterInstance::prod-pg-0")), "waits for the writer");
  });

  it("creates both databases and the extensions idempotently", async () => {
    const { resources: rs } = await plan(prodArgs());
    const sql = ((ofType(rs, "kubernetes:core/v1:ConfigMap")[0].inputs.data as Record<string, string>)["bootstrap.sql"]);
    for (const db of ["dify", "dify_plugin"]) {
      assert.match(sql, new RegExp(`SELECT 'CREATE DATABASE ${db} OWNER dify [^\\n]*WHERE NOT EXISTS \\(SELECT 1 FROM pg_database WHERE datname = '${db}'\\)\\\\gexec`));
    }
    assert.match(sql, /WHERE NOT EXISTS \(SELECT 1 FROM pg_roles WHERE rolname = 'dify'\)\\gexec/);
    assert.match(sql, /\\connect dify\nCREATE EXTENSION IF NOT EXISTS vector;/);
    assert.match(sql, /CREATE EXTENSION IF NOT EXISTS "uuid-ossp";/);
    assert.match(sql, /PASSWORD :'app_verifier'/);
    assert.match(sql, /ALTER ROLE dify WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE/, "least privilege");
    // The only privilege granted anywhere: CREATEDB (and membership in dify) for the restore role.
    assert.match(sql, /ALTER ROLE dify_restore WITH LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION INHERIT PASSWORD :'restore_verifier';/);
    assert.match(sql, /SELECT format\('GRANT %I TO %I WITH INHERIT TRUE, SET TRUE', 'dify', 'dify_restore'\)/, "member of the app role (PostgreSQL 16)");
    assert.doesNotMatch(sql.replace(/NO(SUPERUSER|CREATEDB|CREATEROLE)/g, "").replace("dify_restore WITH LOGIN  CREATEDB", ""), /SUPERUSER|CREATEDB|CREATEROLE|rds_superuser/);
    assert.match(sql, /\\connect template1\nCREATE EXTENSION IF NOT EXISTS "vector";\nALTER EXTENSION "vector" UPDATE;\nCREATE EXTENSION IF NOT EXISTS "uuid-ossp";/, "restored databases start with the extensions");
  });

  it("re-runs when what it does changes, and only then", async () => {
    const name = async (a: DifyDatabaseHAArgs) => (one((await plan(a)).resources, T.job).inputs.metadata as { name: string }).name;
    const base = await name(prodArgs());
    assert.equal(await name(prodArgs()), base, "same plan, same Job: no re-run");
    assert.notEqual(await name(prodArgs({ pluginDatabaseName: "plugins" })), base);
    assert.notEqual(await name(prodArgs({ appPasswordVersion: 2 })), base, "password rotation re-runs it");
  });

  it("is skipped, with a warning, when no Kubernetes provider is given", async () => {
    const { resources: rs, value } = await plan(prodArgs(), false);
    assert.equal(rs.filter((r) => r.type.startsWith("kubernetes:")).length, 0);
    assert.equal((await resolve(value.bootstrapJobName)).value, "");
  });
});

void pulumi;
