//! End to end in a real terminal: `switchboard --demo`, the Numbers pane, `p` on a
//! Cloudonix number opens its re-point form (the application first), the review shows
//! the one field sent, Apply; the row and the number's trace (`T`) show the new route.

use crate::support;

use std::time::Duration;

use support::tmux::{Tmux, bin};

const NUMBER: &str = "+14155550100";

#[test]
fn p_on_a_number_repoints_it_and_the_trace_shows_the_new_route() {
    let t = Tmux::start_sized("repoint", "bash --norc --noprofile", 140, 40);
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
    t.send(&["-l", "14155550100"]);
    t.send(&["Enter"]);
    t.wait_for("the number's row", Duration::from_secs(30), |s| {
        s.lines()
            .any(|l| l.contains(NUMBER) && l.contains("ivr-main"))
    });
    t.send(&["p"]);
    t.wait_for("the re-point form", Duration::from_secs(10), |s| {
        s.contains(&format!("Re-point number {NUMBER} (application)"))
            && s.contains("› Application")
    });
    t.send(&["Right"]);
    t.wait_for("the next application", Duration::from_secs(5), |s| {
        s.contains("‹ sales-queue ›")
    });
    t.send(&["Enter"]);
    // The exact request arrives a moment after the review opens ("preparing…").
    let review = t.wait_for(
        "the review with its request",
        Duration::from_secs(10),
        |s| {
            s.contains("ivr-main → sales-queue")
                && s.contains("[ Apply ]")
                && s.contains("{\"applicationId\":")
        },
    );
    assert!(review.contains("{\"applicationId\":"), "{review}");
    assert!(review.contains("› [ Cancel ]"), "Cancel first: {review}");
    t.send(&["Tab"]);
    t.send(&["Enter"]);
    t.wait_for("the row re-pointed", Duration::from_secs(20), |s| {
        s.contains(&format!("number {NUMBER} updated"))
            && s.lines()
                .any(|l| l.contains(NUMBER) && l.contains("sales-queue"))
    });
    t.send(&["T"]);
    let trace = t.wait_for("the trace", Duration::from_secs(10), |s| {
        s.contains(&format!("Trace {NUMBER}")) && s.contains("→ application sales-queue")
    });
    assert!(!trace.contains("→ application ivr-main"), "{trace}");
    std::thread::sleep(Duration::from_millis(300));
    t.send(&["Escape"]);
    t.send(&["q"]);
    t.wait_for("the shell again", Duration::from_secs(10), |s| {
        s.lines().last().is_some_and(|l| l.starts_with('$')) || s.trim_end().ends_with('$')
    });
}
