//! End to end in a real terminal (tmux, 80x24): the simulators go away and come back on
//! the same ports; once Cloudonix answers again no pane keeps its old "connection
//! failed" (issue 11, item 5).

use crate::support;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::tmux::{Tmux, bin};

/// A `switchboard sim` process, stopped when dropped.
struct Sim(Child);

impl Sim {
    fn start(base: u16, write_config: Option<&Path>) -> Sim {
        let mut c = Command::new(bin());
        c.args(["sim", "--seed", "5", "--listen"])
            .arg(format!("127.0.0.1:{base}"));
        if let Some(cfg) = write_config {
            c.arg("--write-config").arg(cfg);
        }
        c.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let sim = Sim(c.spawn().expect("sim starts"));
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", base)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "sim not listening on {base}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        sim
    }

    /// SIGTERM, as an operator's `kill` would, then reap it.
    fn stop(mut self) {
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A base port with the four after it free too (the simulators take five).
fn free_base_port() -> u16 {
    for _ in 0..100 {
        let Ok(l) = TcpListener::bind("127.0.0.1:0") else {
            continue;
        };
        let Ok(addr) = l.local_addr() else { continue };
        drop(l);
        let base = addr.port();
        if base > 65_000 {
            continue;
        }
        if (0..5).all(|i| TcpListener::bind(("127.0.0.1", base + i)).is_ok()) {
            return base;
        }
    }
    panic!("no five free ports in a row");
}

/// A row of the live-calls table: a state symbol followed by its label.
fn has_live_call(screen: &str) -> bool {
    screen.contains("● in call") || screen.contains("◔ ringing") || screen.contains("… setup")
}

/// Cloudonix's error line on a pane or the message line (kind symbol, then the name).
fn cloudonix_error(screen: &str) -> bool {
    screen
        .lines()
        .any(|l| l.contains("↯ cloudonix-demo:") || l.contains("cloudonix-demo: calls"))
}

#[test]
fn after_the_simulator_comes_back_no_pane_keeps_its_old_error() {
    let base = free_base_port();
    let t = Tmux::shell("recover");
    let cfg = t.home.join("sb.toml");
    let sim = Sim::start(base, Some(&cfg));
    let start = Instant::now();
    while !cfg.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "sim wrote no config"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(200));
    t.send(&[
        &format!(
            "chmod 600 {c}; {b} --config {c}",
            c = cfg.display(),
            b = bin()
        ),
        "Enter",
    ]);
    t.wait_for("live calls", Duration::from_secs(20), has_live_call);

    // The providers go away: the live pane says so, with the kind's symbol and an age.
    sim.stop();
    let down = t.wait_for("cloudonix's error", Duration::from_secs(30), |s| {
        s.lines().any(|l| {
            l.contains("↯ cloudonix-demo:") && (l.contains(" ago)") || l.contains("(just now)"))
        })
    });
    assert!(down.contains("↯ cloudo"), "status bar state:\n{down}");

    // Back on the same ports: the error goes from every pane, not just the state.
    let _sim = Sim::start(base, None);
    let up = t.wait_for("cloudonix back", Duration::from_secs(60), |s| {
        s.contains("● cloudo") && !cloudonix_error(s)
    });
    assert!(has_live_call(&up), "{up}");
    std::thread::sleep(Duration::from_secs(3));
    for pane in ["1", "2", "3", "4", "5", "6"] {
        t.send(&[pane]);
        std::thread::sleep(Duration::from_millis(700));
        let screen = t.capture();
        assert!(
            !cloudonix_error(&screen),
            "pane {pane} still shows Cloudonix's old error:\n{screen}"
        );
    }
    t.send(&["q"]);
    t.wait_for("the shell back", Duration::from_secs(10), |s| {
        !s.contains("Live calls")
    });
}
