//! Signals end `switchboard sim` and `switchboard snapshot` promptly with exit code
//! 128 + n, and `sim` removes its CA file on the way out.

use crate::support;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::tmux::bin;

fn kill(child: &Child, signal: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

/// Waits up to `limit` for the child to exit; its exit code and how long that took.
fn wait_exit(child: &mut Child, limit: Duration) -> (Option<i32>, Duration) {
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return (status.code(), start.elapsed());
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return (None, start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Starts `switchboard sim` and returns it with the CA file it announced.
fn start_sim(home: &std::path::Path) -> (Child, PathBuf) {
    let mut child = Command::new(bin())
        .args(["sim", "--listen", "127.0.0.1:0"])
        .env("HOME", home)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut ca = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(path) = line.trim().strip_prefix("CA file") {
            ca = Some(PathBuf::from(path.trim()));
        }
        if line.contains("Ctrl-C to stop") {
            break;
        }
    }
    let ca = ca.expect("sim names its CA file");
    (child, ca)
}

fn sim_exits_on(signal: &str, expected: i32) {
    let home = std::env::temp_dir().join(format!("sb-sig-{signal}-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let (mut child, ca) = start_sim(&home);
    assert!(ca.exists(), "{} missing while running", ca.display());
    kill(&child, signal);
    let (code, took) = wait_exit(&mut child, Duration::from_secs(10));
    assert_eq!(code, Some(expected), "sim after SIG{signal} ({took:?})");
    assert!(took < Duration::from_secs(2), "sim took {took:?} to stop");
    assert!(
        !ca.exists(),
        "{} left behind after SIG{signal}",
        ca.display()
    );
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn sim_removes_its_ca_file_and_exits_143_on_sigterm() {
    sim_exits_on("TERM", 143);
}

#[test]
fn sim_exits_130_on_sigint_and_129_on_sighup() {
    sim_exits_on("INT", 130);
    sim_exits_on("HUP", 129);
}

#[test]
fn snapshot_waiting_on_a_silent_provider_exits_143_on_sigterm() {
    // A provider that accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    let holder = std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in silent.incoming().take(16) {
            held.push(conn);
        }
    });
    let home = std::env::temp_dir().join(format!("sb-sig-snap-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let config = home.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[provider]]\nname = \"pv\"\nkind = \"provoice\"\nbase_url = \"http://{addr}/api\"\napi_key = \"env:SB_TEST_KEY\"\ntimeout_seconds = 60\n"
        ),
    )
    .unwrap();
    let mut child = Command::new(bin())
        .args(["snapshot", "--config"])
        .arg(&config)
        .env("HOME", &home)
        .env("SB_TEST_KEY", "k")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Let it connect and wait for an answer.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        matches!(child.try_wait(), Ok(None)),
        "snapshot ended before the signal"
    );
    kill(&child, "TERM");
    let (code, took) = wait_exit(&mut child, Duration::from_secs(10));
    assert_eq!(code, Some(143), "snapshot after SIGTERM ({took:?})");
    assert!(
        took < Duration::from_secs(2),
        "snapshot took {took:?} to stop"
    );
    drop(holder);
    let _ = std::fs::remove_dir_all(&home);
}
