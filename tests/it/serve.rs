//! `switchboard serve` against the five simulators over real HTTP: the collector runs
//! in-process (`serve::start`) on an ephemeral loopback port, `/metrics` is scraped with
//! an HTTP client and parsed strictly, and the simulators' own request logs are the
//! measure of what it asked the providers.

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use switchboard::config::{self, Config};
use switchboard::model::{ProviderKind, Resource};
use switchboard::providers::{Mutation, ProviderClient};
use switchboard::serve::{self, Serve, ServeOptions};
use switchboard::sim::RunningSims;
use tokio_util::sync::CancellationToken;

// ---------------------------------------------------------------------------------------
// A strict parser of the Prometheus text format (0.0.4) as `/metrics` serves it
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sample {
    pub(crate) name: String,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) value: f64,
}

#[derive(Debug, Default)]
pub(crate) struct Scrape {
    /// family name → type
    pub(crate) types: BTreeMap<String, String>,
    helps: BTreeMap<String, String>,
    pub(crate) samples: Vec<Sample>,
}

impl Scrape {
    pub(crate) fn series(&self, name: &str) -> Vec<&Sample> {
        self.samples.iter().filter(|s| s.name == name).collect()
    }

    fn has(&self, name: &str, provider: &str) -> bool {
        self.series(name)
            .iter()
            .any(|s| s.labels.get("provider").map(String::as_str) == Some(provider))
    }

    /// Every label value, except a histogram bucket's bound (`le`: the collector's own
    /// constants, not data).
    fn label_values(&self) -> BTreeSet<String> {
        self.samples
            .iter()
            .flat_map(|s| {
                s.labels
                    .iter()
                    .filter(|(k, _)| k.as_str() != "le")
                    .map(|(_, v)| v.clone())
            })
            .collect()
    }
}

fn valid_name(n: &str) -> bool {
    let mut chars = n.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Parses `text` or says which line is wrong: every line is a `# HELP`, a `# TYPE` or a
/// sample of the family last typed; names and label names are valid; label values are
/// quoted with only `\\`, `\"` and `\n` escapes; values are numbers; no series twice.
fn parse(text: &str) -> Result<Scrape, String> {
    let mut out = Scrape::default();
    let mut family: Option<(String, String)> = None;
    let mut seen = BTreeSet::new();
    for (no, line) in text.lines().enumerate() {
        let bad = |why: &str| format!("line {}: {why}: {line:?}", no + 1);
        if line.is_empty() {
            return Err(bad("empty line"));
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest
                .split_once(' ')
                .ok_or_else(|| bad("HELP without text"))?;
            if !valid_name(name) {
                return Err(bad("bad metric name"));
            }
            out.helps.insert(name.to_string(), help.to_string());
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, ty) = rest
                .split_once(' ')
                .ok_or_else(|| bad("TYPE without type"))?;
            if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&ty) {
                return Err(bad("unknown type"));
            }
            if out.types.insert(name.to_string(), ty.to_string()).is_some() {
                return Err(bad("family typed twice"));
            }
            family = Some((name.to_string(), ty.to_string()));
            continue;
        }
        if line.starts_with('#') {
            return Err(bad("unknown comment"));
        }
        let (name, rest) = match line.find(['{', ' ']) {
            Some(i) => line.split_at(i),
            None => return Err(bad("sample without value")),
        };
        if !valid_name(name) {
            return Err(bad("bad metric name"));
        }
        let (fam, ty) = family.as_ref().ok_or_else(|| bad("sample before TYPE"))?;
        // A histogram's samples are its buckets, sum and count (and, in OpenMetrics,
        // its creation time); every other family's sample carries the family's name.
        let of_family = name == fam
            || (ty == "histogram"
                && ["_bucket", "_sum", "_count", "_created"]
                    .iter()
                    .any(|suffix| name.strip_suffix(suffix) == Some(fam.as_str())));
        if !of_family {
            return Err(bad("sample outside its family"));
        }
        let mut labels = BTreeMap::new();
        let mut rest = rest;
        if let Some(body) = rest.strip_prefix('{') {
            let mut chars = body.char_indices().peekable();
            let end;
            loop {
                let mut key = String::new();
                for (_, c) in chars.by_ref() {
                    if c == '=' {
                        break;
                    }
                    key.push(c);
                }
                if !valid_name(&key) || key.contains(':') {
                    return Err(bad("bad label name"));
                }
                if chars.next().map(|(_, c)| c) != Some('"') {
                    return Err(bad("label value not quoted"));
                }
                let mut value = String::new();
                loop {
                    match chars.next().map(|(_, c)| c) {
                        Some('\\') => match chars.next().map(|(_, c)| c) {
                            Some('\\') => value.push('\\'),
                            Some('"') => value.push('"'),
                            Some('n') => value.push('\n'),
                            _ => return Err(bad("bad escape")),
                        },
                        Some('"') => break,
                        Some('\n') | None => return Err(bad("unterminated label value")),
                        Some(c) => value.push(c),
                    }
                }
                if labels.insert(key, value).is_some() {
                    return Err(bad("label twice"));
                }
                match chars.next() {
                    Some((_, ',')) => continue,
                    Some((i, '}')) => {
                        end = i;
                        break;
                    }
                    _ => return Err(bad("expected , or }")),
                }
            }
            rest = &body[end + 1..];
        }
        let value = rest
            .strip_prefix(' ')
            .ok_or_else(|| bad("no space before the value"))?;
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().map_err(|_| bad("value is not a number"))?,
        };
        let key = format!("{name}{labels:?}");
        if !seen.insert(key) {
            return Err(bad("series twice"));
        }
        out.samples.push(Sample {
            name: name.to_string(),
            labels,
            value,
        });
    }
    Ok(out)
}

