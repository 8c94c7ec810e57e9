/**
 * Parses and validates raw stack config (as `pulumi.runtime.allConfig()` or the stack files give
 * it) into a typed DifyStackConfig. Every problem is collected and reported at once, one line per
 * problem naming the key, what was given and what is allowed; nothing is registered before this
 * has passed.
 */
import { packLimits } from "./policyLimits";
import { ByProfile, isByProfile, KeySpec, parseAcuRange, parseCidr, Profile } from "./keys";
import { CONFIG_KEYS } from "./table";
import { checkServices, ServiceOverride } from "./services";
import { editDistance, namespaceProblems, regionProblem } from "./namespaces";
import { ALARM_THRESHOLD_DEFAULTS, AlarmThresholds, LOG_RETENTION_DAYS } from "../../components/observability/args";
import { DEFAULT_WAF_RATE_LIMIT, inZone } from "../../components/edge/args";
import { VPC_MAX_BITS_WITHOUT_NAT } from "../../components/cluster/cidr";
import { EC2 } from "../capacity/prices";

export const NAMESPACE = "dify";

/** Thrown when stack config is invalid; `problems` has one line per problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid stack config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export interface NodeGroupConfig {
  instanceTypes: string[];
  minSize: number;
  maxSize: number;
  desiredSize: number;
  /** "ON_DEMAND" or "SPOT". */
  capacityType: string;
}

/** The validated, typed stack config with every default applied. */
export interface DifyStackConfig {
  profile: Profile;
  region: string;
  domain: string;
  certificateArn?: string;
  /** Route 53 public hosted zone of the domain: alias record, and a certificate unless certificateArn. */
  hostedZone?: { id: string; name: string };
  /** Bedrock models (ids, profile ids or ARNs) the plugin daemon's role may invoke. */
  bedrockModels: string[];
  /** The WAF web ACL on the load balancer, when on. */
  waf?: { rateLimit: number; allowedCidrs: string[] };
  difyVersion: string;
  namespace: string;
  internalLoadBalancer: boolean;
  /** Stateful resources get provider deletion protection and Pulumi `protect`. */
  deletionProtection: boolean;
  cluster: {
    kubernetesVersion: string;
    azCount: number;
    vpcCidr: string;
    existingVpc?: { vpcId: string; privateSubnetIds: string[]; publicSubnetIds: string[] };
    /** "per-az", "one" or "none" for a new, open VPC; undefined with an existing VPC or a closed network (no NAT gateway is created). */
    natGateways?: string;
    apiPublicAccessCidrs: string[];
    adminRoleArns: string[];
    nodeArchitecture: string;
    system: NodeGroupConfig;
    app: NodeGroupConfig;
    workers: NodeGroupConfig;
  };
  /** PostgreSQL: `engine` "aurora" (cluster) or "rds-instance" (one DB instance, with `allocatedStorageGb`). */
  database: { engine: string; instanceClass: string; serverless?: { minCapacity: number; maxCapacity: number }; allocatedStorageGb?: number; readerCount: number; backupRetentionDays: number; name: string; pluginName: string };
  redis: { nodeType: string; replicaCount: number; snapshotRetentionDays: number };
  /** Per-service overrides on top of the profile's service preset. */
  services: Record<string, ServiceOverride>;
  backups: { retentionDays: number; schedule: string; restoreVerifySchedule: string; copyRegion?: string; dataEventsTrail: boolean };
  /** Outgoing mail, when dify:mailType is set. `secret` is a credential: wrap it in pulumi.secret. */
  mail?: { type: string; from: string; smtpServer?: string; smtpPort?: number; smtpUsername?: string; smtpTls: string; secret: string };
  /** Where images come from (components/k8s/images.ts). */
  images: { registry?: string; digests: Record<string, string>; ecrPullThroughCache: boolean; dockerHubCredentialArn?: string; githubCredentialArn?: string };
  /** Logs, collector, dashboard and alarms (docs/observability.md). */
  observability: { enabled: boolean; logRetentionDays: number; alarms: boolean; alarmEmails: string[]; alarmThresholds: AlarmThresholds; cloudwatchAddonVersion?: string; containerInsights: boolean };
  /** Config keys the stack set itself (with namespace); the others took the profile's preset or a default. */
  givenKeys?: readonly string[];
  /** Closed network and controlled egress (docs/closed-networks.md). */
  network: { networkTuning: boolean; closed: boolean; extraVpcEndpoints: string[]; egressAllowedDomains?: string[]; egressUpstreamProxy?: string; pipMirrorUrl?: string; marketplaceEnabled: boolean };
}

