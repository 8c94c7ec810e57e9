/**
 * Settings: the validated stack config in, every component's plain arguments out. Pure and
 * computed once: nothing is registered here, and every component's arguments are validated
 * before deploy.ts constructs the first resource (so a bad value never half-creates a stack).
 * What only exists once resources do (VPC and subnet ids, connection handles, the OIDC provider)
 * is wired in deploy.ts.
 */
import { DifyAppArgs } from "../components/app";
import { resolvePlan } from "../components/app/validate";
import { DifyBackupsArgs } from "../components/backups";
import { validateBackupsArgs } from "../components/backups/args";
import { DifyClusterArgs, NodeArchitecture } from "../components/cluster";
import { resolveClusterArgs } from "../components/cluster/args";
import { subnetLayout } from "../components/cluster/cidr";
import { backupMetricNamespace } from "../components/contracts";
import { poolEnv, poolSettingsFor } from "../components/data";
import { DifyDatabaseHAArgs } from "../components/data/args";
import { DifyObservabilityArgs, resolveObservability } from "../components/observability";
import { DifyStackConfig, NodeGroupConfig, Profile } from "./config";

/** The component name every child's name derives from (e.g. Deployment `dify-api`). */
export const NAME = "dify";

/** Placeholder handles: resolvePlan/validateBackupsArgs check plain settings, never connection values. */
const PENDING = "pending";

function nodeGroup(g: NodeGroupConfig, diskSizeGiB: number) {
  return { instanceTypes: g.instanceTypes, minSize: g.minSize, maxSize: g.maxSize, desiredSize: g.desiredSize, diskSizeGiB };
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
    natGatewayPerAz: prod,
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
    // With observability on, the collector exports traces to X-Ray and the CloudWatch agent
    // publishes metrics: both need their endpoints when there is no internet route.
    ...(closed ? { closedNetwork: true, internetGateway: !c.internalLoadBalancer, extraVpcEndpoints: [...new Set([...c.network.extraVpcEndpoints, ...(c.observability.enabled ? ["xray", "monitoring"] : [])])] } : {}),
    ...(imageSource ? { imageSource } : {}),
    ...(c.images.ecrPullThroughCache ? { ecrPullThroughCache: true, dockerHubCredentialArn: c.images.dockerHubCredentialArn } : {}),
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
      instanceClass: c.database.instanceClass,
      readerCount: c.database.readerCount,
      backupRetentionDays: c.database.backupRetentionDays,
      deletionProtection: c.deletionProtection,
      performanceInsights: prod,
      enhancedMonitoringInterval: prod ? 60 : 0,
      cloudwatchLogs: true,
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
  const pool = poolEnv(poolSettingsFor(NAME, { vpcId: PENDING, subnetIds: [PENDING, PENDING], allowedCidrBlocks: privateCidrs, ...data }));
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
  };

  const backups: Omit<DifyBackupsArgs, "database" | "restoreLogin" | "auroraClusterArn" | "oidcProvider"> = {
    retentionDays: c.backups.retentionDays,
    schedule: c.backups.schedule,
    verifySchedule: c.backups.restoreVerifySchedule,
    copyRegion: c.backups.copyRegion,
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
    protect: c.deletionProtection,
    forceDestroy: !c.deletionProtection,
    tags,
  };
  // The ALB gets an explicit name so the dashboard and alarms can find it (at most 32 characters).
  const loadBalancerName = `${NAME}-${stack}`.slice(0, 32).replace(/-+$/, "");
  app.loadBalancerName = loadBalancerName;
  const namespace = c.namespace;
  const observability: Omit<DifyObservabilityArgs, "clusterName" | "oidcProvider" | "databaseClusterIdentifier" | "redisReplicationGroupId" | "redis" | "loadBalancerReady"> = {
    region: c.region,
    loadBalancerName,
    databaseReaderCount: c.database.readerCount,
    redisNodeCount: 1 + c.redis.replicaCount,
    appNamespace: namespace,
    namespace: `${namespace}-observability`,
    logRetentionDays: c.observability.logRetentionDays,
    cloudwatchAddonVersion: c.observability.cloudwatchAddonVersion,
    images: imageSource,
    collectorReplicas: prod ? 2 : 1,
    dataCidrs: privateCidrs,
    backupMetricNamespace: backupMetricNamespace(NAME),
    alarms: c.observability.alarms,
    alarmEmails: c.observability.alarmEmails,
    alarmThresholds: c.observability.alarmThresholds,
    protect: c.deletionProtection,
    forceDestroy: !c.deletionProtection,
    tags,
  };
  return { cluster, data, app, backups, storage, observability };
}


/** Replica ceilings the database's max_connections must hold (DifyDatabaseHA sizes pools from them). */
function connectionBudget(c: DifyStackConfig) {
  const plan = resolvePlan(NAME, placeholderApp(c));
  const max = (key: string) => {
    const s = plan.services.find((x) => x.spec.key === key);
    return s ? (s.hpa ? s.hpa.maxReplicas : s.replicas) : 0;
  };
  return {
    apiReplicas: max("api") + max("api-websocket"),
    workerReplicas: max("worker"),
    beatReplicas: max("worker-beat"),
    pluginDaemonReplicas: max("plugin-daemon"),
  };
}

function placeholderApp(c: DifyStackConfig): DifyAppArgs {
  return {
    namespace: c.namespace,
    difyVersion: c.difyVersion,
    domain: c.domain,
    services: c.services,
    vpcCidrs: [c.cluster.vpcCidr],
    dataCidrs: [c.cluster.vpcCidr],
    ingressSourceCidrs: [c.cluster.vpcCidr],
    database: { host: PENDING, readerHost: PENDING, port: 5432, database: PENDING, pluginDatabase: PENDING, username: PENDING, password: PENDING, sslMode: PENDING },
    redis: { host: PENDING, port: 6379, password: PENDING, useTls: true },
    storage: { bucketName: PENDING, pluginBucketName: PENDING, region: PENDING, roleArn: PENDING },
  };
}

/** Every component's plain arguments for one stack. */
export type StackSettings = ReturnType<typeof settingsFor>;

/**
 * Every component's plain arguments for `stack`, each validated by its component's own checks.
 * Throws (before anything is registered) when a component refuses its arguments.
 */
export function stackSettings(c: DifyStackConfig, stack: string): StackSettings {
  const s = settingsFor(c, stack);
  // Validate every component's arguments before the first resource is registered.
  resolveClusterArgs(NAME, s.cluster);
  resolvePlan(NAME, { ...placeholderApp(c), ...s.app });
  validateBackupsArgs(NAME, {
    ...s.backups,
    database: placeholderApp(c).database,
    auroraClusterArn: PENDING,
    oidcProvider: { arn: PENDING, issuer: PENDING },
  });
  if (c.observability.enabled) {
    resolveObservability(NAME, { ...s.observability, clusterName: PENDING, oidcProvider: { arn: PENDING, issuer: PENDING }, databaseClusterIdentifier: PENDING, redisReplicationGroupId: PENDING });
  }
  return s;
}
