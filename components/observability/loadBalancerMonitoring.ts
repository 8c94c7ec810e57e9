/**
 * DifyLoadBalancerMonitoring: what watches DifyApp's ALB, built after DifyApp. The stack's
 * CloudWatch dashboard (its first panels chart the ALB; the others the pods, PostgreSQL, ElastiCache,
 * the Celery queues and the backups) and the three alarms on the ALB's metrics (5xx rate, p95
 * latency, unhealthy targets). Everything else DifyObservability builds before DifyApp: DifyApp
 * needs its access-log bucket and collector, DifyBackups its log group and alarm topic.
 *
 * The ALB's `LoadBalancer` dimension comes from one lookup by name that waits for DifyApp's
 * `loadBalancerHostname` (components/aws/loadBalancer.ts), a required input: the order is in the
 * types, no hand-made promise. In 0.1 the dashboard and these alarms were DifyObservability's
 * children: each carries an alias to that URN (the DifyObservability of the same name and
 * parent), so a stack created before keeps them instead of replacing them.
 * Provider: `aws` through opts (children inherit it).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Problems, albName } from "../checks";
import { componentType, movedFrom, PostgresEngine } from "../contracts";
import { lookupLoadBalancer, loadBalancerProblems } from "../aws/loadBalancer";
import { AlarmIds, AlarmSpec, alarmSpecs, createAlarms, watchesLoadBalancer } from "./alarms";
import { AlarmThresholds, MonitoringSource, resolveThresholds } from "./args";
import { DashboardIds, dashboardBody } from "./dashboard";

export interface DifyLoadBalancerMonitoringArgs {
  /** DifyObservability's `monitoring` output: the cluster, database, Redis and namespace identifiers to chart. Required. */
  observability: pulumi.Input<MonitoringSource>;
  /** Name of DifyApp's ALB (DifyApp `loadBalancerName`): 1-32 letters, digits or '-'. Required. */
  loadBalancerName: string;
  /**
   * DNS name of that ALB as DifyApp's Ingress reports it: DifyApp's `loadBalancerHostname` output,
   * which resolves once the controller has created the ALB (the ALB lookup waits for it). Required.
   */
  loadBalancerHostname: pulumi.Input<string>;
  /**
   * What the three ALB alarms notify (and notify again on recovery): DifyObservability's
   * `alarmTopicArn`. No ALB alarms when absent. Default none.
   */
  alarmActions?: pulumi.Input<string>[];
  /** Alarm thresholds by name (the alb* ones are read here; the others are DifyObservability's). Default ALARM_THRESHOLD_DEFAULTS. */
  alarmThresholds?: AlarmThresholds;
}

/** The dashboard's identifiers, from DifyObservability's `monitoring` and the ALB's ARN suffix. */
export function monitoringDashboardIds(m: MonitoringSource, albArnSuffix: string): DashboardIds {
  return {
    region: m.region, clusterName: m.clusterName, albArnSuffix, dbId: m.databaseIdentifier ?? m.databaseClusterIdentifier, dbEngine: m.databaseEngine ?? PostgresEngine.Aurora, redisNodeIds: m.redisNodeIds,
    appNamespace: m.appNamespace, deployments: m.deployments, queueDepth: m.queueDepth,
    backupsNamespace: m.backupMetricNamespace === "" ? undefined : m.backupMetricNamespace, hasReaders: m.databaseReaders,
    containerInsights: m.containerInsights !== false,
  };
}

/** The alarms' identifiers, from DifyObservability's `monitoring` and the ALB's ARN suffix. */
export function monitoringAlarmIds(m: MonitoringSource, albArnSuffix: string): AlarmIds {
  return {
    clusterName: m.clusterName, albArnSuffix, dbId: m.databaseIdentifier ?? m.databaseClusterIdentifier, dbEngine: m.databaseEngine ?? PostgresEngine.Aurora, redisNodeIds: m.redisNodeIds,
    appNamespace: m.appNamespace, observabilityNamespace: m.namespace, hasReaders: m.databaseReaders, hasQueueDepth: m.queueDepth,
    containerInsights: m.containerInsights !== false,
  };
}

/** The alarms on the ALB's metrics (the ones DifyObservability leaves out). */
export function loadBalancerAlarmSpecs(ids: AlarmIds): AlarmSpec[] {
  return alarmSpecs(ids).filter(watchesLoadBalancer);
}

/** What the program derives from stack config: the args without the handles that exist only after deploy. */
export type DifyLoadBalancerMonitoringSettings = Omit<DifyLoadBalancerMonitoringArgs, "observability" | "loadBalancerHostname" | "alarmActions">;

