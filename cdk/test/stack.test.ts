import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, test } from "node:test";
import { App, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import { AwsSolutionsChecks } from "cdk-nag";

import { activityNames } from "../lib/activities.js";
import { rustManifest } from "../lib/manifest.js";
import { ConfigError } from "../lib/config.js";
import { machineFiles } from "../lib/machines.js";
import { justifyWildcards } from "../lib/nag.js";
import { repoPath } from "../lib/paths.js";
import { AWS_WINDOWS_AMI_TOPIC } from "../lib/triggers.js";
import type { TuesdayStack } from "../lib/stack.js";
import { sampleConfig, sampleStack } from "./support.js";

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };

let stack: TuesdayStack;
let template: Template;
const resources = (type: string): Array<[string, Resource]> =>
  Object.entries(template.findResources(type)) as Array<[string, Resource]>;
const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
/** The state machine `name` (`CycleBatch`), by its logical id: the construct's path and CDK's hash. */
const stateMachine = (name: string): [string, Resource] =>
  resources("AWS::StepFunctions::StateMachine").find(([id]) => new RegExp(`^Machines${name}[0-9A-F]{8}$`).test(id))!;

/** Every policy statement attached to the role `roleId` (a logical id). */
function statementsOf(roleId: string): Statement[] {
  return resources("AWS::IAM::Policy")
    .filter(([, policy]) => policy.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
}

before(() => {
  stack = sampleStack();
  template = Template.fromStack(stack);
});

test("one arm64 provided.al2023 function per activity, the handler naming it, each with its own role", () => {
  const functions = resources("AWS::Lambda::Function");
  const names = activityNames();
  assert.deepEqual(functions.map(([, f]) => f.Properties.Handler).sort(), [...names].sort());
  for (const [, f] of functions) {
    assert.equal(f.Properties.Runtime, "provided.al2023");
    assert.deepEqual(f.Properties.Architectures, ["arm64"]);
    assert.equal(f.Properties.FunctionName, `tuesday-${f.Properties.Handler}`);
    assert.equal(f.Properties.LoggingConfig.LogFormat, "JSON");
  }
  const roles = new Set(functions.map(([, f]) => f.Properties.Role["Fn::GetAtt"][0]));
  assert.equal(roles.size, names.length);
  template.hasResourceProperties("AWS::Lambda::Function", { Handler: "Bee", MemorySize: 1769, Timeout: 900 });
});

test("one state machine per generated file, every substitution resolved", () => {
  const machines = resources("AWS::StepFunctions::StateMachine");
  const files = machineFiles();
  assert.deepEqual(
    machines.map(([, m]) => m.Properties.StateMachineName).sort(),
    files.map((f) => `tuesday-${f.stem}`).sort(),
  );
  for (const file of files) {
    const [, machine] = machines.find(([, m]) => m.Properties.StateMachineName === `tuesday-${file.stem}`)!;
    assert.equal(
      machine.Properties.DefinitionString,
      readFileSync(repoPath(`statemachines/${file.stem}.asl.json`), "utf8"),
      file.stem,
    );
    const wanted = [...new Set([...file.definition.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]))].sort();
    assert.deepEqual(Object.keys(machine.Properties.DefinitionSubstitutions ?? {}).sort(), wanted, file.stem);
    assert.equal(machine.Properties.LoggingConfiguration.Level, "ALL");
    assert.equal(machine.Properties.TracingConfiguration.Enabled, true);
  }
});

test("a machine's role invokes exactly the functions its definition names", () => {
  const [detectId] = resources("AWS::IAM::Role").find(([id]) => id.startsWith("MachinesDetectRole"))!;
  const invoked = statementsOf(detectId)
    .filter((s) => list(s.Action).includes("lambda:InvokeFunction"))
    .flatMap((s) => list(s.Resource))
    .map((r) => JSON.stringify(r));
  const detect = machineFiles().find((f) => f.stem === "detect")!;
  for (const name of detect.functions)
    assert.ok(
      invoked.some((r) => r.includes(`Activities${name}`)),
      `detect cannot invoke ${name}`,
    );
  assert.ok(!invoked.some((r) => r.includes("ActivitiesTerminateInstances")), "detect may invoke TerminateInstances");
});

