// What the tests share: a bootstrap to synthesize against, a valid configuration, and one stack.

import { copyFileSync, existsSync, linkSync, mkdirSync, rmSync } from "node:fs";
import { App } from "aws-cdk-lib";

import { parseConfig, type TuesdayConfig } from "../lib/config.js";
import { repoPath } from "../lib/paths.js";
import { TuesdayStack } from "../lib/stack.js";

/**
 * The tests synthesize against the x86_64 debug `bootstrap` that `./just test` has already built
 * (cargo test builds every binary): the asset is fingerprinted and staged, never run, so the arm64
 * release build `./just package` makes (tens of minutes) is not needed here.
 */
export function useDebugBootstrap(): string {
  const built = repoPath("target/debug/bootstrap");
  if (!existsSync(built))
    throw new Error(`${built} is missing: run \`cargo build -p activities --bin bootstrap\` (./just test does)`);
  const dir = repoPath("target/cdk-test-bootstrap");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    linkSync(built, `${dir}/bootstrap`);
  } catch {
    copyFileSync(built, `${dir}/bootstrap`);
  }
  process.env.TUESDAY_BOOTSTRAP = dir;
  return dir;
}

/** A configuration like an operator's: two recipes (one built over SSM and shared), two waves. */
export function sampleConfig(overrides: Record<string, unknown> = {}): TuesdayConfig {
  return parseConfig({
    patch: {
      recipes: [
        {
          name: "win2022",
          source: { parameter: "/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base" },
        },
        {
          name: "win2019-iis",
          source: { parameter: "/aws/service/ami-windows-latest/Windows_Server-2019-English-Full-Base" },
          mode: "ssm-build",
          shareWith: ["111122223333"],
          provisioners: [{ name: "iis", powershell: ["Install-WindowsFeature Web-Server"] }],
        },
      ],
      waves: [
        { name: "pre-prod", recipe: "win2022", groups: ["preprod-web"] },
        { name: "prod", recipe: "win2022", approval: "manual" },
      ],
      waitForNewAmi: { days: 3, checkEveryHours: 12 },
    },
    schedule: { time: "18:30", timeZone: "Europe/Berlin", enabled: true },
    emails: ["ops@example.com", { address: "oncall@example.com", kinds: ["approval", "digest"] }],
    fleetRoleArns: ["arn:aws:iam::123456789012:role/windows-web-fleet"],
    ...overrides,
  });
}

export function sampleStack(config: TuesdayConfig = sampleConfig()): TuesdayStack {
  useDebugBootstrap();
  const app = new App();
  return new TuesdayStack(app, "tuesday", { config, env: { account: "123456789012", region: "eu-west-1" } });
}
