/**
 * Configuration delivery: one ConfigMap of plain settings per env group, one Secret for every
 * credential, and the per-container env (literals + secretKeyRefs). Exact Dify env names only
 * (knownEnv.ts). Each must-match pair (ref §7) is two env names reading ONE Secret key that ONE
 * random resource fills, so the two sides cannot drift.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ObjectStorage, ResolvedPostgresConnection, ResolvedRedisConnection } from "../contracts";
import { EnvGroup, SecretKey, ServiceSpec, k8sName, portOf, readersOf } from "./catalog";

export { SecretKey };
import { ResolvedService } from "./validate";
import { EgressPlan } from "./egress";
import { GUNICORN_BACKLOG } from "./tuning";

/** Kubernetes name of the credentials Secret (app namespace). */
export const SECRET_NAME = "dify-credentials";
/** The sandbox's own Secret in the sandbox namespace (secretKeyRefs cannot cross namespaces). */
export const SANDBOX_SECRET_NAME = "dify-sandbox-credentials";

/** Which Secret an env group's references read. */
export const GROUP_SECRET_NAME: Readonly<Record<EnvGroup, string>> = {
  [EnvGroup.Api]: SECRET_NAME,
  [EnvGroup.PluginDaemon]: SECRET_NAME,
  [EnvGroup.Web]: SECRET_NAME,
  [EnvGroup.Sandbox]: SANDBOX_SECRET_NAME,
};

/** Which env names of each group read which Secret key. */
export const GROUP_SECRETS: Readonly<Record<EnvGroup, readonly { env: string; key: SecretKey }[]>> = {
  [EnvGroup.Api]: [
    { env: "SECRET_KEY", key: SecretKey.SecretKey },
    { env: "DB_PASSWORD", key: SecretKey.DbPassword },
    { env: "PGVECTOR_PASSWORD", key: SecretKey.DbPassword },
    { env: "REDIS_PASSWORD", key: SecretKey.RedisPassword },
    { env: "CELERY_BROKER_URL", key: SecretKey.CeleryBrokerUrl },
    { env: "PLUGIN_DAEMON_KEY", key: SecretKey.PluginDaemonKey },
    { env: "INNER_API_KEY_FOR_PLUGIN", key: SecretKey.PluginInnerApiKey },
    { env: "CODE_EXECUTION_API_KEY", key: SecretKey.SandboxApiKey },
  ],
  [EnvGroup.PluginDaemon]: [
    { env: "SERVER_KEY", key: SecretKey.PluginDaemonKey },
    { env: "DIFY_INNER_API_KEY", key: SecretKey.PluginInnerApiKey },
    { env: "DB_PASSWORD", key: SecretKey.DbPassword },
    { env: "REDIS_PASSWORD", key: SecretKey.RedisPassword },
  ],
  [EnvGroup.Sandbox]: [{ env: "API_KEY", key: SecretKey.SandboxApiKey }],
  [EnvGroup.Web]: [],
};

/**
 * Length of the generated INIT_PASSWORD. Dify refuses a longer one at the door: the /init
 * request body is `password: str = Field(..., max_length=30)` (langgenius/dify
 * api/controllers/console/init_validate.py, InitValidatePayload, commit 00f367a0; the flask-restx
 * model before it also had max_length=30), so a 31+ character INIT_PASSWORD could never be
 * entered. 30 letters and digits are ~178 bits.
 */
export const INIT_PASSWORD_LENGTH = 30;

/** What the env builders need to know about the deployment. */
export interface EnvContext {
  namespace: string;
  /** Namespace of each catalog key (the sandbox has its own, so the app namespace can enforce PSS restricted). */
  namespaceOf: (key: string) => string;
  /** "https://dify.example.com" */
  publicUrl: string;
  database: ResolvedPostgresConnection;
  redis: ResolvedRedisConnection;
  storage: ObjectStorage;
  extraEnv: Record<string, string>;
  extraWebEnv: Record<string, string>;
  extraPluginDaemonEnv: Record<string, string>;
  /** The VPC's CIDRs (pod IPs come from them with the VPC CNI). */
  vpcCidrs: string[];
  /** The websocket api is enabled: the browser needs its public socket URL. */
  websocket: boolean;
  /** Marketplace switch and package mirror (egress.ts). */
  egress: EgressPlan;
}

