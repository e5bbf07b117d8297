// The CDK app: `npx cdk synth|deploy` (or `./just deploy`). The configuration is
// `cdk/tuesday.config.json` unless `TUESDAY_CONFIG` names another file.

import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";

import { ConfigError, loadConfig } from "../lib/config.js";
import { repoPath } from "../lib/paths.js";
import { TuesdayStack } from "../lib/stack.js";

try {
  const config = loadConfig(process.env.TUESDAY_CONFIG ?? repoPath("cdk/tuesday.config.json"));
  const app = new App();
  new TuesdayStack(app, app.node.tryGetContext("stackName") ?? "tuesday", {
    config,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION ?? process.env.AWS_REGION },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
