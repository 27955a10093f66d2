//! Hostile and broken providers (issue 11, items 1-3): every provider client against a
//! small server on loopback that redirects, sends huge, endless or wrong-shaped bodies
//! and a million rows. Each test asserts what the operator is shown (the provider's state
//! and message, as `switchboard snapshot` prints them) and what reached the network.

use crate::support;

use switchboard::config::ProviderConfig;
use switchboard::model::{ProviderId, ProviderKind};
use switchboard::providers::{
    CallableSettings, CloudonixSettings, IovoxSettings, ProvoiceSettings, VoipcloudSettings,
};
use switchboard::snapshot::{ProviderSnapshot, snapshot_provider};

use support::hostile::{Hostile, Reply, Seen};

const KEY: &str = "XI-hostile-test-key-0123456789";
const PASSWORD: &str = "hostile-test-password-42";

/// A provider of `kind` at `base` with a credential the test can look for.
fn config(kind: ProviderKind, base: &str) -> ProviderConfig {
    let mut cfg = ProviderConfig::new(kind.as_str(), kind, base);
    match kind {
        ProviderKind::Cloudonix => cfg.settings = CloudonixSettings::new(KEY).into(),
        ProviderKind::Provoice => cfg.settings = ProvoiceSettings::new(KEY).into(),
        ProviderKind::Voipcloud => cfg.settings = VoipcloudSettings::new(KEY).into(),
        ProviderKind::Iovox => cfg.settings = IovoxSettings::new("noc", KEY).into(),
        ProviderKind::Callable => {
            cfg.settings = CallableSettings::new("noc@example.com", PASSWORD).into()
        }
    }
    cfg.timeout_seconds = Some(5.0);
    cfg
}

async fn snapshot(cfg: &ProviderConfig) -> ProviderSnapshot {
    snapshot_provider(ProviderId(0), cfg).await
}

