// tuesday in one stack: the activities, the machines, a notification topic per kind, the keys, the
// builder profile, the Patch Tuesday triggers and what watches them.

import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type { Construct } from "constructs";

import { Activities } from "./activities.js";
import { ConfigError, recipes, type TuesdayConfig } from "./config.js";
import { Machines } from "./machines.js";
import { rustManifest } from "./manifest.js";
import { grantReasons, justifyWildcards } from "./nag.js";
import { Observability } from "./observability.js";
import { Recovery } from "./recovery.js";
import { Triggers } from "./triggers.js";

export interface TuesdayStackProps extends StackProps {
  config: TuesdayConfig;
}

export class TuesdayStack extends Stack {
  /** The patch machine's input, as the schedule and the AWS topic start it. */
  readonly patchInput: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: TuesdayStackProps) {
    super(scope, id, props);
    const { config } = props;

    const { topics, topicKey } = notifications(this, config);
    const topicArns = Object.fromEntries([...topics].map(([kind, topic]) => [kind, topic.topicArn]));
    const imageKey = imageKeyFor(this, config);
    const builder = builderProfile(this);
    this.patchInput = completePatchInput(config, {
      topicArns,
      imageKeyArn: imageKey.keyArn,
      builderProfile: builder.profile.instanceProfileName,
      builderProfileDefault: `${this.stackName}-builder`,
    });
    const patchRecipes = recipes({ ...config, patch: this.patchInput });
    const results = resultsBucket(this);
    const locks = lockTable(this);

    const activities = new Activities(this, "Activities", {
      stack: this,
      topicArns,
      topicKeyArn: topicKey.keyArn,
      imageKeyArns: unique(patchRecipes.map((r) => (r.encryption as { kmsKeyId?: string }).kmsKeyId)),
      packerProjects: unique(patchRecipes.map((r) => (r.packer as { projectName?: string } | null)?.projectName)),
      builderRoleArn: builder.role.roleArn,
      fleetRoleArns: config.fleetRoleArns,
      beeNetwork: config.beeNetwork,
      recipes: unique(patchRecipes.map((r) => r.name as string)),
      resultsBucketArn: results.bucketArn,
      lockTableArn: locks.tableArn,
    });
    const machines = new Machines(this, "Machines", {
      activities,
      resultsBucket: results,
      lockTable: locks,
      approvalTopicArn: topicArns.approval,
      topicKeyArn: topicKey.keyArn,
    });
    const patch = machines.byName.get("Patch");
    if (!patch) throw new Error("statemachines/patch.asl.json is missing: run ./just gen");

    new Triggers(this, "Triggers", { config, patch, input: this.patchInput });
    new Recovery(this, "Recovery", { cycle: machines.byName.get("Cycle")!, recover: machines.byName.get("Recover")! });
    new Observability(this, "Observability", { machines, topic: topics.get("digest")! });

    // People answer a manual approval with `tuesday approve|reject <token>`: this is what they need.
    const approver = new iam.ManagedPolicy(this, "ApproverPolicy", {
      description: "tuesday: answer a wave's manual approval (tuesday approve|reject)",
      statements: [
        new iam.PolicyStatement({ actions: ["states:SendTaskSuccess", "states:SendTaskFailure"], resources: ["*"] }),
      ],
    });
    // `tuesday recover <group>` starts the recover machine and watches it.
    const recover = machines.byName.get("Recover")!;
    const recoverer = new iam.ManagedPolicy(this, "RecovererPolicy", {
      description: "tuesday: recover a group its cycle left locked (tuesday recover)",
      statements: [
        new iam.PolicyStatement({ actions: ["states:ListStateMachines"], resources: ["*"] }),
        new iam.PolicyStatement({ actions: ["states:StartExecution"], resources: [recover.stateMachineArn] }),
        new iam.PolicyStatement({
          actions: ["states:DescribeExecution"],
          resources: [
            this.formatArn({
              service: "states",
              resource: "execution",
              resourceName: `${recover.stateMachineName}:*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      ],
    });
    justifyEveryWildcard(this, activities, machines, approver);
    justifyWildcards(recoverer, (finding) =>
      finding === "Resource::*"
        ? "ListStateMachines supports no resource-level permission: it finds the recover machine by name"
        : finding.includes(":execution:")
          ? "executions of the recover machine, named as they start"
          : undefined,
    );

    for (const [kind, topic] of topics) {
      new CfnOutput(this, `${camelCase(kind, true)}TopicArn`, {
        value: topic.topicArn,
        description: `${kind} notifications`,
      });
    }
    new CfnOutput(this, "PatchStateMachineArn", {
      value: patch.stateMachineArn,
      description: "start it from the console with cdk/examples/*.json",
    });
    new CfnOutput(this, "RecovererPolicyArn", {
      value: recoverer.managedPolicyArn,
      description: "attach to whoever runs tuesday recover",
    });
    new CfnOutput(this, "ApproverPolicyArn", {
      value: approver.managedPolicyArn,
      description: "attach to whoever runs tuesday approve|reject",
    });
  }
}

/**
 * A topic per kind of notification (`contract::notifications`), encrypted with one key, and the
 * e-mail subscriptions: an address to every topic, or to its kinds' topics.
 */
function notifications(stack: Stack, config: TuesdayConfig) {
  const topicKey = new kms.Key(stack, "NotificationsKey", {
    description: "tuesday: encrypts the notification topics",
    enableKeyRotation: true,
  });
  // Alarms publish to the digest topic: CloudWatch needs the key.
  topicKey.grant(new iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:GenerateDataKey*", "kms:Decrypt");
  const topics = new Map<string, sns.Topic>();
  for (const kind of rustManifest().notificationKinds) {
    topics.set(
      kind,
      new sns.Topic(stack, `${camelCase(kind, true)}Topic`, {
        topicName: `${stack.stackName}-${kind}`,
        displayName: `tuesday ${kind}`,
        masterKey: topicKey,
        enforceSSL: true,
      }),
    );
  }
  // CloudWatch publishes the alarms to the digest topic: the topic must let it, for this account only.
  const digest = topics.get("digest")!;
  digest.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "CloudWatchPublishesAlarms",
      principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
      actions: ["sns:Publish"],
      resources: [digest.topicArn],
      conditions: { StringEquals: { "aws:SourceAccount": stack.account } },
    }),
  );
  for (const email of config.emails) {
    const [address, kinds] = typeof email === "string" ? [email, [...topics.keys()]] : [email.address, email.kinds];
    for (const kind of kinds) topics.get(kind)!.addSubscription(new subscriptions.EmailSubscription(address));
  }
  return { topics, topicKey };
}

/** `new-ami` → `newAmi` (or `NewAmi`). */
function camelCase(kind: string, upper = false): string {
  const camel = kind.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
  return upper ? camel[0].toUpperCase() + camel.slice(1) : camel;
}

/** The key for baked images whose recipe names none: unlike aws/ebs, it can be shared. */
function imageKeyFor(stack: Stack, config: TuesdayConfig): kms.Key {
  const imageKey = new kms.Key(stack, "ImageKey", {
    description: "tuesday: encrypts baked images whose recipe names no key (shareable, unlike aws/ebs)",
    enableKeyRotation: true,
  });
  // Auto Scaling launches the fleet from encrypted baked images as its service-linked role, which needs
  // the key (https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html);
  // a key a recipe names needs the same statements, and an account the image is shared with a grant
  // for its own role in its own account.
  const autoScaling = new iam.ArnPrincipal(
    `arn:${stack.partition}:iam::${stack.account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
  );
  imageKey.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "AutoScalingUsesTheKey",
      principals: [autoScaling],
      actions: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
      resources: ["*"],
    }),
  );
  imageKey.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "AutoScalingGrantsForItsLaunches",
      principals: [autoScaling],
      actions: ["kms:CreateGrant"],
      resources: ["*"],
      conditions: { Bool: { "kms:GrantIsForAWSResource": true } },
    }),
  );
  const sharedWith = unique(recipes(config).flatMap((r) => (r.shareWith as string[] | undefined) ?? []));
  if (sharedWith.length > 0) {
    // Accounts an image is shared with must be able to read its snapshots to launch it.
    imageKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: sharedWith.map((account) => new iam.AccountPrincipal(account)),
        actions: [
          "kms:Decrypt",
          "kms:DescribeKey",
          "kms:CreateGrant",
          "kms:ReEncrypt*",
          "kms:GenerateDataKeyWithoutPlaintext",
        ],
        resources: ["*"],
      }),
    );
  }
  return imageKey;
}

