/**
 * THE service table (DESIGN §5): one row per Dify service. Everything Kubernetes needs
 * (ServiceAccount, Deployment, Service, PDB, HPA, NetworkPolicy, ingress routes) is derived
 * from these rows by one builder (workload.ts, network.ts, ingress.ts). Adding a Dify service
 * is adding a row here. Facts cite shared/dify-reference.md (§n).
 */
import { HealthCheck } from "../k8s/probes";
import { DifyImageSet } from "./versions";

/** Which node group a service runs on (see components/contracts.ts NodeRole). */
export enum Placement {
  /** Requires NodeRole.App (on-demand). */
  App = "app",
  /** Tolerates the spot WORKERS_TAINT and prefers NodeRole.Workers; may fall back to App nodes. */
  Workers = "workers",
}

/** PriorityClass tier: `<name>-critical` or `<name>-standard`. */
export enum PriorityTier {
  Critical = "critical",
  Standard = "standard",
}

/** Groups of plain settings (one ConfigMap each) and the secret references that go with them (env.ts). */
export enum EnvGroup {
  /** Everything the dify-api image reads (api, worker, beat, migration, websocket). */
  Api = "api",
  Web = "web",
  Sandbox = "sandbox",
  PluginDaemon = "plugin-daemon",
}

/** Keys of the credentials Secret. */
export enum SecretKey {
  SecretKey = "secret-key",
  PluginDaemonKey = "plugin-daemon-key",
  PluginInnerApiKey = "plugin-inner-api-key",
  SandboxApiKey = "sandbox-api-key",
  DbPassword = "db-password",
  RedisPassword = "redis-password",
  CeleryBrokerUrl = "celery-broker-url",
  InitPassword = "init-password",
}

/** An emptyDir mounted where an image writes (the root filesystem is read-only). */
export interface WritablePath {
  /** Volume name. */
  name: string;
  /** Mount path in the container. */
  mountPath: string;
  /** emptyDir size limit (Kubernetes quantity). */
  sizeLimit: string;
}

/** Default resources (Kubernetes quantities). */
export interface ResourceDefaults {
  cpuRequest: string;
  cpuLimit: string;
  memoryRequest: string;
  memoryLimit: string;
}

/** Horizontal autoscaling defaults. */
export interface HpaDefaults {
  /** Upper bound of replicas. */
  maxReplicas: number;
  /** Target average CPU utilisation, percent of the request. */
  targetCpu: number;
  /** Target average memory utilisation, percent of the request. */
  targetMemory: number;
}

/** The env that sets a server's concurrency (literalEnv renders it in this order: processes, class, perProcess). */
export interface ConcurrencyEnv {
  /** Env var taking `processes` (e.g. SERVER_WORKER_AMOUNT). Default none: the image's default process count. */
  processes?: string;
  /** The worker class the numbers assume: env var and value (e.g. SERVER_WORKER_CLASS gevent). */
  workerClass: { name: string; value: string };
  /** Env var taking `perProcess` (e.g. SERVER_WORKER_CONNECTIONS). */
  perProcess: string;
}

/**
 * How much one pod does at once: what the capacity model (program/capacity) multiplies by
 * replicas, and, through `env`, what the pod is told (env.ts literalEnv).
 */
export interface Concurrency {
  /** Server processes per pod. */
  processes: number;
  /** Concurrent units (requests, tasks, ...) per process. */
  perProcess: number;
  /** What one unit is, as the capacity table names it ("requests", "tasks"). */
  unit: string;
  /** Env setting these numbers. Default none (the image's own default is the number). */
  env?: ConcurrencyEnv;
}

/** Which database connection pool one process of a row keeps (DifyDatabaseHA sizes both: components/data/pool.ts). */
export enum DbPool {
  /** SQLAlchemy pool + overflow + the pgvector pool, per Python process of the api image. */
  ApiImage = "api-image",
  /** The plugin daemon's DB_MAX_OPEN_CONNS. */
  PluginDaemon = "plugin-daemon",
}

