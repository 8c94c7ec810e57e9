/**
 * The two IRSA roles of the backup Jobs. The writer can only add objects under `postgres/`
 * (no read, no delete: a compromised dump pod cannot destroy or exfiltrate earlier backups);
 * the reader (verification and restore) can only list and read under `postgres/`.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { OidcProvider } from "../contracts";
import { irsaRole } from "../aws/irsa";

/** Key prefix of the logical dumps: `postgres/<db>/<YYYY>/<MM>/<DD>/<db>-<timestamp>.dump`. */
export const DUMP_PREFIX = "postgres/";
/** ServiceAccount of the dump CronJob. */
export const WRITER_SERVICE_ACCOUNT = "dify-backup-writer";
/** ServiceAccount of the restore-verification CronJob and the restore Job. */
export const READER_SERVICE_ACCOUNT = "dify-backup-reader";

/** Policy of the dump role: write-only under the prefix. */
export function writerPolicy(bucketArn: pulumi.Input<string>, keyArn: pulumi.Input<string>, parent: pulumi.Resource): pulumi.Output<string> {
  return aws.iam.getPolicyDocumentOutput({
    statements: [
      {
        sid: "WriteDumpsOnly",
        effect: "Allow",
        // AbortMultipartUpload lets the CLI clean up a failed large upload; it deletes nothing stored.
        actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
        resources: [pulumi.interpolate`${bucketArn}/${DUMP_PREFIX}*`],
      },
      {
        sid: "EncryptDumps",
        effect: "Allow",
        // Multipart uploads to an SSE-KMS bucket need kms:Decrypt as well as GenerateDataKey
        // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions).
        actions: ["kms:GenerateDataKey", "kms:Decrypt"],
        resources: [keyArn],
      },
    ],
  }, { parent }).json;
}

/** Policy of the restore role: list and read under the prefix only. */
export function readerPolicy(bucketArn: pulumi.Input<string>, keyArn: pulumi.Input<string>, parent: pulumi.Resource): pulumi.Output<string> {
  return aws.iam.getPolicyDocumentOutput({
    statements: [
      {
        sid: "ListDumpsOnly",
        effect: "Allow",
        actions: ["s3:ListBucket"],
        resources: [bucketArn],
        conditions: [{ test: "StringLike", variable: "s3:prefix", values: [`${DUMP_PREFIX}*`] }],
      },
      { sid: "ReadDumpsOnly", effect: "Allow", actions: ["s3:GetObject"], resources: [pulumi.interpolate`${bucketArn}/${DUMP_PREFIX}*`] },
      { sid: "DecryptDumps", effect: "Allow", actions: ["kms:Decrypt"], resources: [keyArn] },
    ],
  }, { parent }).json;
}

/** Creates both roles. */
export function backupRoles(
  name: string,
  a: { oidc: OidcProvider; namespace: string; bucketArn: pulumi.Input<string>; keyArn: pulumi.Input<string>; tags: Record<string, string> },
  parent: pulumi.Resource,
): { writer: aws.iam.Role; reader: aws.iam.Role; writerPolicy: aws.iam.RolePolicy } {
  const writerRole = irsaRole(`${name}-backup-writer`, {
    oidc: a.oidc,
    namespace: a.namespace,
    serviceAccounts: [WRITER_SERVICE_ACCOUNT],
    policy: writerPolicy(a.bucketArn, a.keyArn, parent),
    description: `Dify ${name}: logical dump Job, write-only to ${DUMP_PREFIX}`,
    tags: a.tags,
  }, parent);
  const reader = irsaRole(`${name}-backup-reader`, {
    oidc: a.oidc,
    namespace: a.namespace,
    serviceAccounts: [READER_SERVICE_ACCOUNT],
    policy: readerPolicy(a.bucketArn, a.keyArn, parent),
    description: `Dify ${name}: restore and restore-verification Jobs, read-only on ${DUMP_PREFIX}`,
    tags: a.tags,
  }, parent).role;
  return { writer: writerRole.role, reader, writerPolicy: writerRole.policy };
}
