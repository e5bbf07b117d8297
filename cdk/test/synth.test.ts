// `cdk synth` as an operator runs it, with no credentials and no network, then cfn-lint on the template.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";

import { activityNames } from "../lib/activities.js";
import { machineFiles } from "../lib/machines.js";
import { repoPath } from "../lib/paths.js";
import { useDebugBootstrap } from "./support.js";

const CFN_LINT = process.env.CFN_LINT ?? repoPath(".tools/cfn-lint/bin/cfn-lint");

function synth(outdir: string, extraEnv: Record<string, string> = {}) {
  const env: Record<string, string | undefined> = {
    ...process.env,
    AWS_REGION: "us-east-1",
    CDK_DISABLE_CLI_TELEMETRY: "true",
    CDK_DISABLE_VERSION_CHECK: "true",
    ...extraEnv,
  };
  for (const key of [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "CDK_DEFAULT_ACCOUNT",
  ])
    delete env[key];
  // No credentials to find: point the SDK's files somewhere empty.
  env.AWS_CONFIG_FILE = env.AWS_SHARED_CREDENTIALS_FILE = join(outdir, "no-such-file");
  return spawnSync("npx", ["cdk", "synth", "--quiet", "--no-notices", "--output", outdir], {
    cwd: repoPath("cdk"),
    env,
    encoding: "utf8",
  });
}

let template: string;

before(() => {
  useDebugBootstrap();
  const outdir = mkdtempSync(join(tmpdir(), "tuesday-synth-"));
  const result = synth(outdir);
  assert.equal(result.status, 0, `cdk synth failed:\n${result.stderr}`);
  template = join(outdir, "tuesday.template.json");
});

test("cdk synth works offline with the committed configuration", () => {
  const resources = Object.values(JSON.parse(readFileSync(template, "utf8")).Resources) as Array<{ Type: string }>;
  const count = (type: string) => resources.filter((r) => r.Type === type).length;
  assert.equal(count("AWS::Lambda::Function"), activityNames().length);
  assert.equal(count("AWS::StepFunctions::StateMachine"), machineFiles().length);
  assert.equal(count("AWS::Scheduler::Schedule"), 1);
});

test("cfn-lint finds nothing wrong with the template", () => {
  assert.ok(existsSync(CFN_LINT), `${CFN_LINT} is missing: ./just setup installs it (cdk/requirements.txt)`);
  // W3005: CDK states DependsOn that a GetAtt already implies; harmless, and CDK's to change.
  const lint = spawnSync(CFN_LINT, ["--ignore-checks", "W3005", "--", template], { encoding: "utf8" });
  assert.equal(lint.status, 0, `cfn-lint:\n${lint.stdout}${lint.stderr}`);
});

test("a bad configuration stops cdk synth with the field named", () => {
  const outdir = mkdtempSync(join(tmpdir(), "tuesday-synth-bad-"));
  const config = join(outdir, "tuesday.config.json");
  writeFileSync(config, JSON.stringify({ patch: { recipes: [], waves: [] }, schedule: { time: "9am" } }));
  const result = synth(outdir, { TUESDAY_CONFIG: config });
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /patch\.waves: must NOT have fewer than 1 items/);
  assert.match(result.stderr, /schedule\.time: '9am' is not HH:MM/);
});