/// Where each provider's credential travels in a request.
fn credential_in(kind: ProviderKind, req: &Seen) -> bool {
    let has = |h: &str| req.header(h).is_some_and(|v| v.contains(KEY));
    match kind {
        ProviderKind::Cloudonix => has("authorization"),
        ProviderKind::Voipcloud => has("token"),
        ProviderKind::Iovox => has("securekey"),
        ProviderKind::Provoice => has("x-api-key"),
        ProviderKind::Callable => String::from_utf8_lossy(&req.body).contains(PASSWORD),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_provider_follows_a_redirect_and_no_credential_reaches_the_other_host() {
    for kind in ProviderKind::ALL {
        let other = Hostile::start(|_| Reply::json(200, "[]")).await;
        let target = format!("http://localhost:{}/collect", other.port);
        let t = target.clone();
        // 307 keeps the method and body: a followed POST would resend Callable's password.
        let hostile = Hostile::start(move |_| Reply::redirect(307, &t)).await;
        let snap = snapshot(&config(kind, &hostile.url())).await;

        let first = hostile.seen();
        assert!(
            first.first().is_some_and(|r| credential_in(kind, r)),
            "{kind}: the first request should carry the credential (else this test proves nothing): {first:?}"
        );
        assert!(
            other.seen().is_empty(),
            "{kind}: a request reached the redirect target: {:?}",
            other.seen()
        );
        assert_eq!(snap.status, "failed", "{kind}: {snap:?}");
        let error = snap.error.unwrap_or_default();
        assert!(
            error.contains(&format!("redirected to http://localhost:{}", other.port))
                && error.contains("check base_url")
                && error.contains("(307): check base_url (nothing was sent there)"),
            "{kind}: {error}"
        );
        assert!(
            !error.contains(KEY) && !error.contains("/collect"),
            "{error}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_html_page_is_a_proxy_or_captive_portal_never_an_empty_account() {
    for kind in ProviderKind::ALL {
        let hostile = Hostile::start(|_| {
            Reply::html(
                200,
                "<!DOCTYPE html><html><head><title>Hotel WiFi</title></head><body>Log in</body></html>",
            )
        })
        .await;
        let snap = snapshot(&config(kind, &hostile.url())).await;
        assert_eq!(snap.status, "failed", "{kind}: {snap:?}");
        assert_eq!(
            snap.error.as_deref(),
            Some("an HTML page, not the API: proxy or captive portal?"),
            "{kind}"
        );
        assert!(snap.accounts.is_empty(), "{kind}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_string_where_a_list_belongs_is_an_error() {
    // Cloudonix: `{"data": "aaaa…"}` used to read as "ok, 0 domains".
    let cx = Hostile::start(|req| {
        if req.path.contains("/domains") {
            Reply::json(200, format!(r#"{{"data":"{}"}}"#, "a".repeat(4096)))
        } else {
            Reply::json(200, r#"{"id":7,"name":"acme"}"#)
        }
    })
    .await;
    let snap = snapshot(&config(ProviderKind::Cloudonix, &cx.url())).await;
    assert_ne!(snap.status, "ok", "{snap:?}");
    let error = snap.error.unwrap_or_default();
    assert!(
        error.contains("expected a list, got an object with keys data"),
        "{error}"
    );

    // VoIPcloud: an envelope whose data is a string, and an object that is no envelope.
    for body in [
        r#"{"status":"success","code":200,"data":"aaaa"}"#,
        r#"{"portal":"please sign in"}"#,
    ] {
        let vc = Hostile::start(move |_| Reply::json(200, body)).await;
        let snap = snapshot(&config(ProviderKind::Voipcloud, &vc.url())).await;
        assert_ne!(snap.status, "ok", "{body}: {snap:?}");
        assert!(
            snap.error
                .as_deref()
                .is_some_and(|e| e.contains("data should be a list")
                    || e.contains("expected the {status, message, code, data} envelope")),
            "{body}: {snap:?}"
        );
        assert!(snap.live_calls.is_empty() && snap.call_history.is_empty());
    }

    // ProVoice: a bare object with no id or name is not a one-customer list.
    let pv = Hostile::start(|_| Reply::json(200, r#"{"data":"aaaa"}"#)).await;
    let snap = snapshot(&config(ProviderKind::Provoice, &pv.url())).await;
    assert_eq!(snap.status, "failed", "{snap:?}");
    assert!(
        snap.error
            .as_deref()
            .is_some_and(|e| e.contains("expected a list, got an object with keys data")),
        "{snap:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announced_200_mb_body_is_refused_before_it_is_read() {
    let hostile = Hostile::start(|_| Reply::rows("[", r#"{"id":1}"#, 25_000_000, "]", true)).await;
    let snap = snapshot(&config(ProviderKind::Cloudonix, &hostile.url())).await;
    assert_eq!(snap.status, "failed", "{snap:?}");
    let error = snap.error.unwrap_or_default();
    assert!(
        error.contains("answer over the 32 MiB limit (215 MiB announced)")
            && error.contains("max_response_mib"),
        "{error}"
    );
    // Refused on the header: the client hung up long before the body could be sent.
    assert!(
        hostile.written() < 64 * 1024 * 1024,
        "{} bytes were accepted",
        hostile.written()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_body_stops_at_the_configured_cap() {
    let hostile = Hostile::start(|_| Reply::Stream {
        content_type: "application/json",
        prefix: b"[".to_vec(),
        chunk: br#"{"id":"x"},"#.to_vec(),
        suffix: Vec::new(),
        total: None,
        announce: false,
    })
    .await;
    let mut cfg = config(ProviderKind::Voipcloud, &hostile.url());
    cfg.max_response_mib = Some(2);
    let snap = snapshot(&cfg).await;
    assert_eq!(snap.status, "failed", "{snap:?}");
    let error = snap.error.unwrap_or_default();
    assert!(
        error.contains("answer over the 2 MiB limit (not read past the limit)"),
        "{error}"
    );
    // The client stopped reading at the cap: what the server got into the socket is the
    // cap plus what the kernel buffers hold, not an endless stream.
    let written = hostile.written();
    assert!(written < 2 * 1024 * 1024 + 16 * 1024 * 1024, "{written}");
}

/// VoIPcloud asks for PAGE_LIMIT (2,000) rows a page; a page of a million is refused before decoding.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_voipcloud_rows_in_one_page_are_refused_and_the_status_still_shows() {
    let hostile = Hostile::start(|req| {
        if req.path.contains("get-user-calls") {
            Reply::rows(
                r#"{"status":"success","code":200,"data":["#,
                r#"{"id":1,"call_start_at":"2026-11-29T05:00:00Z","call_finished_at":null}"#,
                1_000_000,
                "]}",
                false,
            )
        } else if req.path.contains("get-system-status") {
            Reply::json(
                200,
                r#"{"status":"success","code":200,"data":{"status":"operational"}}"#,
            )
        } else {
            Reply::json(200, r#"{"status":"success","code":200,"data":[]}"#)
        }
    })
    .await;
    let mut cfg = config(ProviderKind::Voipcloud, &hostile.url());
    cfg.max_response_mib = Some(128);
    let snap = snapshot(&cfg).await;
    assert_eq!(snap.status, "degraded", "{snap:?}");
    assert_eq!(snap.accounts.len(), 1, "the PBX itself still shows");
    assert!(snap.live_calls.is_empty());
    let error = snap.error.unwrap_or_default();
    assert!(
        error.contains(&format!(
            "user calls: a page of more than the {} rows asked for",
            switchboard::providers::voipcloud::PAGE_LIMIT
        )),
        "{error}"
    );
}

/// Cloudonix lists are unpaged: a million sessions in one domain stop at `max_rows`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_cloudonix_sessions_stop_at_max_rows() {
    let hostile = Hostile::start(|req| {
        if req.path.ends_with("/sessions") {
            Reply::rows("[", r#"{"token":"t"}"#, 1_000_000, "]", true)
        } else if req.path.ends_with("/domains") {
            Reply::json(200, r#"[{"id":1,"domain":"acme.cloudonix.net"}]"#)
        } else if req.path.contains("/customers/self") && !req.path.contains("/domains/") {
            Reply::json(200, r#"{"id":7,"name":"acme"}"#)
        } else {
            Reply::json(200, "[]")
        }
    })
    .await;
    let snap = snapshot(&config(ProviderKind::Cloudonix, &hostile.url())).await;
    assert_eq!(snap.status, "degraded", "{snap:?}");
    assert!(snap.live_calls.is_empty() && snap.call_history.is_empty());
    let error = snap.error.unwrap_or_default();
    assert!(
        error.contains("sessions of acme.cloudonix.net: more than 50000 rows; raise max_rows"),
        "{error}"
    );
}

/// A token endpoint that fails with 500 is a provider failure, not a rejected password:
/// the state symbol and the message must say which (issue 11, item 5).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callable_sign_in_that_fails_with_500_is_not_an_auth_failure() {
    let hostile =
        Hostile::start(|_| Reply::json(500, r#"{"error":"Request Failed","status":500}"#)).await;
    let snap = snapshot(&config(ProviderKind::Callable, &hostile.url())).await;
    assert_eq!(snap.status, "failed", "{snap:?}");
    let error = snap.error.unwrap_or_default();
    assert!(
        error.starts_with("500 provider error: sign-in failed"),
        "{error}"
    );

    // A refused password still reads as the credentials being rejected.
    let refused = Hostile::start(|_| {
        Reply::json(
            401,
            r#"{"error":"invalid_grant","error_description":"Invalid user credentials"}"#,
        )
    })
    .await;
    let snap = snapshot(&config(ProviderKind::Callable, &refused.url())).await;
    let error = snap.error.unwrap_or_default();
    assert!(
        error.starts_with("401 key rejected: sign-in failed: Invalid user credentials"),
        "{error}"
    );
}
