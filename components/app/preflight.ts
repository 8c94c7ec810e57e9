/**
 * The migration Job's preflight: an init container that checks the database prerequisites DifyApp
 * does not create itself (they are created by DifyDatabaseHA's bootstrap Job, or by you on your own
 * PostgreSQL: examples/existing-cluster/README.md) and fails with one plain message per missing
 * one, instead of a migration stack trace deep inside Alembic.
 *
 * It runs in the dify-api image with Dify's own env (ConfigMap + Secret refs, as the migration),
 * so it checks exactly the login and database the migration will use. The image has python and
 * psycopg2 on PATH: `psycopg2-binary~=2.9.6` is a main dependency in langgenius/dify
 * api/pyproject.toml (commit 0055b983), installed into the venv that api/Dockerfile puts first
 * on PATH (`ENV PATH="${VIRTUAL_ENV}/bin:${PATH}"`). No other image is needed.
 *
 * The checks are data (PREFLIGHT_CHECKS): the SQL each runs is exported so the tests run it
 * against a real PostgreSQL, and the python is a thin loop that prints each failing row's message.
 * The password is read from DB_PASSWORD and never printed.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Where the user is told to look for the SQL that creates the prerequisites. */
export const PREREQUISITES_DOC = "examples/existing-cluster/README.md";

/** Exit code of the preflight when a prerequisite is missing (connection failures exit 1 as well). */
export const PREFLIGHT_FAILED_EXIT = 1;

/** Prefix of every line the preflight prints, so the message is easy to find in Pulumi's output. */
export const PREFLIGHT_TAG = "dify-aws preflight";

/**
 * One check run on the connection to DB_DATABASE as Dify's role. `sql` returns one row whose
 * first column is true when the prerequisite is met (it takes the plugin database's name as its
 * only parameter, %(plugin)s, when it needs it). `message` is printed when not met; `{db}`,
 * `{plugin}`, `{user}` (Dify's role) and `{target}` (host:port) are filled in.
 */
export interface PreflightCheck {
  key: "database" | "extension-vector" | "extension-uuid-ossp" | "plugin-database";
  sql: string;
  message: string;
}

const extensionMessage = (ext: string, quoted: string) =>
  `extension "${ext}" is missing in database "{db}" on {target}: Dify's role may not create it. ` +
  `Run as the master user, connected to "{db}": CREATE EXTENSION IF NOT EXISTS ${quoted}; (see ${PREREQUISITES_DOC})`;

/**
 * The checks after a successful login (the login itself, and a missing DB_DATABASE, are reported
 * from the connection error, see the script). pg_extension and pg_database are readable by every
 * role, so the checks need no privilege beyond CONNECT.
 */
export const PREFLIGHT_CHECKS: readonly PreflightCheck[] = [
  {
    key: "extension-vector",
    sql: "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')",
    message: extensionMessage("vector", "vector"),
  },
  {
    key: "extension-uuid-ossp",
    sql: "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'uuid-ossp')",
    message: extensionMessage("uuid-ossp", '"uuid-ossp"'),
  },
  {
    key: "plugin-database",
    // NULL (no row) when the database is missing, false when the role may not connect to it.
    sql: "SELECT coalesce((SELECT has_database_privilege(datname, 'CONNECT') FROM pg_database WHERE datname = %(plugin)s), false)",
    message:
      `the plugin daemon's database "{plugin}" is missing on {target}, or Dify's role may not connect to it. ` +
      `Run as the master user: CREATE DATABASE {plugin} OWNER {user} ENCODING 'UTF8'; (see ${PREREQUISITES_DOC})`,
  },
];

/**
 * The python run by the init container: `python -c <script> <plugin database>`. Reads the
 * connection from Dify's own env (DB_HOST, DB_PORT, DB_USERNAME, DB_PASSWORD, DB_DATABASE,
 * PGSSLMODE), prints one line per failure to stderr and exits 1 if any; prints "ok" and exits 0
 * otherwise. A missing DB_DATABASE is told apart from other connection errors by PostgreSQL's
 * error text (`database "x" does not exist`, server message, lc_messages English on RDS).
 * `checkList` is for the tests only (they stand in for pgvector where it is not installed).
 */
export function preflightScript(checkList: readonly PreflightCheck[] = PREFLIGHT_CHECKS): string {
  const checks = JSON.stringify(checkList.map((c) => [c.sql, c.message]));
  return [
    "import json, os, sys",
    "import psycopg2",
    "e = os.environ",
    "db, plugin = e['DB_DATABASE'], sys.argv[1]",
    "target = '%s:%s' % (e['DB_HOST'], e['DB_PORT'])",
    "ssl = e.get('PGSSLMODE', 'prefer')",
    `def out(m): print('${PREFLIGHT_TAG}: ' + m.format(db=db, plugin=plugin, target=target, user=e['DB_USERNAME']), file=sys.stderr, flush=True)`,
    "try:",
    "    conn = psycopg2.connect(host=e['DB_HOST'], port=e['DB_PORT'], user=e['DB_USERNAME'], password=e['DB_PASSWORD'], dbname=db,",
    "                            sslmode=ssl, connect_timeout=10, application_name='dify-aws-preflight')",
    "except psycopg2.OperationalError as x:",
    "    err = ' '.join(str(x).split())",
    "    if ('database \"%s\" does not exist' % db) in err:",
    `        out('database "{db}" does not exist on {target}. Run as the master user: CREATE DATABASE {db} OWNER {user} ENCODING \\'UTF8\\'; (see ${PREREQUISITES_DOC})')`,
    "    else:",
    "        out('cannot connect to {target} as user {user} (database \"{db}\", sslmode=' + ssl + '): ' + err.replace('{', '{{').replace('}', '}}'))",
    `    sys.exit(${PREFLIGHT_FAILED_EXIT})`,
    "failed = 0",
    "with conn.cursor() as cur:",
    `    for sql, message in json.loads(${JSON.stringify(checks)}):`,
    "        cur.execute(sql, {'plugin': plugin})",
    "        if not cur.fetchone()[0]:",
    "            out(message)",
    "            failed += 1",
    "conn.close()",
    `if failed: sys.exit(${PREFLIGHT_FAILED_EXIT})`,
    `print('${PREFLIGHT_TAG}: ok: database "%s" on %s has vector and uuid-ossp; "%s" exists' % (db, target, plugin))`,
  ].join("\n");
}

export interface PreflightContainerArgs {
  image: string;
  pluginDatabase: pulumi.Input<string>;
  env: k8s.types.input.core.v1.EnvVar[];
  envFrom: k8s.types.input.core.v1.EnvFromSource[];
  securityContext: k8s.types.input.core.v1.SecurityContext;
  volumeMounts: k8s.types.input.core.v1.VolumeMount[];
}

/** The init container. Small requests: it opens one connection and runs three queries. */
export function preflightContainer(a: PreflightContainerArgs): k8s.types.input.core.v1.Container {
  return {
    name: "preflight",
    image: a.image,
    command: ["python", "-c", preflightScript(), a.pluginDatabase],
    env: a.env,
    envFrom: a.envFrom,
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    securityContext: a.securityContext,
    volumeMounts: a.volumeMounts,
    // The last log lines (the messages above) become the container's termination message, which
    // the pod status carries and Pulumi's Job await prints with the pod's warnings
    // (pulumi/pulumi-kubernetes PR #633: "[Pod x]: containers with unready status ... -- [reason] message").
    terminationMessagePolicy: "FallbackToLogsOnError",
  };
}
