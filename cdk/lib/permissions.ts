// What each activity may do in AWS: the calls its Rust module makes, and nothing else. Mutating calls
// are limited by resource tags: Auto Scaling groups and launch templates tuesday manages carry
// `tuesday:image` (the recipe they run); images, builders and boot-test instances tuesday made carry
// `tuesday:recipe`. A `*` resource appears only on calls that support no resource-level permission,
// and every grant broader than one resource type says why (`why` becomes the cdk-nag justification).

import { Stack } from "aws-cdk-lib";

import type { BeeNetwork } from "./config.js";
import { rustManifest } from "./manifest.js";

export interface Grant {
  actions: string[];
  resources: string[];
  conditions?: Record<string, Record<string, string | string[]>>;
  /** Why the resource is as broad as it is. */
  why?: string;
}

/** What the stack knows when it grants. */
export interface GrantContext {
  stack: Stack;
  /** The notification topics by kind (`new-ami`, `cycle`, `approval`, `digest`). */
  topicArns: Record<string, string>;
  /** The key the topics are encrypted with: publishers need it. */
  topicKeyArn: string;
  /** KMS keys recipes encrypt copies with (the stack's image key among them). */
  imageKeyArns: string[];
  /** CodeBuild projects of `packer` recipes. */
  packerProjects: string[];
  /** The role of the builder instance profile (`ssm-build`, boot tests). */
  builderRoleArn: string;
  /** Roles the fleet's launch templates pass to their instances. */
  fleetRoleArns: string[];
  /** Where the Bee function runs, if in a VPC. */
  beeNetwork: BeeNetwork | null;
  /** The configured recipes' names: the only values of `tuesday:image` and `tuesday:recipe` tuesday acts on. */
  recipes: string[];
  /** Where Distributed Maps write their results. */
  resultsBucketArn: string;
  /** Where cycles lock their groups. */
  lockTableArn: string;
}

const OWN_PARAMETERS = "tuesday's own parameters: /tuesday/recipes/<recipe>/..., and the patch's claim";
const DESCRIBE_ONLY = "Describe and Get calls of this service support no resource-level permissions";

