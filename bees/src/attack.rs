//! An attack: virtual users, each with its own connection and cookie jar, driven by a closed or an
//! open load model.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, Uri};

use crate::connection::{Outcome, Template, VirtualUser};
use crate::progress::Progress;
use crate::tally::Tally;
use crate::tls::{Connector, Trust};

#[derive(Debug, Clone)]
pub struct Attack {
    pub url: String,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub timeout: Duration,
    /// The response header that names the backend (X-Backend, say); without it, the load
    /// balancer's cookie. An ALB rotates its cookie's value, so prefer a header there.
    pub sticky_header: Option<String>,
    /// How an https:// target is trusted.
    pub trust: Trust,
    pub load: Load,
}

#[derive(Debug, Clone, Copy)]
pub enum Load {
    /// `requests` requests, `concurrency` at a time: the next is sent when one returns.
    Closed { requests: u64, concurrency: u32 },
    /// As `Closed`, for `duration` rather than a count (oha's `-z`): requests in flight at the end
    /// are dropped, not counted.
    ClosedFor { duration: Duration, concurrency: u32 },
    /// `rate` requests a second for `duration`, on `concurrency` connections. Latency counts from
    /// when each request should have been sent, so a stall shows in every request it delays.
    Open { rate: f64, duration: Duration, concurrency: u32 },
}

impl Load {
    /// The requests the attack will send, when that is known beforehand.
    pub fn requests(&self) -> Option<u64> {
        match *self {
            Load::Closed { requests, .. } => Some(requests),
            Load::ClosedFor { .. } => None,
            Load::Open { rate, duration, .. } => Some((rate * duration.as_secs_f64()).round() as u64),
        }
    }

    pub fn concurrency(&self) -> u32 {
        match *self {
            Load::Closed { concurrency, .. } | Load::ClosedFor { concurrency, .. } | Load::Open { concurrency, .. } => {
                concurrency
            }
        }
    }