/** One Dify service. */
export interface ServiceSpec {
  /** Service key: Kubernetes objects are `dify-<key>`, Pulumi names `<component>-<key>`. */
  key: string;
  /** Which image of the release's set. */
  image: keyof DifyImageSet;
  /** Dify entrypoint MODE (api image only), set as the `MODE` env var. */
  mode?: string;
  /** Container command override (replaces the image entrypoint). */
  command?: string[];
  /** Serving port (also the Service port), if the service listens. Every in-cluster URL of it is derived from this (env.ts serviceUrl). */
  port?: number;
  /**
   * Path of Prometheus metrics served on `port`: DifyObservability's collector scrapes it (the
   * NetworkPolicy admits the collector; contracts.ts DIFY_PLUGIN_DAEMON_METRICS restates it). Default none.
   */
  metricsPath?: string;
  /**
   * How the kubelet checks it (probes.ts healthProbes): "http" on a health route of `port`, "tcp"
   * on `port` where the image has no route, "exec" for a service without a port, or "none" with
   * the reason. Required: checkCatalog refuses a listening row without an http/tcp check and a
   * port-less one with one.
   */
  health: HealthCheck;
  /** Seconds the startup probe allows before liveness takes over. */
  startupSeconds: number;
  /** Paths the image writes: emptyDirs under a read-only root filesystem. */
  writablePaths: WritablePath[];
  /** Pod uid/gid. 0 only for the sandbox (see securityException). */
  uid: number;
  gid: number;
  /**
   * Set only where the image cannot meet PSS restricted; the text is the justification that
   * also appears in the policy report. The workload then runs as root with `addCapabilities`.
   */
  securityException?: string;
  /**
   * Runs in its own namespace `<namespace>-<key>` enforcing PSS baseline, so the app namespace can
   * enforce restricted (PSA is per namespace). Set exactly on rows with a securityException.
   */
  ownNamespace?: boolean;
  /** Capabilities added after dropping ALL (only with securityException). */
  addCapabilities?: string[];
  /** False only where the image must write its root filesystem (with securityException). */
  readOnlyRoot: boolean;
  resources: ResourceDefaults;
  /** Default replicas (prod preset). */
  replicas: number;
  /** Default PDB minAvailable (0 = no PDB). */
  pdbMinAvailable: number;
  /** Exactly one replica, `Recreate` strategy, never a PDB or HPA. */
  singleton?: boolean;
  hpa?: HpaDefaults;
  placement: Placement;
  priority: PriorityTier;
  /** Services this one calls (egress to their port; their ingress from this one). */
  talksTo: string[];
  /** Reaches Postgres and Redis (dataCidrs on 5432/6379). */
  usesDataStores: boolean;
  /** Reads and writes S3 via IRSA: its ServiceAccount carries the role annotation, egress 443 to AWS. */
  usesS3: boolean;
  /**
   * With `usesS3`: its IRSA role is DifyStorage's plugin role (`storage.pluginRoleArn`, the plugin
   * bucket) instead of the uploads role. The plugin daemon: every plugin it runs inherits its
   * credentials (contracts.ts DIFY_PLUGIN_DAEMON_SERVICE_ACCOUNT). Default false.
   */
  pluginStorage?: boolean;
  /** Internet ports this service may reach directly (the SSRF proxy only). */
  internetPorts?: number[];
  /** Reachable from the load balancer (ingressSourceCidrs) on `port`. */
  public?: boolean;
  /** Path prefixes routed to this service by the Ingress (DESIGN §5). */
  ingressPaths?: string[];
  /** ALB health-check path for this service's target group. */
  albHealthPath?: string;
  envGroups: EnvGroup[];
  /** ServiceAccount key (`dify-<sa>`); worker queue groups share `worker`. */
  serviceAccount: string;
  /** Grace period for SIGTERM, seconds (in-flight streams, Celery tasks). */
  terminationGraceSeconds: number;
  /** preStop sleep so the load balancer deregisters the pod before it stops accepting. */
  preStopSleepSeconds?: number;
  /** Optional service enabled by an arg (e.g. "websocket"); always on when absent. */
  optional?: string;
  /**
   * Holds many concurrent connections (clients, Postgres, Redis, proxied requests): gets the
   * connection-tuning pod sysctls when DifyApp's `networkTuning` is on (tuning.ts). Default false.
   */
  manyConnections?: boolean;
  /**
   * gunicorn settings passed as GUNICORN_CMD_ARGS (env.ts literalEnv; with DifyApp's
   * `networkTuning`, also `--backlog`): `gracefulTimeoutSeconds` is how long in-flight requests
   * (streamed answers) may finish after SIGTERM; terminationGraceSeconds must cover it plus the
   * preStop sleep. Default none (the image's own gunicorn defaults).
   */
  gunicorn?: { gracefulTimeoutSeconds: number };
  /**
   * A ConfigMap of DifyApp's mounted read-only into the container (volume name, ConfigMap name,
   * mount path), e.g. the SSRF proxy's squid.conf. Default none.
   */
  configMount?: { volume: string; configMap: string; mountPath: string };
  /**
   * Splits into one Deployment per DifyApp `workerQueueGroups` entry (`<key>-<group>`, its
   * CELERY_QUEUES), each taking this row's settings under `services["<key>-<group>"]`. At most one row. Default false.
   */
  queueGroups?: boolean;
  /**
   * Secret env of this service beyond its env groups' (env.ts GROUP_SECRETS), read from the app
   * credentials Secret. Default none.
   */
  secrets?: readonly { env: string; key: SecretKey }[];
  /** Concurrency per pod (the capacity model's numbers and the env that sets them). Default: one process, no concurrency counted. */
  concurrency?: Concurrency;
  /**
   * Redis connections one process may hold beyond one per concurrent unit (pub/sub, Celery's
   * consumer, heartbeat and result connections, the plugin daemon's go-redis pool); counted only
   * for rows that use the data stores. Default 0.
   */
  redisOverhead?: number;
}

