/**
 * The Kubernetes side of DifyBackups: credentials Secret, scripts ConfigMap, two IRSA
 * ServiceAccounts and three CronJobs (dump; restore verification; a suspended restore template
 * that operators instantiate with `kubectl create job --from=cronjob/dify-restore`). Every pod is
 * two containers sharing one size-limited emptyDir: the postgres client image and the AWS CLI
 * image each do one step, so neither image needs the other's tools and both are pinned upstream
 * images. All pods meet PSS "restricted" with a read-only root filesystem.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedPostgresConnection } from "../contracts";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../k8s/security";
import { PostgresLogin, ResolvedBackupsArgs } from "./args";
import { READER_SERVICE_ACCOUNT, WRITER_SERVICE_ACCOUNT } from "./iam";
import { loadScripts } from "./scripts";

type Container = k8s.types.input.core.v1.Container;
type EnvVar = k8s.types.input.core.v1.EnvVar;

/** Any non-root uid works for both clients (they only need HOME and the work dir). */
export const JOB_UID = 10001;
/** Names operators type in the runbook. */
export const NAMES = {
  dump: "dify-backup-dump",
  verify: "dify-restore-verify",
  restore: "dify-restore",
  restoreRequest: "dify-restore-request",
  scripts: "dify-backup-scripts",
  dbSecret: "dify-backup-db",
  restoreSecret: "dify-backup-restore-db",
  ca: "dify-backup-db-ca",
} as const;

/** Core tables checked by the verification (Dify api models; plugin daemon gorm models). */
export const VERIFY_CHECKS = {
  requireRows: ["accounts", "tenants", "tenant_account_joins", "dify_setups"],
  requireTables: ["apps", "datasets", "workflows"],
  pluginRequireTables: ["plugins", "plugin_installations"],
};

export interface JobsSpec {
  name: string;
  r: ResolvedBackupsArgs;
  namespace: pulumi.Input<string>;
  database: ResolvedPostgresConnection;
  restoreLogin: PostgresLogin;
  bucketName: pulumi.Input<string>;
  region: pulumi.Input<string>;
  writerRoleArn: pulumi.Input<string>;
  readerRoleArn: pulumi.Input<string>;
  sslRootCertPem?: pulumi.Input<string>;
  labels: (component: string) => Record<string, string>;
  dependsOn: pulumi.Resource[];
  /** When set, a one-off dump Job for this tag (DifyBackupsArgs.preMigrationTag). */
  preMigrationTag?: string;
  /** What that Job needs besides this module's objects (the writer role's policy). */
  preMigrationDependsOn?: pulumi.Resource[];
}

