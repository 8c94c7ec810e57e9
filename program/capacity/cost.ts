/**
 * The cost model: monthly list price of what a plan renders, priced by resource type from the
 * committed table (prices.ts). Every resource type in a plan is either priced here, or listed in
 * `FREE_TYPES` with the reason it costs nothing by itself; anything else is reported in `unpriced`
 * (a test fails on it), so a resource added later cannot silently escape the estimate.
 *
 * Two figures: the idle floor (every autoscaler at its minimum: HPA/ScaledObject minReplicas,
 * node groups at what the floor pods need, Aurora Serverless v2 at its minimum ACU) and the
 * autoscaling ceiling (every workload at maxReplicas, the nodes that needs, Serverless v2 at its
 * maximum ACU: an upper bound). Data transfer is left out (it depends on traffic), so are
 * usage-driven charges a stated assumption cannot bound (S3 requests, Aurora I/O).
 */
import { GroupShape, PodDemand, ROLE_LABEL, cpuCores, memoryGiB, nodesByRole, RoleNodes } from "./nodes";
import {
  AURORA_INSTANCE, EC2, ELASTICACHE_NODE, HOURS_PER_MONTH, PRICES_AS_OF, PRICE_REGION, RDS_MULTI_AZ_FACTOR, RDS_POSTGRES_INSTANCE, SPOT_FRACTION, UNIT, VALKEY_FRACTION,
} from "./prices";

