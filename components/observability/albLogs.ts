/**
 * The bucket the ALB writes its access logs to. ELB access logs support only SSE-S3 (AES256)
 * default encryption, not SSE-KMS ("Enable access logs for your Application Load Balancer",
 * bucket requirements; the same rule is stated for ALB health-check logs), so this one bucket uses
 * AES256 and carries a named policy exception in prod (policy/config/prod.json).
 *
 * Writers: regions opened before August 2022 deliver as the regional ELB account (its ARN from
 * aws.elb.getServiceAccount); newer regions as the service principal
 * logdelivery.elasticloadbalancing.amazonaws.com. Both may only put objects under
 * `<prefix>/AWSLogs/<this account>/`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ObservabilitySettings } from "./args";
import { denyInsecureTransport } from "../aws/secureBucket";

/** Key prefix of the access logs (the ALB appends /AWSLogs/<account>/elasticloadbalancing/...). */
export const ACCESS_LOG_PREFIX = "alb";

/** Regions whose ELB log delivery uses a regional ELB account (ELB user guide, "Regions available before August 2022"). */
export const LEGACY_ELB_REGIONS: readonly string[] = [
  "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-south-1", "ap-northeast-1",
  "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-west-1",
  "eu-west-2", "eu-west-3", "eu-south-1", "eu-north-1", "me-south-1", "sa-east-1", "us-gov-west-1", "us-gov-east-1",
  "cn-north-1", "cn-northwest-1",
];

export function accessLogBucket(s: ObservabilitySettings, forceDestroy: boolean, parent: pulumi.Resource): aws.s3.Bucket {
  const opts = { parent };
  const bucket = new aws.s3.Bucket(`${s.name}-alb-logs`, {
    bucketPrefix: `${s.name.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 30)}-alb-logs-`,
    forceDestroy,
    tags: s.tags,
  }, { parent, protect: s.protect, retainOnDelete: s.protect });
  new aws.s3.BucketPublicAccessBlock(`${s.name}-alb-logs`, {
    bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
  }, opts);
  new aws.s3.BucketOwnershipControls(`${s.name}-alb-logs`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
  new aws.s3.BucketServerSideEncryptionConfiguration(`${s.name}-alb-logs`, {
    bucket: bucket.id,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
  }, opts);
  new aws.s3.BucketVersioning(`${s.name}-alb-logs`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts);
  new aws.s3.BucketLifecycleConfiguration(`${s.name}-alb-logs`, {
    bucket: bucket.id,
    rules: [{
      id: "expire-access-logs", status: "Enabled", filter: { prefix: `${ACCESS_LOG_PREFIX}/` },
      expiration: { days: s.logRetentionDays },
      noncurrentVersionExpiration: { noncurrentDays: 1 },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
    }],
  }, opts);
  const id = aws.getCallerIdentityOutput({}, opts);
  const writer: pulumi.Output<Record<string, string>> = LEGACY_ELB_REGIONS.includes(s.region)
    ? aws.elb.getServiceAccountOutput({ region: s.region }, opts).arn.apply((arn): Record<string, string> => ({ AWS: arn }))
    : pulumi.output("logdelivery.elasticloadbalancing.amazonaws.com").apply((svc): Record<string, string> => ({ Service: svc }));
  new aws.s3.BucketPolicy(`${s.name}-alb-logs`, {
    bucket: bucket.id,
    policy: pulumi.all([bucket.arn, id.accountId, writer]).apply(([arn, account, principal]) => JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "ElbLogDelivery", Effect: "Allow", Principal: principal, Action: "s3:PutObject", Resource: `${arn}/${ACCESS_LOG_PREFIX}/AWSLogs/${account}/*` },
        denyInsecureTransport(arn),
      ],
    })),
  }, opts);
  return bucket;
}
