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

/**
 * psql script, run as the master user with ON_ERROR_STOP. Every statement is a no-op when its
 * object already exists, so re-runs (new Job name after any change) converge instead of failing.
 */
export function bootstrapSql(a: BootstrapSqlArgs): string {
  const dbs = [a.database, a.pluginDatabase];
  return [
    "-- dify-aws bootstrap: role, databases, extensions. Idempotent.",
    "\\set ON_ERROR_STOP on",
    `\\getenv app_verifier ${VERIFIER_ENV}`,
    // The least-privilege login role: no superuser, no CREATEDB/CREATEROLE (its databases are pre-created).
    `SELECT 'CREATE ROLE ${a.appUser} LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${a.appUser}')\\gexec`,
    `ALTER ROLE ${a.appUser} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'app_verifier';`,
    // The master (rds_superuser, not a real superuser) must be able to SET ROLE to the owner to
    // create a database owned by it. On 16+ the CREATEROLE auto-grant has SET FALSE, so ask for SET.
    a.major >= 16
      ? `SELECT format('GRANT %I TO %I WITH SET TRUE', '${a.appUser}', current_user) WHERE NOT pg_has_role(current_user, '${a.appUser}', 'SET')\\gexec`
      : `SELECT format('GRANT %I TO %I', '${a.appUser}', current_user) WHERE NOT pg_has_role(current_user, '${a.appUser}', 'MEMBER')\\gexec`,
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
    "",
  ].join("\n");
}