/** The part of a plan resource the cost model reads. */
export interface CostInput {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export interface CostLine {
  /** What is billed, e.g. "Aurora instance dify-pg-0 (db.serverless)". */
  item: string;
  /** Group in the README table. */
  category: Category;
  /** USD per month at the idle floor. */
  floor: number;
  /** USD per month at the autoscaling ceiling. */
  ceiling: number;
  /** How the figure was computed (unit price x quantity, or the stated assumption). */
  basis: string;
}

export enum Category {
  Cluster = "EKS control plane",
  Nodes = "nodes and their volumes",
  Network = "NAT, public IPv4, endpoints",
  LoadBalancer = "load balancer and WAF",
  Database = "PostgreSQL (Aurora or RDS)",
  Cache = "ElastiCache",
  Observability = "CloudWatch logs, metrics, alarms, dashboard",
  Security = "KMS keys, secrets, trails",
  Storage = "S3 and backups",
}

export interface CostReport {
  asOf: string;
  region: string;
  hoursPerMonth: number;
  spotFraction: number;
  /** USD per month, rounded to cents. */
  floorMonthly: number;
  ceilingMonthly: number;
  lines: CostLine[];
  /** Node counts per role behind the node lines. */
  nodes: { role: string; instanceType: string; spot: boolean; floor: number; ceiling: number; max: number }[];
  /** Resource types the model has no rule for (must be empty). */
  unpriced: string[];
}

/** Types that cost nothing by themselves, with the reason. */
export const FREE_TYPES: Readonly<Record<string, string>> = {
  "pulumi:providers:kubernetes": "provider",
  "random:index/randomPassword:RandomPassword": "generated locally",
  "random:index/randomId:RandomId": "generated locally",
  "aws:iam/role:Role": "IAM is free",
  "aws:iam/rolePolicy:RolePolicy": "IAM is free",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "IAM is free",
  "aws:iam/policy:Policy": "IAM is free",
  "aws:ec2/vpc:Vpc": "VPC is free",
  "aws:ec2/subnet:Subnet": "VPC is free",
  "aws:ec2/routeTable:RouteTable": "VPC is free",
  "aws:ec2/route:Route": "VPC is free",
  "aws:ec2/routeTableAssociation:RouteTableAssociation": "VPC is free",
  "aws:ec2/internetGateway:InternetGateway": "free (its traffic is data transfer)",
  "aws:ec2/securityGroup:SecurityGroup": "free",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "free",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "free",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "free",
  "aws:ec2/launchTemplate:LaunchTemplate": "free; its volumes are priced with the node groups that use it",
  "aws:kms/alias:Alias": "free",
  "aws:rds/subnetGroup:SubnetGroup": "free",
  "aws:rds/clusterParameterGroup:ClusterParameterGroup": "free",
  "aws:rds/parameterGroup:ParameterGroup": "free",
  "aws:elasticache/subnetGroup:SubnetGroup": "free",
  "aws:elasticache/parameterGroup:ParameterGroup": "free",
  "aws:secretsmanager/secretVersion:SecretVersion": "priced per secret, not per version",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "bucket configuration",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "bucket configuration",
  "aws:s3/bucketPolicy:BucketPolicy": "bucket configuration",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "bucket configuration",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": "bucket configuration (SSE-KMS requests are usage)",
  "aws:s3/bucketVersioning:BucketVersioning": "bucket configuration (old versions are in the bucket's storage)",
  "aws:s3/bucketLogging:BucketLogging": "bucket configuration (the logs are in the target bucket)",
  "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "replication is data transfer; the replica's storage is its bucket",
  "aws:s3/bucketNotification:BucketNotification": "bucket configuration",
  "aws:backup/plan:Plan": "free; recovery points are priced with the vaults",
  "aws:backup/selection:Selection": "free",
  "aws:backup/vaultPolicy:VaultPolicy": "free",
  "aws:backup/vaultLockConfiguration:VaultLockConfiguration": "free",
  "aws:sns/topic:Topic": "alarm e-mails stay in the SNS free tier (1,000 e-mail notifications, 1M publishes a month)",
  "aws:sns/topicSubscription:TopicSubscription": "free",
  "aws:sns/topicPolicy:TopicPolicy": "free",
  "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": "free; cached images are ECR storage (usage)",
  "aws:wafv2/webAclAssociation:WebAclAssociation": "free; the web ACL is priced",
  "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": "free; the logs are priced where they land",
  "aws:cloudtrail/eventDataStore:EventDataStore": "usage",
  "aws:acm/certificate:Certificate": "public ACM certificates are free",
  "aws:acm/certificateValidation:CertificateValidation": "free",
  "aws:route53/record:Record": "free; alias queries to an ALB are free, the hosted zone is not created here",
  "eks:index:Cluster": "priced as the EKS control plane (below)",
};

const COMPONENT_PREFIX = "dify-aws:index:";
const KUBERNETES_PREFIX = "kubernetes:";

/**
 * Stated idle assumptions for usage-priced items (GB ingested or stored per month). They are the
 * floor of an idle install; real use adds to them, like data transfer.
 */
export const ASSUMPTIONS = {
  /** EKS control-plane log types, GB ingested per month each on an idle cluster (audit is the chatty one). */
  controlPlaneLogGb: { api: 2, audit: 10, authenticator: 1, controllerManager: 1, scheduler: 0.5 } as Record<string, number>,
  /** Container logs (application), node logs (dataplane, host), Container Insights performance events, OTLP metrics. */
  logGroupGb: { application: 3, dataplane: 1, host: 1, performance: 3, otel: 1, other: 0.5 },
  /** PostgreSQL log export (Aurora or a DB instance), GB per month. */
  auroraLogGb: 1,
  /** Data in Aurora (storage, and each backup vault's recovery points), GB. */
  databaseGb: 10,
  /** Objects per bucket at idle, GB. */
  bucketGb: 1,
  /** Container Insights observations per minute: per pod (containers, pod metrics) and per node. */
  observationsPerPodMinute: 40,
  observationsPerNodeMinute: 60,
  /** Add-on pods outside the rendered Deployments (CoreDNS, controllers, agents): counted for Container Insights. */
  addonPods: 12,
  /** ALB load-balancer capacity units: idle, and at the ceiling (1,000 streamed requests of ~30 s: ~33 new connections/s = 1.3 LCU). */
  albLcuFloor: 0,
  albLcuCeiling: 2,
  /** A log metric filter with dimensions emits one custom metric per dimension value (assumed 16). */
  metricFilterDimensionValues: 16,
  /** KEDA polls each CloudWatch trigger every pollingInterval seconds (default 30). */
  kedaPollingSeconds: 30,
};

const H = HOURS_PER_MONTH;
const round = (n: number) => Math.round(n * 100) / 100;
const money = (n: number) => `$${n.toFixed(n < 10 ? 4 : 2)}`;

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}
function num(v: unknown, d = 0): number {
  return typeof v === "number" ? v : typeof v === "string" && v !== "" && !Number.isNaN(Number(v)) ? Number(v) : d;
}

