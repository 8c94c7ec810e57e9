/**
 * Alarms on the one-line results the Jobs print (DIFY_BACKUP_DUMP / DIFY_RESTORE_VERIFY), read
 * from the CloudWatch Logs group the cluster ships container logs to. A failure line alarms at
 * once; the absence of any success line alarms too (a CronJob that silently stopped running).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { backupMetricNamespace, RESULT_METRICS } from "../contracts";


export function backupAlarms(
  name: string,
  a: { logGroupName: pulumi.Input<string>; alarmActions: pulumi.Input<pulumi.Input<string>[]>; tags: Record<string, string> },
  parent: pulumi.Resource,
): aws.cloudwatch.MetricAlarm[] {
  const namespace = backupMetricNamespace(name);
  const alarms: aws.cloudwatch.MetricAlarm[] = [];
  for (const m of RESULT_METRICS) {
    for (const outcome of ["success", "failure"] as const) {
      const metricName = `${m.id}-${outcome}`;
      new aws.cloudwatch.LogMetricFilter(`${name}-${metricName}`, {
        logGroupName: a.logGroupName,
        // A quoted term matches the phrase anywhere in the event, also inside a JSON-wrapped line.
        pattern: `"${m.tag} result=${outcome}"`,
        metricTransformation: { name: metricName, namespace, value: "1", defaultValue: "0" },
      }, { parent });
    }
    alarms.push(new aws.cloudwatch.MetricAlarm(`${name}-${m.id}-failed`, {
      alarmDescription: `Dify ${name}: a ${m.id} run failed (log line "${m.tag} result=failure"); see docs/backups.md`,
      namespace, metricName: `${m.id}-failure`, statistic: "Sum", period: 3600, evaluationPeriods: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold", threshold: 1, treatMissingData: "notBreaching",
      alarmActions: a.alarmActions, okActions: a.alarmActions, tags: a.tags,
    }, { parent }));
    // CloudWatch evaluates at most 7 days; 7 whole days always contain one weekly run.
    const days = m.staleDays;
    alarms.push(new aws.cloudwatch.MetricAlarm(`${name}-${m.id}-missing`, {
      alarmDescription: `Dify ${name}: no successful ${m.id} in ${days} day(s); check the CronJob in docs/backups.md`,
      namespace, metricName: `${m.id}-success`, statistic: "Sum", period: 86400,
      evaluationPeriods: days, datapointsToAlarm: days,
      comparisonOperator: "LessThanThreshold", threshold: 1, treatMissingData: "breaching",
      alarmActions: a.alarmActions, okActions: a.alarmActions, tags: a.tags,
    }, { parent }));
  }
  return alarms;
}
