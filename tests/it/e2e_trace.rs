//! End to end in a real terminal: `switchboard --demo`, the Numbers pane, `T` on an IOVOX
//! VoxNumber opens its trace (owner, route with the link's rules, history); Esc closes it.

use crate::support;

use std::time::Duration;

use support::tmux::{Tmux, bin};

const NUMBER: &str = "+442071234501";

#[test]
fn t_on_the_numbers_pane_opens_the_numbers_trace() {
    let t = Tmux::start_sized("trace", "bash --norc --noprofile", 120, 40);
    t.wait_for("a shell prompt", Duration::from_secs(10), |s| {
        s.contains('$')
    });
    t.send(&[&format!("{} --demo", bin()), "Enter"]);
    t.wait_for("the console", Duration::from_secs(20), |s| {
        s.contains("? help")
    });
    t.send(&["5"]);
    std::thread::sleep(Duration::from_millis(300));
    t.send(&["/"]);
    t.send(&["-l", "2071234501"]);
    t.send(&["Enter"]);
    t.wait_for("the number's row", Duration::from_secs(30), |s| {
        s.lines()
            .any(|l| l.contains(NUMBER) && l.contains("Sales line"))
    });
    t.send(&["T"]);
    let screen = t.wait_for("the trace", Duration::from_secs(10), |s| {
        s.contains(&format!("Trace {NUMBER}")) && s.contains("rules: Ring sales team")
    });
    assert!(
        screen.contains("iovox-demo (iovox) / Sales line"),
        "{screen}"
    );
    assert!(screen.contains("→ link Sales line (PHONE)"), "{screen}");
    assert!(screen.contains("trunks: iovox-demo lists none"), "{screen}");
    assert!(screen.contains("Live calls on it now:"), "{screen}");
    assert!(screen.contains("Last calls"), "{screen}");
    std::thread::sleep(Duration::from_millis(300));
    t.send(&["Escape"]);
    t.wait_for("the trace closed", Duration::from_secs(10), |s| {
        !s.contains("Trace +44")
    });
    t.send(&["q"]);
    t.wait_for("the shell again", Duration::from_secs(10), |s| {
        s.lines().last().is_some_and(|l| l.starts_with('$')) || s.trim_end().ends_with('$')
    });
}
