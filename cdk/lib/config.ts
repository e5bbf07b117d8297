// The deployment's configuration: what to patch (the patch machine's input, checked against the schema
// workflow-gen writes), when (the Patch Tuesday schedule) and who hears about it. Every error names the
// field, and all of them are reported before anything is synthesized.

import { readFileSync } from "node:fs";
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";

import { rustManifest } from "./manifest.js";
import { repoPath } from "./paths.js";

export interface ScheduleConfig {
  /** Local time on Patch Tuesday (the second Tuesday, `TUE#2`), `HH:MM`. */
  time: string;
  /** An IANA time zone, such as `America/New_York`. */
  timeZone: string;
  enabled: boolean;
}

export interface TuesdayConfig {
  /** The patch machine's input, without `topicArn` and `topics`: the stack fills in its own topics. */
  patch: Record<string, unknown>;
  /** Started on Patch Tuesday; AWS publishes a day or so later, so `patch.waitForNewAmi` waits for it. */
  schedule: ScheduleConfig;
  /** Start the patch machine when AWS's `ec2-windows-ami-update` topic announces new Windows AMIs. */
  awsAmiUpdates: boolean;
  /**
   * E-mail subscriptions: an address gets every kind of notification (new-ami, cycle, approval,
   * digest: a topic each); `{ "address": ..., "kinds": [...] }` only those kinds' topics.
   */
  emails: Array<string | EmailSubscription>;
  /**
   * Roles that the fleet's launch templates pass to their instances (required). Updating a group's
   * launch template makes Auto Scaling check that the caller may pass them: tuesday may pass these,
   * to EC2 only, and no other role.
   */
  fleetRoleArns: string[];
  /**
   * Where the bees attack from: subnets and security groups of the VPC that can reach the waves'
   * load balancers (internal ones included). Without it, bees reach only public endpoints.
   */
  beeNetwork: BeeNetwork | null;
}

export interface BeeNetwork {
  subnetIds: string[];
  securityGroupIds: string[];
}

export interface EmailSubscription {
  address: string;
  kinds: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`tuesday config is not valid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

const DEFAULTS = {
  schedule: { time: "10:00", timeZone: "UTC", enabled: true },
  awsAmiUpdates: true,
  emails: [],
  fleetRoleArns: undefined,
  beeNetwork: null,
};
const KNOWN = new Set(Object.keys(DEFAULTS).concat("patch"));

export function loadConfig(path: string): TuesdayConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError([`${path}: ${(error as Error).message}`]);
  }
  return parseConfig(raw);
}

export function parseConfig(raw: unknown): TuesdayConfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(["(top level): must be an object"]);
  }
  const input = raw as Record<string, unknown>;
  const problems = Object.keys(input)
    .filter((key) => !KNOWN.has(key))
    .map((key) => `${key}: unknown field`);
  const config = {
    ...DEFAULTS,
    ...input,
    schedule: { ...DEFAULTS.schedule, ...(input.schedule as object) },
  } as unknown as TuesdayConfig;

  problems.push(
    ...patchProblems(config.patch),
    ...scheduleProblems(config.schedule),
    ...(typeof config.awsAmiUpdates === "boolean" ? [] : ["awsAmiUpdates: must be true or false"]),
    ...listProblems("emails", config.emails, emailProblems),
    ...unheardApprovals(config),
    ...fleetRoleProblems(config.fleetRoleArns),
    ...(config.beeNetwork === null ? [] : beeNetworkProblems(config.beeNetwork)),
  );
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function fleetRoleProblems(roles: unknown): string[] {
  if (!Array.isArray(roles) || roles.length === 0)
    return [
      "fleetRoleArns: required: the ARNs of the roles your launch templates give their instances, which tuesday may pass when it points a group at a new template version",
    ];
  return listProblems("fleetRoleArns", roles, roleArnProblems);
}

function patchProblems(patch: unknown): string[] {
  if (typeof patch !== "object" || patch === null) {
    return ["patch: required, the patch machine's input (statemachines/schemas/patch.input.schema.json)"];
  }
  const problems = schemaProblems(patch as Record<string, unknown>);
  for (const field of ["topicArn", "topics"].filter((f) => f in patch)) {
    problems.push(`patch.${field}: leave it out: the stack uses its own topics`);
  }
  const recipes = (patch as { recipes?: unknown }).recipes;
  for (const [i, recipe] of (Array.isArray(recipes) ? recipes : []).entries()) {
    const kmsKeyId = (recipe?.encryption as { kmsKeyId?: unknown } | undefined)?.kmsKeyId;
    if (typeof kmsKeyId === "string" && !/^arn:aws[\w-]*:kms:[\w-]+:\d{12}:key\/[\w-]+$/.test(kmsKeyId)) {
      problems.push(
        `patch.recipes[${i}].encryption.kmsKeyId: use the key's ARN (arn:aws:kms:...:key/...), so the stack can grant its use`,
      );
    }
  }
  return problems;
}

function scheduleProblems({ time, timeZone, enabled }: ScheduleConfig): string[] {
  return [
    ...(/^([01]\d|2[0-3]):[0-5]\d$/.test(String(time)) ? [] : [`schedule.time: '${time}' is not HH:MM (24-hour)`]),
    ...(isTimeZone(timeZone) ? [] : [`schedule.timeZone: '${timeZone}' is not an IANA time zone`]),
    ...(typeof enabled === "boolean" ? [] : ["schedule.enabled: must be true or false"]),
  ];
}

