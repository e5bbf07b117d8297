//! What AWS sees of an activity's calls beyond the calls themselves, for the grants and their
//! evaluation. What it authorizes as the caller along with them, never called on their own: tags
//! given at creation (TagSpecifications), the role passed to an instance, the keys EC2 uses for an
//! encrypted image and SNS for an encrypted topic, and the launch Auto Scaling checks as the caller
//! when a group's launch template changes
//! (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-launch-template-permissions.html).
//! And the context its requests carry: the tags on what they act on, the request's condition keys.
//! The manifest carries both (`alongWith`, `context`): the CDK app and the IAM evaluation read them there.

use std::collections::BTreeMap;

use contract::Activity;

/// What EC2 does with a customer managed key on the caller's behalf, for an encrypted copy, image or
/// launch (https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption-requirements.html).
const EC2_USES_THE_KEY: [&str; 7] = [
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
];

/// The actions AWS authorizes along with `call` when `activity` makes it.
pub fn along_with(activity: Activity, call: &str) -> Vec<&'static str> {
    let mut also = match call {
        // Tagged as they are made; the copy and the image are encrypted with a recipe's key.
        "ec2:CopyImage" | "ec2:CreateImage" => vec!["ec2:CreateTags"],
        // The builder's and the boot test's instance profile, their tags, and the image's key.
        "ec2:RunInstances" => vec!["ec2:CreateTags", "iam:PassRole"],
        // A new launch template version: Auto Scaling checks the caller could launch from it.
        "autoscaling:UpdateAutoScalingGroup"
            if matches!(activity, Activity::ApplyImage | Activity::RestoreLaunchTemplate) =>
        {
            vec!["ec2:RunInstances", "ec2:CreateTags", "iam:PassRole"]
        }
        // EC2 Fast Launch runs as its service-linked role, made on first use; EC2 checks the caller
        // could launch the (encrypted) image
        // (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/win-fast-launch-configure.html).
        "ec2:EnableFastLaunch" => vec!["iam:CreateServiceLinkedRole"],
        // The topic's key: SNS encrypts each message with a data key of it
        // (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
        "sns:Publish" => vec!["kms:GenerateDataKey", "kms:Decrypt"],
        _ => vec![],
    };
    if matches!(call, "ec2:CopyImage" | "ec2:CreateImage" | "ec2:RunInstances" | "ec2:EnableFastLaunch") {
        also.extend(EC2_USES_THE_KEY);
    }
    also
}

/// Stands for any recipe of the configuration, in a context: the evaluation tries each (as it fills
/// in `{region}` and `{account}` with the stack's).
pub const ANY_RECIPE: &str = "{recipe}";

/// What AWS sees of an activity's requests, as far as tuesday decides it: the tags on the resources
/// it acts on, by resource type (as the Service Authorization Reference names them), and the
/// condition keys the request itself carries. The IAM evaluation checks every grant's conditions hold
/// in it, for every configured recipe.
#[derive(Debug, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Context {
    pub resource_tags: BTreeMap<&'static str, BTreeMap<&'static str, &'static str>>,
    pub request: BTreeMap<&'static str, Vec<&'static str>>,
}

/// An operator's fleet: groups, their launch templates, target groups and Classic Load Balancers,
/// and the groups' instances carry `tuesday:image` with the recipe they run (README: tagging the fleet).
const FLEET: [&str; 5] = ["autoScalingGroup", "launch-template", "targetgroup", "loadbalancer", "instance"];
/// What tuesday bakes and launches to bake carries `tuesday:recipe`, given when it is made.
const BAKED: [&str; 3] = ["image", "snapshot", "instance"];

pub fn context(activity: Activity) -> Context {
    use crate::autoscaling::find_groups::IMAGE_TAG;
    use crate::ec2::{launch_instance, BAKED_TAG_KEYS};
    use Activity::*;

    let mut context = Context::default();
    let mut tagged = |types: &[&'static str], key: &'static str| {
        for kind in types {
            context.resource_tags.entry(kind).or_default().insert(key, ANY_RECIPE);
        }
    };
    match activity {
        ApplyImage
        | RestoreLaunchTemplate
        | RemoveNewInstances
        | TerminateGroupInstances
        | RestoreGroup
        | SurgeGroup
        | SuspendProcesses
        | StartInstanceRefresh
        | RollbackInstanceRefresh
        | RegisterInstances
        | DeregisterInstances
        | SendCommand => tagged(&FLEET, IMAGE_TAG),
        CreateImage | ApplyRetention | ShareImage | SetImageLifecycle | EnableFastLaunch | TerminateInstances
        | Provision | Sysprep => tagged(&BAKED, BAKED_TAG_KEYS[0]),
        _ => {}
    }
    let request = &mut context.request;
    match activity {
        // A launch from the group's template, checked as the caller.
        ApplyImage | RestoreLaunchTemplate => {
            request.insert(
                "ec2:LaunchTemplate",
                vec!["arn:aws:ec2:{region}:{account}:launch-template/lt-0123456789abcdef0"],
            );
            request.insert("ec2:CreateAction", vec!["RunInstances"]);
            request.insert("iam:PassedToService", vec!["ec2.amazonaws.com"]);
        }
        LaunchInstance => {
            request.insert("aws:RequestTag/tuesday:recipe", vec![ANY_RECIPE]);
            request.insert("aws:TagKeys", launch_instance::TAG_KEYS.to_vec());
            request.insert("ec2:CreateAction", vec!["RunInstances"]);
            request.insert("iam:PassedToService", vec!["ec2.amazonaws.com"]);
            request.insert("kms:ViaService", vec!["ec2.{region}.amazonaws.com"]);
        }
        EnableFastLaunch => {
            request.insert("iam:AWSServiceName", vec!["ec2fastlaunch.amazonaws.com"]);
            request.insert("kms:ViaService", vec!["ec2.{region}.amazonaws.com"]);
        }
        CopyImage | CreateImage => {
            request.insert("aws:RequestTag/tuesday:recipe", vec![ANY_RECIPE]);
            request.insert("aws:TagKeys", BAKED_TAG_KEYS.to_vec());
            request.insert("ec2:CreateAction", vec![if activity == CopyImage { "CopyImage" } else { "CreateImage" }]);
            request.insert("kms:ViaService", vec!["ec2.{region}.amazonaws.com"]);
        }
        _ => {}
    }
    context
}
