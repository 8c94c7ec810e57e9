/**
 * DifyDatabaseBootstrap: DifyDatabaseHA's bootstrap Job against your own PostgreSQL (same builder,
 * same SQL picked at run time by server version), its checks, and its outputs.
 */
import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DifyDatabaseBootstrap } from "../components/data/databaseBootstrap";
import { DifyDatabaseBootstrapArgs } from "../components/data/args";
import { postgresConnectionFromValues } from "../components/data/connection";
import { DifyApp } from "../components/app/dify-app";
import { prodArgs } from "./app-fixture";
import { RecordedResource, resolve, runUnderMocks } from "../program/plan/monitor";

const ARGS: DifyDatabaseBootstrapArgs = { host: "mydb.cluster-xyz.us-east-1.rds.amazonaws.com", masterUsername: "postgres", masterPassword: pulumi.secret("master-Pw-1") };

function run(args: Partial<DifyDatabaseBootstrapArgs> = {}, withProvider = true) {
  return runUnderMocks(() => {
    try {
      const provider = withProvider ? new k8s.Provider("k8s", { kubeconfig: "{}" }) : undefined;
      return new DifyDatabaseBootstrap("mydb", { ...ARGS, ...args }, provider ? { providers: { kubernetes: provider } } : {});
    } catch (e) {
      return (e as Error).message;
    }
  }, { stack: "dev" });
}
const of = (rs: RecordedResource[], t: string) => rs.filter((r) => r.type === t).map((r) => r.rawInputs as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any

describe("DifyDatabaseBootstrap (your own PostgreSQL)", () => {
  it("runs the bootstrap Job as the master user, with the SQL for either side of PostgreSQL 16, and outputs DifyApp's database", async () => {
    const r = await run();
    assert.ok(r.value instanceof DifyDatabaseBootstrap, String(r.value));
    const [job] = of(r.resources, "kubernetes:batch/v1:Job");
    assert.equal(job.metadata.namespace, "dify-db-bootstrap");
    assert.equal(job.spec.template.spec.containers[0].command[0], "psql");
    const [secret] = of(r.resources, "kubernetes:core/v1:Secret");
    assert.equal(secret.stringData.PGHOST, ARGS.host);
    assert.equal(secret.stringData.PGUSER, "postgres");
    assert.equal(secret.stringData.PGSSLMODE, "require");
    const sql = of(r.resources, "kubernetes:core/v1:ConfigMap")[0].data["bootstrap.sql"] as string;
    assert.match(sql, /^SELECT current_setting\('server_version_num'\)::int >= 160000 AS dify_pg16 \\gset\n\\if :dify_pg16\n/);
    assert.match(sql, /WITH SET TRUE/);
    assert.match(sql, /CREATE DATABASE dify OWNER dify/);
    assert.match(sql, /CREATE EXTENSION IF NOT EXISTS vector;/);
    assert.match(sql, /\\connect dify_plugin/);
    const [np] = of(r.resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
    assert.deepEqual(np.spec.egress[1].ports, [{ protocol: "TCP", port: 5432 }]);
    const c = r.value as DifyDatabaseBootstrap;
    const pg = await resolve(c.postgres);
    assert.ok(pg.secret, "the connection is a secret");
    const v = pg.value!;
    assert.deepEqual({ ...v, password: "" }, { host: ARGS.host, readerHost: ARGS.host, port: 5432, database: "dify", pluginDatabase: "dify_plugin", username: "dify", password: "", sslMode: "require" });
    assert.ok(v.password && v.password !== "master-Pw-1", "generated, not the master's");
    const restore = await resolve(c.restoreLogin);
    assert.ok(restore.secret);
    assert.equal(restore.value!.username, "dify_restore");
    assert.ok(!JSON.stringify(of(r.resources, "kubernetes:batch/v1:Job")).includes("master-Pw-1"), "the master password stays in the Secret");
  });

  it("takes your own names, port, sslmode and app password", async () => {
    const r = await run({ port: 5433, sslMode: "disable", appUsername: "difyapp", appPassword: pulumi.secret("my-App-pw-2"), databaseName: "d1", pluginDatabaseName: "d1_plugin", namespace: "db-init", createNamespace: false });
    const c = r.value as DifyDatabaseBootstrap;
    const v = (await resolve(c.postgres)).value!;
    assert.deepEqual([v.port, v.sslMode, v.username, v.password, v.database, v.pluginDatabase], [5433, "disable", "difyapp", "my-App-pw-2", "d1", "d1_plugin"]);
    assert.equal(of(r.resources, "kubernetes:core/v1:Namespace").length, 0);
    assert.equal(of(r.resources, "kubernetes:batch/v1:Job")[0].metadata.namespace, "db-init");
    assert.equal(of(r.resources, "random:index/randomPassword:RandomPassword").length, 1, "only the restore password is generated");
  });

  it("refuses bad arguments before registering anything, naming each", async () => {
    const r = await run({ port: 70000, sslMode: "verify-full", appUsername: "Dify", databaseName: "x", pluginDatabaseName: "x", namespace: "Bad_NS" });
    assert.equal(typeof r.value, "string");
    const m = r.value as string;
    for (const s of ["args.port: got 70000", 'args.sslMode: got "verify-full"', 'args.appUsername: got "Dify"', 'args.pluginDatabaseName: got "x"', 'args.namespace: got "Bad_NS"']) assert.ok(m.includes(s), `${s} in ${m}`);
    assert.equal(r.resources.filter((x) => x.type.startsWith("dify-aws")).length, 0);
  });

  it("needs the cluster's Kubernetes provider (the Job runs in the cluster)", async () => {
    const r = await run({}, false);
    assert.match(r.value as string, /DifyDatabaseBootstrap "mydb".*opts\.providers: got "no Kubernetes provider", allowed the cluster's Kubernetes provider/s);
  });

  it("DifyApp fed from its output migrates only after the bootstrap Job, and only the password is secret", async () => {
    const r = await runUnderMocks(() => {
      const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
      const boot = new DifyDatabaseBootstrap("mydb", ARGS, { providers: { kubernetes: provider } });
      return new DifyApp("dify", prodArgs({ database: postgresConnectionFromValues(boot.postgres) }), { provider });
    }, { stack: "dev" });
    const jobs = r.resources.filter((x) => x.type === "kubernetes:batch/v1:Job");
    const boot = jobs.find((j) => (j.rawInputs as { metadata: { namespace: string } }).metadata.namespace === "dify-db-bootstrap")!;
    const migrate = jobs.find((j) => j.name.startsWith("dify-migrate-"))!;
    const waitsFor = (x: RecordedResource, seen = new Set<string>()): Set<string> => {
      for (const d of x.dependencies) {
        if (seen.has(d)) continue;
        seen.add(d);
        const dep = r.resources.find((y) => y.urn === d);
        if (dep) waitsFor(dep, seen);
      }
      return seen;
    };
    assert.ok(waitsFor(migrate).has(boot.urn), "the migration waits for the bootstrap Job");
    const apiSettings = r.resources.find((x) => x.type === "kubernetes:core/v1:ConfigMap" && (x.rawInputs as { data?: Record<string, string> }).data?.DB_HOST !== undefined)!;
    assert.equal((apiSettings.inputs as { data: Record<string, string> }).data.DB_HOST, ARGS.host, "host, port, names stay plain in the ConfigMap");
  });
});

