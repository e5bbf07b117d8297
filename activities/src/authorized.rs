//! What AWS authorizes as the caller along with an activity's calls, never called on their own: tags
//! given at creation (TagSpecifications), the role passed to an instance, the keys EC2 uses for an
//! encrypted image and SNS for an encrypted topic, and the launch Auto Scaling checks as the caller when a group's launch template
//! changes (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-launch-template-permissions.html).
//! The manifest carries them (`alongWith`): the CDK app's tests and the IAM evaluation read them there.

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
        // The topic's key: SNS encrypts each message with a data key of it
        // (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
        "sns:Publish" => vec!["kms:GenerateDataKey", "kms:Decrypt"],
        _ => vec![],
    };
    if matches!(call, "ec2:CopyImage" | "ec2:CreateImage" | "ec2:RunInstances") {
        also.extend(EC2_USES_THE_KEY);
    }
    also
}