/** A checked dbCapacityRange (the key's check refused anything else). */
function acuRange(v: string): { minCapacity: number; maxCapacity: number } {
  const r = parseAcuRange(v) ?? { min: 0.5, max: 1 };
  return { minCapacity: r.min, maxCapacity: r.max };
}

const show = (v: unknown) => (typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v));

/** Config values arrive as strings from the CLI (objects JSON-encoded) or typed from YAML. */
function coerce(spec: KeySpec, v: unknown): { value?: unknown; problem?: string } {
  const want = spec.type === "array" ? "a list" : spec.type === "object" ? "a map" : `a${spec.type === "integer" ? "n" : ""} ${spec.type}`;
  let x = v;
  if (typeof x === "string" && spec.type !== "string") {
    try {
      x = JSON.parse(x);
    } catch {
      return { problem: `got ${show(v)}, allowed ${want}` };
    }
  }
  switch (spec.type) {
    case "string":
      if (typeof x !== "string") return { problem: `got ${show(x)}, allowed a string` };
      return { value: x };
    case "integer":
      if (typeof x !== "number" || !Number.isInteger(x)) return { problem: `got ${show(x)}, allowed an integer` };
      return { value: x };
    case "boolean":
      if (typeof x !== "boolean") return { problem: `got ${show(x)}, allowed true or false` };
      return { value: x };
    case "array":
      if (!Array.isArray(x) || x.some((i) => typeof i !== "string")) return { problem: `got ${show(x)}, allowed a list of strings` };
      return { value: x };
    case "object":
      if (typeof x !== "object" || x === null || Array.isArray(x)) return { problem: `got ${show(x)}, allowed a map` };
      return { value: x };
  }
}

function checkValue(spec: KeySpec, value: unknown, profile: Profile | undefined): string | undefined {
  if (spec.type === "integer") {
    const n = value as number;
    if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
      return `got ${n}, allowed an integer from ${spec.min} to ${spec.max}`;
    }
  }
  if (spec.type === "string") {
    const s = value as string;
    if (spec.enum && !spec.enum.includes(s)) return `got ${show(s)}, allowed one of ${spec.enum.join(", ")}`;
    const bad = spec.check?.(s);
    if (bad) return `got ${show(s)}, allowed ${bad}`;
  }
  if (spec.type === "array") {
    const items = value as string[];
    for (const item of items) {
      const bad = spec.check?.(item);
      if (bad) return `item ${show(item)} is invalid, allowed ${bad}`;
    }
    const min = profile ? spec.minItemsIn?.[profile] : undefined;
    if (min !== undefined && items.length < min) return `got ${items.length} item(s), allowed at least ${min} in ${profile}`;
  }
  return undefined;
}

/**
 * Validates `raw` (keys like "dify:azCount", "aws:region") and returns the typed config.
 * Throws ConfigError listing every problem.
 */
