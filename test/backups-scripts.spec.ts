/**
 * Runs the real backup shell scripts (dump, upload, fetch, verify, restore) against a real,
 * throwaway PostgreSQL server and a file-backed stand-in for the AWS CLI. Proves the restore path
 * works end to end and that the verification fails (and cleans up) when the data is wrong.
 * Skipped when no PostgreSQL server binaries are installed.
 */
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { asPostgres, findPgBin, pgMajor, requirePostgres, stopPostgres } from "./pg-harness";
import { rolesSql, RESTORE_USERNAME, RESTORE_VERIFIER_ENV, scramSha256Verifier, templateExtensionsSql, VERIFIER_ENV } from "../components/data/sql";

// Stands in for pgvector: an extension that is NOT trusted (no `trusted = true` in its control
// file), so only a superuser can create it; pgvector ships no such line either.
const UNTRUSTED_EXTENSION = "pg_buffercache";

const SCRIPTS = path.join(__dirname, "..", "components", "backups", "scripts");
const PORT = 55000 + (process.pid % 1000);
const BUCKET = "dify-backups-test";

// A file-backed `aws`: s3://<bucket>/<key> is $FAKE_S3/<bucket>/<key>. Only the calls the scripts make.
const FAKE_AWS = `#!/bin/sh
set -eu
svc=$1; shift
case "$svc" in
  s3)
    shift
    args=""; for a in "$@"; do case "$a" in --*) ;; *) args="$args $a" ;; esac; done
    set -- $args
    map() { case "$1" in s3://*) echo "$FAKE_S3/\${1#s3://}" ;; *) echo "$1" ;; esac; }
    s=$(map "$1"); d=$(map "$2")
    [ -f "$s" ] || { echo "fatal error: (404) Not Found" >&2; exit 1; }
    mkdir -p "$(dirname "$d")"; cp "$s" "$d" ;;
  s3api)
    bucket=""; prefix=""
    while [ $# -gt 0 ]; do case "$1" in --bucket) bucket=$2; shift 2 ;; --prefix) prefix=$2; shift 2 ;; *) shift ;; esac; done
    keys=$(cd "$FAKE_S3/$bucket" 2>/dev/null && find . -type f | sed 's#^[.]/##' | grep "^$prefix" | tr '\\n' '\\t' || true)
    if [ -z "$keys" ]; then echo None; else printf '%s\\n' "$keys"; fi ;;
esac
`;

const SCHEMA = `
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE TABLE accounts (id uuid PRIMARY KEY DEFAULT uuid_generate_v4(), email text NOT NULL);
CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT uuid_generate_v4(), name text NOT NULL);
CREATE TABLE tenant_account_joins (tenant_id uuid, account_id uuid);
CREATE TABLE dify_setups (version text PRIMARY KEY);
CREATE TABLE apps (id uuid PRIMARY KEY DEFAULT uuid_generate_v4());
CREATE TABLE datasets (id uuid PRIMARY KEY DEFAULT uuid_generate_v4());
CREATE TABLE workflows (id uuid PRIMARY KEY DEFAULT uuid_generate_v4());
CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);
INSERT INTO accounts (email) VALUES ('a@example.com'), ('b@example.com');
INSERT INTO tenants (name) VALUES ('t');
INSERT INTO tenant_account_joins SELECT t.id, a.id FROM tenants t, accounts a;
INSERT INTO dify_setups VALUES ('1.16.1');
INSERT INTO alembic_version VALUES ('abc123');
`;

const pgBin = findPgBin();
// CI installs PostgreSQL (.ci/run) and sets REQUIRE_POSTGRES, so there this suite can never be skipped.
requirePostgres(pgBin);

