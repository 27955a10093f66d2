//! End to end in a real terminal (tmux, 120x40): a console whose ProVoice poller is busy
//! on a 200,000-customer tree still ends within 2 s, on `q` (exit 0) and on SIGTERM /
//! SIGHUP (exit 128 + n). Times are measured from the keypress or the signal to the
//! moment the shell around the console has seen it exit.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::tmux::{Tmux, bin};
use switchboard::sim::{ProvoiceOptions, RunningSims};

/// Customers of the big tree.
const CUSTOMERS: usize = 200_000;
/// The spec's bound on quitting.
const QUIT_BOUND: Duration = Duration::from_secs(2);

struct Busy {
    _rt: tokio::runtime::Runtime,
    sims: RunningSims,
    tmux: Tmux,
    dir: PathBuf,
}

impl Busy {
    fn exit_file(&self) -> PathBuf {
        self.dir.join("exit-code")
    }

    fn config(&self) -> PathBuf {
        self.dir.join("config.toml")
    }

    /// The console's exit code once the shell around it has written it.
    fn exit_code(&self) -> Option<String> {
        std::fs::read_to_string(self.exit_file())
            .ok()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    }

    /// Waits (at most `limit`) for the console to exit; returns its code and how long
    /// that took from `from`.
    fn wait_exit(&self, from: Instant, limit: Duration) -> (Option<String>, Duration) {
        loop {
            if let Some(code) = self.exit_code() {
                return (Some(code), from.elapsed());
            }
            if from.elapsed() > limit {
                return (None, from.elapsed());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The console's process id (the process running our binary with our config).
    fn console_pid(&self) -> Option<u32> {
        let config = self.config().display().to_string();
        std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
            let is_console =
                args.first() == Some(&bin().as_bytes()) && args.contains(&config.as_bytes());
            is_console.then_some(pid)
        })
    }
}

/// CPU time (clock ticks) the console's threads other than its main (UI) thread have
/// used: the async workers and the blocking pool, where the pollers' work runs.
fn background_cpu_ticks(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .flatten()
        .filter(|t| t.file_name().to_str() != Some(&pid.to_string()))
        .filter_map(|t| std::fs::read_to_string(t.path().join("stat")).ok())
        .filter_map(|stat| {
            // Fields after the command name: state is field 3, utime 14, stime 15.
            let rest = stat.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .sum()
}

impl Drop for Busy {
    fn drop(&mut self) {
        // Never leave a console behind, whatever the test's outcome.
        if let Some(pid) = self.console_pid() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// The ProVoice simulator with a 200,000-customer tree, and a console on it in tmux
/// (`max_rows` raised from its 50,000 default so the whole list is taken),
/// returned once the simulator has answered `getCustomers` and the console's background
/// threads have spent half a second of CPU since: its poller is then busy on the tree.
fn busy_console(tag: &str) -> Busy {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sims = rt.block_on(support::sims(11, |o| {
        o.provoice = ProvoiceOptions {
            extra_customers: CUSTOMERS,
            ..ProvoiceOptions::default()
        }
    }));
    let dir = std::env::temp_dir().join(format!("sb-quit-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let p = &sims.provoice;
    write_private(
        &dir.join("config.toml"),
        &format!(
            "[[provider]]\nname = \"pv\"\nkind = \"provoice\"\nbase_url = \"{}\"\napi_key = \"{}\"\nmax_rows = 250000\n",
            p.base_url, p.api_key
        ),
    );
    let exit = dir.join("exit-code");
    let tmux = Tmux::start_sized(
        tag,
        &format!(
            "sh -c \"{} --config {}; echo \\$? > {}; exec sleep 600\"",
            bin(),
            dir.join("config.toml").display(),
            exit.display()
        ),
        120,
        40,
    );
    let busy = Busy {
        _rt: rt,
        sims,
        tmux,
        dir,
    };
    busy.tmux
        .wait_for("the console", Duration::from_secs(30), |s| {
            s.contains("Live calls")
        });
    let start = Instant::now();
    while !busy
        .sims
        .provoice
        .requests()
        .iter()
        .any(|r| r.path == "/api/getCustomers" && r.status == 200)
    {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the simulator never answered getCustomers"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = busy.console_pid().expect("the console's process");
    let before = background_cpu_ticks(pid);
    while background_cpu_ticks(pid) < before + 50 {
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "the console never got busy on the tree"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(busy.exit_code().is_none(), "the console ended by itself");
    busy
}

#[test]
fn q_ends_a_console_busy_on_a_huge_provoice_tree_within_2_s() {
    let busy = busy_console("q");
    let pressed = Instant::now();
    busy.tmux.send(&["q"]);
    let (code, took) = busy.wait_exit(pressed, Duration::from_secs(30));
    eprintln!("q → process exit: {took:?} (code {code:?})");
    assert_eq!(
        code.as_deref(),
        Some("0"),
        "the console did not exit within {took:?} of `q`; screen:\n{}",
        busy.tmux.capture()
    );
    assert!(took < QUIT_BOUND, "quitting took {took:?}");
    // The terminal is back: the console's screen is gone.
    let screen = busy.tmux.capture();
    assert!(!screen.contains("Live calls"), "{screen}");
}

fn signal_ends_busy_console(signal: &str, expected: &str) {
    let busy = busy_console(&signal.to_lowercase());
    let pid = busy.console_pid().expect("the console's process");
    let sent = Instant::now();
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let (code, took) = busy.wait_exit(sent, Duration::from_secs(30));
    eprintln!("SIG{signal} → process exit: {took:?} (code {code:?})");
    assert_eq!(
        code.as_deref(),
        Some(expected),
        "SIG{signal}: no exit {expected} within {took:?}"
    );
    assert!(took < QUIT_BOUND, "SIG{signal}: exiting took {took:?}");
    let screen = busy.tmux.capture();
    assert!(!screen.contains("Live calls"), "{screen}");
}

#[test]
fn sigterm_ends_a_busy_console_with_143_within_2_s() {
    signal_ends_busy_console("TERM", "143");
}

#[test]
fn sighup_ends_a_busy_console_with_129_within_2_s() {
    signal_ends_busy_console("HUP", "129");
}
