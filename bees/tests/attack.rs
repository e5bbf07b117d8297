//! Attacks against local targets with known latency, errors, stalls and stickiness.

use std::sync::Arc;
use std::time::Duration;

use bees::practice::{self, Options, BACKEND_HEADER};
use bees::{Attack, Load, Report, Tally, Thresholds};

fn attack(url: String, load: Load) -> Attack {
    Attack {
        url,
        method: "GET".into(),
        headers: Vec::new(),
        body: None,
        timeout: Duration::from_secs(5),
        sticky_header: None,
        trust: bees::Trust::default(),
        load,
    }
}

async fn run(attack: &Attack) -> Tally {
    attack.run(Arc::new(bees::Progress::default())).await.unwrap()
}

#[tokio::test]
async fn counts_are_exact() {
    let target = practice::serve(Options { error_every: Some(10), ..Options::default() }).await.unwrap();
    let tally = run(&attack(target.url(), Load::Closed { requests: 500, concurrency: 8 })).await;
    assert_eq!(tally.complete, 500);
    assert_eq!(tally.failed, 0);
    assert_eq!(tally.statuses[&200], 450);
    assert_eq!(tally.statuses[&503], 50);
    assert_eq!(tally.latencies.len(), 500);
    assert_eq!(target.served.load(std::sync::atomic::Ordering::Relaxed), 500);
    let report = Report::new(&tally, &Thresholds::default());
    assert!((report.error_rate - 0.1).abs() < 1e-9);
}

#[tokio::test]
async fn an_unreachable_target_counts_connect_errors() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let tally = run(&attack(format!("http://127.0.0.1:{port}/"), Load::Closed { requests: 20, concurrency: 2 })).await;
    assert_eq!((tally.complete, tally.failed), (0, 20));
    assert_eq!(tally.errors["connect"], 20);
}

#[tokio::test]
async fn a_slow_target_counts_timeouts() {
    let target = practice::serve(Options { latency: Duration::from_millis(300), ..Options::default() }).await.unwrap();
    let mut slow = attack(target.url(), Load::Closed { requests: 4, concurrency: 2 });
    slow.timeout = Duration::from_millis(50);
    let tally = run(&slow).await;
    assert_eq!(tally.errors["timeout"], 4);
}

/// Synthetic latencies, so the single-process histogram is known exactly.
fn latencies() -> impl Iterator<Item = u64> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..50_000).map(move |i| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // Mostly milliseconds, with a tail of seconds every 997th request.
        if i % 997 == 0 {
            1_000_000 + x % 2_000_000
        } else {
            200 + x % 20_000
        }
    })
}

#[test]
fn merged_percentiles_of_five_bees_equal_the_single_process_percentiles() {
    let mut single = Tally::default();
    let mut bees: Vec<Tally> = (0..5).map(|_| Tally::default()).collect();
    for (i, micros) in latencies().enumerate() {
        single.record_response(200, micros);
        bees[i % 5].record_response(200, micros);
    }
    let mut merged = Tally::default();
    for bee in &bees {
        // Through the wire form each bee returns.
        merged.merge(&Tally::try_from(&bees::BeeResult::from(bee)).unwrap());
    }
    for quantile in [0.5, 0.9, 0.99, 0.999, 1.0] {
        assert_eq!(
            merged.latencies.value_at_quantile(quantile),
            single.latencies.value_at_quantile(quantile),
            "q{quantile}"
        );
    }
    assert_eq!(merged.complete, single.complete);
}

#[tokio::test]
async fn the_open_model_shows_a_stall_that_the_closed_model_hides() {
    let stall = Some((Duration::from_millis(200), Duration::from_secs(1)));
    let options = Options { latency: Duration::from_millis(1), stall, ..Options::default() };

    let closed_target = practice::serve(options.clone()).await.unwrap();
    let closed = run(&attack(closed_target.url(), Load::Closed { requests: 1000, concurrency: 2 })).await;
    let open_target = practice::serve(options).await.unwrap();
    let open =
        run(&attack(open_target.url(), Load::Open { rate: 500.0, duration: Duration::from_secs(2), concurrency: 4 }))
            .await;

    let p99 = |t: &Tally| t.latencies.value_at_quantile(0.99) as f64 / 1000.0;
    assert!(closed.latencies.max() >= 900_000, "the closed model did meet the stall");
    assert!(p99(&closed) < 100.0, "closed p99 {} ms hides it", p99(&closed));
    assert!(p99(&open) > 500.0, "open p99 {} ms shows it", p99(&open));
    assert_eq!(open.complete, 1000);
}

#[tokio::test]
async fn stickiness_is_near_total_against_a_sticky_target_and_low_against_round_robin() {
    let sticky = practice::serve(Options::default()).await.unwrap();
    let round_robin = practice::serve(Options { sticky: false, ..Options::default() }).await.unwrap();
    let by_header = |url: String| {
        let mut a = attack(url, Load::Closed { requests: 300, concurrency: 10 });
        a.sticky_header = Some(BACKEND_HEADER.into());
        a
    };

    let pinned = Report::new(&run(&by_header(sticky.url())).await, &Thresholds::default());
    let spread = Report::new(&run(&by_header(round_robin.url())).await, &Thresholds::default());
    let by_cookie = Report::new(
        &run(&attack(sticky.url(), Load::Closed { requests: 300, concurrency: 10 })).await,
        &Thresholds::default(),
    );

    assert!(pinned.stickiness.unwrap() > 0.99, "{:?}", pinned.stickiness);
    assert!(by_cookie.stickiness.unwrap() > 0.99, "{:?}", by_cookie.stickiness);
    assert!(spread.stickiness.unwrap() < 0.6, "{:?}", spread.stickiness);
}

#[tokio::test]
async fn an_https_target_is_attacked_with_its_authority_trusted_one_tls_session_per_user() {
    let target = practice::serve(Options { tls: true, ..Options::default() }).await.unwrap();
    let mut trusted = attack(target.url(), Load::Closed { requests: 200, concurrency: 5 });
    trusted.trust = bees::Trust { ca_pem: target.certificate_pem.clone(), insecure: false };

    let report = Report::new(&run(&trusted).await, &Thresholds::default());

    assert!(report.passed, "{}", report.text());
    assert_eq!((report.complete, report.statuses[&200]), (200, 200));
    assert!(report.stickiness.unwrap() > 0.99, "the load balancer's cookie kept: {:?}", report.stickiness);
    assert_eq!(target.handshakes.load(std::sync::atomic::Ordering::Relaxed), 5, "one session per virtual user");
    assert_eq!(*target.server_names.lock().unwrap(), std::collections::BTreeSet::from(["localhost".to_owned()]));
}

#[tokio::test]
async fn an_https_target_whose_certificate_is_not_trusted_fails_every_request_unless_told_to_accept_it() {
    let target = practice::serve(Options { tls: true, ..Options::default() }).await.unwrap();
    let untrusted = run(&attack(target.url(), Load::Closed { requests: 6, concurrency: 2 })).await;
    assert_eq!((untrusted.complete, untrusted.errors["tls"]), (0, 6));

    let mut insecure = attack(target.url(), Load::Closed { requests: 6, concurrency: 2 });
    insecure.trust.insecure = true;
    assert_eq!(run(&insecure).await.complete, 6);
}
