/** Arguments of DifyBackups and their validation (run before anything is registered). */
import { ImageSource, imageRef, validateImageSource } from "../k8s/images";
import * as pulumi from "@pulumi/pulumi";
import { OidcProvider, PostgresConnection } from "../contracts";
import { parseCron, toAwsCron } from "./cron";
import { cidr, dnsLabel, Problems, region } from "../checks";

/** A Postgres login (role name and password). */
export interface PostgresLogin {
  /** Role name. */
  username: pulumi.Input<string>;
  /** Password of the role. Pass a secret Output. */
  password: pulumi.Input<string>;
}

/** Arguments of `DifyBackups`. */
export interface DifyBackupsArgs {
  /** Dify's Postgres (writer host, the `dify` and `dify_plugin` databases, Dify's role). Required. */
  database: PostgresConnection;
  /**
   * Login used by the restore-verification and restore Jobs. Required: Dify's own role cannot do
   * it. It must have CREATEDB (the Jobs create scratch and restore databases), be able to create
   * the extensions present in the dump (uuid-ossp; `vector` when pgvector shares the database)
   * and be a member of `database.username` (restored objects are owned by Dify's role). With
   * DifyDatabaseHA, pass its `restoreLogin` (CREATEDB and that membership, not a superuser).
   */
  restoreLogin: PostgresLogin;
  /**
   * ARN of the database AWS Backup snapshots daily: an Aurora cluster or an RDS DB instance
   * (DifyDatabaseHA's `databaseArn`). Required (or the deprecated `auroraClusterArn`).
   */
  databaseArn?: pulumi.Input<string>;
  /** Deprecated, use `databaseArn`: the ARN of the Aurora cluster. Default none. */
  auroraClusterArn?: pulumi.Input<string>;
  /** The cluster's IAM OIDC provider; the dump and restore roles trust it (IRSA). Required. */
  oidcProvider: OidcProvider;
  /** Namespace for the backup CronJobs (PSA restricted, own NetworkPolicies). Default "dify-backups". */
  namespace?: string;
  /** Create `namespace` (with PSA restricted labels and default-deny NetworkPolicies). Default true. */
  createNamespace?: boolean;
  /**
   * Days every backup is kept: logical dumps in the bucket (current and noncurrent versions),
   * AWS Backup recovery points and their cross-region copies. Integer 1..3650. Default 30 (dev: 7).
   */
  retentionDays?: number;
  /** When the logical dump runs: 5-field cron, UTC. Default "0 3 * * *" (03:00 daily). */
  schedule?: string;
  /**
   * When AWS Backup snapshots the Aurora cluster: 5-field cron, UTC, at most hourly, not both
   * day-of-month and day-of-week. Default "0 2 * * *" (02:00 daily).
   */
  snapshotSchedule?: string;
  /** When the restore verification runs: 5-field cron, UTC. Default "0 5 * * 0" (Sundays 05:00; dev: daily "0 5 * * *"). */
  verifySchedule?: string;
  /** Region to copy AWS Backup recovery points to (a vault and KMS key are created there). Default none. */
  copyRegion?: string;
  /** Existing vault ARN to copy recovery points to (wins over `copyRegion`). Default none. */
  copyVaultArn?: pulumi.Input<string>;
  /** Region to replicate the backup bucket to (a versioned, encrypted replica is created there). Default none. */
  replicaRegion?: string;
  /** S3 object lock (GOVERNANCE mode, retention = retentionDays) on the backup bucket. Set at creation only. Default false. */
  objectLock?: boolean;
  /** protect + retainOnDelete on the bucket, keys and vaults. Default true (dev: false). */
  protect?: boolean;
  /** Let a destroy delete a non-empty bucket or vault. Only with `protect: false`. Default false (dev: true). */
  forceDestroy?: boolean;
  /**
   * PEM bundle of the CAs that sign the database's TLS certificate (for Aurora the RDS bundle,
   * https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem). Required for libpq to
   * connect when `database.sslMode` is "verify-full" or "verify-ca". Default none.
   */
  sslRootCertPem?: pulumi.Input<string>;
  /** IPv4 CIDRs where Postgres listens (egress on 5432 is allowed only there). Default ["0.0.0.0/0"]; pass the VPC's private CIDRs. */
  databaseCidrs?: string[];
  /** Postgres client image (major >= the server's). Default "postgres:16.14-alpine" (Aurora PostgreSQL 16). */
  postgresImage?: string;
  /** AWS CLI image. Default "public.ecr.aws/aws-cli/aws-cli:2.36.15". */
  awsCliImage?: string;
  /** Registry prefix (and optional digests) both images are pulled through (components/k8s/images.ts). Default: the public images. */
  imageSource?: ImageSource;
  /** Size limit of the scratch volume holding one run's dump files, in GiB. Integer 1..1000. Default 10. */
  scratchVolumeGi?: number;
  /** Hard time limit of one dump, verification or restore run, in minutes. Integer 5..1440. Default 120. */
  jobTimeoutMinutes?: number;
  /**
   * CloudWatch Logs group receiving the cluster's container logs (e.g. Container Insights'
   * `/aws/containerinsights/<cluster>/application`). When set, metric filters and alarms watch
   * the dump and verification result lines: any failure line alarms, and so does no successful
   * dump in 2 days or no successful verification in 7 days (so schedules must run at least
   * daily and weekly respectively). Default none (no alarms).
   */
  logGroupName?: pulumi.Input<string>;
  /** Alarm actions (e.g. an SNS topic ARN) for the backup alarms. Default []. */
  alarmActions?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Take a backup of both databases before a migration: a one-off Job
   * `dify-backup-pre-migrate-<tag>` runs the dump CronJob's pod (same dump and upload, same keys
   * and retention as the scheduled dumps), and the component's `preMigrationBackup` output is that
   * Job: make the migration depend on it (DifyApp `migrationDependsOn`). A new tag (e.g. the next
   * Dify version) runs a new backup. 1-40 letters, digits, '.', '_' or '-'. Default none.
   */
  preMigrationTag?: string;
  /**
   * Days the S3 server access logs of the backup bucket (and of the replica, in a log bucket of its
   * own region) are kept. Integer 1..3653 (up to CloudWatch Logs' longest retention, so one
   * retention can serve both). Default 90.
   */
  accessLogRetentionDays?: number;
  /**
   * A CloudTrail trail recording the backup bucket's object-level calls (data events: who read,
   * wrote or deleted which dump, with the IAM identity), delivered to the backup access-log bucket
   * under `cloudtrail/`. $0.10 per 100,000 events. Default false.
   */
  dataEventsTrail?: boolean;
  /** Tags added to every AWS resource. Default {}. */
  tags?: { [key: string]: string };
}

