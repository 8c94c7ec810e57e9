/**
 * The migration Job's preflight (components/app/preflight.ts): rendered as an init container of
 * the migration Job with Dify's own login, and its python run against a real, throwaway
 * PostgreSQL: it passes on a database prepared as the bootstrap prepares it, and fails with one
 * message per missing prerequisite (extension, plugin database, database, login).
 */
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PREFLIGHT_CHECKS, PREFLIGHT_TAG, PreflightCheck, preflightScript } from "../components/app/preflight";
import { rolesSql, RESTORE_VERIFIER_ENV, scramSha256Verifier, versionAdaptiveBootstrapSql, VERIFIER_ENV } from "../components/data/sql";
import { RecordedResource } from "../program/plan/monitor";
import { Container, PG_PASSWORD, envOf, runApp, secretValue, workloads } from "./app-fixture";
import { asPostgres, findPgBin, pgMajor, requirePostgres, stopPostgres } from "./pg-harness";

describe("DifyApp migration preflight (rendered)", () => {
  let rs: RecordedResource[];
  let pod: { containers: Container[]; initContainers?: (Container & { terminationMessagePolicy?: string })[] };
  before(async () => {
    rs = (await runApp()).resources;
    pod = workloads(rs).find((w) => w.name === "dify-migrate-1-16-1")!.pod as typeof pod;
  });

  it("runs one init container, `preflight`, in the api image with the migration's env and Secret refs", () => {
    assert.deepEqual(pod.initContainers?.map((c) => c.name), ["preflight"]);
    const [pre] = pod.initContainers!;
    const [migrate] = pod.containers;
    assert.equal(pre.image, migrate.image);
    assert.deepEqual(pre.command?.slice(0, 2), ["python", "-c"]);
    assert.equal(pre.command?.[2], preflightScript());
    assert.equal(pre.command?.[3], "dify_plugin", "the plugin database's name is the script's argument");
    assert.deepEqual(pre.envFrom, migrate.envFrom);
    const env = envOf(rs, pre);
    const menv = envOf(rs, migrate);
    for (const name of ["DB_HOST", "DB_PORT", "DB_USERNAME", "DB_DATABASE", "PGSSLMODE", "DB_PASSWORD"]) {
      assert.deepEqual(env.get(name), menv.get(name), name);
    }
    assert.equal(secretValue(rs, env.get("DB_PASSWORD")!.secret!), PG_PASSWORD, "the password comes from the Secret");
    assert.ok(!pre.command!.join(" ").includes(PG_PASSWORD));
    assert.equal(pre.terminationMessagePolicy, "FallbackToLogsOnError", "the message lands in the pod status");
  });

  it("is admitted under Pod Security restricted, like the migration container", () => {
    const [pre] = pod.initContainers!;
    assert.deepEqual(pre.securityContext, pod.containers[0].securityContext);
    const sc = pre.securityContext!;
    assert.equal(sc.allowPrivilegeEscalation, false);
    assert.equal(sc.runAsNonRoot, true);
    assert.deepEqual(sc.capabilities?.drop, ["ALL"]);
    assert.ok(pre.resources?.limits?.memory && pre.resources.requests?.cpu);
  });

  it("checks exactly: vector, uuid-ossp, the plugin database (login and database come from the connection)", () => {
    assert.deepEqual(PREFLIGHT_CHECKS.map((c) => c.key), ["extension-vector", "extension-uuid-ossp", "plugin-database"]);
    const script = preflightScript();
    for (const c of PREFLIGHT_CHECKS) assert.ok(script.includes(JSON.stringify(c.sql).slice(1, -1)), c.key);
    assert.match(script, /does not exist/);
    assert.match(script, /cannot connect to/);
  });
});

const pgBin = findPgBin();
requirePostgres(pgBin);
/** A python with psycopg2 (the dify-api image has it; CI installs python3-psycopg2). */
const python = ["python3", "/usr/bin/python3"].find((p) => spawnSync(p, ["-c", "import psycopg2"]).status === 0);
if (pgBin && !python && process.env.REQUIRE_POSTGRES) throw new Error("REQUIRE_POSTGRES is set but no python3 with psycopg2 was found (.ci/run installs python3-psycopg2)");
const PORT = 56000 + (process.pid % 1000);
// Stands in for pgvector where it is not installed (Debian has no package for it).
const STAND_IN = "pg_buffercache";

