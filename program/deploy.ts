/**
 * Deploy: the settings in (settings.ts, computed and validated once), the components out. The
 * cluster and the data services depend only on the VPC, so a first deploy creates EKS and
 * Aurora/ElastiCache in parallel. A function (not top-level code) so the offline plan and the
 * tests can run it afresh for any stack; index.ts calls it for the real `pulumi up`.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as aws from "@pulumi/aws";
import { bedrockInvokePolicy } from "../components/aws/bedrock";
import { DifyApp, MailType, SmtpTls } from "../components/app";
import { DifyBackups } from "../components/backups";
import { DifyCluster } from "../components/cluster";
import { DifyDatabaseHA, postgresConnectionOf, redisConnectionOf } from "../components/data";
import { DifyStorage } from "../components/storage";
import { DifyLoadBalancerMonitoring, DifyObservability } from "../components/observability";
import { DifyDomainRecord, DifyEdge } from "../components/edge";
import { COLLECTOR_LABELS, otlpHttpEndpoint } from "../components/observability/collector";
import { DifyStackConfig } from "./config";
import { DifyStackOutputs, stackOutputs } from "./outputs";
import { NAME, stackSettings } from "./settings";

/** Deploys Dify for one stack. Throws (before registering anything) when a component refuses its arguments. */
export function deployDify(c: DifyStackConfig): DifyStackOutputs {
  const stack = pulumi.getStack();
  const s = stackSettings(c, stack);

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
    subnetIds: cluster.privateSubnetIds,
    allowedSecurityGroupIds: [cluster.nodeSecurityGroupId],
  }, { providers: { kubernetes } });

  // Bedrock models for the plugin daemon's role (and so for every plugin it runs): components/aws/bedrock.ts.
  const pluginDaemonPolicy = c.bedrockModels.length > 0
    ? pulumi.all([aws.getCallerIdentityOutput().accountId, aws.getPartitionOutput().partition])
      .apply(([accountId, partition]) => bedrockInvokePolicy(c.bedrockModels, { partition, region: c.region, accountId }))
    : undefined;
  const storage = new DifyStorage(NAME, { ...s.storage, oidcProvider, pluginDaemonPolicy });

  const database = postgresConnectionOf(data);
  // Before DifyApp: its ALB needs the access-log bucket (and its pods the collector), and
  // DifyBackups, whose dump precedes DifyApp's migration, the log group and alarm topic.
  const obs = c.observability.enabled ? new DifyObservability(NAME, {
    ...s.observability,
    clusterName: cluster.clusterName,
    oidcProvider,
    databaseIdentifier: data.databaseIdentifier,
    redisReplicationGroupId: data.replicationGroupId,
  }, { providers: { kubernetes }, dependsOn: [cluster] }) : undefined;

  // The certificate (validated) and the web ACL exist before the Ingress asks the controller for them.
  const edge = new DifyEdge(NAME, s.edge);

  const alarmsOn = obs !== undefined && c.observability.alarms;
  const backups = new DifyBackups(NAME, {
    ...s.backups,
    // Failed/missing backup and restore-verification alarms read the shipped container logs.
    logGroupName: alarmsOn ? obs.applicationLogGroupName : undefined,
    alarmActions: alarmsOn ? [obs.alarmTopicArn.apply((a) => a ?? "")] : undefined,
    database,
    restoreLogin: data.restoreLogin,
    databaseArn: data.databaseArn,
    oidcProvider,
    // A dump of both databases before each version's migration Job, which waits for it (below).
    preMigrationTag: s.app.difyVersion,
  }, { providers: { kubernetes }, dependsOn: [cluster, data] });

  const app = new DifyApp(NAME, {
    ...s.app,
    migrationDependsOn: backups.preMigrationBackup ? [backups.preMigrationBackup] : [],
    // DifyCluster's KEDA operator may read CloudWatch: the api scales on its ALB requests too,
    // whether or not observability is on (AWS publishes ALB metrics itself; requestScaling.ts).
    requestAutoscaling: { clusterName: cluster.clusterName },
    observability: obs ? {
      otlpEndpoint: otlpHttpEndpoint(s.observability.namespace!),
      collectorNamespace: s.observability.namespace!,
      collectorPodLabels: COLLECTOR_LABELS,
      accessLogBucket: obs.accessLogBucketName,
    } : undefined,
    certificateArn: c.certificateArn ?? (c.hostedZone ? edge.certificateArn : undefined),
    ...(c.waf ? { webAclArn: edge.webAclArn } : {}),
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
      pluginRoleArn: storage.pluginRoleArn,
    },
  }, { provider: kubernetes, dependsOn: [cluster, data] });

  // After DifyApp, from its load balancer: the lookups wait for loadBalancerHostname, which
  // resolves once the controller has created the ALB.
  const loadBalancer = { loadBalancerName: s.loadBalancerMonitoring.loadBalancerName, loadBalancerHostname: app.loadBalancerHostname };
  const domainRecord = s.domainRecord ? new DifyDomainRecord(NAME, { ...s.domainRecord, ...loadBalancer }) : undefined;
  const monitoring = obs ? new DifyLoadBalancerMonitoring(NAME, {
    ...s.loadBalancerMonitoring,
    ...loadBalancer,
    observability: obs.monitoring,
    alarmActions: alarmsOn ? [obs.alarmTopicArn.apply((a) => a ?? "")] : undefined,
  }) : undefined;

  return stackOutputs({ cluster, data, storage, app, backups, observability: obs, monitoring, edge, domainRecord });
}