test("the Patch Tuesday schedule starts patch with the stack's topic and image key filled in", () => {
  const [[, schedule]] = resources("AWS::Scheduler::Schedule");
  assert.equal(schedule.Properties.ScheduleExpression, "cron(30 18 ? * TUE#2 *)");
  assert.equal(schedule.Properties.ScheduleExpressionTimezone, "Europe/Berlin");
  assert.equal(schedule.Properties.State, "ENABLED");
  assert.deepEqual(schedule.Properties.Target.Arn, { Ref: logicalId("MachinesPatch") });
  const input = JSON.parse(flatten(schedule.Properties.Target.Input));
  assert.equal(input.topicArn, undefined);
  assert.deepEqual(input.topics, {
    newAmi: `{"Ref":"${logicalId("NewAmiTopic")}"}`,
    cycle: `{"Ref":"${logicalId("CycleTopic")}"}`,
    approval: `{"Ref":"${logicalId("ApprovalTopic")}"}`,
    digest: `{"Ref":"${logicalId("DigestTopic")}"}`,
  });
  assert.match(input.recipes[0].encryption.kmsKeyId, /ImageKey/);
  assert.match(input.recipes[1].builder.instanceProfile, /BuilderProfile/);
  assert.deepEqual(input.waitForNewAmi, { days: 3, checkEveryHours: 12 });
});

test("AWS's Windows AMI topic reaches the patch machine through a queue and a pipe", () => {
  template.hasResourceProperties("AWS::SNS::Subscription", {
    TopicArn: AWS_WINDOWS_AMI_TOPIC,
    Protocol: "sqs",
    Region: "us-east-1",
  });
  const [[, pipe]] = resources("AWS::Pipes::Pipe");
  assert.deepEqual(pipe.Properties.Target, { Ref: logicalId("MachinesPatch") });
  assert.equal(pipe.Properties.TargetParameters.StepFunctionStateMachineParameters.InvocationType, "FIRE_AND_FORGET");
  const input = JSON.parse(flatten(pipe.Properties.TargetParameters.InputTemplate));
  assert.equal(input.waves.length, 2);
  assert.deepEqual(input.waitForNewAmi, { days: 0, checkEveryHours: 12 }, "AWS has published: no waiting");
});

test("no mutating action on every resource, but the ones AWS allows no other way", () => {
  const readOnly = /^[\w-]+:(Describe|Get|List|BatchGet)\w*$/;
  // Each needs "*": X-Ray and log delivery, and the task-token answers of `tuesday approve`.
  const exceptions = new Set([
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "logs:CreateLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:PutResourcePolicy",
    "states:SendTaskSuccess",
    "states:SendTaskFailure",
  ]);
  const statements = [...resources("AWS::IAM::Policy"), ...resources("AWS::IAM::ManagedPolicy")].flatMap(
    ([, p]) => p.Properties.PolicyDocument.Statement as Statement[],
  );
  const offending = statements
    .filter((s) => list(s.Resource).includes("*"))
    .flatMap((s) => list(s.Action))
    .filter((action) => !readOnly.test(action) && !exceptions.has(action));
  assert.deepEqual(offending, []);
});

