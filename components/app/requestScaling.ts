/**
 * The api scaled on the requests it actually serves: a KEDA `aws-cloudwatch` trigger on the ALB's
 * `RequestCount` for the api's target group, next to CPU and memory (scaledObject.ts). Streamed
 * answers hold a greenlet for tens of seconds while using little CPU, so CPU alone lets a pod's 100
 * greenlets fill up without adding pods.
 *
 * Why RequestCount of the api's target group (AWS, "CloudWatch metrics for your Application Load
 * Balancer", docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html):
 * it has the dimensions TargetGroup + LoadBalancer, so it counts the api's routes only (/console/api,
 * /api, /v1, /files, /mcp, /triggers), never the web pages and static assets served by `web`.
 * ActiveConnectionCount is per load balancer (and zone) only, counts client and target TCP
 * connections of every route, idle keep-alive connections included (the idle timeout here is
 * 600 s): web traffic and idle browsers would dominate it. ALB metrics are published in
 * AWS/ApplicationELB by AWS itself, free and whether or not DifyObservability exists, so the trigger
 * is the same with `dify:observability` off; health checks are excluded; an idle ALB publishes no
 * datapoint at all (hence ignoreNullValues/minMetricValue below).
 *
 * The target (requests per minute per pod) comes from the capacity model by Little's law: in-flight
 * requests = arrival rate x mean duration. A pod serves its catalog row's concurrency (api:
 * 1 gunicorn process x 100 greenlets, the number program/capacity counts) requests at once; aiming at 70 % of that (the headroom the CPU target keeps) with an
 * assumed mean api request of `meanRequestSeconds` (default 10 s: a streamed chat or workflow answer
 * of tens of seconds among console and service calls of well under a second) gives
 * 70 / 10 s x 60 = 420 requests a minute per pod. Mostly short calls scale out earlier than needed
 * (pods, never failed requests); mostly long agent streams should set a longer mean.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ServiceSpec, perPod } from "./catalog";

/** Name of the TriggerAuthentication (app namespace) the api's CloudWatch trigger uses. */
export const CLOUDWATCH_TRIGGER_AUTH = "dify-aws-cloudwatch";
/** Share of a pod's concurrent requests the trigger aims at (as the CPU target, 70 %). */
export const API_TARGET_FRACTION = 0.7;
/** Assumed mean duration of an api request, seconds (DifyApp `requestAutoscaling.meanRequestSeconds` default). */
export const DEFAULT_MEAN_REQUEST_SECONDS = 10;
/**
 * Seconds between KEDA's CloudWatch reads. ALB metrics have one datapoint a minute, so reading
 * more often learns nothing; with useCachedMetrics the HPA's 15-second queries are answered from
 * KEDA's cache instead of each calling GetMetricData (kedacore/keda v2.20.2
 * pkg/scaling/scale_handler.go, TriggerUseCachedMetrics): one call a minute, about $0.43 a month.
 */
export const REQUEST_POLLING_SECONDS = 60;

/** Requests a minute per pod of `spec` the trigger aims at: Little's law on the pod's concurrency (its catalog row). */
export function requestsPerPodMinute(spec: Pick<ServiceSpec, "concurrency">, meanRequestSeconds: number): number {
  const inFlight = perPod(spec) * API_TARGET_FRACTION;
  return Math.max(1, Math.round((inFlight / meanRequestSeconds) * 60));
}

/** What the api's trigger reads: the ALB and the api's target group (CloudWatch dimension values). */
export interface RequestScaler {
  /** The ALB's ARN (region and dimension come from it). */
  loadBalancerArn: pulumi.Input<string>;
  /** `app/<name>/<id>`: the LoadBalancer dimension. */
  loadBalancerArnSuffix: pulumi.Input<string>;
  /** `targetgroup/<name>/<id>`: the TargetGroup dimension. */
  targetGroupArnSuffix: pulumi.Input<string>;
  /** requestsPerPodMinute(meanRequestSeconds). */
  requestsPerPodMinute: number;
  /** The TriggerAuthentication. */
  auth: k8s.apiextensions.CustomResource;
}

/**
 * The TriggerAuthentication: AWS pod identity with KEDA as the identity owner, i.e. the operator's
 * own IRSA role (DifyCluster grants it KEDA_CLOUDWATCH_ACTIONS). Without a roleArn the scaler takes
 * the SDK's default credentials of the operator pod (kedacore/keda v2.20.2
 * pkg/scalers/aws/aws_common.go GetAwsAuthorization, aws_config_cache.go); identityOwner "keda" is
 * the default (apis/keda/v1alpha1/triggerauthentication_types.go), stated so nobody reads it as the
 * api pods' role.
 */
export function cloudWatchTriggerAuth(name: string, namespace: pulumi.Input<string>, labels: Record<string, string>, opts: pulumi.CustomResourceOptions): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(`${name}-cloudwatch-trigger-auth`, {
    apiVersion: "keda.sh/v1alpha1",
    kind: "TriggerAuthentication",
    metadata: { name: CLOUDWATCH_TRIGGER_AUTH, namespace, labels },
    spec: { podIdentity: { provider: "aws", identityOwner: "keda" } },
  }, opts);
}

/** `arn:<partition>:elasticloadbalancing:<region>:...` -> region. */
export function arnRegion(arn: string): string {
  return arn.split(":")[3] ?? "";
}

/**
 * The aws-cloudwatch trigger (metadata as parsed by kedacore/keda v2.20.2
 * pkg/scalers/aws_cloudwatch_scaler.go awsCloudwatchMetadata):
 * - namespace/metricName/dimensionName/dimensionValue: AWS/ApplicationELB RequestCount for
 *   TargetGroup;LoadBalancer (`;`-separated lists of equal length);
 * - metricStat Sum over metricStatPeriod 60 s: requests per minute; metricType AverageValue: the HPA
 *   divides by the pod count, so targetMetricValue is per pod;
 * - metricEndTimeOffset 60 and metricCollectionTime 120: the window ends a minute back (a minute
 *   still being aggregated would read low) and covers two minutes, the newest datapoint wins;
 * - ignoreNullValues true (also its default) with minMetricValue 0 (a required key): an idle ALB
 *   publishes nothing, and the scaler then reports 0 instead of an error, so CPU/memory and
 *   minReplicaCount decide;
 * - awsRegion: the ALB's region (from its ARN).
 */
export function requestTrigger(r: RequestScaler): pulumi.Output<Record<string, unknown>> {
  return pulumi.all([r.loadBalancerArn, r.loadBalancerArnSuffix, r.targetGroupArnSuffix]).apply(([arn, lb, tg]): Record<string, unknown> => ({
    type: "aws-cloudwatch",
    name: "alb-requests",
    metricType: "AverageValue",
    useCachedMetrics: true,
    metadata: {
      namespace: "AWS/ApplicationELB",
      metricName: "RequestCount",
      dimensionName: "TargetGroup;LoadBalancer",
      dimensionValue: `${tg};${lb}`,
      metricStat: "Sum",
      metricStatPeriod: "60",
      metricEndTimeOffset: "60",
      metricCollectionTime: "120",
      targetMetricValue: String(r.requestsPerPodMinute),
      minMetricValue: "0",
      ignoreNullValues: "true",
      awsRegion: arnRegion(arn),
    },
    authenticationRef: { name: CLOUDWATCH_TRIGGER_AUTH },
  }));
}
