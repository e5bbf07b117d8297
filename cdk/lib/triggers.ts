// What starts the patch machine: EventBridge Scheduler on Patch Tuesday, and AWS's own announcement of
// new Windows AMIs. The schedule starts it with the configured input, whose `waitForNewAmi` covers the
// day or so between Patch Tuesday and AWS's images ("the day after Patch Tuesday" has no cron form,
// and is not always the second Wednesday). An announcement means the images are out, so it starts
// patch without waiting. Only one patch runs at a time: one started while another holds the claim
// (`/tuesday/patch/running`) ends having changed nothing.

import { Duration, Stack, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as pipes from "aws-cdk-lib/aws-pipes";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";

import { patchTuesdayCron, type TuesdayConfig } from "./config.js";

/** AWS announces every new Windows AMI on this topic (us-east-1, for every region). */
export const AWS_WINDOWS_AMI_TOPIC = "arn:aws:sns:us-east-1:801119661308:ec2-windows-ami-update";

export interface TriggersProps {
  config: TuesdayConfig;
  patch: sfn.StateMachine;
  input: Record<string, unknown>;
}

export class Triggers extends Construct {
  constructor(scope: Construct, id: string, { config, patch, input }: TriggersProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const inputJson = stack.toJsonString(input);

    const schedulerRole = new iam.Role(this, "ScheduleRole", {
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", {
        conditions: { StringEquals: { "aws:SourceAccount": stack.account } },
      }),
      description: "tuesday: the Patch Tuesday schedule starts the patch machine",
    });
    patch.grantStartExecution(schedulerRole);
    new scheduler.CfnSchedule(this, "PatchTuesday", {
      name: `${stack.stackName}-patch-tuesday`,
      description: "The second Tuesday of every month: patch (which waits for AWS's new images)",
      scheduleExpression: patchTuesdayCron(config.schedule),
      scheduleExpressionTimezone: config.schedule.timeZone,
      flexibleTimeWindow: { mode: "OFF" },
      state: config.schedule.enabled ? "ENABLED" : "DISABLED",
      target: {
        arn: patch.stateMachineArn,
        roleArn: schedulerRole.roleArn,
        input: inputJson,
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
      },
    });

    if (config.awsAmiUpdates) {
      const waitForNewAmi = { ...(input.waitForNewAmi as object), days: 0 };
      this.awsAmiUpdates(stack, patch, stack.toJsonString({ ...input, waitForNewAmi }));
    }
  }

  /** AWS's topic → a queue of ours (SNS delivers across regions to SQS) → a pipe that starts patch. */
  private awsAmiUpdates(stack: Stack, patch: sfn.StateMachine, inputJson: string): void {
    const deadLetters = new sqs.Queue(this, "AmiUpdatesDeadLetters", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetters).acknowledge({
      id: "AwsSolutions-SQS3",
      reason: "this is the dead-letter queue of the AMI updates queue",
    });
    // SSE-SQS, not KMS: AWS's topic lives in AWS's account and could not use a key of ours.
    const queue = new sqs.Queue(this, "AmiUpdates", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: 3 },
    });
    sns.Topic.fromTopicArn(this, "AwsWindowsAmiUpdates", AWS_WINDOWS_AMI_TOPIC).addSubscription(
      new subscriptions.SqsSubscription(queue, { rawMessageDelivery: true }),
    );

    const pipeRole = new iam.Role(this, "AmiUpdatesPipeRole", {
      assumedBy: new iam.ServicePrincipal("pipes.amazonaws.com", {
        conditions: { StringEquals: { "aws:SourceAccount": stack.account } },
      }),
      description: "tuesday: AWS's new-AMI announcements start the patch machine",
    });
    queue.grantConsumeMessages(pipeRole);
    patch.grantStartExecution(pipeRole);
    new pipes.CfnPipe(this, "AmiUpdatesPipe", {
      name: `${stack.stackName}-ami-updates`,
      description: "AWS announced new Windows AMIs: patch",
      roleArn: pipeRole.roleArn,
      source: queue.queueArn,
      sourceParameters: { sqsQueueParameters: { batchSize: 1 } },
      target: patch.stateMachineArn,
      targetParameters: {
        // Standard workflows only start asynchronously from a pipe.
        stepFunctionStateMachineParameters: { invocationType: "FIRE_AND_FORGET" },
        inputTemplate: inputJson,
      },
    });
  }
}
