//! End to end in a real terminal: `switchboard serve` (in process, against the
//! simulators) and one console started with `--connect`: it shows the collector's calls
//! and says "via collector <host>" with the link live.

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