/** Validated args with defaults applied. */
export interface ResolvedBackupsArgs {
  accessLogRetentionDays: number;
  dataEventsTrail: boolean;
  namespace: string;
  createNamespace: boolean;
  retentionDays: number;
  schedule: string;
  snapshotAwsCron: string;
  verifySchedule: string;
  copyRegion?: string;
  replicaRegion?: string;
  objectLock: boolean;
  protect: boolean;
  forceDestroy: boolean;
  databaseCidrs: string[];
  postgresImage: string;
  awsCliImage: string;
  scratchVolumeGi: number;
  jobTimeoutMinutes: number;
  tags: Record<string, string>;
}

export const DEFAULT_POSTGRES_IMAGE = "postgres:16.14-alpine";
export const DEFAULT_AWS_CLI_IMAGE = "public.ecr.aws/aws-cli/aws-cli:2.36.15";


// An exact tag: name:tag with a digit in the tag, or a digest. "latest" or a bare major is refused.
const PINNED = /^[a-z0-9./_-]+(:[A-Za-z0-9._-]*\d[A-Za-z0-9._-]*)?(@sha256:[a-f0-9]{64})?$/;



/** What DifyBackups validates before registering anything: its args without the handles to other resources. */
export type DifyBackupsSettings = Omit<DifyBackupsArgs, "database" | "restoreLogin" | "databaseArn" | "auroraClusterArn" | "oidcProvider">;

/** DifyBackups' handles to the database and the cluster must be given (from JavaScript or YAML they may be missing). */
export function requireBackupsHandles(name: string, args: DifyBackupsArgs): void {
  for (const f of ["database", "restoreLogin", "oidcProvider"] as const) {
    if (args?.[f] === undefined || args?.[f] === null) throw new Error(`DifyBackups "${name}": args.${f} is required`);
  }
  if ((args.databaseArn ?? args.auroraClusterArn) === undefined || (args.databaseArn ?? args.auroraClusterArn) === null) {
    throw new Error(`DifyBackups "${name}": args.databaseArn is required (DifyDatabaseHA's databaseArn)`);
  }
}

