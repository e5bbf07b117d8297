//! The demo: Patch Tuesday on a realistic fleet, locally, end to end.
//!
//! A seeded emulator; a fleet of Windows groups behind sticky (lb_cookie) target groups with a 300 s
//! deregistration delay: pre-prod, one group of 1; prod, groups of 2 and 4 across two zones, one of
//! them imbalanced 3/1; a local sticky app for the bees to attack. AWS then publishes a newer Windows
//! Server 2022 AMI, and the `patch` machine bakes it, updates and cycles pre-prod, validates it under
//! load, then prod. The outcome says, per group, the AMI before and after, the instances replaced and
//! the lowest InService count seen against the group's size.

use std::collections::BTreeSet;
use std::fmt::Write;

use anyhow::{Context, Result};
use bees::practice::{self, Options, BACKEND_HEADER};
use serde_json::{json, Value};

use crate::local::events::format_virtual;
use activities::Clients;

use crate::local::approvals::Answer;
use crate::local::emulator::Published;
use crate::local::fleet::{create_fleet, group_instances, Fleet, FleetSpec};
use crate::local::{Emulator, LocalRun, RunResult, Scenario, Status};

const FAMILY: &str = "Windows_Server-2022-English-Full-Base";
const RECIPE: &str = "win2022";

/// The fleet: name, wave, instances in each of the two zones.
const FLEET: [(&str, &str, [i32; 2]); 3] =
    [("preprod-web", "pre-prod", [1, 0]), ("prod-web-a", "prod", [1, 1]), ("prod-web-b", "prod", [3, 1])];

pub struct GroupOutcome {
    pub name: String,
    pub wave: String,
    pub size: usize,
    pub image_before: String,
    pub images_after: BTreeSet<String>,
    pub replaced: usize,
    pub lowest_in_service: i64,
}

pub struct DemoOutcome {
    pub run: RunResult,
    pub new_image: String,
    pub groups: Vec<GroupOutcome>,
}

impl DemoOutcome {
    /// Every group on the new image, every old instance replaced, and capacity never below size.
    pub fn ok(&self) -> bool {
        self.run.status == Status::Succeeded
            && self.groups.iter().all(|g| {
                g.images_after == BTreeSet::from([self.new_image.clone()])
                    && g.replaced == g.size
                    && g.lowest_in_service >= g.size as i64
            })
    }

    pub fn digest(&self) -> Option<&Value> {
        self.run.output.as_ref()
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "\n{:<12} {:<9} {:<22} {:<22} {:>9} {:>16}",
            "group", "wave", "AMI before", "AMI after", "replaced", "lowest InService"
        );
        for g in &self.groups {
            let after: Vec<&str> = g.images_after.iter().map(String::as_str).collect();
            let _ = writeln!(
                out,
                "{:<12} {:<9} {:<22} {:<22} {:>5} of {} {:>9} of {}",
                g.name,
                g.wave,
                g.image_before,
                after.join(","),
                g.replaced,
                g.size,
                g.lowest_in_service,
                g.size
            );
        }
        let _ = writeln!(
            out,
            "\n{} of virtual time, {} state transitions",
            format_virtual(self.run.virtual_seconds),
            self.run.transitions
        );
        if self.run.events.iter().any(|e| e.kind == "ApprovalRequested") {
            let _ = writeln!(
                out,
                "prod waited for a person's approval; the demo approved it, as `tuesday approve <token>` would"
            );
        }
        for wave in self.digest().and_then(|d| d["summary"]["waves"].as_array()).into_iter().flatten() {
            let report = &wave["validation"]["report"];
            if report.is_object() {
                let _ = writeln!(
                    out,
                    "bees on {}: {} requests, {:.0} req/s, p99 {:.2} ms, errors {:.2}%, stickiness {:.1}%: {}",
                    wave["name"].as_str().unwrap_or("?"),
                    report["complete"],
                    report["requestsPerSecond"].as_f64().unwrap_or_default(),
                    report["p99Ms"].as_f64().unwrap_or_default(),
                    report["errorRate"].as_f64().unwrap_or_default() * 100.0,
                    report["stickiness"].as_f64().unwrap_or_default() * 100.0,
                    report["missionAssessment"].as_str().unwrap_or_default()
                );
            }
        }
        if let Some(text) = self.digest().and_then(|d| d["text"].as_str()) {
            let _ = writeln!(out, "\ndigest:\n{text}");
        } else if let Some(cause) = self.run.message() {
            let _ = writeln!(out, "\nthe patch failed: {cause}");
        }
        let _ = writeln!(out, "{}", if self.ok() { "PATCHED: every group, no capacity lost" } else { "NOT PATCHED" });
        out
    }
}

