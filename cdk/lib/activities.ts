// One Lambda function per activity, all from the same `bootstrap` asset: the handler names the activity.

import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";

import { rustManifest } from "./manifest.js";
import { bootstrapAsset } from "./paths.js";
import { type Grant, type GrantContext, grantsFor } from "./permissions.js";

export function activityNames(): string[] {
  return rustManifest().activities;
}

/**
 * Sizes that differ from the default (256 MB, 60 s). A bee holds its connections and histogram for
 * the whole attack, and its memory buys the CPU that keeps up the rate; retention reads every group,
 * launch configuration and template version of the account, then deletes one image and its snapshots
 * at a time.
 */
const SIZES: Record<string, { memoryMb: number; timeout: Duration }> = {
  Bee: { memoryMb: 1769, timeout: Duration.minutes(15) },
  ApplyRetention: { memoryMb: 256, timeout: Duration.minutes(15) },
};

export interface Activity {
  fn: lambda.Function;
  role: iam.Role;
  grants: Grant[];
}

export class Activities extends Construct {
  readonly byName = new Map<string, Activity>();

  constructor(scope: Construct, id: string, ctx: GrantContext) {
    super(scope, id);
    const code = lambda.Code.fromAsset(bootstrapAsset());
    const stackName = Stack.of(this).stackName;
    for (const name of activityNames()) {
      const logGroup = new logs.LogGroup(this, `${name}Logs`, {
        logGroupName: `/aws/lambda/${stackName}-${name}`,
        retention: logs.RetentionDays.THREE_MONTHS,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const role = new iam.Role(this, `${name}Role`, {
        assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
        description: `tuesday activity ${name}: its own AWS calls and its log group, nothing else`,
      });
      logGroup.grantWrite(role);
      const grants = grantsFor(name, ctx);
      for (const grant of grants) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({ actions: grant.actions, resources: grant.resources, conditions: grant.conditions }),
        );
      }
      const size = SIZES[name] ?? { memoryMb: 256, timeout: Duration.seconds(60) };
      const fn = new lambda.Function(this, name, {
        functionName: `${stackName}-${name}`,
        description: `tuesday activity ${name}`,
        runtime: lambda.Runtime.PROVIDED_AL2023,
        architecture: lambda.Architecture.ARM_64,
        handler: name,
        code,
        role,
        memorySize: size.memoryMb,
        timeout: size.timeout,
        logGroup,
        loggingFormat: lambda.LoggingFormat.JSON,
        applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
        systemLogLevelV2: lambda.SystemLogLevel.WARN,
      });
      if (name === "Bee" && ctx.beeNetwork) {
        // Subnets and security groups by id: the VPC itself is not the stack's to look up.
        (fn.node.defaultChild as lambda.CfnFunction).vpcConfig = {
          subnetIds: ctx.beeNetwork.subnetIds,
          securityGroupIds: ctx.beeNetwork.securityGroupIds,
        };
      }
      this.byName.set(name, { fn, role, grants });
    }
  }
}