/** In-cluster URL of a catalog service on its row's port; namespace-qualified when called from another namespace. */
export function serviceUrl(key: string, namespace?: string): string {
  return `http://${k8sName(key)}${namespace ? `.${namespace}.svc` : ""}:${portOf(key)}`;
}

/** Plain settings of an env group (the ConfigMap data). */
export function configData(group: EnvGroup, c: EnvContext): Record<string, pulumi.Input<string>> {
  // A peer's URL, namespace-qualified when it runs outside this group's namespace.
  const here = c.namespaceOf(readersOf(group)[0]?.key ?? "");
  const url = (key: string) => serviceUrl(key, c.namespaceOf(key) !== here ? c.namespaceOf(key) : undefined);
  const str = (v: pulumi.Input<number>) => pulumi.output(v).apply(String);
  const tls = pulumi.output(c.redis.useTls);
  switch (group) {
    case EnvGroup.Api: {
      const data: Record<string, pulumi.Input<string>> = {
        DEPLOY_ENV: "PRODUCTION",
        LOG_LEVEL: "INFO",
        HOME: "/tmp",
        UV_CACHE_DIR: "/tmp/.uv-cache",
        // Public URLs: one origin, path-routed by the Ingress (DESIGN §5).
        CONSOLE_API_URL: c.publicUrl,
        CONSOLE_WEB_URL: c.publicUrl,
        SERVICE_API_URL: c.publicUrl,
        APP_WEB_URL: c.publicUrl,
        FILES_URL: c.publicUrl,
        TRIGGER_URL: c.publicUrl,
        ENDPOINT_URL_TEMPLATE: `${c.publicUrl}/e/{hook_id}`,
        INTERNAL_FILES_URL: url("api"),
        RESPECT_XFORWARD_HEADERS_ENABLED: "true", // exactly one proxy hop: the ALB
        GUNICORN_TIMEOUT: "360",
        // Postgres (TLS through the URI query; ref §3.2, middleware/__init__.py).
        DB_TYPE: "postgresql",
        DB_HOST: c.database.host,
        DB_PORT: str(c.database.port),
        DB_USERNAME: c.database.username,
        DB_DATABASE: c.database.database,
        DB_EXTRAS: pulumi.interpolate`sslmode=${c.database.sslMode}`,
        PGSSLMODE: c.database.sslMode,
        // Redis and Celery (ref §3.3). The broker URL (with the password) is in the Secret.
        REDIS_HOST: c.redis.host,
        REDIS_PORT: str(c.redis.port),
        REDIS_DB: "0",
        REDIS_USE_SSL: tls.apply((t) => (t ? "true" : "false")),
        REDIS_SSL_CERT_REQS: tls.apply((t) => (t ? "CERT_REQUIRED" : "CERT_NONE")),
        CELERY_BACKEND: "redis",
        // Files on S3 through IRSA (ref §3.4).
        STORAGE_TYPE: "s3",
        S3_BUCKET_NAME: c.storage.bucketName,
        S3_REGION: c.storage.region,
        S3_USE_AWS_MANAGED_IAM: "true",
        // Vectors in the same Postgres (ref §3.5).
        VECTOR_STORE: "pgvector",
        PGVECTOR_HOST: c.database.host,
        PGVECTOR_PORT: str(c.database.port),
        PGVECTOR_USER: c.database.username,
        PGVECTOR_DATABASE: c.database.database,
        // Peers (ref §3.6-3.8).
        CODE_EXECUTION_ENDPOINT: url("sandbox"),
        PLUGIN_DAEMON_URL: url("plugin-daemon"),
        SSRF_PROXY_HTTP_URL: url("ssrf-proxy"),
        SSRF_PROXY_HTTPS_URL: url("ssrf-proxy"),
        // Only when turned off, so default stacks keep Dify's default (true).
        ...(c.egress.marketplaceEnabled ? {} : { MARKETPLACE_ENABLED: "false" }),
      };
      return { ...data, ...c.extraEnv };
    }
    case EnvGroup.Web:
      return {
        CONSOLE_API_URL: c.publicUrl,
        APP_API_URL: c.publicUrl,
        SERVER_CONSOLE_API_URL: url("api"),
        NEXT_TELEMETRY_DISABLED: "1",
        HOME: "/tmp",
        ...(c.websocket ? { NEXT_PUBLIC_SOCKET_URL: c.publicUrl.replace(/^http/, "ws") } : {}),
        ...c.extraWebEnv,
      };
    case EnvGroup.Sandbox:
      return {
        GIN_MODE: "release",
        WORKER_TIMEOUT: "15",
        ENABLE_NETWORK: "true",
        HTTP_PROXY: url("ssrf-proxy"),
        HTTPS_PROXY: url("ssrf-proxy"),
        SANDBOX_PORT: String(portOf("sandbox")),
        ...(c.egress.pipMirrorUrl ? { PIP_MIRROR_URL: c.egress.pipMirrorUrl } : {}),
      };
    case EnvGroup.PluginDaemon:
      return {
        SERVER_PORT: String(portOf("plugin-daemon")),
        DIFY_INNER_API_URL: url("api"),
        DB_TYPE: "postgresql",
        DB_HOST: c.database.host,
        DB_PORT: str(c.database.port),
        DB_USERNAME: c.database.username,
        DB_DATABASE: c.database.pluginDatabase,
        // The daemon knows only disable | require (ref §3.7).
        DB_SSL_MODE: pulumi.output(c.database.sslMode).apply((m) => (m === "disable" ? "disable" : "require")),
        REDIS_HOST: c.redis.host,
        REDIS_PORT: str(c.redis.port),
        REDIS_USE_SSL: tls.apply((t) => (t ? "true" : "false")),
        PLUGIN_STORAGE_TYPE: "aws_s3",
        PLUGIN_STORAGE_OSS_BUCKET: c.storage.pluginBucketName,
        S3_USE_AWS: "true",
        S3_USE_AWS_MANAGED_IAM: "true",
        S3_USE_PATH_STYLE: "false", // daemon default is true (for MinIO); AWS buckets use virtual-hosted style
        AWS_REGION: c.storage.region,
        PLUGIN_STORAGE_LOCAL_ROOT: "/app/storage",
        PLUGIN_WORKING_PATH: "/app/storage/cwd",
        PLUGIN_REMOTE_INSTALLING_ENABLED: "false", // no debugging port exposed in production
        FORCE_VERIFYING_SIGNATURE: "true",
        HOME: "/tmp",
        // Outbound HTTP of the daemon and its plugins goes through the SSRF proxy.
        HTTP_PROXY: url("ssrf-proxy"),
        HTTPS_PROXY: url("ssrf-proxy"),
        // AWS APIs (S3, and STS for IRSA) go direct: through the S3 gateway endpoint, not NAT, and
        // past an allow-list the proxy would apply; the NetworkPolicy and endpoint policies bound
        // where they can go.
        // The VPC CIDRs: peer daemons are reached by pod IP (Go's proxy rules accept CIDRs).
        NO_PROXY: `localhost,127.0.0.1,${k8sName("api")},.${c.namespace},.${c.namespace}.svc,.svc.cluster.local,.amazonaws.com,${c.vpcCidrs.join(",")}`,
        // Plugin dependency installs (uv/pip) from this index instead of pypi.org.
        ...(c.egress.pipMirrorUrl ? { PIP_MIRROR_URL: c.egress.pipMirrorUrl } : {}),
        ...c.extraPluginDaemonEnv,
      };
  }
}