export function parseStackConfig(raw: Record<string, unknown>): DifyStackConfig {
  const problems: string[] = [];
  const k = (key: string) => `${NAMESPACE}:${key}`;
  const specs = new Map(CONFIG_KEYS.map((s) => [s.key, s]));

  for (const full of Object.keys(raw).sort()) {
    if (!full.startsWith(`${NAMESPACE}:`)) continue;
    const key = full.slice(NAMESPACE.length + 1);
    if (specs.has(key)) continue;
    const near = [...specs.keys()].filter((s) => editDistance(s, key) <= 3).sort((a, b) => editDistance(a, key) - editDistance(b, key));
    problems.push(`${full}: unknown key${near.length ? `; did you mean ${k(near[0])}?` : ""} (see the config table in README.md)`);
  }

  problems.push(...namespaceProblems(raw, NAMESPACE));
  const region = raw["aws:region"];
  if (region === undefined) problems.push("aws:region: required, allowed an AWS region code such as us-east-1 (pulumi config set aws:region us-east-1)");
  else if (typeof region !== "string" || regionProblem(region)) problems.push(`aws:region: got ${show(region)}, allowed ${regionProblem(String(region))}`);

  // The profile decides the other defaults, so read it first.
  const profileSpec = specs.get("profile")!;
  let profile: Profile | undefined;
  if (raw[k("profile")] === undefined) problems.push(`${k("profile")}: required, allowed one of dev, prod`);
  else {
    const c = coerce(profileSpec, raw[k("profile")]);
    const bad = c.problem ?? checkValue(profileSpec, c.value, undefined);
    if (bad) problems.push(`${k("profile")}: ${bad}`);
    else profile = c.value as Profile;
  }

  const values = new Map<string, unknown>();
  for (const spec of CONFIG_KEYS) {
    if (spec.key === "profile") continue;
    const given = raw[k(spec.key)];
    if (given === undefined) {
      if (profile && spec.requiredIn?.includes(profile)) {
        problems.push(`${k(spec.key)}: required in ${profile}, allowed ${describeAllowed(spec)}`);
        continue;
      }
      const d = spec.default;
      const value = isByProfile(d) ? (profile ? (d as ByProfile<unknown>)[profile] : undefined) : d;
      if (value !== undefined) values.set(spec.key, value);
      continue;
    }
    const c = coerce(spec, given);
    const bad = c.problem ?? checkValue(spec, c.value, profile);
    if (bad) problems.push(`${k(spec.key)}: ${bad}`);
    else values.set(spec.key, c.value);
  }
  if (!profile) throw new ConfigError(problems);

  const get = <T>(key: string) => values.get(key) as T;
  const given = (key: string) => raw[k(key)] !== undefined;
  crossChecks(get, given, profile, region as string, problems);
  const services = checkServices(values.get("services") as Record<string, unknown> | undefined, profile, `${k("services")}`, problems, packLimits(profile).pdbFromReplicas);
  if (problems.length) throw new ConfigError(problems);

  const group = (g: string): NodeGroupConfig => ({
    instanceTypes: get<string[]>(`${g}NodeInstanceTypes`),
    minSize: get<number>(`${g}NodeMinSize`),
    maxSize: get<number>(`${g}NodeMaxSize`),
    desiredSize: get<number>(`${g}NodeDesiredSize`),
    capacityType: get<string>(`${g}NodeCapacityType`),
  });
  const vpcId = get<string | undefined>("existingVpcId");
  return {
    profile,
    givenKeys: Object.keys(raw).filter((key) => key.startsWith(`${NAMESPACE}:`) && raw[key] !== undefined).sort(),
    region: region as string,
    domain: get("domain"),
    certificateArn: get("certificateArn"),
    hostedZone: get<string | undefined>("hostedZoneId") ? { id: get("hostedZoneId"), name: get<string>("hostedZoneName").replace(/\.$/, "") } : undefined,
    waf: wafOn(get, profile) ? { rateLimit: get<number | undefined>("wafRateLimit") ?? DEFAULT_WAF_RATE_LIMIT, allowedCidrs: get<string[] | undefined>("wafAllowedCidrs") ?? [] } : undefined,
    bedrockModels: get("bedrockModels"),
    difyVersion: get("difyVersion"),
    namespace: get("namespace"),
    internalLoadBalancer: get<boolean | undefined>("internalLoadBalancer") ?? get<boolean>("closedNetwork"),
    deletionProtection: get("deletionProtection"),
    cluster: {
      kubernetesVersion: get("kubernetesVersion"),
      azCount: get("azCount"),
      vpcCidr: get("vpcCidr"),
      existingVpc: vpcId
        ? { vpcId, privateSubnetIds: get("existingPrivateSubnetIds"), publicSubnetIds: get("existingPublicSubnetIds") }
        : undefined,
      natGateways: vpcId || get<boolean>("closedNetwork") ? undefined : get<string>("natGateways"),
      apiPublicAccessCidrs: get("apiPublicAccessCidrs"),
      adminRoleArns: get("adminRoleArns"),
      nodeArchitecture: get("nodeArchitecture"),
      system: group("system"),
      app: group("app"),
      workers: group("worker"),
    },
    database: {
      engine: get("dbEngine"),
      instanceClass: dbClass(get),
      ...(dbClass(get) === "db.serverless" ? { serverless: acuRange(get("dbCapacityRange")) } : {}),
      ...(get("dbEngine") === "rds-instance" ? { allocatedStorageGb: get<number | undefined>("dbAllocatedStorage") ?? 20 } : {}),
      readerCount: get("dbReaderCount"),
      backupRetentionDays: get("dbBackupRetentionDays"),
      name: get("dbName"),
      pluginName: get("pluginDbName"),
    },
    redis: {
      nodeType: get("redisNodeType"),
      replicaCount: get("redisReplicaCount"),
      snapshotRetentionDays: get("redisSnapshotRetentionDays"),
    },
    services,
    mail: get<string | undefined>("mailType")
      ? {
        type: get("mailType"), from: get("mailFrom"), smtpServer: get("smtpServer"), smtpPort: get("smtpPort"),
        smtpUsername: get("smtpUsername"), smtpTls: get("smtpTls"), secret: get("mailSecret"),
      }
      : undefined,
    backups: {
      retentionDays: get("backupRetentionDays"),
      schedule: get("backupSchedule"),
      restoreVerifySchedule: get("restoreVerifySchedule"),
      copyRegion: get("backupCopyRegion"),
      dataEventsTrail: get("backupDataEventsTrail"),
    },
    images: {
      registry: get("imageRegistry"),
      digests: get("imageDigests"),
      ecrPullThroughCache: get("ecrPullThroughCache"),
      dockerHubCredentialArn: get("ecrDockerHubCredentialArn"),
      githubCredentialArn: get("ecrGithubCredentialArn"),
    },
    observability: {
      enabled: get("observability"),
      logRetentionDays: get("logRetentionDays"),
      alarms: get<boolean>("observability") && get<boolean>("alarms"),
      alarmEmails: get("alarmEmails"),
      alarmThresholds: get("alarmThresholds"),
      cloudwatchAddonVersion: get("cloudwatchAddonVersion"),
      // A closed network cannot pull the add-on's images (checked below when set explicitly).
      containerInsights: get<boolean>("containerInsights") && !get<boolean>("closedNetwork"),
    },
    network: {
      networkTuning: get("networkTuning"),
      closed: get("closedNetwork"),
      extraVpcEndpoints: get("extraVpcEndpoints"),
      egressAllowedDomains: get("egressAllowedDomains"),
      egressUpstreamProxy: get("egressUpstreamProxy"),
      pipMirrorUrl: get("pipMirrorUrl"),
      marketplaceEnabled: get<boolean | undefined>("marketplaceEnabled") ?? !get<boolean>("closedNetwork"),
    },
  };
}