#[test]
fn the_strict_parser_refuses_what_prometheus_would() {
    let ok = "# HELP a_total x y.\n# TYPE a_total counter\na_total{p=\"q\\\"r\"} 3\n";
    let s = parse(ok).unwrap();
    assert_eq!(s.samples[0].labels["p"], "q\"r");
    for bad in [
        "a 1\n",                                        // no TYPE
        "# TYPE a gauge\na{p=q} 1\n",                   // unquoted
        "# TYPE a gauge\na{p=\"q\"} x\n",               // not a number
        "# TYPE a gauge\na{p=\"q\"} 1\na{p=\"q\"} 2\n", // twice
        "# TYPE a gauge\nb 1\n",                        // outside its family
    ] {
        assert!(parse(bad).is_err(), "{bad:?} accepted");
    }
}

// ---------------------------------------------------------------------------------------
// Running the collector
// ---------------------------------------------------------------------------------------

pub(crate) fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sb-serve-{tag}-{}-{}",
        std::process::id(),
        support::unique()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) fn sims_config(sims: &RunningSims) -> Config {
    config::parse(&sims.config_toml(), Path::new("<sims>"))
        .expect("the simulators' config parses")
        .config
}

fn name_of(cfg: &Config, kind: ProviderKind) -> String {
    cfg.providers
        .iter()
        .find(|p| p.kind == kind)
        .map(|p| p.name.clone())
        .expect("provider configured")
}

pub(crate) async fn start(cfg: &Config, dir: &Path) -> Serve {
    let opts = ServeOptions::new("127.0.0.1:0".parse().unwrap(), dir.to_path_buf());
    serve::start(cfg, opts, CancellationToken::new())
        .await
        .expect("serve starts")
}

async fn get(serve: &Serve, path: &str) -> (u16, String) {
    let r = reqwest::get(format!("http://{}{path}", serve.addr))
        .await
        .expect("serve answers");
    let status = r.status().as_u16();
    (status, r.text().await.unwrap_or_default())
}

