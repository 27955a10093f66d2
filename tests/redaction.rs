//! Redaction by field, not by substring: a Callable password of 4 characters (the demo's
//! `1234`) and one of 8 digits, with phone numbers that contain their digits, through
//! what an operator and an auditor read: the message line, the log file, the audit file
//! and `snapshot --json`.
//!
//! A real `Console` (headless) places click-to-call calls against the Callable simulator;
//! the log is this test process's global log file; `snapshot` is the real binary.
//! Its own test binary: it installs the process-wide log subscriber and reads what the
//! whole process logged.

mod support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ratatui::crossterm::event::KeyCode;
use support::flow::Flow;
use switchboard::action::Action;
use switchboard::audit::{AuditOutcome, read_recent};
use switchboard::config;
use switchboard::form::Step;
use switchboard::model::Resource;
use switchboard::sim::RunningSims;
use switchboard::state::Level;

const WAIT: Duration = Duration::from_secs(20);

/// The number the tests call: it contains `1234` and `20712345`.
const NUMBER: &str = "+442071234501";

/// This process's log directory: one global subscriber for every test in the file.
fn log_dir() -> &'static Path {
    static DIR: OnceLock<(PathBuf, switchboard::logging::LogGuard)> = OnceLock::new();
    let (dir, _guard) = DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("sb-redaction-log-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let guard = switchboard::logging::init(&dir, Some("switchboard=debug")).expect("log init");
        (dir, guard)
    });
    dir
}

fn log_text() -> String {
    let mut all = String::new();
    for e in std::fs::read_dir(log_dir()).into_iter().flatten().flatten() {
        all.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
    }
    all
}