/** Node groups as rendered (disk from the launch template the group uses). */
function nodeGroups(rs: CostInput[]): GroupShape[] {
  const lts = new Map<string, number>();
  for (const r of rs.filter((x) => x.type === "aws:ec2/launchTemplate:LaunchTemplate")) {
    const size = arr(r.inputs.blockDeviceMappings).reduce<number>((a, m) => a + num(obj(obj(m).ebs).volumeSize), 0);
    lts.set(r.name, size);
  }
  // Subnets that give an instance a public IPv4 address; a subnet id under the plan's mocks is "<name>-id".
  const publicSubnets = new Set(rs.filter((x) => x.type === "aws:ec2/subnet:Subnet" && x.inputs.mapPublicIpOnLaunch === true).map((x) => `${x.name}-id`));
  return rs.filter((x) => x.type === "aws:eks/nodeGroup:NodeGroup").map((r) => {
    const sc = obj(r.inputs.scalingConfig);
    const lt = obj(r.inputs.launchTemplate);
    // The launch template is referenced by id; under the plan's mocks an id is "<name>-id".
    const ltName = str(lt.id).replace(/-id$/, "");
    return {
      name: r.name,
      role: str(obj(r.inputs.labels)[ROLE_LABEL]) || r.name,
      instanceType: str(arr(r.inputs.instanceTypes)[0]),
      spot: r.inputs.capacityType === "SPOT",
      minSize: num(sc.minSize),
      maxSize: num(sc.maxSize),
      diskGiB: lts.get(ltName) ?? num(r.inputs.diskSize, 20),
      publicIpv4: arr(r.inputs.subnetIds).some((id) => publicSubnets.has(str(id))),
    };
  });
}

/** Replicas bounds per Deployment from HPAs and KEDA ScaledObjects. */
function scaleBounds(rs: CostInput[]): Map<string, { min: number; max: number }> {
  const m = new Map<string, { min: number; max: number }>();
  for (const r of rs) {
    const spec = obj(r.inputs.spec);
    const ns = str(obj(r.inputs.metadata).namespace);
    const target = str(obj(spec.scaleTargetRef).name);
    if (r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler") {
      m.set(`${ns}/${target}`, { min: num(spec.minReplicas, 1), max: num(spec.maxReplicas, 1) });
    } else if (r.type === "kubernetes:keda.sh/v1alpha1:ScaledObject") {
      m.set(`${ns}/${target}`, { min: num(spec.minReplicaCount, 0), max: num(spec.maxReplicaCount, 100) });
    }
  }
  return m;
}

function podRole(pod: Record<string, unknown>): { role: string; fallbackRole?: string } {
  const sel = str(obj(pod.nodeSelector)[ROLE_LABEL]);
  if (sel) return { role: sel };
  const na = obj(obj(pod.affinity).nodeAffinity);
  const allowed: string[] = [];
  for (const t of arr(obj(na.requiredDuringSchedulingIgnoredDuringExecution).nodeSelectorTerms)) {
    for (const e of arr(obj(t).matchExpressions)) {
      const ex = obj(e);
      if (ex.key === ROLE_LABEL && ex.operator === "In") allowed.push(...arr(ex.values).map(str));
    }
  }
  for (const p of arr(na.preferredDuringSchedulingIgnoredDuringExecution)) {
    for (const e of arr(obj(obj(p).preference).matchExpressions)) {
      const ex = obj(e);
      if (ex.key === ROLE_LABEL && ex.operator === "In") {
        const role = str(arr(ex.values)[0]);
        return { role, fallbackRole: allowed.find((a) => a !== role) };
      }
    }
  }
  return { role: "app" }; // unconstrained pods (the collector) fill the app nodes, conservatively
}

