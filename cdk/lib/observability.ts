// What tells an operator that Patch Tuesday went wrong, and the dashboard of what it did: alarms on
// failed and timed-out executions of every machine (to the digest topic), and per machine the
// executions started, succeeded and failed. Each `cycle` execution is one group, so its successes are
// the groups patched and its failures the groups rolled back.

import { Duration, Stack } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as sns from "aws-cdk-lib/aws-sns";
import { Construct } from "constructs";

import type { Machines } from "./machines.js";

export interface ObservabilityProps {
  machines: Machines;
  /** Where alarms go: the digest's topic, which people read after every patch. */
  topic: sns.ITopic;
}

export class Observability extends Construct {
  constructor(scope: Construct, id: string, { machines, topic }: ObservabilityProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const alarmAction = new actions.SnsAction(topic);
    const period = Duration.minutes(5);

    for (const [name, machine] of machines.byName) {
      for (const [what, metric] of [
        ["Failed", machine.metricFailed({ period, statistic: "Sum" })],
        ["TimedOut", machine.metricTimedOut({ period, statistic: "Sum" })],
      ] as const) {
        const alarm = new cloudwatch.Alarm(this, `${name}${what}`, {
          alarmName: `${stack.stackName}-${name}-${what}`,
          alarmDescription: `tuesday: an execution of ${name} ${what === "Failed" ? "failed" : "timed out"}`,
          metric,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
        alarm.addAlarmAction(alarmAction);
      }
    }

    const cycle = machines.byName.get("Cycle");
    const day = Duration.days(1);
    const dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      dashboardName: `${stack.stackName}`,
      defaultInterval: Duration.days(35),
    });
    if (cycle) {
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: "Groups patched and rolled back (cycle executions, per day)",
          left: [
            cycle.metricSucceeded({ period: day, statistic: "Sum", label: "patched" }),
            cycle.metricFailed({ period: day, statistic: "Sum", label: "failed or rolled back" }),
          ],
          width: 12,
        }),
      );
    }
    dashboard.addWidgets(
      ...[...machines.byName].map(
        ([name, machine]) =>
          new cloudwatch.GraphWidget({
            title: `${name} executions`,
            left: [
              machine.metricStarted({ period: day, statistic: "Sum", label: "started" }),
              machine.metricSucceeded({ period: day, statistic: "Sum", label: "succeeded" }),
              machine.metricFailed({ period: day, statistic: "Sum", label: "failed" }),
              machine.metricTimedOut({ period: day, statistic: "Sum", label: "timed out" }),
            ],
            width: 6,
          }),
      ),
      new cloudwatch.GraphWidget({
        title: "Activity errors (all functions)",
        left: [
          new cloudwatch.MathExpression({
            expression: `SEARCH('{AWS/Lambda,FunctionName} MetricName="Errors" FunctionName="${stack.stackName}-"', 'Sum', 3600)`,
            label: "",
            period: Duration.hours(1),
          }),
        ],
        width: 12,
      }),
    );
  }
}
