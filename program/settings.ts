/**
 * Settings: the validated stack config in, every component's plain arguments out. Pure and
 * computed once: nothing is registered here, and every component's arguments are validated
 * before deploy.ts constructs the first resource (so a bad value never half-creates a stack).
 * What only exists once resources do (VPC and subnet ids, connection handles, the OIDC provider)
 * is wired in deploy.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { DifyAppArgs } from "../components/app";
import { resolvePlan } from "../components/app/validate";
import { CONCURRENCY } from "../components/app/tuning";
import { rowOf } from "../components/app/catalog";
import { DifyBackupsArgs } from "../components/backups";
import { validateBackupsArgs } from "../components/backups/args";
import { CapacityType, DifyClusterArgs, NatGateways, NodeArchitecture } from "../components/cluster";
import { resolveClusterArgs } from "../components/cluster/args";
import { subnetLayout } from "../components/cluster/cidr";
import { DIFY_CLUSTER_KEDA_METRICS, backupMetricNamespace } from "../components/contracts";
import { poolEnv, poolSettingsFor } from "../components/data";
import { DifyDatabaseHAArgs } from "../components/data/args";
import { DifyLoadBalancerMonitoringSettings, DifyObservabilityArgs, resolveObservability, validateLoadBalancerMonitoringSettings } from "../components/observability";
import { ArgumentError, formatProblem, show } from "../components/checks";
import { DifyDomainRecordArgs, DifyEdgeArgs, validateDomainRecordArgs, validateEdgeArgs } from "../components/edge";
import { validateStorageArgs } from "../components/storage/storage";
import { capacityInputs } from "./capacity/inputs";
import { capacityOf } from "./capacity/model";
import { ConfigError, DifyStackConfig, NodeGroupConfig, Profile } from "./config";
import { isByProfile } from "./config/keys";
import { CONFIG_KEYS } from "./config/table";

/** The component name every child's name derives from (e.g. Deployment `dify-api`). */
export const NAME = "dify";

function nodeGroup(g: NodeGroupConfig, diskSizeGiB: number) {
  return { instanceTypes: g.instanceTypes, minSize: g.minSize, maxSize: g.maxSize, desiredSize: g.desiredSize, diskSizeGiB, capacityType: g.capacityType as CapacityType };
}