export function grantsFor(activity: string, ctx: GrantContext): Grant[] {
  const arn = arns(ctx.stack);
  // A group is managed, an image or instance baked, only for a recipe of this configuration: tagging
  // a group with another value is no authority to cycle it.
  const MANAGED_GROUP = { StringEquals: { "aws:ResourceTag/tuesday:image": ctx.recipes } };
  const BAKED = { StringEquals: { "aws:ResourceTag/tuesday:recipe": ctx.recipes } };
  const describe = (...actions: string[]): Grant => ({ actions, resources: ["*"], why: DESCRIBE_ONLY });
  const groups = (...actions: string[]): Grant => ({ actions, resources: [arn.group], conditions: MANAGED_GROUP });
  const locks = (...actions: string[]): Grant => ({ actions, resources: [ctx.lockTableArn] });
  const lockOwners: Grant = {
    actions: ["states:DescribeExecution"],
    resources: [arn.ownExecutions],
    why: "a lock's owner: an execution of one of this stack's machines, whose status says whether the lock is stale",
  };
  const publish = (kind: string): Grant[] => [
    { actions: ["sns:Publish"], resources: [ctx.topicArns[kind]] },
    {
      actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
      resources: [ctx.topicKeyArn],
      why: "SNS encrypts each message with a data key of the topic's key",
    },
  ];
  const templates = (...actions: string[]): Grant => ({
    actions,
    resources: [arn.launchTemplate],
    conditions: MANAGED_GROUP,
  });
  // Auto Scaling checks that whoever points a group at a launch template could launch it: RunInstances
  // on the template and on every resource a launch from it uses or creates, but only from a template
  // (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-launch-template-permissions.html).
  const useTemplate: Grant[] = [
    templates("ec2:RunInstances"),
    {
      actions: ["ec2:RunInstances"],
      resources: [
        arn.instance,
        arn.volume,
        arn.networkInterface,
        arn.subnet,
        arn.securityGroup,
        arn.image,
        arn.keyPair,
      ],
      conditions: { ArnLike: { "ec2:LaunchTemplate": arn.launchTemplate } },
      why: "a launch from the group's template uses whatever the template names; only launches from a template",
    },
    // The template's tag specifications: tags given at launch, never on their own.
    {
      actions: ["ec2:CreateTags"],
      resources: [arn.instance, arn.volume, arn.networkInterface],
      conditions: {
        StringEquals: { "ec2:CreateAction": "RunInstances" },
        ArnLike: { "ec2:LaunchTemplate": arn.launchTemplate },
      },
      why: "the tags a launch from the group's template gives its instances, volumes and interfaces",
    },
    // Auto Scaling checks the caller may pass the launch template's instance role.
    passRole(ctx.fleetRoleArns),
  ];
  // A managed group's target groups carry its tuesday:image tag too: deregistering from any other is no
  // part of a cycle.
  const targets = (action: string): Grant => ({
    actions: [action],
    resources: [arn.targetGroup],
    conditions: { StringEquals: { "aws:ResourceTag/tuesday:image": ctx.recipes } },
  });
  const balancers = (action: string): Grant => ({
    actions: [action],
    resources: [arn.classicLoadBalancer],
    conditions: { StringEquals: { "aws:ResourceTag/tuesday:image": ctx.recipes } },
  });
  const launchSource = describe("ec2:DescribeLaunchTemplateVersions", "autoscaling:DescribeLaunchConfigurations");
  // On a builder (tagged with its recipe) or, before termination, on a managed group's instance
  // (tagged with the recipe its group runs).
  const runCommand = (onFleet: boolean): Grant[] => [
    { actions: ["ssm:SendCommand"], resources: [arn.powershellDocument] },
    {
      actions: ["ssm:SendCommand"],
      resources: [arn.instance],
      conditions: { StringEquals: { "ssm:resourceTag/tuesday:recipe": ctx.recipes } },
    },
    ...(onFleet
      ? [
          {
            actions: ["ssm:SendCommand"],
            resources: [arn.instance],
            conditions: { StringEquals: { "ssm:resourceTag/tuesday:image": ctx.recipes } },
          },
        ]
      : []),
  ];
  const packer = (action: string): Grant[] =>
    ctx.packerProjects.length === 0
      ? []
      : [{ actions: [action], resources: ctx.packerProjects.map(arn.codebuildProject) }];

  switch (activity) {
    case "AnnounceNewAmi":
      return publish("new-ami");
    case "PublishMessage":
      return publish("cycle");
    case "PublishDigest":
      return publish("digest");
    case "ApplyImage":
      return [
        templates("ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"),
        groups("autoscaling:UpdateAutoScalingGroup"),
        // The group's mixed instances policy, sent back whole when a version is pinned in it.
        describe("autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeLaunchConfigurations"),
        // Launch configurations cannot be tagged: a copy of a managed group's is made under a new name.
        {
          actions: ["autoscaling:CreateLaunchConfiguration"],
          resources: [arn.launchConfiguration],
          why: "launch configurations carry no tags; the copy is named by the activity",
        },
        ...useTemplate,
      ];
    case "RestoreLaunchTemplate":
      return [
        templates("ec2:DeleteLaunchTemplateVersions", "ec2:ModifyLaunchTemplate"),
        groups("autoscaling:UpdateAutoScalingGroup"),
        describe("autoscaling:DescribeAutoScalingGroups"),
        ...useTemplate,
      ];
    case "ApplyRetention":
      return [
        describe(
          "autoscaling:DescribeAutoScalingGroups",
          "autoscaling:DescribeLaunchConfigurations",
          "ec2:DescribeFastLaunchImages",
          "ec2:DescribeImageAttribute",
          "ec2:DescribeImages",
          "ec2:DescribeLaunchTemplates",
          "ec2:DescribeLaunchTemplateVersions",
          "ec2:DescribeSnapshots",
        ),
        // Before it deregisters an image, so that its pre-provisioned snapshots go too.
        { actions: ["ec2:DisableFastLaunch"], resources: [arn.image], conditions: BAKED },
        { actions: ["ec2:DeregisterImage"], resources: [arn.image], conditions: BAKED },
        // Baked images' snapshots carry tuesday:recipe from birth (CreateImage and CopyImage tag them).
        { actions: ["ec2:DeleteSnapshot"], resources: [arn.snapshot], conditions: BAKED },
      ];
    case "CheckCommand":
      return [describe("ssm:GetCommandInvocation")];
    case "CheckCommands":
      return [describe("ssm:ListCommandInvocations")];
    case "CheckInstance":
      return [describe("ec2:DescribeInstanceStatus")];
    case "CheckNewInstances":
      return [
        describe(
          "autoscaling:DescribeAutoScalingGroups",
          "ec2:DescribeInstances",
          "elasticloadbalancing:DescribeInstanceHealth",
          "elasticloadbalancing:DescribeTargetHealth",
          "ssm:DescribeInstanceInformation",
        ),
      ];
    case "CheckPackerBuild":
      return packer("codebuild:BatchGetBuilds");
    case "StartPackerBuild":
      return packer("codebuild:StartBuild");
    case "CopyImage":
      return [
        {
          actions: ["ec2:CopyImage"],
          resources: [arn.image, arn.snapshot],
          why: "the source is a public AWS image, and the copy and its snapshots have no ids before the call",
        },
        tagAtCreation("CopyImage", [arn.image, arn.snapshot], ctx.recipes),
        ...useKeys(activity, ctx.imageKeyArns, ctx.stack),
      ];
    case "CreateImage":
      return [
        { actions: ["ec2:CreateImage"], resources: [arn.instance], conditions: BAKED },
        {
          actions: ["ec2:CreateImage"],
          resources: [arn.image, arn.snapshot],
          why: "the new image and its snapshots have no id before the call",
        },
        tagAtCreation("CreateImage", [arn.image, arn.snapshot], ctx.recipes),
        ...useKeys(activity, ctx.imageKeyArns, ctx.stack),
      ];
    case "DeregisterInstances":
      return [
        describe(
          "elasticloadbalancing:DescribeInstanceHealth",
          "elasticloadbalancing:DescribeLoadBalancerAttributes",
          "elasticloadbalancing:DescribeTargetGroupAttributes",
        ),
        targets("elasticloadbalancing:DeregisterTargets"),
        balancers("elasticloadbalancing:DeregisterInstancesFromLoadBalancer"),
      ];
    case "RegisterInstances":
      return [
        describe(
          "ec2:DescribeInstances",
          "elasticloadbalancing:DescribeInstanceHealth",
          "elasticloadbalancing:DescribeLoadBalancers",
          "elasticloadbalancing:DescribeTargetGroups",
          "elasticloadbalancing:DescribeTargetHealth",
        ),
        targets("elasticloadbalancing:RegisterTargets"),
        balancers("elasticloadbalancing:RegisterInstancesWithLoadBalancer"),
      ];
    case "CheckTargets":
      return [
        describe(
          "ec2:DescribeInstances",
          "elasticloadbalancing:DescribeInstanceHealth",
          "elasticloadbalancing:DescribeTargetHealth",
        ),
      ];
    case "DescribeGroup":
      return [describe("autoscaling:DescribeAutoScalingGroups")];
    case "DescribeImage":
    case "LatestBakedImages":
      return [describe("ec2:DescribeImages")];
    case "DescribeInstanceRefresh":
      return [describe("autoscaling:DescribeInstanceRefreshes")];
    case "FindGroups":
      // The surge budget reads what runs, the types' vCPUs and the region's On-Demand vCPU quotas.
      return [
        describe(
          "autoscaling:DescribeAutoScalingGroups",
          "ec2:DescribeImages",
          "ec2:DescribeInstances",
          "ec2:DescribeInstanceTypes",
        ),
        {
          actions: ["servicequotas:GetServiceQuota"],
          resources: [arn.ec2Quotas],
          why: "the On-Demand vCPU quota of each bucket of instance families the groups run",
        },
        {
          actions: ["s3:PutObject"],
          resources: [`${ctx.resultsBucketArn}/update/*`],
          why: "each update's requests, under a key named by its execution, for its Distributed Map to read",
        },
      ];
    case "LaunchInstance":
      return [
        {
          actions: ["ec2:RunInstances"],
          resources: [arn.instance],
          conditions: { StringEquals: { "aws:RequestTag/tuesday:recipe": ctx.recipes } },
        },
        {
          actions: ["ec2:RunInstances"],
          resources: [arn.image, arn.subnet, arn.securityGroup, arn.networkInterface, arn.volume],
          why: "RunInstances authorizes every resource it uses or creates; the instance itself must be tagged",
        },
        {
          actions: ["ec2:CreateTags"],
          resources: [arn.instance],
          conditions: {
            StringEquals: { "ec2:CreateAction": "RunInstances" },
            "ForAllValues:StringEquals": { "aws:TagKeys": ["Name", "tuesday:recipe", "tuesday:purpose"] },
          },
        },
        passRole([ctx.builderRoleArn]),
        // The boot test launches the encrypted baked image; the builder's root volume is encrypted
        // with the recipe's key, so that its image is.
        ...useKeys(activity, ctx.imageKeyArns, ctx.stack),
        // The source image's root device, to encrypt the builder's.
        describe("ec2:DescribeImages"),
      ];
    // A lock held by an execution that has ended is stale.
    case "LockGroup":
      return [locks("dynamodb:PutItem", "dynamodb:GetItem"), lockOwners];
    case "RecordCycle":
      return [locks("dynamodb:UpdateItem")];
    // A recovery finds a lock by its holder with a scan: the table holds one record per group being cycled.
    case "TakeOverLock":
      return [locks("dynamodb:GetItem", "dynamodb:Scan", "dynamodb:UpdateItem"), lockOwners];
    case "UnlockGroup":
      return [locks("dynamodb:DeleteItem")];
    case "PlanBatch":
      return [describe("autoscaling:DescribeAutoScalingGroups")];
    case "PlanCycle":
      return [
        describe(
          "autoscaling:DescribeAutoScalingGroups",
          "autoscaling:DescribeLifecycleHooks",
          "autoscaling:DescribeWarmPool",
          "ec2:DescribeInstances",
        ),
        launchSource,
        describe("elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTargetGroups"),
      ];
    case "PlanRollback":
      return [describe("autoscaling:DescribeAutoScalingGroups", "ec2:DescribeInstances"), launchSource];
    case "PlanGroupUpdate":
      return [
        describe("autoscaling:DescribeAutoScalingGroups", "ec2:DescribeInstances"),
        launchSource,
        locks("dynamodb:GetItem"),
      ];
    case "ReadLastSeen":
      return [{ actions: ["ssm:GetParameter"], resources: [arn.ownParameters], why: OWN_PARAMETERS }];
    case "ClaimPatch":
      return [
        { actions: ["ssm:PutParameter", "ssm:GetParameter"], resources: [arn.ownParameters], why: OWN_PARAMETERS },
      ];
    case "ReleasePatch":
      return [
        { actions: ["ssm:GetParameter", "ssm:DeleteParameter"], resources: [arn.ownParameters], why: OWN_PARAMETERS },
      ];
    case "RecordLastSeen":
      return [{ actions: ["ssm:PutParameter"], resources: [arn.ownParameters], why: OWN_PARAMETERS }];
    case "ResolveSourceAmi":
      return [
        {
          actions: ["ssm:GetParameter"],
          resources: [arn.publicAmiParameters],
          why: "AWS's public parameters naming its newest images",
        },
        describe("ec2:DescribeImages"),
      ];
    case "RemoveNewInstances":
    case "TerminateGroupInstances":
      return [
        describe("autoscaling:DescribeAutoScalingGroups"),
        groups("autoscaling:TerminateInstanceInAutoScalingGroup"),
      ];
    case "RestoreGroup":
      return [
        describe("autoscaling:DescribeAutoScalingGroups"),
        groups("autoscaling:UpdateAutoScalingGroup", "autoscaling:ResumeProcesses"),
      ];
    case "SurgeGroup":
      return [groups("autoscaling:UpdateAutoScalingGroup")];
    case "SuspendProcesses":
      return [groups("autoscaling:SuspendProcesses")];
    case "StartInstanceRefresh":
      return [groups("autoscaling:StartInstanceRefresh")];
    case "RollbackInstanceRefresh":
      return [groups("autoscaling:RollbackInstanceRefresh")];
    case "SendCommand":
      return runCommand(true);
    case "Provision":
    case "Sysprep":
      return runCommand(false);
    case "ShareImage":
      return [{ actions: ["ec2:ModifyImageAttribute"], resources: [arn.image], conditions: BAKED }];
    case "EnableFastLaunch":
      return [
        { actions: ["ec2:EnableFastLaunch"], resources: [arn.image], conditions: BAKED },
        {
          actions: ["iam:CreateServiceLinkedRole"],
          resources: [arn.fastLaunchRole],
          conditions: { StringEquals: { "iam:AWSServiceName": "ec2fastlaunch.amazonaws.com" } },
        },
        ...useKeys(activity, ctx.imageKeyArns, ctx.stack),
      ];
    case "DescribeFastLaunch":
      return [describe("ec2:DescribeFastLaunchImages")];
    case "SetImageLifecycle":
      return [
        {
          actions: ["ec2:EnableImageDeprecation", "ec2:EnableImageDeregistrationProtection"],
          resources: [arn.image],
          conditions: BAKED,
        },
      ];
    case "TerminateInstances":
      return [{ actions: ["ec2:TerminateInstances"], resources: [arn.instance], conditions: BAKED }];
    case "VerifyGroup":
      return [describe("autoscaling:DescribeAutoScalingGroups", "ec2:DescribeInstances")];
    // validate's watch of the group behind the target.
    case "WatchGroup":
      return [describe("autoscaling:DescribeAutoScalingGroups")];
    case "ScalingActivities":
      return [describe("autoscaling:DescribeScalingActivities")];
    // The bee only speaks HTTP to the target; inside a VPC, Lambda gives it a network interface.
    case "Bee":
      return ctx.beeNetwork ? [vpcAccess()] : [];
    // The bees' results, where their Distributed Map wrote them.
    case "SummarizeGroups":
      return [
        {
          actions: ["s3:GetObject"],
          resources: [`${ctx.resultsBucketArn}/update/*`],
          why: "each update's map run writes its results under update/, a prefix named by its run",
        },
      ];
    case "MergeBees":
      return [
        {
          actions: ["s3:GetObject"],
          resources: [`${ctx.resultsBucketArn}/*`],
          why: "objects of tuesday's results bucket: each map run writes under a prefix named by its run",
        },
      ];
    case "PlanPatch":
      return [
        describe("autoscaling:DescribeAutoScalingGroups", "ec2:DescribeLaunchTemplates"),
        {
          actions: ["sns:GetTopicAttributes"],
          resources: [...new Set(Object.values(ctx.topicArns))],
          why: "the topics a patch names exist before it bakes anything",
        },
      ];
    // Pure activities: planning, judging, merging.
    case "CheckCycleRequest":
    case "JudgeWave":
    case "PlanAttack":
    case "PlanWave":
    case "ReadFailure":
    case "RecordWave":
    case "SummarizeBake":
    case "ValidateRecipes":
      return [];
    default:
      throw new Error(
        `activity '${activity}' has no permissions in cdk/lib/permissions.ts: add what its AWS calls need`,
      );
  }
}

