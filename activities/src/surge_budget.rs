//! How many groups may surge at once: at most a configured number, and no more than the account's
//! On-Demand vCPU quotas leave room for in the region. EC2 counts every pending or running instance
//! against the quota of its bucket of families, and refuses a launch past it (`VcpuLimitExceeded`): a
//! group whose surge is refused waits for room, and rolls back if none frees within its healthy
//! timeout, so the budget is set from the largest surges that could run together
//! (https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::{Filter, InstanceType};

use crate::{ActivityError, Clients};

/// The AWS calls a budget makes, as IAM actions.
pub const CALLS: &[&str] = &["ec2:DescribeInstances", "ec2:DescribeInstanceTypes", "servicequotas:GetServiceQuota"];

/// A bucket's quota code and name, and the first letters of its families (longer prefixes first).
const BUCKETS: [(&str, &str, &[&str]); 9] = [
    ("L-1945791B", "Running On-Demand Inf instances", &["inf"]),
    ("L-6E869C2A", "Running On-Demand DL instances", &["dl"]),
    ("L-2C3B7624", "Running On-Demand Trn instances", &["trn"]),
    ("L-43DA4232", "Running On-Demand High Memory instances", &["u-", "u7"]),
    ("L-DB2E81BA", "Running On-Demand G and VT instances", &["g", "vt"]),
    ("L-74FC7D96", "Running On-Demand F instances", &["f"]),
    ("L-417A185B", "Running On-Demand P instances", &["p"]),
    ("L-7295265B", "Running On-Demand X instances", &["x"]),
    (
        "L-1216C47A",
        "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances",
        &["a", "c", "d", "h", "i", "m", "r", "t", "z"],
    ),
];

/// The quota code and name of the bucket an instance type counts against (none for HPC and Mac).
fn bucket(instance_type: &str) -> Option<(&'static str, &'static str)> {
    let family = instance_type.split('.').next().unwrap_or_default().to_ascii_lowercase();
    if family.starts_with("hpc") || family.starts_with("mac") {
        return None;
    }
    BUCKETS.iter().find(|(_, _, prefixes)| prefixes.iter().any(|p| family.starts_with(p))).map(|(c, n, _)| (*c, *n))
}

/// One group's surge: how many instances it adds at once, of which type.
#[derive(Debug, Clone)]
pub struct Surge {
    pub instance_type: String,
    pub instances: u32,
}

/// The budget, and what set it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Budget {
    pub groups_at_once: u32,
    /// In words: the configured maximum, or the bucket whose headroom ran out.
    pub limited_by: String,
    pub buckets: Vec<Headroom>,
}

/// A bucket the surges launch into.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Headroom {
    pub name: String,
    pub quota_vcpus: u32,
    pub running_vcpus: u32,
    /// vCPUs of the groups' surges into the bucket, largest first.
    pub surges: Vec<u32>,
}

impl Headroom {
    /// How many of the surges fit at once, counted from the largest, so any of them may run together.
    fn groups_that_fit(&self) -> u32 {
        let mut left = self.quota_vcpus.saturating_sub(self.running_vcpus);
        let mut fit = 0;
        for surge in &self.surges {
            if *surge > left {
                break;
            }
            left -= surge;
            fit += 1;
        }
        fit
    }
}

/// The budget for `surges` under `configured` groups at once, with the account's quotas and usage.
pub async fn budget(clients: &Clients, surges: &[Surge], configured: u32) -> Result<Budget, ActivityError> {
    let mut types: BTreeSet<String> = surges.iter().map(|s| s.instance_type.clone()).collect();
    let running = running_instance_types(clients).await?;
    types.extend(running.keys().cloned());
    let vcpus = vcpus_of(clients, &types).await?;
    let mut headrooms: BTreeMap<&str, Headroom> = BTreeMap::new();
    for surge in surges {
        let Some((code, name)) = bucket(&surge.instance_type) else { continue };
        let headroom = match headrooms.get_mut(code) {
            Some(headroom) => headroom,
            None => {
                let quota = quota_vcpus(clients, code).await?;
                let in_bucket = running.iter().filter(|(t, _)| bucket(t).is_some_and(|(c, _)| c == code));
                let running_vcpus = in_bucket.map(|(t, count)| count * vcpus.get(t).copied().unwrap_or(1)).sum();
                let headroom = Headroom { name: name.into(), quota_vcpus: quota, running_vcpus, surges: Vec::new() };
                headrooms.entry(code).or_insert(headroom)
            }
        };
        headroom.surges.push(surge.instances * vcpus.get(&surge.instance_type).copied().unwrap_or(1));
    }
    let mut budget = match surges.len() as u32 {
        all if all <= configured => {
            Budget { groups_at_once: all, limited_by: "all of them".into(), buckets: Vec::new() }
        }
        _ => Budget {
            groups_at_once: configured,
            limited_by: format!("at most {configured}, the most one update surges"),
            buckets: Vec::new(),
        },
    };
    for mut headroom in headrooms.into_values() {
        headroom.surges.sort_unstable_by(|a, b| b.cmp(a));
        let fit = headroom.groups_that_fit();
        if fit < budget.groups_at_once {
            budget.groups_at_once = fit;
            budget.limited_by = format!(
                "{}: a quota of {} vCPUs, {} running, surges of up to {} vCPUs",
                headroom.name, headroom.quota_vcpus, headroom.running_vcpus, headroom.surges[0]
            );
        }
        budget.buckets.push(headroom);
    }
    Ok(budget)
}

