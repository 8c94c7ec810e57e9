/**
 * The capacity model: what one stack serves and every limit on the way, computed from the same
 * settings the plan renders (replicas and autoscaling bounds from DifyApp's resolved plan, the
 * per-process concurrency env of components/app/tuning.ts, the pools DifyDatabaseHA sizes, the
 * database class or ACU range, the cache node type, the node groups). The plan document carries
 * it as `capacity`; `limits` that do not hold refuse the config, naming the keys to change.
 *
 * Concurrency per pod = processes x concurrency per process:
 * - api: SERVER_WORKER_AMOUNT gunicorn processes x SERVER_WORKER_CONNECTIONS gevent greenlets;
 * - worker: CELERY_WORKER_AMOUNT tasks in one Celery process (gevent pool);
 * - sandbox: max_workers concurrent code runs.
 * Database connections per pod: each api-image process may open SQLAlchemy pool + overflow and
 * the pgvector pool; each plugin daemon DB_MAX_OPEN_CONNS. Redis connections per pod: one per
 * greenlet or task that may use it at once, plus the Celery consumer's own.
 */
import { GroupShape, nodesByRole, PodDemand } from "./nodes";

/** What one service serves. */
export interface ServiceCapacity {
  service: string;
  /** What the concurrency counts: "requests", "tasks", "code runs", or "" for none. */
  unit: string;
  processesPerPod: number;
  concurrencyPerProcess: number;
  /** processes x concurrency. */
  perPod: number;
  floorReplicas: number;
  ceilingReplicas: number;
  floor: number;
  ceiling: number;
  dbConnectionsPerPod: number;
  redisConnectionsPerPod: number;
}

/** One limit on the path, checked at the autoscaling ceiling (plus one rollout surge pod per Deployment). */
export interface LimitCheck {
  limit: string;
  /** What the stack can demand at the ceiling. */
  demand: number;
  /** What the limit allows. */
  capacity: number;
  ok: boolean;
  /** Config keys that change either side. */
  keys: string[];
  /** How the two numbers were obtained. */
  basis: string;
}

export interface Concurrency {
  perPod: number;
  floor: number;
  ceiling: number;
}

export interface CapacityReport {
  /** Concurrent api requests (the goal's first column). */
  apiConcurrentRequests: Concurrency;
  /** Concurrent Celery tasks (the goal's second column). */
  backgroundTasks: Concurrency;
  /** Concurrent sandbox code runs. */
  codeExecutions: Concurrency;
  services: ServiceCapacity[];
  /** `engine`: "aurora" (cluster) or "rds-instance" (one DB instance). */
  database: { engine: string; instanceClass: string; serverless?: { minCapacity: number; maxCapacity: number }; maxConnections: number; reservedConnections: number };
  redis: { nodeType: string; maxClients: number };
  limits: LimitCheck[];
}

/** One service as the settings render it. */
export interface ServiceInput {
  key: string;
  floorReplicas: number;
  ceilingReplicas: number;
  /** Rolled out with a surge pod (Deployments with RollingUpdate; not the singleton beat). */
  surge: boolean;
  unit: string;
  processesPerPod: number;
  concurrencyPerProcess: number;
  dbConnectionsPerProcess: number;
  redisConnectionsPerProcess: number;
  /** Pod requests and placement, for the node check. */
  cpu: number;
  memoryGiB: number;
  role: string;
  fallbackRole?: string;
  /** The config key of its replica ceiling. */
  ceilingKey: string;
}

export interface CapacityInputs {
  services: ServiceInput[];
  /** One-off Jobs that hold connections while they run (migration, backups), in total. */
  jobDbConnections: number;
  database: CapacityReport["database"];
  databaseKeys: string[];
  /**
   * SQLAlchemy connections one api-image process may hold (pool + overflow, the same env for api,
   * worker and beat) against what it must hold: a Celery task keeps its session while it runs.
   */
  sessions: { perProcess: number; needed: number };
  redis: CapacityReport["redis"];
  nodeGroups: GroupShape[];
  zones: number;
  nodeKeys: Record<string, string>;
}

/**
 * ElastiCache for Valkey and Redis OSS: maxclients is 65,000 on every node type and cannot be
 * changed (ElastiCache "Valkey and Redis OSS parameters", Redis 7 / Valkey 7+ parameter groups).
 */
export const ELASTICACHE_MAX_CLIENTS = 65000;

function sumFor(services: ServiceInput[], key: string, at: "floor" | "ceiling"): Concurrency {
  const s = services.find((x) => x.key === key);
  if (!s) return { perPod: 0, floor: 0, ceiling: 0 };
  const perPod = s.processesPerPod * s.concurrencyPerProcess;
  return { perPod, floor: perPod * s.floorReplicas, ceiling: perPod * (at === "ceiling" ? s.ceilingReplicas : s.floorReplicas) };
}

