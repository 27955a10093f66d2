//! End to end in a real terminal: tmux runs `switchboard --demo` at 80x24.

use crate::support;

use std::process::Command;
use std::time::{Duration, Instant};

use support::tmux::{Tmux, bin};

/// A row of the live-calls table: a state symbol followed by its label.
fn has_live_call(screen: &str) -> bool {
    screen.contains("● in call") || screen.contains("◔ ringing") || screen.contains("… setup")
}

#[test]
fn demo_shows_live_calls_moves_between_panes_and_quits_cleanly() {
    let t = Tmux::shell("quit");
    t.send(&[&format!("{} --demo", bin()), "Enter"]);
    let screen = t.wait_for("live calls", Duration::from_secs(20), has_live_call);
    assert!(screen.contains("Live calls"), "{screen}");

    t.send(&["4"]);
    let screen = t.wait_for("trunks pane", Duration::from_secs(10), |s| {
        s.contains("udp") || s.contains("tls") || s.contains("tcp")
    });
    assert!(screen.contains("Trunks"), "{screen}");

    t.send(&["1"]);
    t.wait_for("accounts tree", Duration::from_secs(10), |s| {
        s.contains("cloudonix.net")
    });

    t.send(&["?"]);
    t.wait_for("help overlay", Duration::from_secs(5), |s| {
        s.contains("Help: keys")
    });
    // The help scrolls at 80x24: `r` is below the first page.
    t.send(&["j", "j", "j"]);
    t.wait_for("help scrolled", Duration::from_secs(5), |s| {
        s.contains("Refresh now")
    });
    t.send(&["Escape"]);
    t.wait_for("help closed", Duration::from_secs(5), |s| {
        !s.contains("Refresh now")
    });

    t.send(&["q"]);
    t.wait_for("the shell back", Duration::from_secs(10), |s| {
        !s.contains("Live calls") && s.contains('$')
    });
    t.assert_terminal_usable();
}

#[test]
fn sighup_exits_cleanly_and_restores_the_terminal() {
    let t = Tmux::shell("hup");
    t.send(&[&format!("{} --demo; echo EXIT=$?", bin()), "Enter"]);
    t.wait_for("live calls", Duration::from_secs(20), has_live_call);
    // The console is the shell's child.
    let shell = t.pane_pid();
    let children =
        std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).unwrap_or_default();
    let child = children
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(!child.is_empty(), "console process found");
    let status = Command::new("kill")
        .args(["-HUP", &child])
        .status()
        .unwrap();
    assert!(status.success());
    let screen = t.wait_for("exit status", Duration::from_secs(10), |s| {
        s.lines().any(|l| l.starts_with("EXIT="))
    });
    // 128 + SIGHUP (1): scripts and systemd can tell an interrupted run.
    assert!(screen.contains("EXIT=129"), "{screen}");
    assert!(
        !screen.contains("Live calls"),
        "alternate screen left:\n{screen}"
    );
    t.assert_terminal_usable();
}

/// `switchboard sim --write-config` in the background, then the console against that file:
/// a group-readable file with a literal key is warned about on screen, and `NO_COLOR`
/// leaves no colour on screen while states still read by symbol.
#[test]
fn console_against_sim_subcommand_warns_about_a_readable_secret_and_honours_no_color() {
    let t = Tmux::shell("sim");
    let cfg = t.home.join("sb.toml");
    t.send(&[
        &format!(
            "{} sim --seed 5 --write-config {} > /dev/null &",
            bin(),
            cfg.display()
        ),
        "Enter",
    ]);
    let start = Instant::now();
    while !cfg.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "sim wrote no config"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(200));
    t.send(&["clear", "Enter"]);
    t.send(&[
        &format!(
            "chmod 644 {c}; NO_COLOR=1 {b} --config {c}",
            c = cfg.display(),
            b = bin()
        ),
        "Enter",
    ]);
    t.wait_for("the warning", Duration::from_secs(8), |s| {
        s.contains("chmod 600")
    });
    let screen = t.wait_for("live calls", Duration::from_secs(20), has_live_call);
    // The status bar names the sim's providers (shortened to fit five at 80 columns).
    assert!(screen.contains("● cloudonix"), "{screen}");
    let styled = t.capture_styled();
    let colour = regex_free_colour_scan(&styled);
    assert!(
        colour.is_none(),
        "colour escape {colour:?} under NO_COLOR:\n{styled}"
    );
    t.send(&["q"]);
    t.wait_for("the shell back", Duration::from_secs(10), |s| {
        !s.contains("Live calls")
    });
}