const TMP: WritablePath = { name: "tmp", mountPath: "/tmp", sizeLimit: "1Gi" };

/**
 * Pings this pod's own Celery worker through the broker and fails unless it answers.
 * - `celery_healthcheck.celery` is Dify's light app for health checks: the broker URL and its
 *   TLS/transport options only, without importing app.py (langgenius/dify
 *   api/celery_healthcheck.py @ 3e864eca; compose uses it, disabled by default).
 * - `-d celery@$HOSTNAME` asks only this pod's node: the entrypoint starts the worker without
 *   `-n`, so its node name is Celery's default `celery@<hostname>`, and the pod's hostname is its
 *   name. An exec probe runs no shell, hence `sh -c` to expand $HOSTNAME.
 * - `--timeout 10`: the reply wait (default 1 s) a busy gevent worker may need.
 * - `grep -q pong`: only a reply passes; it does not rely on the CLI's exit code when no node
 *   answers (69 since Celery 5.3's CeleryCommandException; the 5.0-5.2 CLI returned the code from
 *   a click command, which exits 0: celery/celery celery/bin/control.py @ 01651d2f).
 */
export const CELERY_WORKER_PING: readonly string[] = [
  "sh", "-c", 'celery -A celery_healthcheck.celery inspect ping -d "celery@$HOSTNAME" --timeout 10 --json | grep -q pong',
];

/** Resources of the api image (api, websocket, migration Job). */
export const API_RESOURCES: ResourceDefaults = { cpuRequest: "500m", cpuLimit: "2", memoryRequest: "1Gi", memoryLimit: "2Gi" };

/**
 * Concurrency of Dify's servers. Reasons:
 * - api: one gunicorn gevent process per pod (Dify's entrypoint recommends 1 worker with gevent;
 *   one process uses one core, so scaling is by pods, which the autoscaler and zone spread see) with
 *   100 greenlets instead of compose's 10. A streamed answer keeps its greenlet for the whole stream
 *   but not a database connection: the request closes its scoped session before streaming
 *   ("release database connection, because the following new thread operations may take a long
 *   time", api/core/app/apps/{workflow,advanced_chat}/app_generator.py) and the generate pipeline
 *   and runner take short `Session(db.engine)` sessions per event, so Dify's pool of 30 + 10
 *   overflow per process serves 100 greenlets; a greenlet that finds the pool empty waits up to
 *   SQLALCHEMY_POOL_TIMEOUT (30 s) rather than failing.
 * - worker: Celery's gevent pool (the entrypoint's -P default; stated so the reading holds) with 16
 *   tasks per pod instead of 4; a task holds a scoped session while it runs, and 16 stays under the
 *   40 the pool allows.
 * - api-websocket: the gevent-websocket worker with 1000 greenlets (long-lived connections).
 */