/** Literal env of one container, beyond its ConfigMaps: MODE, migrations off, per-service tuning. */
export function literalEnv(s: ResolvedService, networkTuning = false): Record<string, string> {
  const env: Record<string, string> = {};
  if (s.spec.image === "api") {
    if (s.spec.mode) env.MODE = s.spec.mode;
    env.MIGRATION_ENABLED = "false"; // the migration Job migrates, once per version
  }
  // Finish in-flight streams on SIGTERM; with tuning, a listen queue matching somaxconn (tuning.ts).
  if (s.spec.gunicorn) {
    env.GUNICORN_CMD_ARGS = `--graceful-timeout ${s.spec.gunicorn.gracefulTimeoutSeconds}${networkTuning ? ` --backlog ${GUNICORN_BACKLOG}` : ""}`;
  }
  // Concurrency per pod: the row's numbers, which the capacity model multiplies.
  const c = s.spec.concurrency;
  if (c?.env) {
    if (c.env.processes) env[c.env.processes] = String(c.processes);
    env[c.env.workerClass.name] = c.env.workerClass.value;
    env[c.env.perProcess] = String(c.perProcess);
  }
  return { ...env, ...s.extraLiteralEnv };
}

/** `env` entries reading the credentials Secret for an env group. */
export function secretEnv(group: EnvGroup): k8s.types.input.core.v1.EnvVar[] {
  return GROUP_SECRETS[group].map((r) => ({ name: r.env, valueFrom: { secretKeyRef: { name: GROUP_SECRET_NAME[group], key: r.key } } }));
}