/** Every component's plain arguments, derived from config; nothing is registered here. */
function settingsFor(c: DifyStackConfig, stack: string) {
  const prod = c.profile === Profile.Prod;
  const tags = { "dify-aws:stack": stack, "dify-aws:profile": c.profile };
  const disk = prod ? 50 : 30;
  // One image source for every component (components/k8s/images.ts); none = the public images.
  const imageSource = c.images.registry || Object.keys(c.images.digests).length > 0
    ? { registry: c.images.registry, digests: c.images.digests }
    : undefined;
  const closed = c.network.closed;
  const cluster: DifyClusterArgs = {
    production: prod,
    clusterName: `${NAME}-${stack}`,
    kubernetesVersion: c.cluster.kubernetesVersion,
    azCount: c.cluster.azCount,
    vpcCidr: c.cluster.vpcCidr,
    existingVpc: c.cluster.existingVpc,
    // A new, open VPC's egress (dify:natGateways: prod per-az, dev none); unset with an existing
    // VPC or a closed network, which create no NAT gateway.
    ...(c.cluster.natGateways ? { natGateways: c.cluster.natGateways as NatGateways } : {}),
    publicAccessCidrs: c.cluster.apiPublicAccessCidrs,
    adminRoleArns: c.cluster.adminRoleArns,
    nodeArchitecture: c.cluster.nodeArchitecture === "x86_64" ? NodeArchitecture.X86_64 : NodeArchitecture.Arm64,
    systemNodes: nodeGroup(c.cluster.system, disk),
    appNodes: nodeGroup(c.cluster.app, disk),
    workerNodes: nodeGroup(c.cluster.workers, disk),
    enableAllControlPlaneLogs: prod,
    protect: c.deletionProtection,
    tags,
    // Closed network (docs/closed-networks.md): keys only set when on, so open stacks are unchanged.
    // With observability on, the collector exports traces to X-Ray: it needs that endpoint when
    // there is no internet route (CloudWatch's `monitoring` is in every closed network: KEDA reads
    // the ALB's metrics there, components/cluster/endpoints.ts).
    ...(closed ? { closedNetwork: true, internetGateway: !c.internalLoadBalancer, extraVpcEndpoints: [...new Set([...c.network.extraVpcEndpoints, ...(c.observability.enabled ? ["xray"] : [])])] } : {}),
    ...(imageSource ? { imageSource } : {}),
    ...(c.images.ecrPullThroughCache ? { ecrPullThroughCache: true, dockerHubCredentialArn: c.images.dockerHubCredentialArn, githubCredentialArn: c.images.githubCredentialArn } : {}),
  };

  // NetworkPolicies need CIDRs at plan time: the subnet layout of the new VPC, or the whole VPC
  // CIDR (dify:vpcCidr) when an existing VPC is used.
  const layout = c.cluster.existingVpc ? undefined : subnetLayout(c.cluster.vpcCidr, c.cluster.azCount);
  const privateCidrs = layout ? layout.privateCidrs : [c.cluster.vpcCidr];
  // An internal ALB lives in its own small subnets, not the private ones (where pods get their IPs
  // too): so "from the ALB" in the NetworkPolicies does not mean "from any pod".
  const albCidrs = layout ? (c.internalLoadBalancer ? layout.internalLbCidrs : layout.publicCidrs) : [c.cluster.vpcCidr];

  const data: Omit<DifyDatabaseHAArgs, "vpcId" | "subnetIds" | "allowedSecurityGroupIds"> = {
    postgres: {
      engine: c.database.engine,
      instanceClass: c.database.instanceClass,
      serverless: c.database.serverless,
      ...(c.database.allocatedStorageGb !== undefined ? { allocatedStorageGb: c.database.allocatedStorageGb } : {}),
      readerCount: c.database.readerCount,
      backupRetentionDays: c.database.backupRetentionDays,
      deletionProtection: c.deletionProtection,
      performanceInsights: prod,
      enhancedMonitoringInterval: prod ? 60 : 0,
      cloudwatchLogs: true,
      logRetentionDays: c.observability.logRetentionDays,
    },
    redis: {
      nodeType: c.redis.nodeType,
      replicaCount: c.redis.replicaCount,
      snapshotRetentionDays: c.redis.snapshotRetentionDays,
    },
    connectionBudget: connectionBudget(c),
    databaseName: c.database.name,
    pluginDatabaseName: c.database.pluginName,
    protect: c.deletionProtection,
    applyImmediately: !prod,
    tags,
    imageSource,
  };

  // The pools DifyDatabaseHA sizes against max_connections, for the api image and the daemon.
  const poolSettings = poolSettingsFor(NAME, data);
  const pool = poolEnv(poolSettings);
  const app: Omit<DifyAppArgs, "database" | "redis" | "storage" | "certificateArn"> = {
    namespace: c.namespace,
    difyVersion: c.difyVersion,
    domain: c.domain,
    internalLoadBalancer: c.internalLoadBalancer,
    services: c.services,
    vpcCidrs: [c.cluster.vpcCidr],
    dataCidrs: privateCidrs,
    ingressSourceCidrs: albCidrs,
    extraEnv: pool.api,
    extraPluginDaemonEnv: pool.pluginDaemon,
    protect: c.deletionProtection,
    imageSource,
    closedNetwork: closed,
    egressAllowedDomains: c.network.egressAllowedDomains,
    egressUpstreamProxy: c.network.egressUpstreamProxy,
    pipMirrorUrl: c.network.pipMirrorUrl,
    marketplaceEnabled: c.network.marketplaceEnabled,
    networkTuning: c.network.networkTuning,
    // DifyCluster installs KEDA: workers scale on their Celery queues (components/app/queueScaling.ts).
    queueAutoscaling: true,
    // Without the stack's WAF, "none": the controller keeps a web ACL association when the
    // annotation is absent (aws-load-balancer-controller v3.5.0 docs/guide/ingress/annotations.md,
    // wafv2-acl-arn), so turning dify:waf off would leave the ALB on a web ACL being deleted.
    // Closed networks run the controller without its WAFv2 add-on: no annotation there.
    ...(c.waf || closed ? {} : { webAclArn: "none" }),
    // DifyCluster's node groups carry the node-role labels and the workers taint: keep the serving
    // path off the system nodes and the Celery workers on spot.
    nodePlacement: true,
  };

  const backups: Omit<DifyBackupsArgs, "database" | "restoreLogin" | "databaseArn" | "auroraClusterArn" | "oidcProvider"> = {
    retentionDays: c.backups.retentionDays,
    accessLogRetentionDays: c.observability.logRetentionDays,
    schedule: c.backups.schedule,
    verifySchedule: c.backups.restoreVerifySchedule,
    copyRegion: c.backups.copyRegion,
    dataEventsTrail: c.backups.dataEventsTrail,
    replicaRegion: prod ? c.backups.copyRegion : undefined,
    protect: c.deletionProtection,
    forceDestroy: !c.deletionProtection,
    databaseCidrs: privateCidrs,
    tags,
    imageSource,
  };

  const storage = {
    namespace: c.namespace,
    noncurrentVersionRetentionDays: c.backups.retentionDays,
    accessLogRetentionDays: c.observability.logRetentionDays,
    protect: c.deletionProtection,
    forceDestroy: !c.deletionProtection,
    tags,
  };
  // The ALB gets an explicit name so the domain record, the dashboard and the ALB alarms can find
  // it once DifyApp reports its host name (at most 32 characters).
  const loadBalancerName = `${NAME}-${stack}`.slice(0, 32).replace(/-+$/, "");
  app.loadBalancerName = loadBalancerName;
  const namespace = c.namespace;
  const observability: Omit<DifyObservabilityArgs, "clusterName" | "oidcProvider" | "databaseIdentifier" | "databaseClusterIdentifier" | "redisReplicationGroupId"> = {
    region: c.region,
    databaseEngine: c.database.engine,
    databaseReaderCount: c.database.readerCount,
    redisNodeCount: 1 + c.redis.replicaCount,
    appNamespace: namespace,
    namespace: `${namespace}-observability`,
    logRetentionDays: c.observability.logRetentionDays,
    cloudwatchAddonVersion: c.observability.cloudwatchAddonVersion,
    // Without Container Insights (dify:containerInsights false, always so in a closed network, which
    // cannot pull the add-on's public.ecr.aws images) Fluent Bit ships the container logs.
    ...(c.observability.containerInsights ? {} : { containerLogShipper: "fluent-bit" }),
    images: imageSource,
    collectorReplicas: prod ? 2 : 1,
    // The Celery queue depth comes from DifyCluster's KEDA (the measurement the workers scale on).
    kedaMetrics: DIFY_CLUSTER_KEDA_METRICS,
    backupMetricNamespace: backupMetricNamespace(NAME),
    alarms: c.observability.alarms,
    alarmEmails: c.observability.alarmEmails,
    alarmThresholds: c.observability.alarmThresholds,
    protect: c.deletionProtection,
    forceDestroy: !c.deletionProtection,
    tags,
  };
  // After DifyApp, from its load balancer (loadBalancerHostname, wired in deploy.ts): the
  // dashboard and the ALB alarms (with observability), and the domain's record (with a hosted zone).
  const loadBalancerMonitoring: DifyLoadBalancerMonitoringSettings = {
    loadBalancerName,
    alarmThresholds: c.observability.alarmThresholds,
  };
  const domainRecord: Omit<DifyDomainRecordArgs, "loadBalancerHostname"> | undefined = c.hostedZone
    ? { domain: c.domain, hostedZone: { zoneId: c.hostedZone.id, zoneName: c.hostedZone.name }, loadBalancerName }
    : undefined;
  // In front of the ALB, before DifyApp: TLS from the hosted zone, and the WAF (components/edge).
  const edge: DifyEdgeArgs = {
    domain: c.domain,
    loadBalancerName,
    ...(c.hostedZone ? { hostedZone: { zoneId: c.hostedZone.id, zoneName: c.hostedZone.name }, issueCertificate: c.certificateArn === undefined } : {}),
    ...(c.waf ? { waf: { rateLimit: c.waf.rateLimit, allowedCidrs: c.waf.allowedCidrs, logRetentionDays: c.observability.logRetentionDays } } : {}),
    tags,
  };
  // What this stack serves and every limit on the way (program/capacity/model.ts), from the same
  // settings the components render.
  const capacity = capacityOf(capacityInputs(c, resolvePlan(NAME, app), poolSettings));
  return { cluster, data, app, backups, storage, observability, edge, domainRecord, loadBalancerMonitoring, capacity };
}


