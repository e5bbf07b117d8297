//! Classic Load Balancers, as the load-balancing activities ask them: which instances each holds and
//! whether they serve, how long connection draining takes, registering and deregistering.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancing::types::Instance;

use crate::{ActivityError, Clients};

/// Where an instance registered with a Classic Load Balancer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    /// InService: the balancer sends it requests.
    Serving,
    /// OutOfService: not yet passed its checks, or failing them.
    Waiting,
    /// Being deregistered: InService only to finish the requests in flight (connection draining,
    /// https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/config-conn-drain.html).
    Leaving,
}

/// Every instance registered with the balancer, and where it stands. Asked for all of them, not by
/// id: the balancer refuses to describe an instance it does not hold (InvalidInstance).
pub(crate) async fn registered(clients: &Clients, balancer: &str) -> Result<BTreeMap<String, Standing>, ActivityError> {
    let described = clients.elb.describe_instance_health().load_balancer_name(balancer).send().await?;
    Ok(described
        .instance_states()
        .iter()
        .filter_map(|state| {
            let standing = match (state.state(), state.description().unwrap_or_default()) {
                (Some("InService"), description) if description.contains("deregistration currently in progress") => {
                    Standing::Leaving
                }
                (Some("InService"), _) => Standing::Serving,
                _ => Standing::Waiting,
            };
            Some((state.instance_id()?.to_owned(), standing))
        })
        .collect())
}

/// How long a deregistered instance keeps finishing its requests: the connection draining timeout,
/// 0 when draining is off.
pub(crate) async fn draining_seconds(clients: &Clients, balancer: &str) -> Result<u64, ActivityError> {
    let described = clients.elb.describe_load_balancer_attributes().load_balancer_name(balancer).send().await?;
    let draining = described.load_balancer_attributes().and_then(|a| a.connection_draining());
    Ok(match draining {
        Some(draining) if draining.enabled() => u64::try_from(draining.timeout().unwrap_or(300)).unwrap_or_default(),
        _ => 0,
    })
}

/// The shortest interval between a balancer's health checks, and the soonest a newly registered
/// instance passes them (interval × healthy threshold).
pub(crate) async fn health_checks(clients: &Clients, balancers: &[String]) -> Result<Checks, ActivityError> {
    let mut checks = Checks::default();
    if balancers.is_empty() {
        return Ok(checks);
    }
    let described =
        clients.elb.describe_load_balancers().set_load_balancer_names(Some(balancers.to_vec())).send().await?;
    for check in described.load_balancer_descriptions().iter().filter_map(|d| d.health_check()) {
        let interval = u64::try_from(check.interval()).unwrap_or_default();
        let passed = interval * u64::try_from(check.healthy_threshold()).unwrap_or_default();
        checks.interval = Some(checks.interval.map_or(interval, |shortest: u64| shortest.min(interval)));
        checks.passed = checks.passed.max(passed);
    }
    Ok(checks)
}

#[derive(Debug, Default)]
pub(crate) struct Checks {
    /// The shortest interval among the balancers (None without any).
    pub interval: Option<u64>,
    /// The longest interval × healthy threshold among them.
    pub passed: u64,
}

pub(crate) async fn deregister(clients: &Clients, balancer: &str, ids: &[String]) -> Result<(), ActivityError> {
    let request = clients.elb.deregister_instances_from_load_balancer().load_balancer_name(balancer);
    request.set_instances(Some(instances(ids))).send().await?;
    Ok(())
}

pub(crate) async fn register(clients: &Clients, balancer: &str, ids: &[String]) -> Result<(), ActivityError> {
    let request = clients.elb.register_instances_with_load_balancer().load_balancer_name(balancer);
    request.set_instances(Some(instances(ids))).send().await?;
    Ok(())
}

fn instances(ids: &[String]) -> Vec<Instance> {
    ids.iter().map(|id| Instance::builder().instance_id(id).build()).collect()
}
