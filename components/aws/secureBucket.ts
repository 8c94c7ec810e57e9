/**
 * One hardened S3 bucket: versioned, SSE-KMS with a bucket key, public access blocked, owner
 * enforced, TLS-only policy, lifecycle for noncurrent versions (and optionally current objects),
 * optional object lock. Shared by DifyStorage (uploads, plugins) and DifyBackups (dumps, replica),
 * so every bucket this package creates has the same baseline.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/** How one hardened bucket is built (module-internal; not a component args interface). */
export interface SecureBucketSpec {
  /** Logical name of the bucket resource; children are `<name>-versioning`, ... */
  name: string;
  /** KMS key ARN for SSE-KMS default encryption. */
  kmsKeyArn: pulumi.Input<string>;
  /** Days a noncurrent (overwritten or deleted) version is kept before it expires. */
  noncurrentVersionDays: number;
  /** Days a current object lives before it expires; undefined = never. */
  currentVersionDays?: number;
  /** Days after which unfinished multipart uploads are aborted. */
  abortMultipartDays: number;
  /** When set, object lock in GOVERNANCE mode with this default retention (days). */
  objectLockDays?: number;
  /** Let a stack delete empty the bucket (dev only). */
  forceDestroy: boolean;
  /** protect + retainOnDelete on the bucket and its configuration. */
  protect: boolean;
  /** Region of the bucket (aws v7 per-resource region); undefined = the provider's region. */
  region?: pulumi.Input<string>;
  /** Tags for the bucket. */
  tags: Record<string, string>;
}

/** The bucket and the resources that must exist before it is used. */
export interface SecureBucket {
  bucket: aws.s3.Bucket;
  versioning: aws.s3.BucketVersioning;
  /** Every configuration resource: consumers that write may `dependsOn` these. */
  config: pulumi.Resource[];
}

/** The statement every bucket policy here carries: deny any request made without TLS. */
export function denyInsecureTransport(bucketArn: string): Record<string, unknown> {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/** The TLS-only bucket policy (deny any request made without TLS). */
export function tlsOnlyPolicy(bucketArn: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.output(bucketArn).apply((arn) => JSON.stringify({ Version: "2012-10-17", Statement: [denyInsecureTransport(arn)] }));
}

/** Builds the bucket and its configuration resources, all parented to `parent`. */
export function secureBucket(spec: SecureBucketSpec, parent: pulumi.Resource): SecureBucket {
  // Retaining only the bucket is not enough: deleting aws.s3.BucketVersioning suspends
  // versioning and deleting the encryption configuration resets the default encryption, so a
  // stack delete would silently weaken a retained bucket. Retain the configuration too.
  const keep: pulumi.CustomResourceOptions = { parent, protect: spec.protect, retainOnDelete: spec.protect };
  const region = spec.region;
  const n = spec.name;

  const bucket = new aws.s3.Bucket(n, {
    region,
    forceDestroy: spec.forceDestroy,
    // Object lock can only be chosen at creation (changing it replaces the bucket).
    objectLockEnabled: spec.objectLockDays !== undefined ? true : undefined,
    tags: spec.tags,
  }, keep);

  const ownership = new aws.s3.BucketOwnershipControls(`${n}-ownership`, {
    region,
    bucket: bucket.id,
    rule: { objectOwnership: "BucketOwnerEnforced" },
  }, keep);

  const publicAccess = new aws.s3.BucketPublicAccessBlock(`${n}-public-access`, {
    region,
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  }, keep);

  const versioning = new aws.s3.BucketVersioning(`${n}-versioning`, {
    region,
    bucket: bucket.id,
    versioningConfiguration: { status: "Enabled" },
  }, keep);

  const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(`${n}-encryption`, {
    region,
    bucket: bucket.id,
    rules: [{
      applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: spec.kmsKeyArn },
      // The bucket key cuts KMS requests (and cost) by ~99% for busy buckets.
      bucketKeyEnabled: true,
    }],
  }, keep);

  // The public access block must exist first, or a policy could be judged before it applies.
  const policy = new aws.s3.BucketPolicy(`${n}-policy`, {
    region,
    bucket: bucket.id,
    policy: tlsOnlyPolicy(bucket.arn),
  }, { ...keep, dependsOn: [publicAccess] });

  // Whole-bucket rules use `filter { prefix = "" }`: an empty filter block draws a provider
  // warning since terraform-provider-aws 5.90 (hashicorp/terraform-provider-aws#42714).
  const rules: aws.types.input.s3.BucketLifecycleConfigurationRule[] = [
    {
      id: "expire-noncurrent-versions",
      status: "Enabled",
      filter: { prefix: "" },
      noncurrentVersionExpiration: { noncurrentDays: spec.noncurrentVersionDays },
      abortIncompleteMultipartUpload: { daysAfterInitiation: spec.abortMultipartDays },
    },
  ];
  if (spec.currentVersionDays !== undefined) {
    rules.push({ id: "expire-current-versions", status: "Enabled", filter: { prefix: "" }, expiration: { days: spec.currentVersionDays } });
  } else {
    // Delete markers whose versions have all expired serve no purpose; S3 removes them with this.
    rules.push({ id: "remove-expired-delete-markers", status: "Enabled", filter: { prefix: "" }, expiration: { expiredObjectDeleteMarker: true } });
  }
  // Lifecycle on a versioned bucket requires versioning to be configured first.
  const lifecycle = new aws.s3.BucketLifecycleConfiguration(`${n}-lifecycle`, {
    region,
    bucket: bucket.id,
    rules,
  }, { ...keep, dependsOn: [versioning] });

  const config: pulumi.Resource[] = [ownership, publicAccess, versioning, encryption, policy, lifecycle];
  if (spec.objectLockDays !== undefined) {
    config.push(new aws.s3.BucketObjectLockConfiguration(`${n}-object-lock`, {
      region,
      bucket: bucket.id,
      objectLockEnabled: "Enabled",
      rule: { defaultRetention: { mode: "GOVERNANCE", days: spec.objectLockDays } },
    }, { ...keep, dependsOn: [versioning] }));
  }
  return { bucket, versioning, config };
}

/** A customer managed KMS key with rotation, for one concern (e.g. "Dify uploads"). */
export function customerKey(
  name: string,
  description: string,
  opts: { deletionWindowDays: number; protect: boolean; region?: pulumi.Input<string>; tags: Record<string, string> },
  parent: pulumi.Resource,
): aws.kms.Key {
  return new aws.kms.Key(name, {
    region: opts.region,
    description,
    enableKeyRotation: true,
    deletionWindowInDays: opts.deletionWindowDays,
    tags: opts.tags,
  }, { parent, protect: opts.protect, retainOnDelete: opts.protect });
}