export function backupJobs(s: JobsSpec, parent: pulumi.Resource): { cronJobs: k8s.batch.v1.CronJob[]; preMigration?: k8s.batch.v1.Job } {
  const opts = { parent, dependsOn: s.dependsOn };
  const meta = (name: string, component: string) => ({ name, namespace: s.namespace, labels: s.labels(component) });

  // What a pod of the pre-migration Job mounts or runs as: it starts at once, unlike the CronJobs.
  const podInputs: pulumi.Resource[] = [];
  const secret = (res: string, name: string, login: PostgresLogin) => new k8s.core.v1.Secret(res, {
    metadata: meta(name, "credentials"),
    type: "Opaque",
    stringData: { PGUSER: login.username, PGPASSWORD: pulumi.secret(login.password) },
  }, opts);
  podInputs.push(secret(`${s.name}-backup-db`, NAMES.dbSecret, { username: s.database.username, password: s.database.password }));
  secret(`${s.name}-backup-restore-db`, NAMES.restoreSecret, s.restoreLogin);

  podInputs.push(new k8s.core.v1.ConfigMap(`${s.name}-backup-scripts`, { metadata: meta(NAMES.scripts, "scripts"), data: loadScripts() }, opts));

  // No pod here talks to the Kubernetes API: no API token is mounted (IRSA does not need it: the
  // pod identity webhook projects its own sts.amazonaws.com token volume, as for the app's pods).
  const sa = (res: string, name: string, roleArn: pulumi.Input<string>) => new k8s.core.v1.ServiceAccount(res, {
    metadata: { ...meta(name, "backup"), annotations: { "eks.amazonaws.com/role-arn": roleArn } },
    automountServiceAccountToken: false,
  }, opts);
  podInputs.push(sa(`${s.name}-backup-writer-sa`, WRITER_SERVICE_ACCOUNT, s.writerRoleArn));
  sa(`${s.name}-backup-reader-sa`, READER_SERVICE_ACCOUNT, s.readerRoleArn);

  const withCa = s.sslRootCertPem !== undefined;
  if (withCa) {
    podInputs.push(new k8s.core.v1.ConfigMap(`${s.name}-backup-db-ca`, { metadata: meta(NAMES.ca, "ca"), data: { "root.crt": s.sslRootCertPem! } }, opts));
  }
  const fromSecret = (secretName: string): EnvVar[] => ["PGUSER", "PGPASSWORD"].map((k) => ({
    name: k, valueFrom: { secretKeyRef: { name: secretName, key: k } },
  }));
  const common: EnvVar[] = [
    { name: "WORK", value: "/work" },
    { name: "HOME", value: "/tmp" },
    { name: "DATABASES", value: pulumi.interpolate`${s.database.database} ${s.database.pluginDatabase}` },
    { name: "MAIN_DB", value: s.database.database },
    { name: "PLUGIN_DB", value: s.database.pluginDatabase },
    { name: "APP_ROLE", value: s.database.username },
    { name: "BUCKET", value: s.bucketName },
    { name: "AWS_REGION", value: s.region },
    { name: "AWS_DEFAULT_REGION", value: s.region },
    { name: "AWS_PAGER", value: "" },
    { name: "PGHOST", value: s.database.host },
    { name: "PGPORT", value: pulumi.output(s.database.port).apply(String) },
    { name: "PGSSLMODE", value: s.database.sslMode },
    { name: "PGCONNECT_TIMEOUT", value: "15" },
    { name: "PGAPPNAME", value: "dify-backups" },
    ...(withCa ? [{ name: "PGSSLROOTCERT", value: "/ca/root.crt" }] : []),
  ];
  const mounts = [
    { name: "work", mountPath: "/work" },
    { name: "tmp", mountPath: "/tmp" },
    { name: "scripts", mountPath: "/scripts", readOnly: true },
    ...(withCa ? [{ name: "ca", mountPath: "/ca", readOnly: true }] : []),
  ];
  const container = (cname: string, image: string, script: string, env: EnvVar[], heavy: boolean): Container => ({
    name: cname,
    image,
    imagePullPolicy: "IfNotPresent",
    command: ["/bin/sh", `/scripts/${script}`],
    env: [...common, ...env],
    securityContext: restrictedContainerSecurityContext(),
    resources: {
      requests: { cpu: heavy ? "250m" : "100m", memory: heavy ? "256Mi" : "128Mi", "ephemeral-storage": "256Mi" },
      limits: { cpu: heavy ? "1" : "500m", memory: heavy ? "1Gi" : "512Mi", "ephemeral-storage": `${s.r.scratchVolumeGi + 1}Gi` },
    },
    volumeMounts: mounts,
  });

  type PodArgs = { sa: string; init: Container; main: Container; envFrom?: string };
  /** The Job spec every backup pod runs with (CronJob template, pre-migration Job). */
  const jobSpec = (labels: Record<string, string>, a: PodArgs): k8s.types.input.batch.v1.JobSpec => {
    const main = a.envFrom ? { ...a.main, envFrom: [{ configMapRef: { name: a.envFrom, optional: true } }] } : a.main;
    const init = a.envFrom ? { ...a.init, envFrom: [{ configMapRef: { name: a.envFrom, optional: true } }] } : a.init;
    return {
      backoffLimit: 1,
      activeDeadlineSeconds: s.r.jobTimeoutMinutes * 60,
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: a.sa,
          automountServiceAccountToken: false,
          restartPolicy: "Never",
          enableServiceLinks: false,
          // fsGroup (set by the helper) makes the projected IRSA token readable by a
          // non-root uid; the EKS pod identity webhook injects the token into init
          // containers too (it rewrites spec.initContainers: kubernetes/kops#16802).
          securityContext: restrictedPodSecurityContext(JOB_UID),
          terminationGracePeriodSeconds: 60,
          initContainers: [init],
          containers: [main],
          volumes: [
            { name: "work", emptyDir: { sizeLimit: `${s.r.scratchVolumeGi}Gi` } },
            { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
            { name: "scripts", configMap: { name: NAMES.scripts, defaultMode: 0o555 } },
            ...(withCa ? [{ name: "ca", configMap: { name: NAMES.ca, defaultMode: 0o444 } }] : []),
          ],
        },
      },
    };
  };

  const cronJob = (res: string, name: string, component: string, a: PodArgs & { schedule: string; suspend: boolean }) => {
    const labels = s.labels(component);
    return new k8s.batch.v1.CronJob(res, {
      metadata: meta(name, component),
      spec: {
        schedule: a.schedule,
        timeZone: "Etc/UTC",
        suspend: a.suspend,
        // Never two runs at once: a slow dump is not doubled by the next tick.
        concurrencyPolicy: "Forbid",
        // A run missed by more than an hour (controller down) is skipped, not run late at peak.
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 5,
        jobTemplate: { metadata: { labels }, spec: jobSpec(labels, a) },
      },
    }, opts);
  };

  const dbEnv = fromSecret(NAMES.dbSecret);
  const restoreEnv = fromSecret(NAMES.restoreSecret);
  const checksEnv: EnvVar[] = [
    { name: "REQUIRE_ROWS", value: VERIFY_CHECKS.requireRows.join(" ") },
    { name: "REQUIRE_TABLES", value: VERIFY_CHECKS.requireTables.join(" ") },
    { name: "PLUGIN_REQUIRE_TABLES", value: VERIFY_CHECKS.pluginRequireTables.join(" ") },
  ];
  const { postgresImage: pg, awsCliImage: cli } = s.r;
  const dump = cronJob(`${s.name}-backup-dump`, NAMES.dump, "dump", {
    schedule: s.r.schedule, suspend: false, sa: WRITER_SERVICE_ACCOUNT,
    init: container("pg-dump", pg, "dump.sh", dbEnv, true),
    main: container("upload", cli, "upload.sh", [], false),
  });
  const verify = cronJob(`${s.name}-restore-verify`, NAMES.verify, "restore-verify", {
    schedule: s.r.verifySchedule, suspend: false, sa: READER_SERVICE_ACCOUNT,
    init: container("fetch", cli, "fetch.sh", [{ name: "RESULT_TAG", value: "DIFY_RESTORE_VERIFY" }], false),
    main: container("restore-check", pg, "verify.sh", [...restoreEnv, ...checksEnv], true),
  });
  // A template, never scheduled: operators write the dify-restore-request ConfigMap
  // (RESTORE_SUFFIX, optional DUMP_STAMP) and create a Job from it (docs/backups.md).
  const restore = cronJob(`${s.name}-restore`, NAMES.restore, "restore", {
    schedule: "0 0 1 1 *", suspend: true, sa: READER_SERVICE_ACCOUNT, envFrom: NAMES.restoreRequest,
    init: container("fetch", cli, "fetch.sh", [{ name: "RESULT_TAG", value: "DIFY_RESTORE" }], false),
    main: container("restore", pg, "restore.sh", restoreEnv, true),
  });
  // Before a migration: the dump CronJob's pod as a one-off Job named after the tag (the Dify
  // version). The Kubernetes provider waits for a Job to complete and fails the update when it
  // fails, so a migration Job that depends on it starts only after both databases are dumped and
  // uploaded, next to the scheduled dumps (same keys, same retention).
  let preMigration: k8s.batch.v1.Job | undefined;
  if (s.preMigrationTag !== undefined) {
    const labels = s.labels("pre-migration-dump");
    const jobName = preMigrationJobName(s.preMigrationTag);
    preMigration = new k8s.batch.v1.Job(`${s.name}-${jobName.replace(/^dify-/, "")}`, {
      metadata: { ...meta(jobName, "pre-migration-dump") },
      spec: jobSpec(labels, {
        sa: WRITER_SERVICE_ACCOUNT,
        init: container("pg-dump", pg, "dump.sh", dbEnv, true),
        main: container("upload", cli, "upload.sh", [], false),
      }),
    }, {
      ...opts,
      dependsOn: [...s.dependsOn, ...podInputs, ...(s.preMigrationDependsOn ?? [])],
      // A Job's pod template is immutable: any other change replaces it under the same name.
      deleteBeforeReplace: true,
      customTimeouts: { create: `${s.r.jobTimeoutMinutes + 10}m`, update: `${s.r.jobTimeoutMinutes + 10}m` },
    });
  }
  return { cronJobs: [dump, verify, restore], preMigration };
}

/** Kubernetes name of the pre-migration dump Job for a tag: `dify-backup-pre-migrate-<tag as a DNS label>`. */
export function preMigrationJobName(tag: string): string {
  const slug = tag.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return `dify-backup-pre-migrate-${slug}`.slice(0, 63).replace(/-+$/, "");
}
