/**
 * The program's stack config keys (namespace `dify:`), one row each. Defaults that differ by
 * profile are `{ dev, prod }`. See keys.ts for the row format.
 */
import {
  checkAcmArn, checkAcuRange, checkCacheNodeType, checkCidr, checkCron, checkDbClass, checkHostname, checkInstanceType,
  checkPgIdentifier, CRON_ALLOWED, checkRegion, checkRoleArn, checkSubnetId, checkVpcCidr, checkVpcId, KeySpec, Profile,
  checkEmail, checkHostedZoneId, checkZoneName, checkEgressDomain, checkEndpointService, checkHostPort, checkHttpUrl, checkRegistryPrefix, checkSecretsManagerPtcArn,
} from "./keys";
import { DEFAULT_KUBERNETES_VERSION, KNOWN_ADDON_VERSIONS } from "../../components/cluster/versions";
import { DEFAULT_DIFY_VERSION, DIFY_VERSIONS } from "../../components/app/versions";
import { ALARM_THRESHOLD_DEFAULTS } from "../../components/observability/args";
import { CLOUDWATCH_OBSERVABILITY_ADDON_VERSION } from "../../components/observability/logs";
import { DEFAULT_WAF_RATE_LIMIT, WAF_RATE_LIMIT_MAX, WAF_RATE_LIMIT_MIN } from "../../components/edge/args";
import { packLimits } from "./policyLimits";
import { bedrockModel } from "../../components/aws/bedrock";

/** Dify versions this package has a verified, matching image set for (DifyApp's version table). */
export const SUPPORTED_DIFY_VERSIONS: readonly string[] = Object.keys(DIFY_VERSIONS);

const P = Profile;

/** The pack's minimum Aurora backup retention for a profile (1 when no mandatory policy sets one). */
const minRetention = (profile: Profile) => packLimits(profile).dbBackupRetentionDays?.value ?? 1;

/** Node group keys: <group>NodeInstanceTypes / MinSize / MaxSize / DesiredSize / CapacityType. */
function nodeGroupKeys(
  group: string,
  what: string,
  types: { dev: string[]; prod: string[] },
  sizes: { dev: [number, number, number]; prod: [number, number, number] },
  capacity: { dev: string; prod: string },
): KeySpec[] {
  return [
    { key: `${group}NodeInstanceTypes`, type: "array", description: `EC2 instance types of the ${what} node group; same vCPU/memory size (the autoscaler sizes the group by the first) and matching dify:nodeArchitecture.`, default: types, check: checkInstanceType, minItemsIn: { dev: 1, prod: 1 } },
    { key: `${group}NodeMinSize`, type: "integer", description: `Minimum node count of the ${what} nodes (a total: app and workers run one node group per AZ and split it).`, unit: "nodes", min: 0, max: 100, default: { dev: sizes.dev[0], prod: sizes.prod[0] } },
    { key: `${group}NodeMaxSize`, type: "integer", description: `Maximum node count of the ${what} nodes (the autoscaler's ceiling; a total split over the per-AZ groups).`, unit: "nodes", min: 1, max: 100, default: { dev: sizes.dev[1], prod: sizes.prod[1] } },
    { key: `${group}NodeDesiredSize`, type: "integer", description: `Initial node count of the ${what} nodes (a total; the autoscaler adjusts it afterwards).`, unit: "nodes", min: 0, max: 100, default: { dev: sizes.dev[2], prod: sizes.prod[2] } },
    { key: `${group}NodeCapacityType`, type: "string", description: `EC2 purchase option of the ${what} nodes: ON_DEMAND, or SPOT (priced at the README's spot discount; reclaimed with two minutes' notice, EKS drains the node and launches a replacement; list several dify:${group}NodeInstanceTypes for more spot pools).`, enum: ["ON_DEMAND", "SPOT"], default: capacity },
  ];
}

