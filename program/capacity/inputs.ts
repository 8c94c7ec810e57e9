/**
 * The capacity model's inputs from the stack's settings: exactly what the components render
 * (DifyApp's resolved services, the concurrency env of tuning.ts, DifyDatabaseHA's pool settings,
 * the data classes, the node groups). Pure.
 */
import { Placement } from "../../components/app/catalog";
import { CONCURRENCY } from "../../components/app/tuning";
import { ResolvedPlan } from "../../components/app/validate";
import { PoolSettings } from "../../components/data/args";
import { RESERVED_CONNECTIONS } from "../../components/data/pool";
import { DifyStackConfig } from "../config";
import { CapacityInputs, ELASTICACHE_MAX_CLIENTS, ServiceInput } from "./model";
import { cpuCores, GroupShape, memoryGiB } from "./nodes";

/** What one service's processes do and open (per process). */
interface ProcessShape {
  unit: string;
  processes: number;
  concurrency: number;
  db: "api-image" | "plugin-daemon" | "none";
  /** Redis connections one process may hold at once. */
  redis: number;
}

/**
 * Per service: concurrency from tuning.ts (the env literalEnv renders), database and Redis use.
 * Redis: redis-py's pool (Dify sets no REDIS_MAX_CONNECTIONS) grows to one connection per greenlet
 * using it, plus pub/sub; Celery adds its consumer, heartbeat/pidbox and result connections; the
 * plugin daemon's go-redis pool defaults to 10 per GOMAXPROCS (its CPU limit, 2).
 */
const SHAPES: Readonly<Record<string, ProcessShape>> = {
  api: { unit: "requests", processes: CONCURRENCY.apiProcesses, concurrency: CONCURRENCY.apiConnections, db: "api-image", redis: CONCURRENCY.apiConnections + 2 },
  "api-websocket": { unit: "connections", processes: 1, concurrency: CONCURRENCY.websocketConnections, db: "api-image", redis: CONCURRENCY.websocketConnections + 2 },
  worker: { unit: "tasks", processes: 1, concurrency: CONCURRENCY.workerTasks, db: "api-image", redis: CONCURRENCY.workerTasks + 4 },
  "worker-beat": { unit: "", processes: 1, concurrency: 0, db: "api-image", redis: 2 },
  sandbox: { unit: "code runs", processes: 1, concurrency: CONCURRENCY.sandboxWorkers, db: "none", redis: 0 },
  "plugin-daemon": { unit: "", processes: 1, concurrency: 0, db: "plugin-daemon", redis: 20 },
  web: { unit: "", processes: 1, concurrency: 0, db: "none", redis: 0 },
  "ssrf-proxy": { unit: "", processes: 1, concurrency: 0, db: "none", redis: 0 },
};

/** The config key holding a service's replica ceiling. */
function ceilingKey(key: string, autoscaled: boolean): string {
  return `dify:services.${key}.${autoscaled ? "maxReplicas" : "replicas"}`;
}

/** Node groups as DifyCluster renders them: app and workers one group per zone (ceil(max/zones) each), system one group. */
function groups(c: DifyStackConfig): GroupShape[] {
  const zones = c.cluster.azCount;
  const perZone = (role: string, g: DifyStackConfig["cluster"]["app"], spot: boolean): GroupShape[] =>
    Array.from({ length: zones }, (_, z) => ({
      name: `${role}-${z}`,
      role,
      instanceType: g.instanceTypes[0],
      spot,
      minSize: Math.floor(g.minSize / zones) + (z < g.minSize % zones ? 1 : 0),
      maxSize: Math.max(1, Math.ceil(g.maxSize / zones)),
      diskGiB: 0,
    }));
  return [
    { name: "system", role: "system", instanceType: c.cluster.system.instanceTypes[0], spot: false, minSize: c.cluster.system.minSize, maxSize: c.cluster.system.maxSize, diskGiB: 0 },
    ...perZone("app", c.cluster.app, false),
    ...perZone("workers", c.cluster.workers, true),
  ];
}

export function capacityInputs(c: DifyStackConfig, plan: ResolvedPlan, pool: PoolSettings): CapacityInputs {
  const perApiProcess = pool.sqlalchemyPoolSize + pool.sqlalchemyMaxOverflow + pool.pgvectorMaxConnection;
  const services: ServiceInput[] = plan.services.map((s) => {
    const shape = SHAPES[s.spec.key] ?? { unit: "", processes: 1, concurrency: 0, db: "none", redis: 0 };
    const workers = s.spec.placement === Placement.Workers;
    return {
      key: s.spec.key,
      floorReplicas: s.hpa ? s.minReplicas : s.replicas,
      ceilingReplicas: s.hpa ? s.hpa.maxReplicas : s.replicas,
      surge: !s.spec.singleton,
      unit: shape.unit,
      processesPerPod: shape.processes,
      concurrencyPerProcess: shape.concurrency,
      dbConnectionsPerProcess: shape.db === "api-image" ? perApiProcess : shape.db === "plugin-daemon" ? pool.pluginDbMaxOpenConns : 0,
      redisConnectionsPerProcess: shape.redis,
      cpu: cpuCores(s.resources.cpuRequest),
      memoryGiB: memoryGiB(s.resources.memoryRequest),
      role: workers ? "workers" : "app",
      fallbackRole: workers ? "app" : undefined,
      ceilingKey: ceilingKey(s.spec.key, s.hpa !== undefined),
    };
  });
  return {
    services,
    // The migration Job (one api-image process) and the backup Jobs (pg_dump / restore check: one each).
    jobDbConnections: perApiProcess + 2,
    database: {
      instanceClass: c.database.instanceClass,
      ...(c.database.serverless ? { serverless: c.database.serverless } : {}),
      maxConnections: pool.maxConnections,
      reservedConnections: RESERVED_CONNECTIONS,
    },
    databaseKeys: c.database.serverless ? ["dify:dbCapacityRange"] : ["dify:dbInstanceClass"],
    redis: { nodeType: c.redis.nodeType, maxClients: ELASTICACHE_MAX_CLIENTS },
    nodeGroups: groups(c),
    zones: c.cluster.azCount,
    nodeKeys: { app: "dify:appNodeMaxSize", workers: "dify:workerNodeMaxSize" },
  };
}
