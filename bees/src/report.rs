//! The report an operator reads after an attack, and the gate on thresholds.

use std::collections::BTreeMap;
use std::fmt::Write;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use contract::machines::validate::Thresholds;

use crate::elasticity::{Elasticity, Watch};
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
    /// Responses by status code.
    pub statuses: BTreeMap<u16, u64>,
    /// Failures (no response) by kind.
    pub errors: BTreeMap<String, u64>,
    /// Responses whose status was outside the expected statuses.
    pub unexpected_statuses: u64,
    /// Failed requests and unexpected statuses, as a share of all requests.
    pub error_rate: f64,
    /// The share of each virtual user's responses served by its usual backend; null when no backend
    /// was identified.
    pub stickiness: Option<f64>,
    pub elapsed_seconds: f64,
    pub mission_assessment: String,
    /// Every threshold missed, in words; empty when the attack passed.
    pub violations: Vec<String>,
    pub passed: bool,
    /// The group watched during the attack, if one was.
    pub elasticity: Option<Elasticity>,
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

/// What failed an attack before any latency threshold: the Mission Assessment says it instead of the
/// seed's verdict on latency.
enum Broken {
    /// No request got a response.
    Down,
    /// More errors than the gate allows.
    Failing,
    /// Every answer was a redirect: the bees never reached the fleet (an http listener sending
    /// everyone to https, a login page elsewhere).
    Elsewhere,
}

/// The seed's verdict on latency where it is true, and never a target's victory for an attack that
/// failed: a target that answered nothing is down, not crushing the swarm.
fn assessment(report: &Report, broken: Option<Broken>) -> String {
    match broken {
        Some(Broken::Down) if report.requests == 0 => "No request was sent.".into(),
        Some(Broken::Down) => "Target down: no request was answered.".into(),
        Some(Broken::Failing) => {
            format!("Target failing: {:.2}% of requests were errors.", report.error_rate * 100.0)
        }
        Some(Broken::Elsewhere) => "Target elsewhere: every answer was a redirect.".into(),
        None if !report.violations.is_empty() && report.mean_ms < 1000.0 => {
            "Target answered, but fell short of its thresholds.".into()
        }
        None => mission_assessment(report.mean_ms).into(),
    }
}

/// What fails a load test with these thresholds, in words: the plan shows it for each wave.
pub fn gate_in_words(thresholds: &Thresholds) -> String {
    let expected = &thresholds.expect_status;
    let mut fails = vec![
        "no request is answered".to_owned(),
        format!(
            "more than {}% are errors (no response, or a status outside {expected})",
            thresholds.max_error_rate * 100.0
        ),
    ];
    if (200..300).any(|status| expected.contains(status)) {
        fails.push("no response is a 2xx".into());
    }
    if let Some(max) = thresholds.max_mean_ms {
        fails.push(format!("the mean is above {max} ms"));
    }
    if let Some(max) = thresholds.max_p99_ms {
        fails.push(format!("p99 is above {max} ms"));
    }
    if let Some(min) = thresholds.min_rps {
        fails.push(format!("fewer than {min} requests per second"));
    }
    format!("fails when {}", fails.join(", "))
}

