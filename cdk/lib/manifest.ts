// What the Rust side tells the app: `cdk/generated/manifest.json`, written by
// `cargo run -p activities --bin cdk-manifest` (`./just gen`) and checked fresh by `./just test`.

import { readFileSync } from "node:fs";

import { repoPath } from "./paths.js";

interface Manifest {
  /** Every activity: one Lambda function each, the handler naming it. */
  activities: string[];
  /** The AWS calls each activity declares beside its code (`CALLS`), as IAM actions. */
  calls: Record<string, string[]>;
  /** Per activity and call, what AWS authorizes along with it, never called on its own (activities/src/authorized.rs). */
  alongWith: Record<string, Record<string, string[]>>;
  /** The kinds of notification: a topic each. */
  notificationKinds: string[];
}

let manifest: Manifest | undefined;

export function rustManifest(): Manifest {
  manifest ??= JSON.parse(readFileSync(repoPath("cdk/generated/manifest.json"), "utf8")) as Manifest;
  return manifest;
}
