//! `snapshot --output jsonl|csv --resource …` against the five simulators: read back with
//! a real CSV reader and serde_json, every row matches the JSON document's row.

use crate::support;

use std::path::Path;

use serde_json::{Map, Value};
use switchboard::cli::Output;
use switchboard::config::{self, PANES};
use switchboard::model::Resource;
use switchboard::snapshot::{self, Format, export};

/// The JSON document's rows of `resource`, each with its provider's name and kind in
/// front, as JSON lines and CSV promise them.
fn json_rows(doc: &Value, resource: Resource) -> Vec<Map<String, Value>> {
    let mut rows = Vec::new();
    for p in doc["providers"].as_array().expect("providers") {
        for row in p[export::json_key(resource)].as_array().expect("rows") {
            let mut r = Map::new();
            r.insert("provider".into(), p["name"].clone());
            r.insert("provider_kind".into(), p["kind"].clone());
            r.extend(row.as_object().expect("object").clone());
            rows.push(r);
        }
    }
    rows
}

/// A CSV cell against the JSON value it came from: text as is, null empty, the rest as
/// the JSON it reads back to.
fn cell_matches(cell: &str, v: &Value) -> bool {
    match v {
        Value::String(s) => cell == s,
        Value::Null => cell.is_empty(),
        other => serde_json::from_str::<Value>(cell).is_ok_and(|c| &c == other),
    }
}

fn check_csv(text: &str, resource: Resource, expected: &[Map<String, Value>]) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(headers, export::columns(resource), "{resource:?}");
    let records: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("every record parses");
    assert_eq!(records.len(), expected.len(), "{resource:?}");
    for (rec, want) in records.iter().zip(expected) {
        assert_eq!(rec.len(), headers.len());
        for (cell, col) in rec.iter().zip(&headers) {
            let v = want.get(col).unwrap_or(&Value::Null);
            assert!(
                cell_matches(cell, v),
                "{resource:?} {col}: csv {cell:?} vs json {v}"
            );
        }
    }
}

fn check_jsonl(text: &str, resource: Resource, expected: &[Map<String, Value>]) {
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let want: Vec<Value> = expected.iter().cloned().map(Value::Object).collect();
    assert_eq!(lines, want, "{resource:?}");
}

/// One poll of the five simulators, rendered every way: each resource's CSV and JSON
/// lines hold exactly the JSON document's rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_and_jsonl_match_the_json_for_every_resource() {
    let sims = support::sims(31, |_| {}).await;
    let cfg = config::parse(&sims.config_toml(), Path::new("<sims>"))
        .expect("the simulators' config")
        .config;
    let snaps = snapshot::collect(&cfg).await;
    assert!(snaps.iter().all(|s| s.ok()), "every simulator answers");
    let now = switchboard::clock::epoch_ms();
    let doc: Value = serde_json::from_str(&snapshot::render_json(&snaps, now)).expect("JSON");
    for (name, resource) in PANES {
        let expected = json_rows(&doc, resource);
        assert!(!expected.is_empty(), "{name}: the simulators give rows");
        let csv = snapshot::render(
            &snaps,
            now,
            Format::new(Output::Csv, Some(resource)).unwrap(),
        )
        .expect("csv");
        check_csv(&csv, resource, &expected);
        let jsonl = snapshot::render(
            &snaps,
            now,
            Format::new(Output::Jsonl, Some(resource)).unwrap(),
        )
        .expect("jsonl");
        check_jsonl(&jsonl, resource, &expected);
        // JSON of one resource keeps that resource's rows alone.
        let one: Value = serde_json::from_str(
            &snapshot::render(
                &snaps,
                now,
                Format::new(Output::Json, Some(resource)).unwrap(),
            )
            .expect("json"),
        )
        .expect("JSON");
        assert_eq!(json_rows(&one, resource), expected, "{name}");
        let mut keys: Vec<&str> = one["providers"][0]
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        let mut want = [
            "error",
            export::json_key(resource),
            "kind",
            "name",
            "status",
        ];
        want.sort_unstable();
        assert_eq!(keys, want, "{name}");
    }
}

async fn run(args: &[&str], home: &Path) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home)
        .output()
        .await
        .expect("binary runs")
}

/// The binary: `--output csv --resource trunks` and `--output jsonl` read back to the rows
/// of `--json` (trunks stay put between runs); `--json` is `--output json`; CSV without a
/// resource is a usage error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_prints_csv_and_json_lines() {
    // Cloudonix alone, with room for four runs in one rate-limit window.
    let sims = support::sims(32, |o| {
        o.cloudonix.rate_limit_requests = 1000;
    })
    .await;
    let cx = &sims.cloudonix;
    let home = std::env::temp_dir().join(format!(
        "sb-export-{}-{}",
        std::process::id(),
        support::unique()
    ));
    std::fs::create_dir_all(&home).expect("home");
    let config = home.join("config.toml");
    let body = format!(
        "[[provider]]\nname = \"cx\"\nkind = \"cloudonix\"\nbase_url = \"{}\"\napi_key = \"{}\"\n",
        cx.base_url, cx.customer_key
    );
    std::fs::write(&config, body).expect("config");
    let c = config.to_str().expect("utf-8");

    let json = run(&["snapshot", "--json", "--config", c], &home).await;
    assert_eq!(json.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let expected = json_rows(&doc, Resource::Trunks);
    assert!(!expected.is_empty());
    let same: Value = serde_json::from_slice(
        &run(&["snapshot", "--output", "json", "--config", c], &home)
            .await
            .stdout,
    )
    .expect("JSON");
    assert_eq!(json_rows(&same, Resource::Trunks), expected);

    let csv = run(
        &[
            "snapshot",
            "--output",
            "csv",
            "--resource",
            "trunks",
            "--config",
            c,
        ],
        &home,
    )
    .await;
    assert_eq!(csv.status.code(), Some(0));
    check_csv(
        &String::from_utf8_lossy(&csv.stdout),
        Resource::Trunks,
        &expected,
    );

    let jsonl = run(
        &[
            "snapshot",
            "--output",
            "jsonl",
            "--resource",
            "trunks",
            "--config",
            c,
        ],
        &home,
    )
    .await;
    assert_eq!(jsonl.status.code(), Some(0));
    check_jsonl(
        &String::from_utf8_lossy(&jsonl.stdout),
        Resource::Trunks,
        &expected,
    );

    let bad = run(&["snapshot", "--output", "csv", "--config", c], &home).await;
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("add --resource"));
    let _ = std::fs::remove_dir_all(&home);
}
