//! End to end in tmux at 80x24: a locale that is not UTF-8 draws every symbol as its
//! ASCII twin (the demo under `LANG=C`), and an alert's OSC 9 notification reaches tmux
//! wrapped for its passthrough.

use crate::support;

use std::time::Duration;

use support::tmux::{Tmux, bin};

#[test]
fn a_non_utf8_locale_draws_ascii_symbols_and_borders() {
    let t = Tmux::shell("ascii");
    t.send(&[&format!("LANG=C {} --demo", bin()), "Enter"]);
    let screen = t.wait_for("ASCII live calls", Duration::from_secs(20), |s| {
        s.contains("* in call") || s.contains("~ ringing")
    });
    let console: Vec<&str> = screen
        .lines()
        .skip_while(|l| !l.contains("Live calls"))
        .collect();
    assert!(
        console.iter().all(|l| l.is_ascii()),
        "non-ASCII on screen:\n{screen}"
    );
    assert!(screen.contains("+ Live calls"), "{screen}");
    t.send(&["q"]);
    t.wait_for("the shell back", Duration::from_secs(10), |s| {
        !s.contains("Live calls") && s.contains('$')
    });
}

/// The alert's OSC 9 notification leaves in the console's output, wrapped for tmux's
/// passthrough (`$TMUX` set). A capture of the pane cannot show it (tmux forwards it to
/// the outer terminal or drops it), so the pane's raw output is piped to a file
/// (`pipe-pane -o`) with `allow-passthrough on`, and the bytes are looked for there.
#[test]
fn an_alert_notification_reaches_tmux_wrapped_for_passthrough() {
    let t = Tmux::shell("osc9");
    let cfg = t.home.join("sb.toml");
    std::fs::write(
        &cfg,
        "[alerts]\nnotify = \"osc9\"\nflash = true\n\n[[provider]]\nname = \"east\"\nkind = \"cloudonix\"\nbase_url = \"http://127.0.0.1:9\"\napi_key = \"XI-not-a-real-key-0000\"\ntimeout_seconds = 1\n",
    )
    .expect("config written");
    let out = t.home.join("pane.bytes");
    let tmux = |args: &[&str]| {
        let ok = std::process::Command::new("tmux")
            .args(args)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "tmux {args:?}");
    };
    tmux(&["set-option", "-t", &t.name, "allow-passthrough", "on"]);
    tmux(&[
        "pipe-pane",
        "-t",
        &t.name,
        "-o",
        &format!("cat >> {}", out.display()),
    ]);
    t.send(&[
        &format!(
            "chmod 600 {c}; TMUX=/tmp/tmux-sb,1,0 {b} --config {c}",
            c = cfg.display(),
            b = bin()
        ),
        "Enter",
    ]);
    t.wait_for("the alert banner", Duration::from_secs(20), |s| {
        s.contains("ALERT") && s.contains("east: degraded")
    });
    let want = b"\x1bPtmux;\x1b\x1b]9;east: degraded";
    let start = std::time::Instant::now();
    loop {
        let bytes = std::fs::read(&out).unwrap_or_default();
        if bytes.windows(want.len()).any(|w| w == want) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "no wrapped OSC 9 in the pane's output: {:?}",
            String::from_utf8_lossy(&bytes)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    t.send(&["q"]);
    t.wait_for("the shell back", Duration::from_secs(10), |s| {
        !s.contains("ALERT") && s.contains('$')
    });
}
