//! Fleets in the emulator, as an operator's look after AWS published a patched image: groups of
//! Windows instances on the older release, spread (or not) over two zones, behind sticky target
//! groups. Used by the tests and by the demo.

use activities::Clients;
use anyhow::{ensure, Context, Result};

use super::emulator::Seeded;

/// A group to cycle, built in the emulator the way an operator's fleet looks after AWS published a
/// patched image and the launch template was updated: instances on the old AMI, the template's
/// default version on the new one.
#[derive(Debug, Clone)]
pub struct Fleet {
    pub group: String,
    pub launch_template_id: String,
    /// The older release of Windows Server 2022, which the instances run.
    pub old_image: String,
    /// The newer release.
    pub new_image: String,
    pub target_group_arn: Option<String>,
    /// The Classic Load Balancer in front of the group, if any.
    pub load_balancer_name: Option<String>,
    /// The instances before the cycle.
    pub instances: Vec<String>,
}

pub struct FleetSpec<'a> {
    pub name: &'a str,
    /// Instances in the first and second seeded zone.
    pub per_zone: [i32; 2],
    pub max_size: Option<i32>,
    /// A sticky (lb_cookie) target group with this deregistration delay.
    pub target_group_delay: Option<u32>,
    /// A Classic Load Balancer of the group's name, with connection draining for this many seconds.
    pub classic_draining: Option<u32>,
    /// Make the newer image the template's default, as an update would (false: all on the older).
    pub template_updated: bool,
    /// How the group references its template version.
    pub version_reference: &'a str,
    pub tags: Vec<(&'a str, &'a str)>,
    /// Launch from a legacy launch configuration instead of a template.
    pub launch_configuration: bool,
    /// How long a new instance of the group takes to boot (the emulator's `BOOT_TAG`).
    pub boot_seconds: u32,
    /// What the group's template (or launch configuration) launches.
    pub instance_type: &'a str,
}

/// The group tag that tells the emulator how long its new instances boot.
pub const BOOT_TAG: &str = "tuesday:emulator:boot-seconds";

impl<'a> FleetSpec<'a> {
    pub fn new(name: &'a str, per_zone: [i32; 2]) -> Self {
        FleetSpec {
            name,
            per_zone,
            max_size: None,
            target_group_delay: None,
            classic_draining: None,
            template_updated: true,
            version_reference: "$Default",
            tags: Vec::new(),
            launch_configuration: false,
            boot_seconds: 300,
            instance_type: "t3.large",
        }
    }
}

