//! The AWS account a command acts in: `--profile`, `--region` and `--endpoint-url`, else the SDK's
//! default chain. What is missing is said up front, naming the flag to give, rather than found by the
//! first call (which, with no credentials at all, waits out the instance metadata service first).

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sfn::config::ProvideCredentials;
use tuesday::usage;

use crate::args::AwsArgs;

/// The SDK's settings for `args`, with credentials and a region found.
pub async fn config(args: &AwsArgs) -> anyhow::Result<SdkConfig> {
    let mut config = aws_config::defaults(BehaviorVersion::latest());
    if let Some(profile) = &args.profile {
        config = config.profile_name(profile);
    }
    if let Some(region) = &args.region {
        config = config.region(Region::new(region.clone()));
    }
    if let Some(endpoint) = &args.endpoint_url {
        config = config.endpoint_url(endpoint);
    }
    let config = config.load().await;
    let credentials = config.credentials_provider().ok_or_else(|| usage!("--profile: no credentials provider"))?;
    let missing = credentials.provide_credentials().await.is_err();
    match &args.profile {
        Some(profile) if missing => {
            return Err(usage!(
                "--profile: no credentials for profile {profile} (in AWS_CONFIG_FILE, ~/.aws/config or credentials)"
            ))
        }
        None if missing => {
            return Err(usage!(
                "--profile: no AWS credentials: give --profile, or set AWS_PROFILE or AWS_ACCESS_KEY_ID"
            ))
        }
        _ => {}
    }
    if config.region().is_none() {
        let from = args.profile.as_ref().map(|p| format!(" (profile {p} names none)")).unwrap_or_default();
        return Err(usage!("--region: give the region{from}, or set AWS_REGION"));
    }
    Ok(config)
}
