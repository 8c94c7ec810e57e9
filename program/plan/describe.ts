/**
 * What each component of a plan creates, in a user's words ("EKS 1.35; node groups app 3×
 * m7g.xlarge on-demand, one per AZ"), read from the planned resources themselves (their types and
 * inputs), so the summary states what `pulumi up` would create, not what the config asked for.
 * A component this file does not know gets its resource count only.
 */
import type { DiffResource } from "./diff";

type R = DiffResource;
type Rec = Record<string, unknown>;

const get = (o: unknown, path: string): unknown =>
  path.split(".").reduce<unknown>((x, k) => (x !== null && typeof x === "object" ? (x as Rec)[k] : undefined), o);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Names share the stack's prefix ("dify-api"); the summary drops it. */
function short(name: string, prefix: string): string {
  return name.startsWith(`${prefix}-`) ? name.slice(prefix.length + 1) : name;
}

/** A component of the plan with every resource under it. */
export interface ComponentView {
  type: string;
  name: string;
  resources: R[];
}

/** Top-level components (providers are not components) and the resources under each. */
export function componentsOf(resources: readonly R[]): { components: ComponentView[]; providers: R[] } {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const top = (r: R): R => {
    let cur = r;
    while (cur.parent && byUrn.has(cur.parent)) cur = byUrn.get(cur.parent)!;
    return cur;
  };
  const views = new Map<string, ComponentView>();
  const providers: R[] = [];
  for (const r of resources) {
    const t = top(r);
    if (t.type.startsWith("pulumi:providers:")) {
      providers.push(r);
      continue;
    }
    if (t.custom && t === r) continue; // a top-level custom resource: not a component
    const v = views.get(t.urn) ?? { type: t.type, name: t.name, resources: [] };
    if (r !== t) v.resources.push(r);
    views.set(t.urn, v);
  }
  return { components: [...views.values()].sort((a, b) => a.type.localeCompare(b.type)), providers };
}

const of = (c: ComponentView, type: string) => c.resources.filter((r) => r.type === type);

function cluster(c: ComponentView, prefix: string): string[] {
  const out: string[] = [];
  const eks = of(c, "eks:index:Cluster")[0];
  const azs = uniq(of(c, "aws:ec2/subnet:Subnet").map((s) => str(s.inputs.availabilityZone)).filter((z): z is string => !!z));
  const vpc = of(c, "aws:ec2/vpc:Vpc")[0];
  const nat = of(c, "aws:ec2/natGateway:NatGateway").length;
  if (eks) {
    const cidrs = (get(eks.inputs, "publicAccessCidrs") as string[] | undefined) ?? [];
    const endpoint = eks.inputs.endpointPublicAccess === false ? "private API endpoint" : `API public to ${cidrs.join(", ") || "anyone"}`;
    out.push(`EKS ${str(eks.inputs.version) ?? "?"} (${endpoint})`);
  }
  const publicNodes = of(c, "aws:ec2/subnet:Subnet").some((s) => s.inputs.mapPublicIpOnLaunch === true);
  const net = [vpc ? `VPC ${str(vpc.inputs.cidrBlock) ?? "existing"}` : "existing VPC", azs.length ? `${azs.length} AZs` : "",
    nat ? plural(nat, "NAT gateway") : publicNodes ? "no NAT (nodes in public node subnets, a public IPv4 each)" : "no NAT"];
  out.push(net.filter(Boolean).join(", "));
  const groups = new Map<string, R[]>();
  for (const g of of(c, "aws:eks/nodeGroup:NodeGroup")) {
    const role = str(get(g.inputs, "labels.dify-aws/node-role")) ?? short(g.name, prefix).replace(/-\d+$/, "");
    groups.set(role, [...(groups.get(role) ?? []), g]);
  }
  const ng = [...groups].map(([role, gs]) => {
    const sum = (k: string) => gs.reduce((n, g) => n + (num(get(g.inputs, `scalingConfig.${k}`)) ?? 0), 0);
    const types = uniq(gs.flatMap((g) => (g.inputs.instanceTypes as string[] | undefined) ?? [])).join("/");
    const cap = gs.every((g) => g.inputs.capacityType === "SPOT") ? "spot" : "on-demand";
    const perAz = gs.length > 1 ? `, one group per AZ` : "";
    return `${role} ${sum("desiredSize")}× ${types} ${cap} (${sum("minSize")}–${sum("maxSize")})${perAz}`;
  });
  if (ng.length) out.push(`node groups: ${ng.join("; ")}`);
  const addons = of(c, "aws:eks/addon:Addon").map((a) => str(a.inputs.addonName)).filter((a): a is string => !!a).sort();
  const charts = of(c, "kubernetes:helm.sh/v3:Release").map((h) => `${str(h.inputs.chart)} ${str(h.inputs.version) ?? ""}`.trim()).sort();
  if (addons.length || charts.length) out.push(`add-ons: ${addons.join(", ")}${charts.length ? `; charts: ${charts.join(", ")}` : ""}`);
  return out;
}