/** What Lambda needs to attach a function to a VPC (as AWSLambdaVPCAccessExecutionRole grants). */
function vpcAccess(): Grant {
  return {
    actions: [
      "ec2:CreateNetworkInterface",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSubnets",
      "ec2:DeleteNetworkInterface",
      "ec2:AssignPrivateIpAddresses",
      "ec2:UnassignPrivateIpAddresses",
    ],
    resources: ["*"],
    why: "Lambda creates and deletes the function's network interfaces before their ids exist; AWS documents these on *",
  };
}

/** Tags given in the call that makes the image (TagSpecifications), and only there, for a recipe's image. */
function tagAtCreation(action: string, resources: string[], recipes: string[]): Grant {
  return {
    actions: ["ec2:CreateTags"],
    resources,
    conditions: { StringEquals: { "ec2:CreateAction": action, "aws:RequestTag/tuesday:recipe": recipes } },
    why: "the image and its snapshots are tagged as they are made, before they have ids",
  };
}

/** What EC2 does with a recipe's key on the caller's behalf: the KMS actions the activity's calls carry
 * (the manifest's `alongWith`, from activities/src/authorized.rs). */
function useKeys(activity: string, keyArns: string[], stack: Stack): Grant[] {
  const carried = Object.values(rustManifest().alongWith[activity] ?? {}).flat();
  const actions = [...new Set(carried.filter((action) => action.startsWith("kms:")))].sort();
  if (keyArns.length === 0 || actions.length === 0) return [];
  return [
    {
      actions,
      why: "EC2 uses the recipes' keys on the caller's behalf",
      resources: keyArns,
      conditions: { StringEquals: { "kms:ViaService": `ec2.${stack.region}.amazonaws.com` } },
    },
  ];
}

