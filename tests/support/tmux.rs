//! A real terminal for end-to-end tests: a detached tmux session at 80x24.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    pub name: String,
    pub home: PathBuf,
}

impl Tmux {
    /// A detached 80x24 session running a clean shell with its own HOME.
    pub fn start(tag: &str, shell_cmd: &str) -> Tmux {
        Tmux::start_sized(tag, shell_cmd, 80, 24)
    }

    /// A detached session of `width` x `height` running `shell_cmd` with its own HOME.
    pub fn start_sized(tag: &str, shell_cmd: &str, width: u16, height: u16) -> Tmux {
        // Unique in the process: every module of the test binary shares the pid.
        let name = format!("sb-e2e-{tag}-{}-{}", std::process::id(), super::unique());
        let home = std::env::temp_dir().join(&name);
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(&home).unwrap();
        let status = Command::new("tmux")
            .args(["new-session", "-d", "-s", &name])
            .args(["-x", &width.to_string(), "-y", &height.to_string()])
            .arg(format!(
                "env -i PATH=/usr/bin:/bin HOME={h} TERM=xterm-256color LANG=C.UTF-8 PS1='$ ' {shell_cmd}",
                h = home.display()
            ))
            .status()
            .expect("tmux runs");
        assert!(status.success());
        Tmux { name, home }
    }

    /// A clean bash at its prompt.
    pub fn shell(tag: &str) -> Tmux {
        let t = Tmux::start(tag, "bash --norc --noprofile");
        t.wait_for("a shell prompt", Duration::from_secs(10), |s| {
            s.contains('$')
        });
        t
    }

    /// The terminal is usable after the console left: canonical mode and echo are back.
    pub fn assert_terminal_usable(&self) {
        self.send(&[
            "stty -a | tr ' ' '\\n' | grep -xE -- '-?(icanon|echo)' | tr '\\n' ,; echo END",
            "Enter",
        ]);
        let screen = self.wait_for("stty output", Duration::from_secs(10), |s| {
            s.contains(",END")
        });
        assert!(
            screen.contains("icanon,echo,END"),
            "terminal left in raw mode:\n{screen}"
        );
    }

    pub fn send(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["send-keys", "-t", &self.name])
            .args(keys)
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// The screen with its escape sequences (colours, attributes).
    pub fn capture_styled(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-e", "-t", &self.name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn capture(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen satisfies `pred`; panics with the last screen otherwise.
    pub fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            if start.elapsed() > timeout {
                panic!("timed out waiting for {what}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    pub fn pane_pid(&self) -> u32 {
        let out = Command::new("tmux")
            .args(["display-message", "-p", "-t", &self.name, "#{pane_pid}"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .status();
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

/// The binary under test: `$SWITCHBOARD_E2E_BIN` when set (a copy taken right after the
/// build, safe from other checkouts sharing the target directory), else cargo's.
pub fn bin() -> &'static str {
    static BIN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        std::env::var("SWITCHBOARD_E2E_BIN")
            .ok()
            .filter(|b| !b.is_empty())
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_switchboard").to_owned())
    })
}
