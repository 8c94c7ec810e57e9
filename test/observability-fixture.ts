/** Shared fixture for the DifyObservability specs: prod-like args and mocked runs. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DifyApp } from "../components/app/dify-app";
import { DIFY_CLUSTER_KEDA_METRICS, backupMetricNamespace } from "../components/contracts";
import { DifyObservability } from "../components/observability/observability";
import { DifyLoadBalancerMonitoring } from "../components/observability/loadBalancerMonitoring";
import { DifyObservabilityArgs } from "../components/observability/args";
import { COLLECTOR_LABELS } from "../components/observability/collector";
import { prodArgs } from "./app-fixture";
import { runUnderMocks } from "../program/plan/monitor";

export const CLUSTER = "dify-prod";
export const DB_CLUSTER = "dify-prod-aurora";
export const REDIS_GROUP = "dify-prod-redis";

export function obsArgs(over: Partial<DifyObservabilityArgs> = {}): DifyObservabilityArgs {
  return {
    clusterName: CLUSTER,
    oidcProvider: { arn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC", issuer: "oidc.eks.us-east-1.amazonaws.com/id/ABC" },
    region: "us-east-1",
    databaseClusterIdentifier: DB_CLUSTER,
    databaseReaderCount: 1,
    redisReplicationGroupId: REDIS_GROUP,
    redisNodeCount: 2,
    kedaMetrics: DIFY_CLUSTER_KEDA_METRICS,
    backupMetricNamespace: backupMetricNamespace("dify"),
    alarmEmails: ["oncall@example.com"],
    protect: true,
    tags: { "dify-aws:stack": "prod" },
    ...over,
  };
}

/** The ALB's host name as DifyApp's Ingress reports it (the mocked ALB "dify-prod"'s DNS name). */
export const LB_HOSTNAME = "dify-prod-123456789.us-east-1.elb.amazonaws.com";

/**
 * DifyObservability "dify" and, as the program wires them, DifyLoadBalancerMonitoring "dify" from
 * its `monitoring` and the ALB (value: the DifyObservability; `monitoring`: the other).
 */
export async function runObservability(over: Partial<DifyObservabilityArgs> = {}) {
  let monitoring: DifyLoadBalancerMonitoring | undefined;
  const run = await runUnderMocks(() => {
    const kubernetes = new k8s.Provider("k8s", { kubeconfig: "{}" });
    const obs = new DifyObservability("dify", obsArgs(over), { providers: { kubernetes } });
    monitoring = new DifyLoadBalancerMonitoring("dify", {
      observability: obs.monitoring, loadBalancerName: "dify-prod", loadBalancerHostname: pulumi.output(LB_HOSTNAME),
      alarmActions: over.alarms === false ? undefined : [obs.alarmTopicArn.apply((a) => a ?? "")], alarmThresholds: over.alarmThresholds,
    });
    return obs;
  }, { stack: "prod", region: "us-east-1" });
  return { ...run, monitoring: monitoring! };
}

/** DifyApp wired to DifyObservability, as the program does it. */
export async function runAppWithObservability() {
  return runUnderMocks(() => {
    const kubernetes = new k8s.Provider("k8s", { kubeconfig: "{}" });
    const obs = new DifyObservability("dify", obsArgs(), { providers: { kubernetes } });
    const app = new DifyApp("dify", prodArgs({
      loadBalancerName: "dify-prod",
      observability: { otlpEndpoint: "http://dify-otel-collector.dify-observability.svc.cluster.local:4318", collectorNamespace: "dify-observability", collectorPodLabels: COLLECTOR_LABELS, accessLogBucket: obs.accessLogBucketName },
    }), { provider: kubernetes });
    return { obs, app };
  }, { stack: "prod", region: "us-east-1" });
}
