/**
 * The program: validated stack config in, the whole Dify install out. A function (not top-level
 * code) so the offline plan and the tests can run it afresh for any stack; index.ts calls it for
 * the real `pulumi up`.
 *
 * Order of work: first every component's arguments are derived from config and validated (so a
 * bad value never half-creates a stack), then the components are constructed. The cluster and the
 * data services depend only on the VPC, so a first deploy creates EKS and Aurora/ElastiCache in
 * parallel.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { DifyApp, DifyAppArgs, MailType, SmtpTls } from "./components/app";
import { resolvePlan } from "./components/app/validate";
import { DifyBackups, DifyBackupsArgs } from "./components/backups";
import { validateBackupsArgs } from "./components/backups/args";
import { DifyCluster, DifyClusterArgs, NodeArchitecture } from "./components/cluster";
import { resolveClusterArgs } from "./components/cluster/args";
import { subnetLayout } from "./components/cluster/cidr";
import { DifyStackConfig, NodeGroupConfig, Profile } from "./components/config";
import { DifyDatabaseHA, poolEnv, poolSettingsFor, postgresConnectionOf, redisConnectionOf } from "./components/data";
import { DifyDatabaseHAArgs } from "./components/data/args";
import { DifyStorage } from "./components/storage";
import { DifyObservability, DifyObservabilityArgs, resolveObservability } from "./components/observability";
import { COLLECTOR_LABELS, otlpHttpEndpoint } from "./components/observability/collector";
import { backupMetricNamespace } from "./components/backups/monitoring";

/** The component name every child's name derives from (e.g. Deployment `dify-api`). */
const NAME = "dify";

/** Stack outputs (a secret kubeconfig, never a Provider). */
export interface DifyStackOutputs {
  /** Public URL of Dify (open it, sign up the first admin). */
  url: pulumi.Output<string>;
  /** Kubeconfig for the cluster (secret). */
  kubeconfig: pulumi.Output<string>;
  clusterName: pulumi.Output<string>;
  /** Namespace of the Dify services. */
  namespace: pulumi.Output<string>;
  difyVersion: pulumi.Output<string>;
  serviceNames: pulumi.Output<Record<string, string>>;
  migrationJobName: pulumi.Output<string>;
  vpcId: pulumi.Output<string>;
  databaseEndpoint: pulumi.Output<string>;
  databaseReaderEndpoint: pulumi.Output<string>;
  redisEndpoint: pulumi.Output<string>;
  uploadsBucket: pulumi.Output<string>;
  pluginBucket: pulumi.Output<string>;
  backupBucket: pulumi.Output<string>;
  backupVaultArn: pulumi.Output<string>;
  backupNamespace: pulumi.Output<string>;
  /** DNS name of the load balancer: point dify:domain at it (CNAME or alias). */
  loadBalancerHostname: pulumi.Output<string>;
  /** CloudWatch dashboard of the stack ("" with dify:observability false). */
  dashboardName: pulumi.Output<string>;
  /** SNS topic the alarms notify ("" when alarms are off). */
  alarmTopicArn: pulumi.Output<string>;
}

/** Placeholder handles: resolvePlan/validateBackupsArgs check plain settings, never connection values. */
const PENDING = "pending";

/** `length` Inputs, one per element of an array Output (components take arrays of Inputs). */
function spread(o: pulumi.Output<string[]>, length: number): pulumi.Output<string>[] {
  return Array.from({ length }, (_, i) => o.apply((a) => a[i]));
}

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

