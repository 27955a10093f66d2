//! `[history] export_jsonl`: `serve` against the simulators appends one JSON line per
//! call it newly stores; a restart on the same store exports no call twice. The keys are
//! checked with file and line like the other `[history]` keys.

use crate::support;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use switchboard::config;
use switchboard::serve::{self, ServeOptions};
use switchboard::store::Store;
use tokio_util::sync::CancellationToken;

fn export_ids(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            (
                v["provider"].as_str().unwrap_or_default().to_string(),
                v["call_id"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stored_call_is_exported_once_across_a_restart() {
    let sims = support::sims(53, |_| {}).await;
    let toml = format!(
        "{}\n[history]\nexport_jsonl = \"calls.jsonl\"\n",
        sims.config_toml()
    );
    let cfg = config::parse(&toml, Path::new("<sims>")).unwrap().config;
    let dir = std::env::temp_dir().join(format!(
        "sb-export-{}-{}",
        std::process::id(),
        support::unique()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let file = dir.join("calls.jsonl");
    for round in 0..2 {
        let opts = ServeOptions::new("127.0.0.1:0".parse().unwrap(), dir.clone());
        let s = serve::start(&cfg, opts, CancellationToken::new())
            .await
            .expect("serve starts");
        let written = s.calls_written();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while written.get() == 0 && round == 0 {
            assert!(tokio::time::Instant::now() < deadline, "nothing stored");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        s.shutdown().await.unwrap();
    }
    let lines = export_ids(&file);
    let unique: BTreeSet<_> = lines.iter().cloned().collect();
    assert_eq!(unique.len(), lines.len(), "a call exported twice");
    let store = Store::open_in(&dir).unwrap();
    let stored: BTreeSet<_> = store
        .recent(None, i64::MIN, 1_000_000)
        .unwrap()
        .into_iter()
        .map(|r| (r.provider, r.id))
        .collect();
    assert_eq!(
        unique, stored,
        "the export and the store hold the same calls"
    );
    // Every line is a finished call with E.164 or as-sent numbers and no raw key.
    let text = std::fs::read_to_string(&file).unwrap();
    for key in sims.config_toml().lines().filter_map(|l| {
        l.split_once("api_key = ")
            .map(|(_, v)| v.trim_matches('"').to_string())
    }) {
        assert!(key.len() < 8 || !text.contains(&key), "a key in the export");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_export_keys_are_checked_with_their_line() {
    let path = Path::new("c.toml");
    let c = config::parse(
        "[history]\nexport_jsonl = \"/var/log/sb/calls.jsonl\"\nexport_jsonl_max_mb = 10\nexport_jsonl_keep = 3\n",
        path,
    )
    .unwrap()
    .config
    .history;
    let x = c.export(Path::new("/state")).expect("export on");
    assert_eq!(x.path, Path::new("/var/log/sb/calls.jsonl"));
    assert_eq!((x.max_bytes, x.keep), (10 * 1024 * 1024, 3));
    let rel = config::parse("[history]\nexport_jsonl = \"calls.jsonl\"\n", path)
        .unwrap()
        .config
        .history;
    assert_eq!(
        rel.export(Path::new("/state")).unwrap().path,
        Path::new("/state/calls.jsonl")
    );
    let off = config::parse("", path).unwrap().config.history;
    assert_eq!(off.export(Path::new("/state")), None);
    for (text, line, words) in [
        (
            "[history]\n\nexport_jsonl = 5\n",
            3,
            "file path as a string",
        ),
        (
            "[history]\nexport_jsonl = \"\"\n",
            2,
            "expected a file path",
        ),
        (
            "[history]\nexport_jsonl_max_mb = 0\n",
            2,
            "between 1 and 10240",
        ),
        (
            "[history]\nexport_jsonl_keep = 1000\n",
            2,
            "between 1 and 100",
        ),
        ("[history]\nexport_json = \"x\"\n", 2, "export_jsonl"),
    ] {
        let e = config::parse(text, path).unwrap_err();
        assert_eq!(e.line, Some(line), "{text}: {e}");
        assert!(e.to_string().contains(words), "{text}: {e}");
        assert!(e.to_string().contains("history."), "{text}: {e}");
    }
}

/// A line whose append failed (here: a directory where the file should be) is appended
/// by the next write, before that write's own calls, and by the first write after a
/// restart; none twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_append_is_retried_by_the_next_write_even_after_a_restart() {
    use switchboard::config::HistoryConfig;
    use switchboard::store::CallRecord;
    let dir = std::env::temp_dir().join(format!(
        "sb-export-retry-{}-{}",
        std::process::id(),
        support::unique()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let cfg = HistoryConfig {
        export_jsonl: Some("calls.jsonl".into()),
        ..HistoryConfig::default()
    };
    let file = dir.join("calls.jsonl");
    let call = |id: &str| CallRecord {
        provider: "pbx".into(),
        id: id.into(),
        account: "acct".into(),
        from: "+15550001111".into(),
        to: "200".into(),
        direction: "in".into(),
        result: "completed".into(),
        started_ms: Some(switchboard::clock::epoch_ms()),
        answered_ms: None,
        ended_ms: Some(switchboard::clock::epoch_ms()),
        fields: Vec::new(),
    };
    let ids =
        |path: &Path| -> Vec<String> { export_ids(path).into_iter().map(|(_, id)| id).collect() };
    let h = switchboard::history::open(&dir, &cfg).expect("opens");
    std::fs::create_dir_all(&file).unwrap();
    let w = h.write(vec![call("a"), call("b")]).await.expect("stored");
    assert_eq!(w.new, 2);
    assert!(w.export_error.is_some_and(|e| e.contains("calls.jsonl")));
    std::fs::remove_dir(&file).unwrap();
    let w = h.write(vec![call("b"), call("c")]).await.expect("stored");
    assert_eq!((w.new, w.export_error), (1, None));
    assert_eq!(ids(&file), ["a", "b", "c"]);
    // Failing again, then the collector stops: the next run's first write appends it.
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir_all(&file).unwrap();
    assert!(
        h.write(vec![call("d")])
            .await
            .unwrap()
            .export_error
            .is_some()
    );
    drop(h);
    std::fs::remove_dir(&file).unwrap();
    let h = switchboard::history::open(&dir, &cfg).expect("opens again");
    let w = h.write(vec![call("c")]).await.expect("stored");
    assert_eq!((w.new, w.export_error), (0, None));
    assert_eq!(ids(&file), ["d"]);
    let w = h.write(vec![call("d"), call("e")]).await.expect("stored");
    assert_eq!((w.new, w.export_error), (1, None));
    assert_eq!(ids(&file), ["d", "e"]);
    drop(h);
    let _ = std::fs::remove_dir_all(&dir);
}
