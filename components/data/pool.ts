/**
 * Connection-pool sizing: every Dify process keeps its own pools, and all of them talk to the
 * Aurora writer (Dify has no read/write split), so the sum of all pools at the replica ceilings
 * must stay under ONE instance's max_connections. After a failover the promoted reader has the
 * same class, so the same budget holds.
 *
 * max_connections on Aurora PostgreSQL defaults to LEAST({DBInstanceClassMemory/9531392}, 5000)
 * (AWS, "Maximum connections to an Aurora PostgreSQL DB instance"). DBInstanceClassMemory is
 * the class memory minus what RDS reserves; 90% of nominal memory reproduces the published
 * values (db.t4g.medium: 4 GiB -> 405). Serverless v2 derives it from the maximum ACU (2 GiB each).
 *
 * Per process (Dify defaults): SQLALCHEMY_POOL_SIZE 30 + SQLALCHEMY_MAX_OVERFLOW 10 +
 * PGVECTOR_MAX_CONNECTION 5 = 45. Plugin daemon: DB_MAX_OPEN_CONNS 30 per pod.
 * Prod example (db.r7g.large, 16 GiB -> ~1,622; 20 reserved -> 1,602 usable):
 *   api (10 + 1 surge) x 1 gunicorn process = 11, worker 10 + 1 = 11 (one gevent process each),
 *   beat 1, migration Job 1 -> 24 Python processes x 45 = 1,080
 *   plugin daemon (2 + 1) x 30 = 90  -> worst case 1,170 <= 1,602: Dify's defaults fit.
 * Dev example (db.t4g.medium, ~405; 385 usable) with api 2, worker 2, plugin 1:
 *   (3 + 3 + 1 + 1) x 45 + 2 x 30 = 420 > 385 -> scaled to pool 28 / overflow 9 / pgvector 4, daemon 27 -> 382.
 *
 * RDS for PostgreSQL DB instances (engine "rds-instance") use the same default formula (RDS user
 * guide, "Maximum number of database connections": LEAST({DBInstanceClassMemory/9531392}, 5000)),
 * but on the small classes RDS keeps a larger share of the memory for itself: measured
 * `SHOW max_connections` on 2 GiB and 4 GiB instances are 198 and 413 (gist
 * guizmaii/1cacffef793c2ba9645083c3e18b3d8c), i.e. about 260-360 MiB are not in
 * DBInstanceClassMemory. The estimate takes the smaller of 90% of nominal memory and nominal less
 * 384 MiB (db.t4g.micro 1 GiB -> 70, db.t4g.small 2 GiB -> 183, db.t4g.medium -> 405), below every
 * measured value: conservative, so a pool sized from it never meets "too many clients".
 *
 * Sessions per process: a Celery task keeps its scoped session (one connection) while it runs, so
 * pool + overflow of every api-image process must hold the worker's concurrent tasks
 * (`connectionBudget.sessionsPerProcess`, default 16 = CELERY_WORKER_AMOUNT of DifyApp); a class
 * whose max_connections cannot give every process that many is refused instead of shrinking the
 * pools below it.
 */
import { ConnectionBudgetArgs, PoolSettings } from "./args";
import { PostgresEngine } from "../contracts";

const BYTES_PER_CONNECTION = 9531392;
const RESERVED_MEMORY_FACTOR = 0.9;
const AURORA_PG_MAX_CONNECTIONS_CAP = 5000;
/** Memory of an RDS for PostgreSQL instance that is not in DBInstanceClassMemory, at least (see above). */
const RDS_INSTANCE_RESERVED_BYTES = 384 * 2 ** 20;

/** GiB per vCPU by instance family letter(s). */
const GIB_PER_VCPU: Record<string, number> = { r: 8, m: 4, x: 16 };

function vcpus(size: string): number | undefined {
  if (size === "medium") return 2;
  if (size === "large") return 2;
  if (size === "xlarge") return 4;
  const m = /^(\d+)xlarge$/.exec(size);
  return m ? Number(m[1]) * 4 : undefined;
}

/** Nominal memory (GiB) of an RDS instance class, or undefined if unknown. */
export function classMemoryGiB(instanceClass: string): number | undefined {
  const m = /^db\.([a-z]+)\d+[a-z]*\.([a-z0-9]+)$/.exec(instanceClass);
  if (!m) return undefined;
  const [, family, size] = m;
  if (family === "t") {
    return ({ micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, "2xlarge": 32 } as Record<string, number>)[size];
  }
  const perCpu = GIB_PER_VCPU[family];
  const cpus = vcpus(size);
  return perCpu !== undefined && cpus !== undefined && size !== "medium" ? perCpu * cpus : undefined;
}

/**
 * Estimated default max_connections of one instance (Serverless v2: at maximum ACU). `engine`
 * "rds-instance" (PostgresEngine.RdsInstance) estimates an RDS for PostgreSQL DB instance. Default "aurora".
 */
