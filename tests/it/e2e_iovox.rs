//! End to end in a real terminal: `switchboard --demo` (with the IOVOX simulator over
//! HTTPS, trusted through the demo's `ca_file`) switches a VoxNumber off and shows it off.

use crate::support;

use std::time::Duration;

use support::tmux::{Tmux, bin};

/// The demo's number that starts ON (simulator seed data).
const NUMBER: &str = "+448001234504";

fn number_line(screen: &str) -> Option<&str> {
    // A table row (the filter prompt shows only the digits typed), its Account column
    // showing the link's name (not its id, L-WEB-SPRING).
    screen
        .lines()
        .find(|l| l.contains(NUMBER) && l.contains("Spring promo"))
}

#[test]
fn demo_switches_an_iovox_number_off() {
    let t = Tmux::shell("iovox");
    t.send(&[&format!("{} --demo", bin()), "Enter"]);
    // Keys typed before the console owns the terminal go through the shell's cooked
    // mode (Enter arrives as ^J, not Enter): wait for the console first.
    t.wait_for("the console", Duration::from_secs(20), |s| {
        s.contains("? help")
    });
    t.send(&["5"]);
    // The demo runs all five providers: narrow the panes to IOVOX's.
    std::thread::sleep(Duration::from_millis(300));
    t.send(&[":"]);
    t.send(&["-l", "scope iovox-demo"]);
    t.send(&["Enter"]);
    t.wait_for("IOVOX numbers", Duration::from_secs(30), |s| {
        number_line(s).is_some()
    });
    t.send(&["/"]);
    t.send(&["-l", "8001234504"]);
    t.send(&["Enter"]);
    let screen = t.wait_for("the number, on", Duration::from_secs(10), |s| {
        number_line(s).is_some_and(|l| l.trim_end_matches('│').trim_end().ends_with("yes"))
    });
    assert!(screen.contains("Numbers"), "{screen}");

    t.send(&["t"]);
    let screen = t.wait_for("the confirmation", Duration::from_secs(10), |s| {
        s.contains(&format!("Switch number {NUMBER} OFF")) && s.contains("PUT /Voxnumbers")
    });
    assert!(screen.contains("setCallStatus"), "{screen}");
    // Cancel is focused: Tab to Apply, then Enter.
    t.send(&["Tab"]);
    t.send(&["Enter"]);
    let screen = t.wait_for("the number, off", Duration::from_secs(30), |s| {
        !s.contains("Switch number")
            && number_line(s).is_some_and(|l| l.trim_end_matches('│').trim_end().ends_with("no"))
    });
    assert!(!screen.contains("HTTPS Required"), "{screen}");

    // Then `space` marks two other numbers and `t` switches both OFF in one request.
    let rows = |s: &str| {
        s.lines()
            // Table rows only (the pane title and the filter line show the filter too).
            // Their Account column names the links (Sales line, Support line); the
            // London office node is in Routes to.
            .filter(|l| l.contains("London office /") && l.contains("+4420712345"))
            .map(|l| l.trim_end_matches('│').trim_end().to_string())
            .collect::<Vec<_>>()
    };
    // Esc clears the filter (alone: ESC and a key at once read as Alt+key).
    std::thread::sleep(Duration::from_millis(300));
    t.send(&["Escape"]);
    t.wait_for("every number again", Duration::from_secs(10), |s| {
        rows(s).len() == 2
    });
    std::thread::sleep(Duration::from_millis(300));
    t.send(&["/"]);
    t.send(&["-l", "London office"]);
    t.send(&["Enter"]);
    t.wait_for("two London numbers, on", Duration::from_secs(10), |s| {
        let r = rows(s);
        r.len() == 2 && r.iter().all(|l| l.ends_with("yes")) && s.contains("2/")
    });
    let marks = |s: &str| rows(s).iter().filter(|l| l.contains("✓ +44")).count();
    // The selection stays on the row it was on if it can: start from the first row.
    t.send(&["g"]);
    std::thread::sleep(Duration::from_millis(300));
    t.send(&["Space"]);
    t.wait_for("one mark", Duration::from_secs(5), |s| marks(s) == 1);
    t.send(&["Down"]);
    std::thread::sleep(Duration::from_millis(300));
    t.send(&["Space"]);
    t.wait_for("two marks", Duration::from_secs(5), |s| marks(s) == 2);
    t.send(&["t"]);
    t.wait_for(
        "the confirmation listing both",
        Duration::from_secs(10),
        |s| s.contains("Switch 2 numbers OFF") && s.contains("setCallStatus"),
    );
    t.send(&["Tab"]);
    t.send(&["Enter"]);
    t.wait_for("both off", Duration::from_secs(30), |s| {
        let r = rows(s);
        !s.contains("Switch 2") && r.len() == 2 && r.iter().all(|l| l.ends_with("no"))
    });
    t.send(&["q"]);
    t.wait_for("the shell back", Duration::from_secs(10), |s| {
        !s.contains("Numbers") && s.contains('$')
    });
    t.assert_terminal_usable();
}
