/**
 * DifyStorage: Dify's object storage on S3. Two buckets (uploads for the api/worker, plugin
 * packages for the plugin daemon), each versioned with a noncurrent-version retention window so
 * a deleted or overwritten file can be recovered, encrypted with one customer KMS key, and two
 * IRSA roles: the api/worker/beat role (`DIFY_APP_S3_SERVICE_ACCOUNTS`) for the uploads bucket, and
 * the plugin daemon's role for the plugin bucket. Two roles, because the daemon hands its
 * environment (the IRSA token included) to every plugin it runs (langgenius/dify-plugin-daemon
 * internal/core/local_runtime/subprocess.go, `cmd.Env = cmd.Environ()`, tag 0.6.3 54432d8a): with one
 * shared role any installed plugin could read and delete every user upload.
 *
 * Two buckets, not one: the plugin daemon lists and rewrites whole key trees (`plugin/`,
 * `plugin_packages/`, `assets/`) and the api keeps user files; separate buckets let each be
 * restored, inspected, or given its own lifecycle without touching the other, at no extra cost.
 */
import { accessLogBucket, accessLogging } from "../aws/accessLogs";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { Problems } from "../checks";
import { componentType, DIFY_APP_S3_SERVICE_ACCOUNTS, DIFY_PLUGIN_DAEMON_SERVICE_ACCOUNT, ObjectStorage, OidcProvider } from "../contracts";
import { irsaRole } from "../aws/irsa";
import { customerKey, secureBucket } from "../aws/secureBucket";

/** Arguments of `DifyStorage`. */
export interface DifyStorageArgs {
  /** The cluster's IAM OIDC provider (from DifyCluster); the storage role trusts it. Required. */
  oidcProvider: OidcProvider;
  /** Kubernetes namespace of DifyApp, where the `DIFY_S3_SERVICE_ACCOUNTS` live. Required. */
  namespace: pulumi.Input<string>;
  /**
   * Days an overwritten or deleted file stays recoverable (S3 noncurrent-version expiration),
   * on both buckets. Integer 1..3650. Default 30 (recommend 7 in dev).
   */
  noncurrentVersionRetentionDays?: number;
  /** Days after which unfinished multipart uploads are aborted and their parts deleted. Integer 1..365. Default 7. */
  abortIncompleteMultipartUploadDays?: number;
  /**
   * Protect the buckets and the KMS key (Pulumi `protect`) and keep them and their configuration
   * when the stack is deleted (`retainOnDelete`). Default true (recommend false only in dev).
   */
  protect?: boolean;
  /** Let `pulumi destroy` delete non-empty buckets. Only allowed with `protect: false`. Default false (dev: true). */
  forceDestroy?: boolean;
  /** Waiting period before a deleted KMS key is destroyed, in days. Integer 7..30. Default 30. */
  kmsKeyDeletionWindowDays?: number;
  /**
   * Extra IAM policy document (JSON) for the plugin daemon's role, e.g. Bedrock invoke rights from
   * `bedrockInvokePolicy`. Every installed plugin gets whatever it allows. Default none.
   */
  pluginDaemonPolicy?: pulumi.Input<string>;
  /**
   * Days the S3 server access logs of both buckets are kept, in a dedicated log bucket of the same
   * region (SSE-S3: S3 does not deliver access logs to SSE-KMS buckets). Integer 1..3653 (up to
   * CloudWatch Logs' longest retention, so one retention can serve both). Default 90.
   */
  accessLogRetentionDays?: number;
  /** Tags added to every AWS resource. Default {}. */
  tags?: { [key: string]: string };
}

interface Resolved {
  retention: number;
  accessLogDays: number;
  abortDays: number;
  protect: boolean;
  forceDestroy: boolean;
  keyWindow: number;
  tags: Record<string, string>;
}


