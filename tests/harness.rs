//! Shared by the end-to-end tests: where the repository and its Node tools are, and how to run them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{ensure, Context, Result};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the repository").to_path_buf()
}

/// A tool installed by `npm ci` in `tools/node` (the README's test command runs it first).
pub fn node_tool(name: &str) -> Result<PathBuf> {
    let path = repo_root().join("tools/node/node_modules/.bin").join(name);
    ensure!(path.exists(), "{} is missing: run `./just setup` (npm ci in tools/node)", path.display());
    Ok(path)
}

/// Runs asl-validator (pinned in tools/node/package-lock.json) over `files`.
pub fn asl_validator(files: &[PathBuf]) -> Result<Output> {
    let mut command = Command::new(node_tool("asl-validator")?);
    for file in files {
        command.arg("--json-path").arg(file);
    }
    command.output().context("running asl-validator")
}

/// Every `*.asl.json` under `statemachines/`.
pub fn generated_machines() -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join("statemachines"))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    files.retain(|path| path.to_string_lossy().ends_with(".asl.json"));
    files.sort();
    Ok(files)
}

/// The emulator every test in this binary shares, started on first use. It stops when the test
/// binary exits: the launcher leaves when its standard input closes.
pub fn emulator() -> &'static tuesday::local::Emulator {
    static EMULATOR: std::sync::OnceLock<tuesday::local::Emulator> = std::sync::OnceLock::new();
    EMULATOR.get_or_init(|| tuesday::local::Emulator::start().expect("the emulator starts (run `./just setup`)"))
}

/// A fresh Auto Scaling group of `size` instances of the seeded Windows Server 2022 AMI, spread
/// over the seeded subnets. Names must be unique per test: the emulator is shared.
pub async fn create_group(clients: &activities::Clients, name: &str, size: i32) -> Result<()> {
    let seeded = &emulator().seeded;
    let parameter = &seeded.parameters["2022"];
    let image = clients.ssm.get_parameter().name(parameter).send().await?;
    let image_id = image.parameter().and_then(|p| p.value()).context("seeded parameter has a value")?;
    clients
        .ec2
        .create_launch_template()
        .launch_template_name(name)
        .launch_template_data(
            aws_sdk_ec2::types::RequestLaunchTemplateData::builder()
                .image_id(image_id)
                .instance_type("t3.large".into())
                .build(),
        )
        .send()
        .await?;
    let subnets: Vec<&str> = seeded.subnets.iter().map(|s| s.id.as_str()).collect();
    clients
        .autoscaling
        .create_auto_scaling_group()
        .auto_scaling_group_name(name)
        .launch_template(
            aws_sdk_autoscaling::types::LaunchTemplateSpecification::builder()
                .launch_template_name(name)
                .version("$Default")
                .build(),
        )
        .min_size(size)
        .max_size(size * 2)
        .desired_capacity(size)
        .vpc_zone_identifier(subnets.join(","))
        .send()
        .await?;
    Ok(())
}

/// A group to cycle, built in the emulator the way an operator's fleet looks after AWS published a
/// patched image and the launch template was updated: instances on the old AMI, the template's
/// default version on the new one.
pub struct Fleet {
    pub group: String,
    pub launch_template_id: String,
    /// The older release of Windows Server 2022, which the instances run.
    pub old_image: String,
    /// The newer release.
    pub new_image: String,
    pub target_group_arn: Option<String>,
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
    /// Make the newer image the template's default, as an update would (false: all on the older).
    pub template_updated: bool,
    /// How the group references its template version.
    pub version_reference: &'a str,
    pub tags: Vec<(&'a str, &'a str)>,
    /// Launch from a legacy launch configuration instead of a template.
    pub launch_configuration: bool,
}

impl<'a> FleetSpec<'a> {
    pub fn new(name: &'a str, per_zone: [i32; 2]) -> Self {
        FleetSpec {
            name,
            per_zone,
            max_size: None,
            target_group_delay: None,
            template_updated: true,
            version_reference: "$Default",
            tags: Vec::new(),
            launch_configuration: false,
        }
    }
}