/// Instance type -> how many instances of it are pending or running in the region.
async fn running_instance_types(clients: &Clients) -> Result<BTreeMap<String, u32>, ActivityError> {
    let live = Filter::builder().name("instance-state-name").values("pending").values("running").build();
    let mut pages = clients.ec2.describe_instances().filters(live).into_paginator().send();
    let mut counts = BTreeMap::new();
    while let Some(page) = pages.next().await {
        for instance in page?.reservations().iter().flat_map(|r| r.instances()) {
            match instance.instance_type().map(|t| t.as_str()) {
                Some(instance_type) if !instance_type.is_empty() => {
                    *counts.entry(instance_type.to_owned()).or_default() += 1
                }
                _ => {}
            }
        }
    }
    Ok(counts)
}

/// Instance type -> its default vCPUs.
async fn vcpus_of(clients: &Clients, types: &BTreeSet<String>) -> Result<BTreeMap<String, u32>, ActivityError> {
    let mut vcpus = BTreeMap::new();
    let types: Vec<InstanceType> = types.iter().map(|t| InstanceType::from(t.as_str())).collect();
    // DescribeInstanceTypes takes at most 100 types a call.
    for chunk in types.chunks(100) {
        let request = clients.ec2.describe_instance_types().set_instance_types(Some(chunk.to_vec()));
        let mut pages = request.into_paginator().send();
        while let Some(page) = pages.next().await {
            for described in page?.instance_types() {
                let count = described.v_cpu_info().and_then(|v| v.default_v_cpus()).unwrap_or(1);
                if let Some(instance_type) = described.instance_type() {
                    vcpus.insert(instance_type.as_str().to_owned(), count.max(0) as u32);
                }
            }
        }
    }
    Ok(vcpus)
}

async fn quota_vcpus(clients: &Clients, code: &str) -> Result<u32, ActivityError> {
    let quota = clients.servicequotas.get_service_quota().service_code("ec2").quota_code(code).send().await?;
    Ok(quota.quota().and_then(|q| q.value()).unwrap_or_default() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_family_counts_against_its_bucket() {
        let code = |t: &str| bucket(t).map(|(code, _)| code);
        assert_eq!(code("t3.large"), Some("L-1216C47A"));
        assert_eq!(code("m7i.xlarge"), Some("L-1216C47A"));
        assert_eq!(code("inf2.xlarge"), Some("L-1945791B"), "not Standard's i");
        assert_eq!(code("dl1.24xlarge"), Some("L-6E869C2A"), "not Standard's d");
        assert_eq!(code("x2iedn.xlarge"), Some("L-7295265B"));
        assert_eq!(code("g5.xlarge"), Some("L-DB2E81BA"));
        assert_eq!(code("hpc7a.96xlarge"), None, "not Standard's h");
    }

    #[test]
    fn the_largest_surges_that_fit_together_set_how_many_groups_surge_at_once() {
        let headroom = |running, surges: Vec<u32>| Headroom {
            name: "Standard".into(),
            quota_vcpus: 32,
            running_vcpus: running,
            surges,
        };
        assert_eq!(headroom(8, vec![16, 8, 8]).groups_that_fit(), 2, "16 + 8 of the 24 left");
        assert_eq!(headroom(0, vec![8, 8, 8, 8, 8]).groups_that_fit(), 4);
        assert_eq!(headroom(30, vec![4]).groups_that_fit(), 0, "not even one");
    }
}