const API_CONCURRENCY: Concurrency = {
  processes: 1,
  perProcess: 100,
  unit: "requests",
  env: { processes: "SERVER_WORKER_AMOUNT", workerClass: { name: "SERVER_WORKER_CLASS", value: "gevent" }, perProcess: "SERVER_WORKER_CONNECTIONS" },
};
const WORKER_CONCURRENCY: Concurrency = {
  processes: 1,
  perProcess: 16,
  unit: "tasks",
  env: { workerClass: { name: "CELERY_WORKER_CLASS", value: "gevent" }, perProcess: "CELERY_WORKER_AMOUNT" },
};

export const CATALOG: readonly ServiceSpec[] = [
  {
    key: "api",
    manyConnections: true,
    image: "api",
    mode: "api", // §2: gunicorn app:app on DIFY_PORT 5001
    port: 5001,
    health: { kind: "http", path: "/health" }, // §4
    startupSeconds: 300,
    writablePaths: [TMP], // §5: tempfiles, gunicorn heartbeat, UV_CACHE_DIR; storage is S3
    uid: 1001,
    gid: 1001,
    readOnlyRoot: true,
    resources: API_RESOURCES,
    replicas: 3,
    pdbMinAvailable: 2,
    hpa: { maxReplicas: 10, targetCpu: 70, targetMemory: 80 },
    placement: Placement.App,
    priority: PriorityTier.Critical,
    talksTo: ["sandbox", "plugin-daemon", "ssrf-proxy"],
    usesDataStores: true,
    usesS3: true,
    public: true,
    ingressPaths: ["/console/api", "/api", "/v1", "/files", "/mcp", "/triggers"],
    albHealthPath: "/health",
    envGroups: [EnvGroup.Api],
    serviceAccount: "api",
    concurrency: API_CONCURRENCY,
    redisOverhead: 2,
    // The console's /init check runs in the api; workers, beat and the websocket api never read it.
    secrets: [{ env: "INIT_PASSWORD", key: SecretKey.InitPassword }],
    // Finish in-flight streams on SIGTERM: 300 s, + preStop 15 s + margin.
    gunicorn: { gracefulTimeoutSeconds: 300 },
    terminationGraceSeconds: 330,
    preStopSleepSeconds: 15,
  },
  {
    key: "worker",
    manyConnections: true,
    image: "api",
    mode: "worker", // §2: celery worker, all SELF_HOSTED queues unless CELERY_QUEUES is set
    startupSeconds: 300,
    // A worker can stay up but stop consuming after a Redis restart or failover (celery/celery
    // #4453, #8030, #10096): restart a pod whose own worker no longer answers a broadcast ping.
    health: { kind: "exec", command: CELERY_WORKER_PING },
    writablePaths: [TMP],
    uid: 1001,
    gid: 1001,
    readOnlyRoot: true,
    resources: { cpuRequest: "500m", cpuLimit: "2", memoryRequest: "1Gi", memoryLimit: "3Gi" },
    replicas: 2,
    pdbMinAvailable: 1,
    hpa: { maxReplicas: 10, targetCpu: 70, targetMemory: 80 },
    placement: Placement.Workers,
    priority: PriorityTier.Standard,
    talksTo: ["sandbox", "plugin-daemon", "ssrf-proxy"],
    usesDataStores: true,
    usesS3: true,
    envGroups: [EnvGroup.Api],
    serviceAccount: "worker",
    concurrency: WORKER_CONCURRENCY,
    redisOverhead: 4,
    queueGroups: true,
    // Celery warm shutdown finishes running tasks; spot gives 120 s notice, on-demand drains wait.
    terminationGraceSeconds: 600,
  },
  {
    key: "worker-beat",
    image: "api",
    mode: "beat",
    // §5: the default schedule file lands in the read-only cwd /app/api; put it on /tmp.
    command: ["celery", "-A", "app.celery", "beat", "-s", "/tmp/celerybeat-schedule", "--loglevel", "INFO"],
    // Beat is a scheduler, not a worker: `inspect ping` reaches only workers and it serves nothing.
    health: { kind: "none", reason: "celery beat answers no ping and serves no port; a crash exits the process" },
    startupSeconds: 0,
    writablePaths: [TMP],
    uid: 1001,
    gid: 1001,
    readOnlyRoot: true,
    resources: { cpuRequest: "100m", cpuLimit: "500m", memoryRequest: "256Mi", memoryLimit: "768Mi" },
    replicas: 1,
    pdbMinAvailable: 0,
    singleton: true,
    placement: Placement.App,
    priority: PriorityTier.Standard,
    talksTo: [],
    usesDataStores: true,
    usesS3: true,
    envGroups: [EnvGroup.Api],
    serviceAccount: "worker-beat",
    redisOverhead: 2,
    terminationGraceSeconds: 30,
  },
  {
    key: "web",
    manyConnections: true,
    image: "web",
    port: 3000,
    // §4: no health route in dify-web; TCP for the kubelet, a static asset for the ALB.
    health: { kind: "tcp" },
    startupSeconds: 120,
    writablePaths: [TMP, { name: "next-cache", mountPath: "/app/targets/next/web/.next/cache", sizeLimit: "1Gi" }],
    uid: 1001,
    gid: 1001,
    readOnlyRoot: true,
    resources: { cpuRequest: "200m", cpuLimit: "1", memoryRequest: "256Mi", memoryLimit: "1Gi" },
    replicas: 3,
    pdbMinAvailable: 2,
    hpa: { maxReplicas: 6, targetCpu: 70, targetMemory: 80 },
    placement: Placement.App,
    priority: PriorityTier.Critical,
    talksTo: ["api"], // SERVER_CONSOLE_API_URL: server-side rendering calls the api in-cluster (§3.10)
    usesDataStores: false,
    usesS3: false,
    public: true,
    ingressPaths: ["/"],
    albHealthPath: "/favicon.ico", // a static file of web/public: 200 without auth or redirects
    envGroups: [EnvGroup.Web],
    serviceAccount: "web",
    terminationGraceSeconds: 60,
    preStopSleepSeconds: 15,
  },
  {
    key: "sandbox",
    image: "sandbox",
    port: 8194,
    health: { kind: "http", path: "/health" }, // §4
    startupSeconds: 120,
    writablePaths: [],
    uid: 0,
    gid: 0,
    securityException:
      "dify-sandbox 0.2.15 runs as root: its entrypoint untars Node into /opt and links /usr/local/bin, " +
      "runner init runs useradd (writes /etc/passwd), the python runner writes /var/sandbox/sandbox-python, " +
      "and every code run calls chroot(2), setuid(2), setgid(2) (internal/core/lib/python/add_seccomp.go). " +
      "Compensated: capabilities = ALL dropped + SYS_CHROOT, SETUID, SETGID; no privilege escalation; " +
      "seccomp RuntimeDefault; no ServiceAccount token; egress only to the SSRF proxy.",
    addCapabilities: ["SETGID", "SETUID", "SYS_CHROOT"],
    ownNamespace: true,
    readOnlyRoot: false,
    resources: { cpuRequest: "250m", cpuLimit: "1", memoryRequest: "256Mi", memoryLimit: "1Gi" },
    replicas: 2,
    pdbMinAvailable: 1,
    placement: Placement.App,
    priority: PriorityTier.Standard,
    talksTo: ["ssrf-proxy"],
    usesDataStores: false,
    usesS3: false,
    envGroups: [EnvGroup.Sandbox],
    serviceAccount: "sandbox",
    // dify-sandbox's own default, max_workers 4 (conf/config.yaml), unchanged: no env.
    concurrency: { processes: 1, perProcess: 4, unit: "code runs" },
    terminationGraceSeconds: 30,
  },
  {
    key: "plugin-daemon",
    manyConnections: true,
    image: "pluginDaemon",
    port: 5002,
    health: { kind: "http", path: "/health/check" }, // §4
    metricsPath: "/metrics/", // §4
    startupSeconds: 300, // runs its own `commandline migrate` before serving (§2)
    writablePaths: [
      TMP,
      // PLUGIN_WORKING_PATH: plugin Python environments are built here at runtime (§3.7).
      { name: "storage", mountPath: "/app/storage", sizeLimit: "20Gi" },
    ],
    uid: 1001, // the image has no USER (root); run it as 1001 with HOME=/tmp (§5)
    gid: 1001,
    readOnlyRoot: true,
    // 250m: the Go daemon idles near zero and plugin runs burst to the limit; 500m made the three prod
    // zones need a second app node each (program/capacity/nodes.ts).
    resources: { cpuRequest: "250m", cpuLimit: "2", memoryRequest: "1Gi", memoryLimit: "4Gi" },
    replicas: 2,
    pdbMinAvailable: 1,
    placement: Placement.App,
    priority: PriorityTier.Critical,
    // DIFY_INNER_API_URL; outbound HTTP through HTTPS_PROXY; and its own replicas, which form a
    // cluster through Redis and health-check and forward requests to each other by pod IP on 5002
    // (dify-plugin-daemon internal/cluster).
    talksTo: ["api", "ssrf-proxy", "plugin-daemon"],
    usesDataStores: true,
    usesS3: true,
    pluginStorage: true,
    public: true,
    ingressPaths: ["/e"],
    albHealthPath: "/health/check",
    envGroups: [EnvGroup.PluginDaemon],
    serviceAccount: "plugin-daemon",
    redisOverhead: 20, // go-redis's default pool: 10 per GOMAXPROCS (the CPU limit, 2)
    terminationGraceSeconds: 300,
    preStopSleepSeconds: 15,
  },
  {
    key: "ssrf-proxy",
    manyConnections: true,
    image: "ssrfProxy",
    // Our squid.conf (squid.ts), foreground, no daemon: nothing written outside the emptyDirs.
    command: ["squid", "-N", "-f", "/etc/squid-dify/squid.conf"],
    configMount: { volume: "squid-conf", configMap: "dify-ssrf-proxy-config", mountPath: "/etc/squid-dify" },
    port: 3128,
    health: { kind: "tcp" }, // squid has no health route
    startupSeconds: 60,
    writablePaths: [
      TMP,
      { name: "run", mountPath: "/var/run/squid", sizeLimit: "16Mi" },
      { name: "spool", mountPath: "/var/spool/squid", sizeLimit: "256Mi" },
      { name: "log", mountPath: "/var/log/squid", sizeLimit: "64Mi" },
      { name: "cache", mountPath: "/var/cache/squid", sizeLimit: "64Mi" },
    ],
    uid: 13, // Ubuntu's `proxy` user/group (uid 13) that squid normally drops to
    gid: 13,
    readOnlyRoot: true,
    resources: { cpuRequest: "100m", cpuLimit: "1", memoryRequest: "128Mi", memoryLimit: "512Mi" },
    replicas: 2,
    pdbMinAvailable: 1,
    placement: Placement.App,
    priority: PriorityTier.Critical,
    talksTo: [],
    usesDataStores: false,
    usesS3: false,
    internetPorts: [80, 443],
    envGroups: [],
    serviceAccount: "ssrf-proxy",
    terminationGraceSeconds: 30,
  },
  {
    key: "api-websocket",
    manyConnections: true,
    optional: "websocket",
    image: "api",
    mode: "api", // §2: MODE api with the gevent-websocket worker class (env literal in env.ts)
    port: 5001,
    health: { kind: "http", path: "/health" },
    startupSeconds: 300,
    writablePaths: [TMP],
    uid: 1001,
    gid: 1001,
    readOnlyRoot: true,
    resources: API_RESOURCES,
    replicas: 2,
    pdbMinAvailable: 1,
    placement: Placement.App,
    priority: PriorityTier.Critical,
    talksTo: ["plugin-daemon", "ssrf-proxy"],
    usesDataStores: true,
    usesS3: true,
    public: true,
    ingressPaths: ["/socket.io"],
    albHealthPath: "/health",
    envGroups: [EnvGroup.Api],
    serviceAccount: "api", // same IRSA-trusted identity as the api
    concurrency: {
      processes: 1,
      perProcess: 1000,
      unit: "connections",
      env: { workerClass: { name: "SERVER_WORKER_CLASS", value: "geventwebsocket.gunicorn.workers.GeventWebSocketWorker" }, perProcess: "SERVER_WORKER_CONNECTIONS" },
    },
    redisOverhead: 2,
    terminationGraceSeconds: 330,
    preStopSleepSeconds: 15,
  },
];