/** Pod demand of every rendered Deployment. */
export function podDemands(rs: CostInput[]): PodDemand[] {
  const bounds = scaleBounds(rs);
  return rs.filter((r) => r.type === "kubernetes:apps/v1:Deployment").map((r) => {
    const md = obj(r.inputs.metadata);
    const spec = obj(r.inputs.spec);
    const pod = obj(obj(spec.template).spec);
    let cpu = 0;
    let mem = 0;
    for (const c of arr(pod.containers)) {
      const req = obj(obj(obj(c).resources).requests);
      cpu += cpuCores(req.cpu);
      mem += memoryGiB(req.memory);
    }
    const replicas = num(spec.replicas, 1);
    const b = bounds.get(`${str(md.namespace)}/${str(md.name)}`);
    const zoneSpread = arr(pod.topologySpreadConstraints).some((t) => obj(t).topologyKey === "topology.kubernetes.io/zone" && obj(t).whenUnsatisfiable === "DoNotSchedule");
    return { name: str(md.name) || r.name, ...podRole(pod), cpu, memoryGiB: mem, floor: b ? b.min : replicas, ceiling: b ? b.max : replicas, zoneSpread };
  });
}

type Rule = (r: CostInput, all: CostInput[]) => CostLine[];

const line = (item: string, category: Category, floor: number, ceiling: number, basis: string): CostLine => ({ item, category, floor, ceiling, basis });
const flat = (item: string, category: Category, monthly: number, basis: string) => [line(item, category, monthly, monthly, basis)];

function logGroupGb(name: string): number {
  const a = ASSUMPTIONS.logGroupGb;
  if (/^\/aws\/rds\/(cluster|instance)\/.*\/postgresql$/.test(name)) return ASSUMPTIONS.auroraLogGb;
  if (/\/application$/.test(name)) return a.application;
  if (/\/dataplane$/.test(name)) return a.dataplane;
  if (/\/host$/.test(name)) return a.host;
  if (/\/performance$/.test(name)) return a.performance;
  if (/otel/.test(name)) return a.otel;
  return a.other;
}

/**
 * The program creates the exported PostgreSQL log's group (retention, key): priced there, with the
 * export's GB assumption, not a second time with the database (RDS creates it otherwise, kept forever).
 */
function ownsPostgresLogGroup(all: CostInput[], kind: "cluster" | "instance"): boolean {
  return all.some((x) => x.type === "aws:cloudwatch/logGroup:LogGroup" && str(x.inputs.name).startsWith(`/aws/rds/${kind}/`));
}

function logLine(item: string, gb: number, retentionDays: number): CostLine[] {
  // Ingestion plus what the retention keeps stored (months of data, capped at 12 for the estimate).
  const storedMonths = Math.min(retentionDays > 0 ? retentionDays / 30 : 12, 12);
  const monthly = gb * UNIT.logsIngestGb + gb * storedMonths * UNIT.logsStoredGbMonth;
  return flat(item, Category.Observability, monthly, `${gb} GB/month ingested (assumption) x ${money(UNIT.logsIngestGb)}/GB + ${storedMonths.toFixed(1)} months kept x ${money(UNIT.logsStoredGbMonth)}/GB-month`);
}

