// The example inputs the README points console users to must be inputs the machines accept.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";

import { inputSchemaValidator } from "../lib/config.js";
import { machineFiles } from "../lib/machines.js";
import { repoPath } from "../lib/paths.js";

const examples = readdirSync(repoPath("cdk/examples")).filter((f) => f.endsWith(".json"));

// Started only by another machine, each for a part of its work.
const CHILDREN_ONLY = ["bake_recipe", "cycle_batch"];

test("every machine people start by hand has an example", () => {
  const machines = machineFiles()
    .map((m) => m.stem)
    .filter((stem) => !CHILDREN_ONLY.includes(stem));
  assert.deepEqual(examples.map((f) => f.replace(/\.json$/, "")).sort(), machines.sort());
});

for (const file of examples) {
  test(`examples/${file} is valid input for its machine`, () => {
    const validate = inputSchemaValidator(file.replace(/\.json$/, ""));
    assert.deepEqual(validate(JSON.parse(readFileSync(repoPath(`cdk/examples/${file}`), "utf8")), "input"), []);
  });
}
