// When a cycle ends without releasing its lock (stopped, timed out, or failed while putting its group
// back), the recover machine puts the group back from the lock record, or finishes the cycle. The rule
// matches the cycle machine's executions only: they alone hold locks, and a stopped update or patch
// stops the cycles it started, whose ends start their recoveries. A recovery that fails is not
// matched: it keeps the lock, and starting another at once would only fail again; the next cycle of
// the group, or `tuesday recover`, takes it over.

import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";

export interface RecoveryProps {
  cycle: sfn.IStateMachine;
  recover: sfn.IStateMachine;
}

/** The statuses of an execution that may have ended with its lock held. */
export const ENDED_LOCKED = ["ABORTED", "TIMED_OUT", "FAILED"];

export class Recovery extends Construct {
  constructor(scope: Construct, id: string, { cycle, recover }: RecoveryProps) {
    super(scope, id);
    const rule = new events.Rule(this, "CycleEnded", {
      description: "tuesday: a cycle ended without finishing; recover its group from the lock it left, if any",
      eventPattern: {
        source: ["aws.states"],
        detailType: ["Step Functions Execution Status Change"],
        detail: { status: ENDED_LOCKED, stateMachineArn: [cycle.stateMachineArn] },
      },
    });
    rule.addTarget(
      new targets.SfnStateMachine(recover, {
        input: events.RuleTargetInput.fromObject({ heldBy: events.EventField.fromPath("$.detail.executionArn") }),
      }),
    );
  }
}
