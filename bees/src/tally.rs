//! What bees measured, and how results from many bees merge: histograms are added, counts summed.

use std::collections::BTreeMap;

use base64::Engine;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;

pub use contract::machines::validate::BeeResult;

/// Latencies are recorded in microseconds, from 1 µs to an hour, at 3 significant digits.
const HIGHEST_MICROS: u64 = 3_600_000_000;

#[derive(Debug, Clone)]
pub struct Tally {
    pub latencies: Histogram<u64>,
    /// Requests that got a response, whatever its status.
    pub complete: u64,
    /// Requests that got no response.
    pub failed: u64,
    /// Responses by status code: exact, so any set of expected statuses can be judged after a merge.
    pub statuses: BTreeMap<u16, u64>,
    /// Failures by kind: "connect", "timeout", "reset", "other".
    pub errors: BTreeMap<String, u64>,
    /// Of the responses whose backend was identified, how many went to each virtual user's usual
    /// backend (the one that served it most).
    pub sticky_same: u64,
    pub sticky_identified: u64,
    /// Wall time of the attack, in seconds (the longest bee's, when merged).
    pub elapsed_seconds: f64,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            latencies: Histogram::new_with_bounds(1, HIGHEST_MICROS, 3).expect("valid histogram bounds"),
            complete: 0,
            failed: 0,
            statuses: BTreeMap::new(),
            errors: BTreeMap::new(),
            sticky_same: 0,
            sticky_identified: 0,
            elapsed_seconds: 0.0,
        }
    }
}

impl Tally {
    pub fn record_response(&mut self, status: u16, latency_micros: u64) {
        self.complete += 1;
        *self.statuses.entry(status).or_default() += 1;
        self.latencies.saturating_record(latency_micros.clamp(1, HIGHEST_MICROS));
    }

    pub fn record_failure(&mut self, kind: &str, latency_micros: u64) {
        self.failed += 1;
        *self.errors.entry(kind.to_owned()).or_default() += 1;
        self.latencies.saturating_record(latency_micros.clamp(1, HIGHEST_MICROS));
    }

    /// Adds another tally: exact, whatever the number of bees.
    pub fn merge(&mut self, other: &Tally) {
        self.latencies.add(&other.latencies).expect("histograms with the same bounds add");
        self.complete += other.complete;
        self.failed += other.failed;
        for (status, n) in &other.statuses {
            *self.statuses.entry(*status).or_default() += n;
        }
        for (kind, n) in &other.errors {
            *self.errors.entry(kind.clone()).or_default() += n;
        }
        self.sticky_same += other.sticky_same;
        self.sticky_identified += other.sticky_identified;
        self.elapsed_seconds = self.elapsed_seconds.max(other.elapsed_seconds);
    }

    pub fn requests(&self) -> u64 {
        self.complete + self.failed
    }
}

#[derive(Debug, thiserror::Error)]
#[error("a bee's histogram is unreadable: {0}")]
pub struct UnreadableHistogram(String);

impl From<&Tally> for BeeResult {
    fn from(tally: &Tally) -> Self {
        let mut bytes = Vec::new();
        V2DeflateSerializer::new().serialize(&tally.latencies, &mut bytes).expect("a histogram serialises to memory");
        BeeResult {
            histogram: base64::engine::general_purpose::STANDARD.encode(bytes),
            complete: tally.complete,
            failed: tally.failed,
            statuses: tally.statuses.clone(),
            errors: tally.errors.clone(),
            sticky_same: tally.sticky_same,
            sticky_identified: tally.sticky_identified,
            elapsed_seconds: tally.elapsed_seconds,
        }
    }
}

impl TryFrom<&BeeResult> for Tally {
    type Error = UnreadableHistogram;

    fn try_from(result: &BeeResult) -> Result<Self, Self::Error> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&result.histogram)
            .map_err(|e| UnreadableHistogram(e.to_string()))?;
        let decoded: Histogram<u64> = Deserializer::new()
            .deserialize(&mut bytes.as_slice())
            .map_err(|e| UnreadableHistogram(format!("{e:?}")))?;
        let mut latencies = Tally::default().latencies;
        latencies.add(&decoded).map_err(|e| UnreadableHistogram(format!("{e:?}")))?;
        Ok(Tally {
            latencies,
            complete: result.complete,
            failed: result.failed,
            statuses: result.statuses.clone(),
            errors: result.errors.clone(),
            sticky_same: result.sticky_same,
            sticky_identified: result.sticky_identified,
            elapsed_seconds: result.elapsed_seconds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bee_result_round_trips_its_histogram_exactly() {
        let mut tally = Tally::default();
        for micros in [120, 450, 900, 15_000, 2_000_000] {
            tally.record_response(200, micros);
        }
        tally.record_failure("timeout", 5_000_000);
        let back = Tally::try_from(&BeeResult::from(&tally)).unwrap();
        assert_eq!(back.latencies, tally.latencies);
        assert_eq!((back.complete, back.failed), (5, 1));
        assert_eq!(back.errors["timeout"], 1);
    }
}
