//! Each activity declares the AWS calls it makes (`CALLS`, beside its code); an interceptor on every
//! client refuses a call the running activity did not declare, so a call the grants would not cover
//! fails in every test that reaches it, not first in an account.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use contract::Activity;

use crate::registry;

tokio::task_local! {
    /// The activity whose handler is running on this task.
    static RUNNING: Activity;
}

/// Runs `work` as `activity`: its AWS calls are checked against its declaration.
pub async fn running<F: std::future::Future>(activity: Activity, work: F) -> F::Output {
    RUNNING.scope(activity, work).await
}

/// The IAM action an SDK operation is authorized as: `ec2:CopyImage`.
fn action_of(metadata: &Metadata) -> String {
    let prefix = match metadata.service() {
        "Auto Scaling" => "autoscaling",
        "Elastic Load Balancing" | "Elastic Load Balancing v2" => "elasticloadbalancing",
        "SFN" => "states",
        "Service Quotas" => "servicequotas",
        service => return format!("{}:{}", service.to_lowercase(), metadata.name()),
    };
    format!("{prefix}:{}", metadata.name())
}

/// Refuses, before it is sent, any call the running activity did not declare. Calls made outside an
/// activity (a test setting up the fleet) pass.
#[derive(Debug, Clone, Copy)]
pub struct DeclaredCallsOnly;

impl Intercept for DeclaredCallsOnly {
    fn name(&self) -> &'static str {
        "DeclaredCallsOnly"
    }

    fn read_before_serialization(
        &self,
        _: &BeforeSerializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (Ok(activity), Some(metadata)) = (RUNNING.try_with(|a| *a), cfg.load::<Metadata>()) else {
            return Ok(());
        };
        let action = action_of(metadata);
        match registry::calls(activity).contains(&action.as_str()) {
            true => Ok(()),
            false => Err(format!("{activity} called {action}, which its CALLS do not declare").into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Clients;

    /// Nothing listens on port 9: a call the interceptor lets through fails to connect instead.
    async fn clients() -> Clients {
        Clients::for_emulator("http://127.0.0.1:9", "us-east-1").await
    }

    #[tokio::test]
    async fn an_undeclared_call_is_refused_before_it_is_sent() {
        let clients = clients().await;
        let call = running(Activity::JudgeWave, clients.ec2.describe_images().send()).await;
        let error = format!("{:?}", call.unwrap_err());
        assert!(error.contains("JudgeWave called ec2:DescribeImages, which its CALLS do not declare"), "{error}");
    }

    #[tokio::test]
    async fn a_declared_call_and_a_call_outside_any_activity_go_out() {
        let clients = clients().await;
        for call in [
            running(Activity::DescribeImage, clients.ec2.describe_images().send()).await,
            clients.ec2.describe_images().send().await,
        ] {
            let error = format!("{:?}", call.unwrap_err());
            assert!(!error.contains("do not declare"), "{error}");
        }
        let group = running(Activity::SuspendProcesses, clients.autoscaling.suspend_processes().send()).await;
        assert!(!format!("{:?}", group.unwrap_err()).contains("do not declare"), "Auto Scaling maps to autoscaling:");
    }
}
