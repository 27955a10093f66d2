//! End to end: a locale that is not UTF-8 draws every symbol as its ASCII twin (tmux at
//! 80x24, the demo under `LANG=C`).

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
