//! `switchboard trace NUMBER --connect URL`: the trace from the collector's snapshot and
//! stored history, with no provider request (the simulators' request logs stay still
//! while it runs), showing the owner, route and last calls local `trace` shows; and the
//! history read page by page.

use crate::serve::{sims_config, temp_dir};
use crate::support;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use switchboard::attach::client::AttachOptions;
use switchboard::model::ProviderKind;
use switchboard::serve::{self, ServeOptions};
use switchboard::sim::RunningSims;
use tokio_util::sync::CancellationToken;

fn sim_requests(sims: &RunningSims) -> usize {
    sims.cloudonix.requests().len()
        + sims.voipcloud.requests().len()
        + sims.iovox.requests().len()
        + sims.callable.requests().len()
        + sims.provoice.requests().len()
}

/// The simulators' config with only the providers whose every list is polled at 30 s
/// or slower: after the collector's first round, any request would be someone else's.
fn slow_providers_toml(sims: &RunningSims) -> String {
    sims.config_toml()
        .split("[[provider]]")
        .filter(|b| b.contains("kind = \"iovox\"") || b.contains("kind = \"provoice\""))
        .map(|b| format!("[[provider]]{b}"))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn run_bin(home: &Path, args: &[&str], token: &str) -> (Option<i32>, String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home)
        .env("SB_TRACE_TOKEN", token)
        .output()
        .await
        .expect("binary runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// What two traces must agree on: each owner without the data ages (which depend on
/// when each side read), and the last calls.
fn owners(doc: &Value) -> Vec<Value> {
    doc["owners"]
        .as_array()
        .expect("owners")
        .iter()
        .map(|o| {
            let mut o = o.clone();
            let m = o.as_object_mut().unwrap();
            m.remove("numbers_age_s");
            m.remove("trunks_age_s");
            o
        })
        .collect()
}

fn calls(doc: &Value) -> Vec<(String, String, String, String)> {
    doc["recent_calls"]
        .as_array()
        .expect("recent_calls")
        .iter()
        .map(|c| {
            let f = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (f("provider"), f("id"), f("from"), f("to"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_connect_shows_what_local_trace_shows_without_asking_a_provider() {
    let sims = support::sims(81, |_| {}).await;
    let mut cfg = sims_config(&sims);
    cfg.providers
        .retain(|p| matches!(p.kind, ProviderKind::Iovox | ProviderKind::Provoice));
    let dir = temp_dir("trace-connect");
    let tokens = dir.join("tokens.toml");
    let viewer = serve::tokens::add(&tokens, "v", serve::tokens::Role::Viewer).unwrap();
    let mut opts = ServeOptions::new("127.0.0.1:0".parse().unwrap(), dir.clone());
    opts.tokens = tokens;
    let serve = serve::start(&cfg, opts, CancellationToken::new())
        .await
        .expect("serve starts");
    // The IOVOX number with history: wait for the collector to have stored its calls
    // and for the simulators' logs to stand still for a second.
    let number = "+44 20 7123 4501";
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let stored = {
            let c = serve.shared.lock().unwrap();
            c.state.providers.iter().all(|p| p.last_ok_ms.is_some())
                && !c.state.tables.history.rows.is_empty()
        } && serve.calls_written().get() > 0;
        let before = sim_requests(&sims);
        tokio::time::sleep(Duration::from_millis(1000)).await;
        if stored && before == sim_requests(&sims) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no quiet moment");
    }
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    // No config file in this HOME: nothing to poll even if it wanted to.
    let url = format!("http://{}", serve.addr);
    let before = sim_requests(&sims);
    let (code, text, err) = run_bin(
        &home,
        &[
            "trace",
            number,
            "--connect",
            &url,
            "--token",
            "env:SB_TRACE_TOKEN",
        ],
        &viewer,
    )
    .await;
    let (jcode, json_out, jerr) = run_bin(
        &home,
        &[
            "trace",
            number,
            "--connect",
            &url,
            "--json",
            "--token",
            "env:SB_TRACE_TOKEN",
        ],
        &viewer,
    )
    .await;
    assert_eq!(
        sim_requests(&sims),
        before,
        "trace --connect reached a provider"
    );
    assert_eq!(code, Some(0), "{text}\n{err}");
    assert_eq!(jcode, Some(0), "{json_out}\n{jerr}");
    assert!(!text.contains(&viewer) && !err.contains(&viewer));
    assert!(
        text.starts_with("+442071234501 — iovox-demo (iovox) / Sales line"),
        "{text}"
    );
    assert!(text.contains("  → link Sales line (PHONE)\n"), "{text}");
    assert!(text.contains("Last calls (newest first): "), "{text}");
    let attached: Value = serde_json::from_str(&json_out).expect("one JSON document");

    // Local mode against simulators of the same seed (the collector's have spent their
    // budget windows): the same numbers, routes and calls.
    let twin = support::sims(81, |_| {}).await;
    let config = home.join("local.toml");
    std::fs::write(&config, slow_providers_toml(&twin)).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let (lcode, local_out, lerr) = run_bin(
        &home,
        &[
            "trace",
            number,
            "--json",
            "--config",
            config.to_str().unwrap(),
        ],
        &viewer,
    )
    .await;
    assert_eq!(lcode, Some(0), "{local_out}\n{lerr}");
    assert!(sim_requests(&twin) > 0, "local trace polls");
    let local: Value = serde_json::from_str(&local_out).expect("one JSON document");
    assert_eq!(owners(&attached), owners(&local));
    assert_eq!(attached["providers"], local["providers"]);
    assert_eq!(attached["gaps"], local["gaps"]);
    let (a, l) = (calls(&attached), calls(&local));
    assert!(!a.is_empty(), "{attached}");
    assert_eq!(a, l, "the same last calls");
    serve.shutdown().await.unwrap();
}

/// A stub collector: a snapshot with one provider and its stored calls on one number,
/// 60 of them, in pages; it records the history queries it is asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_calls_are_read_page_by_page_newest_first() {
    use axum::extract::{Query, State};
    use axum::routing::get;
    type Asked = Arc<Mutex<Vec<String>>>;
    let asked: Asked = Arc::default();
    let snapshot = json!({
        "revision": 3, "at_ms": 1, "slices": [],
        "providers": [{
            "id": 0, "name": "px", "kind": "provoice", "state": "ok", "error": null,
            "last_success_ms": 1,
            "budget": {"remaining": 1, "limit": 1, "window_s": 1, "used": 0,
                       "documented": 1, "throttled": 0, "resets_in_s": 0},
            "data_ms": {}
        }]
    });
    let history = |State(asked): State<Asked>,
                   Query(q): Query<std::collections::HashMap<String, String>>| async move {
        let offset: usize = q.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
        let limit: usize = q.get("limit").and_then(|o| o.parse().ok()).unwrap_or(100);
        asked.lock().unwrap().push(format!(
            "number={} offset={offset}",
            q.get("number").cloned().unwrap_or_default()
        ));
        let all = 60;
        let calls: Vec<Value> = (offset..(offset + limit).min(all))
            .map(|i| {
                // Newest first; one of a provider the snapshot does not have.
                let provider = if i == 1 { "gone" } else { "px" };
                json!({
                    "provider": provider, "id": format!("c{i}"), "account": "a",
                    "from": "+31201234567", "to": "+31207002000", "direction": "in",
                    "result": "completed", "started_ms": 1_000_000 - i as i64 * 1000,
                    "answered_ms": null, "ended_ms": 1_000_500 - i as i64 * 1000,
                    "fields": {"b": "2", "a": "1"}
                })
            })
            .collect();
        let next = (offset + limit < all).then_some(offset + limit);
        axum::Json(json!({"calls": calls, "offset": offset, "limit": limit, "next_offset": next}))
    };
    let app = axum::Router::new()
        .route(
            "/v1/snapshot",
            get(move || async move { axum::Json(snapshot) }),
        )
        .route("/v1/history", get(history))
        .with_state(asked.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let opts = AttachOptions::new(&format!("http://{addr}"), None);
    let (state, polled) = switchboard::attach::trace::collect(&opts, "+31 20 700 2000")
        .await
        .expect("collected");
    assert_eq!(polled.len(), 1);
    assert_eq!(
        (polled[0].name.as_str(), polled[0].status.as_str()),
        ("px", "ok")
    );
    let (digits, stored) = state.trace_history.clone().expect("stored calls");
    assert_eq!(digits, "31207002000");
    // Pages of 25 until 50 calls are held: the call of a provider the collector does
    // not have is left out, so a third page is asked.
    assert_eq!(
        *asked.lock().unwrap(),
        [
            "number=31207002000 offset=0",
            "number=31207002000 offset=25",
            "number=31207002000 offset=50"
        ]
    );
    assert_eq!(stored.len(), 50);
    assert!(stored.iter().all(|c| c.id != "c1"));
    let t = switchboard::trace::trace(&state, "+31 20 700 2000");
    let ids: Vec<&str> = t.recent_calls.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        ["c0", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10"]
    );
    assert_eq!(t.recent_calls[0].provider, "px");
}