pub async fn create_fleet(clients: &Clients, seeded: &Seeded, spec: FleetSpec<'_>) -> Result<Fleet> {
    use aws_sdk_autoscaling::types::LaunchTemplateSpecification;
    use aws_sdk_ec2::types::RequestLaunchTemplateData;

    let family = "Windows_Server-2022-English-Full-Base";
    let images = clients
        .ec2
        .describe_images()
        .filters(aws_sdk_ec2::types::Filter::builder().name("name").values(format!("{family}-*")).build())
        .send()
        .await?;
    let mut named: Vec<(String, String)> = images
        .images()
        .iter()
        .map(|i| (i.name().unwrap_or_default().to_owned(), i.image_id().unwrap_or_default().to_owned()))
        .collect();
    named.sort();
    ensure!(named.len() >= 2, "the emulator has two releases of {family}");
    let (old_image, new_image) = (named[0].1.clone(), named[named.len() - 1].1.clone());

    // The group's tags go on its template too, as tuesday's IAM policy asks (`tuesday:image`).
    let tags = spec.tags.iter().map(|(key, value)| aws_sdk_ec2::types::Tag::builder().key(*key).value(*value).build());
    let tagged = aws_sdk_ec2::types::TagSpecification::builder()
        .resource_type(aws_sdk_ec2::types::ResourceType::LaunchTemplate)
        .set_tags(Some(tags.collect()))
        .build();
    let template = clients
        .ec2
        .create_launch_template()
        .launch_template_name(spec.name)
        .set_tag_specifications((!spec.tags.is_empty()).then(|| vec![tagged]))
        .launch_template_data(
            RequestLaunchTemplateData::builder().image_id(&old_image).instance_type(spec.instance_type.into()).build(),
        )
        .send()
        .await?;
    let launch_template_id =
        template.launch_template().and_then(|t| t.launch_template_id()).context("template id")?.to_owned();

    let target_group_arn = match spec.target_group_delay {
        Some(delay) => Some(sticky_target_group(clients, seeded, spec.name, delay).await?),
        None => None,
    };
    let [first, second] = spec.per_zone;
    let size = first + second;
    let zone = |i: usize| seeded.subnets[i].id.clone();
    let create = clients.autoscaling.create_auto_scaling_group().auto_scaling_group_name(spec.name);
    let create = if spec.launch_configuration {
        let configuration = clients.autoscaling.create_launch_configuration().launch_configuration_name(spec.name);
        configuration.image_id(&old_image).instance_type(spec.instance_type).send().await?;
        create.launch_configuration_name(spec.name)
    } else {
        let reference = LaunchTemplateSpecification::builder()
            .launch_template_id(&launch_template_id)
            .version(spec.version_reference);
        create.launch_template(reference.build())
    };
    let mut create =
        create.max_size(spec.max_size.unwrap_or(size * 2)).desired_capacity(first).vpc_zone_identifier(zone(0));
    if let Some(arn) = &target_group_arn {
        create = create.target_group_arns(arn);
    }
    let load_balancer_name = match spec.classic_draining {
        Some(timeout) => Some(classic_load_balancer(clients, seeded, spec.name, timeout).await?),
        None => None,
    };
    if let Some(name) = &load_balancer_name {
        create = create.load_balancer_names(name);
    }
    create.min_size(first).send().await?;
    // The emulator fills the first subnet; the second zone's instances are launched there and attached.
    if second > 0 {
        let launched = clients
            .ec2
            .run_instances()
            .image_id(&old_image)
            .instance_type(spec.instance_type.into())
            .subnet_id(zone(1))
            .min_count(second)
            .max_count(second)
            .send()
            .await?;
        let ids: Vec<String> = launched.instances().iter().filter_map(|i| i.instance_id().map(str::to_owned)).collect();
        clients
            .autoscaling
            .attach_instances()
            .auto_scaling_group_name(spec.name)
            .set_instance_ids(Some(ids))
            .send()
            .await?;
    }
    if (first - second).abs() > 1 {
        // Left alone, AWS would rebalance such a group at once: its operator keeps it so.
        let suspend = clients.autoscaling.suspend_processes().auto_scaling_group_name(spec.name);
        suspend.scaling_processes("AZRebalance").send().await?;
    }
    clients
        .autoscaling
        .update_auto_scaling_group()
        .auto_scaling_group_name(spec.name)
        .min_size(size)
        .vpc_zone_identifier(format!("{},{}", zone(0), zone(1)))
        .send()
        .await?;

    let boot = spec.boot_seconds.to_string();
    for (key, value) in spec.tags.iter().chain([&(BOOT_TAG, boot.as_str())]) {
        let tag = aws_sdk_autoscaling::types::Tag::builder()
            .resource_id(spec.name)
            .resource_type("auto-scaling-group")
            .key(*key)
            .value(*value)
            .propagate_at_launch(false)
            .build();
        clients.autoscaling.create_or_update_tags().tags(tag).send().await?;
    }
    if spec.template_updated && !spec.launch_configuration {
        let version = clients
            .ec2
            .create_launch_template_version()
            .launch_template_id(&launch_template_id)
            .source_version("1")
            .launch_template_data(RequestLaunchTemplateData::builder().image_id(&new_image).build())
            .send()
            .await?;
        let number = version.launch_template_version().and_then(|v| v.version_number()).context("version")?;
        clients
            .ec2
            .modify_launch_template()
            .launch_template_id(&launch_template_id)
            .default_version(number.to_string())
            .send()
            .await?;
    }
    settle(seeded, spec.name).await?;
    let instances = group_instances(clients, spec.name).await?;
    let group = spec.name.to_owned();
    Ok(Fleet { group, launch_template_id, old_image, new_image, target_group_arn, load_balancer_name, instances })
}

