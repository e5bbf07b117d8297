//! AWS's request rate limits on the local stack: groups cycled at once, their polls and checks
//! refused by empty token buckets, pace themselves and are patched all the same. In a test binary of
//! its own: the buckets are the account's, and every test sharing the emulator would share them.

use std::collections::BTreeSet;

use aws_sdk_ec2::config::retry::RetryConfig;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use serde_json::json;
use tuesday::local::{LocalRun, Status};
use tuesday_tests::{create_fleet, emulator, group_instances, FleetSpec};

#[tokio::test]
async fn an_update_throttled_by_aws_paces_itself_and_patches_every_group() {
    let clients = emulator().clients().await;
    let mut fleets = Vec::new();
    for name in ["paced-a", "paced-b", "paced-c", "paced-d"] {
        let mut spec = FleetSpec::new(name, [1, 1]);
        spec.template_updated = false;
        spec.tags = vec![("tuesday:image", "win2022-paced")];
        fleets.push(create_fleet(&clients, spec).await.unwrap());
    }
    // Far tighter than AWS's own: four groups' polls arrive together and find the buckets empty.
    let bucket =
        json!({ "service": "autoscaling", "action": "DescribeAutoScalingGroups", "capacity": 2, "refillPerSecond": 5 });
    emulator().fault("throttle", bucket).await.unwrap();
    let input = json!({
        "imageId": fleets[0].new_image,
        "recipe": "win2022-paced",
        "cycle": { "warmUpSeconds": 600, "pollSeconds": 30, "healthyTimeoutSeconds": 1800 },
    });

    let result = LocalRun::new(emulator(), clients.clone()).run("update", input).await.unwrap();

    let throttled = emulator().fault_answer("throttled", json!({})).await.unwrap();
    assert_eq!(result.status, Status::Succeeded, "{}", result.outcome());
    let refused = throttled["autoscaling:DescribeAutoScalingGroups"].as_u64().unwrap_or(0);
    assert!(refused > 0, "nothing was throttled, so nothing was shown: {throttled}");
    let groups = result.output.as_ref().unwrap()["groups"].as_array().unwrap();
    for fleet in &fleets {
        let outcome = groups.iter().find(|g| g["groupName"] == fleet.group.as_str()).unwrap();
        assert_eq!(outcome["status"], "patched", "{outcome}");
        let now = group_instances(&clients, &fleet.group).await.unwrap();
        assert_eq!(now.len(), fleet.instances.len(), "{} at its capacity", fleet.group);
        let described = clients.ec2.describe_instances().set_instance_ids(Some(now)).send().await.unwrap();
        let images: BTreeSet<&str> =
            described.reservations().iter().flat_map(|r| r.instances()).filter_map(|i| i.image_id()).collect();
        assert_eq!(images, BTreeSet::from([fleet.new_image.as_str()]), "{}", fleet.group);
    }
}

/// EC2's own bucket for a non-mutating action, as its documentation's example gives it (DescribeHosts:
/// 100 tokens, 20 more a second): a burst past it is refused with RequestLimitExceeded, HTTP 503.
#[tokio::test]
async fn ec2_refuses_a_burst_of_describe_calls_past_its_bucket() {
    let config = activities::clients::emulator_config(emulator().endpoint(), "us-east-1").await;
    let config = config.to_builder().retry_config(RetryConfig::disabled()).build();
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let mut refused = Vec::new();
    for _ in 0..150 {
        if let Err(error) = ec2.describe_hosts().send().await {
            let status = error.raw_response().map(|r| r.status().as_u16());
            refused.push((error.code().unwrap_or_default().to_owned(), status));
        }
    }
    // 150 calls take a second or two, in which the bucket gets 20 to 40 tokens more.
    assert!((5..=50).contains(&refused.len()), "{} refused", refused.len());
    assert!(refused.iter().all(|r| *r == ("RequestLimitExceeded".to_owned(), Some(503))), "{refused:?}");
}