impl Report {
    pub fn new(tally: &Tally, thresholds: &Thresholds) -> Report {
        let ms = |micros: u64| micros as f64 / 1000.0;
        let latencies = &tally.latencies;
        let requests = tally.requests();
        let unexpected_statuses: u64 = tally
            .statuses
            .iter()
            .filter(|(status, _)| !thresholds.expect_status.contains(**status))
            .map(|(_, n)| n)
            .sum();
        let error_rate =
            if requests == 0 { 0.0 } else { (tally.failed + unexpected_statuses) as f64 / requests as f64 };
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
            unexpected_statuses,
            error_rate,
            stickiness: (tally.sticky_identified > 0)
                .then(|| tally.sticky_same as f64 / tally.sticky_identified as f64),
            elapsed_seconds: tally.elapsed_seconds,
            mission_assessment: String::new(),
            violations: Vec::new(),
            passed: true,
            elasticity: None,
        };
        let expected = &thresholds.expect_status;
        let successes: u64 = tally
            .statuses
            .iter()
            .filter(|(status, _)| (200..300).contains(*status) && expected.contains(**status))
            .map(|(_, n)| n)
            .sum();
        let broken = if tally.complete == 0 {
            Some((Broken::Down, format!("no request completed ({requests} sent, {} failed)", tally.failed)))
        } else if error_rate > thresholds.max_error_rate {
            let why = format!(
                "error rate {:.2}% is above {:.2}% (no response, or a status outside {expected})",
                error_rate * 100.0,
                thresholds.max_error_rate * 100.0,
            );
            Some((Broken::Failing, why))
        } else if successes == 0 && (200..300).any(|status| expected.contains(status)) {
            let redirects: u64 = tally.statuses.range(300..400).map(|(_, n)| n).sum();
            let why =
                format!("no response was a success (2xx): {redirects} were redirects (3xx), which bees do not follow");
            Some((Broken::Elsewhere, why))
        } else {
            None
        };
        let broken = broken.map(|(broken, why)| {
            report.violations.push(why);
            broken
        });
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
        if let Some(max) = thresholds.max_p99_ms {
            let p99 = ms(latencies.value_at_quantile(0.99));
            check(p99 > max, format!("p99 {p99:.1} ms is above {max} ms"));
        }
        report.passed = report.violations.is_empty();
        report.mission_assessment = assessment(&report, broken);
        report
    }

    /// The report with the watch of a group and its verdict: a group that did not scale out as
    /// expected fails the load test.
    pub fn watching(mut self, watch: &Watch) -> Report {
        let elasticity = Elasticity::judge(watch);
        if let Some(violation) = &elasticity.violation {
            self.violations.push(violation.clone());
            self.passed = false;
        }
        self.elasticity = Some(elasticity);
        self
    }

    /// The report as a person reads it.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Complete requests:      {}", self.complete);
        let _ = writeln!(out, "Failed requests:        {}", self.failed);
        for (kind, n) in &self.errors {
            let _ = writeln!(out, "  {kind:<20}  {n}");
        }
        let statuses: Vec<String> = self.statuses.iter().map(|(status, n)| format!("{status}: {n}")).collect();
        let statuses = if statuses.is_empty() { "none".to_owned() } else { statuses.join(", ") };
        let _ = writeln!(out, "Responses:              {statuses}");
        let _ = writeln!(out, "Requests per second:    {:.2} [#/sec]", self.requests_per_second);
        let _ = writeln!(out, "Time per request:       {:.3} [ms] (mean)", self.mean_ms);
        let _ = writeln!(
            out,
            "Latency:                p50 {:.3}  p90 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3} [ms]",
            self.p50_ms, self.p90_ms, self.p99_ms, self.p999_ms, self.max_ms
        );
        let _ = writeln!(
            out,
            "Error rate:             {:.2}% ({} failed, {} unexpected statuses)",
            self.error_rate * 100.0,
            self.failed,
            self.unexpected_statuses
        );
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
        if let Some(elasticity) = &self.elasticity {
            out.push_str(&elasticity.text());
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
        let report =
            Report::new(&tally, &Thresholds { max_mean_ms: Some(10.0), max_error_rate: 0.05, ..Thresholds::default() });
        assert!(!report.passed);
        assert_eq!(report.violations.len(), 2, "{:?}", report.violations);
        assert_eq!(report.mission_assessment, "Target failing: 9.09% of requests were errors.");
        let within =
            Report::new(&tally, &Thresholds { max_mean_ms: Some(100.0), max_error_rate: 0.1, ..Thresholds::default() });
        assert!(within.passed, "{:?}", within.violations);
        assert_eq!(within.mission_assessment, "Target crushed bee offensive.");
    }

    fn answered(statuses: &[(u16, u64)]) -> Tally {
        let mut tally = Tally::default();
        for (status, n) in statuses {
            for _ in 0..*n {
                tally.record_response(*status, 1_000);
            }
        }
        tally.elapsed_seconds = 1.0;
        tally
    }

    #[test]
    fn by_default_an_attack_fails_on_no_answer_errors_or_only_redirects() {
        let mut refused = Tally::default();
        for _ in 0..100 {
            refused.record_failure("connect", 100);
        }
        let cases = [
            (refused, "no request completed (100 sent, 100 failed)", "Target down: no request was answered."),
            (
                answered(&[(503, 100)]),
                "error rate 100.00% is above 1.00%",
                "Target failing: 100.00% of requests were errors.",
            ),
            (answered(&[(404, 100)]), "a status outside 200-399", "Target failing: 100.00% of requests were errors."),
            (answered(&[(301, 100)]), "100 were redirects (3xx)", "Target elsewhere: every answer was a redirect."),
        ];
        for (tally, violation, assessment) in cases {
            let report = Report::new(&tally, &Thresholds::default());
            assert!(!report.passed, "{tally:?}");
            assert_eq!(report.violations.len(), 1, "{:?}", report.violations);
            assert!(report.violations[0].contains(violation), "{:?}", report.violations);
            assert_eq!(report.mission_assessment, assessment);
        }
    }

    #[test]
    fn by_default_one_error_in_a_hundred_and_redirects_among_successes_pass() {
        let report = Report::new(&answered(&[(200, 90), (302, 9), (500, 1)]), &Thresholds::default());
        assert!(report.passed, "{:?}", report.violations);
        assert_eq!(report.unexpected_statuses, 1);
        let stricter = Thresholds { expect_status: "200-299".parse().unwrap(), ..Thresholds::default() };
        assert!(!Report::new(&answered(&[(200, 90), (302, 9), (500, 1)]), &stricter).passed);
    }

    #[test]
    fn expected_statuses_are_codes_and_ranges() {
        let set: contract::machines::validate::StatusSet = "200, 204,301-302".parse().unwrap();
        assert!(set.contains(204) && set.contains(302) && !set.contains(201) && !set.contains(303));
        assert_eq!(set.to_string(), "200,204,301-302");
        for wrong in ["", "2xx", "399-200", "99", "200-600"] {
            assert!(wrong.parse::<contract::machines::validate::StatusSet>().is_err(), "{wrong}");
        }
    }
}