export function estimateMaxConnections(instanceClass: string, serverlessMaxAcu?: number, engine: string = PostgresEngine.Aurora): number | undefined {
  const gib = instanceClass === "db.serverless" ? (serverlessMaxAcu ?? 1) * 2 : classMemoryGiB(instanceClass);
  if (gib === undefined) return undefined;
  const bytes = gib * 2 ** 30;
  const usable = engine === PostgresEngine.RdsInstance
    ? Math.min(bytes * RESERVED_MEMORY_FACTOR, bytes - RDS_INSTANCE_RESERVED_BYTES)
    : bytes * RESERVED_MEMORY_FACTOR;
  return Math.min(Math.floor(usable / BYTES_PER_CONNECTION), AURORA_PG_MAX_CONNECTIONS_CAP);
}

/** Connections kept free for the superuser, monitoring and rdsadmin (default of `connectionBudget.reservedConnections`). */
export const RESERVED_CONNECTIONS = 20;

/**
 * Connections one api-image process must be able to hold (default of `connectionBudget.sessionsPerProcess`):
 * DifyApp's Celery worker runs 16 tasks at once (CELERY_WORKER_AMOUNT), each with its own session.
 */
export const SESSIONS_PER_PROCESS = 16;

const DIFY_DEFAULTS = { pool: 30, overflow: 10, pgvector: 5, pluginOpen: 30, pluginIdle: 10 };

function count(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min || v > 1000) {
    throw new Error(`args.connectionBudget.${name} must be an integer in ${min}..1000, got ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * The database's max_connections cannot hold every Dify pool at the replica ceilings: the class
 * (or Serverless v2 maximum) is too small for them. `message` says by how much; DifyDatabaseHA
 * reports it against args.postgres.instanceClass (or serverless.maxCapacity).
 */
export class ConnectionBudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConnectionBudgetError";
  }
}

/**
 * Pool settings that keep every pod of Dify, at its replica ceiling plus rollout surge, under
 * max_connections. Dify's defaults are kept when they fit; otherwise every pool is scaled down
 * in proportion. Throws when even small pools (8 connections per process) cannot fit.
 */
export function computePoolSettings(maxConnections: number, b: ConnectionBudgetArgs): PoolSettings {
  const surge = count("surgePerDeployment", b.surgePerDeployment ?? 1, 0);
  const api = (count("apiReplicas", b.apiReplicas ?? 10, 1) + surge) * count("apiWorkersPerPod", b.apiWorkersPerPod ?? 1, 1);
  const worker = count("workerReplicas", b.workerReplicas ?? 10, 1) + surge;
  const beat = count("beatReplicas", b.beatReplicas ?? 1, 0); // Recreate strategy: no surge
  const migration = 1;
  const plugin = count("pluginDaemonReplicas", b.pluginDaemonReplicas ?? 2, 1) + surge;
  const reserved = count("reservedConnections", b.reservedConnections ?? RESERVED_CONNECTIONS, 3);
  const sessions = count("sessionsPerProcess", b.sessionsPerProcess ?? SESSIONS_PER_PROCESS, 1);
  const python = api + worker + beat + migration;
  const usable = maxConnections - reserved;
  const perProcessDefault = DIFY_DEFAULTS.pool + DIFY_DEFAULTS.overflow + DIFY_DEFAULTS.pgvector;
  const demand = python * perProcessDefault + plugin * DIFY_DEFAULTS.pluginOpen;

  let pool = DIFY_DEFAULTS.pool;
  let overflow = DIFY_DEFAULTS.overflow;
  let pgvector = DIFY_DEFAULTS.pgvector;
  let pluginOpen = DIFY_DEFAULTS.pluginOpen;
  if (demand > usable) {
    const f = usable / demand;
    pluginOpen = Math.max(5, Math.floor(DIFY_DEFAULTS.pluginOpen * f));
    const perProcess = Math.floor((usable - plugin * pluginOpen) / python);
    pgvector = Math.min(5, Math.max(1, Math.floor(perProcess / 9)));
    const rest = perProcess - pgvector;
    // pool + overflow (= rest) must hold every concurrent task of a worker process.
    if (perProcess < 8 || rest < sessions) {
      throw new ConnectionBudgetError(
        `${python} Dify processes + ${plugin} plugin daemons (with one rollout surge pod per Deployment) ` +
          `need at least ${sessions} SQLAlchemy connections (pool + overflow) + pgvector each, but ~${maxConnections} max_connections ` +
          `(${reserved} reserved) fit ${perProcess} each`,
      );
    }
    overflow = Math.floor(rest / 4);
    pool = rest - overflow;
  } else if (pool + overflow < sessions) {
    throw new Error(`connection budget: args.connectionBudget.sessionsPerProcess ${sessions} is more than Dify's pool + overflow (${pool + overflow}) per process`);
  }
  return {
    maxConnections,
    sqlalchemyPoolSize: pool,
    sqlalchemyMaxOverflow: overflow,
    pgvectorMaxConnection: pgvector,
    pluginDbMaxOpenConns: pluginOpen,
    pluginDbMaxIdleConns: Math.min(DIFY_DEFAULTS.pluginIdle, pluginOpen),
    worstCaseConnections: python * (pool + overflow + pgvector) + plugin * pluginOpen,
  };
}
