/**
 * Issue 14's goal over the rendered plan: what each preset serves and what it costs. Every number
 * here is recomputed from what the plan renders (container env and the ConfigMaps it reads,
 * Deployment replicas, autoscaler bounds, the Aurora and ElastiCache resources) with formulas of
 * this file, not taken from the capacity model it checks; the model must then agree with them.
 */
import { strict as assert } from "assert";
import { Plan, planStack, ConfigError } from "../program/plan/plan";
import { GOALS } from "../program/capacity/model";
import { costOf } from "../program/capacity/cost";
import { DEFAULT_CELERY_QUEUES } from "../components/contracts";
import { renderCapacityReadme } from "../program/capacity/docs";
import * as fs from "fs";
import * as path from "path";

const plans: Record<string, Plan> = {};
async function plan(stack: "dev" | "prod"): Promise<Plan> {
  plans[stack] ??= await planStack(stack, { policy: false });
  return plans[stack];
}

type Res = Plan["document"]["resources"][number];
const ofType = (p: Plan, t: string) => p.document.resources.filter((r) => r.type === t);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

/** The env a Deployment's first container sees: its ConfigMaps (envFrom), then its literal env. */
function envOf(p: Plan, dep: Res): Record<string, string> {
  const ns = (dep.inputs as Any).metadata.namespace;
  const c = (dep.inputs as Any).spec.template.spec.containers[0];
  const env: Record<string, string> = {};
  for (const f of c.envFrom ?? []) {
    if (!f.configMapRef) continue;
    const cm = ofType(p, "kubernetes:core/v1:ConfigMap").find((r) => (r.inputs as Any).metadata.name === f.configMapRef.name && (r.inputs as Any).metadata.namespace === ns);
    Object.assign(env, (cm?.inputs as Any)?.data ?? {});
  }
  for (const e of c.env ?? []) if (typeof e.value === "string") env[e.name] = e.value;
  return env;
}