const ENGINES: Record<string, string> = { "aurora-postgresql": "Aurora PostgreSQL", valkey: "ElastiCache Valkey", redis: "ElastiCache Redis" };

function data(c: ComponentView): string[] {
  const out: string[] = [];
  for (const db of of(c, "aws:rds/cluster:Cluster")) {
    const instances = of(c, "aws:rds/clusterInstance:ClusterInstance");
    const classes = uniq(instances.map((i) => str(i.inputs.instanceClass) ?? "?"));
    const acu = get(db.inputs, "serverlessv2ScalingConfiguration") as Rec | undefined;
    const size = classes.includes("db.serverless") && acu ? `Serverless v2 ${String(acu.minCapacity)}–${String(acu.maxCapacity)} ACU` : classes.join("/");
    const readers = instances.length - 1;
    const shape = instances.length === 0 ? "no instances" : `writer${readers > 0 ? ` + ${plural(readers, "reader")}` : " only"}`;
    const name = ENGINES[str(db.inputs.engine) ?? ""] ?? str(db.inputs.engine) ?? "database";
    out.push(`${name} ${str(db.inputs.engineVersion) ?? ""}: ${shape}, ${size}, backups ${plural(num(db.inputs.backupRetentionPeriod) ?? 1, "day")}`);
  }
  for (const db of of(c, "aws:rds/instance:Instance")) {
    out.push(`RDS for PostgreSQL ${str(db.inputs.engineVersion) ?? ""}: one DB instance${db.inputs.multiAz === true ? " + Multi-AZ standby" : ", single-AZ"}, ${str(db.inputs.instanceClass) ?? "?"}, gp3 ${String(num(db.inputs.allocatedStorage) ?? "?")} GB, backups ${plural(num(db.inputs.backupRetentionPeriod) ?? 1, "day")}`);
  }
  for (const p of c.resources.filter((r) => r.type === "aws:rds/proxy:Proxy")) out.push(`RDS Proxy ${p.name} in front of the database`);
  for (const rg of of(c, "aws:elasticache/replicationGroup:ReplicationGroup")) {
    const n = num(rg.inputs.numCacheClusters) ?? 1 + (num(rg.inputs.replicasPerNodeGroup) ?? 0);
    const name = ENGINES[str(rg.inputs.engine) ?? "redis"] ?? "ElastiCache";
    const ha = rg.inputs.multiAzEnabled === true ? ", Multi-AZ failover" : "";
    out.push(`${name} ${str(rg.inputs.engineVersion) ?? ""}: primary${n > 1 ? ` + ${plural(n - 1, "replica")}` : " only"}, ${str(rg.inputs.nodeType) ?? "?"}${ha}, ${num(rg.inputs.snapshotRetentionLimit) ? `snapshots ${plural(num(rg.inputs.snapshotRetentionLimit)!, "day")}` : "no snapshots"}`);
  }
  return out;
}

function buckets(c: ComponentView, prefix: string): string {
  const names = of(c, "aws:s3/bucket:Bucket").map((b) => short(b.name, prefix));
  return names.length ? `S3 ${names.join(", ")}` : "";
}