/** `env` entries of one service's own secrets (its row's `secrets`), from the app credentials Secret. */
export function serviceSecretEnv(spec: Pick<ServiceSpec, "secrets">): k8s.types.input.core.v1.EnvVar[] {
  return (spec.secrets ?? []).map((r) => ({ name: r.env, valueFrom: { secretKeyRef: { name: SECRET_NAME, key: r.key } } }));
}

/** Kubernetes name of an env group's ConfigMap. */
export function configMapName(group: EnvGroup): string {
  return `dify-${group}-config`;
}

/** Generates the shared keys and creates the credentials Secrets (app namespace + sandbox namespace). */
export function createCredentials(
  name: string, namespaces: { app: pulumi.Input<string>; sandbox: pulumi.Input<string> }, c: EnvContext,
  labels: Record<string, string>, opts: { app: pulumi.CustomResourceOptions; sandbox: pulumi.CustomResourceOptions }, protect: boolean,
): { secrets: k8s.core.v1.Secret[]; initPassword: pulumi.Output<string> } {
  // One random value per must-match pair; both sides read the same Secret key (ref §7).
  // Protected in prod: a regenerated SECRET_KEY logs every user out and breaks signed URLs.
  const gen = (suffix: string, length = 48) => new random.RandomPassword(`${name}-${suffix}`, { length, special: false }, { parent: opts.app.parent, protect }).result;
  const redisPassword = pulumi.secret(pulumi.output(c.redis.password));
  const broker = pulumi.all([c.redis.useTls, c.redis.host, c.redis.port, redisPassword]).apply(([tls, host, port, pw]) =>
    // Celery's Redis transport: db 1 for the broker (ref §3.3); rediss:// needs ssl_cert_reqs.
    `${tls ? "rediss" : "redis"}://:${encodeURIComponent(pw)}@${host}:${port}/1${tls ? "?ssl_cert_reqs=CERT_REQUIRED" : ""}`);
  const sandboxKey = gen("sandbox-api-key");
  // Guards the first install: /install asks for it before anyone can create the admin.
  const initPassword = gen("init-password", INIT_PASSWORD_LENGTH);
  const data: Record<SecretKey, pulumi.Input<string>> = {
    [SecretKey.SecretKey]: gen("secret-key"),
    [SecretKey.PluginDaemonKey]: gen("plugin-daemon-key"),
    [SecretKey.PluginInnerApiKey]: gen("plugin-inner-api-key"),
    [SecretKey.SandboxApiKey]: sandboxKey,
    [SecretKey.DbPassword]: pulumi.secret(pulumi.output(c.database.password)),
    [SecretKey.RedisPassword]: redisPassword,
    [SecretKey.CeleryBrokerUrl]: pulumi.secret(broker),
    [SecretKey.InitPassword]: initPassword,
  };
  const secrets = [
    new k8s.core.v1.Secret(`${name}-credentials`, {
      metadata: { name: SECRET_NAME, namespace: namespaces.app, labels },
      type: "Opaque",
      stringData: data,
    }, opts.app),
    // The sandbox sees only its own key: the same generated value, under the same key name.
    new k8s.core.v1.Secret(`${name}-sandbox-credentials`, {
      metadata: { name: SANDBOX_SECRET_NAME, namespace: namespaces.sandbox, labels },
      type: "Opaque",
      stringData: { [SecretKey.SandboxApiKey]: sandboxKey },
    }, opts.sandbox),
  ];
  return { secrets, initPassword: pulumi.secret(initPassword) };
}