test("mutating Auto Scaling and EC2 calls are limited by tuesday's tags", () => {
  const statements = resources("AWS::IAM::Policy").flatMap(
    ([, p]) => p.Properties.PolicyDocument.Statement as Statement[],
  );
  // Only the configured recipes' values: tagging a group with another is no authority to cycle it.
  const recipes = ["win2019-iis", "win2022"];
  const tagged = (tag: string) => (s: Statement) =>
    [`aws:ResourceTag/${tag}`, `ssm:resourceTag/${tag}`].some(
      (key) => JSON.stringify(s.Condition?.StringEquals?.[key]) === JSON.stringify(recipes),
    );
  const mustBe: Record<string, string> = {
    "autoscaling:UpdateAutoScalingGroup": "tuesday:image",
    "autoscaling:SuspendProcesses": "tuesday:image",
    "autoscaling:ResumeProcesses": "tuesday:image",
    "autoscaling:TerminateInstanceInAutoScalingGroup": "tuesday:image",
    "autoscaling:StartInstanceRefresh": "tuesday:image",
    "autoscaling:RollbackInstanceRefresh": "tuesday:image",
    "ec2:CreateLaunchTemplateVersion": "tuesday:image",
    "ec2:ModifyLaunchTemplate": "tuesday:image",
    "ec2:TerminateInstances": "tuesday:recipe",
    "ec2:DeregisterImage": "tuesday:recipe",
    "ec2:ModifyImageAttribute": "tuesday:recipe",
    "ec2:DeleteSnapshot": "tuesday:recipe",
    "elasticloadbalancing:RegisterTargets": "tuesday:image",
    "elasticloadbalancing:DeregisterTargets": "tuesday:image",
  };
  for (const [action, tag] of Object.entries(mustBe)) {
    const granting = statements.filter((s) => list(s.Action).includes(action));
    assert.ok(granting.length > 0, `nobody may ${action}`);
    for (const s of granting)
      assert.ok(tagged(tag)(s), `${action} is granted without a ${tag} condition: ${JSON.stringify(s)}`);
  }
  // Locks live in the lock table: nothing tags a group.
  const tagging = statements.filter((s) =>
    list(s.Action).some((a) => /^autoscaling:(CreateOrUpdate|Delete)Tags$/.test(a)),
  );
  assert.deepEqual(tagging, []);
});

test("every activity's role allows each call the activity declares, and calls nothing it was not granted", () => {
  // Authorized along with the calls, never made as calls of their own (the manifest's `alongWith`):
  // tags given at creation, a role passed, a key EC2 uses, the launch Auto Scaling checks as the caller;
  // besides what Lambda itself needs of every function: its logs, and a network interface in a VPC.
  const alongWith = rustManifest().alongWith;
  // A granted `kms:GenerateDataKey*` stands for the actions it matches.
  const matches = (pattern: string, action: string) =>
    new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(action);
  const implied = (name: string, calls: string[], action: string) =>
    calls.some((call) => alongWith[name]?.[call]?.some((also) => matches(action, also))) ||
    action.startsWith("logs:") ||
    ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"].includes(action) ||
    ["ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"].includes(action);
  for (const [name, calls] of Object.entries(rustManifest().calls)) {
    const [roleId] = resources("AWS::IAM::Role").find(([id]) => id.startsWith(`Activities${name}Role`))!;
    const granted = new Set(statementsOf(roleId).flatMap((s) => list(s.Action)));
    // Without a packer recipe there is no CodeBuild project to grant, and nothing calls these two.
    const recipes = (sampleConfig().patch as { recipes: Array<{ mode?: string }> }).recipes;
    const packerRecipe = recipes.some((r) => r.mode === "packer");
    const unused = ["CheckPackerBuild", "StartPackerBuild"].includes(name) && !packerRecipe;
    for (const call of unused ? [] : calls)
      assert.ok(granted.has(call), `${name} calls ${call}, which its role does not allow`);
    const undeclared = [...granted].filter((action) => !calls.includes(action) && !implied(name, calls, action));
    assert.deepEqual(undeclared, [], `${name} is granted calls it does not declare`);
  }
});

test("pure activities may only write their logs", () => {
  for (const name of ["Bee", "JudgeWave", "PlanAttack", "SummarizeBake", "ValidateRecipes"]) {
    const [roleId] = resources("AWS::IAM::Role").find(([id]) => id.startsWith(`Activities${name}Role`))!;
    const actions = statementsOf(roleId).flatMap((s) => list(s.Action));
    assert.deepEqual([...new Set(actions)].sort(), ["logs:CreateLogStream", "logs:PutLogEvents"], name);
  }
});

test("PlanPatch reads groups and templates, and asks only of the stack's topics whether they exist", () => {
  const [roleId] = resources("AWS::IAM::Role").find(([id]) => id.startsWith("ActivitiesPlanPatchRole"))!;
  const statements = statementsOf(roleId);
  const topics = statements.filter((s) => list(s.Action).includes("sns:GetTopicAttributes"));
  assert.equal(topics.length, 1);
  assert.ok(!list(topics[0].Resource).includes("*"), JSON.stringify(topics[0].Resource));
  const actions = [...new Set(statements.flatMap((s) => list(s.Action)))].sort();
  assert.deepEqual(actions, [
    "autoscaling:DescribeAutoScalingGroups",
    "ec2:DescribeLaunchTemplates",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "sns:GetTopicAttributes",
  ]);
});

