/**
 * Dify on AWS from another Pulumi project: the `dify-aws` components composed by hand, the
 * way a platform team would wire them into its own stack. `pulumi config set domain dify.example.com`
 * and `pulumi config set --path 'apiAccessCidrs[0]' 203.0.113.0/24`, then `pulumi up`. With
 * `hostedZoneId` and `hostedZoneName` (a Route 53 public zone holding the domain) the site gets a
 * certificate and its DNS record too.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
  DifyApp,
  DifyBackups,
  DifyCluster,
  DifyDatabaseHA,
  DifyDomainRecord,
  DifyEdge,
  DifyLoadBalancerMonitoring,
  DifyObservability,
  DifyStorage,
  COLLECTOR_LABELS,
  otlpHttpEndpoint,
  postgresConnectionOf,
  redisConnectionOf,
} from "dify-aws";

const config = new pulumi.Config();
/** Public host name of Dify (point its DNS at the load balancer after the first deploy). */
const domain = config.require("domain");
/** Who may reach the EKS API (your office / VPN egress), never 0.0.0.0/0 in production. */
const apiAccessCidrs = config.requireObject<string[]>("apiAccessCidrs");
/** false for a throw-away environment: 2 zones, no `protect`, buckets emptied on destroy. */
const production = config.getBoolean("production") ?? true;
const azCount = production ? 3 : 2;
const vpcCidr = "10.40.0.0/16";
const namespace = "dify";
/** Optional Route 53 public hosted zone of the domain: an issued certificate and the alias record. */
const hostedZoneId = config.get("hostedZoneId");
const hostedZoneName = config.get("hostedZoneName");
/** The ALB's name, fixed so the domain record can find it once the controller has created it. */
const loadBalancerName = `dify-${pulumi.getStack()}`.slice(0, 32);
/** The stack's AWS region (`pulumi config set aws:region us-east-1`): where the buckets live. */
const region = new pulumi.Config("aws").require("region");

// 1. Network and Kubernetes: VPC across the zones, EKS, node groups, add-ons, IRSA.
const cluster = new DifyCluster("dify", { production, azCount, vpcCidr, publicAccessCidrs: apiAccessCidrs });
const kubernetes = new k8s.Provider("dify-k8s", { kubeconfig: cluster.kubeconfig, enableServerSideApply: true });
const oidcProvider = { arn: cluster.oidcProviderArn, issuer: cluster.oidcIssuer };

// 2. Data: Aurora PostgreSQL (pgvector) + ElastiCache Redis in the same VPC, reachable only from
// the nodes. It needs only the VPC, so Pulumi creates it in parallel with EKS. The Kubernetes
// provider runs the Job that creates Dify's databases and least-privilege role.
const data = new DifyDatabaseHA("dify", {
  protect: production,
  vpcId: cluster.vpcId,
  subnetIds: cluster.privateSubnetIds,
  allowedSecurityGroupIds: [cluster.nodeSecurityGroupId],
}, { providers: { kubernetes } });

// 3. Files: private, versioned, KMS-encrypted buckets; one IRSA role for the api, worker and beat,
// and one for the plugin daemon (its plugins inherit its credentials).
const storage = new DifyStorage("dify", { namespace, oidcProvider, protect: production, forceDestroy: !production });

// 4. Observability, before DifyApp: its pods send traces and metrics to this collector and its
// ALB writes access logs to this bucket. Logs to CloudWatch; alarms on the data stores and nodes.
const observabilityNamespace = `${namespace}-observability`;
const obs = new DifyObservability("dify", {
  clusterName: cluster.clusterName,
  oidcProvider,
  region,
  // The Aurora cluster (or, with postgres.engine "rds-instance", the DB instance: then pass
  // databaseEngine "rds-instance" too, so the dashboard and alarms read DBInstanceIdentifier).
  databaseIdentifier: data.databaseIdentifier,
  redisReplicationGroupId: data.replicationGroupId,
  appNamespace: namespace,
  namespace: observabilityNamespace,
  alarms: production,
  protect: production,
  forceDestroy: !production,
}, { providers: { kubernetes }, dependsOn: [cluster] });

// 5. In front of the load balancer, before it exists: the WAF, and with the hosted zone a
// validated certificate. DifyApp's Ingress attaches both.
const hostedZone = hostedZoneId && hostedZoneName ? { zoneId: hostedZoneId, zoneName: hostedZoneName } : undefined;
const edge = new DifyEdge("dify", {
  domain,
  loadBalancerName,
  ...(hostedZone ? { hostedZone } : {}),
  waf: { rateLimit: 3000 },
});

// 6. Dify itself, wired to the handles the other components export.
const database = postgresConnectionOf(data);
const app = new DifyApp("dify", {
  namespace,
  domain,
  database,
  redis: redisConnectionOf(data),
  storage: {
    bucketName: storage.bucketName,
    pluginBucketName: storage.pluginBucketName,
    region,
    roleArn: storage.roleArn,
    pluginRoleArn: storage.pluginRoleArn,
  },
  vpcCidrs: [vpcCidr],
  dataCidrs: [vpcCidr],
  ingressSourceCidrs: ["0.0.0.0/0"],
  loadBalancerName,
  webAclArn: edge.webAclArn,
  ...(hostedZone ? { certificateArn: edge.certificateArn } : {}),
  observability: {
    otlpEndpoint: otlpHttpEndpoint(observabilityNamespace),
    collectorNamespace: observabilityNamespace,
    collectorPodLabels: COLLECTOR_LABELS,
    accessLogBucket: obs.accessLogBucketName,
  },
  // DifyCluster's node groups carry the node roles: serving pods on on-demand nodes, workers on spot.
  nodePlacement: true,
}, { provider: kubernetes, dependsOn: [cluster, data] });

// 7. After DifyApp, from its load balancer: both take DifyApp's loadBalancerHostname, which
// resolves once the controller has created the ALB, so their lookup of it cannot run early.
const loadBalancer = { loadBalancerName, loadBalancerHostname: app.loadBalancerHostname };
if (hostedZone) new DifyDomainRecord("dify", { domain, hostedZone, ...loadBalancer });
const monitoring = new DifyLoadBalancerMonitoring("dify", {
  ...loadBalancer,
  observability: obs.monitoring, // the dashboard's cluster, database and Redis identifiers
  alarmActions: production ? [obs.alarmTopicArn.apply((a) => a ?? "")] : undefined,
});

// 8. Backups: AWS Backup plans, logical dumps to S3 and a scheduled restore test.
const backups = new DifyBackups("dify", {
  database,
  restoreLogin: data.masterLogin,
  databaseArn: data.databaseArn,
  oidcProvider,
  databaseCidrs: [vpcCidr],
  protect: production,
  forceDestroy: !production,
}, { providers: { kubernetes }, dependsOn: [cluster, data] });

export const url = app.url;
export const kubeconfig = cluster.kubeconfig; // secret
export const difyVersion = app.difyVersion;
export const backupBucket = backups.bucketName;
export const dashboardName = monitoring.dashboardName;