/** Replica ceilings the database's max_connections must hold (DifyDatabaseHA sizes pools from them). */
function connectionBudget(c: DifyStackConfig) {
  const plan = resolvePlan(NAME, {
    domain: c.domain,
    services: c.services,
    vpcCidrs: [c.cluster.vpcCidr],
    dataCidrs: [c.cluster.vpcCidr],
    ingressSourceCidrs: [c.cluster.vpcCidr],
  });
  const max = (key: string) => {
    const s = plan.services.find((x) => x.spec.key === key);
    return s ? (s.hpa ? s.hpa.maxReplicas : s.replicas) : 0;
  };
  return {
    apiReplicas: max("api") + max("api-websocket"),
    // gunicorn processes per api pod: the api row's (catalog.ts), which SERVER_WORKER_AMOUNT renders.
    apiWorkersPerPod: rowOf("api").concurrency?.processes ?? 1,
    workerReplicas: max("worker"),
    beatReplicas: max("worker-beat"),
    pluginDaemonReplicas: max("plugin-daemon"),
    // Each running Celery task holds a session: every api-image process's pool + overflow must hold them.
    sessionsPerProcess: CONCURRENCY.workerTasks,
  };
}

/** Every component's plain arguments for one stack. */
export type StackSettings = ReturnType<typeof settingsFor>;