test("LaunchInstance may pass the builder role only, template changes the fleet's roles only; shared accounts may use the image key", () => {
  const [roleId] = resources("AWS::IAM::Role").find(([id]) => id.startsWith("ActivitiesLaunchInstanceRole"))!;
  const pass = statementsOf(roleId).filter((s) => list(s.Action).includes("iam:PassRole"));
  assert.deepEqual(
    pass.map((s) => s.Resource),
    [{ "Fn::GetAtt": [logicalId("BuilderRole"), "Arn"] }],
  );
  for (const name of ["ApplyImage", "RestoreLaunchTemplate"]) {
    const [fleetId] = resources("AWS::IAM::Role").find(([id]) => id.startsWith(`Activities${name}Role`))!;
    const passes = statementsOf(fleetId).filter((s) => list(s.Action).includes("iam:PassRole"));
    assert.deepEqual(
      passes.map((s) => s.Resource),
      ["arn:aws:iam::123456789012:role/windows-web-fleet"],
      name,
    );
  }
  template.hasResourceProperties("AWS::KMS::Key", {
    EnableKeyRotation: true,
    KeyPolicy: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Principal: { AWS: { "Fn::Join": Match.arrayWith([Match.arrayWith([":iam::111122223333:root"])]) } },
        }),
      ]),
    },
  });
});

test("a topic per kind of notification; each publisher may publish to its own only", () => {
  const topics = resources("AWS::SNS::Topic").map(([, t]) => t.Properties.TopicName);
  assert.deepEqual(topics.sort(), ["tuesday-approval", "tuesday-cycle", "tuesday-digest", "tuesday-new-ami"]);
  const publishesTo = (role: string) => {
    const [roleId] = resources("AWS::IAM::Role").find(([id]) => id.startsWith(role))!;
    return statementsOf(roleId)
      .filter((s) => list(s.Action).includes("sns:Publish"))
      .flatMap((s) => list(s.Resource));
  };
  assert.deepEqual(publishesTo("ActivitiesAnnounceNewAmiRole"), [{ Ref: logicalId("NewAmiTopic") }]);
  assert.deepEqual(publishesTo("ActivitiesPublishMessageRole"), [{ Ref: logicalId("CycleTopic") }]);
  assert.deepEqual(publishesTo("ActivitiesPublishDigestRole"), [{ Ref: logicalId("DigestTopic") }]);
  assert.deepEqual(publishesTo("MachinesPatchRole"), [{ Ref: logicalId("ApprovalTopic") }]);
});

test("alarms on failed and timed-out executions of every machine go to the digest topic; e-mail by kind; a dashboard", () => {
  const alarms = resources("AWS::CloudWatch::Alarm");
  assert.equal(alarms.length, machineFiles().length * 2);
  for (const [, alarm] of alarms) {
    assert.ok(["ExecutionsFailed", "ExecutionsTimedOut"].includes(alarm.Properties.MetricName));
    assert.deepEqual(alarm.Properties.AlarmActions, [{ Ref: logicalId("DigestTopic") }]);
  }
  template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
  const emails = resources("AWS::SNS::Subscription").filter(([, s]) => s.Properties.Protocol === "email");
  const topicOf = (ref: { Ref: string }) => template.toJSON().Resources[ref.Ref].Properties.TopicName;
  assert.deepEqual(emails.map(([, s]) => `${s.Properties.Endpoint} ${topicOf(s.Properties.TopicArn)}`).sort(), [
    "oncall@example.com tuesday-approval",
    "oncall@example.com tuesday-digest",
    "ops@example.com tuesday-approval",
    "ops@example.com tuesday-cycle",
    "ops@example.com tuesday-digest",
    "ops@example.com tuesday-new-ami",
  ]);
});

