//! The command line, as clap types only. Doc comments are the help text.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use contract::machines::validate::StatusSet;

/// Patch Tuesday, automated, for Windows fleets on AWS.
#[derive(Debug, Parser)]
#[command(name = "tuesday", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Patch Tuesday on a seeded local fleet, end to end, and the report.
    Demo {
        /// Real seconds per virtual second of waiting: 0 skips every wait.
        #[arg(long, default_value_t = 0.0)]
        time_scale: f64,
    },
    /// The dry run of a whole patch: per wave and group, instances to replace per zone, peak
    /// capacity, MaxSize headroom and blockers. Changes nothing; exits 3 if anything is blocked.
    Plan(PlanArgs),
    /// Run a generated machine locally: a seeded AWS emulator, the ASL engine, the real activities.
    Run(RunArgs),
    /// Load tests: the bees.
    Bees {
        #[command(subcommand)]
        command: BeesCommand,
    },
    /// The approvals local runs wait for (a token each, and what it approves).
    Approvals,
    /// Approve the wave a patch waits to start on a manual approval.
    Approve {
        /// The task token from the approval request (SNS).
        token: String,
        /// Where the patch runs, for a token of a patch in AWS.
        #[command(flatten)]
        account: AwsArgs,
    },
    /// Reject the wave: the patch stops, and its digest says why.
    Reject {
        token: String,
        #[arg(long, default_value = "rejected by an operator")]
        reason: String,
        #[command(flatten)]
        account: AwsArgs,
    },
    /// Put a group back from the lock its cycle left (or finish that cycle), with the deployed stack's
    /// recover machine; refused while the cycle still runs.
    Recover {
        /// The Auto Scaling group.
        group: String,
        /// The stack tuesday was deployed as.
        #[arg(long, default_value = "tuesday")]
        stack: String,
        #[command(flatten)]
        account: AwsArgs,
    },
    /// Print a completion script for a shell: `tuesday completions bash > /etc/bash_completion.d/tuesday`.
    Completions { shell: clap_complete::Shell },
    /// The state machines tuesday deploys.
    Machines {
        #[command(subcommand)]
        command: MachinesCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum MachinesCommand {
    /// List every machine with its size and its generated file.
    List,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The machine, as named in statemachines/ (for example `detect`).
    pub machine: String,
    /// The execution input: a JSON document, or the path of a file holding one.
    #[arg(long, default_value = "{}")]
    pub input: String,
    /// Real seconds per virtual second of waiting: 0 skips every wait, 1 waits for real.
    #[arg(long, default_value_t = 0.0)]
    pub time_scale: f64,
    /// Print the event log as JSON lines, then the outcome, instead of progress lines.
    #[arg(long)]
    pub json: bool,
    /// Call real AWS (the account of --profile, or the default chain) instead of the emulator.
    #[arg(long)]
    pub aws: bool,
    #[command(flatten)]
    pub account: AwsArgs,
    /// Use this machine definition instead of statemachines/<machine>.asl.json.
    #[arg(long, value_name = "FILE")]
    pub definition: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum BeesCommand {
    /// Attack a URL with bees and report, like Bees with Machine Guns' `bees attack`.
    Attack(Box<AttackArgs>),
    /// Serve the practice target on 127.0.0.1 until stopped: a few backends behind one port, each
    /// response naming its backend in X-Backend, sticky by an AWSALB cookie.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The port; 0 takes a free one. The first line printed is the URL.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Serve https with a fresh self-signed certificate for localhost, written to this PEM file
    /// (give it to `bees attack --ca-cert`).
    #[arg(long, value_name = "PEM_FILE")]
    pub tls_certificate_out: Option<PathBuf>,
    /// Spread requests round robin instead of pinning each client to its cookie's backend.
    #[arg(long)]
    pub round_robin: bool,
    /// Wait this long before each response (ms).
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
}

#[derive(Debug, Args)]
pub struct AttackArgs {
    /// The URL to attack (http:// or https://).
    #[arg(short = 'u', long)]
    pub url: String,
    /// Requests in all (closed model).
    #[arg(short = 'n', long = "requests", default_value_t = 1000, conflicts_with_all = ["rate", "duration"])]
    pub requests: u64,
    /// Connections in all, one virtual user with its own cookie jar each.
    #[arg(short = 'c', long = "concurrency", default_value_t = 100)]
    pub concurrency: u32,
    /// Bees sharing the attack; every request and connection goes to some bee.
    #[arg(long, default_value_t = 1)]
    pub bees: u32,
    /// Open model: requests per second in all, for --duration; latency counts from each
    /// request's intended send time.
    #[arg(long, requires = "duration")]
    pub rate: Option<f64>,
    /// How long to attack ("30s", "2m", or seconds): with --rate, how long to keep the rate;
    /// without, the closed model until then instead of for -n requests.
    #[arg(short = 'z', long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// A request header, "Name: value"; repeat for more.
    #[arg(short = 'H', long = "header")]
    pub headers: Vec<String>,
    #[arg(short = 'm', long, default_value = "GET")]
    pub method: String,
    /// The request body.
    #[arg(long)]
    pub body: Option<String>,
    /// Give up on a request after this many milliseconds.
    #[arg(long, default_value_t = 30_000)]
    pub timeout_ms: u64,
    /// The response header naming the backend, for stickiness; without it, the load balancer's cookie.
    #[arg(long)]
    pub sticky_header: Option<String>,
    /// For https://: a PEM file of certificate authorities to trust beside the system's.
    #[arg(long, value_name = "PEM_FILE")]
    pub ca_cert: Option<PathBuf>,
    /// For https://: accept any certificate (a self-signed test target).
    #[arg(long, conflicts_with = "ca_cert")]
    pub insecure: bool,
    /// Fail when the mean time per request is above this (ms).
    #[arg(long)]
    pub max_mean_ms: Option<f64>,
    /// Fail when requests per second are below this.
    #[arg(long)]
    pub min_rps: Option<f64>,
    /// Fail when errors (no response, or a status outside --expect-status) are above this share
    /// (0 to 1).
    #[arg(long, default_value_t = contract::machines::validate::defaults::max_error_rate())]
    pub max_error_rate: f64,
    /// The statuses that count as answered: codes and ranges, as "200-399" or "200,301-302".
    #[arg(long, default_value_t = StatusSet::default())]
    pub expect_status: StatusSet,
    /// Fail when the 99th percentile is above this (ms).
    #[arg(long)]
    pub max_p99_ms: Option<f64>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub watch: WatchArgs,
}

/// The seed's elasticity check: an Auto Scaling group watched while a sustained attack lasts.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Watch this Auto Scaling group while the attack lasts (with -z/--duration): its desired
    /// capacity, its InService instances and its scaling activities, in the report.
    #[arg(long, value_name = "GROUP", requires = "duration")]
    pub watch_group: Option<String>,
    /// Fail unless the watched group scaled out within this long of the attack's start ("2m").
    #[arg(long, value_parser = parse_duration, requires = "watch_group")]
    pub expect_scale_out_within: Option<Duration>,
    /// How often to look at the watched group.
    #[arg(long, value_parser = parse_duration, default_value = "15s")]
    pub poll: Duration,
    /// The AWS profile for --watch-group (else the SDK's default chain: AWS_PROFILE, ...).
    #[arg(long, requires = "watch_group")]
    pub profile: Option<String>,
    /// The AWS region of the watched group (else AWS_REGION or the profile's).
    #[arg(long, requires = "watch_group")]
    pub region: Option<String>,
    /// Another Auto Scaling endpoint (the local emulator's, say).
    #[arg(long, requires = "watch_group")]
    pub endpoint_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The patch machine's input: a JSON document, or the path of a file holding one.
    #[arg(long, requires = "aws")]
    pub input: Option<String>,
    /// Plan the demo's patch against its seeded local fleet.
    #[arg(long, conflicts_with = "aws")]
    pub demo: bool,
    /// Plan against real AWS (the account of --profile, or the default chain).
    #[arg(long)]
    pub aws: bool,
    #[command(flatten)]
    pub account: AwsArgs,
    /// Print the plan as JSON (waves, groups with their cycle plans, load tests, blocked).
    #[arg(long)]
    pub json: bool,
}

/// The AWS account and region a command acts in, else the SDK's default chain.
#[derive(Debug, Clone, Default, Args)]
pub struct AwsArgs {
    /// The AWS profile (else AWS_PROFILE, or the default chain).
    #[arg(long)]
    pub profile: Option<String>,
    /// The AWS region (else AWS_REGION or the profile's).
    #[arg(long)]
    pub region: Option<String>,
    /// Another endpoint for every AWS service (the local emulator's, say).
    #[arg(long)]
    pub endpoint_url: Option<String>,
}

/// "30s", "1m30s", "500ms", or a number of seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds > 0.0 => Ok(Duration::from_secs_f64(seconds)),
        Ok(_) => Err("give more than 0 seconds".into()),
        Err(_) => humantime::parse_duration(text).map_err(|e| format!("{e}: give \"30s\", \"2m\" or seconds")),
    }
}
