//! The ops files in `assets/` (systemd unit, Prometheus alert rules, Grafana dashboard)
//! checked by the real tools, and a real Prometheus scraping `serve`. `promtool` and
//! `prometheus` come from Debian's `prometheus` package (`.ci/run` installs it): under CI
//! a missing tool fails the test; on a developer machine the test says it skipped.

use crate::serve::{Scrape, scrape_until, sims_config, start, temp_dir};
use crate::support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn asset(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets")
        .join(name)
}

fn read_asset(name: &str) -> String {
    std::fs::read_to_string(asset(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Whether `tool` runs; without it: a failure under CI, else a printed skip.
fn have(tool: &str, test: &str, required_in_ci: bool) -> bool {
    let found = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            !required_in_ci || std::env::var_os("CI").is_none(),
            "{tool} is missing in CI: .ci/run installs the prometheus package"
        );
        eprintln!("SKIPPED {test}: no {tool} on PATH");
    }
    found
}

fn dashboard() -> serde_json::Value {
    serde_json::from_str(&read_asset("switchboard.dashboard.json")).expect("dashboard is JSON")
}

/// Every PromQL expression of the dashboard (panel targets and the variable's query).
fn dashboard_exprs(d: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = d["panels"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["targets"].as_array().into_iter().flatten())
        .filter_map(|t| t["expr"].as_str().map(str::to_string))
        .collect();
    out.extend(
        d["templating"]["list"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v["definition"].as_str().map(str::to_string)),
    );
    out
}

/// `switchboard_…` names used in `text`.
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("switchboard_") {
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        out.insert(tail[..end].to_string());
        rest = &tail[end..];
    }
    out
}