export function capacityOf(i: CapacityInputs): CapacityReport {
  const services: ServiceCapacity[] = i.services.map((s) => {
    const perPod = s.processesPerPod * s.concurrencyPerProcess;
    return {
      service: s.key,
      unit: s.unit,
      processesPerPod: s.processesPerPod,
      concurrencyPerProcess: s.concurrencyPerProcess,
      perPod,
      floorReplicas: s.floorReplicas,
      ceilingReplicas: s.ceilingReplicas,
      floor: perPod * s.floorReplicas,
      ceiling: perPod * s.ceilingReplicas,
      dbConnectionsPerPod: s.processesPerPod * s.dbConnectionsPerProcess,
      redisConnectionsPerPod: s.processesPerPod * s.redisConnectionsPerProcess,
    };
  });
  const podsAtCeiling = (s: ServiceInput) => s.ceilingReplicas + (s.surge ? 1 : 0);
  const ceilingKeys = i.services.filter((s) => s.dbConnectionsPerProcess > 0).map((s) => s.ceilingKey);
  const limits: LimitCheck[] = [];

  const db = i.services.reduce((a, s) => a + podsAtCeiling(s) * s.processesPerPod * s.dbConnectionsPerProcess, 0) + i.jobDbConnections;
  const dbCap = i.database.maxConnections - i.database.reservedConnections;
  limits.push({
    limit: `PostgreSQL connections (${i.database.engine === "rds-instance" ? "DB instance" : "Aurora writer"} max_connections)`,
    demand: db,
    capacity: dbCap,
    ok: db <= dbCap,
    keys: [...i.databaseKeys, ...ceilingKeys],
    basis: `every api-image process's SQLAlchemy pool + overflow + pgvector pool and every plugin daemon's DB_MAX_OPEN_CONNS at the replica ceiling plus one surge pod, plus Jobs (${i.jobDbConnections}); against max_connections ${i.database.maxConnections} less ${i.database.reservedConnections} reserved for superuser, monitoring and rdsadmin`,
  });

  limits.push({
    limit: "SQLAlchemy connections per process (pool + overflow) for every running Celery task",
    demand: i.sessions.needed,
    capacity: i.sessions.perProcess,
    ok: i.sessions.needed <= i.sessions.perProcess,
    keys: [...i.databaseKeys, ...ceilingKeys],
    basis: "a Celery task keeps its scoped session (one connection) while it runs, so a worker process needs one per concurrent task (CELERY_WORKER_AMOUNT); SQLALCHEMY_POOL_SIZE + SQLALCHEMY_MAX_OVERFLOW are sized by DifyDatabaseHA from max_connections and the replica ceilings (components/data/pool.ts)",
  });

  const redis = i.services.reduce((a, s) => a + podsAtCeiling(s) * s.processesPerPod * s.redisConnectionsPerProcess, 0);
  limits.push({
    limit: "Redis connections (ElastiCache maxclients)",
    demand: redis,
    capacity: i.redis.maxClients,
    ok: redis <= i.redis.maxClients,
    keys: i.services.filter((s) => s.redisConnectionsPerProcess > 0).map((s) => s.ceilingKey),
    basis: "one connection per greenlet or task that may use Redis at once (redis-py and Celery pools grow on demand), plus each Celery worker's consumer, heartbeat and result connections and the plugin daemon's go-redis pool (10 per CPU)",
  });

  const pods: PodDemand[] = i.services.map((s) => ({
    name: s.key, role: s.role, fallbackRole: s.fallbackRole, cpu: s.cpu, memoryGiB: s.memoryGiB,
    floor: s.floorReplicas, ceiling: s.ceilingReplicas, zoneSpread: i.zones > 1 && s.ceilingReplicas > 1,
  }));
  for (const r of nodesByRole(i.nodeGroups, pods)) {
    if (r.role === "system") continue; // add-ons, not scaled by load
    limits.push({
      limit: `${r.role} nodes (node group maximum)`,
      demand: r.neededCeiling,
      capacity: r.maxNodes,
      ok: r.neededCeiling <= r.maxNodes,
      keys: [i.nodeKeys[r.role] ?? `${r.role} node group`, ...i.services.filter((s) => s.role === r.role).map((s) => s.ceilingKey)],
      basis: `the requests of every ${r.role} pod at its replica ceiling, per zone, packed onto ${r.groups[0].instanceType} (program/capacity/nodes.ts)`,
    });
  }

  return {
    apiConcurrentRequests: sumFor(i.services, "api", "ceiling"),
    backgroundTasks: sumFor(i.services, "worker", "ceiling"),
    codeExecutions: sumFor(i.services, "sandbox", "ceiling"),
    services,
    database: i.database,
    redis: i.redis,
    limits,
  };
}

/** The issue-14 goal per profile: what a preset must serve, and its idle-floor price. */
export interface CapacityGoal {
  /** Concurrent api requests at the autoscaling floor. */
  apiFloor: number;
  /** Concurrent api requests at the ceiling (undefined: no goal). */
  apiCeiling?: number;
  /** Concurrent background tasks at the floor. */
  tasksFloor: number;
  /** Monthly list price at the idle floor, USD. */
  idleFloorUsd: number;
}

export const GOALS: Readonly<Record<"dev" | "prod", CapacityGoal>> = {
  prod: { apiFloor: 200, apiCeiling: 1000, tasksFloor: 32, idleFloorUsd: 900 },
  dev: { apiFloor: 20, tasksFloor: 4, idleFloorUsd: 200 },
};
