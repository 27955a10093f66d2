//! The redactor does not grow with token renewals: a Callable client refreshing a 3-second
//! token for ten seconds holds exactly its current access and refresh tokens in the
//! redactor, every token it was issued before is released, and dropping the client
//! releases the rest. (One test in this binary, so the registry count is its own.)

mod support;

use std::time::{Duration, Instant};

use switchboard::config::ProviderConfig;
use switchboard::model::{ProviderId, ProviderKind};
use switchboard::providers::CallableSettings;
use switchboard::providers::callable;
use switchboard::providers::{JobKey, JobKind};
use switchboard::secret::{redact, registered_count};

const DARREN: &str = "5554872eb0731b38efa4d444";

#[tokio::test]
async fn renewed_tokens_replace_the_old_ones_in_the_redactor() {
    let sims = support::sims(131, |o| {
        o.callable.access_ttl = Duration::from_secs(3);
    })
    .await;
    let sim = &sims.callable;
    let mut cfg = ProviderConfig::new("callable", ProviderKind::Callable, &sim.base_url);
    cfg.settings = CallableSettings::new(&sim.username, &sim.password).into();
    cfg.timeout_seconds = Some(5.0);
    let before = registered_count();

    let client = callable::Client::new(ProviderId(0), &cfg).expect("client");
    let job = JobKey {
        kind: JobKind::Trunks,
        scope: DARREN.into(),
    };
    let end = Instant::now() + Duration::from_secs(10);
    while Instant::now() < end {
        client.fetch(&job).await.expect("trunks");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let stats = sim.token_stats();
    assert!(stats.refreshes >= 3, "{stats:?}");
    assert_eq!(
        registered_count(),
        before + 2,
        "the current access and refresh token only, after {} renewals",
        stats.sign_ins + stats.refreshes
    );

    let issued = sim.issued_tokens();
    assert!(issued.len() >= 8, "{}", issued.len());
    let (old, current) = issued.split_at(issued.len() - 2);
    for t in current {
        assert_eq!(redact(&format!("token {t}")), "token ****");
    }
    for t in old {
        assert_eq!(
            redact(&format!("token {t}")),
            format!("token {t}"),
            "a replaced token is released"
        );
    }

    drop(client);
    assert_eq!(registered_count(), before);
}