/**
 * What is wrong with catalog rows (empty when nothing): each row's health check fits how it is
 * reached. A listening row needs "http" or "tcp" (a Service without readiness would send traffic
 * to pods that cannot answer, and nothing would restart a hung one); a row without a port cannot
 * be probed on one. test/catalog.spec.ts holds CATALOG to it.
 */
export function checkCatalog(rows: readonly ServiceSpec[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    const onPort = r.health.kind === "http" || r.health.kind === "tcp";
    if (r.port !== undefined && !onPort) out.push(`${r.key}: got health ${r.health.kind} on a row with port ${r.port}, allowed http or tcp`);
    if (r.port === undefined && onPort) out.push(`${r.key}: got health ${r.health.kind} on a row without a port, allowed exec or none`);
  }
  if (rows.filter((r) => r.queueGroups).length > 1) out.push(`${rows.filter((r) => r.queueGroups).map((r) => r.key).join(", ")}: got queueGroups on several rows, allowed one`);
  for (const r of rows) {
    const drain = (r.gunicorn?.gracefulTimeoutSeconds ?? 0) + (r.preStopSleepSeconds ?? 0);
    if (r.terminationGraceSeconds < drain) out.push(`${r.key}: got terminationGraceSeconds ${r.terminationGraceSeconds}, allowed at least ${drain} (preStop sleep + gunicorn graceful timeout)`);
  }
  for (const g of Object.values(EnvGroup)) {
    const readers = rows.filter((r) => r.envGroups.includes(g));
    if (new Set(readers.map((r) => r.ownNamespace === true)).size > 1) out.push(`${readers.map((r) => r.key).join(", ")}: got env group ${g} read from two namespaces, allowed one (its ConfigMap lives in one)`);
  }
  const keys = rows.map((r) => r.key);
  keys.forEach((k, i) => { if (keys.indexOf(k) !== i) out.push(`${k}: got a second row with this key, allowed one row per service`); });
  return out;
}

