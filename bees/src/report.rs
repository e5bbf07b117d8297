//! The report an operator reads after an attack, and the gate on thresholds.

use std::collections::BTreeMap;
use std::fmt::Write;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use contract::machines::validate::Thresholds;

use crate::tally::Tally;

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub requests: u64,
    pub complete: u64,
    pub failed: u64,
    pub requests_per_second: f64,
    /// Mean latency: the time per request.
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    pub statuses: BTreeMap<String, u64>,
    pub errors: BTreeMap<String, u64>,
    /// Failed requests and 5xx responses, as a share of all requests.
    pub error_rate: f64,
    /// The share of each virtual user's responses served by its usual backend; null when no backend
    /// was identified.
    pub stickiness: Option<f64>,
    pub elapsed_seconds: f64,
    pub mission_assessment: String,
    /// Every threshold missed, in words; empty when the attack passed.
    pub violations: Vec<String>,
    pub passed: bool,
}

/// The verdict of Bees with Machine Guns on the mean time per request.
pub fn mission_assessment(mean_ms: f64) -> &'static str {
    match mean_ms {
        ms if ms < 500.0 => "Target crushed bee offensive.",
        ms if ms < 1000.0 => "Target successfully fended off the swarm.",
        ms if ms < 1500.0 => "Target wounded, but operational.",
        ms if ms < 2000.0 => "Target severely compromised.",
        _ => "Swarm annihilated target.",
    }
}

impl Report {
    pub fn new(tally: &Tally, thresholds: &Thresholds) -> Report {
        let ms = |micros: u64| micros as f64 / 1000.0;
        let latencies = &tally.latencies;
        let requests = tally.requests();
        let server_errors = tally.statuses.get("5xx").copied().unwrap_or(0);
        let error_rate = if requests == 0 { 0.0 } else { (tally.failed + server_errors) as f64 / requests as f64 };
        let requests_per_second =
            if tally.elapsed_seconds > 0.0 { tally.complete as f64 / tally.elapsed_seconds } else { 0.0 };
        let mean_ms = latencies.mean() / 1000.0;
        let mut report = Report {
            requests,
            complete: tally.complete,
            failed: tally.failed,
            requests_per_second,
            mean_ms,
            p50_ms: ms(latencies.value_at_quantile(0.50)),
            p90_ms: ms(latencies.value_at_quantile(0.90)),
            p99_ms: ms(latencies.value_at_quantile(0.99)),
            p999_ms: ms(latencies.value_at_quantile(0.999)),
            max_ms: ms(latencies.max()),
            statuses: tally.statuses.clone(),
            errors: tally.errors.clone(),
            error_rate,
            stickiness: (tally.sticky_identified > 0)
                .then(|| tally.sticky_same as f64 / tally.sticky_identified as f64),
            elapsed_seconds: tally.elapsed_seconds,
            mission_assessment: mission_assessment(mean_ms).to_owned(),
            violations: Vec::new(),
            passed: true,
        };
        let mut check = |missed: bool, text: String| {
            if missed {
                report.violations.push(text);
            }
        };
        if let Some(max) = thresholds.max_mean_ms {
            check(mean_ms > max, format!("mean time per request {mean_ms:.1} ms is above {max} ms"));
        }
        if let Some(min) = thresholds.min_rps {
            check(requests_per_second < min, format!("{requests_per_second:.1} requests per second is below {min}"));
        }
        if let Some(max) = thresholds.max_error_rate {
            check(error_rate > max, format!("error rate {:.2}% is above {:.2}%", error_rate * 100.0, max * 100.0));
        }
        if let Some(max) = thresholds.max_p99_ms {
            let p99 = ms(latencies.value_at_quantile(0.99));
            check(p99 > max, format!("p99 {p99:.1} ms is above {max} ms"));
        }
        report.passed = report.violations.is_empty();
        report
    }

    /// The report as a person reads it.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Complete requests:      {}", self.complete);
        let _ = writeln!(out, "Failed requests:        {}", self.failed);
        for (kind, n) in &self.errors {
            let _ = writeln!(out, "  {kind:<20}  {n}");
        }
        let statuses: Vec<String> = self.statuses.iter().map(|(class, n)| format!("{class}: {n}")).collect();
        let _ = writeln!(out, "Responses:              {}", statuses.join(", "));
        let _ = writeln!(out, "Requests per second:    {:.2} [#/sec]", self.requests_per_second);
        let _ = writeln!(out, "Time per request:       {:.3} [ms] (mean)", self.mean_ms);
        let _ = writeln!(
            out,
            "Latency:                p50 {:.3}  p90 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3} [ms]",
            self.p50_ms, self.p90_ms, self.p99_ms, self.p999_ms, self.max_ms
        );
        let _ = writeln!(out, "Error rate:             {:.2}%", self.error_rate * 100.0);
        match self.stickiness {
            Some(share) => {
                _ = writeln!(
                    out,
                    "Stickiness:             {:.1}% of each user's requests on its usual backend",
                    share * 100.0
                )
            }
            None => _ = writeln!(out, "Stickiness:             no backend identified"),
        }
        let _ = writeln!(out, "Mission Assessment: {}", self.mission_assessment);
        if self.passed {
            let _ = writeln!(out, "Performance check: passed");
        } else {
            for violation in &self.violations {
                let _ = writeln!(out, "Performance check FAILED: {violation}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mission_assessment_follows_the_mean_time_per_request() {
        assert_eq!(mission_assessment(120.0), "Target crushed bee offensive.");
        assert_eq!(mission_assessment(999.0), "Target successfully fended off the swarm.");
        assert_eq!(mission_assessment(1200.0), "Target wounded, but operational.");
        assert_eq!(mission_assessment(1999.0), "Target severely compromised.");
        assert_eq!(mission_assessment(2500.0), "Swarm annihilated target.");
    }

    #[test]
    fn thresholds_beyond_reach_fail_the_report_and_say_why() {
        let mut tally = Tally::default();
        for _ in 0..10 {
            tally.record_response(200, 50_000);
        }
        tally.record_response(503, 50_000);
        tally.elapsed_seconds = 1.0;
        let report = Report::new(
            &tally,
            &Thresholds { max_mean_ms: Some(10.0), max_error_rate: Some(0.05), ..Thresholds::default() },
        );
        assert!(!report.passed);
        assert_eq!(report.violations.len(), 2, "{:?}", report.violations);
        let within = Report::new(&tally, &Thresholds { max_mean_ms: Some(100.0), ..Thresholds::default() });
        assert!(within.passed);
    }
}