const RULES: Record<string, Rule> = {
  "eks:index:Cluster": (r, all) => {
    const types = arr(r.inputs.enabledClusterLogTypes).map(str);
    const out = flat(`EKS cluster ${r.name}`, Category.Cluster, UNIT.eksClusterHour * H, `${money(UNIT.eksClusterHour)}/h (standard support)`);
    // Control-plane logs go to /aws/eks/<cluster>/cluster (priced by its LogGroup resource when the
    // program creates it, else here).
    if (types.length > 0 && !all.some((x) => x.type === "aws:cloudwatch/logGroup:LogGroup" && /^\/aws\/eks\//.test(str(x.inputs.name)))) {
      const gb = types.reduce((a, t) => a + (ASSUMPTIONS.controlPlaneLogGb[t] ?? 1), 0);
      out.push(...logLine(`EKS control-plane logs (${types.join(", ")})`, gb, 0));
    }
    return out;
  },
  "aws:cloudwatch/logGroup:LogGroup": (r, all) => {
    const name = str(r.inputs.name);
    let gb = logGroupGb(name);
    if (/^\/aws\/eks\//.test(name)) {
      const cluster = all.find((x) => x.type === "eks:index:Cluster");
      const types = cluster ? arr(cluster.inputs.enabledClusterLogTypes).map(str) : [];
      gb = types.reduce((a, t) => a + (ASSUMPTIONS.controlPlaneLogGb[t] ?? 1), 0);
    }
    return logLine(`log group ${name || r.name}`, gb, num(r.inputs.retentionInDays));
  },
  "aws:cloudwatch/logMetricFilter:LogMetricFilter": (r) => {
    const t = obj(r.inputs.metricTransformation);
    const n = Object.keys(obj(t.dimensions)).length > 0 ? ASSUMPTIONS.metricFilterDimensionValues : 1;
    return flat(`custom metric ${str(t.namespace)}/${str(t.name)}`, Category.Observability, n * 0.3, `${n} metric(s) x $0.30/metric-month`);
  },
  "aws:cloudwatch/metricAlarm:MetricAlarm": (r) => {
    const q = arr(r.inputs.metricQueries);
    const metrics = q.length > 0 ? q.filter((x) => obj(x).metric !== undefined).length : 1;
    return flat(`alarm ${r.name}`, Category.Observability, metrics * UNIT.alarmMonth, `${metrics} metric(s) x ${money(UNIT.alarmMonth)}/alarm-metric-month`);
  },
  "aws:cloudwatch/dashboard:Dashboard": (r) => flat(`dashboard ${r.name}`, Category.Observability, UNIT.dashboardMonth, `${money(UNIT.dashboardMonth)}/dashboard-month`),
  "aws:eks/addon:Addon": (r, all) => {
    if (r.inputs.addonName !== "amazon-cloudwatch-observability") return [];
    const pods = podDemands(all);
    const groups = nodesByRole(nodeGroups(all), pods);
    const obs = (at: "floor" | "ceiling") => {
      const podCount = pods.reduce((a, p) => a + p[at], 0) + ASSUMPTIONS.addonPods;
      const nodes = groups.reduce((a, g) => a + (at === "floor" ? g.floorNodes : g.ceilingNodes), 0);
      return (podCount * ASSUMPTIONS.observationsPerPodMinute + nodes * ASSUMPTIONS.observationsPerNodeMinute) * 60 * H;
    };
    const price = (o: number) => (o / 1e6) * UNIT.containerInsightsPerMillionObservations;
    return [line("Container Insights (enhanced observability)", Category.Observability, price(obs("floor")), price(obs("ceiling")),
      `(pods x ${ASSUMPTIONS.observationsPerPodMinute} + nodes x ${ASSUMPTIONS.observationsPerNodeMinute}) observations/min (assumption) x ${money(UNIT.containerInsightsPerMillionObservations)}/million`)];
  },
  "aws:ec2/natGateway:NatGateway": (r) => flat(`NAT gateway ${r.name}`, Category.Network, UNIT.natGatewayHour * H, `${money(UNIT.natGatewayHour)}/h (+ $0.045/GB processed: data transfer, left out)`),
  "aws:ec2/eip:Eip": (r) => flat(`public IPv4 ${r.name}`, Category.Network, UNIT.publicIpv4Hour * H, `${money(UNIT.publicIpv4Hour)}/h per public IPv4 address`),
  "aws:ec2/vpcEndpoint:VpcEndpoint": (r) => {
    if (r.inputs.vpcEndpointType !== "Interface") return [];
    const azs = Math.max(1, arr(r.inputs.subnetIds).length);
    return flat(`interface endpoint ${str(r.inputs.serviceName) || r.name}`, Category.Network, UNIT.interfaceEndpointAzHour * azs * H, `${azs} AZ x ${money(UNIT.interfaceEndpointAzHour)}/h`);
  },
  "aws:eks/nodeGroup:NodeGroup": () => [], // priced per role below (nodes depend on every group and pod)
  "kubernetes:networking.k8s.io/v1:Ingress": (r, all) => {
    const a = obj(obj(r.inputs.metadata).annotations);
    const cls = str(obj(r.inputs.spec).ingressClassName) || str(a["kubernetes.io/ingress.class"]);
    if (cls !== "alb") return [];
    // Ingresses of one group share one ALB: price it on the group's first Ingress only.
    const group = str(a["alb.ingress.kubernetes.io/group.name"]);
    if (group) {
      const first = all.find((x) => x.type === r.type && str(obj(obj(x.inputs.metadata).annotations)["alb.ingress.kubernetes.io/group.name"]) === group);
      if (first !== r) return [];
    }
    const out = [line(`ALB for Ingress ${r.name}`, Category.LoadBalancer,
      UNIT.albHour * H + ASSUMPTIONS.albLcuFloor * UNIT.albLcuHour * H,
      UNIT.albHour * H + ASSUMPTIONS.albLcuCeiling * UNIT.albLcuHour * H,
      `${money(UNIT.albHour)}/h + LCUs (${ASSUMPTIONS.albLcuFloor} idle, ${ASSUMPTIONS.albLcuCeiling} at the ceiling: assumption) x ${money(UNIT.albLcuHour)}/LCU-h`)];
    if (str(a["alb.ingress.kubernetes.io/scheme"]) === "internet-facing") {
      const azs = all.filter((x) => x.type === "aws:ec2/subnet:Subnet" && obj(x.inputs.tags)["kubernetes.io/role/elb"] !== undefined).length || 2;
      out.push(...flat(`ALB public IPv4 (${azs} AZ)`, Category.Network, azs * UNIT.publicIpv4Hour * H, `${azs} addresses x ${money(UNIT.publicIpv4Hour)}/h`));
    }
    return out;
  },
  "aws:wafv2/webAcl:WebAcl": (r) => {
    const rules = arr(r.inputs.rules).length;
    return flat(`WAF web ACL ${r.name}`, Category.LoadBalancer, UNIT.wafWebAclMonth + rules * UNIT.wafRuleMonth,
      `${money(UNIT.wafWebAclMonth)}/ACL + ${rules} rules x ${money(UNIT.wafRuleMonth)} (+ $0.60 per million requests: usage)`);
  },
  "aws:rds/cluster:Cluster": (r, all) => {
    const out = flat(`Aurora storage ${r.name}`, Category.Database, ASSUMPTIONS.databaseGb * UNIT.auroraStorageGbMonth,
      `${ASSUMPTIONS.databaseGb} GB (assumption) x ${money(UNIT.auroraStorageGbMonth)}/GB-month; backups within the retention up to the cluster's size are free; I/O is usage`);
    if (arr(r.inputs.enabledCloudwatchLogsExports).length > 0 && !ownsPostgresLogGroup(all, "cluster")) out.push(...logLine(`Aurora log export ${r.name}`, ASSUMPTIONS.auroraLogGb, 0));
    return out;
  },
  "aws:rds/clusterInstance:ClusterInstance": (r, all) => {
    const cls = str(r.inputs.instanceClass);
    if (cls === "db.serverless") {
      const cluster = all.find((x) => x.type === "aws:rds/cluster:Cluster");
      const sc = obj(cluster?.inputs.serverlessv2ScalingConfiguration);
      const min = num(sc.minCapacity, 0.5);
      const max = num(sc.maxCapacity, 1);
      return [line(`Aurora instance ${r.name} (Serverless v2, ${min}-${max} ACU)`, Category.Database, min * UNIT.auroraAcuHour * H, max * UNIT.auroraAcuHour * H,
        `${min} ACU idle / ${max} ACU at the ceiling x ${money(UNIT.auroraAcuHour)}/ACU-h`)];
    }
    const p = AURORA_INSTANCE[cls];
    if (p === undefined) throw new Error(`no price for Aurora class ${cls} in program/capacity/prices.ts`);
    return flat(`Aurora instance ${r.name} (${cls})`, Category.Database, p * H, `${money(p)}/h`);
  },
  "aws:rds/instance:Instance": (r, all) => {
    const cls = str(r.inputs.instanceClass);
    const p = RDS_POSTGRES_INSTANCE[cls];
    if (p === undefined) throw new Error(`no price for RDS for PostgreSQL class ${cls} in program/capacity/prices.ts`);
    const az = r.inputs.multiAz === true ? RDS_MULTI_AZ_FACTOR : 1;
    const gb = num(r.inputs.allocatedStorage, 20);
    const out = [
      ...flat(`RDS for PostgreSQL instance ${r.name} (${cls}${az > 1 ? ", Multi-AZ" : ""})`, Category.Database, az * p * H, `${az > 1 ? `${az} x ` : ""}${money(p)}/h`),
      ...flat(`RDS storage ${r.name} (gp3 ${gb} GB)`, Category.Database, az * gb * UNIT.rdsGp3GbMonth,
        `${az > 1 ? `${az} x ` : ""}${gb} GB x ${money(UNIT.rdsGp3GbMonth)}/GB-month (3,000 IOPS included); backups up to the provisioned size are free`),
    ];
    if (arr(r.inputs.enabledCloudwatchLogsExports).length > 0 && !ownsPostgresLogGroup(all, "instance")) out.push(...logLine(`PostgreSQL log export ${r.name}`, ASSUMPTIONS.auroraLogGb, 0));
    return out;
  },
  "aws:rds/proxy:Proxy": (r) => flat(`RDS Proxy ${r.name}`, Category.Database, UNIT.rdsProxyMinAcu * UNIT.rdsProxyVcpuHour * H, `billed capacity (at least ${UNIT.rdsProxyMinAcu} ACU on Serverless v2) x ${money(UNIT.rdsProxyVcpuHour)}/h`),
  "aws:elasticache/replicationGroup:ReplicationGroup": (r) => {
    const type = str(r.inputs.nodeType);
    const p = ELASTICACHE_NODE[type];
    if (p === undefined) throw new Error(`no price for ElastiCache node type ${type} in program/capacity/prices.ts`);
    const nodes = num(r.inputs.numCacheClusters, 0) || (num(r.inputs.replicasPerNodeGroup) + 1) * num(r.inputs.numNodeGroups, 1);
    const valkey = r.inputs.engine === "valkey";
    const hourly = p * (valkey ? VALKEY_FRACTION : 1);
    return flat(`ElastiCache ${r.name} (${nodes} x ${type}, ${valkey ? "Valkey" : "Redis OSS"})`, Category.Cache, nodes * hourly * H, `${nodes} nodes x ${money(hourly)}/h`);
  },
  "aws:route53/zone:Zone": (r) => flat(`hosted zone ${r.name}`, Category.Network, 0.5, "$0.50/hosted zone-month (queries: usage)"),
  "aws:kms/key:Key": (r) => flat(`KMS key ${r.name}`, Category.Security, UNIT.kmsKeyMonth, `${money(UNIT.kmsKeyMonth)}/key-month (requests: usage)`),
  "aws:secretsmanager/secret:Secret": (r) => flat(`secret ${r.name}`, Category.Security, UNIT.secretMonth, `${money(UNIT.secretMonth)}/secret-month`),
  "aws:cloudtrail/trail:Trail": (r) => {
    const data = arr(r.inputs.eventSelectors).some((s) => arr(obj(s).dataResources).length > 0) || arr(r.inputs.advancedEventSelectors).length > 0;
    return flat(`CloudTrail ${r.name}`, Category.Security, 0,
      `the first copy of management events is free${data ? "; data events are $0.10 per 100,000 (usage)" : ""}; the log objects are priced with their bucket`);
  },
  "aws:s3/bucket:Bucket": (r) => flat(`S3 bucket ${r.name}`, Category.Storage, ASSUMPTIONS.bucketGb * UNIT.s3GbMonth, `${ASSUMPTIONS.bucketGb} GB (assumption) x ${money(UNIT.s3GbMonth)}/GB-month; requests are usage`),
  "aws:backup/vault:Vault": (r) => flat(`backup vault ${r.name}`, Category.Storage, ASSUMPTIONS.databaseGb * UNIT.auroraBackupGbMonth, `${ASSUMPTIONS.databaseGb} GB of recovery points (assumption) x ${money(UNIT.auroraBackupGbMonth)}/GB-month`),
  "kubernetes:keda.sh/v1alpha1:ScaledObject": (r, all) => {
    const triggers = arr(obj(r.inputs.spec).triggers);
    const out: CostLine[] = [];
    const cw = triggers.filter((t) => obj(t).type === "aws-cloudwatch").length;
    if (cw > 0) {
      const polling = num(obj(r.inputs.spec).pollingInterval, ASSUMPTIONS.kedaPollingSeconds);
      const requests = (cw * H * 3600) / polling;
      out.push(...flat(`KEDA CloudWatch polling ${r.name}`, Category.Observability, (requests / 1000) * UNIT.getMetricDataPer1000,
        `${cw} trigger(s) every ${polling} s x ${money(UNIT.getMetricDataPer1000)}/1,000 metrics requested`));
    }
    // When the collector scrapes KEDA it publishes one custom metric per ScaledObject (worker
    // Deployment) with Redis triggers: the sum of its queues' lengths. The per-queue values stay in
    // the EMF log events (components/observability/collectorConfig.ts KEDA_METRIC_DECLARATIONS).
    const redis = triggers.filter((t) => obj(t).type === "redis").length;
    const exported = all.some((x) => x.type === "kubernetes:core/v1:ConfigMap" && /"awsemf\/keda"/.test(str(obj(x.inputs.data)["collector.yaml"])));
    if (redis > 0 && exported) {
      out.push(...flat(`custom metric Dify/Celery queue depth of ${r.name}`, Category.Observability, 0.3, `1 metric (its ${redis} queue(s) summed) x $0.30/metric-month`));
    }
    return out;
  },
};

/** Node lines per role: on-demand or spot instances and their root volumes. */
function nodeLines(roles: RoleNodes[]): CostLine[] {
  const out: CostLine[] = [];
  for (const r of roles) {
    const g = r.groups[0];
    const spec = EC2[g.instanceType];
    if (!spec) throw new Error(`no price for instance type ${g.instanceType} in program/capacity/prices.ts`);
    const hourly = spec.hourly * (g.spot ? SPOT_FRACTION : 1);
    out.push(line(`${r.role} nodes (${g.instanceType}${g.spot ? ", spot" : ""})`, Category.Nodes, r.floorNodes * hourly * H, r.ceilingNodes * hourly * H,
      `${r.floorNodes} idle / ${r.ceilingNodes} at the ceiling x ${money(hourly)}/h${g.spot ? ` (on-demand ${money(spec.hourly)} x ${SPOT_FRACTION})` : ""}`));
    out.push(line(`${r.role} node volumes (gp3 ${g.diskGiB} GiB)`, Category.Nodes, r.floorNodes * g.diskGiB * UNIT.gp3GbMonth, r.ceilingNodes * g.diskGiB * UNIT.gp3GbMonth,
      `nodes x ${g.diskGiB} GiB x ${money(UNIT.gp3GbMonth)}/GB-month`));
    if (r.groups.some((x) => x.publicIpv4)) {
      out.push(line(`${r.role} node public IPv4`, Category.Network, r.floorNodes * UNIT.publicIpv4Hour * H, r.ceilingNodes * UNIT.publicIpv4Hour * H,
        `one address per node (public node subnets, no NAT gateway) x ${money(UNIT.publicIpv4Hour)}/h`));
    }
  }
  return out;
}

/** Prices a rendered plan. */
export function costOf(resources: CostInput[]): CostReport {
  const lines: CostLine[] = [];
  const unpriced = new Set<string>();
  for (const r of resources) {
    const rule = RULES[r.type];
    if (rule) lines.push(...rule(r, resources));
    else if (!(r.type in FREE_TYPES) && !r.type.startsWith(COMPONENT_PREFIX) && !isFreeKubernetes(r.type)) unpriced.add(r.type);
  }
  const roles = nodesByRole(nodeGroups(resources), podDemands(resources));
  lines.push(...nodeLines(roles));
  const rounded = lines.map((l) => ({ ...l, floor: round(l.floor), ceiling: round(l.ceiling) }));
  return {
    asOf: PRICES_AS_OF,
    region: PRICE_REGION,
    hoursPerMonth: H,
    spotFraction: SPOT_FRACTION,
    floorMonthly: round(rounded.reduce((a, l) => a + l.floor, 0)),
    ceilingMonthly: round(rounded.reduce((a, l) => a + l.ceiling, 0)),
    lines: rounded,
    nodes: roles.map((r) => ({ role: r.role, instanceType: r.groups[0].instanceType, spot: r.groups[0].spot, floor: r.floorNodes, ceiling: r.ceilingNodes, max: r.maxNodes })),
    unpriced: [...unpriced].sort(),
  };
}

/**
 * Kubernetes objects cost nothing by themselves: their pods run on the priced nodes (Deployments
 * through the node packing; Jobs, CronJobs and add-on charts on the nodes' spare room and the
 * system group's minimum). Exceptions with a rule (Ingress = an ALB, ScaledObject = CloudWatch
 * polling) are priced above.
 */
function isFreeKubernetes(type: string): boolean {
  return type.startsWith(KUBERNETES_PREFIX) && !(type in RULES);
}


