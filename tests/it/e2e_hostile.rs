//! End to end in a real terminal (tmux, 80x24): the console pointed at a hostile server
//! (issue 11, items 1 and 3). A VoIPcloud "provider" that is really a captive portal
//! answering 200 with an HTML page, and a Cloudonix one that redirects to another host:
//! the operator sees what happened and what to check, never an "ok" provider with an
//! empty account, and the other host receives nothing.

use crate::support;

use std::time::Duration;

use support::hostile::{Hostile, Reply};
use support::tmux::{Tmux, bin};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_names_a_captive_portal_and_a_redirect_and_sends_nothing_elsewhere() {
    let portal = Hostile::start(|_| {
        Reply::html(
            200,
            "<!doctype html><html><body><h1>Guest Wi-Fi</h1>Accept the terms</body></html>",
        )
    })
    .await;
    let other = Hostile::start(|_| Reply::json(200, "[]")).await;
    let target = format!("http://localhost:{}/steal", other.port);
    let moved = Hostile::start(move |_| Reply::redirect(301, &target)).await;

    let t = Tmux::shell("hostile");
    let cfg = t.home.join("sb.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"[[provider]]
name = "pbx"
kind = "voipcloud"
base_url = "{portal}"
token = "XI-e2e-voipcloud-token-0123"

[[provider]]
name = "cx"
kind = "cloudonix"
base_url = "{moved}"
api_key = "XI-e2e-cloudonix-key-0123"
"#,
            portal = portal.url(),
            moved = moved.url()
        ),
    )
    .expect("config written");
    let (cfg_s, bin_s) = (cfg.display().to_string(), bin());
    tokio::task::spawn_blocking(move || {
        t.send(&[
            &format!("chmod 600 {cfg_s}; {bin_s} --config {cfg_s}"),
            "Enter",
        ]);
        t.send(&["1"]);
        let screen = t.wait_for("both providers' errors", Duration::from_secs(30), |s| {
            s.contains("captive portal?") && s.contains("check base_url")
        });
        // Each line: the unreadable symbol, the provider, what arrived, and its age.
        let portal_line = screen
            .lines()
            .find(|l| l.contains("captive portal?"))
            .unwrap_or_default();
        assert!(
            portal_line.contains("≠ pbx: an HTML page, not the API"),
            "{screen}"
        );
        let redirect_line = screen
            .lines()
            .find(|l| l.contains("check base_url"))
            .unwrap_or_default();
        assert!(
            redirect_line.contains("≠ cx: redirected to http://localhost:"),
            "{screen}"
        );
        // The status bar does not call either provider ok.
        let status = screen
            .lines()
            .rev()
            .find(|l| l.contains("? help"))
            .unwrap_or_default();
        assert!(
            status.contains("≠ pbx") && status.contains("≠ cx") && !status.contains("●"),
            "status bar: {status}\n{screen}"
        );
        assert!(
            !screen.contains("XI-e2e"),
            "a credential on screen:\n{screen}"
        );
        t.send(&["q"]);
    })
    .await
    .expect("tmux steps");
    assert!(
        other.seen().is_empty(),
        "the redirect target received {:?}",
        other.seen()
    );
    assert!(
        !moved.seen().is_empty(),
        "the console never asked the redirecting host"
    );
}
