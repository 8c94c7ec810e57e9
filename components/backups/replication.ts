/**
 * Cross-region replication of the backup bucket: a replica bucket with the same baseline in
 * another region (aws v7 per-resource `region`, no second provider), and the S3 replication role.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { accessLogBucket, accessLogging } from "../aws/accessLogs";
import { customerKey, secureBucket, SecureBucket } from "../aws/secureBucket";

export interface ReplicationSpec {
  name: string;
  region: string;
  source: SecureBucket;
  sourceKeyArn: pulumi.Input<string>;
  retentionDays: number;
  objectLock: boolean;
  protect: boolean;
  forceDestroy: boolean;
  keyDeletionWindowDays: number;
  /** Days the replica's S3 server access logs are kept (a log bucket in the replica's region). */
  accessLogRetentionDays: number;
  tags: Record<string, string>;
}

export function replicateBucket(s: ReplicationSpec, parent: pulumi.Resource): { replica: aws.s3.Bucket } {
  const key = customerKey(`${s.name}-backup-replica-key`, `Dify ${s.name}: backup bucket replica`,
    { deletionWindowDays: s.keyDeletionWindowDays, protect: s.protect, region: s.region, tags: s.tags }, parent);
  const replica = secureBucket({
    name: `${s.name}-backups-replica`,
    region: s.region,
    kmsKeyArn: key.arn,
    noncurrentVersionDays: s.retentionDays,
    currentVersionDays: s.retentionDays,
    abortMultipartDays: 1,
    objectLockDays: s.objectLock ? s.retentionDays : undefined,
    forceDestroy: s.forceDestroy,
    protect: s.protect,
    tags: { ...s.tags, "dify-aws/bucket": "backups-replica" },
  }, parent);

  // S3 delivers access logs only within a region: the replica logs to a bucket of its own.
  const replicaLogs = accessLogBucket({
    name: `${s.name}-backups-replica-access-logs`, region: s.region, retentionDays: s.accessLogRetentionDays,
    sourceBucketArns: [replica.bucket.arn], forceDestroy: s.forceDestroy, protect: s.protect, tags: s.tags,
  }, parent).bucket;
  accessLogging(`${s.name}-backups-replica`, { source: replica.bucket, target: replicaLogs, prefix: "backups-replica/", region: s.region, protect: s.protect }, parent);

  const src = s.source.bucket.arn;
  const dst = replica.bucket.arn;
  const role = new aws.iam.Role(`${s.name}-backup-replication`, {
    description: `Dify ${s.name}: S3 replication of the backup bucket to ${s.region}`,
    assumeRolePolicy: aws.iam.getPolicyDocumentOutput({
      statements: [{ effect: "Allow", actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["s3.amazonaws.com"] }] }],
    }, { parent }).json,
    tags: s.tags,
  }, { parent });
  const policy = new aws.iam.RolePolicy(`${s.name}-backup-replication`, {
    role: role.id,
    policy: aws.iam.getPolicyDocumentOutput({
      statements: [
        { effect: "Allow", actions: ["s3:GetReplicationConfiguration", "s3:ListBucket"], resources: [src] },
        {
          effect: "Allow",
          actions: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging", "s3:GetObjectRetention", "s3:GetObjectLegalHold"],
          resources: [pulumi.interpolate`${src}/*`],
        },
        { effect: "Allow", actions: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"], resources: [pulumi.interpolate`${dst}/*`] },
        { effect: "Allow", actions: ["kms:Decrypt"], resources: [s.sourceKeyArn] },
        { effect: "Allow", actions: ["kms:Encrypt", "kms:GenerateDataKey"], resources: [key.arn] },
      ],
    }, { parent }).json,
  }, { parent });

  new aws.s3.BucketReplicationConfig(`${s.name}-backups-replication`, {
    bucket: s.source.bucket.id,
    role: role.arn,
    rules: [{
      id: "replicate-all",
      status: "Enabled",
      filter: { prefix: "" },
      // Deletions are not replicated: the replica is the copy that survives a mistake at the source.
      deleteMarkerReplication: { status: "Disabled" },
      sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
      destination: { bucket: dst, encryptionConfiguration: { replicaKmsKeyId: key.arn } },
    }],
  }, { parent, dependsOn: [s.source.versioning, replica.versioning, policy] });
  return { replica: replica.bucket };
}