const NODE_FIELD: Record<string, string> = { instanceTypes: "InstanceTypes", minSize: "MinSize", maxSize: "MaxSize", desiredSize: "DesiredSize", capacityType: "CapacityType" };
/** Deletion protection: every stateful component's protect / forceDestroy comes from one key. */
const PROTECT: [RegExp, string] = [/^args\.(protect|forceDestroy)/, "dify:deletionProtection"];
const IMAGES: [RegExp, string][] = [[/^args\.(imageSource|images)\.registry/, "dify:imageRegistry"], [/^args\.(imageSource|images)(\.digests.*)?/, "dify:imageDigests"]];
/** DifyDatabaseHA's arguments and the keys they come from. */
const DATA_ORIGIN: [RegExp, string][] = [
  [/^args\.postgres\.engine/, "dify:dbEngine"], [/^args\.postgres\.instanceClass/, "dify:dbInstanceClass"], [/^args\.postgres\.serverless.*/, "dify:dbCapacityRange"],
  [/^args\.postgres\.allocatedStorageGb/, "dify:dbAllocatedStorage"], [/^args\.postgres\.readerCount/, "dify:dbReaderCount"],
  [/^args\.postgres\.backupRetentionDays/, "dify:dbBackupRetentionDays"], [/^args\.postgres\.deletionProtection/, "dify:deletionProtection"],
  [/^args\.postgres\.logRetentionDays/, "dify:logRetentionDays"], [/^args\.redis\.nodeType/, "dify:redisNodeType"],
  [/^args\.redis\.replicaCount/, "dify:redisReplicaCount"], [/^args\.redis\.snapshotRetentionDays/, "dify:redisSnapshotRetentionDays"],
  [/^args\.databaseName/, "dify:dbName"], [/^args\.pluginDatabaseName/, "dify:pluginDbName"], PROTECT,
  // The replica ceilings the pools are sized for (connectionBudget above): the api's and workers' maxReplicas.
  [/^args\.connectionBudget[\w.]*/, "dify:services (api and worker maxReplicas)"], ...IMAGES,
];