/** Validates and resolves the args; throws an Error naming the argument. */
export function validateBackupsArgs(name: string, args: DifyBackupsSettings): ResolvedBackupsArgs {
  const c = `DifyBackups "${name}"`;
  const p = new Problems(c);
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(name)) p.add("name", name, "1-31 lower-case letters, digits or '-' (it becomes part of S3 bucket and IAM names)");
  if (!args) {
    p.add("args", args, "the arguments of DifyBackups");
    p.throwIfAny();
  }
  const namespace = args.namespace ?? "dify-backups";
  p.check("args.namespace", namespace, dnsLabel(63));
  const protect = args.protect ?? true;
  const forceDestroy = args.forceDestroy ?? false;
  if (protect && forceDestroy) p.add("args.forceDestroy", true, "false while args.protect is true (protected backups must never be emptied by a destroy)");
  const cronOf = (field: "schedule" | "snapshotSchedule" | "verifySchedule", dflt: string): string => {
    const v = args[field] ?? dflt;
    try {
      parseCron(v);
      return v;
    } catch (e) {
      p.add(`args.${field}`, args[field], `a 5-field cron expression in UTC (minute hour day-of-month month day-of-week): ${(e as Error).message}`);
      return dflt;
    }
  };
  const snapshotSchedule = cronOf("snapshotSchedule", "0 2 * * *");
  let snapshotAwsCron = "cron(0 2 * * ? *)";
  try {
    snapshotAwsCron = toAwsCron(snapshotSchedule);
  } catch (e) {
    p.add("args.snapshotSchedule", args.snapshotSchedule, `a schedule AWS Backup can run: ${(e as Error).message}`);
  }
  for (const f of ["copyRegion", "replicaRegion"] as const) {
    if (args[f] !== undefined) p.check(`args.${f}`, args[f], region);
  }
  if (args.preMigrationTag !== undefined && (typeof args.preMigrationTag !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/.test(args.preMigrationTag))) {
    p.add("args.preMigrationTag", args.preMigrationTag, "1-40 letters, digits, '.', '_' or '-' starting with a letter or digit (e.g. the Dify version \"1.16.1\")");
  }
  const databaseCidrs = args.databaseCidrs ?? ["0.0.0.0/0"];
  p.items("args.databaseCidrs", databaseCidrs, cidr, 1);
  const image = (field: "postgresImage" | "awsCliImage", dflt: string): string => {
    const x = args[field] ?? dflt;
    const pinnedTag = /:[^/]*\d+\.\d+/.test(x) || x.includes("@sha256:");
    if (typeof x !== "string" || !PINNED.test(x) || !pinnedTag) {
      p.add(`args.${field}`, args[field], `an image pinned to an exact version (e.g. "${dflt}")`);
      return dflt;
    }
    try {
      return imageRef(x, args.imageSource);
    } catch (e) {
      p.add(`args.imageSource (${field})`, args.imageSource, (e as Error).message);
      return x;
    }
  };
  p.absorb(() => validateImageSource(c, "args.imageSource", args.imageSource), "args.imageSource", args.imageSource);
  const resolved: ResolvedBackupsArgs = {
    namespace,
    createNamespace: args.createNamespace ?? true,
    retentionDays: p.int("args.retentionDays", args.retentionDays, 30, 1, 3650, "days"),
    accessLogRetentionDays: p.int("args.accessLogRetentionDays", args.accessLogRetentionDays, 90, 1, 3653, "days"),
    dataEventsTrail: args.dataEventsTrail === true,
    schedule: cronOf("schedule", "0 3 * * *"),
    snapshotAwsCron,
    verifySchedule: cronOf("verifySchedule", "0 5 * * 0"),
    copyRegion: args.copyRegion,
    replicaRegion: args.replicaRegion,
    objectLock: args.objectLock ?? false,
    protect,
    forceDestroy,
    databaseCidrs,
    postgresImage: image("postgresImage", DEFAULT_POSTGRES_IMAGE),
    awsCliImage: image("awsCliImage", DEFAULT_AWS_CLI_IMAGE),
    scratchVolumeGi: p.int("args.scratchVolumeGi", args.scratchVolumeGi, 10, 1, 1000, "GiB"),
    jobTimeoutMinutes: p.int("args.jobTimeoutMinutes", args.jobTimeoutMinutes, 120, 5, 1440, "minutes"),
    tags: { ...(args.tags ?? {}) },
  };
  p.throwIfAny();
  return resolved;
}
