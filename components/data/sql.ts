/**
 * The bootstrap SQL (idempotent: safe to run on every change) and the SCRAM-SHA-256 verifier of
 * the app role's password.
 *
 * The password reaches Postgres only as a SCRAM verifier (`ALTER ROLE ... PASSWORD
 * 'SCRAM-SHA-256$...'`, accepted as pre-hashed by PostgreSQL 10+), so the plain password never
 * appears in the database's statement or error logs (log_min_error_statement logs a failed
 * statement's text). Verifier format: RFC 5802 / RFC 7677, as PostgreSQL's
 * src/common/scram-common.c builds it: iterations 4096, StoredKey = H(HMAC(SaltedPassword,
 * "Client Key")), ServerKey = HMAC(SaltedPassword, "Server Key").
 */
import { createHash, createHmac, pbkdf2Sync } from "crypto";

const SCRAM_ITERATIONS = 4096;

/**
 * SCRAM-SHA-256 verifier for a password. The salt is derived from the password itself
 * (HMAC with a fixed label) so the verifier, and thus the plan, is stable across runs; the
 * passwords this component generates are 40 random alphanumerics, so a per-password salt adds
 * nothing an attacker could use. SASLprep is the identity for ASCII alphanumerics.
 */
export function scramSha256Verifier(password: string): string {
  if (!/^[\x21-\x7e]+$/.test(password)) throw new Error("scramSha256Verifier: only printable ASCII passwords are supported");
  const salt = createHmac("sha256", password).update("dify-aws scram salt").digest().subarray(0, 16);
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/** Names the SQL works on; validated identifiers (see validate.ts), so they can be inlined. */
export interface BootstrapSqlArgs {
  appUser: string;
  database: string;
  pluginDatabase: string;
  /** PostgreSQL major version (16+ splits role membership into INHERIT/SET/ADMIN). */
  major: number;
}

/** Environment variable (from the Job's Secret) that carries the app role's verifier. */
export const VERIFIER_ENV = "DIFY_APP_PASSWORD_VERIFIER";
/** Environment variable (from the Job's Secret) that carries the restore role's verifier. */
export const RESTORE_VERIFIER_ENV = "DIFY_RESTORE_PASSWORD_VERIFIER";
/** The login DifyBackups' restore and restore-verification Jobs use (DifyDatabaseHA.restoreLogin). */
export const RESTORE_USERNAME = "dify_restore";

/**
 * The roles part of the bootstrap (psql, run as the master user; needs both verifier variables in
 * the environment). Exported so the backup-script tests run exactly these grants against a real
 * PostgreSQL and prove the restore works with them.
 *
 * The restore role: CREATEDB and membership in the app role, nothing more (no superuser, no
 * rds_superuser, no CREATEROLE). That is exactly what components/backups/scripts need:
 * - `createdb --owner=<app>` (CREATE DATABASE ... OWNER needs CREATEDB and, for another owner,
 *   the right to SET ROLE to it: membership, with SET on 16+);
 * - `pg_restore --no-owner --role=<app>`: objects are created as the app role, the database
 *   owner, so the restored database is Dify's without any ALTER ... OWNER afterwards;
 * - the dump's `CREATE EXTENSION IF NOT EXISTS` for `vector` and `uuid-ossp`: a no-op, because
 *   every new database is cloned from template1, where templateExtensionsSql created them as the
 *   master. (`uuid-ossp` is a trusted extension since PostgreSQL 13, which a database owner could
 *   create, but pgvector's vector.control has no `trusted = true` (pgvector/pgvector, commit
 *   0eceaa3), so without the template only rds_superuser could restore it);
 * - `vacuumdb --analyze-only` and `dropdb --force` of the scratch databases: allowed to members
 *   of the owner role (INHERIT, the default).
 */
export function rolesSql(a: Pick<BootstrapSqlArgs, "appUser" | "major">): string {
  // The master (rds_superuser, not a real superuser) and the restore role must be able to SET ROLE
  // to the app role (to create databases owned by it). On 16+ the CREATEROLE auto-grant has SET
  // FALSE and membership is split into INHERIT/SET/ADMIN, so ask for SET explicitly.
  // The restore role also inherits the app role's privileges (ownership checks of dropdb/ANALYZE).
  const memberOfApp = (grantee: string, inherit: boolean) => a.major >= 16
    ? inherit
      ? `SELECT format('GRANT %I TO %I WITH INHERIT TRUE, SET TRUE', '${a.appUser}', ${grantee}) WHERE NOT (pg_has_role(${grantee}, '${a.appUser}', 'SET') AND pg_has_role(${grantee}, '${a.appUser}', 'USAGE'))\\gexec`
      : `SELECT format('GRANT %I TO %I WITH SET TRUE', '${a.appUser}', ${grantee}) WHERE NOT pg_has_role(${grantee}, '${a.appUser}', 'SET')\\gexec`
    : `SELECT format('GRANT %I TO %I', '${a.appUser}', ${grantee}) WHERE NOT pg_has_role(${grantee}, '${a.appUser}', 'MEMBER')\\gexec`;
  return [
    `\\getenv app_verifier ${VERIFIER_ENV}`,
    `\\getenv restore_verifier ${RESTORE_VERIFIER_ENV}`,
    // The least-privilege login role: no superuser, no CREATEDB/CREATEROLE (its databases are pre-created).
    `SELECT 'CREATE ROLE ${a.appUser} LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${a.appUser}')\\gexec`,
    `ALTER ROLE ${a.appUser} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'app_verifier';`,
    memberOfApp("current_user", false),
    // The restore role (see above): CREATEDB, a member of the app role, nothing else.
    `SELECT 'CREATE ROLE ${RESTORE_USERNAME} LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RESTORE_USERNAME}')\\gexec`,
    `ALTER ROLE ${RESTORE_USERNAME} WITH LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION INHERIT PASSWORD :'restore_verifier';`,
    memberOfApp(`'${RESTORE_USERNAME}'`, true),
  ].join("\n");
}

/** The extensions every Dify database needs (Dify's migrations create them with IF NOT EXISTS). */
export const DIFY_EXTENSIONS = ["vector", "uuid-ossp"];

/**
 * Creates (and updates) extensions in template1, as the master, so every database created later
 * (the restore Jobs' scratch and restored databases, by a role without rds_superuser) already has
 * them and the dump's `CREATE EXTENSION IF NOT EXISTS` needs no privilege. Leaves psql connected
 * to template1. Exported for the backup-script tests, which run it with an untrusted extension.
 */
export function templateExtensionsSql(extensions: readonly string[]): string {
  const q = (e: string) => `"${e.replace(/"/g, '""')}"`;
  return [
    "\\connect template1",
    ...extensions.flatMap((e) => [`CREATE EXTENSION IF NOT EXISTS ${q(e)};`, `ALTER EXTENSION ${q(e)} UPDATE;`]),
  ].join("\n");
}

/**
 * psql script, run as the master user with ON_ERROR_STOP. Every statement is a no-op when its
 * object already exists, so re-runs (new Job name after any change) converge instead of failing.
 */
export function bootstrapSql(a: BootstrapSqlArgs): string {
  const dbs = [a.database, a.pluginDatabase];
  return [
    "-- dify-aws bootstrap: roles, databases, extensions. Idempotent.",
    "\\set ON_ERROR_STOP on",
    rolesSql(a),
    ...dbs.flatMap((db) => [
      `SELECT 'CREATE DATABASE ${db} OWNER ${a.appUser} ENCODING ''UTF8''' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '${db}')\\gexec`,
      `ALTER DATABASE ${db} OWNER TO ${a.appUser};`,
      `REVOKE ALL ON DATABASE ${db} FROM PUBLIC;`,
      `GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${a.appUser};`,
    ]),
    // Extensions need rds_superuser: create them here so Dify's own
    // `CREATE EXTENSION IF NOT EXISTS` (init migration: uuid-ossp; pgvector store: vector) is a no-op.
    `\\connect ${a.database}`,
    "CREATE EXTENSION IF NOT EXISTS vector;",
    "ALTER EXTENSION vector UPDATE;", // after an engine minor upgrade ships a newer pgvector
    'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";',
    // PostgreSQL 15+: public is owned by pg_database_owner, i.e. the database owner (the app role).
    "SELECT extname, extversion FROM pg_extension WHERE extname IN ('vector', 'uuid-ossp') ORDER BY 1;",
    `\\connect ${a.pluginDatabase}`,
    'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";',
    // For the databases DifyBackups' restore role creates later (see rolesSql).
    templateExtensionsSql(DIFY_EXTENSIONS),
    "",
  ].join("\n");
}

/**
 * bootstrapSql for a server whose major version is not known when planning (your own
 * PostgreSQL, DifyDatabaseBootstrap): psql picks the 16+ or the pre-16 role grants at run time
 * from `server_version_num` (psql `\gset` and `\if`, PostgreSQL 10+ psql).
 */
export function versionAdaptiveBootstrapSql(a: Omit<BootstrapSqlArgs, "major">): string {
  return [
    "SELECT current_setting('server_version_num')::int >= 160000 AS dify_pg16 \\gset",
    "\\if :dify_pg16",
    bootstrapSql({ ...a, major: 16 }),
    "\\else",
    bootstrapSql({ ...a, major: 15 }),
    "\\endif",
    "",
  ].join("\n");
}