/**
 * Which stack config key a component argument comes from (settingsFor above), so a problem a
 * component finds is reported in the user's words: the key they set, not `args.services["api"]`.
 */
const CONFIG_ORIGIN: Record<string, [RegExp, string | ((m: RegExpExecArray) => string)][]> = {
  DifyCluster: [
    [/^args\.kubernetesVersion/, "dify:kubernetesVersion"], [/^args\.azCount/, "dify:azCount"], [/^args\.vpcCidr/, "dify:vpcCidr"],
    [/^args\.existingVpc\.vpcId/, "dify:existingVpcId"], [/^args\.existingVpc\.privateSubnetIds.*/, "dify:existingPrivateSubnetIds"],
    [/^args\.existingVpc\.publicSubnetIds.*/, "dify:existingPublicSubnetIds"], [/^args\.publicAccessCidrs.*/, "dify:apiPublicAccessCidrs"],
    [/^args\.adminRoleArns.*/, "dify:adminRoleArns"], [/^args\.extraVpcEndpoints.*/, "dify:extraVpcEndpoints"], [/^args\.natGateways/, "dify:natGateways"],
    [/^args\.(system|app|worker)Nodes\.(instanceTypes|minSize|maxSize|desiredSize|capacityType)/, (m) => `dify:${m[1]}Node${NODE_FIELD[m[2]]}`],
    [/^args\.nodeArchitecture/, "dify:nodeArchitecture"], PROTECT,
    [/^args\.dockerHubCredentialArn/, "dify:ecrDockerHubCredentialArn"], [/^args\.githubCredentialArn/, "dify:ecrGithubCredentialArn"], [/^args\.closedNetwork/, "dify:closedNetwork"], ...IMAGES,
  ],
  DifyApp: [
    [/^args\.services\["([^"]+)"\](.*)/, (m) => `dify:services.${m[1]}${m[2]}`], [/^args\.namespace/, "dify:namespace"],
    [/^args\.domain/, "dify:domain"], [/^args\.difyVersion/, "dify:difyVersion"], [/^args\.certificateArn/, "dify:certificateArn"],
    [/^args\.egressAllowedDomains.*/, "dify:egressAllowedDomains"], [/^args\.egressUpstreamProxy/, "dify:egressUpstreamProxy"],
    [/^args\.pipMirrorUrl/, "dify:pipMirrorUrl"], [/^args\.mail\.secret/, "dify:mailSecret"],
    [/^args\.internalLoadBalancer/, "dify:internalLoadBalancer"], [/^args\.marketplaceEnabled/, "dify:marketplaceEnabled"],
    [/^args\.networkTuning/, "dify:networkTuning"], [/^args\.closedNetwork/, "dify:closedNetwork"], [/^args\.vpcCidrs.*/, "dify:vpcCidr"], PROTECT,
    [/^args\.mail\.(type|from)/, (m) => `dify:mail${m[1][0].toUpperCase()}${m[1].slice(1)}`], [/^args\.mail\.(smtp\w+)/, (m) => `dify:${m[1]}`], ...IMAGES,
    // settingsFor sizes the pools with DifyDatabaseHA's own checks while building DifyApp's env.
    ...DATA_ORIGIN,
  ],
  DifyDatabaseHA: DATA_ORIGIN,
  DifyBackups: [
    [/^args\.retentionDays/, "dify:backupRetentionDays"], [/^args\.schedule/, "dify:backupSchedule"],
    [/^args\.verifySchedule/, "dify:restoreVerifySchedule"], [/^args\.(copyRegion|replicaRegion)/, "dify:backupCopyRegion"],
    [/^args\.accessLogRetentionDays/, "dify:logRetentionDays"], [/^args\.dataEventsTrail/, "dify:backupDataEventsTrail"], PROTECT, ...IMAGES,
  ],
  DifyEdge: [
    [/^args\.domain/, "dify:domain"], [/^args\.hostedZone\.zoneId/, "dify:hostedZoneId"], [/^args\.hostedZone\.zoneName/, "dify:hostedZoneName"],
    [/^args\.issueCertificate/, "dify:certificateArn"], [/^args\.waf\.rateLimit/, "dify:wafRateLimit"], [/^args\.waf\.allowedCidrs.*/, "dify:wafAllowedCidrs"], [/^args\.waf\.logRetentionDays/, "dify:logRetentionDays"],
  ],
  DifyStorage: [
    [/^args\.namespace/, "dify:namespace"], [/^args\.noncurrentVersionRetentionDays/, "dify:backupRetentionDays"],
    [/^args\.accessLogRetentionDays/, "dify:logRetentionDays"], PROTECT,
  ],
  DifyDomainRecord: [[/^args\.domain/, "dify:domain"], [/^args\.hostedZone\.zoneId/, "dify:hostedZoneId"], [/^args\.hostedZone\.zoneName/, "dify:hostedZoneName"]],
  DifyLoadBalancerMonitoring: [[/^args\.alarmThresholds(.*)/, (m) => `dify:alarmThresholds${m[1]}`]],
  DifyObservability: [
    [/^args\.region/, "aws:region"], [/^args\.(appNamespace|namespace)/, "dify:namespace"], [/^args\.logRetentionDays/, "dify:logRetentionDays"],
    [/^args\.cloudwatchAddonVersion/, "dify:cloudwatchAddonVersion"], [/^args\.alarmEmails.*/, "dify:alarmEmails"],
    [/^args\.databaseEngine/, "dify:dbEngine"], [/^args\.databaseReaderCount/, "dify:dbReaderCount"], [/^args\.redisNodeCount/, "dify:redisReplicaCount"],
    [/^args\.alarms\b/, "dify:alarms"], [/^args\.containerLogShipper/, "dify:containerInsights"], PROTECT,
    [/^args\.alarmThresholds(.*)/, (m) => `dify:alarmThresholds${m[1]}`], ...IMAGES,
  ],
};

