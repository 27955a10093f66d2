//! `switchboard snapshot` as a script would run it: the real binary against the
//! simulator over HTTP, with a private HOME so logs land in a temp state dir.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Output;

fn temp_home(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sb-snap-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_config(home: &Path, body: &str) -> PathBuf {
    let path = home.join("config.toml");
    std::fs::write(&path, body).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

async fn run(home: &Path, args: &[&str]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"));
    cmd.args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home)
        .env("SWITCHBOARD_LOG", "trace");
    cmd.output().await.expect("binary runs")
}

fn logs(home: &Path) -> String {
    let dir = home.join(".local/state/switchboard");
    let mut all = String::new();
    for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        all.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_json_lists_every_resource_and_keeps_the_key_out_of_the_log() {
    let sims = support::sims(21, |_| {}).await;
    let cx = &sims.cloudonix;
    let home = temp_home("ok");
    let config = write_config(&home, &sims.config_toml());
    let out = run(
        &home,
        &["snapshot", "--json", "--config", config.to_str().unwrap()],
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let p = &doc["providers"][0];
    assert_eq!(p["kind"], "cloudonix");
    assert_eq!(p["status"], "ok");
    assert!(p["error"].is_null());
    for key in [
        "accounts",
        "live_calls",
        "call_history",
        "trunks",
        "numbers",
        "queues",
    ] {
        assert!(
            p[key].as_array().is_some_and(|a| !a.is_empty()),
            "{key} empty: {p}"
        );
    }
    let domains: Vec<&serde_json::Value> = p["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "domain")
        .collect();
    assert!(!domains.is_empty());
    assert!(
        domains
            .iter()
            .all(|d| d["extra"]["subscribers"].is_string()),
        "{domains:?}"
    );
    let call = &p["live_calls"][0];
    assert!(
        call["from"].is_string() && call["state"].is_string() && call["extra"].is_object(),
        "{call}"
    );
    assert!(!stdout.contains(&cx.customer_key), "key printed");

    let log = logs(&home);
    assert!(!log.is_empty(), "trace log written");
    assert!(!log.contains(&cx.customer_key), "API key in the log");
    assert!(
        !log.to_lowercase().contains("bearer xi"),
        "Authorization header in the log"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_tables_and_exit_1_when_a_provider_fails() {
    let sims = support::sims(22, |_| {}).await;
    let cx = &sims.cloudonix;
    let home = temp_home("fail");
    let body = format!(
        "[[provider]]\nname = \"good\"\nkind = \"cloudonix\"\nbase_url = \"{u}\"\napi_key = \"{k}\"\n\n\
         [[provider]]\nname = \"bad\"\nkind = \"cloudonix\"\nbase_url = \"{u}\"\napi_key = \"XI00000000000000000000000000000000\"\n",
        u = cx.base_url,
        k = cx.customer_key
    );
    let config = write_config(&home, &body);
    let out = run(&home, &["snapshot", "--config", config.to_str().unwrap()]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("good (cloudonix): ok"), "{stdout}");
    assert!(stdout.contains("bad (cloudonix): failed"), "{stdout}");
    assert!(stdout.contains("401"), "{stdout}");
    assert!(stdout.contains("trunks ("), "{stdout}");
    assert!(
        !stdout.contains("XI00000000000000000000000000000000"),
        "{stdout}"
    );
}

#[tokio::test]
async fn bad_config_names_file_line_and_key_and_exits_2() {
    let home = temp_home("bad");
    let config = write_config(&home, "[[provider]]\nname = \"x\"\nkind = \"twilio\"\n");
    let out = run(&home, &["snapshot", "--config", config.to_str().unwrap()]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("config.toml") && stderr.contains("line 3") && stderr.contains("kind"),
        "{stderr}"
    );
}
