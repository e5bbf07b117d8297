// cdk-nag's AwsSolutions-IAM5 reports every wildcard in a policy. tuesday acknowledges each one with
// the reason its grant gives, finding by finding, so a new wildcard nobody justified fails synthesis.

import { Stack, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type { IConstruct } from "constructs";
import { flattenCfnReference } from "cdk-nag/lib/utils/flatten-cfn-reference.js";

import type { Grant } from "./permissions.js";

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

/** Acknowledges each wildcard in `owner`'s policies with `reasonOf(finding)`; throws on one without. */
export function justifyWildcards(owner: IConstruct, reasonOf: (finding: string) => string | undefined): void {
  const stack = Stack.of(owner);
  const policies = owner.node
    .findAll()
    .filter(
      (c: IConstruct): c is iam.CfnPolicy | iam.CfnManagedPolicy =>
        c instanceof iam.CfnPolicy || c instanceof iam.CfnManagedPolicy,
    );
  for (const policy of policies) {
    for (const finding of wildcardFindings(stack.resolve(policy.policyDocument).Statement ?? [])) {
      const reason = reasonOf(finding);
      if (!reason)
        throw new Error(`${owner.node.path}: ${finding} is not justified: say why in cdk/lib/permissions.ts`);
      Validations.of(owner).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    }
  }
}

/** The reason for a finding in an activity's policy: its grant's `why`, or the tag condition that limits it. */
export function grantReasons(grants: Grant[], stack: Stack): (finding: string) => string | undefined {
  const reasons = new Map<string, string>();
  for (const grant of grants) {
    const condition = grant.conditions
      ? `limited by ${Object.values(grant.conditions)
          .flatMap((c) => Object.keys(c))
          .join(" and ")}`
      : undefined;
    const reason = grant.why ?? condition;
    if (!reason) continue;
    for (const action of grant.actions) reasons.set(`Action::${action}`, reason);
    for (const resource of grant.resources)
      reasons.set(`Resource::${flattenCfnReference(stack.resolve(resource))}`, reason);
  }
  return (finding) => reasons.get(finding);
}

function wildcardFindings(statements: Statement[]): string[] {
  const findings = new Set<string>();
  for (const statement of statements.filter((s) => s.Effect === "Allow")) {
    for (const action of [statement.Action].flat()) if (action.includes("*")) findings.add(`Action::${action}`);
    for (const resource of [statement.Resource].flat()) {
      const flat = flattenCfnReference(resource);
      if (flat.includes("*")) findings.add(`Resource::${flat}`);
    }
  }
  return [...findings];
}