/** The config key an argument of `component` comes from, or undefined. */
export function configKeyOf(component: string, argPath: string): string | undefined {
  for (const [re, key] of CONFIG_ORIGIN[component] ?? []) {
    const m = re.exec(argPath);
    if (m) return typeof key === "string" ? key : key(m);
  }
  return undefined;
}

/** An argument path inside a message: `args.postgres.instanceClass`, `args.services["api"].cpuLimit`. */
const ARG_PATH = /\bargs(?:\.[A-Za-z_]\w*|\["[^"]*"\])+/g;

/**
 * `text` with every component argument it mentions replaced by the config key that argument comes
 * from, so an "allowed" text written for people using the component directly ("or lower the
 * ceilings in args.connectionBudget") reads in the stack's words. Unmapped paths stay as they are
 * (test/config-errors.spec.ts fails on them: add the argument to CONFIG_ORIGIN).
 */
function inConfigWords(component: string, text: string): string {
  return text.replace(ARG_PATH, (arg) => configKeyOf(component, arg) ?? arg);
}

/**
 * " (the dev preset's value)" when `key` is a top-level dify: key the stack file did not set:
 * the value a component refused is one the user never wrote.
 */
function presetNote(c: DifyStackConfig, key: string): string {
  const m = /^dify:(\w+)$/.exec(key);
  if (!m || !c.givenKeys || c.givenKeys.includes(key)) return "";
  const spec = CONFIG_KEYS.find((s) => s.key === m[1]);
  if (!spec) return "";
  return spec.default !== undefined && !isByProfile(spec.default) ? " (the default)" : ` (the ${c.profile} preset's value)`;
}

/**
 * Runs `validate` (a component's own argument checks) and turns what it refuses into stack
 * config problems: each names the config key the argument comes from (or, for a value the
 * program derives, the component argument), what was given and what is allowed.
 */
function asConfigProblems(c: DifyStackConfig, component: string, validate: () => void, problems: string[]): void {
  try {
    validate();
  } catch (e) {
    if (e instanceof ArgumentError) {
      for (const p of e.problems) {
        const key = configKeyOf(component, p.path);
        problems.push(key
          ? `${key}: got ${show(p.got)}${presetNote(c, key)}, allowed ${inConfigWords(component, p.allowed)}`
          : `${formatProblem(p).replace(/^args\./, `${component} argument `)} (derived from the stack config by program/settings.ts)`);
      }
    } else if (e instanceof Error) {
      // A component not on the shared collector yet: its message names the argument.
      const keys = [...new Set([...e.message.matchAll(ARG_PATH)].map((m) => configKeyOf(component, m[0])).filter((k): k is string => !!k))];
      problems.push(`${keys.length ? keys.join(", ") : `${component} arguments derived from the stack config`}: ${inConfigWords(component, e.message)}`);
    } else {
      throw e;
    }
  }
}

/**
 * Every component's plain arguments for `stack`, each validated by its component's own checks
 * before the first resource is registered. Throws a ConfigError (every problem, each naming the
 * config key) when a component refuses what the config produced.
 */
export function stackSettings(c: DifyStackConfig, stack: string): StackSettings {
  const problems: string[] = [];
  let s: StackSettings | undefined;
  asConfigProblems(c, "DifyApp", () => { s = settingsFor(c, stack); }, problems);
  if (!s) throw new ConfigError(problems);
  const settings = s;
  asConfigProblems(c, "DifyCluster", () => resolveClusterArgs(NAME, settings.cluster), problems);
  asConfigProblems(c, "DifyDatabaseHA", () => poolSettingsFor(NAME, settings.data), problems);
  asConfigProblems(c, "DifyApp", () => resolvePlan(NAME, settings.app), problems);
  asConfigProblems(c, "DifyBackups", () => validateBackupsArgs(NAME, settings.backups), problems);
  // DifyCluster's OIDC provider exists only after deploy: a stand-in (its check only wants one).
  asConfigProblems(c, "DifyStorage", () => validateStorageArgs(NAME, { ...settings.storage, oidcProvider: { arn: pulumi.output(""), issuer: pulumi.output("") } }), problems);
  if (c.observability.enabled) asConfigProblems(c, "DifyObservability", () => resolveObservability(NAME, settings.observability), problems);
  asConfigProblems(c, "DifyEdge", () => validateEdgeArgs(NAME, settings.edge), problems);
  // DifyApp's host name exists only after deploy: an Output stands in for it (its check only
  // refuses a missing or literal empty one).
  const domainRecord = settings.domainRecord;
  if (domainRecord) asConfigProblems(c, "DifyDomainRecord", () => validateDomainRecordArgs(NAME, { ...domainRecord, loadBalancerHostname: pulumi.output("") }), problems);
  if (c.observability.enabled) asConfigProblems(c, "DifyLoadBalancerMonitoring", () => validateLoadBalancerMonitoringSettings(NAME, settings.loadBalancerMonitoring), problems);
  // Config whose autoscaling ceiling breaks a limit on the way (database connections, Redis
  // clients, node group maximum) is refused like any invalid key, naming the keys to change.
  for (const l of settings.capacity.limits.filter((x) => !x.ok)) {
    problems.push(`${l.keys.join(", ")}: at the autoscaling ceiling the stack needs ${l.demand} ${l.limit}, the limit is ${l.capacity} (${l.basis}); lower the replica ceilings or raise the limit`);
  }
  if (problems.length) throw new ConfigError([...new Set(problems)]);
  return settings;
}
