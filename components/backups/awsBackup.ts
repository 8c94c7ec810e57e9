/**
 * AWS Backup for the database: a CMK-encrypted vault, a daily plan whose recovery points (and
 * cross-region copies) live exactly `retentionDays`, and a selection of the Aurora cluster or RDS DB
 * instance by ARN. AWS Backup supports both (Aurora clusters and RDS DB instances are separate
 * resource types of "Amazon RDS"), and the service role's AWSBackupServiceRolePolicyForBackup allows
 * the RDS snapshot calls for either on any resource.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { customerKey } from "../aws/secureBucket";

export interface AwsBackupSpec {
  name: string;
  /** Aurora cluster or RDS DB instance ARN. */
  clusterArn: pulumi.Input<string>;
  keyArn: pulumi.Input<string>;
  retentionDays: number;
  awsCron: string;
  copyRegion?: string;
  copyVaultArn?: pulumi.Input<string>;
  protect: boolean;
  forceDestroy: boolean;
  keyDeletionWindowDays: number;
  tags: Record<string, string>;
}

/** The AWS managed policies of the AWS Backup service role (partition-aware). */
export function backupManagedPolicyArns(partition: pulumi.Input<string>): pulumi.Output<string>[] {
  return ["AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"].map(
    (p) => pulumi.interpolate`arn:${partition}:iam::aws:policy/service-role/${p}`,
  );
}

export function awsBackup(s: AwsBackupSpec, parent: pulumi.Resource): { vault: aws.backup.Vault; plan: aws.backup.Plan; copyVaultArn?: pulumi.Output<string> } {
  const keep = { parent, protect: s.protect, retainOnDelete: s.protect };
  const vault = new aws.backup.Vault(`${s.name}-vault`, { kmsKeyArn: s.keyArn, forceDestroy: s.forceDestroy, tags: s.tags }, keep);
  if (s.protect) {
    // Guardrail: nobody (not even an admin by mistake) deletes a recovery point or shortens its
    // life early; AWS Backup's own lifecycle expiry still applies. This is the statement of the AWS
    // Config rule backup-recovery-point-manual-deletion-disabled minus PutBackupVaultAccessPolicy,
    // left out on purpose so the stack can still change or remove this policy.
    new aws.backup.VaultPolicy(`${s.name}-vault-policy`, {
      backupVaultName: vault.name,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [{
          Sid: "DenyEarlyDeletion",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
          Resource: "*",
        }],
      }),
    }, { parent });
  }

  let copyVaultArn: pulumi.Output<string> | undefined;
  if (s.copyVaultArn !== undefined) {
    copyVaultArn = pulumi.output(s.copyVaultArn);
  } else if (s.copyRegion !== undefined) {
    const copyKey = customerKey(`${s.name}-backup-copy-key`, `Dify ${s.name}: AWS Backup copies`,
      { deletionWindowDays: s.keyDeletionWindowDays, protect: s.protect, region: s.copyRegion, tags: s.tags }, parent);
    copyVaultArn = new aws.backup.Vault(`${s.name}-copy-vault`, {
      region: s.copyRegion,
      kmsKeyArn: copyKey.arn,
      forceDestroy: s.forceDestroy,
      tags: s.tags,
    }, keep).arn;
  }

  const partition = aws.getPartitionOutput({}, { parent }).partition;
  const role = new aws.iam.Role(`${s.name}-aws-backup`, {
    description: `Dify ${s.name}: AWS Backup service role`,
    assumeRolePolicy: aws.iam.getPolicyDocumentOutput({
      statements: [{ effect: "Allow", actions: ["sts:AssumeRole"], principals: [{ type: "Service", identifiers: ["backup.amazonaws.com"] }] }],
    }, { parent }).json,
    tags: s.tags,
  }, { parent });
  const attachments = backupManagedPolicyArns(partition).map((arn, i) =>
    new aws.iam.RolePolicyAttachment(`${s.name}-aws-backup-${i === 0 ? "backup" : "restores"}`, { role: role.name, policyArn: arn }, { parent }));

  const lifecycle = { deleteAfter: s.retentionDays };
  const plan = new aws.backup.Plan(`${s.name}-plan`, {
    rules: [{
      ruleName: "daily-aurora",
      targetVaultName: vault.name,
      schedule: s.awsCron,
      scheduleExpressionTimezone: "Etc/UTC",
      // Start within an hour; a snapshot of Aurora is storage-level and finishes in minutes.
      startWindow: 60,
      completionWindow: 480,
      lifecycle,
      copyActions: copyVaultArn ? [{ destinationVaultArn: copyVaultArn, lifecycle }] : [],
      recoveryPointTags: { ...s.tags, "dify-aws/backup": "aurora" },
    }],
    tags: s.tags,
  }, { parent });

  new aws.backup.Selection(`${s.name}-aurora`, {
    planId: plan.id,
    iamRoleArn: role.arn,
    resources: [s.clusterArn],
  }, { parent, dependsOn: attachments });

  return { vault, plan, copyVaultArn };
}