pub(crate) async fn scrape(serve: &Serve) -> (String, Scrape) {
    let (status, text) = get(serve, "/metrics").await;
    assert_eq!(status, 200, "{text}");
    let parsed = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    (text, parsed)
}

/// Scrapes until `done` holds (30 s at most).
pub(crate) async fn scrape_until(
    serve: &Serve,
    what: &str,
    done: impl Fn(&Scrape) -> bool,
) -> Scrape {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (text, s) = scrape(serve).await;
        if done(&s) {
            return s;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every request any simulator has received.
fn sim_requests(sims: &RunningSims) -> usize {
    sims.cloudonix.requests().len()
        + sims.voipcloud.requests().len()
        + sims.iovox.requests().len()
        + sims.callable.requests().len()
        + sims.provoice.requests().len()
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_carry_each_providers_series_and_no_number_or_call_id() {
    let sims = support::sims(31, |_| {}).await;
    let cfg = sims_config(&sims);
    let dir = temp_dir("series");
    let serve = start(&cfg, &dir).await;
    let name = |k| name_of(&cfg, k);
    let (cx, vc, io, ca, pv) = (
        name(ProviderKind::Cloudonix),
        name(ProviderKind::Voipcloud),
        name(ProviderKind::Iovox),
        name(ProviderKind::Callable),
        name(ProviderKind::Provoice),
    );
    // What each provider offers; what it does not is absent (checked below).
    let expected: Vec<(&str, &str)> = vec![
        ("switchboard_calls_active", &cx),
        ("switchboard_calls_active", &vc),
        ("switchboard_calls_active", &ca),
        ("switchboard_calls_active", &pv),
        ("switchboard_trunks", &cx),
        ("switchboard_trunk_active", &cx),
        ("switchboard_trunks", &ca),
        ("switchboard_trunks", &pv),
        ("switchboard_numbers", &cx),
        ("switchboard_numbers", &io),
        ("switchboard_numbers", &pv),
        ("switchboard_queue_calls_total", &vc),
        ("switchboard_queue_calls_abandoned_total", &vc),
        ("switchboard_queue_calls_answered_total", &vc),
        ("switchboard_queue_callers_waiting", &vc),
        ("switchboard_queue_wait_seconds_count", &vc),
    ];
    let s = scrape_until(&serve, "every provider's series", |s| {
        expected.iter().all(|(m, p)| s.has(m, p))
            && [&cx, &vc, &io, &ca, &pv].iter().all(|p| {
                s.series("switchboard_provider_up")
                    .iter()
                    .any(|x| x.labels["provider"] == **p && x.value == 1.0)
            })
    })
    .await;
    for p in [&cx, &vc, &io, &ca, &pv] {
        for m in [
            "switchboard_provider_requests_total",
            "switchboard_provider_request_errors_total",
            "switchboard_provider_last_success_timestamp_seconds",
            "switchboard_provider_budget_limit",
            "switchboard_provider_budget_remaining",
        ] {
            assert!(s.has(m, p), "{m} for {p}");
        }
    }
    // Budget gauges per scope: Cloudonix has one per domain polled plus its customer's,
    // each within its limit.
    let cx_scopes: BTreeSet<String> = s
        .series("switchboard_provider_budget_remaining")
        .iter()
        .filter(|x| x.labels["provider"] == cx)
        .map(|x| x.labels["scope"].clone())
        .collect();
    assert!(cx_scopes.len() >= 2, "one scope per domain: {cx_scopes:?}");
    assert!(!cx_scopes.contains("busiest"), "{cx_scopes:?}");
    for x in s.series("switchboard_provider_budget_remaining") {
        let limit = s
            .series("switchboard_provider_budget_limit")
            .iter()
            .find(|l| l.labels == x.labels)
            .map(|l| l.value);
        assert!(limit.is_some_and(|l| x.value <= l), "{:?}", x.labels);
    }
    // Not offered, so absent rather than zero.
    assert!(!s.has("switchboard_trunks", &io), "IOVOX has no trunks");
    assert!(
        !s.has("switchboard_queue_calls_total", &io),
        "by-day rows are not queues"
    );
    // Queue waits: a histogram whose +Inf bucket holds every counted call.
    for c in s.series("switchboard_queue_wait_seconds_count") {
        let inf = s
            .series("switchboard_queue_wait_seconds_bucket")
            .into_iter()
            .find(|b| {
                b.labels.get("le").map(String::as_str) == Some("+Inf")
                    && b.labels.get("queue") == c.labels.get("queue")
                    && b.labels.get("account") == c.labels.get("account")
            })
            .map(|b| b.value);
        assert_eq!(inf, Some(c.value), "{:?}", c.labels);
    }
    assert!(!s.has("switchboard_queue_wait_seconds_count", &io));
    // Exporter rules: counters end in _total, HELP says the values are cached.
    for (fam, ty) in &s.types {
        assert_eq!(ty == "counter", fam.ends_with("_total"), "{fam} is a {ty}");
        assert!(fam.starts_with("switchboard_"), "{fam}");
    }
    let help = &s.helps["switchboard_calls_active"];
    assert!(help.contains("budget clock"), "{help}");
    let build = s.series("switchboard_build_info");
    assert_eq!(build.len(), 1);
    assert_eq!(build[0].labels["version"], env!("CARGO_PKG_VERSION"));

    // No label value is a number or a call id: every call, caller, callee and number the
    // simulators gave the collector's pollers (a snapshot would have to wait for the
    // budgets the collector spends), and nothing that looks like a phone number at all.
    let mut numbers = BTreeSet::new();
    let mut ids = BTreeSet::new();
    {
        let c = serve.shared.lock().unwrap();
        let t = &c.state.tables;
        for call in t.live.rows.iter().chain(&t.history.rows) {
            ids.insert(call.id.to_string());
            numbers.insert(call.from.clone());
            numbers.insert(call.to.clone());
        }
        for n in &t.numbers.rows {
            numbers.insert(n.number.clone().into());
        }
    }
    assert!(ids.len() > 20 && numbers.len() > 20, "{ids:?} {numbers:?}");
    let number_digits: BTreeSet<String> = numbers
        .iter()
        .map(|n| digits(n))
        .filter(|d| d.len() >= 5)
        .collect();
    let (text, s) = scrape(&serve).await;
    for v in s.label_values() {
        let looks_like_a_number =
            digits(&v).len() >= 7 && v.chars().all(|c| c.is_ascii_digit() || "+-() ".contains(c));
        assert!(!looks_like_a_number, "{v:?} is a label value:\n{text}");
        assert!(!ids.contains(&v), "call id {v:?} is a label value:\n{text}");
        assert!(
            !numbers.contains(v.as_str()),
            "number {v:?} is a label value:\n{text}"
        );
        assert!(
            !number_digits.contains(&digits(&v)),
            "number {v:?} is a label value:\n{text}"
        );
    }
    serve.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_scrapes_send_no_request_to_any_provider() {
    let sims = support::sims(32, |_| {}).await;
    let mut cfg = sims_config(&sims);
    // The providers whose every list is polled at 30 s or slower: after their first
    // round, nothing is due for a while, so any request would be a scrape's.
    cfg.providers
        .retain(|p| matches!(p.kind, ProviderKind::Iovox | ProviderKind::Provoice));
    let dir = temp_dir("scrapes");
    let serve = start(&cfg, &dir).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    // The first round: ready, and the simulators' logs still for a second.
    loop {
        let (status, _) = get(&serve, "/readyz").await;
        let before = sim_requests(&sims);
        tokio::time::sleep(Duration::from_millis(1000)).await;
        if status == 200 && before == sim_requests(&sims) && before > 0 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no quiet moment");
    }
    let before = sim_requests(&sims);
    let polls = |s: &Scrape| -> f64 {
        s.series("switchboard_provider_requests_total")
            .iter()
            .map(|x| x.value)
            .sum()
    };
    let (_, first) = scrape(&serve).await;
    for _ in 0..100 {
        let (_, s) = scrape(&serve).await;
        assert!(!s.series("switchboard_provider_up").is_empty());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (_, last) = scrape(&serve).await;
    assert_eq!(sim_requests(&sims), before, "a scrape reached a provider");
    assert!(polls(&first) > 0.0 && polls(&last) >= polls(&first));
    serve.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_trunk_leaves_the_metrics() {
    let sims = support::sims(33, |_| {}).await;
    let mut cfg = sims_config(&sims);
    cfg.providers.retain(|p| p.kind == ProviderKind::Cloudonix);
    let cx = name_of(&cfg, ProviderKind::Cloudonix);
    let dir = temp_dir("trunk");
    let serve = start(&cfg, &dir).await;
    let trunk = "carrier-a-backup";
    let with = |s: &Scrape| {
        s.series("switchboard_trunk_active")
            .iter()
            .any(|x| x.labels["provider"] == cx && x.labels["trunk"] == trunk)
    };
    let s = scrape_until(&serve, "the trunk", with).await;
    let (account, id, account_name) = {
        let c = serve.shared.lock().unwrap();
        let t = c
            .state
            .tables
            .trunks
            .rows
            .iter()
            .find(|t| t.name == trunk)
            .expect("trunk row");
        (t.account.clone(), t.id.clone(), t.account_name.clone())
    };
    // The trunks of that account only: other domains' trunk lists may still be arriving.
    let count = |s: &Scrape| -> f64 {
        s.series("switchboard_trunks")
            .iter()
            .filter(|x| {
                x.labels["provider"] == cx
                    && (x.labels["account"] == account || x.labels["account"] == account_name)
            })
            .map(|x| x.value)
            .sum()
    };
    let trunks_before = count(&s);
    assert!(trunks_before >= 1.0, "no trunk count for {account}");
    // Deleted in the simulator, through the provider's own API.
    let admin = ProviderClient::from_config(
        switchboard::model::ProviderId(0),
        &support::cloudonix_config(&sims.cloudonix.base_url, &sims.cloudonix.customer_key),
    )
    .unwrap();
    admin
        .mutate(&Mutation::DeleteTrunk {
            account: account.clone(),
            id,
        })
        .await
        .expect("trunk deleted");
    serve.refresh(Resource::Trunks);
    let s = scrape_until(&serve, "the trunk gone", |s| !with(s)).await;
    assert_eq!(count(&s), trunks_before - 1.0);
    serve.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_calls_land_in_the_store_once_across_a_restart() {
    use switchboard::store::Store;
    let sims = support::sims(34, |_| {}).await;
    let cfg = sims_config(&sims);
    let dir = temp_dir("history");
    let written = |s: &Scrape| {
        s.series("switchboard_history_calls_written_total")
            .first()
            .map_or(0.0, |x| x.value)
    };
    let serve = start(&cfg, &dir).await;
    let s = scrape_until(&serve, "calls written", |s| written(s) > 10.0).await;
    assert!(written(&s) > 10.0);
    serve.shutdown().await.unwrap();

    let stored = |dir: &Path| {
        let store = Store::open_in(dir).expect("store opens");
        store.recent(None, i64::MIN, 1_000_000).expect("reads")
    };
    let first = stored(&dir);
    assert!(!first.is_empty());
    assert!(
        first
            .iter()
            .all(|r| r.ended_ms.is_some() || !r.result.is_empty())
    );
    let first_keys: BTreeSet<(String, String)> = first
        .iter()
        .map(|r| (r.provider.clone(), r.id.clone()))
        .collect();
    assert_eq!(first_keys.len(), first.len(), "a call stored twice");

    // Restarted on the same store: the same finished calls are seen again (every list
    // is read anew), and none is written a second time.
    let serve = start(&cfg, &dir).await;
    let round = |s: &Scrape| {
        s.series("switchboard_provider_last_success_timestamp_seconds")
            .iter()
            .any(|x| x.labels["resource"] == "call_history")
    };
    scrape_until(&serve, "a history poll", round).await;
    let counter = serve.calls_written();
    serve.shutdown().await.unwrap();
    let again = counter.get() as f64;
    let second = stored(&dir);
    let second_keys: BTreeSet<(String, String)> = second
        .iter()
        .map(|r| (r.provider.clone(), r.id.clone()))
        .collect();
    assert_eq!(second_keys.len(), second.len(), "a call stored twice");
    assert!(first_keys.is_subset(&second_keys));
    // Only calls new to the store count as written: the rest were already there. (How
    // many are new depends on how long each run polled: the first stops after ten, so
    // the second may see many more of the providers' lists; a call written twice would
    // count without growing the store.)
    assert_eq!(second.len() as f64, first.len() as f64 + again);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_store_is_reported_and_serve_goes_on_without_history() {
    let sims = support::sims(35, |_| {}).await;
    let mut cfg = sims_config(&sims);
    cfg.providers.retain(|p| p.kind == ProviderKind::Cloudonix);
    let dir = temp_dir("corrupt");
    std::fs::write(
        dir.join(switchboard::store::FILE_NAME),
        "this is not a database, it is a note".repeat(200),
    )
    .unwrap();
    let serve = start(&cfg, &dir).await;
    let (health, body) = get(&serve, "/healthz").await;
    assert_eq!((health, body.as_str()), (200, r#"{"status":"ok"}"#));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let doc = loop {
        let (status, body) = get(&serve, "/readyz").await;
        let doc: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        if status == 200 {
            break doc;
        }
        assert_eq!(status, 503, "{body}");
        assert_eq!(doc["ready"], false);
        assert!(tokio::time::Instant::now() < deadline, "{body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(doc["ready"], true);
    assert_eq!(doc["config"]["loaded"], true);
    assert_eq!(doc["history"]["open"], false);
    let error = doc["history"]["error"].as_str().unwrap_or_default();
    assert!(error.contains("damaged or not a database"), "{error}");
    assert_eq!(doc["providers"][0]["state"], "ok");
    // Metrics go on.
    scrape_until(&serve, "live calls", |s| {
        !s.series("switchboard_calls_active").is_empty()
    })
    .await;
    serve.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promtool_accepts_a_scrape() {
    let found = std::process::Command::new("promtool")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "promtool is missing in CI: .ci/run installs the prometheus package"
        );
        eprintln!("SKIPPED promtool_accepts_a_scrape: no promtool (apt-get install prometheus)");
        return;
    }
    let sims = support::sims(36, |_| {}).await;
    let cfg = sims_config(&sims);
    let dir = temp_dir("promtool");
    let serve = start(&cfg, &dir).await;
    let (text, _) = {
        scrape_until(&serve, "queues", |s| {
            !s.series("switchboard_queue_calls_total").is_empty()
        })
        .await;
        scrape(&serve).await
    };
    serve.shutdown().await.unwrap();
    use std::io::Write;
    let mut child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn history_keep_days_is_read_and_checked_with_its_line() {
    let path = Path::new("c.toml");
    let c = config::parse("[history]\nkeep_days = 7\n", path).unwrap();
    assert_eq!(c.config.history.keep_days, 7);
    let c = config::parse("", path).unwrap();
    assert_eq!(c.config.history.keep_days, 30);
    let e = config::parse("\n[history]\nkeep_days = 0\n", path).unwrap_err();
    assert_eq!(e.line, Some(3), "{e}");
    assert!(e.to_string().contains("history.keep_days"), "{e}");
    let e = config::parse("[history]\nkeep = 7\n", path).unwrap_err();
    assert!(e.to_string().contains("keep_days"), "{e}");
    let e = config::parse("[history]\nkeep_days = \"30\"\n", path).unwrap_err();
    assert!(e.to_string().contains("whole number of days"), "{e}");
}

#[test]
fn serve_listens_on_loopback_unless_told() {
    use clap::Parser;
    use switchboard::cli::{Cli, Command};
    let cli = Cli::try_parse_from(["switchboard", "serve"]).unwrap();
    let Some(Command::Serve { listen, .. }) = cli.command else {
        panic!("not serve: {cli:?}")
    };
    assert_eq!(listen.to_string(), "127.0.0.1:9464");
    assert!(listen.ip().is_loopback());
}

/// The binary as systemd runs it: logs on stderr and in the log file, answers on the
/// address it printed, and stops with exit 0 at SIGTERM once history is written.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_logs_to_stderr_and_the_file_and_stops_at_sigterm() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let sims = support::sims(37, |_| {}).await;
    let home = temp_dir("bin");
    let config = home.join("config.toml");
    std::fs::write(&config, sims.config_toml()).unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", &home)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("binary runs");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut stderr = String::new();
    let addr = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(line)) = lines.next_line().await {
            stderr.push_str(&line);
            stderr.push('\n');
            if let Some(rest) = line.strip_prefix("switchboard serve: listening on http://") {
                return rest.trim_end_matches("/metrics").to_string();
            }
        }
        panic!("no address in:\n{stderr}")
    })
    .await
    .expect("serve prints its address");
    let health = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(health, r#"{"status":"ok"}"#);
    let pid = child.id().expect("running") as i32;
    // SAFETY: a plain kill(2) of our own child.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let status = tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .expect("stops within 5 s")
        .unwrap();
    while let Ok(Some(line)) = lines.next_line().await {
        stderr.push_str(&line);
        stderr.push('\n');
    }
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("collector serving"), "{stderr}");
    // No tokens file: open as before, and said at start.
    assert!(stderr.contains("every endpoint is open"), "{stderr}");
    // The config file is readable by others and holds secrets: said once, as a log line.
    assert_eq!(stderr.matches("chmod 600").count(), 1, "{stderr}");
    assert!(stderr.contains("collector stopped"), "{stderr}");
    let state = home.join(".local/state/switchboard");
    let log: String = std::fs::read_dir(&state)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".log"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect();
    assert!(log.contains("collector serving"), "{log}");
    assert!(state.join(switchboard::store::FILE_NAME).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_total_counts_every_http_request_not_every_poll() {
    // Cloudonix's numbers job makes two requests (DNIDs and applications) and VoIPcloud's
    // lists come in pages: counting poll jobs would fall short of what the simulators saw.
    let sims = support::sims(37, |_| {}).await;
    let cfg = sims_config(&sims);
    let dir = temp_dir("requests");
    let serve = start(&cfg, &dir).await;
    let (cx, vc) = (
        name_of(&cfg, ProviderKind::Cloudonix),
        name_of(&cfg, ProviderKind::Voipcloud),
    );
    let total = |s: &Scrape, p: &str| -> f64 {
        s.series("switchboard_provider_requests_total")
            .iter()
            .filter(|x| x.labels["provider"] == p)
            .map(|x| x.value)
            .sum()
    };
    // Between polls (nothing in flight, nothing arriving while the scrape ran) the
    // counters equal the simulators' own counts.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let before = (
            sims.cloudonix.requests().len(),
            sims.voipcloud.requests().len(),
        );
        let (_, s) = scrape(&serve).await;
        let after = (
            sims.cloudonix.requests().len(),
            sims.voipcloud.requests().len(),
        );
        let seen = (total(&s, &cx) as usize, total(&s, &vc) as usize);
        if before == after && seen == before && before.0 > 4 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "simulators {before:?} → {after:?}, metrics {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    serve.shutdown().await.expect("stops");
}