/// Finds an SGR sequence that sets a foreground or background colour.
fn regex_free_colour_scan(text: &str) -> Option<String> {
    for seq in text.split("\x1b[").skip(1) {
        let Some(end) = seq.find('m') else { continue };
        let params = &seq[..end];
        if params.chars().any(|c| !c.is_ascii_digit() && c != ';') {
            continue;
        }
        for p in params.split(';') {
            if let Ok(n) = p.parse::<u32>()
                && matches!(n, 30..=38 | 40..=48 | 90..=97 | 100..=107)
            {
                return Some(params.to_string());
            }
        }
    }
    None
}

/// Issue "operator actions" in a real terminal: the palette edits a trunk's port, the
/// pane shows it; the delete key alone deletes nothing; `y` copies over OSC 52.
#[test]
fn palette_edits_a_trunk_and_delete_needs_the_typed_name() {
    let t = Tmux::shell("ops");
    let _ = Command::new("tmux")
        .args(["set-option", "-t", &t.name, "set-clipboard", "on"])
        .status();
    t.send(&[&format!("{} --demo", bin()), "Enter"]);
    t.wait_for("live calls", Duration::from_secs(20), has_live_call);
    t.send(&["4"]);
    t.wait_for("trunks", Duration::from_secs(10), |s| {
        s.contains("carrier-a-backup")
    });
    t.send(&["/", "carrier-a-backup", "Enter"]);
    t.wait_for("the filtered trunk", Duration::from_secs(5), |s| {
        s.contains("/ carrier-a-backup") || s.contains("1/8")
    });
    t.send(&[":"]);
    t.send(&["-l", "edit trunk"]);
    t.send(&["Enter"]);
    t.wait_for("the trunk form", Duration::from_secs(5), |s| {
        s.contains("Edit trunk carrier-a-backup")
    });
    t.send(&[
        "Tab", "BSpace", "BSpace", "BSpace", "BSpace", "BSpace", "BSpace",
    ]);
    t.send(&["-l", "5099"]);
    t.send(&["Enter"]);
    t.wait_for("the review", Duration::from_secs(5), |s| {
        s.contains("→ 5099") && s.contains("PUT /customers/")
    });
    t.send(&["Tab", "Enter"]);
    let screen = t.wait_for("confirmation or result", Duration::from_secs(10), |s| {
        s.contains("to confirm") || s.contains("updated")
    });
    if screen.contains("to confirm") {
        t.send(&["-l", "carrier-a-backup"]);
        t.send(&["Tab", "Enter"]);
    }
    t.wait_for("the new port in the pane", Duration::from_secs(20), |s| {
        !s.contains("Edit trunk")
            && s.lines()
                .any(|l| l.contains("carrier-a-backup") && l.contains("5099"))
    });

    // Delete: `d` opens a confirmation with Cancel focused; Enter alone deletes nothing.
    t.send(&["d"]);
    t.wait_for("the delete confirmation", Duration::from_secs(5), |s| {
        s.contains("Delete trunk carrier-a-backup")
    });
    t.send(&["Enter"]);
    // One key at a time: ESC followed at once by a key reads as Alt+key.
    for _ in 0..2 {
        std::thread::sleep(Duration::from_millis(300));
        t.send(&["Escape"]);
    }
    std::thread::sleep(Duration::from_secs(2));
    let screen = t.wait_for("the trunk still there", Duration::from_secs(5), |s| {
        !s.contains("Delete trunk") && s.contains("carrier-a-backup")
    });
    assert!(!screen.contains("deleted"), "{screen}");

    // `y` on a number copies it through OSC 52 into tmux's paste buffer.
    t.send(&["5"]);
    t.wait_for("numbers", Duration::from_secs(10), |s| {
        s.contains("+1415555")
    });
    t.send(&["g", "y"]);
    t.wait_for("the copy message", Duration::from_secs(5), |s| {
        s.contains("copied +")
    });
    let out = Command::new("tmux").args(["show-buffer"]).output().unwrap();
    let buffer = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(buffer.starts_with("+1"), "tmux buffer: {buffer:?}");
    t.send(&["q"]);
    t.wait_for("the shell back", Duration::from_secs(10), |s| {
        !s.contains("Live calls")
    });
}
