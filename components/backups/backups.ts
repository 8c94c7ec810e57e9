/**
 * DifyBackups (issue 6): backups of a Dify install with a restore that is exercised.
 * - Backup bucket: versioned, CMK-encrypted, private, TLS-only; everything expires after
 *   `retentionDays`; optional object lock (governance) and cross-region replication.
 * - Aurora: AWS Backup vault, daily plan (retention = `retentionDays`, optional cross-region copy)
 *   and a selection of the cluster.
 * - Logical dumps: a CronJob pg_dumps `dify` and `dify_plugin` to `postgres/` in the bucket with a
 *   write-only IRSA role; a second CronJob restores the newest dumps into scratch databases, checks
 *   Dify's core tables and prints a result line that alarms watch; a suspended third is the
 *   scripted restore (docs/backups.md).
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { componentType, withPostgresDefaults } from "../contracts";
import { standardLabels } from "../k8s/labels";
import { accessLogBucket, accessLogging } from "../aws/accessLogs";
import { customerKey, secureBucket } from "../aws/secureBucket";
import { DifyBackupsArgs, requireBackupsHandles, validateBackupsArgs } from "./args";
import { awsBackup } from "./awsBackup";
import { backupRoles } from "./iam";
import { backupJobs } from "./jobs";
import { backupAlarms } from "./monitoring";
import { backupNamespace } from "./network";
import { replicateBucket } from "./replication";

/**
 * Backups of Dify's data with a tested restore (`dify-aws:index:DifyBackups`): AWS Backup plans
 * for the Aurora cluster (optionally copied to another region), a KMS-encrypted bucket for
 * logical dumps, dump / restore-verification / restore CronJobs running as least-privilege IRSA
 * roles, and alarms on their results. `restoreLogin` must be a role that can create databases.
 */
export class DifyBackups extends pulumi.ComponentResource {
  /** Name of the backup bucket (logical dumps under `postgres/`). */
  public readonly bucketName: pulumi.Output<string>;
  /** ARN of the backup bucket. */
  public readonly bucketArn: pulumi.Output<string>;
  /** ARN of the replica bucket in `replicaRegion`, when configured. */
  public readonly replicaBucketArn: pulumi.Output<string | undefined>;
  /** ARN of the KMS key encrypting the bucket and the vault. */
  public readonly kmsKeyArn: pulumi.Output<string>;
  /** ARN of the AWS Backup vault holding the Aurora recovery points. */
  public readonly vaultArn: pulumi.Output<string>;
  /** ARN of the vault receiving cross-region copies, when configured. */
  public readonly copyVaultArn: pulumi.Output<string | undefined>;
  /** ID of the AWS Backup plan. */
  public readonly planId: pulumi.Output<string>;
  /** ARN of the dump Job's role (write-only under `postgres/`). */
  public readonly writerRoleArn: pulumi.Output<string>;
  /** ARN of the verification/restore Jobs' role (read-only under `postgres/`). */
  public readonly readerRoleArn: pulumi.Output<string>;
  /** Namespace of the backup CronJobs. */
  public readonly namespace: pulumi.Output<string>;
  /**
   * The pre-migration dump Job (with `preMigrationTag`): complete only once both databases are
   * dumped and uploaded; a failed dump fails the update. Depend on it before migrating.
   */
  public readonly preMigrationBackup?: k8s.batch.v1.Job;

