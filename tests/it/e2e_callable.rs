//! End to end in a real terminal: tmux runs `switchboard --demo` (Cloudonix and Callable
//! simulators) at 80x24; the operator scopes to Darren's Pizzas, creates a Callable SIP
//! trunk through the form (review shows the exact POST) and sees it in the trunks pane,
//! then opens the account's call flow.

use crate::support;

use std::time::Duration;

use support::tmux::{Tmux, bin};

const DARREN: &str = "5554872eb0731b38efa4d444";

#[test]
fn demo_creates_a_callable_trunk_and_draws_the_flow() {
    let t = Tmux::shell("callable");
    t.send(&[&format!("{} --demo", bin()), "Enter"]);
    // Keys typed before the console owns the terminal go through the shell's cooked
    // mode (Enter arrives as ^J, not Enter): wait for the console first.
    t.wait_for("the console", Duration::from_secs(20), |s| {
        s.contains("? help")
    });
    t.send(&["1"]);
    // The demo runs all five providers: narrow the panes to Callable's.
    std::thread::sleep(Duration::from_millis(300));
    t.send(&[":"]);
    t.send(&["-l", "scope callable-demo"]);
    t.send(&["Enter"]);
    t.wait_for("the Callable accounts", Duration::from_secs(20), |s| {
        s.contains("Darren's Pizzas")
    });

    t.send(&[":"]);
    t.send(&["-l", &format!("scope callable-demo/{DARREN}")]);
    t.send(&["Enter"]);
    t.send(&["4"]);
    t.wait_for("Darren's trunk", Duration::from_secs(20), |s| {
        s.contains("1.1.1.1") && !s.contains("carrier-a")
    });

    t.send(&["n"]);
    t.wait_for("the trunk form", Duration::from_secs(5), |s| {
        s.contains("New Callable trunk")
    });
    t.send(&["-l", "10.20.30.40"]);
    t.send(&["Enter"]);
    t.wait_for("the review", Duration::from_secs(5), |s| {
        s.contains(&format!("POST /api/v1/account/{DARREN}/trunk"))
    });
    t.send(&["Tab", "Enter"]);
    t.wait_for("the new trunk in the pane", Duration::from_secs(20), |s| {
        !s.contains("New Callable trunk")
            && s.lines()
                .any(|l| l.contains("10.20.30.40") && l.contains("5060"))
    });

    // The call flow of the account: the document's Primary GW flow. It comes with the
    // account's details, which may still be loading: ask again until it is drawn.
    t.send(&["1"]);
    t.send(&["/", "Darren", "Enter"]);
    t.wait_for("Darren selected", Duration::from_secs(5), |s| {
        s.contains("/ Darren") || s.contains("1/")
    });
    let mut screen = String::new();
    for _ in 0..15 {
        t.send(&[":"]);
        t.send(&["-l", "flow"]);
        t.send(&["Enter"]);
        std::thread::sleep(Duration::from_secs(2));
        screen = t.capture();
        if screen.contains("connectTo → Primary GW") {
            break;
        }
        t.send(&["Escape"]);
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(screen.contains("Call flow of Darren"), "{screen}");
    assert!(screen.contains("connectTo → Primary GW"), "{screen}");
    assert!(screen.contains("DDI +441234567890"), "{screen}");
    std::thread::sleep(Duration::from_millis(300));
    t.send(&["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    t.send(&["q"]);
    t.wait_for("the shell back", Duration::from_secs(10), |s| {
        !s.contains("Trunks") && s.contains('$')
    });
    t.assert_terminal_usable();
}