function describeAllowed(spec: KeySpec): string {
  if (spec.enum) return `one of ${spec.enum.join(", ")}`;
  if (spec.type === "integer") return `an integer from ${spec.min} to ${spec.max}`;
  if (spec.allowed) return spec.allowed;
  if (spec.check) return spec.check("") ?? `a ${spec.type}`;
  return `a ${spec.type}`;
}

/** Rules that involve more than one key. */
function crossChecks(get: <T>(key: string) => T, given: (key: string) => boolean, profile: Profile, region: string, problems: string[]): void {
  const k = (key: string) => `${NAMESPACE}:${key}`;
  for (const g of ["system", "app", "worker"]) {
    // One size per group: the Cluster Autoscaler sizes a group by its first type, and a spot group
    // that launches a smaller one would not fit what was scheduled for it. Checked for the types
    // the price table knows (program/capacity/prices.ts); others are the user's to match.
    const types = get<string[] | undefined>(`${g}NodeInstanceTypes`) ?? [];
    const sizeOf = (t: string) => (EC2[t] ? `${EC2[t].vcpu} vCPU/${EC2[t].memoryGiB} GiB` : undefined);
    const sizes = [...new Set(types.map(sizeOf).filter((x): x is string => x !== undefined))];
    if (sizes.length > 1) {
      problems.push(`${k(`${g}NodeInstanceTypes`)}: got ${types.map((t) => `${t} (${sizeOf(t) ?? "?"})`).join(", ")}, allowed types of one vCPU and memory size (the Cluster Autoscaler sizes the group by the first; list same-size types, e.g. t4g.large, m7g.large, m6g.large)`);
    }
    const min = get<number | undefined>(`${g}NodeMinSize`);
    const max = get<number | undefined>(`${g}NodeMaxSize`);
    const desired = get<number | undefined>(`${g}NodeDesiredSize`);
    if (min === undefined || max === undefined || desired === undefined) continue;
    if (min > max) problems.push(`${k(`${g}NodeMinSize`)}: got ${min}, greater than ${k(`${g}NodeMaxSize`)} (${max}); allowed min <= max`);
    else if (desired < min || desired > max) {
      const from = given(`${g}NodeDesiredSize`) ? "" : ` (the ${profile} preset's value; set it too)`;
      problems.push(`${k(`${g}NodeDesiredSize`)}: got ${desired}${from}, allowed a value from ${k(`${g}NodeMinSize`)} (${min}) to ${k(`${g}NodeMaxSize`)} (${max})`);
    }
  }
  const limits = packLimits(profile);
  const retention = get<number | undefined>("dbBackupRetentionDays");
  if (limits.dbBackupRetentionDays && retention !== undefined && retention < limits.dbBackupRetentionDays.value) {
    const from = given("dbBackupRetentionDays") ? "" : ` (the ${profile} preset's value)`;
    problems.push(`${k("dbBackupRetentionDays")}: got ${retention}${from}, allowed ${limits.dbBackupRetentionDays.value} to 35 in ${profile}: ${limits.dbBackupRetentionDays.reason}`);
  }
  if (limits.deletionProtection && get<boolean | undefined>("deletionProtection") === false) {
    problems.push(`${k("deletionProtection")}: got false, allowed true in ${profile}: ${limits.deletionProtection.reason} (use profile dev for a disposable install)`);
  }
  const cidrs = get<string[] | undefined>("apiPublicAccessCidrs");
  if (cidrs?.some((c) => parseCidr(c)?.bits === 0)) {
    problems.push(`${k("apiPublicAccessCidrs")}: got ${JSON.stringify(cidrs)}, the cluster API must not be open to the whole internet (0.0.0.0/0) in ${profile} either; allowed the CIDRs of your office, VPN or CI runners (an empty list makes the endpoint private)`);
  }
  const vpcId = get<string | undefined>("existingVpcId");
  const priv = get<string[] | undefined>("existingPrivateSubnetIds");
  const pub = get<string[] | undefined>("existingPublicSubnetIds");
  const az = get<number | undefined>("azCount");
  if (vpcId) {
    for (const [key, list] of [["existingPrivateSubnetIds", priv], ["existingPublicSubnetIds", pub]] as const) {
      if (!list || (az !== undefined && list.length < az)) problems.push(`${k(key)}: got ${list ? list.length : "no"} subnet(s), allowed one per AZ (${az}) when ${k("existingVpcId")} is set`);
    }
  } else if (priv || pub) {
    problems.push(`${k(priv ? "existingPrivateSubnetIds" : "existingPublicSubnetIds")}: set, but ${k("existingVpcId")} is not; allowed only together with ${k("existingVpcId")}`);
  }
  natGatewayChecks(get, given, profile, problems);
  if (get<string | undefined>("dbName") !== undefined && get("dbName") === get("pluginDbName")) {
    problems.push(`${k("pluginDbName")}: got ${JSON.stringify(get("pluginDbName"))}, the same as ${k("dbName")}; allowed a different database (the plugin daemon's tables would collide with Dify's)`);
  }
  closedNetworkChecks(get, region, problems);
  databaseChecks(get, given, profile, problems);
  observabilityChecks(get, given, problems);
  edgeChecks(get, given, profile, problems);
  if (profile === Profile.Prod) {
    // The prod profile's promise: the data tier survives the loss of an AZ.
    for (const [key, what] of [["dbReaderCount", "an Aurora reader in another AZ is the failover target"], ["redisReplicaCount", "a replica in another AZ is what ElastiCache fails over to"]] as const) {
      const n = get<number | undefined>(key);
      if (n !== undefined && n < 1) problems.push(`${k(key)}: got ${n}, allowed 1 or more in prod (${what}; use profile dev for a single-instance install)`);
    }
  }
  const mailType = get<string | undefined>("mailType");
  if (mailType) {
    if (get("mailFrom") === undefined) problems.push(`${k("mailFrom")}: required with ${k("mailType")}, allowed an e-mail address`);
    if (get("mailSecret") === undefined) problems.push(`${k("mailSecret")}: required with ${k("mailType")}, allowed the SMTP password or API key (pulumi config set --secret ${k("mailSecret")} <value>)`);
    if (mailType === "smtp" && get("smtpServer") === undefined) problems.push(`${k("smtpServer")}: required with ${k("mailType")} smtp, allowed a host name`);
  } else {
    for (const key of ["mailFrom", "smtpServer", "smtpPort", "smtpUsername", "mailSecret"]) {
      if (get(key) !== undefined) problems.push(`${k(key)}: set, but ${k("mailType")} is not; allowed only together with ${k("mailType")}`);
    }
  }
  const copy = get<string | undefined>("backupCopyRegion");
  if (copy && copy === region) problems.push(`${k("backupCopyRegion")}: got ${JSON.stringify(copy)}, the same as aws:region; allowed a different region (or unset)`);
}

