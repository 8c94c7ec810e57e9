/**
 * S3 server access logging: a dedicated log bucket per region, written by the S3 logging service,
 * and the `BucketLogging` configuration of each source bucket.
 *
 * Destination rules (S3 user guide, "Enabling Amazon S3 server access logging", destination
 * bucket requirements and "Permissions for log delivery"): same account and Region as the source
 * (a cross-region replica needs its own log bucket); no Object Lock default retention; no Requester
 * Pays; default encryption SSE-S3 only (SSE-KMS is not supported for server access log delivery);
 * writes come from the `logging.s3.amazonaws.com` principal, granted by the bucket policy and
 * scoped with aws:SourceAccount and aws:SourceArn. So these buckets use AES256 and carry a named
 * policy exception for s3-bucket-encryption's KMS requirement in prod (policy/config/prod.json).
 *
 * Cost: S3 charges nothing to deliver access logs; the log objects are billed as S3 Standard
 * storage (about one 300-byte line per request), expired after the retention here.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { denyInsecureTransport } from "./secureBucket";

/** One access-log bucket (module-internal spec). */
export interface AccessLogBucketSpec {
  /** Logical name; the physical name is generated from it. */
  name: string;
  /** Region of the bucket and of every source (aws v7 per-resource region); undefined = the provider's. */
  region?: pulumi.Input<string>;
  /** Days a log object is kept. */
  retentionDays: number;
  /** ARNs of the buckets that log here (the delivery grant is limited to them). */
  sourceBucketArns: pulumi.Input<string>[];
  forceDestroy: boolean;
  /** protect + retainOnDelete on the bucket and its configuration. */
  protect: boolean;
  tags: Record<string, string>;
  /**
   * Also the destination of a CloudTrail trail: it may put objects under `<prefix>AWSLogs/<account>/`
   * (CloudTrail user guide, "Amazon S3 bucket policy for CloudTrail"), scoped to that trail.
   */
  cloudTrail?: { trailArn: pulumi.Input<string>; prefix: string };
}

export interface AccessLogBucket {
  bucket: aws.s3.Bucket;
  /** The bucket policy: a writer that checks it at creation (CloudTrail) must wait for it. */
  policy: aws.s3.BucketPolicy;
}

export function accessLogBucket(spec: AccessLogBucketSpec, parent: pulumi.Resource): AccessLogBucket {
  const keep: pulumi.CustomResourceOptions = { parent, protect: spec.protect, retainOnDelete: spec.protect };
  const region = spec.region;
  const n = spec.name;
  const bucket = new aws.s3.Bucket(n, {
    region,
    bucketPrefix: `${n.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 36)}-`,
    forceDestroy: spec.forceDestroy,
    tags: { ...spec.tags, "dify-aws/bucket": "access-logs" },
  }, keep);
  const publicAccess = new aws.s3.BucketPublicAccessBlock(`${n}-public-access`, {
    region, bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
  }, keep);
  new aws.s3.BucketOwnershipControls(`${n}-ownership`, { region, bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, keep);
  new aws.s3.BucketServerSideEncryptionConfiguration(`${n}-encryption`, {
    region, bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
  }, keep);
  const versioning = new aws.s3.BucketVersioning(`${n}-versioning`, { region, bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, keep);
  new aws.s3.BucketLifecycleConfiguration(`${n}-lifecycle`, {
    region,
    bucket: bucket.id,
    rules: [{
      id: "expire-access-logs", status: "Enabled", filter: { prefix: "" },
      expiration: { days: spec.retentionDays },
      noncurrentVersionExpiration: { noncurrentDays: 1 },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
    }],
  }, { ...keep, dependsOn: [versioning] });
  const account = aws.getCallerIdentityOutput({}, { parent }).accountId;
  const trail = spec.cloudTrail;
  const policy = new aws.s3.BucketPolicy(`${n}-policy`, {
    region,
    bucket: bucket.id,
    policy: pulumi.all([bucket.arn, account, pulumi.all(spec.sourceBucketArns), trail?.trailArn ?? ""]).apply(([arn, acct, sources, trailArn]) => JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "S3ServerAccessLogDelivery", Effect: "Allow", Principal: { Service: "logging.s3.amazonaws.com" },
          Action: "s3:PutObject", Resource: `${arn}/*`,
          Condition: { StringEquals: { "aws:SourceAccount": acct }, ArnLike: { "aws:SourceArn": sources } },
        },
        ...(trail ? [
          { Sid: "CloudTrailAclCheck", Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "s3:GetBucketAcl", Resource: arn, Condition: { StringEquals: { "aws:SourceArn": trailArn } } },
          {
            Sid: "CloudTrailWrite", Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "s3:PutObject",
            Resource: `${arn}/${trail.prefix}AWSLogs/${acct}/*`,
            Condition: { StringEquals: { "aws:SourceArn": trailArn, "s3:x-amz-acl": "bucket-owner-full-control" } },
          },
        ] : []),
        denyInsecureTransport(arn),
      ],
    })),
  }, { ...keep, dependsOn: [publicAccess] });
  return { bucket, policy };
}

/** Turns on server access logging of `source` into `target` under `prefix` (e.g. "uploads/"). */
export function accessLogging(name: string, a: { source: aws.s3.Bucket; target: aws.s3.Bucket; prefix: string; region?: pulumi.Input<string>; protect: boolean }, parent: pulumi.Resource): aws.s3.BucketLogging {
  return new aws.s3.BucketLogging(`${name}-access-logging`, {
    region: a.region,
    bucket: a.source.id,
    targetBucket: a.target.id,
    targetPrefix: a.prefix,
    // Date-partitioned keys ([DestinationPrefix][SourceAccountId]/[SourceRegion]/[SourceBucket]/[YYYY]/[MM]/[DD]/...) for Athena.
    targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
  }, { parent, protect: a.protect, retainOnDelete: a.protect });
}
