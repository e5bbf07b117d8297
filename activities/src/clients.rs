//! The AWS SDK clients every activity shares, built once per process.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ssm::config::Credentials;
use aws_smithy_types::retry::RetryConfig;

use crate::declared::DeclaredCallsOnly;

/// Tries of one call, throttled or failing transiently, before the activity fails (`Tuesday.Throttled`
/// or `Tuesday.Retryable`, which its machine tries twice more).
pub const MAX_ATTEMPTS: u32 = 5;

#[derive(Clone, Debug)]
pub struct Clients {
    pub autoscaling: aws_sdk_autoscaling::Client,
    pub codebuild: aws_sdk_codebuild::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub ec2: aws_sdk_ec2::Client,
    /// Classic Load Balancers.
    pub elb: aws_sdk_elasticloadbalancing::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    pub s3: aws_sdk_s3::Client,
    /// The account's quotas (EC2's On-Demand vCPUs).
    pub servicequotas: aws_sdk_servicequotas::Client,
    pub sfn: aws_sdk_sfn::Client,
    pub sns: aws_sdk_sns::Client,
    pub ssm: aws_sdk_ssm::Client,
}

impl Clients {
    /// From the standard settings: credentials chain, region, and `AWS_ENDPOINT_URL` if set.
    pub async fn from_env() -> Self {
        Self::new(&aws_config::load_defaults(BehaviorVersion::latest()).await)
    }

    /// For the local emulator: its endpoint, its region, and dummy credentials.
    pub async fn for_emulator(endpoint: &str, region: &str) -> Self {
        let config = emulator_config(endpoint, region).await;
        // The emulator has one host name: buckets are named in the path, not as subdomains.
        let s3 = aws_sdk_s3::config::Builder::from(&config).force_path_style(true).interceptor(DeclaredCallsOnly);
        Clients { s3: aws_sdk_s3::Client::from_conf(s3.build()), ..Self::new(&config) }
    }

    /// Every client refuses a call the running activity did not declare (`declared`), and paces
    /// itself when AWS throttles it (the SDK's adaptive retry mode: a client-side rate limiter as well
    /// as backoff), so a thousand groups polling at once slow down instead of failing.
    pub fn new(config: &SdkConfig) -> Self {
        let config = &config.to_builder().retry_config(RetryConfig::adaptive().with_max_attempts(MAX_ATTEMPTS)).build();
        macro_rules! client {
            ($sdk:ident) => {
                $sdk::Client::from_conf($sdk::config::Builder::from(config).interceptor(DeclaredCallsOnly).build())
            };
        }
        Clients {
            autoscaling: client!(aws_sdk_autoscaling),
            codebuild: client!(aws_sdk_codebuild),
            dynamodb: client!(aws_sdk_dynamodb),
            ec2: client!(aws_sdk_ec2),
            elb: client!(aws_sdk_elasticloadbalancing),
            elbv2: client!(aws_sdk_elasticloadbalancingv2),
            s3: client!(aws_sdk_s3),
            servicequotas: client!(aws_sdk_servicequotas),
            sfn: client!(aws_sdk_sfn),
            sns: client!(aws_sdk_sns),
            ssm: client!(aws_sdk_ssm),
        }
    }
}

/// SDK settings for the local emulator, for clients of services the activities do not use.
pub async fn emulator_config(endpoint: &str, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tuesday-emulator"))
        .load()
        .await
}
