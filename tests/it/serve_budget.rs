//! A simulated hour: `serve` against the five simulators at their providers' documented
//! limits makes no request that is answered 429, and each provider's request count stays
//! within its budget. Time is tokio's, paused: the pollers' budget windows and the
//! simulators' rate-limit windows (`sim::window::now`) both run on it, so the hour takes
//! seconds of wall time.

use crate::serve::{sims_config, start, temp_dir};
use crate::support;

use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test(start_paused = true)]
async fn an_hour_of_serve_at_the_providers_limits_gets_no_429() {
    let wall = std::time::Instant::now();
    let sims = support::sims(71, |_| {}).await;
    let cfg = sims_config(&sims);
    let dir = temp_dir("hour");
    let t0 = tokio::time::Instant::now();
    let serve = start(&cfg, &dir).await;
    tokio::time::sleep(HOUR).await;
    serve.shutdown().await.unwrap();
    let simulated = t0.elapsed();
    let _ = std::fs::remove_dir_all(&dir);

    let statuses: [(&str, Vec<u16>); 5] = [
        (
            "cloudonix",
            sims.cloudonix.requests().iter().map(|r| r.status).collect(),
        ),
        (
            "voipcloud",
            sims.voipcloud.requests().iter().map(|r| r.status).collect(),
        ),
        (
            "iovox",
            sims.iovox.requests().iter().map(|r| r.status).collect(),
        ),
        (
            "callable",
            sims.callable.requests().iter().map(|r| r.status).collect(),
        ),
        (
            "provoice",
            sims.provoice.requests().iter().map(|r| r.status).collect(),
        ),
    ];
    for (name, s) in &statuses {
        let n429 = s.iter().filter(|&&x| x == 429).count();
        eprintln!("{name}: {} requests, {n429} answered 429", s.len());
    }
    eprintln!(
        "simulated {:.0} s in {:.1} s of wall time",
        simulated.as_secs_f64(),
        wall.elapsed().as_secs_f64()
    );
    assert!(simulated >= HOUR);
    for (name, s) in &statuses {
        assert!(!s.is_empty(), "{name} was never polled");
        assert!(!s.contains(&429), "{name} answered 429");
    }

    // VoIPcloud (100 requests per 15 minutes per PBX, the strictest): never more than
    // 100 in any 15-minute window, and the budget was used all hour long.
    let at: Vec<tokio::time::Instant> = sims
        .voipcloud
        .requests()
        .iter()
        .map(|r| tokio::time::Instant::from_std(r.at))
        .collect();
    let window = Duration::from_secs(900);
    let busiest = at
        .iter()
        .map(|&t| at.iter().filter(|&&u| u >= t && u < t + window).count())
        .max()
        .unwrap_or(0);
    assert!(busiest <= 100, "{busiest} VoIPcloud requests in 15 minutes");
    assert!(
        at.iter().any(|&t| t >= t0 + Duration::from_secs(2700)),
        "VoIPcloud was still polled in the last quarter of the hour"
    );
    // ProVoice (60 per minute per key): at most an hour's budget.
    assert!(statuses[4].1.len() <= 60 * 61, "{}", statuses[4].1.len());
}
