//! Shared by the end-to-end tests: where the repository and its Node tools are, and how to run them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod cycling;

use anyhow::{ensure, Context, Result};
use contract::notifications::KIND_ATTRIBUTE;

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

/// A group's lock record in the emulator's lock table; None when the group is not locked.
pub async fn lock_record(clients: &activities::Clients, group: &str) -> Option<contract::machines::cycle::Lock> {
    activities::dynamodb::read_lock(clients, &emulator().seeded.lock_table, group).await.expect("the lock table reads")
}

/// Locks `group` for `owner` as a cycle does, with the LockGroup activity: an error if it is held.
pub async fn take_lock(
    clients: &activities::Clients,
    group: &str,
    owner: &str,
) -> Result<(), activities::ActivityError> {
    let request = serde_json::json!({ "table": emulator().seeded.lock_table, "groupName": group, "owner": owner });
    activities::registry::invoke(clients, contract::Activity::LockGroup, request).await.map(drop)
}

/// Prints the run's largest state and its longest histories, and asserts they leave headroom under
/// AWS's limits: 192 KiB of the 256 KiB a state may hold, fewer than 25,000 events an execution.
pub fn assert_within_aws_limits(result: &tuesday::local::RunResult, what: &str) {
    let (largest, at) = result.largest_state();
    let histories = result.history_lengths();
    println!("{what}: largest state {largest} bytes ({at}); history events {:?}", &histories[..histories.len().min(3)]);
    assert!(largest < 192 * 1024, "{what}: {largest} bytes at {at}");
    assert!(histories.iter().all(|(_, events)| *events < 25_000), "{what}: {histories:?}");
}

/// A launch template `name` of the seeded Windows Server 2022 AMI.
pub async fn create_template(clients: &activities::Clients, name: &str) -> Result<()> {
    let parameter = &emulator().seeded.parameters["2022"];
    let image = clients.ssm.get_parameter().name(parameter).send().await?;
    let image_id = image.parameter().and_then(|p| p.value()).context("seeded parameter has a value")?;
    let data = aws_sdk_ec2::types::RequestLaunchTemplateData::builder()
        .image_id(image_id)
        .instance_type("t3.large".into())
        .build();
    clients.ec2.create_launch_template().launch_template_name(name).launch_template_data(data).send().await?;
    Ok(())
}

/// A fault the emulator applies to the group's new instances (any not in `fleet.instances`): `fault`
/// is the control endpoint's name for it (`failing-checks`, `failing-commands`, `agent-offline`).
pub fn on_new_instances(fleet: &Fleet, what: &str, fault: &'static str) -> tuesday::local::Fault {
    let (group, old) = (fleet.group.clone(), fleet.instances.clone());
    tuesday::local::Fault::emulator(what, move |clients| {
        let (group, old) = (group.clone(), old.clone());
        async move {
            let new: Vec<String> =
                group_instances(&clients, &group).await?.into_iter().filter(|id| !old.contains(id)).collect();
            emulator().fault(fault, serde_json::json!({ "instanceIds": new })).await
        }
    })
}

/// Lets `seconds` of virtual time pass, as a run's Wait state does.
pub async fn let_time_pass(clients: &activities::Clients, seconds: u64) -> Result<()> {
    use workflow_gen::dsl::{Machine, Wait};
    let mut m = Machine::new("pause");
    let pause = m.add("Pause", Wait::seconds(seconds));
    m.start(&pause);
    let machine = serde_json::to_value(m.build().map_err(|e| anyhow::anyhow!("{e:?}"))?)?;
    let run = tuesday::local::LocalRun::new(emulator(), clients.clone()).machine("pause", machine);
    let result = run.run("pause", serde_json::json!({})).await?;
    ensure!(result.status == tuesday::local::Status::Succeeded, "the pause failed: {}", result.outcome());
    Ok(())
}

