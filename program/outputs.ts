/**
 * The stack outputs: one source. deployDify returns them and index.ts exports exactly this object,
 * so `pulumi stack output` always shows what the program computed.
 */
import * as pulumi from "@pulumi/pulumi";
import { DifyApp } from "../components/app";
import { DifyBackups } from "../components/backups";
import { DifyCluster } from "../components/cluster";
import { DifyDatabaseHA } from "../components/data";
import { DifyLoadBalancerMonitoring, DifyObservability } from "../components/observability";
import { DifyDomainRecord, DifyEdge } from "../components/edge";
import { DifyStorage } from "../components/storage";

/** Stack outputs (a secret kubeconfig, never a Provider). */
export interface DifyStackOutputs {
  /** Public URL of Dify (open it, enter initPassword, create the first admin). */
  url: pulumi.Output<string>;
  /** Dify's first-install password (secret): `pulumi stack output initPassword --show-secrets`. */
  initPassword: pulumi.Output<string>;
  /** Kubeconfig for the cluster (secret): `pulumi stack output kubeconfig --show-secrets > kubeconfig`. */
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
  /** DNS name of the load balancer (with dify:hostedZoneId the domain already points at it; otherwise point it there: CNAME or alias). */
  loadBalancerHostname: pulumi.Output<string>;
  /** WAF web ACL on the load balancer ("" without WAF). */
  webAclArn: pulumi.Output<string>;
  /** CloudWatch log group of the requests the WAF blocked or counted ("" without WAF). */
  wafLogGroup: pulumi.Output<string>;
  /** CloudWatch dashboard of the stack ("" with dify:observability false). */
  dashboardName: pulumi.Output<string>;
  /** SNS topic the alarms notify ("" when alarms are off). */
  alarmTopicArn: pulumi.Output<string>;
}

/** The components one stack deploys (observability is optional: dify:observability). */
export interface DeployedComponents {
  cluster: DifyCluster;
  data: DifyDatabaseHA;
  storage: DifyStorage;
  app: DifyApp;
  backups: DifyBackups;
  observability?: DifyObservability;
  /** The dashboard and the ALB alarms (with observability), built after DifyApp. */
  monitoring?: DifyLoadBalancerMonitoring;
  edge: DifyEdge;
  /** The domain's alias record (with a hosted zone), built after DifyApp. */
  domainRecord?: DifyDomainRecord;
}

/** The stack outputs of a deployed stack. */
export function stackOutputs(d: DeployedComponents): DifyStackOutputs {
  const { cluster, data, storage, app, backups } = d;
  const obs = d.observability;
  return {
    url: app.url,
    initPassword: app.initPassword,
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
    webAclArn: d.edge.webAclArn,
    wafLogGroup: d.edge.wafLogGroupName,
    dashboardName: d.monitoring ? d.monitoring.dashboardName : pulumi.output(""),
    alarmTopicArn: obs ? obs.alarmTopicArn.apply((a) => a ?? "") : pulumi.output(""),
  };
}