test("cdk-nag's AwsSolutions pack finds nothing unacknowledged", () => {
  const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
  assert.deepEqual(
    report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(", ")}`),
    [],
  );
});

test("bees attack from the configured subnets when the targets are internal", () => {
  const inVpc = sampleStack(
    sampleConfig({
      beeNetwork: { subnetIds: ["subnet-0123456789abcdef0"], securityGroupIds: ["sg-0123456789abcdef0"] },
    }),
  );
  const t = Template.fromStack(inVpc);
  t.hasResourceProperties("AWS::Lambda::Function", {
    Handler: "Bee",
    VpcConfig: { SubnetIds: ["subnet-0123456789abcdef0"], SecurityGroupIds: ["sg-0123456789abcdef0"] },
  });
  assert.equal(
    Object.values(t.findResources("AWS::Lambda::Function", { Properties: { VpcConfig: Match.anyValue() } })).length,
    1,
  );
  const report = new AwsSolutionsChecks(undefined).validateScope(inVpc);
  assert.deepEqual(report.violations, []);
});

test("a wildcard nobody justified fails synthesis", () => {
  const scratch = new Stack(new App(), "scratch");
  const role = new iam.Role(scratch, "Role", { assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com") });
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ["ec2:TerminateInstances"], resources: ["*"] }));
  assert.throws(() => justifyWildcards(role, () => undefined), /Resource::\* is not justified/);
});

test("a recipe naming another instance profile is refused, naming the field", () => {
  const config = sampleConfig();
  (config.patch.recipes as Array<Record<string, unknown>>)[1].builder = { instanceProfile: "admin" };
  assert.throws(
    () => sampleStack(config),
    (error: unknown) =>
      error instanceof ConfigError && /^patch\.recipes\[1\]\.builder\.instanceProfile:/.test(error.problems[0]),
  );
});

function logicalId(prefix: string): string {
  const ids = Object.keys(template.toJSON().Resources).filter((id) => new RegExp(`^${prefix}[0-9A-F]{8}$`).test(id));
  assert.equal(ids.length, 1, `no single resource ${prefix}: ${ids}`);
  return ids[0];
}

/** A Fn::Join of strings and references, as one string (references as JSON). */
function flatten(value: unknown): string {
  if (typeof value === "string") return value;
  const [separator, parts] = (value as { "Fn::Join": [string, unknown[]] })["Fn::Join"];
  return parts.map((p) => (typeof p === "string" ? p : JSON.stringify(p).replace(/"/g, '\\"'))).join(separator);
}

test("Auto Scaling's service-linked role may use the image key, and CloudWatch may publish to the digest topic", () => {
  const slr = "role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling";
  const [, key] = resources("AWS::KMS::Key").find(([id]) => id.startsWith("ImageKey"))!;
  const statements = key.Properties.KeyPolicy.Statement as Array<Record<string, any>>;
  const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
  for (const sid of ["AutoScalingUsesTheKey", "AutoScalingGrantsForItsLaunches"])
    assert.ok(JSON.stringify(bySid(sid)?.Principal).includes(slr), `${sid} names Auto Scaling's service-linked role`);
  assert.deepEqual(bySid("AutoScalingUsesTheKey")!.Action, [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:DescribeKey",
  ]);
  assert.deepEqual(bySid("AutoScalingGrantsForItsLaunches")!.Condition, {
    Bool: { "kms:GrantIsForAWSResource": true },
  });

  const digestTopic = logicalId("DigestTopic");
  const [, policy] = resources("AWS::SNS::TopicPolicy").find(([, p]) =>
    p.Properties.Topics.some((t: { Ref: string }) => t.Ref === digestTopic),
  )!;
  const publish = (policy.Properties.PolicyDocument.Statement as Array<Record<string, any>>).find(
    (s) => s.Sid === "CloudWatchPublishesAlarms",
  );
  assert.deepEqual(publish?.Principal, { Service: "cloudwatch.amazonaws.com" });
  assert.equal(publish?.Effect, "Allow");
  assert.deepEqual(publish?.Condition, { StringEquals: { "aws:SourceAccount": "123456789012" } });
});