/**
 * dify:natGateways: only for a new, open VPC (an existing VPC's routing is its owner's, a closed
 * network has no NAT at all); per-az only in prod; "none" needs room for its node subnets.
 */
function natGatewayChecks(get: <T>(key: string) => T, given: (key: string) => boolean, profile: Profile, problems: string[]): void {
  const k = (key: string) => `${NAMESPACE}:${key}`;
  const nat = get<string | undefined>("natGateways");
  if (nat === undefined) return;
  const got = `${k("natGateways")}: got ${JSON.stringify(nat)}`;
  if (given("natGateways") && get<string | undefined>("existingVpcId")) {
    problems.push(`${got} with ${k("existingVpcId")}; allowed unset (the existing VPC's routing is its owner's: no NAT gateway is created and the nodes go in ${k("existingPrivateSubnetIds")})`);
  } else if (given("natGateways") && get<boolean | undefined>("closedNetwork") === true) {
    problems.push(`${got} with ${k("closedNetwork")}; allowed unset (a closed network has no NAT gateway and no internet route, and keeps its nodes in private subnets)`);
  } else if (get<string | undefined>("existingVpcId") || get<boolean | undefined>("closedNetwork") === true) {
    return; // the profile's default does not apply
  } else if (profile === Profile.Prod && nat !== "per-az") {
    problems.push(`${got}, allowed per-az in prod (prod keeps a NAT gateway per AZ: zone-loss tolerance and nodes without public addresses; use profile dev for a cheaper network)`);
  } else if (nat === "none") {
    const vpc = parseCidr(get<string>("vpcCidr") ?? "");
    if (vpc && vpc.bits > VPC_MAX_BITS_WITHOUT_NAT) {
      const from = given("natGateways") ? "" : ` (the ${profile} preset's value)`;
      problems.push(`${got}${from} with ${k("vpcCidr")} ${get<string>("vpcCidr")}; allowed per-az or one, or a /16 to /${VPC_MAX_BITS_WITHOUT_NAT} VPC (each public node subnet is 1/64 of the VPC, too small below a /${VPC_MAX_BITS_WITHOUT_NAT} for nodes and their pods' addresses)`);
    }
  }
}

