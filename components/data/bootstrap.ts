/**
 * In-cluster bootstrap Job: from inside the VPC (the only place Aurora is reachable), psql
 * creates the `dify` role, the `dify_restore` role (DifyBackups' restore login), the `dify` and
 * `dify_plugin` databases and the extensions. The
 * Pulumi Kubernetes provider waits for a batch/v1 Job to report `Complete` (and fails on
 * `Failed`) before the update succeeds (pulumi-kubernetes Job await logic, documented on the
 * Job resource), so DifyApp's migration Job, which depends on this component, starts only
 * once the databases exist.
 *
 * The Job name carries a hash of everything it does (SQL, image, endpoint, password version):
 * any change creates a new Job that re-runs the idempotent SQL; an unchanged plan is a no-op.
 * No ttlSecondsAfterFinished: a Job deleted by Kubernetes would show as drift on `pulumi refresh`.
 */
import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { standardLabels, selectorLabels } from "../k8s/labels";
import { podSecurityNamespaceLabels, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../k8s/security";
import { bootstrapSql, RESTORE_VERIFIER_ENV, VERIFIER_ENV } from "./sql";
import { ResolvedConfig } from "./validate";

/** uid/gid of the `postgres` user in the official postgres Alpine images. */
export const PSQL_UID = 70;

/** What the Job runs and where: DifyDatabaseHA's resolved config, or DifyDatabaseBootstrap's. */
export interface BootstrapJobSettings {
  namespace: string;
  createNamespace: boolean;
  /** psql image (uid 70), already pulled through the image source. */
  image: string;
  timeoutMinutes: number;
  /** The database's TCP port (the NetworkPolicy's egress port). */
  port: number;
  /** Bumped to rotate the app role's password (part of the Job's name). */
  passwordVersion: number;
  /** libpq sslmode of the master's connection. */
  sslMode: string;
  /** The psql script (sql.ts). */
  sql: string;
  /** More input to the Job's name hash (a change re-runs the Job); DifyDatabaseHA has none. */
  nameSalt?: pulumi.Input<string>;
}

/** DifyDatabaseHA's Job settings (unchanged since before DifyDatabaseBootstrap shared the builder). */
export function haJobSettings(cfg: ResolvedConfig): BootstrapJobSettings {
  const bs = cfg.bootstrap;
  return {
    namespace: bs.namespace, createNamespace: bs.createNamespace, image: bs.image, timeoutMinutes: bs.timeoutMinutes,
    port: cfg.postgres.port, passwordVersion: cfg.appPasswordVersion, sslMode: "require",
    sql: bootstrapSql({ appUser: cfg.appUsername, database: cfg.databaseName, pluginDatabase: cfg.pluginDatabaseName, major: cfg.postgres.major }),
  };
}

export interface BootstrapInputs {
  job: BootstrapJobSettings;
  host: pulumi.Input<string>;
  port: pulumi.Input<number>;
  masterUsername: pulumi.Input<string>;
  masterPassword: pulumi.Input<string>;
  appPasswordVerifier: pulumi.Input<string>;
  /** SCRAM verifier of the restore role's password (DifyDatabaseHA.restoreLogin). */
  restorePasswordVerifier: pulumi.Input<string>;
  /** Resources the Job must wait for (the cluster instances: the endpoint accepts connections). */
  dependsOn: pulumi.Resource[];
}

/** Finds a Kubernetes provider in resource options (`providers` map or array, or `provider`). */
export function findKubernetesProvider(opts: pulumi.ComponentResourceOptions | undefined): k8s.Provider | undefined {
  if (!opts) return undefined;
  const ps = opts.providers;
  const candidates: unknown[] = Array.isArray(ps) ? ps : ps ? Object.values(ps) : [];
  if (opts.provider) candidates.push(opts.provider);
  return candidates.find((p): p is k8s.Provider => k8s.Provider.isInstance(p));
}

export function createBootstrap(name: string, b: BootstrapInputs, provider: k8s.Provider, parent: pulumi.Resource): k8s.batch.v1.Job {
  const bs = b.job;
  const opts = { parent, provider };
  const labelArgs = { name: "dify", instance: name, component: "db-bootstrap" };
  const labels = standardLabels(labelArgs);
  // Explicit names (the Job refers to them); prefixed with the instance so stacks can share a namespace.
  const base = `${name.toLowerCase().replace(/[^a-z0-9-]/g, "-")}-db-bootstrap`;
  const selector = selectorLabels(labelArgs);

  const ns = bs.createNamespace
    ? new k8s.core.v1.Namespace(`${name}-db-bootstrap`, { metadata: { name: bs.namespace, labels: { ...labels, ...podSecurityNamespaceLabels() } } }, opts)
    : undefined;
  const namespace = ns ? ns.metadata.name : pulumi.output(bs.namespace);

  const sql = bs.sql;
  const script = new k8s.core.v1.ConfigMap(`${name}-db-bootstrap-sql`, { metadata: { name: `${base}-sql`, namespace, labels }, data: { "bootstrap.sql": sql } }, opts);
  // libpq reads PG* variables; the whole set lives in a Secret, none in the pod spec.
  const credentials = new k8s.core.v1.Secret(
    `${name}-db-bootstrap`,
    {
      metadata: { name: base, namespace, labels },
      type: "Opaque",
      stringData: {
        PGHOST: b.host,
        PGPORT: pulumi.output(b.port).apply(String),
        PGDATABASE: "postgres",
        PGUSER: b.masterUsername,
        PGPASSWORD: pulumi.secret(b.masterPassword),
        PGSSLMODE: bs.sslMode,
        PGCONNECT_TIMEOUT: "10",
        PGAPPNAME: "dify-aws-bootstrap",
        [VERIFIER_ENV]: pulumi.secret(b.appPasswordVerifier),
        [RESTORE_VERIFIER_ENV]: pulumi.secret(b.restorePasswordVerifier),
      },
    },
    opts,
  );

  // Only DNS and Postgres out, nothing in.
  new k8s.networking.v1.NetworkPolicy(
    `${name}-db-bootstrap`,
    {
      metadata: { name: base, namespace, labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ["Ingress", "Egress"],
        // No ingress rules: policyType Ingress alone admits nothing (an empty `ingress: []` would be
        // dropped by the API server and show as a change on every apply).
        egress: [
          { ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] },
          { ports: [{ protocol: "TCP", port: bs.port }] },
        ],
      },
    },
    opts,
  );

  const jobName = pulumi.all([b.host, bs.nameSalt ?? ""]).apply(([host, salt]) => {
    const digest = createHash("sha256").update([sql, bs.image, host, String(bs.port), String(bs.passwordVersion), ...(salt ? [salt] : [])].join("\n")).digest("hex");
    return `dify-db-bootstrap-${digest.slice(0, 10)}`;
  });

  return new k8s.batch.v1.Job(
    `${name}-db-bootstrap`,
    {
      metadata: { name: jobName, namespace, labels },
      spec: {
        backoffLimit: 6, // DNS of a fresh cluster endpoint can lag; pods retry with back-off
        activeDeadlineSeconds: bs.timeoutMinutes * 60,
        template: {
          metadata: { labels: { ...labels, ...selector } },
          spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(PSQL_UID),
            containers: [
              {
                name: "psql",
                image: bs.image,
                command: ["psql", "-X", "--no-password", "--quiet", "-v", "ON_ERROR_STOP=1", "-f", "/sql/bootstrap.sql"],
                envFrom: [{ secretRef: { name: credentials.metadata.name } }],
                env: [{ name: "HOME", value: "/tmp" }],
                securityContext: { ...restrictedContainerSecurityContext(), runAsUser: PSQL_UID, runAsGroup: PSQL_UID },
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
                volumeMounts: [
                  { name: "sql", mountPath: "/sql", readOnly: true },
                  { name: "tmp", mountPath: "/tmp" },
                ],
              },
            ],
            volumes: [
              { name: "sql", configMap: { name: script.metadata.name } },
              { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
            ],
          },
        },
      },
    },
    {
      ...opts,
      dependsOn: [...b.dependsOn, ...(ns ? [ns] : [])],
      customTimeouts: { create: `${bs.timeoutMinutes + 1}m`, update: `${bs.timeoutMinutes + 1}m` },
    },
  );
}