  constructor(name: string, args: DifyBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    requireBackupsHandles(name, args);
    const r = validateBackupsArgs(name, args);
    // The connection with the defaults its fields document (port, database names).
    const database = withPostgresDefaults(args.database);
    super(componentType("DifyBackups"), name, {}, opts);
    const tags = { ...r.tags, "dify-aws/component": "backups" };
    const keyWindow = r.protect ? 30 : 7;

    const key = customerKey(`${name}-backups-key`, `Dify ${name}: backups (dump bucket, AWS Backup vault)`,
      { deletionWindowDays: keyWindow, protect: r.protect, tags }, this);
    const bucket = secureBucket({
      name: `${name}-backups`,
      kmsKeyArn: key.arn,
      // Retention arithmetic: a dump is current for retentionDays, then (if overwritten or
      // deleted) noncurrent for retentionDays more; object lock holds it the same number of days.
      currentVersionDays: r.retentionDays,
      noncurrentVersionDays: r.retentionDays,
      abortMultipartDays: 1,
      objectLockDays: r.objectLock ? r.retentionDays : undefined,
      forceDestroy: r.forceDestroy,
      protect: r.protect,
      tags: { ...tags, "dify-aws/bucket": "backups" },
    }, this);

    // Audit trail of every request to the dumps, in a log bucket of the same region.
    // Optionally also every object-level call (GetObject, PutObject, DeleteObject, ...) as CloudTrail
    // data events, which name the caller's IAM identity; delivered to the same log bucket.
    const trailName = `${name}-backups-data-events`;
    const stackRegion = aws.getRegionOutput({}, { parent: this }).region;
    const trailArn = r.dataEventsTrail
      ? pulumi.interpolate`arn:${aws.getPartitionOutput({}, { parent: this }).partition}:cloudtrail:${stackRegion}:${aws.getCallerIdentityOutput({}, { parent: this }).accountId}:trail/${trailName}`
      : undefined;
    const accessLogs = accessLogBucket({
      name: `${name}-backups-access-logs`, retentionDays: r.accessLogRetentionDays, sourceBucketArns: [bucket.bucket.arn],
      forceDestroy: r.forceDestroy, protect: r.protect, tags,
      cloudTrail: trailArn ? { trailArn, prefix: "cloudtrail/" } : undefined,
    }, this);
    accessLogging(`${name}-backups`, { source: bucket.bucket, target: accessLogs.bucket, prefix: "backups/", protect: r.protect }, this);
    if (r.dataEventsTrail) {
      new aws.cloudtrail.Trail(trailName, {
        name: trailName,
        s3BucketName: accessLogs.bucket.bucket,
        s3KeyPrefix: "cloudtrail",
        isMultiRegionTrail: false,
        includeGlobalServiceEvents: false,
        enableLogFileValidation: true,
        eventSelectors: [{
          readWriteType: "All",
          includeManagementEvents: false,
          dataResources: [{ type: "AWS::S3::Object", values: [pulumi.interpolate`${bucket.bucket.arn}/`] }],
        }],
        tags,
      }, { parent: this, dependsOn: [accessLogs.policy] });
    }

    let replicaArn: pulumi.Output<string> | undefined;
    if (r.replicaRegion !== undefined) {
      replicaArn = replicateBucket({
        name, region: r.replicaRegion, source: bucket, sourceKeyArn: key.arn, retentionDays: r.retentionDays,
        objectLock: r.objectLock, protect: r.protect, forceDestroy: r.forceDestroy, keyDeletionWindowDays: keyWindow,
        accessLogRetentionDays: r.accessLogRetentionDays, tags,
      }, this).replica.arn;
    }

    const backup = awsBackup({
      name, clusterArn: (args.databaseArn ?? args.auroraClusterArn)!, keyArn: key.arn, retentionDays: r.retentionDays, awsCron: r.snapshotAwsCron,
      copyRegion: r.copyRegion, copyVaultArn: args.copyVaultArn, protect: r.protect, forceDestroy: r.forceDestroy,
      keyDeletionWindowDays: keyWindow, tags,
    }, this);

    const roles = backupRoles(name, { oidc: args.oidcProvider, namespace: r.namespace, bucketArn: bucket.bucket.arn, keyArn: key.arn, tags }, this);

    const labels = (component: string) => standardLabels({ name: "dify-backups", instance: name, component });
    const net = backupNamespace(name, {
      namespace: r.namespace, create: r.createNamespace, databaseCidrs: r.databaseCidrs, databasePort: database.port,
      selector: { "app.kubernetes.io/name": "dify-backups", "app.kubernetes.io/instance": name }, labels: labels("network"),
    }, this);

    const jobs = backupJobs({
      name, r, namespace: net.namespace, database,
      restoreLogin: args.restoreLogin,
      bucketName: bucket.bucket.bucket, region: aws.getRegionOutput({}, { parent: this }).region,
      writerRoleArn: roles.writer.arn, readerRoleArn: roles.reader.arn, sslRootCertPem: args.sslRootCertPem, labels,
      // Jobs start only once the bucket is encrypted and the network rules exist.
      dependsOn: [...bucket.config, ...net.policies],
      preMigrationTag: args.preMigrationTag,
      preMigrationDependsOn: [roles.writerPolicy],
    }, this);

    if (args.logGroupName !== undefined) {
      backupAlarms(name, { logGroupName: args.logGroupName, alarmActions: args.alarmActions ?? [], tags }, this);
    }

    this.bucketName = bucket.bucket.bucket;
    this.bucketArn = bucket.bucket.arn;
    this.replicaBucketArn = replicaArn ?? pulumi.output(undefined);
    this.kmsKeyArn = key.arn;
    this.vaultArn = backup.vault.arn;
    this.copyVaultArn = backup.copyVaultArn ?? pulumi.output(undefined);
    this.planId = backup.plan.id;
    this.writerRoleArn = roles.writer.arn;
    this.readerRoleArn = roles.reader.arn;
    this.namespace = net.namespace;
    this.preMigrationBackup = jobs.preMigration;
    this.registerOutputs({
      bucketName: this.bucketName, bucketArn: this.bucketArn, replicaBucketArn: this.replicaBucketArn, kmsKeyArn: this.kmsKeyArn,
      vaultArn: this.vaultArn, copyVaultArn: this.copyVaultArn, planId: this.planId, writerRoleArn: this.writerRoleArn,
      readerRoleArn: this.readerRoleArn, namespace: this.namespace,
    });
  }
}