/// The demo's fleet and app in an emulator, and the patch input that rolls the new image out.
pub struct Seeded {
    pub fleets: Vec<(&'static str, Fleet)>,
    pub input: Value,
    pub app: practice::Target,
    pub published: Published,
}

/// Seeds the demo's fleet, starts its sticky app and publishes AWS's newer image.
pub async fn seed(emulator: &Emulator, clients: &Clients) -> Result<Seeded> {
    let mut fleets = Vec::new();
    for (name, wave, per_zone) in FLEET {
        let mut spec = FleetSpec::new(name, per_zone);
        spec.template_updated = false;
        spec.target_group_delay = Some(300);
        spec.tags = vec![("tuesday:image", RECIPE)];
        let fleet = create_fleet(clients, &emulator.seeded, spec).await.with_context(|| format!("seeding {name}"))?;
        fleets.push((wave, fleet));
    }
    let app = practice::serve(Options::default()).await.context("starting the sticky test app")?;
    let published = emulator.publish_image(FAMILY, "2026.11.12").await?;
    // Where the patch's notifications go, the request to approve prod among them.
    let topic = clients.sns.create_topic().name("tuesday-demo").send().await?;
    let topic_arn = topic.topic_arn().context("CreateTopic names the topic")?.to_owned();

    let load_test = json!({
        "url": app.url(), "requests": 2000, "concurrency": 20, "bees": 4, "stickyHeader": BACKEND_HEADER,
        "thresholds": { "maxErrorRate": 0.01, "maxP99Ms": 1000 },
    });
    let groups_of = |wave: &str| -> Vec<String> {
        FLEET.iter().filter(|(_, w, _)| *w == wave).map(|(name, _, _)| name.to_string()).collect()
    };
    let input = json!({
        "recipes": [{ "name": RECIPE, "source": { "parameter": emulator.seeded.parameters["2022"] } }],
        "waves": [
            { "name": "pre-prod", "recipe": RECIPE, "groups": groups_of("pre-prod"), "validate": load_test },
            { "name": "prod", "recipe": RECIPE, "groups": groups_of("prod"), "validate": load_test, "approval": "manual" },
        ],
        "cycle": { "warmUpSeconds": 600, "pollSeconds": 30, "healthyTimeoutSeconds": 1800 },
        "topicArn": topic_arn,
    });
    Ok(Seeded { fleets, input, app, published })
}

/// Runs the demo; `on_event` sees every state transition as it happens.
pub async fn run(time_scale: f64, on_event: impl FnMut(&crate::local::Event) + Send + 'static) -> Result<DemoOutcome> {
    let emulator = Emulator::start()?;
    let clients = emulator.clients().await;
    let Seeded { fleets, input, app, published } = seed(&emulator, &clients).await?;
    // Prod waits for a person's approval; the demo gives it, as `tuesday approve <token>` would.
    let scenario = FLEET.iter().fold(Scenario::new(), |s, (name, _, _)| s.sample_in_service(name));
    let scenario = scenario.answer_approvals(Answer::Approve);
    let run = LocalRun::new(&emulator, clients.clone())
        .time_scale(time_scale)
        .scenario(scenario)
        .on_event(on_event)
        .run("patch", input)
        .await?;

    let new_image = run
        .output
        .as_ref()
        .and_then(|d| d["summary"]["waves"][0]["imageId"].as_str())
        .unwrap_or(&published.image_id)
        .to_owned();
    let mut groups = Vec::new();
    for (wave, fleet) in fleets {
        let now = group_instances(&clients, &fleet.group).await?;
        let images_after = if now.is_empty() {
            BTreeSet::new()
        } else {
            let described = clients.ec2.describe_instances().set_instance_ids(Some(now.clone())).send().await?;
            described
                .reservations()
                .iter()
                .flat_map(|r| r.instances())
                .filter_map(|i| i.image_id().map(str::to_owned))
                .collect()
        };
        let lowest_in_service =
            run.samples_of(&format!("inService:{}", fleet.group)).iter().filter_map(|v| v.as_i64()).min().unwrap_or(0);
        groups.push(GroupOutcome {
            name: fleet.group.clone(),
            wave: wave.to_owned(),
            size: fleet.instances.len(),
            image_before: fleet.old_image.clone(),
            images_after,
            replaced: fleet.instances.iter().filter(|id| !now.contains(id)).count(),
            lowest_in_service,
        });
    }
    drop(app);
    Ok(DemoOutcome { run, new_image, groups })
}
