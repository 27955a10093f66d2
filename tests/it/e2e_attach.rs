//! End to end in a real terminal: `switchboard serve` (in process, against the
//! simulators) and one console started with `--connect`: it shows the collector's calls
//! and says "via collector <host>" with the link live; two consoles with their own
//! tokens: an operator's edit shows in the viewer's console, which may not edit.

use crate::serve::{sims_config, temp_dir};
use crate::support;

use std::time::Duration;

use support::tmux::{Tmux, bin};
use switchboard::serve::{self, ServeOptions};
use tokio_util::sync::CancellationToken;

#[test]
fn a_console_with_connect_shows_the_collectors_calls() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sims = rt.block_on(support::sims(93, |_| {}));
    let cfg = sims_config(&sims);
    let dir = temp_dir("e2e-attach");
    let serve = rt
        .block_on(serve::start(
            &cfg,
            ServeOptions::new("127.0.0.1:0".parse().unwrap(), dir.clone()),
            CancellationToken::new(),
        ))
        .expect("serve starts");
    let addr = serve.addr;
    // A live call the collector holds, by its caller's number as the pane shows it.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let provider = loop {
        let found = {
            let c = serve.shared.lock().unwrap();
            c.state
                .tables
                .live
                .rows
                .first()
                .map(|r| c.state.provider_names[r.provider.0 as usize].clone())
        };
        if let Some(p) = found {
            break p;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the collector has calls"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let t = Tmux::start_sized("attach", "bash --norc --noprofile", 160, 40);
    t.wait_for("a shell prompt", Duration::from_secs(10), |s| {
        s.contains('$')
    });
    t.send(&[&format!("{} --connect http://{addr}", bin()), "Enter"]);
    t.wait_for("the console", Duration::from_secs(20), |s| {
        s.contains("? help")
    });
    let screen = t.wait_for(
        "the collector's calls, live",
        Duration::from_secs(30),
        |s| {
            s.contains(&format!("via collector {addr} · live"))
                && s.lines().filter(|l| l.contains(provider.as_str())).count() >= 2
        },
    );
    assert!(!screen.contains("panicked"), "{screen}");
    t.send(&["q"]);
    t.wait_for("the shell again", Duration::from_secs(10), |s| {
        s.lines().last().is_some_and(|l| l.starts_with('$')) || s.trim_end().ends_with('$')
    });
    rt.block_on(serve.shutdown()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// The row of `trunk` on a captured screen.
fn trunk_line<'a>(screen: &'a str, trunk: &str) -> Option<&'a str> {
    screen
        .lines()
        .find(|l| l.contains(trunk) && l.contains('│'))
}

/// Issue 16's tmux test: `serve` plus two consoles attached with their own tokens. The
/// operator edits a trunk (form, review, Apply) and the other console shows the new port
/// through the feed; the viewer's console refuses the same edit with the reason.
#[test]
fn two_consoles_an_operators_edit_shows_in_the_viewers_console_which_may_not_edit() {
    use switchboard::config::Config;
    use switchboard::serve::tokens::{self, Role};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sims = rt.block_on(support::sims(94, |o| {
        o.cloudonix.traffic = false;
        o.cloudonix.rate_limit_requests = 1000;
    }));
    let cfg = Config {
        providers: vec![support::cloudonix_config(
            &sims.cloudonix.base_url,
            &sims.cloudonix.customer_key,
        )],
        ..Config::default()
    };
    let dir = temp_dir("e2e-attach-two");
    let file = tokens::default_path(&dir);
    let alice = tokens::add(&file, "alice", Role::Operator).expect("token");
    let victor = tokens::add(&file, "victor", Role::Viewer).expect("token");
    let serve = rt
        .block_on(serve::start(
            &cfg,
            ServeOptions::new("127.0.0.1:0".parse().unwrap(), dir.clone()),
            CancellationToken::new(),
        ))
        .expect("serve starts");
    let addr = serve.addr;
    let open = |tag: &str, token: &str| {
        let t = Tmux::start_sized(tag, "bash --norc --noprofile", 120, 40);
        t.wait_for("a shell prompt", Duration::from_secs(10), |s| {
            s.contains('$')
        });
        t.send(&[
            &format!(
                "SB_TOKEN={token} {} --connect http://{addr} --token env:SB_TOKEN",
                bin()
            ),
            "Enter",
        ]);
        t.wait_for("the console", Duration::from_secs(20), |s| {
            s.contains("? help")
        });
        t.send(&["4"]);
        t.wait_for("the trunks, live", Duration::from_secs(30), |s| {
            s.contains(&format!("via collector {addr} · live"))
                && trunk_line(s, "carrier-a-backup").is_some()
        });
        t.send(&["/"]);
        t.send(&["-l", "carrier-a-backup"]);
        t.send(&["Enter"]);
        t
    };
    let a = open("attach-alice", &alice);
    let v = open("attach-victor", &victor);
    let before = v.capture();
    assert!(
        !trunk_line(&before, "carrier-a-backup").is_some_and(|l| l.contains("5099")),
        "{before}"
    );

    // The operator: edit the port, review, Apply (Cancel is focused first).
    a.send(&["e"]);
    a.wait_for("the trunk form", Duration::from_secs(10), |s| {
        s.contains("Edit trunk")
    });
    a.send(&["Tab"]);
    for _ in 0..6 {
        a.send(&["BSpace"]);
    }
    a.send(&["-l", "5099"]);
    a.send(&["Enter"]);
    a.wait_for(
        "the review from the collector",
        Duration::from_secs(10),
        |s| s.contains("PUT /customers/self/domains/"),
    );
    a.send(&["Tab", "Enter"]);
    let done = a.wait_for("the answer", Duration::from_secs(30), |s| {
        s.contains("updated")
            && trunk_line(s, "carrier-a-backup").is_some_and(|l| l.contains("5099"))
    });
    assert!(!done.contains("panicked"), "{done}");

    // The viewer's console shows it through the feed, and may not edit.
    v.wait_for(
        "the new port in the other console",
        Duration::from_secs(30),
        |s| trunk_line(s, "carrier-a-backup").is_some_and(|l| l.contains("5099")),
    );
    v.send(&["e"]);
    let refused = v.wait_for("the refusal", Duration::from_secs(10), |s| {
        s.contains("(viewer) may not make changes")
    });
    // Only the message names the command: no form opened.
    assert_eq!(
        refused.matches("Edit trunk").count(),
        1,
        "no form: {refused}"
    );
    let puts = sims
        .cloudonix
        .requests()
        .iter()
        .filter(|r| r.method != "GET")
        .count();
    assert_eq!(puts, 1, "one change sent");
    let last = switchboard::audit::read_recent(&dir, 5)
        .pop()
        .expect("audited");
    assert_eq!(
        (last.user.as_str(), last.command.as_str()),
        ("alice", "trunk.edit")
    );
    for t in [&a, &v] {
        t.send(&["Escape"]);
        std::thread::sleep(Duration::from_millis(300));
        t.send(&["q"]);
        t.wait_for("the shell again", Duration::from_secs(10), |s| {
            s.lines().last().is_some_and(|l| l.starts_with('$')) || s.trim_end().ends_with('$')
        });
    }
    rt.block_on(serve.shutdown()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