/** Deploys Dify for one stack. Throws (before registering anything) when a component refuses its arguments. */
export function deployDify(c: DifyStackConfig): DifyStackOutputs {
  const stack = pulumi.getStack();
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

  const cluster = new DifyCluster(NAME, s.cluster);
  const oidcProvider = { arn: cluster.oidcProviderArn, issuer: cluster.oidcIssuer };
  const kubernetes = new k8s.Provider(`${NAME}-k8s`, {
    kubeconfig: cluster.kubeconfig,
    // Server-side apply: field ownership, so controllers (HPA, LB controller) and Pulumi do not fight.
    enableServerSideApply: true,
  }, {
    // Every Kubernetes object waits for the nodes, add-ons and controllers (and is deleted before
    // them), including the database bootstrap Job, whose 15-minute await would otherwise start
    // while the node groups are still joining. Only Kubernetes objects use this provider, so the
    // data stores themselves still start in parallel with EKS.
    dependsOn: [cluster],
  });

  // Only the VPC: no dependency on the EKS cluster (its ingress rules reference the node
  // security group, which the network stage creates), so both are created in parallel.
  const data = new DifyDatabaseHA(NAME, {
    ...s.data,
    vpcId: cluster.vpcId,
    subnetIds: spread(cluster.privateSubnetIds, c.cluster.azCount),
    allowedSecurityGroupIds: [cluster.nodeSecurityGroupId],
  }, { providers: { kubernetes } });

  const storage = new DifyStorage(NAME, { ...s.storage, oidcProvider });

  const database = postgresConnectionOf(data);
  // Observability first: DifyApp's ALB needs the access-log bucket. Its ALB lookup waits for the
  // Ingress through `loadBalancerReady`, resolved below once DifyApp exists.
  let ingressReady: (hostname: pulumi.Output<string>) => void = () => undefined;
  const obs = c.observability.enabled ? new DifyObservability(NAME, {
    ...s.observability,
    clusterName: cluster.clusterName,
    oidcProvider,
    databaseClusterIdentifier: data.clusterIdentifier,
    redisReplicationGroupId: data.replicationGroupId,
    redis: redisConnectionOf(data),
    loadBalancerReady: pulumi.output(new Promise<pulumi.Output<string>>((resolve) => { ingressReady = resolve; })),
  }, { providers: { kubernetes }, dependsOn: [cluster] }) : undefined;

  const app = new DifyApp(NAME, {
    ...s.app,
    observability: obs ? {
      otlpEndpoint: otlpHttpEndpoint(s.observability.namespace!),
      collectorNamespace: s.observability.namespace!,
      collectorPodLabels: COLLECTOR_LABELS,
      accessLogBucket: obs.accessLogBucketName,
    } : undefined,
    certificateArn: c.certificateArn,
    mail: c.mail && {
      type: c.mail.type as MailType,
      from: c.mail.from,
      smtpServer: c.mail.smtpServer,
      smtpPort: c.mail.smtpPort,
      smtpUsername: c.mail.smtpUsername,
      smtpTls: c.mail.smtpTls as SmtpTls,
      // A credential from stack config (pulumi config set --secret): secret from here on.
      secret: pulumi.secret(c.mail.secret),
    },
    database,
    redis: redisConnectionOf(data),
    storage: {
      bucketName: storage.bucketName,
      pluginBucketName: storage.pluginBucketName,
      region: c.region,
      roleArn: storage.roleArn,
    },
  }, { provider: kubernetes, dependsOn: [cluster, data] });
  ingressReady(app.loadBalancerHostname);

  const alarmsOn = obs !== undefined && c.observability.alarms;
  const backups = new DifyBackups(NAME, {
    ...s.backups,
    // Failed/missing backup and restore-verification alarms read the shipped container logs.
    logGroupName: alarmsOn ? obs.applicationLogGroupName : undefined,
    alarmActions: alarmsOn ? [obs.alarmTopicArn.apply((a) => a ?? "")] : undefined,
    database,
    restoreLogin: data.masterLogin,
    auroraClusterArn: data.clusterArn,
    oidcProvider,
  }, { providers: { kubernetes }, dependsOn: [cluster, data] });

  return {
    url: app.url,
    kubeconfig: cluster.kubeconfig,
    clusterName: cluster.clusterName,
    namespace: app.namespace,
    difyVersion: app.difyVersion,
    serviceNames: app.serviceNames,
    migrationJobName: app.migrationJobName,
    vpcId: cluster.vpcId,
    databaseEndpoint: data.endpoints.postgresHost,
    databaseReaderEndpoint: data.endpoints.postgresReaderHost,
    redisEndpoint: data.endpoints.redisHost,
    uploadsBucket: storage.bucketName,
    pluginBucket: storage.pluginBucketName,
    backupBucket: backups.bucketName,
    backupVaultArn: backups.vaultArn,
    backupNamespace: backups.namespace,
    loadBalancerHostname: app.loadBalancerHostname,
    dashboardName: obs ? obs.dashboardName : pulumi.output(""),
    alarmTopicArn: obs ? obs.alarmTopicArn.apply((a) => a ?? "") : pulumi.output(""),
  };
}