pub async fn create_fleet(clients: &activities::Clients, spec: FleetSpec<'_>) -> Result<Fleet> {
    use aws_sdk_autoscaling::types::LaunchTemplateSpecification;
    use aws_sdk_ec2::types::RequestLaunchTemplateData;

    let seeded = &emulator().seeded;
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

    let template = clients
        .ec2
        .create_launch_template()
        .launch_template_name(spec.name)
        .launch_template_data(
            RequestLaunchTemplateData::builder().image_id(&old_image).instance_type("t3.large".into()).build(),
        )
        .send()
        .await?;
    let launch_template_id =
        template.launch_template().and_then(|t| t.launch_template_id()).context("template id")?.to_owned();

    let target_group_arn = match spec.target_group_delay {
        Some(delay) => Some(sticky_target_group(clients, spec.name, delay).await?),
        None => None,
    };
    let [first, second] = spec.per_zone;
    let size = first + second;
    let zone = |i: usize| seeded.subnets[i].id.clone();
    let create = clients.autoscaling.create_auto_scaling_group().auto_scaling_group_name(spec.name);
    let create = if spec.launch_configuration {
        let configuration = clients.autoscaling.create_launch_configuration().launch_configuration_name(spec.name);
        configuration.image_id(&old_image).instance_type("t3.large").send().await?;
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
    create.min_size(first).send().await?;
    // The emulator fills the first subnet; the second zone's instances are launched there and attached.
    if second > 0 {
        let launched = clients
            .ec2
            .run_instances()
            .image_id(&old_image)
            .instance_type("t3.large".into())
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
    clients
        .autoscaling
        .update_auto_scaling_group()
        .auto_scaling_group_name(spec.name)
        .min_size(size)
        .vpc_zone_identifier(format!("{},{}", zone(0), zone(1)))
        .send()
        .await?;

    for (key, value) in &spec.tags {
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
    let instances = group_instances(clients, spec.name).await?;
    Ok(Fleet { group: spec.name.to_owned(), launch_template_id, old_image, new_image, target_group_arn, instances })
}

async fn sticky_target_group(clients: &activities::Clients, name: &str, delay: u32) -> Result<String> {
    let elbv2 = &clients.elbv2;
    let created = elbv2
        .create_target_group()
        .name(name)
        .protocol("HTTP".into())
        .port(80)
        .vpc_id(&emulator().seeded.vpc)
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

/// The ids of a group's instances, sorted.
pub async fn group_instances(clients: &activities::Clients, group: &str) -> Result<Vec<String>> {
    let described = clients.autoscaling.describe_auto_scaling_groups().auto_scaling_group_names(group).send().await?;
    let mut ids: Vec<String> = described
        .auto_scaling_groups()
        .iter()
        .flat_map(|g| g.instances())
        .filter_map(|i| i.instance_id().map(str::to_owned))
        .collect();
    ids.sort();
    Ok(ids)
}

/// An SNS topic with an SQS queue subscribed, to read what a machine published.
pub struct Inbox {
    pub topic_arn: String,
    queue_url: String,
    sqs: aws_sdk_sqs::Client,
}

impl Inbox {
    pub async fn new(clients: &activities::Clients, name: &str) -> Result<Inbox> {
        let seeded = &emulator().seeded;
        let sqs =
            aws_sdk_sqs::Client::new(&activities::clients::emulator_config(&seeded.endpoint, &seeded.region).await);
        let topic = clients.sns.create_topic().name(name).send().await?;
        let topic_arn = topic.topic_arn().context("topic arn")?.to_owned();
        let queue = sqs.create_queue().queue_name(name).send().await?;
        let queue_url = queue.queue_url().context("queue url")?.to_owned();
        let attributes = sqs
            .get_queue_attributes()
            .queue_url(&queue_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await?;
        let queue_arn = attributes
            .attributes()
            .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
            .context("queue arn")?
            .clone();
        clients.sns.subscribe().topic_arn(&topic_arn).protocol("sqs").endpoint(queue_arn).send().await?;
        Ok(Inbox { topic_arn, queue_url, sqs })
    }

    /// Every message published so far: the JSON each carried.
    pub async fn messages(&self) -> Result<Vec<serde_json::Value>> {
        let mut found = Vec::new();
        loop {
            let received =
                self.sqs.receive_message().queue_url(&self.queue_url).max_number_of_messages(10).send().await?;
            if received.messages().is_empty() {
                return Ok(found);
            }
            for message in received.messages() {
                let envelope: serde_json::Value = serde_json::from_str(message.body().unwrap_or("{}"))?;
                found.push(serde_json::from_str(envelope["Message"].as_str().unwrap_or("null"))?);
                if let Some(receipt) = message.receipt_handle() {
                    self.sqs.delete_message().queue_url(&self.queue_url).receipt_handle(receipt).send().await?;
                }
            }
        }
    }
}