/** Names accepted in `args.services` (every catalog key, optional ones included). */
export const SERVICE_KEYS: readonly string[] = CATALOG.map((s) => s.key);

/** The Service port of catalog row `key`; throws for a row that does not listen (a bug, not a user error). */
export function portOf(key: string): number {
  const port = rowOf(key).port;
  if (port === undefined) throw new Error(`catalog: "${key}" is no service with a port`);
  return port;
}

/**
 * Pushes OTLP when DifyApp has `observability`: the telemetry env (telemetry.ts) goes into the api
 * image's settings, so exactly the rows reading EnvGroup.Api send (ENABLE_OTEL).
 */
export function sendsOtlp(spec: Pick<ServiceSpec, "envGroups">): boolean {
  return spec.envGroups.includes(EnvGroup.Api);
}

/** The database pool one process of `spec` keeps: the api image's settings, or the plugin daemon's. */
export function dbPool(spec: Pick<ServiceSpec, "envGroups" | "usesDataStores">): DbPool | undefined {
  if (!spec.usesDataStores) return undefined;
  if (spec.envGroups.includes(EnvGroup.Api)) return DbPool.ApiImage;
  if (spec.envGroups.includes(EnvGroup.PluginDaemon)) return DbPool.PluginDaemon;
  return undefined;
}

