//! Dividing an attack across bees: every request and connection goes to some bee (Bees with Machine
//! Guns drops the remainders), and splits that would leave a bee idle are refused.

/// A split that would leave a bee idle: the field to change, and why.
#[derive(Debug, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct Unsplittable {
    /// `bees`, `concurrency` or `requests`.
    pub field: &'static str,
    pub problem: String,
}

/// Each bee's requests and connections, in bee order.
pub fn split(requests: u64, concurrency: u32, bees: u32) -> Result<Vec<(u64, u32)>, Unsplittable> {
    let refuse = |field, problem| Err(Unsplittable { field, problem });
    if bees == 0 {
        return refuse("bees", "at least one bee is needed".into());
    }
    if concurrency < bees {
        return refuse(
            "concurrency",
            format!("{concurrency} connections cannot arm {bees} bees; give at least one each"),
        );
    }
    if requests < u64::from(concurrency) {
        return refuse(
            "requests",
            format!("{requests} requests cannot keep {concurrency} connections busy; give at least one each"),
        );
    }
    let share = |total: u64, i: u32| total / u64::from(bees) + u64::from(u64::from(i) < total % u64::from(bees));
    Ok((0..bees).map(|i| (share(requests, i), share(u64::from(concurrency), i) as u32)).collect())
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn keeps_every_request_and_connection() {
        let shares = split(1003, 10, 3).unwrap();
        assert_eq!(shares, vec![(335, 4), (334, 3), (334, 3)]);
        assert_eq!(shares.iter().map(|s| s.0).sum::<u64>(), 1003);
        assert_eq!(shares.iter().map(|s| u64::from(s.1)).sum::<u64>(), 10);
    }

    #[test]
    fn refuses_more_bees_than_connections() {
        assert_eq!(split(100, 2, 3).unwrap_err().field, "concurrency");
    }

    #[test]
    fn refuses_fewer_requests_than_connections() {
        assert_eq!(split(5, 10, 2).unwrap_err().field, "requests");
    }
}