/** The problems of each entry of a list, named `field[i]`. */
function listProblems(field: string, list: unknown, entryProblems: (entry: unknown, name: string) => string[]) {
  if (!Array.isArray(list)) return [`${field}: must be a list`];
  return list.flatMap((entry, i) => entryProblems(entry, `${field}[${i}]`));
}

function roleArnProblems(arn: unknown, field: string): string[] {
  return /^arn:aws[\w-]*:iam::\d{12}:role\/.+$/.test(String(arn)) ? [] : [`${field}: '${arn}' is not an IAM role ARN`];
}

function beeNetworkProblems(network: unknown): string[] {
  const { subnetIds, securityGroupIds, ...unknown } = (network ?? {}) as Partial<BeeNetwork>;
  const ids = (field: string, list: unknown, prefix: string) =>
    Array.isArray(list) && list.length > 0
      ? list.flatMap((id, i) =>
          new RegExp(`^${prefix}-[0-9a-f]{8,17}$`).test(String(id))
            ? []
            : [`${field}[${i}]: '${id}' is not a ${prefix}- id`],
        )
      : [`${field}: at least one ${prefix}- id`];
  return [
    ...Object.keys(unknown).map((key) => `beeNetwork.${key}: unknown field`),
    ...ids("beeNetwork.subnetIds", subnetIds, "subnet"),
    ...ids("beeNetwork.securityGroupIds", securityGroupIds, "sg"),
  ];
}

function emailProblems(entry: unknown, field: string): string[] {
  const isAddress = (a: unknown) => /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(String(a));
  if (typeof entry === "string") return isAddress(entry) ? [] : [`${field}: '${entry}' is not an e-mail address`];
  const { address, kinds, ...unknown } = (entry ?? {}) as Partial<EmailSubscription>;
  const known = rustManifest().notificationKinds;
  return [
    ...Object.keys(unknown).map((key) => `${field}.${key}: unknown field`),
    ...(isAddress(address) ? [] : [`${field}.address: '${address}' is not an e-mail address`]),
    ...(Array.isArray(kinds) && kinds.length > 0
      ? kinds.flatMap((k, j) =>
          known.includes(k) ? [] : [`${field}.kinds[${j}]: '${k}' is not one of ${known.join(", ")}`],
        )
      : [`${field}.kinds: a list of ${known.join(", ")}`]),
  ];
}

/** A wave that waits for a person's approval needs someone subscribed to hear the request. */
function unheardApprovals(config: TuesdayConfig): string[] {
  const emails = Array.isArray(config.emails) ? config.emails : [];
  const heard = emails.some((e) => typeof e === "string" || (Array.isArray(e?.kinds) && e.kinds.includes("approval")));
  const waves = (config.patch as { waves?: unknown } | undefined)?.waves;
  return (Array.isArray(waves) ? waves : []).flatMap((wave, i) =>
    wave?.approval === "manual" && !heard
      ? [
          `patch.waves[${i}].approval: manual, but no one would hear the request: add an address to emails (every kind, or kinds with "approval")`,
        ]
      : [],
  );
}

/** The recipes of a valid configuration. */
export function recipes(config: TuesdayConfig): Array<Record<string, unknown>> {
  const list = (config.patch as { recipes?: unknown } | undefined)?.recipes;
  return Array.isArray(list) ? list : [];
}

/** `cron(...)` for the second Tuesday of every month at the configured time. */
export function patchTuesdayCron(schedule: ScheduleConfig): string {
  const [hours, minutes] = schedule.time.split(":").map(Number);
  return `cron(${minutes} ${hours} ? * TUE#2 *)`;
}

/** The number formats schemars writes. */
const NUMBER_FORMATS = {
  double: { type: "number" as const, validate: (n: number) => Number.isFinite(n) },
  uint32: { type: "number" as const, validate: (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff },
  uint64: { type: "number" as const, validate: (n: number) => Number.isInteger(n) && n >= 0 },
};

/** Checks a machine's input against the schema workflow-gen writes; problems name fields under `root`. */
export function inputSchemaValidator(machine: string): (input: unknown, root: string) => string[] {
  const schema = JSON.parse(readFileSync(repoPath(`statemachines/schemas/${machine}.input.schema.json`), "utf8"));
  const validate = new Ajv2020({ allErrors: true, strict: false, formats: NUMBER_FORMATS }).compile(schema);
  return (input, root) =>
    validate(input) ? [] : (validate.errors ?? []).map((e) => `${fieldName(e, root)}: ${e.message}`);
}

let validatePatch: ReturnType<typeof inputSchemaValidator> | undefined;

function schemaProblems(patch: Record<string, unknown>): string[] {
  validatePatch ??= inputSchemaValidator("patch");
  return validatePatch(patch, "patch");
}

/** `patch.waves[0].recipe` from ajv's `/waves/0/recipe`. */
function fieldName(error: ErrorObject, root: string): string {
  const parts = error.instancePath.split("/").slice(1);
  if (error.keyword === "required") parts.push(String(error.params.missingProperty));
  if (error.keyword === "additionalProperties") parts.push(String(error.params.additionalProperty));
  return parts.reduce((name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : `${name}.${part}`), root);
}

function isTimeZone(zone: unknown): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: String(zone) });
    return typeof zone === "string";
  } catch {
    return false;
  }
}