/** The instance profile of builders and boot tests: SSM manages them, nothing else. */
/** Where Distributed Maps write their child executions' results, too large for a state: the bees'
 * histograms. Kept a month, for whoever wants to look at a load test again. */
function resultsBucket(stack: Stack): s3.Bucket {
  const bucket = new s3.Bucket(stack, "ResultsBucket", {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    lifecycleRules: [{ expiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    removalPolicy: RemovalPolicy.DESTROY,
  });
  Validations.of(bucket).acknowledge({
    id: "AwsSolutions-S1",
    reason: "map-run results only, written by Step Functions and read by one activity; CloudTrail records both",
  });
  return bucket;
}

/** One record per group being cycled: who holds it, how far the cycle has gone, and the snapshot a
 * recovery puts back. Created only where there is none (the lock), so kept safe: a lost record is a
 * group no one can recover. */
function lockTable(stack: Stack): dynamodb.Table {
  return new dynamodb.Table(stack, "LockTable", {
    partitionKey: { name: "groupName", type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

function builderProfile(stack: Stack) {
  const role = new iam.Role(stack, "BuilderRole", {
    assumedBy: new iam.ServicePrincipal("ec2.amazonaws.com"),
    description: "tuesday: image builders and boot tests, managed over SSM",
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName("AmazonSSMManagedInstanceCore")],
  });
  Validations.of(role).acknowledge({
    id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]",
    reason:
      "AmazonSSMManagedInstanceCore is what SSM documents for managed instances; a builder lives for the bake only",
  });
  const profile = new iam.InstanceProfile(stack, "BuilderProfile", {
    role,
    instanceProfileName: `${stack.stackName}-builder`,
  });
  return { role, profile };
}

function unique(values: Array<string | null | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => !!v))].sort();
}

interface Filled {
  topicArns: Record<string, string>;
  imageKeyArn: string;
  builderProfile: string;
  builderProfileDefault: string;
}

/**
 * The configured patch input with what only the stack knows: its topics, its image key for recipes
 * that encrypt without naming a key, and its builder profile for recipes that launch instances.
 */
function completePatchInput(config: TuesdayConfig, filled: Filled): Record<string, unknown> {
  const problems: string[] = [];
  const patchRecipes = recipes(config).map((recipe, i) => {
    const encryption = { encrypted: true, kmsKeyId: null, ...(recipe.encryption as object) } as {
      encrypted: boolean;
      kmsKeyId: string | null;
    };
    if (encryption.encrypted && !encryption.kmsKeyId) encryption.kmsKeyId = filled.imageKeyArn;
    const out: Record<string, unknown> = { ...recipe, encryption };
    if (recipe.mode === "ssm-build" || recipe.bootTest) {
      const builder = { ...(recipe.builder as object) } as { instanceProfile?: string | null };
      if (builder.instanceProfile && builder.instanceProfile !== filled.builderProfileDefault) {
        problems.push(
          `patch.recipes[${i}].builder.instanceProfile: tuesday may pass only its own builder role; leave it out to use ${filled.builderProfileDefault}`,
        );
      }
      out.builder = { ...builder, instanceProfile: filled.builderProfile };
    }
    return out;
  });
  if (problems.length > 0) throw new ConfigError(problems);
  const topics = Object.fromEntries(Object.entries(filled.topicArns).map(([kind, arn]) => [camelCase(kind), arn]));
  return { ...config.patch, recipes: patchRecipes, topics };
}

/** Every wildcard cdk-nag finds, justified: activities by their grants, machines by what CDK grants them. */
function justifyEveryWildcard(
  stack: Stack,
  activities: Activities,
  machines: Machines,
  approver: iam.ManagedPolicy,
): void {
  for (const { role, grants } of activities.byName.values()) justifyWildcards(role, grantReasons(grants, stack));
  for (const machine of machines.byName.values()) {
    justifyWildcards(machine.role, (finding) => {
      if (/^Resource::<Activities\w+\.Arn>:\*$/.test(finding))
        return "versions and aliases of an activity the definition invokes";
      if (finding.includes(":execution:")) return "executions of a child machine it starts and waits for";
      if (/^Resource::<ResultsBucket\w+\.Arn>\/\*$/.test(finding))
        return "a Distributed Map writes its results under a prefix named by its map run";
      if (finding === "Resource::*") return "X-Ray and CloudWatch Logs delivery support no resource-level permission";
      if (finding === "Action::kms:GenerateDataKey*")
        return "SNS encrypts each message published to a topic with a data key of its key";
      return undefined;
    });
  }
  justifyWildcards(approver, (finding) =>
    finding === "Resource::*"
      ? "SendTaskSuccess and SendTaskFailure name a task token, not a resource: AWS supports no resource-level permission for them"
      : undefined,
  );
}