/// Waits until the log (written by a background thread) has a line containing `needle`.
async fn log_until(needle: &str) -> String {
    let start = Instant::now();
    loop {
        let text = log_text();
        if text.lines().any(|l| l.contains(needle)) || start.elapsed() > WAIT {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn temp_home(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sb-redaction-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A config file with the Callable simulator only, password written literally.
fn write_config(home: &Path, sims: &RunningSims) -> PathBuf {
    let k = &sims.callable;
    let text = format!(
        "[[provider]]\nname = \"callable-noc\"\nkind = \"callable\"\nbase_url = \"{}\"\n\
         username = \"{}\"\npassword = \"{}\"\ntimeout_seconds = 5\n",
        k.base_url, k.username, k.password
    );
    let path = home.join("config.toml");
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

/// Places a click-to-call call to `target` from Darren's Pizzas, with `say` spoken, and
/// waits until it is listed.
async fn place_call(flow: &mut Flow, target: &str, say: &str, listed_as: &str) {
    flow.char('1');
    assert_eq!(flow.console.state.focus, Resource::Accounts);
    let on_darren = |f: &Flow| {
        f.console
            .state
            .tables
            .accounts
            .selected_row()
            .is_some_and(|r| r.account.name.starts_with("Darren"))
    };
    if !on_darren(flow) {
        flow.select("Darren");
    }
    assert!(on_darren(flow), "Darren's Pizzas selected");
    flow.palette(&format!("call {target}"));
    assert_eq!(flow.form_step(), Some(Step::Edit), "{}", flow.message());
    assert_eq!(flow.form_value("target").as_deref(), Some(target));
    flow.key(KeyCode::Tab);
    flow.key(KeyCode::Tab);
    flow.type_text(say);
    assert_eq!(flow.form_value("say").as_deref(), Some(say));
    flow.key(KeyCode::Enter);
    flow.apply_reviewed("").await;
    let listed = listed_as.to_string();
    flow.until("the call listed", move |s| {
        s.tables.live.rows.iter().any(|c| c.to == listed)
    })
    .await;
}

/// `switchboard snapshot --json` against the simulator, as a cron job runs it.
async fn snapshot_json(home: &Path, config: &Path) -> (String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["snapshot", "--json", "--config"])
        .arg(config)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home)
        .env("SWITCHBOARD_LOG", "trace")
        .output()
        .await
        .expect("binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    (stdout, stderr)
}

fn snapshot_log(home: &Path) -> String {
    let dir = home.join(".local/state/switchboard");
    let mut all = String::new();
    for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        all.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_four_character_password_warns_and_masks_no_phone_number() {
    let log_dir = log_dir();
    let sims = support::sims(111, |_| {}).await;
    assert_eq!(sims.callable.password, "1234", "the demo password");
    let home = temp_home("four");
    let path = write_config(&home, &sims);

    // The config says why it will not be masked, naming file, line, provider and key.
    let loaded = config::load(&path).expect("config loads");
    let warning = loaded
        .warnings
        .iter()
        .find(|w| w.contains("shorter than 8"))
        .unwrap_or_else(|| panic!("no short-secret warning: {:?}", loaded.warnings));
    assert!(
        warning.starts_with(&format!("{} line 6: ", path.display())),
        "{warning}"
    );
    assert!(
        warning.contains("provider \"callable-noc\", key `password`"),
        "{warning}"
    );
    assert!(
        !warning.contains("1234"),
        "the value is not repeated: {warning}"
    );

    let mut flow = Flow::start("redact4", &loaded.config, false, (160, 40), WAIT, |s| {
        s.tables.accounts.rows.len() > 2
    })
    .await;
    place_call(&mut flow, NUMBER, "order 41234 is ready", NUMBER).await;

    // The audit records exactly what was sent.
    let audit = read_recent(&flow.dir, 10);
    let call = audit
        .iter()
        .find(|e| e.command == "call")
        .unwrap_or_else(|| panic!("call audited: {audit:?}"));
    assert_eq!(call.outcome, AuditOutcome::Ok, "{call:?}");
    let body = call.body.clone().unwrap_or_default();
    assert!(body.contains(&format!("\"{NUMBER}\"")), "{body}");
    assert!(body.contains("order 41234 is ready"), "{body}");
    assert!(!body.contains("****"), "{body}");
    let raw = std::fs::read_to_string(flow.dir.join("audit.jsonl")).unwrap();
    assert!(!raw.contains("****"), "{raw}");

    // The message line shows a number as it is.
    flow.console.apply(Action::Notice {
        level: Level::Info,
        text: format!("call to {NUMBER} from +441234567890 placed"),
    });
    assert_eq!(
        flow.message(),
        format!("call to {NUMBER} from +441234567890 placed")
    );

    // So does the log.
    let log = log_until("order 41234 is ready").await;
    let line = log
        .lines()
        .find(|l| l.contains("order 41234 is ready"))
        .unwrap_or_else(|| panic!("the change body logged in {}:\n{log}", log_dir.display()));
    assert!(line.contains(&format!("\"{NUMBER}\"")), "{line}");
    assert!(!line.contains("****"), "{line}");

    // And `snapshot --json`: the call's `to`, the account's numbers.
    let (stdout, _) = snapshot_json(&home, &path).await;
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let p = &doc["providers"][0];
    assert!(
        p["live_calls"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["to"] == NUMBER)),
        "{p}"
    );
    assert!(
        p["numbers"]
            .as_array()
            .is_some_and(|n| n.iter().any(|n| n["number"]
                .as_str()
                .is_some_and(|s| s.ends_with("441234567890")))),
        "{p}"
    );
    assert!(!stdout.contains("****"), "{stdout}");
    let _ = std::fs::remove_dir_all(&home);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_eight_digit_password_is_masked_only_where_it_stands_whole() {
    const PASSWORD: &str = "20712345";
    let _ = log_dir();
    let sims = support::sims(112, |o| o.callable.password = PASSWORD.into()).await;
    let home = temp_home("eight");
    let path = write_config(&home, &sims);
    let loaded = config::load(&path).expect("config loads");
    assert!(
        loaded.warnings.iter().all(|w| !w.contains("shorter than")),
        "{:?}",
        loaded.warnings
    );

    let mut flow = Flow::start("redact8", &loaded.config, false, (160, 40), WAIT, |s| {
        s.tables.accounts.rows.len() > 2
    })
    .await;
    // A number containing the password's digits, and a text speaking the password.
    place_call(&mut flow, NUMBER, &format!("pin {PASSWORD} please"), NUMBER).await;
    // An extension equal to the password: the provider echoes it in the call's `to`.
    place_call(&mut flow, PASSWORD, "", &format!("ext {PASSWORD}")).await;

    let audit = read_recent(&flow.dir, 10);
    let calls: Vec<_> = audit.iter().filter(|e| e.command == "call").collect();
    assert_eq!(calls.len(), 2, "{audit:?}");
    let first = calls[0].body.clone().unwrap_or_default();
    assert!(first.contains(&format!("\"{NUMBER}\"")), "{first}");
    assert!(first.contains("pin **** please"), "{first}");
    let raw = std::fs::read_to_string(flow.dir.join("audit.jsonl")).unwrap();
    assert!(raw.contains(NUMBER), "{raw}");
    assert!(
        !raw.replace(NUMBER, "").contains(PASSWORD),
        "password in the audit file: {raw}"
    );

    flow.console.apply(Action::Notice {
        level: Level::Error,
        text: format!("callable-noc: 401 password {PASSWORD} rejected for {NUMBER}"),
    });
    assert_eq!(
        flow.message(),
        format!("callable-noc: 401 password **** rejected for {NUMBER}")
    );

    let log = log_until("pin **** please").await;
    let line = log
        .lines()
        .find(|l| l.contains("pin **** please"))
        .unwrap_or_else(|| panic!("the change body logged:\n{log}"));
    assert!(line.contains(NUMBER), "{line}");
    assert!(
        !log.replace(NUMBER, "").contains(PASSWORD),
        "password in the log:\n{log}"
    );

    let (stdout, _) = snapshot_json(&home, &path).await;
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let calls = doc["providers"][0]["live_calls"].clone();
    let tos: Vec<&str> = calls
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["to"].as_str()).collect())
        .unwrap_or_default();
    assert!(tos.contains(&NUMBER), "{tos:?}");
    assert!(
        tos.contains(&"ext ****"),
        "the echoed password masked: {tos:?}"
    );
    assert!(
        !stdout.replace(NUMBER, "").contains(PASSWORD),
        "password in the snapshot: {stdout}"
    );
    assert!(
        !snapshot_log(&home).contains(PASSWORD),
        "password in the snapshot's log"
    );
    let _ = std::fs::remove_dir_all(&home);
}