/** dify:dbInstanceClass, or its default for dify:dbEngine (Aurora Serverless v2, or db.t4g.small). */
function dbClass(get: <T>(key: string) => T): string {
  return get<string | undefined>("dbInstanceClass") ?? (get("dbEngine") === "rds-instance" ? "db.t4g.small" : "db.serverless");
}

/** The database keys that depend on dify:dbEngine. */
function databaseChecks(get: <T>(key: string) => T, given: (key: string) => boolean, profile: Profile, problems: string[]): void {
  const k = (key: string) => `${NAMESPACE}:${key}`;
  const engine = get<string | undefined>("dbEngine");
  if (engine === undefined) return; // its own check reported it
  // "dify:dbEngine rds-instance (the dev preset's value)": the engine the other keys conflict with.
  const eng = `${k("dbEngine")} ${engine}${given("dbEngine") ? "" : ` (the ${profile} preset's value)`}`;
  if (engine === "rds-instance") {
    if (profile === Profile.Prod) {
      problems.push(`${k("dbEngine")}: got "rds-instance", allowed "aurora" in prod (the prod profile's data tier survives the loss of an AZ: an Aurora reader in another AZ is the failover target; one DB instance is not; use profile dev for a single-instance install)`);
    }
    if (get("dbInstanceClass") === "db.serverless") {
      problems.push(`${k("dbInstanceClass")}: got "db.serverless" with ${eng}, allowed an RDS for PostgreSQL instance class such as db.t4g.small (Aurora Serverless v2 needs ${k("dbEngine")} aurora)`);
    }
    if (given("dbCapacityRange")) problems.push(`${k("dbCapacityRange")}: set with ${eng}, allowed only with ${k("dbEngine")} aurora and ${k("dbInstanceClass")} db.serverless`);
    const readers = get<number | undefined>("dbReaderCount");
    if (readers !== undefined && readers > 0) problems.push(`${k("dbReaderCount")}: got ${readers} with ${eng}, allowed 0 (one DB instance, no Aurora readers; use ${k("dbEngine")} aurora for readers)`);
  } else {
    if (given("dbAllocatedStorage")) problems.push(`${k("dbAllocatedStorage")}: set with ${eng}, allowed only with ${k("dbEngine")} rds-instance (Aurora storage grows by itself)`);
    const cls = get<string | undefined>("dbInstanceClass");
    if (cls !== undefined && /^db\.t\d+g?\.(micro|small)$/.test(cls)) {
      problems.push(`${k("dbInstanceClass")}: got ${JSON.stringify(cls)} with ${eng}, allowed a class Aurora PostgreSQL offers (db.serverless, db.t4g.medium or larger); micro and small classes need ${k("dbEngine")} rds-instance`);
    }
  }
}

/** Internal load balancer: dify:internalLoadBalancer, defaulting to dify:closedNetwork. */
function internalLb(get: <T>(key: string) => T): boolean {
  return get<boolean | undefined>("internalLoadBalancer") ?? get<boolean | undefined>("closedNetwork") === true;
}

/** dify:waf, or its default: on in prod in front of an internet-facing load balancer. */
function wafOn(get: <T>(key: string) => T, profile: Profile): boolean {
  return get<boolean | undefined>("waf") ?? (profile === Profile.Prod && !internalLb(get));
}

/** Hosted zone, certificate and WAF rules (components/edge). */
function edgeChecks(get: <T>(key: string) => T, given: (key: string) => boolean, profile: Profile, problems: string[]): void {
  const k = (key: string) => `${NAMESPACE}:${key}`;
  const zoneName = get<string | undefined>("hostedZoneName");
  const domain = get<string | undefined>("domain");
  // Presence from the raw config: a malformed value is reported once, by its own check.
  if (given("hostedZoneId") && !given("hostedZoneName")) problems.push(`${k("hostedZoneName")}: required with ${k("hostedZoneId")}, allowed the zone's name, e.g. ${domain ? domain.split(".").slice(-2).join(".") : "example.com"}`);
  if (given("hostedZoneName") && !given("hostedZoneId")) problems.push(`${k("hostedZoneId")}: required with ${k("hostedZoneName")}, allowed the zone's id (aws route53 list-hosted-zones-by-name --dns-name ${zoneName})`);
  if (zoneName && domain && !inZone(domain, zoneName)) {
    problems.push(`${k("domain")}: got ${JSON.stringify(domain)}, not inside ${k("hostedZoneName")} ${JSON.stringify(zoneName)}; allowed ${zoneName.replace(/\.$/, "")} or a name ending in .${zoneName.replace(/\.$/, "")}`);
  }
  if (profile === Profile.Prod && !given("certificateArn") && !given("hostedZoneId")) {
    problems.push(`${k("certificateArn")}: required in prod unless ${k("hostedZoneId")} and ${k("hostedZoneName")} are set (the program then issues a DNS-validated certificate); allowed an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<uuid>)`);
  }
  const closed = get<boolean | undefined>("closedNetwork") === true;
  if (get<boolean | undefined>("waf") === true && closed) {
    problems.push(`${k("waf")}: true with ${k("closedNetwork")}; the load balancer is internal there and the AWS Load Balancer Controller runs without its WAF integration (no WAF endpoint in a closed VPC); allowed false or unset`);
  }
  if (!wafOn(get, profile)) {
    for (const key of ["wafRateLimit", "wafAllowedCidrs"]) {
      if (given(key)) problems.push(`${k(key)}: set, but the WAF is off (${k("waf")} ${get<boolean | undefined>("waf") === false ? "false" : `unset, and off by default ${profile === Profile.Prod ? "with an internal load balancer" : "in dev"}`}); allowed only with ${k("waf")} true`);
    }
  }
}

/** Private registry and closed-network rules (docs/closed-networks.md). */
function closedNetworkChecks(get: <T>(key: string) => T, region: string, problems: string[]): void {
  const k = (key: string) => `${NAMESPACE}:${key}`;
  const closed = get<boolean | undefined>("closedNetwork") === true;
  const registry = get<string | undefined>("imageRegistry");
  const ptc = get<boolean | undefined>("ecrPullThroughCache") === true;
  for (const [image, digest] of Object.entries(get<Record<string, unknown> | undefined>("imageDigests") ?? {})) {
    if (typeof digest !== "string" || !/^sha256:[a-f0-9]{64}$/.test(digest)) {
      problems.push(`${k("imageDigests")}: ${JSON.stringify(image)} maps to ${JSON.stringify(digest)}, allowed "sha256:" followed by 64 lowercase hex digits`);
    }
  }
  if (closed && !registry) {
    problems.push(`${k("closedNetwork")}: true without ${k("imageRegistry")}; a closed network cannot pull from Docker Hub, allowed with ${k("imageRegistry")} set (e.g. <account>.dkr.ecr.${region}.amazonaws.com with ${k("ecrPullThroughCache")})`);
  }
  if (ptc) {
    const ecr = registry ? /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$/.exec(registry) : null;
    if (!ecr || ecr[2] !== region) {
      problems.push(`${k("imageRegistry")}: got ${JSON.stringify(registry)}, allowed this account's ECR registry in ${region} (<account>.dkr.ecr.${region}.amazonaws.com) when ${k("ecrPullThroughCache")} is true`);
    }
    if (!get<string | undefined>("ecrGithubCredentialArn")) {
      problems.push(`${k("ecrGithubCredentialArn")}: required when ${k("ecrPullThroughCache")} is true (KEDA's images are on ghcr.io, which ECR caches only with a credential); allowed a Secrets Manager ARN named ecr-pullthroughcache/...`);
    }
    if (!get<string | undefined>("ecrDockerHubCredentialArn")) {
      problems.push(`${k("ecrDockerHubCredentialArn")}: required when ${k("ecrPullThroughCache")} is true (Dify's images are on Docker Hub, which ECR caches only with a credential); allowed a Secrets Manager ARN named ecr-pullthroughcache/...`);
    }
  }
  const domains = get<string[] | undefined>("egressAllowedDomains");
  if (closed && (!domains || domains.length === 0)) {
    problems.push(`${k("egressAllowedDomains")}: ${domains ? "empty" : "unset"} with ${k("closedNetwork")}; Dify must reach an LLM provider through the SSRF proxy, allowed at least one domain (e.g. bedrock-runtime.${region}.amazonaws.com with ${k("extraVpcEndpoints")} [bedrock-runtime], or api.openai.com with ${k("egressUpstreamProxy")})`);
  }
  const extra = get<string[] | undefined>("extraVpcEndpoints") ?? [];
  if (closed && (get<string[] | undefined>("bedrockModels") ?? []).length > 0 && !extra.includes("bedrock-runtime")) {
    problems.push(`${k("bedrockModels")}: set with ${k("closedNetwork")} but ${k("extraVpcEndpoints")} has no bedrock-runtime; a closed VPC reaches Bedrock only through its interface endpoint, allowed with "bedrock-runtime" in ${k("extraVpcEndpoints")}`);
  }
  if (extra.length > 0 && !closed) problems.push(`${k("extraVpcEndpoints")}: set without ${k("closedNetwork")}; allowed only in closed mode (open stacks reach AWS APIs through NAT)`);
}

/** Retention values CloudWatch accepts; alarm threshold names and ranges (DifyObservability's table). */
function observabilityChecks(get: <T>(key: string) => T, given: (key: string) => boolean, problems: string[]): void {
  const k = (key: string) => `${NAMESPACE}:${key}`;
  const days = get<number | undefined>("logRetentionDays");
  if (days !== undefined && !LOG_RETENTION_DAYS.includes(days)) problems.push(`${k("logRetentionDays")}: got ${days}, allowed one of ${LOG_RETENTION_DAYS.join(", ")} (CloudWatch Logs retention values)`);
  const t = get<Record<string, unknown> | undefined>("alarmThresholds") ?? {};
  for (const [name, v] of Object.entries(t)) {
    const d = (ALARM_THRESHOLD_DEFAULTS as Record<string, { min: number; max: number; unit: string }>)[name];
    if (!d) problems.push(`${k("alarmThresholds")}: unknown threshold ${JSON.stringify(name)}, allowed ${Object.keys(ALARM_THRESHOLD_DEFAULTS).join(", ")}`);
    else if (typeof v !== "number" || !Number.isFinite(v) || v < d.min || v > d.max) problems.push(`${k("alarmThresholds")}.${name}: got ${JSON.stringify(v)}, allowed a number from ${d.min} to ${d.max} (${d.unit})`);
  }
  // Only alarms the stack asked for: the prod preset's alarms follow dify:observability off (the
  // stack then has neither), instead of refusing a key the stack never set.
  if (given("alarms") && get<boolean | undefined>("alarms") === true && get<boolean | undefined>("observability") === false) {
    problems.push(`${k("alarms")}: got true with ${k("observability")} false; allowed only with observability on (the alarms read its metrics)`);
  }
  if (given("containerInsights") && get<boolean | undefined>("containerInsights") === true && get<boolean | undefined>("closedNetwork") === true) {
    problems.push(`${k("containerInsights")}: got true with ${k("closedNetwork")}; allowed false or unset (the amazon-cloudwatch-observability add-on's images are on public.ecr.aws, out of a closed network's reach; the aws-for-fluent-bit chart ships container logs from the mirror instead)`);
  }
}