function app(c: ComponentView, prefix: string): string[] {
  const out: string[] = [];
  const scalers = new Map<string, string>();
  for (const h of of(c, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")) {
    scalers.set(str(get(h.inputs, "spec.scaleTargetRef.name")) ?? "", `${String(get(h.inputs, "spec.minReplicas"))}–${String(get(h.inputs, "spec.maxReplicas"))}`);
  }
  for (const s of c.resources.filter((r) => r.type.endsWith(":ScaledObject"))) {
    scalers.set(str(get(s.inputs, "spec.scaleTargetRef.name")) ?? "", `${String(get(s.inputs, "spec.minReplicaCount") ?? "?")}–${String(get(s.inputs, "spec.maxReplicaCount") ?? "?")}`);
  }
  const svc = of(c, "kubernetes:apps/v1:Deployment").map((d) => {
    const name = str(get(d.inputs, "metadata.name")) ?? d.name;
    return `${short(name, prefix)} ${scalers.get(name) ?? String(get(d.inputs, "spec.replicas") ?? "?")}`;
  });
  if (svc.length) out.push(`pods (replicas or autoscaling range): ${svc.join(", ")}`);
  for (const i of of(c, "kubernetes:networking.k8s.io/v1:Ingress")) {
    const ann = (get(i.inputs, "metadata.annotations") ?? {}) as Rec;
    const tls = typeof ann["alb.ingress.kubernetes.io/certificate-arn"] === "string";
    const hosts = ((get(i.inputs, "spec.rules") as Rec[] | undefined) ?? []).map((r) => str(r.host)).filter(Boolean);
    out.push(`${str(ann["alb.ingress.kubernetes.io/scheme"]) ?? "internet-facing"} ALB for ${hosts.join(", ")} (${tls ? "HTTPS, ACM certificate" : "HTTP only"})`);
  }
  return out;
}

/** "0 3 * * *" (Kubernetes) or "cron(0 3 * * ? *)" (AWS) -> "03:00 daily"; anything else stays as it is. */
function when(cron: string): string {
  const m = /^(\d+) (\d+) \* \* (\*|\d)$/.exec(cron) ?? /^cron\((\d+) (\d+) \* \* (\?) \*\)$/.exec(cron);
  if (!m) return cron;
  if (m[3] === "?") m[3] = "*";
  const days = ["Sundays", "Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays"];
  return `${m[2].padStart(2, "0")}:${m[1].padStart(2, "0")} ${m[3] === "*" ? "daily" : days[Number(m[3])]}`;
}

const tzName = (tz: string) => (tz === "Etc/UTC" ? "UTC" : tz);

function backups(c: ComponentView, prefix: string): string[] {
  const out: string[] = [];
  const jobs = of(c, "kubernetes:batch/v1:CronJob").map((j) => {
    const s = str(get(j.inputs, "spec.schedule")) ?? "?";
    return `${short(j.name, prefix)} ${get(j.inputs, "spec.suspend") === true ? "(on demand)" : `${when(s)} ${tzName(str(get(j.inputs, "spec.timeZone")) ?? "")}`.trim()}`;
  });
  if (jobs.length) out.push(`CronJobs: ${jobs.join(", ")}`);
  const vaults = new Map(of(c, "aws:backup/vault:Vault").map((v) => [v.name, v]));
  for (const p of of(c, "aws:backup/plan:Plan")) {
    for (const rule of (p.inputs.rules as Rec[] | undefined) ?? []) {
      const copies = ((rule.copyActions as Rec[] | undefined) ?? []).map(() => {
        const copy = [...vaults.values()].find((v) => typeof v.inputs.region === "string");
        return copy ? `copied to ${String(copy.inputs.region)}` : "copied";
      });
      const tz = tzName(str(rule.scheduleExpressionTimezone) ?? "UTC");
      out.push(`AWS Backup ${when(str(rule.schedule) ?? "?")} ${tz}, kept ${String(get(rule, "lifecycle.deleteAfter") ?? "?")} days${copies.length ? `, ${copies.join(", ")}` : ""}`);
    }
  }
  const b = buckets(c, prefix);
  if (b) out.push(`${b}${of(c, "aws:s3/bucketReplicationConfig:BucketReplicationConfig").length ? " (replicated)" : ""}`);
  return out;
}

function observability(c: ComponentView, prefix: string): string[] {
  const logs = of(c, "aws:cloudwatch/logGroup:LogGroup");
  const days = uniq(logs.map((l) => String(l.inputs.retentionInDays ?? "∞")));
  const alarms = of(c, "aws:cloudwatch/metricAlarm:MetricAlarm").length;
  const mails = c.resources.filter((r) => r.type === "aws:sns/topicSubscription:TopicSubscription").length;
  const dash = of(c, "aws:cloudwatch/dashboard:Dashboard").map((d) => str(d.inputs.dashboardName) ?? d.name);
  const collectors = of(c, "kubernetes:apps/v1:Deployment").map((d) => `${short(d.name, prefix)} ×${String(get(d.inputs, "spec.replicas") ?? "?")}`);
  return [
    [`${plural(logs.length, "log group")} kept ${days.join("/")} days`, alarms ? `${plural(alarms, "alarm")} → SNS (${plural(mails, "e-mail subscription")})` : "no alarms",
      dash.length ? `dashboard ${dash.join(", ")}` : "", collectors.join(", ")].filter(Boolean).join("; "),
  ];
}

/** The alias records of a component (DifyDomainRecord's; DifyEdge's before 0.2). */
function domainRecords(c: ComponentView): string[] {
  const aliases = of(c, "aws:route53/record:Record").filter((r) => Array.isArray(r.inputs.aliases));
  return aliases.length ? [`Route 53 alias ${aliases.map((r) => str(r.inputs.name)).join(", ")} → the load balancer`] : [];
}

/** DifyLoadBalancerMonitoring: the dashboard and the ALB alarms. */
function loadBalancerMonitoring(c: ComponentView): string[] {
  const alarms = of(c, "aws:cloudwatch/metricAlarm:MetricAlarm").length;
  const dash = of(c, "aws:cloudwatch/dashboard:Dashboard").map((d) => str(d.inputs.dashboardName) ?? d.name);
  return [[dash.length ? `dashboard ${dash.join(", ")}` : "", alarms ? `${plural(alarms, "alarm")} on the load balancer → SNS` : "no load balancer alarms"].filter(Boolean).join("; ")];
}

function edge(c: ComponentView): string[] {
  const out: string[] = [];
  for (const cert of of(c, "aws:acm/certificate:Certificate")) {
    out.push(`ACM certificate for ${str(cert.inputs.domainName) ?? "?"} (${str(cert.inputs.validationMethod) ?? "?"}-validated)`);
  }
  out.push(...domainRecords(c));
  for (const acl of of(c, "aws:wafv2/webAcl:WebAcl")) {
    const rules = (acl.inputs.rules as Rec[] | undefined) ?? [];
    const managed = rules.map((r) => str(get(r, "statement.managedRuleGroupStatement.name"))).filter((n): n is string => !!n);
    const rate = rules.map((r) => get(r, "statement.rateBasedStatement") as Rec | undefined).find(Boolean);
    const logs = of(c, "aws:cloudwatch/logGroup:LogGroup").map((l) => num(l.inputs.retentionInDays)).find((d) => d !== undefined);
    out.push([`WAF: ${plural(rules.length, "rule")}`, rate ? `rate limit ${n(rate.limit)} requests per ${n(rate.evaluationWindowSec)} s per IP` : "",
      managed.length ? `managed ${managed.map((m) => m.replace(/^AWSManagedRules/, "").replace(/RuleSet$|List$/, "")).join(", ")}` : "",
      logs ? `logs kept ${plural(logs, "day")}` : ""].filter(Boolean).join("; "));
  }
  return out;
}
const n = (v: unknown) => (typeof v === "number" ? String(v) : "?");

/** One component's description, one entry per line (before wrapping). */
export function describeComponent(c: ComponentView, prefix: string): string[] {
  const kind = c.type.split(":").pop() ?? c.type;
  switch (kind) {
    case "DifyCluster": return cluster(c, prefix);
    case "DifyDatabaseHA": return data(c);
    case "DifyStorage": return [buckets(c, prefix) + " (KMS-encrypted, versioned, private)"];
    case "DifyApp": return app(c, prefix);
    case "DifyBackups": return backups(c, prefix);
    case "DifyObservability": return observability(c, prefix);
    case "DifyEdge": return edge(c);
    case "DifyDomainRecord": return domainRecords(c);
    case "DifyLoadBalancerMonitoring": return loadBalancerMonitoring(c);
    default: return [];
  }
}

/** Container images of every Deployment, Job and CronJob, in first-seen order. */
export function imagesOf(resources: readonly R[]): string[] {
  const out: string[] = [];
  const add = (spec: unknown) => {
    for (const k of ["initContainers", "containers"]) {
      for (const ctr of (get(spec, k) as Rec[] | undefined) ?? []) if (typeof ctr.image === "string") out.push(ctr.image);
    }
  };
  for (const r of resources) {
    if (r.type === "kubernetes:apps/v1:Deployment" || r.type === "kubernetes:batch/v1:Job") add(get(r.inputs, "spec.template.spec"));
    if (r.type === "kubernetes:batch/v1:CronJob") add(get(r.inputs, "spec.jobTemplate.spec.template.spec"));
  }
  return uniq(out);
}