function monitoringProblems(name: string, args: Partial<DifyLoadBalancerMonitoringArgs>, handles: boolean): { p: Problems; thresholds: Required<AlarmThresholds> } {
  const p = new Problems(`DifyLoadBalancerMonitoring "${name}"`);
  if (handles) {
    if (args?.observability === undefined || args.observability === null) p.add("args.observability", undefined, "DifyObservability's monitoring output");
    loadBalancerProblems(p, args);
  } else {
    p.check("args.loadBalancerName", args?.loadBalancerName, albName);
  }
  const thresholds = resolveThresholds(p, args?.alarmThresholds);
  if (args?.alarmActions !== undefined && (!Array.isArray(args.alarmActions) || args.alarmActions.length === 0)) p.add("args.alarmActions", args.alarmActions, "at least one SNS topic ARN (DifyObservability's alarmTopicArn), or none at all for no ALB alarms");
  return { p, thresholds };
}

/** Throws (before anything is registered) when the args are invalid, listing every problem; returns the thresholds. */
export function validateLoadBalancerMonitoringArgs(name: string, args: DifyLoadBalancerMonitoringArgs): Required<AlarmThresholds> {
  const { p, thresholds } = monitoringProblems(name, args, true);
  p.throwIfAny();
  return thresholds;
}

/** The same checks for the settings the program derives from config, before DifyApp and DifyObservability exist. */
export function validateLoadBalancerMonitoringSettings(name: string, s: DifyLoadBalancerMonitoringSettings): void {
  monitoringProblems(name, s, false).p.throwIfAny();
}

/**
 * The dashboard and the ALB alarms of a Dify install (`dify-aws:index:DifyLoadBalancerMonitoring`),
 * built after DifyApp from its `loadBalancerName` and `loadBalancerHostname` and from
 * DifyObservability's `monitoring`: the stack's CloudWatch dashboard, and with `alarmActions` the
 * 5xx-rate, p95-latency and unhealthy-target alarms on the ALB.
 */
export class DifyLoadBalancerMonitoring extends pulumi.ComponentResource {
  /** Name of the CloudWatch dashboard (the cluster name). */
  public readonly dashboardName: pulumi.Output<string>;
  /** The ALB's `LoadBalancer` dimension (`app/<name>/<id>`) the dashboard and alarms use. */
  public readonly loadBalancerArnSuffix: pulumi.Output<string>;
  /** Names of the ALB alarms (empty without `alarmActions`). */
  public readonly alarmNames: pulumi.Output<string[]>;

  constructor(name: string, args: DifyLoadBalancerMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    const thresholds = validateLoadBalancerMonitoringArgs(name, args);
    super(componentType("DifyLoadBalancerMonitoring"), name, {}, opts);
    // Where these resources lived in 0.1: under the DifyObservability of the same name and parent.
    const child = (): pulumi.CustomResourceOptions => ({ parent: this, aliases: movedFrom(this, name, "DifyObservability") });
    const lb = lookupLoadBalancer(`DifyLoadBalancerMonitoring "${name}"`, args, this);
    const source = pulumi.output(args.observability) as pulumi.Output<MonitoringSource>;
    const ids = pulumi.all([source, lb.arnSuffix]).apply(([m, suffix]) => ({ m, suffix }));

    const dashboard = new aws.cloudwatch.Dashboard(`${name}-dashboard`, {
      dashboardName: source.clusterName,
      dashboardBody: ids.apply(({ m, suffix }) => dashboardBody(monitoringDashboardIds(m, suffix))),
    }, child());

    let alarmNames: pulumi.Output<string[]> = pulumi.output([]);
    if (args.alarmActions !== undefined) {
      // Which alarms exist is known before any id is: the ALB's three, whatever the ids.
      const placeholder: AlarmIds = { clusterName: "c", albArnSuffix: "app/n/i", dbId: "d", dbEngine: PostgresEngine.Aurora, redisNodeIds: [], appNamespace: "a", observabilityNamespace: "o", hasReaders: false, hasQueueDepth: false };
      const alarms = createAlarms(name, loadBalancerAlarmSpecs(placeholder), ids.apply(({ m, suffix }) => loadBalancerAlarmSpecs(monitoringAlarmIds(m, suffix))),
        thresholds, args.alarmActions, source.tags, child());
      alarmNames = pulumi.all(alarms.map((a) => a.name));
    }

    this.dashboardName = dashboard.dashboardName;
    this.loadBalancerArnSuffix = lb.arnSuffix;
    this.alarmNames = alarmNames;
    this.registerOutputs({ dashboardName: this.dashboardName, loadBalancerArnSuffix: this.loadBalancerArnSuffix, alarmNames: this.alarmNames });
  }
}