/** Validates args before anything is registered (bad input must not half-create a stack). */
export function validateStorageArgs(name: string, args: DifyStorageArgs): Resolved {
  const p = new Problems(`DifyStorage "${name}"`);
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(name)) p.add("name", name, "1-31 lower-case letters, digits or '-' (it becomes part of S3 bucket names)");
  if (!args || !args.oidcProvider) p.add("args.oidcProvider", undefined, "DifyCluster's OIDC provider handle ({ arn, issuer })");
  if (args?.namespace === undefined || args.namespace === "") p.add("args.namespace", args?.namespace, "DifyApp's namespace");
  const protect = args?.protect ?? true;
  const forceDestroy = args?.forceDestroy ?? false;
  if (protect && forceDestroy) p.add("args.forceDestroy", true, "false while args.protect is true (a protected bucket must never be emptied by a destroy)");
  const resolved: Resolved = {
    retention: p.int("args.noncurrentVersionRetentionDays", args?.noncurrentVersionRetentionDays, 30, 1, 3650, "days"),
    accessLogDays: p.int("args.accessLogRetentionDays", args?.accessLogRetentionDays, 90, 1, 3653, "days"),
    abortDays: p.int("args.abortIncompleteMultipartUploadDays", args?.abortIncompleteMultipartUploadDays, 7, 1, 365, "days"),
    protect,
    forceDestroy,
    keyWindow: p.int("args.kmsKeyDeletionWindowDays", args?.kmsKeyDeletionWindowDays, 30, 7, 30, "days"),
    tags: { ...(args?.tags ?? {}) },
  };
  p.throwIfAny();
  return resolved;
}

/** The least-privilege policy of the storage role: object read/write/delete on two buckets, the key. */
export function storagePolicy(bucketArns: pulumi.Input<string>[], keyArn: pulumi.Input<string>, parent: pulumi.Resource): pulumi.Output<string> {
  return aws.iam.getPolicyDocumentOutput({
    statements: [
      // HeadBucket (Dify's startup check, dify-reference §3.4) is authorized by s3:ListBucket.
      { sid: "ListBuckets", effect: "Allow", actions: ["s3:ListBucket", "s3:GetBucketLocation"], resources: bucketArns },
      {
        sid: "ObjectReadWrite",
        effect: "Allow",
        actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
        resources: bucketArns.map((a) => pulumi.interpolate`${a}/*`),
      },
      // SSE-KMS: uploads need GenerateDataKey, downloads and multipart uploads need Decrypt.
      { sid: "UseBucketKey", effect: "Allow", actions: ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], resources: [keyArn] },
    ],
  }, { parent }).json;
}

/** Dify's S3 buckets (uploads, plugins), their KMS key, and the IRSA role of the S3-using pods. */
export class DifyStorage extends pulumi.ComponentResource {
  /** The handle DifyApp consumes: bucket names, region, role ARN. */
  public readonly storage: pulumi.Output<ObjectStorage>;
  /** Uploads bucket name (`S3_BUCKET_NAME`). */
  public readonly bucketName: pulumi.Output<string>;
  /** Uploads bucket ARN. */
  public readonly bucketArn: pulumi.Output<string>;
  /** Plugin bucket name (`PLUGIN_STORAGE_OSS_BUCKET`). */
  public readonly pluginBucketName: pulumi.Output<string>;
  /** Plugin bucket ARN. */
  public readonly pluginBucketArn: pulumi.Output<string>;
  /** ARN of the customer KMS key encrypting both buckets. */
  public readonly kmsKeyArn: pulumi.Output<string>;
  /** ARN of the IRSA role of the api, worker and beat (`DIFY_APP_S3_SERVICE_ACCOUNTS`): the uploads bucket. */
  public readonly roleArn: pulumi.Output<string>;
  /** ARN of the plugin daemon's IRSA role: the plugin bucket (and `pluginDaemonPolicy`). */
  public readonly pluginRoleArn: pulumi.Output<string>;

