import assert from "node:assert/strict";
import { test } from "node:test";

import { ConfigError, parseConfig, patchTuesdayCron } from "../lib/config.js";
import { sampleConfig } from "./support.js";

function problems(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail("the configuration was accepted");
}

const patch = {
  recipes: [{ name: "win2022", source: { parameter: "/aws/service/x" } }],
  waves: [{ name: "prod", recipe: "win2022" }],
};

const fleetRoleArns = ["arn:aws:iam::123456789012:role/windows-web-fleet"];

test("a valid configuration gets the defaults", () => {
  const config = parseConfig({ patch, fleetRoleArns });
  assert.deepEqual(config.schedule, { time: "10:00", timeZone: "UTC", enabled: true });
  assert.equal(config.awsAmiUpdates, true);
  assert.deepEqual(config.emails, []);
  assert.deepEqual(config.fleetRoleArns, fleetRoleArns);
});

test("the fleet's roles are required: without them, tuesday could pass any role", () => {
  for (const missing of [{}, { fleetRoleArns: null }, { fleetRoleArns: [] }])
    assert.match(problems({ patch, ...missing }).join(" | "), /^fleetRoleArns: required: /, JSON.stringify(missing));
});

test("every problem is reported at once, each naming its field", () => {
  const found = problems({
    patch: { ...patch, waves: [{ name: "prod" }], recipes: [{ name: "win2022", source: {}, keep: 0, colour: "blue" }] },
    schedule: { time: "25:00", timeZone: "Mars/Olympus_Mons" },
    emails: ["not-an-address", { address: "ops@example.com", kinds: ["digest", "gossip"] }],
    fleetRoleArns: ["arn:aws:iam::123:user/x"],
    beeNetwork: { subnetIds: ["subnet-0123456789abcdef0", "vpc-1"], securityGroupIds: [] },
    colour: "blue",
  });
  const fields = found.map((p) => p.split(":")[0]);
  for (const field of [
    "colour",
    "patch.waves[0].recipe",
    "patch.recipes[0].keep",
    "patch.recipes[0].colour",
    "schedule.time",
    "schedule.timeZone",
    "emails[0]",
    "emails[1].kinds[1]",
    "fleetRoleArns[0]",
    "beeNetwork.subnetIds[1]",
    "beeNetwork.securityGroupIds",
  ]) {
    assert.ok(fields.includes(field), `no problem names ${field}: ${found.join(" | ")}`);
  }
});

test("the stack's own fields are refused in the patch input", () => {
  assert.deepEqual(problems({ patch: { ...patch, topicArn: "arn:aws:sns:eu-west-1:123456789012:t" }, fleetRoleArns }), [
    "patch.topicArn: leave it out: the stack uses its own topics",
  ]);
});

test("a recipe's KMS key must be an ARN the stack can grant", () => {
  const recipes = [{ ...patch.recipes[0], encryption: { encrypted: true, kmsKeyId: "alias/images" } }];
  assert.match(
    problems({ patch: { ...patch, recipes }, fleetRoleArns })[0],
    /^patch\.recipes\[0\]\.encryption\.kmsKeyId: use the key's ARN/,
  );
});

test("a missing patch input is named", () => {
  assert.match(problems({ schedule: { time: "10:00" }, fleetRoleArns })[0], /^patch: required/);
});

test("Patch Tuesday is the second Tuesday at the configured time", () => {
  assert.equal(patchTuesdayCron(sampleConfig().schedule), "cron(30 18 ? * TUE#2 *)");
  assert.equal(patchTuesdayCron({ time: "07:05", timeZone: "UTC", enabled: true }), "cron(5 7 ? * TUE#2 *)");
});

test("a manual approval no one would hear of is refused; an address hearing approvals lets it through", () => {
  const asking = { ...patch, waves: [{ name: "prod", recipe: "win2022", approval: "manual" }] };
  assert.deepEqual(problems({ patch: asking, fleetRoleArns }), [
    'patch.waves[0].approval: manual, but no one would hear the request: add an address to emails (every kind, or kinds with "approval")',
  ]);
  assert.deepEqual(
    problems({ patch: asking, fleetRoleArns, emails: [{ address: "ops@example.com", kinds: ["digest"] }] }).length,
    1,
  );
  for (const emails of [["ops@example.com"], [{ address: "ops@example.com", kinds: ["approval"] }]])
    assert.doesNotThrow(() => parseConfig({ patch: asking, fleetRoleArns, emails }), JSON.stringify(emails));
});