fn promtool(args: &[&str]) -> (bool, String) {
    let out = Command::new("promtool")
        .args(args)
        .output()
        .expect("promtool runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn promtool_accepts_the_alert_rules() {
    if !have("promtool", "promtool_accepts_the_alert_rules", true) {
        return;
    }
    let path = asset("switchboard.rules.yml");
    let (ok, text) = promtool(&["check", "rules", &path.display().to_string()]);
    assert!(ok && text.contains("SUCCESS: 6 rules found"), "{text}");
    let rules = read_asset("switchboard.rules.yml");
    for alert in [
        "SwitchboardProviderDown",
        "SwitchboardDataStale",
        "SwitchboardBudgetNearlySpent",
        "SwitchboardRateLimited",
        "SwitchboardQueueAbandonRateHigh",
        "SwitchboardNoLiveCallData",
    ] {
        assert!(rules.contains(&format!("alert: {alert}")), "{alert}");
    }
}

#[test]
fn the_dashboard_is_json_and_its_queries_are_promql() {
    let d = dashboard();
    assert_eq!(d["uid"], "switchboard");
    let titles: Vec<&str> = d["panels"]
        .as_array()
        .expect("panels")
        .iter()
        .filter_map(|p| p["title"].as_str())
        .collect();
    for want in [
        "Active calls by provider and state",
        "Queue abandon ratio (1 h)",
        "API budget left",
        "Poll errors by reason",
        "Data age",
    ] {
        assert!(titles.contains(&want), "{want} in {titles:?}");
    }
    if !have(
        "promtool",
        "the_dashboard_is_json_and_its_queries_are_promql",
        true,
    ) {
        return;
    }
    // Each panel query, with Grafana's variables filled in, as a recording rule: promtool
    // parses the PromQL.
    let mut yaml = String::from("groups:\n  - name: dashboard\n    rules:\n");
    let exprs = dashboard_exprs(&d);
    for (i, e) in exprs
        .iter()
        .filter(|e| !e.starts_with("label_values"))
        .enumerate()
    {
        let e = e
            .replace("$provider", ".*")
            .replace("$__rate_interval", "5m");
        yaml.push_str(&format!(
            "      - record: dashboard:q{i}\n        expr: {}\n",
            serde_json::Value::String(e)
        ));
    }
    let dir = temp_dir("dashboard");
    let file = dir.join("dashboard.rules.yml");
    std::fs::write(&file, &yaml).unwrap();
    let (ok, text) = promtool(&["check", "rules", &file.display().to_string()]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(ok, "{text}\n{yaml}");
}

#[test]
fn the_systemd_unit_passes_systemd_analyze_verify() {
    let unit = read_asset("switchboard.service");
    for key in [
        "DynamicUser=yes",
        "StateDirectory=switchboard",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "ExecStart=/usr/local/bin/switchboard serve ",
    ] {
        assert!(unit.lines().any(|l| l.starts_with(key)), "{key}");
    }
    // Not installed in CI (a container has no systemd): checked where it is.
    if !have(
        "systemd-analyze",
        "the_systemd_unit_passes_systemd_analyze_verify",
        false,
    ) {
        return;
    }
    let dir = temp_dir("unit");
    let file = dir.join("switchboard.service");
    // verify wants the binary to exist: this build's.
    std::fs::write(
        &file,
        unit.replace(
            "/usr/local/bin/switchboard",
            env!("CARGO_BIN_EXE_switchboard"),
        ),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .args(["verify", &file.display().to_string()])
        .output()
        .expect("systemd-analyze runs");
    let _ = std::fs::remove_dir_all(&dir);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success() && text.trim().is_empty(), "{text}");
}

fn scrape_names(s: &Scrape) -> BTreeSet<String> {
    s.samples
        .iter()
        .map(|x| x.name.clone())
        .chain(s.types.keys().cloned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_metric_the_rules_and_dashboard_use_is_in_a_real_scrape() {
    let sims = support::sims(61, |_| {}).await;
    let cfg = sims_config(&sims);
    let dir = temp_dir("ops-names");
    let serve = start(&cfg, &dir).await;
    let want = |s: &Scrape| {
        [
            "switchboard_queue_calls_total",
            "switchboard_calls_active",
            "switchboard_provider_budget_remaining",
        ]
        .iter()
        .all(|n| !s.series(n).is_empty())
    };
    let s = scrape_until(&serve, "queues, calls and budgets", want).await;
    serve.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let exported = scrape_names(&s);
    let used: BTreeSet<String> = metric_names(&read_asset("switchboard.rules.yml"))
        .into_iter()
        .chain(metric_names(&dashboard_exprs(&dashboard()).join("\n")))
        .collect();
    assert!(used.len() >= 8, "{used:?}");
    let missing: Vec<&String> = used.difference(&exported).collect();
    assert!(
        missing.is_empty(),
        "not exported: {missing:?}\nexported: {exported:?}"
    );
}

/// A child process killed when dropped.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn query(port: u16, q: &str) -> serde_json::Value {
    let url = format!("http://127.0.0.1:{port}/api/v1/query");
    match reqwest::Client::new()
        .get(url)
        .query(&[("query", q)])
        .send()
        .await
    {
        Ok(r) => r.json().await.unwrap_or(serde_json::Value::Null),
        Err(_) => serde_json::Value::Null,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_prometheus_scrapes_serve_and_answers_for_calls_active() {
    if !have(
        "prometheus",
        "a_real_prometheus_scrapes_serve_and_answers_for_calls_active",
        true,
    ) {
        return;
    }
    let sims = support::sims(62, |_| {}).await;
    let cfg = sims_config(&sims);
    let dir = temp_dir("prometheus");
    let serve = start(&cfg, &dir.join("state")).await;
    scrape_until(&serve, "live calls", |s| {
        !s.series("switchboard_calls_active").is_empty()
    })
    .await;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
             scrape_configs:\n  - job_name: switchboard\n    static_configs:\n      - targets: ['{}']\n",
            serve.addr
        ),
    )
    .unwrap();
    let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
    let _prom = Child(
        Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("tsdb").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("prometheus starts"),
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let log_text = || std::fs::read_to_string(dir.join("prometheus.log")).unwrap_or_default();
    // Two scrapes of serve, both up.
    loop {
        let v = query(port, "sum_over_time(up{job=\"switchboard\"}[1m])").await;
        let scrapes = v["data"]["result"][0]["value"][1]
            .as_str()
            .and_then(|s| s.parse::<f64>().ok())
            .unwrap_or(0.0);
        if scrapes >= 2.0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no two scrapes: {v}\n{}",
            log_text()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let v = query(port, "switchboard_calls_active").await;
    assert_eq!(v["status"], "success", "{v}");
    let result = v["data"]["result"].as_array().cloned().unwrap_or_default();
    assert!(!result.is_empty(), "{v}");
    let providers: BTreeSet<&str> = result
        .iter()
        .filter_map(|r| r["metric"]["provider"].as_str())
        .collect();
    assert!(providers.len() >= 2, "{providers:?} in {v}");
    assert!(
        result
            .iter()
            .all(|r| r["metric"]["job"] == "switchboard" && r["metric"]["state"].is_string()),
        "{v}"
    );
    serve.shutdown().await.unwrap();
    drop(_prom);
    let _ = std::fs::remove_dir_all(&dir);
}
