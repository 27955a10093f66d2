//! End to end in a real terminal: `switchboard --demo` shows the VoIPcloud simulator's
//! queue and ring-group statistics, and `w` switches their window.

use crate::support;

use std::time::Duration;

use support::tmux::{Tmux, bin};

#[test]
fn demo_shows_queue_statistics_and_switches_the_window() {
    let t = Tmux::shell("vcstats");
    t.send(&[&format!("{} --demo", bin()), "Enter"]);
    t.wait_for("the console", Duration::from_secs(20), |s| {
        s.contains("Live calls")
    });
    t.send(&["6"]);
    let screen = t.wait_for("queue statistics", Duration::from_secs(20), |s| {
        s.contains("reception") && s.contains("support") && s.contains("sales")
    });
    assert!(screen.contains("Aband%"), "{screen}");
    assert!(screen.contains("ring group"), "{screen}");
    // Every VoIPcloud row has an abandon rate.
    for name in ["reception", "support", "sales"] {
        let line = screen
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_default();
        assert!(line.contains('%'), "{name}: {line}");
    }
    t.send(&["w"]);
    t.wait_for("the 15-minute window", Duration::from_secs(10), |s| {
        s.contains("queue statistics: 15 min")
    });
    t.send(&["q"]);
    t.wait_for("the shell back", Duration::from_secs(10), |s| {
        !s.contains("Queues") && s.contains('$')
    });
    t.assert_terminal_usable();
}