/** Replicas at the floor and the ceiling: the HPA's (or KEDA ScaledObject's) bounds, else spec.replicas. */
function bounds(p: Plan, dep: Res): { floor: number; ceiling: number } {
  const name = (dep.inputs as Any).metadata.name;
  const hpa = ofType(p, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").find((r) => (r.inputs as Any).spec.scaleTargetRef.name === name);
  if (hpa) return { floor: (hpa.inputs as Any).spec.minReplicas, ceiling: (hpa.inputs as Any).spec.maxReplicas };
  const so = ofType(p, "kubernetes:keda.sh/v1alpha1:ScaledObject").find((r) => (r.inputs as Any).spec.scaleTargetRef.name === name);
  if (so) return { floor: (so.inputs as Any).spec.minReplicaCount, ceiling: (so.inputs as Any).spec.maxReplicaCount };
  const n = (dep.inputs as Any).spec.replicas;
  return { floor: n, ceiling: n };
}

function deployment(p: Plan, name: string): Res {
  const d = ofType(p, "kubernetes:apps/v1:Deployment").find((r) => (r.inputs as Any).metadata.name === name);
  assert.ok(d, `no Deployment ${name} in the plan`);
  return d;
}

/** The entrypoint's defaults when a variable is unset (api/docker/entrypoint.sh). */
const int = (env: Record<string, string>, k: string, dflt: number) => (env[k] === undefined ? dflt : Number(env[k]));

/** Concurrent requests of the api: gunicorn processes x gevent connections x replicas. */
function apiRequests(p: Plan) {
  const dep = deployment(p, "dify-api");
  const env = envOf(p, dep);
  assert.equal(env.SERVER_WORKER_CLASS ?? "gevent", "gevent", "the connection count is per gevent worker");
  const perPod = int(env, "SERVER_WORKER_AMOUNT", 1) * int(env, "SERVER_WORKER_CONNECTIONS", 10);
  const b = bounds(p, dep);
  return { perPod, floor: perPod * b.floor, ceiling: perPod * b.ceiling };
}

/** Concurrent Celery tasks: -c CELERY_WORKER_AMOUNT (entrypoint default 1) x replicas. */
function backgroundTasks(p: Plan) {
  const dep = deployment(p, "dify-worker");
  const env = envOf(p, dep);
  assert.equal(env.CELERY_AUTO_SCALE ?? "false", "false", "autoscaled Celery pools are not counted");
  const perPod = int(env, "CELERY_WORKER_AMOUNT", 1);
  const b = bounds(p, dep);
  return { perPod, floor: perPod * b.floor, ceiling: perPod * b.ceiling };
}

/**
 * Aurora PostgreSQL's default max_connections, LEAST(DBInstanceClassMemory/9531392, 5000)
 * ("Maximum connections to an Aurora PostgreSQL DB instance"), with DBInstanceClassMemory taken as
 * 90% of nominal memory; Serverless v2 at its maximum ACU, 2 GiB each. An RDS for PostgreSQL DB
 * instance: the same formula with DBInstanceClassMemory at most nominal less 384 MiB (measured 198
 * on 2 GiB, 413 on 4 GiB instances).
 */
function maxConnections(p: Plan): number {
  const instance = ofType(p, "aws:rds/instance:Instance")[0];
  if (instance) {
    const cls = (instance.inputs as Any).instanceClass as string;
    const gib = ({ "db.t4g.micro": 1, "db.t4g.small": 2, "db.t4g.medium": 4, "db.t4g.large": 8 } as Record<string, number>)[cls];
    assert.ok(gib, `no memory for ${cls}`);
    return Math.min(Math.floor(Math.min(gib * 2 ** 30 * 0.9, gib * 2 ** 30 - 384 * 2 ** 20) / 9531392), 5000);
  }
  const cluster = ofType(p, "aws:rds/cluster:Cluster")[0].inputs as Any;
  const cls = (ofType(p, "aws:rds/clusterInstance:ClusterInstance")[0].inputs as Any).instanceClass;
  const gib = cls === "db.serverless" ? cluster.serverlessv2ScalingConfiguration.maxCapacity * 2 : ({ "db.t4g.medium": 4, "db.t4g.large": 8, "db.r7g.large": 16, "db.r7g.xlarge": 32 } as Record<string, number>)[cls];
  assert.ok(gib, `no memory for ${cls}`);
  return Math.min(Math.floor((gib * 2 ** 30 * 0.9) / 9531392), 5000);
}

/** Connections every pod may open at the ceiling (+1 rolling-update surge pod), plus one migration Job process. */
function connectionsAtCeiling(p: Plan): number {
  let total = 0;
  let perApiProcess = 0;
  for (const dep of ofType(p, "kubernetes:apps/v1:Deployment")) {
    const env = envOf(p, dep);
    const b = bounds(p, dep);
    const surge = (dep.inputs as Any).spec.strategy?.type === "Recreate" ? 0 : 1;
    if (env.SQLALCHEMY_POOL_SIZE !== undefined) {
      const processes = env.MODE === "api" ? int(env, "SERVER_WORKER_AMOUNT", 1) : 1;
      perApiProcess = int(env, "SQLALCHEMY_POOL_SIZE", 30) + int(env, "SQLALCHEMY_MAX_OVERFLOW", 10) + int(env, "PGVECTOR_MAX_CONNECTION", 5);
      total += (b.ceiling + surge) * processes * perApiProcess;
    } else if (env.DB_MAX_OPEN_CONNS !== undefined) {
      total += (b.ceiling + surge) * int(env, "DB_MAX_OPEN_CONNS", 30);
    }
  }
  return total + perApiProcess;
}

describe("capacity and cost (issue 14 goal)", function () {
  this.timeout(120000);

  it("prod serves >= 200 concurrent api requests at the floor and >= 1,000 at the ceiling, >= 32 background tasks at the floor", async () => {
    const p = await plan("prod");
    const api = apiRequests(p);
    const tasks = backgroundTasks(p);
    assert.ok(api.floor >= GOALS.prod.apiFloor, `api floor ${api.floor}`);
    assert.ok(api.ceiling >= GOALS.prod.apiCeiling!, `api ceiling ${api.ceiling}`);
    assert.ok(tasks.floor >= GOALS.prod.tasksFloor, `tasks floor ${tasks.floor}`);
  });

  it("dev serves >= 20 concurrent api requests and >= 4 background tasks at the floor", async () => {
    const p = await plan("dev");
    assert.ok(apiRequests(p).floor >= GOALS.dev.apiFloor);
    assert.ok(backgroundTasks(p).floor >= GOALS.dev.tasksFloor);
  });

  for (const stack of ["dev", "prod"] as const) {
    it(`${stack}: the capacity model in the plan document agrees with the render`, async () => {
      const p = await plan(stack);
      const c = p.document.capacity;
      assert.deepEqual(c.apiConcurrentRequests, apiRequests(p));
      assert.deepEqual(c.backgroundTasks, backgroundTasks(p));
      const db = c.limits.find((l) => l.limit.startsWith("PostgreSQL"))!;
      assert.equal(db.capacity + c.database.reservedConnections, maxConnections(p));
      // The model also counts the backup Jobs (2); the render has no Deployment for them.
      assert.equal(db.demand, connectionsAtCeiling(p) + 2);
    });

    it(`${stack}: every limit holds at the ceiling (database connections, Redis clients, node groups)`, async () => {
      const p = await plan(stack);
      assert.ok(connectionsAtCeiling(p) <= maxConnections(p) - p.document.capacity.database.reservedConnections,
        `${connectionsAtCeiling(p)} connections at the ceiling > max_connections ${maxConnections(p)} - reserved`);
      for (const l of p.document.capacity.limits) assert.ok(l.ok, `${l.limit}: ${l.demand} > ${l.capacity}`);
      // Node groups as rendered can hold the ceiling the cost model packs.
      for (const n of p.document.cost.nodes) assert.ok(n.ceiling <= n.max, `${n.role}: ${n.ceiling} nodes needed at the ceiling, group maximum ${n.max}`);
    });

    it(`${stack}: every rendered resource type is priced or known to be free`, async () => {
      const p = await plan(stack);
      assert.deepEqual(p.document.cost.unpriced, []);
    });
  }

  it(`dev's idle floor is at most $${GOALS.dev.idleFloorUsd} a month at list prices (no Container Insights, queue depth per worker Deployment)`, async () => {
    const p = await plan("dev");
    assert.ok(p.document.cost.floorMonthly <= GOALS.dev.idleFloorUsd, `dev idle floor $${p.document.cost.floorMonthly}`);
    assert.ok(!p.document.cost.lines.some((l) => /Container Insights|\/containerinsights\/[^/]+\/(performance|host|dataplane)$/.test(l.item)), "no Container Insights line or add-on log group");
  });

  it(`prod's idle floor is at most $${GOALS.prod.idleFloorUsd} a month at list prices`, async () => {
    const p = await plan("prod");
    assert.ok(p.document.cost.floorMonthly <= GOALS.prod.idleFloorUsd, `prod idle floor $${p.document.cost.floorMonthly}`);
    assert.ok(p.document.cost.ceilingMonthly > p.document.cost.floorMonthly);
  });

  it("the README's capacity and cost tables are generated from these plans (npm run docs)", async () => {
    const rd = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
    assert.equal(renderCapacityReadme(rd, (await plan("dev")).document, (await plan("prod")).document), rd, "README.md capacity and cost tables are stale: run `npm run docs`");
  });

  it("prod scales the Celery workers on their Redis queues with KEDA (a ScaledObject, not an HPA), reading the AUTH token from the credentials Secret", async () => {
    const p = await plan("prod");
    const hpaNames = ofType(p, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").map((h) => (h.inputs as Any).metadata.name).sort();
    assert.deepEqual(hpaNames, ["dify-web"]);
    const so = ofType(p, "kubernetes:keda.sh/v1alpha1:ScaledObject").filter((r) => (r.inputs as Any).spec.scaleTargetRef.name.startsWith("dify-worker"));
    assert.equal(so.length, 1);
    const spec = (so[0].inputs as Any).spec;
    assert.deepEqual([spec.scaleTargetRef.name, spec.minReplicaCount, spec.maxReplicaCount], ["dify-worker", 2, 10]);
    const worker = envOf(p, deployment(p, "dify-worker"));
    const redis = spec.triggers.filter((t: Any) => t.type === "redis");
    assert.deepEqual(redis.map((t: Any) => t.metadata.listName).sort(), [...DEFAULT_CELERY_QUEUES].sort(), "one trigger per queue the worker consumes");
    for (const t of redis) {
      // Celery's broker is db 1 of the same Redis (env.ts CELERY_BROKER_URL), over TLS; one
      // replica per CELERY_WORKER_AMOUNT waiting tasks.
      assert.deepEqual([t.metadata.host, t.metadata.port, t.metadata.databaseIndex, t.metadata.enableTLS, t.metadata.listLength], [worker.REDIS_HOST, worker.REDIS_PORT, "1", "true", worker.CELERY_WORKER_AMOUNT]);
      assert.equal(t.authenticationRef.name, "dify-redis");
    }
    assert.ok(spec.triggers.some((t: Any) => t.type === "cpu"), "CPU still scales it too");
    const auth = ofType(p, "kubernetes:keda.sh/v1alpha1:TriggerAuthentication").find((r) => (r.inputs as Any).metadata.name === "dify-redis")!;
    const workerDep = deployment(p, "dify-worker");
    const pwRef = (workerDep.inputs as Any).spec.template.spec.containers[0].env.find((e: Any) => e.name === "REDIS_PASSWORD").valueFrom.secretKeyRef;
    assert.deepEqual((auth.inputs as Any).spec.secretTargetRef, [{ parameter: "password", name: pwRef.name, key: pwRef.key }]);
    const keda = ofType(p, "kubernetes:helm.sh/v3:Release").find((r) => (r.inputs as Any).chart === "keda")!;
    assert.equal((keda.inputs as Any).version, "2.20.2");
  });

  for (const stack of ["dev", "prod"] as const) {
    it(`${stack}: the Celery queue depth has one source, KEDA (its operator serves /metrics, the collector scrapes it; no probe CronJob)`, async () => {
      const p = await plan(stack);
      assert.deepEqual(ofType(p, "kubernetes:batch/v1:CronJob").map((r) => r.name).filter((n) => /queue/.test(n)), []);
      const keda = ofType(p, "kubernetes:helm.sh/v3:Release").find((r) => (r.inputs as Any).chart === "keda")!;
      assert.deepEqual((keda.inputs as Any).values.prometheus, { operator: { enabled: true, port: 8080 } });
      const cm = ofType(p, "kubernetes:core/v1:ConfigMap").find((r) => (r.inputs as Any).metadata.name === "dify-otel-collector")!;
      const cfg = JSON.parse((cm.inputs as Any).data["collector.yaml"]);
      assert.deepEqual(cfg.receivers["prometheus/keda"].config.scrape_configs[0].static_configs[0].targets, ["keda-operator.kube-system.svc.cluster.local:8080"]);
      const dash = ofType(p, "aws:cloudwatch/dashboard:Dashboard")[0];
      assert.match(String((dash.inputs as Any).dashboardBody), /SELECT MAX\(celery_queue_depth\) FROM SCHEMA\(\\"Dify\/Celery\\", ClusterName, ScaledObject\)/);
      // The cost model counts one custom metric per worker ScaledObject (the collector sums its queues).
      const workers = ofType(p, "kubernetes:keda.sh/v1alpha1:ScaledObject").filter((r) => ((r.inputs as Any).spec.triggers as Any[]).some((t) => t.type === "redis"));
      const lines = p.document.cost.lines.filter((l) => l.item.startsWith("custom metric Dify/Celery queue depth"));
      assert.equal(lines.length, workers.length);
      assert.ok(workers.length > 0 && lines.every((l) => l.floor === 0.3), JSON.stringify(lines));
    });
  }

  it("a resource type without a price is reported, not silently left out", () => {
    const c = costOf([{ type: "aws:opensearch/domain:Domain", name: "vectors", inputs: {} }]);
    assert.deepEqual(c.unpriced, ["aws:opensearch/domain:Domain"]);
  });

  it("the node count follows the pods: more api replicas at the floor cost more app nodes", async () => {
    const base = (await plan("prod")).document.cost;
    const more = (await planStack("prod", { policy: false, overrides: { "dify:services": JSON.stringify({ api: { replicas: 12, minReplicas: 12, maxReplicas: 15 } }), "dify:appNodeMaxSize": "15" } })).document.cost;
    const app = (c: typeof base) => c.nodes.find((n) => n.role === "app")!;
    assert.ok(app(more).floor > app(base).floor, `${app(more).floor} vs ${app(base).floor}`);
    assert.ok(more.floorMonthly > base.floorMonthly);
  });

  it("refuses a replica ceiling the node groups cannot hold, naming the keys", async () => {
    await assert.rejects(
      planStack("prod", { policy: false, overrides: { "dify:services": JSON.stringify({ api: { maxReplicas: 60 } }), "dify:appNodeMaxSize": "3" } }),
      (e: unknown) => e instanceof ConfigError && e.problems.some((m) => m.includes("dify:appNodeMaxSize") && m.includes("dify:services.api.maxReplicas") && m.includes("app nodes")),
    );
  });
});
