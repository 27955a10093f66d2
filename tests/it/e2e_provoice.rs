//! End to end in a real terminal: tmux runs `switchboard --demo` at 80x24 and the operator
//! walks ProVoice's customer tree: scope to the provider, fold a reseller, unfold it, and
//! see the history pane fill from asynchronous call records.

use crate::support;

use std::time::Duration;

use support::tmux::{Tmux, bin};

/// A screen line naming `name` (not the command line typed at the palette).
fn row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    screen
        .lines()
        .find(|l| l.contains(name) && !l.contains(':'))
}

#[test]
fn demo_provoice_tree_folds_and_unfolds() {
    let t = Tmux::shell("provoice");
    t.send(&[&format!("{} --demo", bin()), "Enter"]);
    t.wait_for("the console", Duration::from_secs(20), |s| {
        s.contains("Live calls")
    });
    t.send(&["1"]);
    // Only ProVoice's rows (the demo runs all five providers).
    t.send(&[":"]);
    std::thread::sleep(Duration::from_millis(200));
    t.send(&["scope provoice-demo", "Enter"]);
    t.wait_for(
        "the ProVoice tree with users",
        Duration::from_secs(20),
        |s| s.contains("Reseller Noord") && s.contains("anna2"),
    );
    let screen = t.wait_for("scoped to ProVoice", Duration::from_secs(10), |s| {
        s.lines()
            .next()
            .is_some_and(|l| l.contains("scope provoice-demo"))
            && !s.contains("enter run")
            && s.contains("Reseller Zuid")
            && !s.contains("cloudonix.net")
    });
    // Counts beside the name.
    let noord = row(&screen, "Reseller Noord")
        .unwrap_or_default()
        .to_string();
    assert!(noord.contains("2 sub · 3 users"), "{screen}");

    // Select Reseller Noord (the provider row, then Wholesale, then Noord); its details
    // carry the tariffplan and forwards (they arrive with the details job).
    t.send(&["g"]);
    t.send(&["j"]);
    t.send(&["j"]);
    t.send(&["Enter"]);
    t.wait_for("Noord's details", Duration::from_secs(30), |s| {
        s.contains("Zakelijk (EUR)") && s.contains("busy → +3161234")
    });
    t.send(&["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    t.wait_for("details closed", Duration::from_secs(5), |s| {
        !s.contains("busy → +3161234")
    });

    // Fold it.
    t.send(&["Space"]);
    let screen = t.wait_for("Noord folded", Duration::from_secs(10), |s| {
        !s.contains("Bakkerij de Vries")
            && row(s, "Reseller Noord").is_some_and(|l| l.contains('▸'))
    });
    assert!(screen.contains("Reseller Zuid"), "{screen}");
    assert!(screen.contains("Garage Peters"), "{screen}");

    // Unfold it again.
    t.send(&["Space"]);
    t.wait_for("Noord unfolded", Duration::from_secs(10), |s| {
        s.contains("Bakkerij de Vries") && s.contains("Tandarts Jansen")
    });

    // Fold the whole wholesale customer: nothing under it is left.
    t.send(&["k"]);
    t.send(&["Space"]);
    t.wait_for("Wholesale folded", Duration::from_secs(10), |s| {
        !s.contains("Reseller Noord")
            && !s.contains("Reseller Zuid")
            && row(s, "ProVoice Wholesale").is_some_and(|l| l.contains('▸'))
    });
    t.send(&["Space"]);
    t.wait_for("Wholesale unfolded", Duration::from_secs(10), |s| {
        s.contains("Reseller Noord")
    });

    // History: records come back through the callback consumer.
    t.send(&["3"]);
    t.wait_for("call records", Duration::from_secs(30), |s| {
        s.contains("+316") && (s.contains('✓') || s.contains("completed"))
    });

    t.send(&["q"]);
    t.wait_for("the shell back", Duration::from_secs(10), |s| {
        !s.contains("Live calls") && s.contains('$')
    });
    t.assert_terminal_usable();
}