function passRole(roleArns: string[]): Grant {
  return {
    actions: ["iam:PassRole"],
    resources: roleArns,
    conditions: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
  };
}

function arns(stack: Stack) {
  const { partition: p, region: r, account: a } = stack;
  return {
    group: `arn:${p}:autoscaling:${r}:${a}:autoScalingGroup:*:autoScalingGroupName/*`,
    launchConfiguration: `arn:${p}:autoscaling:${r}:${a}:launchConfiguration:*:launchConfigurationName/*`,
    launchTemplate: `arn:${p}:ec2:${r}:${a}:launch-template/*`,
    image: `arn:${p}:ec2:${r}::image/*`,
    snapshot: `arn:${p}:ec2:${r}::snapshot/*`,
    instance: `arn:${p}:ec2:${r}:${a}:instance/*`,
    volume: `arn:${p}:ec2:${r}:${a}:volume/*`,
    subnet: `arn:${p}:ec2:${r}:${a}:subnet/*`,
    securityGroup: `arn:${p}:ec2:${r}:${a}:security-group/*`,
    networkInterface: `arn:${p}:ec2:${r}:${a}:network-interface/*`,
    keyPair: `arn:${p}:ec2:${r}:${a}:key-pair/*`,
    fastLaunchRole: `arn:${p}:iam::${a}:role/aws-service-role/ec2fastlaunch.amazonaws.com/AWSServiceRoleForEC2FastLaunch`,
    targetGroup: `arn:${p}:elasticloadbalancing:${r}:${a}:targetgroup/*/*`,
    // A Classic Load Balancer's ARN names it alone; an Application or Network one's has its type first.
    classicLoadBalancer: `arn:${p}:elasticloadbalancing:${r}:${a}:loadbalancer/*`,
    powershellDocument: `arn:${p}:ssm:${r}::document/AWS-RunPowerShellScript`,
    ownParameters: `arn:${p}:ssm:${r}:${a}:parameter/tuesday/*`,
    publicAmiParameters: `arn:${p}:ssm:${r}::parameter/aws/service/*`,
    ownExecutions: `arn:${p}:states:${r}:${a}:execution:${stack.stackName}-*:*`,
    ec2Quotas: `arn:${p}:servicequotas:${r}:${a}:ec2/*`,
    codebuildProject: (name: string) => `arn:${p}:codebuild:${r}:${a}:project/${name}`,
  };
}
