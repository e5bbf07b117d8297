// Where the app finds the repository's generated files and the Lambda bootstrap.

import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export function repoPath(relative: string): string {
  return resolve(REPO, relative);
}

/**
 * The Lambda code: `TUESDAY_BOOTSTRAP` (a zip, or a folder holding `bootstrap`), by default what
 * `./just package` builds (arm64, release). Tests point it at the x86_64 debug build `./just test`
 * already made: synthesis only needs an asset to fingerprint, never one that runs.
 */
export function bootstrapAsset(): string {
  const path = process.env.TUESDAY_BOOTSTRAP
    ? resolve(process.env.TUESDAY_BOOTSTRAP)
    : repoPath("target/lambda/bootstrap/bootstrap.zip");
  if (!existsSync(path)) {
    throw new Error(`no Lambda bootstrap at ${path}: run ./just package (or set TUESDAY_BOOTSTRAP)`);
  }
  return path;
}