/// A copy of the seeded source tagged with `recipe` (its snapshots too, unless `untagged_snapshots`,
/// as before tuesday tagged them), a little over a second after the one before: creation dates have
/// one-second resolution, and retention ranks by them.
pub async fn baked_copy(clients: &activities::Clients, recipe: &str, untagged_snapshots: bool) -> Result<String> {
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let tag = aws_sdk_ec2::types::Tag::builder().key("tuesday:recipe").value(recipe).build();
    let kinds: &[aws_sdk_ec2::types::ResourceType] = match untagged_snapshots {
        true => &[aws_sdk_ec2::types::ResourceType::Image],
        false => &[aws_sdk_ec2::types::ResourceType::Image, aws_sdk_ec2::types::ResourceType::Snapshot],
    };
    let specifications = kinds.iter().map(|kind| {
        aws_sdk_ec2::types::TagSpecification::builder().resource_type(kind.clone()).tags(tag.clone()).build()
    });
    let copy = clients
        .ec2
        .copy_image()
        .source_image_id("ami-0a22a0000000000a1")
        .source_region("us-east-1")
        .name(format!("{recipe}-{}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos()))
        .set_tag_specifications(Some(specifications.collect()))
        .send()
        .await?;
    Ok(copy.image_id().context("CopyImage names the copy")?.to_owned())
}

/// A fresh Auto Scaling group of `size` instances of the seeded Windows Server 2022 AMI, spread
/// over the seeded subnets. Names must be unique per test: the emulator is shared.
pub async fn create_group(clients: &activities::Clients, name: &str, size: i32) -> Result<()> {
    let seeded = &emulator().seeded;
    create_template(clients, name).await?;
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
    tuesday::local::fleet::settle(seeded, name).await
}

pub use tuesday::local::fleet::{group_instances, Fleet, FleetSpec};

/// A fleet in the shared emulator (see `tuesday::local::fleet`).
pub async fn create_fleet(clients: &activities::Clients, spec: FleetSpec<'_>) -> Result<Fleet> {
    tuesday::local::fleet::create_fleet(clients, &emulator().seeded, spec).await
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

    /// Every message published so far: its kind (the `kind` message attribute) and the JSON it carried.
    pub async fn published(&self) -> Result<Vec<(String, serde_json::Value)>> {
        let mut found = Vec::new();
        loop {
            let received =
                self.sqs.receive_message().queue_url(&self.queue_url).max_number_of_messages(10).send().await?;
            if received.messages().is_empty() {
                return Ok(found);
            }
            for message in received.messages() {
                let envelope: serde_json::Value = serde_json::from_str(message.body().unwrap_or("{}"))?;
                let kind = envelope["MessageAttributes"][KIND_ATTRIBUTE]["Value"].as_str().unwrap_or_default();
                found.push((kind.to_owned(), serde_json::from_str(envelope["Message"].as_str().unwrap_or("null"))?));
                if let Some(receipt) = message.receipt_handle() {
                    self.sqs.delete_message().queue_url(&self.queue_url).receipt_handle(receipt).send().await?;
                }
            }
        }
    }

    /// The messages of `kind` published so far (the others are used up too).
    pub async fn messages_of(&self, kind: &str) -> Result<Vec<serde_json::Value>> {
        Ok(self.published().await?.into_iter().filter(|(k, _)| k == kind).map(|(_, message)| message).collect())
    }
}

/// Objects in the emulator's S3, for Distributed Map items and results: path-style requests signed
/// as the SDK signs them (no activity calls S3, so the SDK's S3 crate is not built for this).
pub struct S3 {
    endpoint: String,
    region: String,
    http: reqwest::Client,
}

impl S3 {
    pub fn new(emulator: &tuesday::local::Emulator) -> S3 {
        let seeded = &emulator.seeded;
        S3 { endpoint: seeded.endpoint.clone(), region: seeded.region.clone(), http: reqwest::Client::new() }
    }

    pub async fn create_bucket(&self, bucket: &str) -> Result<()> {
        self.send("PUT", &format!("/{bucket}"), &[]).await.map(drop)
    }

    pub async fn put(&self, bucket: &str, key: &str, body: &[u8]) -> Result<()> {
        self.send("PUT", &format!("/{bucket}/{key}"), body).await.map(drop)
    }

    pub async fn get(&self, bucket: &str, key: &str) -> Result<Vec<u8>> {
        self.send("GET", &format!("/{bucket}/{key}"), &[]).await
    }

    async fn send(&self, method: &str, path: &str, body: &[u8]) -> Result<Vec<u8>> {
        use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
        use aws_sigv4::sign::v4;

        let url = format!("{}{path}", self.endpoint);
        let identity =
            aws_credential_types::Credentials::new("testing", "testing", None, None, "tuesday-emulator").into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("s3")
            .time(std::time::SystemTime::now())
            .settings(SigningSettings::default())
            .build()?
            .into();
        let signable = SignableRequest::new(method, &url, std::iter::empty(), SignableBody::Bytes(body))?;
        let (instructions, _) = sign(signable, &params)?.into_parts();
        let mut request = self.http.request(method.parse()?, &url).body(body.to_vec());
        for (name, value) in instructions.headers() {
            request = request.header(name, value);
        }
        let response = request.send().await?.error_for_status()?;
        Ok(response.bytes().await?.to_vec())
    }
}