/// A Classic Load Balancer over both zones, checking every 10 s (three passes to be InService), with
/// connection draining for `timeout` seconds.
pub async fn classic_load_balancer(clients: &Clients, seeded: &Seeded, name: &str, timeout: u32) -> Result<String> {
    use aws_sdk_elasticloadbalancing::types::{ConnectionDraining, HealthCheck, Listener, LoadBalancerAttributes};

    let listener = Listener::builder().protocol("HTTP").load_balancer_port(80).instance_port(80).build()?;
    let subnets = seeded.subnets.iter().take(2).map(|s| s.id.clone()).collect();
    let create = clients.elb.create_load_balancer().load_balancer_name(name).listeners(listener);
    create.set_subnets(Some(subnets)).send().await?;
    let check = HealthCheck::builder()
        .target("HTTP:80/")
        .interval(10)
        .timeout(5)
        .healthy_threshold(3)
        .unhealthy_threshold(2)
        .build()?;
    clients.elb.configure_health_check().load_balancer_name(name).health_check(check).send().await?;
    let draining = ConnectionDraining::builder().enabled(true).timeout(i32::try_from(timeout)?).build();
    let attributes = LoadBalancerAttributes::builder().connection_draining(draining).build();
    let modify = clients.elb.modify_load_balancer_attributes().load_balancer_name(name);
    modify.load_balancer_attributes(attributes).send().await?;
    Ok(name.to_owned())
}

async fn sticky_target_group(clients: &Clients, seeded: &Seeded, name: &str, delay: u32) -> Result<String> {
    let elbv2 = &clients.elbv2;
    let created = elbv2
        .create_target_group()
        .name(name)
        .protocol("HTTP".into())
        .port(80)
        .vpc_id(&seeded.vpc)
        .target_type("instance".into())
        .send()
        .await?;
    let arn =
        created.target_groups().first().and_then(|t| t.target_group_arn()).context("target group arn")?.to_owned();
    let attribute = |key: &str, value: &str| {
        aws_sdk_elasticloadbalancingv2::types::TargetGroupAttribute::builder().key(key).value(value).build()
    };
    elbv2
        .modify_target_group_attributes()
        .target_group_arn(&arn)
        .attributes(attribute("deregistration_delay.timeout_seconds", &delay.to_string()))
        .attributes(attribute("stickiness.enabled", "true"))
        .attributes(attribute("stickiness.type", "lb_cookie"))
        .send()
        .await?;
    Ok(arn)
}

/// Makes `group` a fleet that has run for weeks: its instances booted and healthy long ago.
pub async fn settle(seeded: &Seeded, group: &str) -> Result<()> {
    let url = format!("{}/fleet/settle", seeded.control);
    let response = reqwest::Client::new().post(url).json(&serde_json::json!({ "group": group })).send().await?;
    ensure!(response.status().is_success(), "settling {group}: {}", response.text().await?);
    Ok(())
}

/// The ids of a group's instances, sorted, but for those it is terminating.
pub async fn group_instances(clients: &Clients, group: &str) -> Result<Vec<String>> {
    let described = clients.autoscaling.describe_auto_scaling_groups().auto_scaling_group_names(group).send().await?;
    // An instance on its way out (Terminating while its target groups drain it) is no longer the group's.
    let leaving = |i: &&aws_sdk_autoscaling::types::Instance| {
        i.lifecycle_state().is_some_and(|s| s.as_str().starts_with("Terminating"))
    };
    let mut ids: Vec<String> = described
        .auto_scaling_groups()
        .iter()
        .flat_map(|g| g.instances())
        .filter(|i| !leaving(i))
        .filter_map(|i| i.instance_id().map(str::to_owned))
        .collect();
    ids.sort();
    Ok(ids)
}