(pgBin ? describe : describe.skip)("backup scripts against a real PostgreSQL", function () {
  this.timeout(60000);
  let tmp = "";
  let env: NodeJS.ProcessEnv = {};
  const sql = (db: string, q: string) => execFileSync(path.join(pgBin!, "psql"), ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", q], { env, stdio: "pipe" }).toString().trim();
  // The dump Job logs in as Dify's role; the restore and verification Jobs as the restore role.
  const asRestore = new Set(["verify.sh", "restore.sh"]);
  const run = (script: string, extra: Record<string, string> = {}) => {
    const login = asRestore.has(script) ? { PGUSER: RESTORE_USERNAME } : {};
    const r = spawnSync("/bin/sh", [path.join(tmp, "scripts", script)], { env: { ...env, ...login, ...extra }, encoding: "utf8" });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const resultLine = (out: string, tag: string) => out.split("\n").find((l) => l.startsWith(`${tag} `)) ?? "";
  const freshWork = () => {
    fs.rmSync(env.WORK!, { recursive: true, force: true });
    fs.mkdirSync(env.WORK!);
  };

  before(function () {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dify-backups-"));
    fs.chmodSync(tmp, 0o777);
    for (const d of ["bin", "s3", "work", "pg"]) fs.mkdirSync(path.join(tmp, d));
    fs.chmodSync(path.join(tmp, "pg"), 0o777);
    // The Jobs mount the scripts at /scripts; lib.sh is sourced from there, so point it here.
    fs.mkdirSync(path.join(tmp, "scripts"));
    for (const f of fs.readdirSync(SCRIPTS)) {
      fs.writeFileSync(path.join(tmp, "scripts", f), fs.readFileSync(path.join(SCRIPTS, f), "utf8").replace("/scripts/lib.sh", path.join(tmp, "scripts", "lib.sh")));
    }
    fs.writeFileSync(path.join(tmp, "bin", "aws"), FAKE_AWS, { mode: 0o755 });
    const data = path.join(tmp, "pg", "data");
    try {
      asPostgres([path.join(pgBin!, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
      asPostgres([path.join(pgBin!, "pg_ctl"), "-D", data, "-w", "-l", path.join(tmp, "pg", "log"),
        "-o", `-p ${PORT} -k ${path.join(tmp, "pg")} -c listen_addresses=''`, "start"]);
    } catch (e) {
      this.skip();
      void e;
    }
    env = {
      PATH: `${path.join(tmp, "bin")}:${pgBin}:${process.env.PATH}`,
      HOME: tmp, WORK: path.join(tmp, "work"), FAKE_S3: path.join(tmp, "s3"), BUCKET,
      PGHOST: path.join(tmp, "pg"), PGPORT: String(PORT), PGUSER: "postgres", PGSSLMODE: "disable",
      DATABASES: "dify dify_plugin", MAIN_DB: "dify", PLUGIN_DB: "dify_plugin", APP_ROLE: "dify",
      REQUIRE_ROWS: "accounts tenants tenant_account_joins dify_setups", REQUIRE_TABLES: "apps datasets workflows",
      PLUGIN_REQUIRE_TABLES: "plugins plugin_installations",
    };
    // The roles exactly as DifyDatabaseHA's bootstrap Job creates them: `dify` without CREATEDB,
    // `dify_restore` with CREATEDB and membership in `dify`, no superuser. The restore and
    // verification below run as `dify_restore`, so they fail if the scripts need more.
    const major = pgMajor(pgBin!);
    // The bootstrap also puts the extensions into template1 (here the untrusted stand-in for vector).
    fs.writeFileSync(path.join(tmp, "roles.sql"), `${rolesSql({ appUser: "dify", major })}\n${templateExtensionsSql(["uuid-ossp", UNTRUSTED_EXTENSION])}\n`);
    execFileSync(path.join(pgBin!, "psql"), ["-X", "--quiet", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-f", path.join(tmp, "roles.sql")], {
      env: { ...env, [VERIFIER_ENV]: scramSha256Verifier("app-test-password"), [RESTORE_VERIFIER_ENV]: scramSha256Verifier("restore-test-password") },
      stdio: "pipe",
    });
    sql("postgres", "CREATE DATABASE dify OWNER dify");
    sql("postgres", "CREATE DATABASE dify_plugin OWNER dify");
    // As the bootstrap does for vector: created in Dify's database by the admin, so the dump has it.
    sql("dify", `CREATE EXTENSION IF NOT EXISTS ${UNTRUSTED_EXTENSION}`);
    env.PGUSER = "dify";
    sql("dify", SCHEMA);
    sql("dify_plugin", "CREATE TABLE plugins (id text PRIMARY KEY); CREATE TABLE plugin_installations (id text PRIMARY KEY)");
  });

  after(() => stopPostgres(pgBin, tmp));

  it("the restore role is CREATEDB only: no superuser, no CREATEROLE, a member of the app role", () => {
    assert.equal(sql("postgres", `SELECT rolsuper, rolcreatedb, rolcreaterole, rolcanlogin FROM pg_roles WHERE rolname = '${RESTORE_USERNAME}'`), "f|t|f|t");
    assert.equal(sql("postgres", `SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = 'dify'`), "f|f|f");
    assert.equal(sql("postgres", `SELECT pg_has_role('${RESTORE_USERNAME}', 'dify', 'MEMBER')`), "t");
  });

  let firstStamp = "";
  it("dumps both databases and uploads them under postgres/<db>/<YYYY>/<MM>/<DD>/<db>-<stamp>.dump", () => {
    freshWork();
    const d = run("dump.sh");
    assert.equal(d.code, 0, d.err);
    const u = run("upload.sh");
    assert.equal(u.code, 0, u.err);
    firstStamp = fs.readFileSync(path.join(env.WORK!, "STAMP"), "utf8").trim();
    const [y, m, day] = [firstStamp.slice(0, 4), firstStamp.slice(4, 6), firstStamp.slice(6, 8)];
    for (const db of ["dify", "dify_plugin"]) {
      const key = `postgres/${db}/${y}/${m}/${day}/${db}-${firstStamp}.dump`;
      assert.ok(fs.existsSync(path.join(tmp, "s3", BUCKET, key)), key);
      assert.match(u.out, new RegExp(`^DIFY_BACKUP_DUMP result=success db=${db} stamp=${firstStamp} bytes=\\d+ key=${key}$`, "m"));
    }
  });

  it("verification restores the newest dumps into scratch databases, passes, reports, and drops them", () => {
    freshWork();
    const f = run("fetch.sh", { RESULT_TAG: "DIFY_RESTORE_VERIFY" });
    assert.equal(f.code, 0, f.err);
    const v = run("verify.sh");
    const line = resultLine(v.out, "DIFY_RESTORE_VERIFY");
    assert.equal(v.code, 0, `${v.out}\n${v.err}`);
    assert.match(line, new RegExp(`^DIFY_RESTORE_VERIFY result=success stamp=${firstStamp} checks=accounts:2,tenants:1,tenant_account_joins:2,dify_setups:1,apps:0,datasets:0,workflows:0,alembic_version:1,dify_plugin.plugins:0,dify_plugin.plugin_installations:0 duration_s=\\d+$`));
    assert.equal(sql("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE '%verify%'"), "0", "scratch databases dropped");
  });

  it("verification fails with a reason when a core table is empty, and still cleans up", async () => {
    sql("dify", "DELETE FROM tenant_account_joins; DELETE FROM accounts");
    await new Promise((res) => setTimeout(res, 1100)); // a later stamp than the first dump
    freshWork();
    assert.equal(run("dump.sh").code, 0);
    assert.equal(run("upload.sh").code, 0);
    freshWork();
    assert.equal(run("fetch.sh", { RESULT_TAG: "DIFY_RESTORE_VERIFY" }).code, 0);
    const v = run("verify.sh");
    assert.notEqual(v.code, 0);
    assert.match(resultLine(v.out, "DIFY_RESTORE_VERIFY"), /^DIFY_RESTORE_VERIFY result=failure stamp=\d{8}T\d{6}Z checks=accounts:0 duration_s=\d+ reason=empty-table:accounts$/);
    assert.equal(sql("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE '%verify%'"), "0", "scratch databases dropped on failure too");
  });

  it("restore puts a named dump into NEW databases owned by Dify's role, and never over an existing one", () => {
    freshWork();
    assert.equal(run("fetch.sh", { RESULT_TAG: "DIFY_RESTORE", DUMP_STAMP: firstStamp }).code, 0);
    const r = run("restore.sh", { RESTORE_SUFFIX: "r1" });
    assert.equal(r.code, 0, `${r.out}\n${r.err}`);
    assert.match(resultLine(r.out, "DIFY_RESTORE"), new RegExp(`^DIFY_RESTORE result=success stamp=${firstStamp} databases=dify_r1,dify_plugin_r1$`));
    assert.equal(sql("dify_r1", "SELECT count(*) FROM accounts"), "2", "the named (older) dump, not the newest");
    assert.equal(sql("postgres", "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'dify_r1'"), "dify");
    assert.equal(sql("dify_r1", "SELECT tableowner FROM pg_tables WHERE tablename = 'accounts'"), "dify");
    assert.equal(sql("dify_r1", `SELECT count(*) FROM pg_extension WHERE extname IN ('uuid-ossp', '${UNTRUSTED_EXTENSION}')`), "2", "the extensions, without superuser");
    // Dify (its own role, no membership in anything) can use the restored database once pointed at it.
    assert.equal(env.PGUSER, "dify");
    assert.equal(sql("dify_r1", "WITH i AS (INSERT INTO accounts (email) VALUES ('c@example.com') RETURNING email) SELECT email FROM i"), "c@example.com");
    sql("dify_r1", "CREATE TABLE after_restore (id uuid DEFAULT uuid_generate_v4())");
    assert.equal(sql("dify_r1", "SELECT tableowner FROM pg_tables WHERE tablename = 'after_restore'"), "dify");
    assert.equal(sql("dify_plugin_r1", "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"), "dify");
    const again = run("restore.sh", { RESTORE_SUFFIX: "r1" });
    assert.notEqual(again.code, 0, "an existing database is never overwritten");
    assert.equal(sql("dify", "SELECT count(*) FROM accounts"), "0", "the live database is untouched");
  });

  it("restore refuses a suffix that could inject into a database name", () => {
    const r = run("restore.sh", { RESTORE_SUFFIX: "x; DROP" });
    assert.notEqual(r.code, 0);
    assert.match(r.out, /DIFY_RESTORE result=failure reason=bad-suffix/);
  });
});