/** Concurrent units (requests, tasks, ...) one pod of `spec` serves: processes x per process (0 when none are counted). */
export function perPod(spec: Pick<ServiceSpec, "concurrency">): number {
  return spec.concurrency ? spec.concurrency.processes * spec.concurrency.perProcess : 0;
}

/** Redis connections one process of `spec` may hold: one per concurrent unit plus its overhead (0 without the data stores). */
export function redisPerProcess(spec: Pick<ServiceSpec, "usesDataStores" | "concurrency" | "redisOverhead">): number {
  return spec.usesDataStores ? (spec.concurrency?.perProcess ?? 0) + (spec.redisOverhead ?? 0) : 0;
}

/** The catalog row of `key` (throws for an unknown key: a bug, not a user error). */
export function rowOf(key: string): ServiceSpec {
  const row = CATALOG.find((s) => s.key === key);
  if (!row) throw new Error(`catalog: no service "${key}"`);
  return row;
}

/**
 * Namespace of a pod kind (catalog key, or the migration Job's): `<appNamespace>-<key>` for a row
 * with `ownNamespace`, else the app namespace.
 */
export function namespaceFor(appNamespace: string, key: string): string {
  return CATALOG.find((s) => s.key === key)?.ownNamespace ? `${appNamespace}-${key}` : appNamespace;
}

/** The rows that read env group `g` (its ConfigMap lives in their namespace, checkCatalog keeps them in one). */
export function readersOf(g: EnvGroup): ServiceSpec[] {
  return CATALOG.filter((s) => s.envGroups.includes(g));
}

/** Kubernetes object name of a service (namespace-scoped; fixed so IRSA trust can name it). */
export function k8sName(key: string): string {
  return `dify-${key}`;
}
