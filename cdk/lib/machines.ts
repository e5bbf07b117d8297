// Every generated machine in statemachines/, deployed as written: the definition is the file, and
// `${<Name>FunctionArn}` / `${<Name>StateMachineArn}` become the activities' and the other machines'
// ARNs, `${ResultsBucket}` the bucket Distributed Maps write their results to, `${LockTable}` the table
// where cycles lock their groups. A machine's role may
// invoke exactly the functions and start exactly the machines it names (a Distributed Map's child
// executions are of the machine itself).

import { readdirSync, readFileSync } from "node:fs";
import { ArnFormat, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as s3 from "aws-cdk-lib/aws-s3";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";

import type { Activities } from "./activities.js";
import { repoPath } from "./paths.js";

export interface MachineFile {
  /** `bake_recipe` */
  stem: string;
  /** `BakeRecipe`: the `${BakeRecipeStateMachineArn}` name and the construct id. */
  name: string;
  definition: string;
  functions: string[];
  children: string[];
  publishesToSns: boolean;
  /** Runs a Distributed Map: its items are child executions of this machine. */
  distributes: boolean;
  /** Writes a Distributed Map's results to S3. */
  writesResults: boolean;
}

export function machineFiles(): MachineFile[] {
  const dir = repoPath("statemachines");
  return readdirSync(dir)
    .filter((file) => file.endsWith(".asl.json"))
    .sort()
    .map((file) => {
      const stem = file.replace(/\.asl\.json$/, "");
      const definition = readFileSync(`${dir}/${file}`, "utf8");
      const names = (kind: string) =>
        [...new Set([...definition.matchAll(new RegExp(`\\$\\{(\\w+)${kind}\\}`, "g"))].map((m) => m[1]))].sort();
      return {
        stem,
        name: stem
          .split("_")
          .map((w) => w[0].toUpperCase() + w.slice(1))
          .join(""),
        definition,
        functions: names("FunctionArn"),
        children: names("StateMachineArn"),
        publishesToSns: definition.includes("arn:aws:states:::sns:publish"),
        distributes: /"Mode":\s*"DISTRIBUTED"/.test(definition),
        writesResults: definition.includes("arn:aws:states:::s3:putObject"),
      };
    });
}

export interface MachinesProps {
  activities: Activities;
  /** Where the patch machine asks for approval. */
  approvalTopicArn: string;
  topicKeyArn: string;
  resultsBucket: s3.IBucket;
  /** Where cycles lock their groups: the activities read and write it, the machines only name it. */
  lockTable: dynamodb.ITable;
}

export class Machines extends Construct {
  readonly byName = new Map<string, sfn.StateMachine>();

  constructor(scope: Construct, id: string, props: MachinesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const pending = machineFiles();
    // Children first: a machine's definition needs the ARNs of the machines it starts.
    while (pending.length > 0) {
      const ready = pending.findIndex((m) => m.children.every((child) => this.byName.has(child)));
      if (ready < 0) throw new Error(`machines start each other in a cycle: ${pending.map((m) => m.stem).join(", ")}`);
      const [file] = pending.splice(ready, 1);
      this.byName.set(file.name, this.machine(stack, file, props));
    }
  }

  private machine(stack: Stack, file: MachineFile, props: MachinesProps): sfn.StateMachine {
    const substitutions: Record<string, string> = {};
    const role = new iam.Role(this, `${file.name}Role`, {
      assumedBy: new iam.ServicePrincipal("states.amazonaws.com"),
      description: `tuesday machine ${file.stem}: the activities and machines its definition names`,
    });
    for (const name of file.functions) {
      const activity = props.activities.byName.get(name);
      if (!activity)
        throw new Error(
          `statemachines/${file.stem}.asl.json names \${${name}FunctionArn}, but there is no activity '${name}'`,
        );
      substitutions[`${name}FunctionArn`] = activity.fn.functionArn;
      activity.fn.grantInvoke(role);
    }
    const states = (resource: string, resourceName: string) =>
      stack.formatArn({ service: "states", resource, resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    // A machine that starts executions watches them, and stops them when it is stopped.
    const watch = (executions: string) =>
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ["states:DescribeExecution", "states:StopExecution"],
          resources: [states("execution", executions)],
        }),
      );
    for (const name of file.children) {
      const child = this.byName.get(name)!;
      substitutions[`${name}StateMachineArn`] = child.stateMachineArn;
      child.grantStartExecution(role);
      watch(`${child.stateMachineName}:*`);
    }
    if (file.children.length > 0) {
      // `startExecution.sync` learns of a child's end through this rule, which Step Functions manages.
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
          resources: [
            stack.formatArn({
              service: "events",
              resource: "rule",
              resourceName: "StepFunctionsGetEventsForStepFunctionsExecutionRule",
            }),
          ],
        }),
      );
    }
    if (file.distributes) {
      // https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html
      const name = `${stack.stackName}-${file.stem}`;
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ["states:StartExecution"], resources: [states("stateMachine", name)] }),
      );
      watch(`${name}/*`);
    }
    if (file.writesResults) {
      // https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html#resultwriter-iam-policies
      substitutions.ResultsBucket = props.resultsBucket.bucketName;
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
          resources: [props.resultsBucket.arnForObjects("*")],
        }),
      );
    }
    if (file.definition.includes("${LockTable}")) substitutions.LockTable = props.lockTable.tableName;
    if (file.publishesToSns) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ["sns:Publish"], resources: [props.approvalTopicArn] }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ["kms:GenerateDataKey*", "kms:Decrypt"], resources: [props.topicKeyArn] }),
      );
    }
    const unresolved = [...file.definition.matchAll(/\$\{(\w+)\}/g)]
      .map((m) => m[1])
      .filter((key) => !(key in substitutions));
    if (unresolved.length > 0)
      throw new Error(
        `statemachines/${file.stem}.asl.json: nothing substitutes ${unresolved.map((k) => `\${${k}}`).join(", ")}`,
      );

    return new sfn.StateMachine(this, file.name, {
      stateMachineName: `${stack.stackName}-${file.stem}`,
      definitionBody: sfn.DefinitionBody.fromString(file.definition),
      definitionSubstitutions: substitutions,
      role,
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, `${file.name}Logs`, {
          logGroupName: `/aws/vendedlogs/states/${stack.stackName}-${file.stem}`,
          retention: logs.RetentionDays.THREE_MONTHS,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
    });
  }
}
