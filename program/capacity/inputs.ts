/**
 * The capacity model's inputs from the stack's settings: exactly what the components render
 * (DifyApp's resolved services with their catalog rows' concurrency, DifyDatabaseHA's pool settings,
 * the data classes, the node groups). Pure.
 */
import { DbPool, Placement, dbPool, redisPerProcess } from "../../components/app/catalog";
import { ResolvedPlan } from "../../components/app/validate";
import { PoolSettings } from "../../components/data/args";
import { RESERVED_CONNECTIONS } from "../../components/data/pool";
import { DifyStackConfig } from "../config";
import { CapacityInputs, ELASTICACHE_MAX_CLIENTS, ServiceInput } from "./model";
import { cpuCores, GroupShape, memoryGiB } from "./nodes";

/** The config key holding a service's replica ceiling. */
function ceilingKey(key: string, autoscaled: boolean): string {
  return `dify:services.${key}.${autoscaled ? "maxReplicas" : "replicas"}`;
}

/** Node groups as DifyCluster renders them: app and workers one group per zone (ceil(max/zones) each), system one group. */
function groups(c: DifyStackConfig): GroupShape[] {
  const zones = c.cluster.azCount;
  const perZone = (role: string, g: DifyStackConfig["cluster"]["app"]): GroupShape[] =>
    Array.from({ length: zones }, (_, z) => ({
      name: `${role}-${z}`,
      role,
      instanceType: g.instanceTypes[0],
      spot: g.capacityType === "SPOT",
      minSize: Math.floor(g.minSize / zones) + (z < g.minSize % zones ? 1 : 0),
      maxSize: Math.max(1, Math.ceil(g.maxSize / zones)),
      diskGiB: 0,
    }));
  return [
    { name: "system", role: "system", instanceType: c.cluster.system.instanceTypes[0], spot: c.cluster.system.capacityType === "SPOT", minSize: c.cluster.system.minSize, maxSize: c.cluster.system.maxSize, diskGiB: 0 },
    ...perZone("app", c.cluster.app),
    ...perZone("workers", c.cluster.workers),
  ];
}

export function capacityInputs(c: DifyStackConfig, plan: ResolvedPlan, pool: PoolSettings): CapacityInputs {
  const perApiProcess = pool.sqlalchemyPoolSize + pool.sqlalchemyMaxOverflow + pool.pgvectorMaxConnection;
  const services: ServiceInput[] = plan.services.map((s) => {
    // The row's concurrency (the env literalEnv renders), its database pool and Redis use (catalog.ts).
    const c = s.spec.concurrency;
    const rowPool = dbPool(s.spec);
    const workers = s.spec.placement === Placement.Workers;
    return {
      key: s.spec.key,
      floorReplicas: s.hpa ? s.minReplicas : s.replicas,
      ceilingReplicas: s.hpa ? s.hpa.maxReplicas : s.replicas,
      surge: !s.spec.singleton,
      unit: c?.unit ?? "",
      processesPerPod: c?.processes ?? 1,
      concurrencyPerProcess: c?.perProcess ?? 0,
      dbConnectionsPerProcess: rowPool === DbPool.ApiImage ? perApiProcess : rowPool === DbPool.PluginDaemon ? pool.pluginDbMaxOpenConns : 0,
      redisConnectionsPerProcess: redisPerProcess(s.spec),
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
      engine: c.database.engine,
      instanceClass: c.database.instanceClass,
      ...(c.database.serverless ? { serverless: c.database.serverless } : {}),
      maxConnections: pool.maxConnections,
      reservedConnections: RESERVED_CONNECTIONS,
    },
    databaseKeys: c.database.serverless ? ["dify:dbCapacityRange"] : ["dify:dbInstanceClass"],
    // Every api-image row that runs tasks (the Celery workers) holds one session per concurrent task.
    sessions: {
      perProcess: pool.sqlalchemyPoolSize + pool.sqlalchemyMaxOverflow,
      needed: Math.max(0, ...plan.services.filter((s) => dbPool(s.spec) === DbPool.ApiImage && s.spec.concurrency?.unit === "tasks").map((s) => s.spec.concurrency!.perProcess)),
    },
    redis: { nodeType: c.redis.nodeType, maxClients: ELASTICACHE_MAX_CLIENTS },
    nodeGroups: groups(c),
    zones: c.cluster.azCount,
    nodeKeys: { app: "dify:appNodeMaxSize", workers: "dify:workerNodeMaxSize" },
  };
}