    fn deadline(&self) -> Option<Duration> {
        match *self {
            Load::ClosedFor { duration, .. } => Some(duration),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AttackError {
    #[error("{field}: {problem}")]
    Invalid { field: &'static str, problem: String },
}

fn invalid(field: &'static str, problem: impl Into<String>) -> AttackError {
    AttackError::Invalid { field, problem: problem.into() }
}

impl Attack {
    fn template(&self) -> Result<Template, AttackError> {
        let uri: Uri = self.url.parse().map_err(|e| invalid("url", format!("'{}': {e}", self.url)))?;
        let https = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => return Err(invalid("url", format!("'{}': give an http:// or https:// URL", self.url))),
        };
        let host = uri.host().ok_or_else(|| invalid("url", format!("'{}' has no host", self.url)))?;
        let authority = format!("{host}:{}", uri.port_u16().unwrap_or(if https { 443 } else { 80 }));
        let tls = match https {
            true => Some(Connector::new(host, &self.trust).map_err(|problem| invalid("url", problem))?),
            false => None,
        };
        let method =
            Method::from_bytes(self.method.as_bytes()).map_err(|_| invalid("method", format!("'{}'", self.method)))?;
        let headers = self
            .headers
            .iter()
            .map(|(name, value)| {
                let name =
                    HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid("headers", format!("'{name}'")))?;
                let value = HeaderValue::from_str(value).map_err(|_| invalid("headers", format!("'{value}'")))?;
                Ok((name, value))
            })
            .collect::<Result<_, AttackError>>()?;
        let sticky_header = match &self.sticky_header {
            Some(name) => Some(
                HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid("stickyHeader", format!("'{name}'")))?,
            ),
            None => None,
        };
        match self.load {
            Load::Closed { requests, concurrency } if concurrency == 0 || requests == 0 => {
                return Err(invalid("concurrency", "requests and concurrency must be at least 1"))
            }
            Load::Open { rate, duration, concurrency }
                if rate.is_nan() || rate <= 0.0 || duration.is_zero() || concurrency == 0 =>
            {
                return Err(invalid("rate", "rate, duration and concurrency must be more than 0"))
            }
            Load::ClosedFor { duration, concurrency } if duration.is_zero() || concurrency == 0 => {
                return Err(invalid("duration", "duration and concurrency must be more than 0"))
            }
            _ => {}
        }
        let path: Uri =
            uri.path_and_query().map(|p| p.as_str()).unwrap_or("/").parse().expect("a parsed URI's path parses");
        // The Host header as the URL wrote it: a default port is left out, as browsers leave it.
        let written = uri.authority().map_or(host, |a| a.as_str());
        let host =
            HeaderValue::from_str(written).map_err(|_| invalid("url", format!("'{}' has a bad host", self.url)))?;
        Ok(Template {
            path,
            authority,
            host,
            method,
            headers,
            body: Bytes::from(self.body.clone().unwrap_or_default()),
            timeout: self.timeout,
            sticky_header,
            tls,
        })
    }

    /// Runs the attack, counting it in `progress` as it goes; cancelling `progress.stop` ends it
    /// early, with the tally of every request that finished.
    pub async fn run(&self, progress: Arc<Progress>) -> Result<Tally, AttackError> {
        let template = Arc::new(self.template()?);
        let next = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        if let Some(deadline) = self.load.deadline() {
            let stop = progress.stop.clone();
            tokio::spawn(async move {
                tokio::time::sleep(deadline).await;
                stop.cancel();
            });
        }
        let users: Vec<_> = (0..self.load.concurrency())
            .map(|_| {
                let (template, next, progress, load) = (template.clone(), next.clone(), progress.clone(), self.load);
                tokio::spawn(async move { virtual_user(&template, load, &next, &progress, started).await })
            })
            .collect();
        let mut tallies = Vec::with_capacity(users.len());
        for user in users {
            tallies.push(user.await.expect("a virtual user does not panic"));
        }
        // The attack's time ends with its last response, not after the merge.
        let elapsed_seconds = started.elapsed().as_secs_f64();
        let mut tally = Tally { elapsed_seconds, ..Tally::default() };
        tallies.iter().for_each(|user| tally.merge(user));
        Ok(tally)
    }
}

/// Requests a virtual user of the closed model takes at once: fewer trips to the shared counter.
const CLOSED_BATCH: u64 = 8;
/// Finished requests a virtual user counts before telling the progress line.
const PROGRESS_BATCH: u64 = 32;

async fn virtual_user(
    template: &Template,
    load: Load,
    next: &AtomicU64,
    progress: &Progress,
    started: Instant,
) -> Tally {
    let mut user = VirtualUser::default();
    let mut tally = Tally::default();
    let mut backends: BTreeMap<String, u64> = BTreeMap::new();
    let total = load.requests().unwrap_or(u64::MAX);
    // The open model takes one ticket at a time: each ticket is a moment in the schedule.
    let batch = match load {
        Load::Closed { .. } | Load::ClosedFor { .. } => CLOSED_BATCH,
        Load::Open { .. } => 1,
    };
    let (mut ticket, mut last) = (0, 0);
    let (mut unreported, mut errors) = (0, 0);
    // One wait for the stop for the whole attack: a new one per request would take the token's lock.
    let stopped = progress.stop.cancelled();
    let deadline = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(stopped, deadline);
    loop {
        if ticket == last {
            ticket = next.fetch_add(batch, Ordering::Relaxed);
            last = ticket.saturating_add(batch).min(total);
        }
        if ticket >= total {
            break;
        }
        ticket += 1;
        let sent = async {
            // Closed: latency from the send. Open: from when the schedule said to send.
            let now = Instant::now();
            let measured_from = match load {
                Load::Closed { .. } | Load::ClosedFor { .. } => now,
                Load::Open { rate, .. } => {
                    let intended = started + Duration::from_secs_f64((ticket - 1) as f64 / rate);
                    tokio::time::sleep_until(intended.into()).await;
                    intended
                }
            };
            let outcome = user.send(template, now.max(measured_from), deadline.as_mut()).await;
            (outcome, measured_from.elapsed().as_micros() as u64)
        };
        let (outcome, micros) = tokio::select! {
            biased;
            _ = &mut stopped => break,
            sent = sent => sent,
        };
        match outcome {
            Outcome::Response { status, backend } => {
                tally.record_response(status, micros);
                errors += u64::from(progress.is_error(status));
                if let Some(backend) = backend {
                    *backends.entry(backend).or_default() += 1;
                }
            }
            Outcome::Failure(kind) => {
                tally.record_failure(kind, micros);
                errors += 1;
            }
        }
        unreported += 1;
        if unreported == PROGRESS_BATCH {
            progress.add(unreported, errors);
            (unreported, errors) = (0, 0);
        }
    }
    progress.add(unreported, errors);
    tally.sticky_identified = backends.values().sum();
    tally.sticky_same = backends.values().max().copied().unwrap_or(0);
    tally
}