  constructor(name: string, args: DifyStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    const r = validateStorageArgs(name, args);
    super(componentType("DifyStorage"), name, {}, opts);
    const tags = { ...r.tags, "dify-aws/component": "storage" };

    const key = customerKey(`${name}-storage-key`, `Dify ${name}: uploads and plugin buckets`,
      { deletionWindowDays: r.keyWindow, protect: r.protect, tags }, this);
    // A prefix, not a fixed name: two Dify installs with the same stack name may share an account.
    new aws.kms.Alias(`${name}-storage-key-alias`, { namePrefix: `alias/dify-${name}-storage-`, targetKeyId: key.keyId }, { parent: this });

    const common = {
      kmsKeyArn: key.arn,
      noncurrentVersionDays: r.retention,
      abortMultipartDays: r.abortDays,
      forceDestroy: r.forceDestroy,
      protect: r.protect,
    };
    const uploads = secureBucket({ ...common, name: `${name}-uploads`, tags: { ...tags, "dify-aws/bucket": "uploads" } }, this);
    const plugins = secureBucket({ ...common, name: `${name}-plugins`, tags: { ...tags, "dify-aws/bucket": "plugins" } }, this);
    // Audit trail: every request to either bucket, in a log bucket of their region.
    const accessLogs = accessLogBucket({
      name: `${name}-access-logs`, retentionDays: r.accessLogDays, sourceBucketArns: [uploads.bucket.arn, plugins.bucket.arn],
      forceDestroy: r.forceDestroy, protect: r.protect, tags,
    }, this).bucket;
    accessLogging(`${name}-uploads`, { source: uploads.bucket, target: accessLogs, prefix: "uploads/", protect: r.protect }, this);
    accessLogging(`${name}-plugins`, { source: plugins.bucket, target: accessLogs, prefix: "plugins/", protect: r.protect }, this);

    const { role } = irsaRole(`${name}-storage`, {
      oidc: args.oidcProvider,
      namespace: args.namespace,
      serviceAccounts: DIFY_APP_S3_SERVICE_ACCOUNTS,
      policy: storagePolicy([uploads.bucket.arn], key.arn, this),
      description: `Dify ${name}: uploads bucket of ${DIFY_APP_S3_SERVICE_ACCOUNTS.join(", ")}`,
      tags,
    }, this);
    const { role: pluginRole } = irsaRole(`${name}-plugin-storage`, {
      oidc: args.oidcProvider,
      namespace: args.namespace,
      serviceAccounts: [DIFY_PLUGIN_DAEMON_SERVICE_ACCOUNT],
      policy: storagePolicy([plugins.bucket.arn], key.arn, this),
      description: `Dify ${name}: plugin bucket of ${DIFY_PLUGIN_DAEMON_SERVICE_ACCOUNT} (and of every plugin it runs)`,
      tags,
    }, this);
    if (args.pluginDaemonPolicy !== undefined) {
      new aws.iam.RolePolicy(`${name}-plugin-daemon-extra`, { role: pluginRole.id, policy: args.pluginDaemonPolicy }, { parent: this });
    }

    const region = aws.getRegionOutput({}, { parent: this }).region;
    this.bucketName = uploads.bucket.bucket;
    this.bucketArn = uploads.bucket.arn;
    this.pluginBucketName = plugins.bucket.bucket;
    this.pluginBucketArn = plugins.bucket.arn;
    this.kmsKeyArn = key.arn;
    this.roleArn = role.arn;
    this.pluginRoleArn = pluginRole.arn;
    // Consumers must not write before versioning and encryption are in place.
    const ready = pulumi.all([...uploads.config, ...plugins.config].map((c) => c.urn));
    this.storage = pulumi.all([uploads.bucket.bucket, plugins.bucket.bucket, region, role.arn, pluginRole.arn, ready])
      .apply(([bucketName, pluginBucketName, reg, roleArn, pluginRoleArn]) => ({ bucketName, pluginBucketName, region: reg, roleArn, pluginRoleArn }));
    this.registerOutputs({
      storage: this.storage,
      bucketName: this.bucketName,
      bucketArn: this.bucketArn,
      pluginBucketName: this.pluginBucketName,
      pluginBucketArn: this.pluginBucketArn,
      kmsKeyArn: this.kmsKeyArn,
      roleArn: this.roleArn,
      pluginRoleArn: this.pluginRoleArn,
    });
  }
}