(pgBin ? describe : describe.skip)("DifyApp migration preflight against a real PostgreSQL", function () {
  this.timeout(60000);
  let tmp = "";
  let vectorExt = "vector";
  let checks: readonly PreflightCheck[] = PREFLIGHT_CHECKS;
  const admin = (db: string, q: string) => execFileSync(path.join(pgBin!, "psql"), ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", path.join(tmp, "pg"), "-p", String(PORT), "-U", "postgres", "-d", db, "-c", q], { stdio: "pipe" }).toString().trim();
  /** A check's SQL as Dify's role (password over TCP), as the preflight runs it. */
  const asDify = (db: string, c: PreflightCheck, plugin: string) =>
    execFileSync(path.join(pgBin!, "psql"), ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(PORT), "-U", "dify", "-d", db, "-v", `plugin=${plugin}`,
      "-c", c.sql.replace("%(plugin)s", `'${plugin}'`)], { env: { ...process.env, PGPASSWORD: "app-test-password", PGSSLMODE: "disable" }, stdio: "pipe" }).toString().trim();
  const preflight = (over: Record<string, string>, plugin = "dify_plugin") => {
    const r = spawnSync(python!, ["-c", preflightScript(checks), plugin], {
      env: { PATH: process.env.PATH, DB_HOST: "127.0.0.1", DB_PORT: String(PORT), DB_USERNAME: "dify", DB_PASSWORD: "app-test-password", DB_DATABASE: "dify", PGSSLMODE: "disable", ...over },
      encoding: "utf8",
    });
    return { code: r.status, out: r.stdout, err: r.stderr, lines: r.stderr.split("\n").filter((l) => l.startsWith(PREFLIGHT_TAG)) };
  };
  const needPython = function (this: Mocha.Context) { if (!python) this.skip(); };

  before(function () {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dify-preflight-"));
    fs.chmodSync(tmp, 0o777);
    fs.mkdirSync(path.join(tmp, "pg"));
    fs.chmodSync(path.join(tmp, "pg"), 0o777);
    const data = path.join(tmp, "pg", "data");
    try {
      asPostgres([path.join(pgBin!, "initdb"), "-D", data, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"]);
      asPostgres([path.join(pgBin!, "pg_ctl"), "-D", data, "-w", "-l", path.join(tmp, "pg", "log"),
        "-o", `-p ${PORT} -k ${path.join(tmp, "pg")} -c listen_addresses=127.0.0.1`, "start"]);
    } catch (e) {
      void e;
      this.skip();
    }
    if (admin("postgres", "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'") === "0") {
      vectorExt = STAND_IN;
      checks = PREFLIGHT_CHECKS.map((c) => ({ ...c, sql: c.sql.replace("'vector'", `'${STAND_IN}'`) }));
    }
    // Dify's role as the bootstrap creates it (rolesSql), then the databases and extensions.
    fs.writeFileSync(path.join(tmp, "roles.sql"), rolesSql({ appUser: "dify", major: pgMajor(pgBin!) }));
    execFileSync(path.join(pgBin!, "psql"), ["-X", "--quiet", "-v", "ON_ERROR_STOP=1", "-h", path.join(tmp, "pg"), "-p", String(PORT), "-U", "postgres", "-d", "postgres", "-f", path.join(tmp, "roles.sql")], {
      env: { ...process.env, [VERIFIER_ENV]: scramSha256Verifier("app-test-password"), [RESTORE_VERIFIER_ENV]: scramSha256Verifier("restore-test-password") },
      stdio: "pipe",
    });
    for (const db of ["dify", "dify_plugin", "novector"]) admin("postgres", `CREATE DATABASE ${db} OWNER dify`);
    for (const db of ["dify", "dify_plugin", "novector"]) admin("postgres", `REVOKE ALL ON DATABASE ${db} FROM PUBLIC; GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO dify`);
    admin("dify", `CREATE EXTENSION ${vectorExt === "vector" ? "vector" : STAND_IN}; CREATE EXTENSION "uuid-ossp"`);
    admin("novector", 'CREATE EXTENSION "uuid-ossp"');
    admin("postgres", "CREATE DATABASE locked");
    admin("postgres", "REVOKE ALL ON DATABASE locked FROM PUBLIC");
  });

  after(() => stopPostgres(pgBin, tmp));

  it("each check's SQL holds on a bootstrapped database, as Dify's role", () => {
    for (const c of checks) assert.equal(asDify("dify", c, "dify_plugin"), "t", c.key);
  });

  it("each check's SQL fails where its prerequisite is missing, and only there", () => {
    const byKey = (k: PreflightCheck["key"]) => checks.find((c) => c.key === k)!;
    assert.equal(asDify("novector", byKey("extension-vector"), "dify_plugin"), "f");
    assert.equal(asDify("novector", byKey("extension-uuid-ossp"), "dify_plugin"), "t");
    assert.equal(asDify("dify", byKey("plugin-database"), "absent_plugin"), "f", "missing plugin database");
    assert.equal(asDify("dify", byKey("plugin-database"), "locked"), "f", "a plugin database Dify's role may not connect to");
  });

  it("DifyDatabaseBootstrap's SQL (major picked at run time) runs twice as a superuser, and the preflight then passes", function () {
    needPython.call(this);
    // Another role and databases than the ones above, so this is the SQL's own work.
    let script = versionAdaptiveBootstrapSql({ appUser: "app2", database: "app2", pluginDatabase: "app2_plugin" });
    if (vectorExt !== "vector") script = script.replace(/\bvector\b/g, STAND_IN);
    fs.writeFileSync(path.join(tmp, "bootstrap.sql"), script);
    for (let i = 0; i < 2; i++) {
      execFileSync(path.join(pgBin!, "psql"), ["-X", "--quiet", "-v", "ON_ERROR_STOP=1", "-h", path.join(tmp, "pg"), "-p", String(PORT), "-U", "postgres", "-d", "postgres", "-f", path.join(tmp, "bootstrap.sql")], {
        env: { ...process.env, [VERIFIER_ENV]: scramSha256Verifier("app2-Test-pw"), [RESTORE_VERIFIER_ENV]: scramSha256Verifier("restore2-Test-pw") },
        stdio: "pipe",
      });
    }
    assert.equal(admin("postgres", "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = 'app2'"), "f|f|f");
    const r = preflight({ DB_USERNAME: "app2", DB_PASSWORD: "app2-Test-pw", DB_DATABASE: "app2" }, "app2_plugin");
    assert.equal(r.code, 0, r.err);
  });

  it("the python passes on a bootstrapped database and says so", function () {
    needPython.call(this);
    const r = preflight({});
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.lines, []);
    assert.match(r.out, /^dify-aws preflight: ok: database "dify" on 127\.0\.0\.1:\d+ has vector and uuid-ossp; "dify_plugin" exists$/m);
  });

  it("fails with ONE message naming the fix when the database lacks `vector`", function () {
    needPython.call(this);
    const r = preflight({ DB_DATABASE: "novector" });
    assert.equal(r.code, 1);
    assert.equal(r.lines.length, 1, r.err);
    assert.equal(r.lines[0], `${PREFLIGHT_TAG}: extension "vector" is missing in database "novector" on 127.0.0.1:${PORT}: Dify's role may not create it. ` +
      `Run as the master user, connected to "novector": CREATE EXTENSION IF NOT EXISTS vector; (see examples/existing-cluster/README.md)`);
  });

  it("reports every missing prerequisite, one line each: uuid-ossp, vector and the plugin database", function () {
    needPython.call(this);
    admin("postgres", "CREATE DATABASE bare OWNER dify TEMPLATE template0"); // template1 has the extensions once a bootstrap ran
    const r = preflight({ DB_DATABASE: "bare" }, "absent_plugin");
    assert.equal(r.code, 1);
    assert.equal(r.lines.length, 3, r.err);
    assert.match(r.lines[0], /extension "vector" is missing in database "bare"/);
    assert.match(r.lines[1], /extension "uuid-ossp" is missing in database "bare" .*CREATE EXTENSION IF NOT EXISTS "uuid-ossp";/);
    assert.match(r.lines[2], /the plugin daemon's database "absent_plugin" is missing on 127\.0\.0\.1:\d+, .*CREATE DATABASE absent_plugin OWNER dify ENCODING 'UTF8';/);
  });

  it("says the database is missing (not a generic connection error) when DB_DATABASE does not exist", function () {
    needPython.call(this);
    const r = preflight({ DB_DATABASE: "absent" });
    assert.equal(r.code, 1);
    assert.deepEqual(r.lines, [`${PREFLIGHT_TAG}: database "absent" does not exist on 127.0.0.1:${PORT}. Run as the master user: CREATE DATABASE absent OWNER dify ENCODING 'UTF8'; (see examples/existing-cluster/README.md)`]);
  });

  it("names host, port, user, database and sslmode when the login fails, never the password", function () {
    needPython.call(this);
    const r = preflight({ DB_PASSWORD: "wrong-Secret-pw" });
    assert.equal(r.code, 1);
    assert.equal(r.lines.length, 1, r.err);
    assert.match(r.lines[0], new RegExp(`^${PREFLIGHT_TAG}: cannot connect to 127\\.0\\.0\\.1:${PORT} as user dify \\(database "dify", sslmode=disable\\): .*password authentication failed for user "dify"`));
    assert.ok(!r.err.includes("wrong-Secret-pw") && !r.out.includes("wrong-Secret-pw"));
  });
});