export const CONFIG_KEYS: readonly KeySpec[] = [
  // ---- general ----
  { key: "profile", type: "string", description: "Preset the other defaults come from: dev (small, cheap, disposable) or prod (HA across 3 AZs, protected data).", enum: [P.Dev, P.Prod], requiredIn: [P.Dev, P.Prod] },
  { key: "domain", type: "string", description: "Public host name of the Dify install; every Dify URL is derived from it. Point its DNS at the load balancer after the first deploy.", check: checkHostname, requiredIn: [P.Dev, P.Prod] },
  { key: "certificateArn", type: "string", description: "ACM certificate for dify:domain (same region). Required in prod unless dify:hostedZoneId is set (the program then issues one); without either, dev serves plain HTTP.", check: checkAcmArn },
  { key: "hostedZoneId", type: "string", description: "Route 53 public hosted zone of dify:domain (set dify:hostedZoneName too): the program points the domain at the load balancer (alias record) and, without dify:certificateArn, issues a DNS-validated ACM certificate for it. Nothing to do by hand between pulumi up and https://<domain>.", check: checkHostedZoneId },
  { key: "hostedZoneName", type: "string", description: "Name of the dify:hostedZoneId zone, e.g. example.com; dify:domain must be it or a name inside it. Checked against the zone at deploy time.", check: checkZoneName },
  { key: "difyVersion", type: "string", description: "Dify release; selects a matching set of api, worker, web, sandbox and plugin-daemon images.", enum: SUPPORTED_DIFY_VERSIONS, default: DEFAULT_DIFY_VERSION },
  { key: "namespace", type: "string", description: "Kubernetes namespace of the Dify services.", default: "dify", check: (v) => (/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(v) ? undefined : "a DNS-1123 label (lower case letters, digits, '-')") },
  { key: "internalLoadBalancer", type: "boolean", description: "Make the load balancer internal (reachable only from the VPC and peered networks). Unset: false, or true with dify:closedNetwork." },

  // ---- outgoing mail (invitations, password resets) ----
  { key: "mailType", type: "string", description: "Mail provider for invitations and password resets: smtp (e.g. Amazon SES SMTP), resend or sendgrid. Unset: no mail (Dify shows invitation links instead).", enum: ["smtp", "resend", "sendgrid"] },
  { key: "mailFrom", type: "string", description: "Sender address, e.g. \"Dify <no-reply@example.com>\". Required with dify:mailType.", check: (v) => (/@[^@\s]+\.[^@\s]+>?$/.test(v.trim()) ? undefined : "an e-mail address, optionally \"Name <address>\"") },
  { key: "smtpServer", type: "string", description: "SMTP server host name. Required with dify:mailType smtp.", check: (v) => (/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(v) ? undefined : "a host name such as email-smtp.us-east-1.amazonaws.com") },
  { key: "smtpPort", type: "integer", description: "SMTP port (default 587, or 465 with dify:smtpTls tls).", min: 1, max: 65535 },
  { key: "smtpUsername", type: "string", description: "SMTP user name (unset: no authentication)." },
  { key: "smtpTls", type: "string", description: "SMTP encryption: starttls (port 587), tls (SMTPS, port 465) or none (only for a relay inside your network).", enum: ["starttls", "tls", "none"], default: "starttls" },
  { key: "mailSecret", type: "string", secret: true, description: "The SMTP password or the Resend/SendGrid API key. Set it encrypted: pulumi config set --secret dify:mailSecret <value>." },

  // ---- cluster ----
  { key: "kubernetesVersion", type: "string", description: "EKS Kubernetes minor version. Add-on and autoscaler versions are pinned per minor (components/cluster/versions.ts); upgrade one minor at a time.", default: DEFAULT_KUBERNETES_VERSION, enum: Object.keys(KNOWN_ADDON_VERSIONS) },
  { key: "azCount", type: "integer", description: "Availability zones for subnets, nodes and data services.", unit: "zones", min: 2, max: 3, default: { dev: 2, prod: 3 } },
  { key: "vpcCidr", type: "string", description: "CIDR of the new VPC (ignored with dify:existingVpcId).", check: checkVpcCidr, default: "10.40.0.0/16" },
  { key: "natGateways", type: "string", description: "How a new VPC's nodes reach the internet: per-az (a NAT gateway per AZ, survives a zone loss), one (one shared NAT gateway), or none (no NAT gateway: the nodes run in public node subnets with a public IPv4 each, $0.005/h, which admit nothing from the internet; data services stay private). Prod allows only per-az. Not with dify:existingVpcId or dify:closedNetwork (neither creates a NAT gateway), where it stays unset.", enum: ["per-az", "one", "none"], default: { dev: "none", prod: "per-az" } },
  { key: "existingVpcId", type: "string", description: "Use this VPC instead of creating one (then set both subnet id lists).", check: checkVpcId },
  { key: "existingPrivateSubnetIds", type: "array", description: "Private subnets (one per AZ) of dify:existingVpcId for nodes and data services.", check: checkSubnetId },
  { key: "existingPublicSubnetIds", type: "array", description: "Public subnets (one per AZ) of dify:existingVpcId for the load balancer.", check: checkSubnetId },
  { key: "apiPublicAccessCidrs", type: "array", description: "CIDRs allowed to reach the EKS API endpoint publicly (where you and CI run pulumi); an empty list makes it private-only. 0.0.0.0/0 is refused.", check: checkCidr, requiredIn: [P.Dev, P.Prod] },
  { key: "adminRoleArns", type: "array", description: "IAM roles granted cluster-admin through EKS access entries. Leave out the identity that runs pulumi: it is cluster admin already, and a second entry for it fails (pulumi/pulumi-eks#2373).", check: checkRoleArn, default: [] },
  { key: "nodeArchitecture", type: "string", description: "CPU architecture of all node groups: arm64 (Graviton, cheaper) or x86_64.", enum: ["arm64", "x86_64"], default: "arm64" },
  // Sizes from the capacity model (program/capacity, README "Capacity and cost"): prod's floor pods
  // fit one m7g.large per zone (3 zones); the ceiling needs 7 app and 6 worker nodes, inside the
  // maxima. System runs only add-ons (CoreDNS, controllers, autoscaler, KEDA): two burstable
  // t4g.medium, which EC2 launches in unlimited credit mode, so they never throttle.
  // Dev runs every group on spot: a reclaimed node is replaced in minutes and its pods are
  // rescheduled, and nothing dev keeps lives on a node (data in Aurora/RDS, ElastiCache and S3).
  // Its spot groups list three same-size Graviton types (2 vCPU; 4 GiB system, 8 GiB app and
  // workers) so EC2's price-capacity-optimized strategy has more pools to choose from. Prod keeps
  // the serving path and the add-ons on on-demand.
  ...nodeGroupKeys("system", "system (cluster add-ons)", { dev: ["t4g.medium", "c7g.large", "c6g.large"], prod: ["t4g.medium"] }, { dev: [1, 2, 1], prod: [2, 4, 2] }, { dev: "SPOT", prod: "ON_DEMAND" }),
  ...nodeGroupKeys("app", "app (Dify api, web, plugin-daemon, sandbox)", { dev: ["t4g.large", "m7g.large", "m6g.large"], prod: ["m7g.large"] }, { dev: [1, 3, 1], prod: [3, 9, 3] }, { dev: "SPOT", prod: "ON_DEMAND" }),
  ...nodeGroupKeys("worker", "workers (Celery; tainted)", { dev: ["t4g.large", "m7g.large", "m6g.large"], prod: ["m7g.large", "m6g.large", "m8g.large"] }, { dev: [0, 3, 1], prod: [2, 12, 2] }, { dev: "SPOT", prod: "SPOT" }),

  // ---- database (PostgreSQL: Aurora, or one RDS DB instance) ----
  // Dev runs one RDS for PostgreSQL instance: Aurora Serverless v2 bills at least 0.5 ACU ($43.80 a
  // month) and never pauses under Dify (its pools stay connected; Celery beat polls every minute),
  // while db.t4g.small is $23.36 and its max_connections (~183) holds dev's pools at every ceiling.
  { key: "dbEngine", type: "string", description: "How PostgreSQL runs: aurora (an Aurora PostgreSQL cluster: a writer, dify:dbReaderCount readers in other AZs, Serverless v2 or provisioned) or rds-instance (one RDS for PostgreSQL DB instance: no ACU minimum, no readers; dev only, prod needs the AZ-loss failover of Aurora).", enum: ["aurora", "rds-instance"], default: { dev: "rds-instance", prod: "aurora" } },
  { key: "dbInstanceClass", type: "string", description: "Instance class of the database. Aurora: the writer's and readers' class, or db.serverless for Aurora Serverless v2 in dify:dbCapacityRange (an idle install pays its minimum ACU; max_connections follows the maximum). rds-instance: the DB instance's class (db.t4g.micro and db.t4g.small allowed, db.serverless not); its memory sets max_connections, which must hold every Dify pool at the replica ceilings (program/capacity). Unset: db.serverless with aurora, db.t4g.small with rds-instance.", check: checkDbClass },
  { key: "dbCapacityRange", type: "string", description: "Aurora Serverless v2 capacity \"min-max\" (with dify:dbInstanceClass db.serverless). The maximum sets max_connections (2 GiB per ACU), which must hold every Dify pool at the replica ceilings; readers in promotion tier 0-1 follow the writer's capacity. A minimum of 0 (auto-pause) never pauses under Dify: its connection pools stay open and Celery beat queries every minute.", unit: "ACU", check: checkAcuRange, default: { dev: "0.5-4", prod: "0.5-8" } },
  { key: "dbAllocatedStorage", type: "integer", description: "Storage of the DB instance with dify:dbEngine rds-instance (gp3, encrypted); it does not grow by itself (alarm dbFreeStorageGiB). Unset: 20.", unit: "GB", min: 20, max: 65536 },
  { key: "dbReaderCount", type: "integer", description: "Aurora readers in other AZs (automatic failover targets); 0 with dify:dbEngine rds-instance.", unit: "instances", min: 0, max: 15, default: { dev: 0, prod: 1 } },
  { key: "dbBackupRetentionDays", type: "integer", description: `Automated backup retention of the database (point-in-time restore); at least the policy pack's rds-backup-retention minimum (${minRetention(P.Dev)} days in dev, ${minRetention(P.Prod)} in prod: policy/config/<profile>.json), which the config enforces.`, unit: "days", min: 1, max: 35, default: { dev: 7, prod: 30 } },
  { key: "dbName", type: "string", description: "Database of the Dify api. Change it to point Dify at a restored database (docs/backups.md).", default: "dify", check: checkPgIdentifier },
  { key: "pluginDbName", type: "string", description: "Database of the plugin daemon. Change it together with dify:dbName after a restore.", default: "dify_plugin", check: checkPgIdentifier },
  { key: "deletionProtection", type: "boolean", description: "Protect stateful resources (database, cache, buckets, keys) from deletion: provider deletion protection plus Pulumi protect. Prod allows only true (the policy pack's rds-deletion-protection is mandatory there).", default: { dev: false, prod: true } },

  // ---- redis (ElastiCache) ----
  // Dify's Redis is a cache, locks and the Celery broker: well under 1 GiB. Prod takes the smallest
  // non-burstable node (a broker under a queue storm must not run out of CPU credits); maxclients
  // is 65,000 on every type.
  { key: "redisNodeType", type: "string", description: "ElastiCache node type.", check: checkCacheNodeType, default: { dev: "cache.t4g.micro", prod: "cache.m7g.large" } },
  { key: "redisReplicaCount", type: "integer", description: "ElastiCache replicas of the primary (1+ enables automatic failover and Multi-AZ).", unit: "replicas", min: 0, max: 5, default: { dev: 0, prod: 1 } },
  { key: "redisSnapshotRetentionDays", type: "integer", description: "ElastiCache automatic snapshot retention (0 turns snapshots off).", unit: "days", min: 0, max: 35, default: { dev: 1, prod: 7 } },

  // ---- Dify services ----
  { key: "services", type: "object", description: "Per-service overrides, e.g. {api: {replicas: 4, maxReplicas: 12, cpuLimit: \"2\"}}. Services: api, worker, worker-beat, web, sandbox, plugin-daemon, ssrf-proxy, api-websocket. Fields: replicas, minReplicas, maxReplicas, cpuRequest, cpuLimit, memoryRequest, memoryLimit, targetCpuUtilization, targetMemoryUtilization, pdbMinAvailable.", default: {} },

  // ---- web application firewall (components/edge/waf.ts) ----
  { key: "waf", type: "boolean", description: "A regional AWS WAF web ACL on the load balancer: AWS managed rules (Common, Known bad inputs, Amazon IP reputation), a rate limit per client IP, logs of blocked and counted requests in CloudWatch (aws-waf-logs-<alb>, dify:logRetentionDays). Unset: true in prod with an internet-facing load balancer, else false. Not available with dify:closedNetwork." },
  { key: "wafRateLimit", type: "integer", description: `Requests one client IP may make in any 5 minutes before the WAF blocks it (every path, webhooks and /v1 included; raise it for offices behind one NAT or busy server-to-server clients). Unset: ${DEFAULT_WAF_RATE_LIMIT}.`, unit: "requests per 5 minutes", min: WAF_RATE_LIMIT_MIN, max: WAF_RATE_LIMIT_MAX },
  { key: "wafAllowedCidrs", type: "array", description: "Only these client CIDRs may reach Dify at all (the WAF blocks every other address, webhook senders included). Unset: everyone.", check: checkCidr },

  // ---- Amazon Bedrock through IAM (components/aws/bedrock.ts) ----
  { key: "bedrockModels", type: "array", description: "Bedrock models Dify's Bedrock plugin may call with no keys (authentication \"IAM Role\"): model ids in aws:region (anthropic.claude-3-5-sonnet-20240620-v1:0), cross-region inference profile ids (us.anthropic.claude-3-5-sonnet-20241022-v2:0) or Bedrock ARNs. Granted to the plugin daemon's own IAM role, so EVERY installed plugin can invoke them. Unset: none.", check: bedrockModel, default: [] },

  // ---- private registries and closed networks (docs/closed-networks.md) ----
  { key: "imageRegistry", type: "string", description: "Pull every image (Dify, add-ons, charts, jobs) from this registry prefix instead of the public registries, e.g. <account>.dkr.ecr.<region>.amazonaws.com (with dify:ecrPullThroughCache) or a mirror; images map to <prefix>/docker-hub/..., <prefix>/ecr-public/..., <prefix>/k8s/.... Unset: public images.", allowed: "a registry host[:port][/path] such as 123456789012.dkr.ecr.us-east-1.amazonaws.com or harbor.example.com/dify", check: checkRegistryPrefix },
  { key: "imageDigests", type: "object", description: "Pin images by digest: map of the public reference as listed in docs/closed-networks.md (e.g. \"langgenius/dify-api:1.16.1\") to \"sha256:<64 hex>\".", default: {} },
  { key: "ecrPullThroughCache", type: "boolean", description: "Create ECR pull-through cache rules (docker-hub, ecr-public, k8s, quay, github) and let the nodes import on first pull; set dify:imageRegistry to this account's ECR, dify:ecrDockerHubCredentialArn and dify:ecrGithubCredentialArn.", default: false },
  { key: "ecrGithubCredentialArn", type: "string", description: "Secrets Manager secret (name ecr-pullthroughcache/...) with a GitHub user name and token (read:packages); ECR needs it to cache ghcr.io, where KEDA's images live.", check: checkSecretsManagerPtcArn },
  { key: "ecrDockerHubCredentialArn", type: "string", description: "Secrets Manager secret (name ecr-pullthroughcache/...) with a Docker Hub username and access token; ECR needs it to cache Docker Hub, where Dify's images live.", check: checkSecretsManagerPtcArn },
  { key: "closedNetwork", type: "boolean", description: "No NAT gateways and no internet route from private subnets; VPC interface endpoints for the AWS APIs; the SSRF proxy allow-list is the only way out. Needs dify:imageRegistry and dify:egressAllowedDomains.", default: false },
  { key: "extraVpcEndpoints", type: "array", description: "Extra interface endpoints in closed mode, by service suffix (e.g. bedrock-runtime for Bedrock models, ssm/ssmmessages/ec2messages for Session Manager).", check: checkEndpointService, default: [] },
  { key: "egressAllowedDomains", type: "array", description: "Only these domains are reachable through the SSRF proxy (squid dstdomain: api.openai.com, or .openai.com with subdomains); everything else is denied. Unset: any public destination. Required in closed mode.", check: checkEgressDomain },
  { key: "egressUpstreamProxy", type: "string", description: "Corporate egress proxy the SSRF proxy forwards every request to (host:port).", check: checkHostPort },
  { key: "pipMirrorUrl", type: "string", description: "Python package index for plugin dependency installs and the sandbox (PIP_MIRROR_URL); its host joins the egress allow-list.", check: checkHttpUrl },
  { key: "networkTuning", type: "boolean", description: "Connection tuning for many concurrent connections: safe pod sysctls (local port range 10240-65535, FIN timeout 30 s) and gunicorn --backlog 4096 (docs/closed-networks.md).", default: { dev: false, prod: true } },
  { key: "marketplaceEnabled", type: "boolean", description: "Dify Marketplace (plugins from marketplace.dify.ai). Unset: true, or false with dify:closedNetwork." },

  // ---- observability (docs/observability.md) ----
  { key: "observability", type: "boolean", description: "Ship container logs to CloudWatch, run the OpenTelemetry Collector (Dify traces to X-Ray, metrics to CloudWatch), ALB access logs to S3, and create the stack's dashboard.", default: true },
  { key: "logRetentionDays", type: "integer", description: "How long container logs, OTLP metrics logs and ALB access logs are kept; a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653).", unit: "days", min: 1, max: 3653, default: { dev: 7, prod: 90 } },
  { key: "alarms", type: "boolean", description: "Create the CloudWatch alarms (and their SNS topic); needs dify:observability (with dify:observability false the profile's default is off; true is refused).", default: { dev: false, prod: true } },
  { key: "alarmEmails", type: "array", description: "E-mail addresses subscribed to the alarm topic (each must confirm the subscription mail).", check: checkEmail, default: [] },
  { key: "alarmThresholds", type: "object", description: `Alarm thresholds by name, e.g. {alb5xxPercent: 2, dbCpuPercent: 70}. Names (default, unit): ${Object.entries(ALARM_THRESHOLD_DEFAULTS).map(([k, d]) => `${k} (${d.value} ${d.unit})`).join(", ")}.`, default: {} },
  { key: "containerInsights", type: "boolean", description: "Container Insights with enhanced observability: the amazon-cloudwatch-observability EKS add-on (pod, node and replica metrics; its log groups) also ships container logs. false: the aws-for-fluent-bit chart ships container logs to the same log group, and the dashboard's pod/replica/node panels and the nodes-not-ready and crash-loop alarms are left out (nothing publishes their metrics). Always false with dify:closedNetwork (the add-on's images are on public.ecr.aws).", default: { dev: false, prod: true } },
  { key: "cloudwatchAddonVersion", type: "string", description: "Version of the amazon-cloudwatch-observability EKS add-on (aws eks describe-addon-versions --addon-name amazon-cloudwatch-observability). Default: the build this package pins and tested its configuration against. Not installed with dify:containerInsights false or dify:closedNetwork (its images are on public.ecr.aws): the aws-for-fluent-bit chart ships container logs instead.", default: CLOUDWATCH_OBSERVABILITY_ADDON_VERSION, check: (v) => (/^v\d+\.\d+\.\d+-eksbuild\.\d+$/.test(v) ? undefined : "an add-on version such as v4.5.0-eksbuild.1") },

  // ---- backups ----
  { key: "backupRetentionDays", type: "integer", description: "How long database dumps, AWS Backup recovery points and old file versions are kept.", unit: "days", min: 1, max: 3650, default: { dev: 7, prod: 30 } },
  { key: "backupSchedule", type: "string", description: "When the logical database backup runs.", unit: "5-field cron, UTC", check: checkCron, allowed: CRON_ALLOWED, default: "0 3 * * *" },
  { key: "restoreVerifySchedule", type: "string", description: "When the latest dump is restored into a scratch database and checked.", unit: "5-field cron, UTC", check: checkCron, allowed: CRON_ALLOWED, default: { dev: "30 4 * * *", prod: "30 4 * * 0" } },
  { key: "backupDataEventsTrail", type: "boolean", description: "A CloudTrail trail of the backup bucket's object-level calls (S3 data events: who read, wrote or deleted which dump), delivered to its access-log bucket; $0.10 per 100,000 events.", default: false },
  { key: "backupCopyRegion", type: "string", description: "Second region for copies of backups (AWS Backup copy + bucket replication). Empty: no copies.", check: checkRegion },
];