test("validate's Distributed Map starts its own child executions and writes their results where MergeBees reads them", () => {
  const [bucketId, bucket] = resources("AWS::S3::Bucket").find(([id]) => id.startsWith("ResultsBucket"))!;
  assert.deepEqual(bucket.Properties.PublicAccessBlockConfiguration, {
    BlockPublicAcls: true,
    BlockPublicPolicy: true,
    IgnorePublicAcls: true,
    RestrictPublicBuckets: true,
  });
  const objects = { "Fn::Join": ["", [{ "Fn::GetAtt": [bucketId, "Arn"] }, "/*"]] };
  const [validateId] = resources("AWS::IAM::Role").find(([id]) => id.startsWith("MachinesValidateRole"))!;
  const validate = statementsOf(validateId);
  const allowed = (action: string) => validate.filter((s) => list(s.Action).includes(action)).map((s) => s.Resource);
  assert.deepEqual(allowed("s3:PutObject"), [objects]);
  const own = JSON.stringify(allowed("states:StartExecution"));
  assert.ok(own.includes(`:stateMachine:${stack.stackName}-validate`), own);
  const children = JSON.stringify(allowed("states:DescribeExecution"));
  assert.ok(children.includes(`:execution:${stack.stackName}-validate/*`), children);

  const [mergeId] = resources("AWS::IAM::Role").find(([id]) => id.startsWith("ActivitiesMergeBeesRole"))!;
  const reads = statementsOf(mergeId).filter((s) => list(s.Action).includes("s3:GetObject"));
  assert.deepEqual(
    reads.map((s) => s.Resource),
    [objects],
  );
  const [, machine] = resources("AWS::StepFunctions::StateMachine").find(([id]) => id.startsWith("MachinesValidate"))!;
  assert.deepEqual(machine.Properties.DefinitionSubstitutions.ResultsBucket, { Ref: bucketId });
});

test("cycles lock their groups in a kept table that only the lock activities write, each with the item calls it makes", () => {
  const [tableId, table] = resources("AWS::DynamoDB::Table").find(([id]) => id.startsWith("LockTable"))!;
  assert.deepEqual(table.Properties.KeySchema, [{ AttributeName: "groupName", KeyType: "HASH" }]);
  assert.equal(table.Properties.DeletionProtectionEnabled, true);
  assert.equal(table.DeletionPolicy, "Retain");
  assert.deepEqual(table.Properties.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true });
  const onTable = JSON.stringify({ "Fn::GetAtt": [tableId, "Arn"] });
  const writers = Object.fromEntries(
    resources("AWS::IAM::Role")
      .filter(([id]) => id.startsWith("Activities"))
      .map(([id]) => [
        id.replace(/^Activities(\w+?)Role.*$/, "$1"),
        statementsOf(id)
          .filter((s) => JSON.stringify(s.Resource).includes(onTable))
          .flatMap((s) => list(s.Action))
          .sort(),
      ])
      .filter(([, actions]) => actions.length > 0),
  );
  assert.deepEqual(writers, {
    LockGroup: ["dynamodb:GetItem", "dynamodb:PutItem"],
    PlanGroupUpdate: ["dynamodb:GetItem"],
    RecordCycle: ["dynamodb:UpdateItem"],
    TakeOverLock: ["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:UpdateItem"],
    UnlockGroup: ["dynamodb:DeleteItem"],
  });
  for (const name of ["Cycle", "CycleBatch", "Recover"]) {
    const [, machine] = stateMachine(name);
    assert.deepEqual(machine.Properties.DefinitionSubstitutions.LockTable, { Ref: tableId }, name);
  }
});

test("a cycle that ends stopped, timed out or failed starts the recovery of the lock it held", () => {
  const [, rule] = resources("AWS::Events::Rule").find(([, r]) => r.Properties.Description?.includes("recover"))!;
  const [cycleId] = stateMachine("Cycle");
  const [recoverId] = stateMachine("Recover");
  assert.deepEqual(rule.Properties.EventPattern, {
    source: ["aws.states"],
    "detail-type": ["Step Functions Execution Status Change"],
    detail: { status: ["ABORTED", "TIMED_OUT", "FAILED"], stateMachineArn: [{ Ref: cycleId }] },
  });
  const [target] = rule.Properties.Targets;
  assert.deepEqual(target.Arn, { Ref: recoverId });
  assert.deepEqual(target.InputTransformer, {
    InputPathsMap: { "detail-executionArn": "$.detail.executionArn" },
    InputTemplate: '{"heldBy":<detail-executionArn>}',
  });
});
