//! `switchboard trace <number> [--json]`: polls every configured provider once, within
//! its budget (as `switchboard snapshot` does, folding with the console's own fold),
//! then prints the trace of one number. Everything printed passes the secret redactor.

use std::io::Write;

use serde::Serialize;

use crate::config::Config;
use crate::model::ProviderId;
use crate::secret::redact;
use crate::snapshot::ProviderSnapshot;
use crate::state::{ProviderState, State};

/// One provider's poll, as the `--json` document lists it.
#[derive(Debug, Serialize)]
pub struct Polled {
    pub name: String,
    pub kind: String,
    pub status: String,
    pub error: Option<String>,
}

/// A console state holding every provider's rows from one poll each, read at `now_ms`.
pub fn state_of(config: &Config, snaps: Vec<ProviderSnapshot>, now_ms: i64) -> State {
    let providers = config
        .providers
        .iter()
        .zip(&snaps)
        .enumerate()
        .map(|(i, (cfg, s))| {
            let caps = crate::providers::descriptor(cfg.kind).capabilities;
            let mut p = ProviderState::new(ProviderId(i as u16), &cfg.name, cfg.kind, caps);
            p.last_ok_ms = (s.status != "failed").then_some(now_ms);
            p
        })
        .collect();
    let mut state = State::new(providers, now_ms);
    let t = &mut state.tables;
    for (i, s) in snaps.into_iter().enumerate() {
        let pid = ProviderId(i as u16);
        t.accounts
            .rows
            .extend(crate::update::account_tree(pid, &s.name, &s.accounts));
        t.live.rows.extend(s.live_calls);
        t.history.rows.extend(s.call_history);
        t.trunks.rows.extend(s.trunks);
        t.numbers.rows.extend(s.numbers);
    }
    state
}

/// The `--json` document: `generated_at_ms`, the trace's fields, and `providers` (each
/// poll's status), every string redacted.
pub fn render_json(trace: &super::Trace, polled: &[Polled], now_ms: i64) -> String {
    let mut doc = match serde_json::to_value(trace) {
        Ok(v) => v,
        Err(e) => return format!("{{\"error\":\"{e}\"}}"),
    };
    if let Some(m) = doc.as_object_mut() {
        m.insert("generated_at_ms".into(), now_ms.into());
        m.insert(
            "providers".into(),
            serde_json::to_value(polled).unwrap_or_default(),
        );
    }
    crate::secret::redact_json(&mut doc);
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// The trace as text, with a line per provider that could not be read.
pub fn render_text(trace: &super::Trace, polled: &[Polled], now_ms: i64) -> String {
    let tz = crate::clock::time_zone();
    let mut out = String::new();
    for p in polled.iter().filter(|p| p.status != "ok") {
        out.push_str(&format!(
            "warning: {} ({}) {}: {}\n",
            p.name,
            p.kind,
            p.status,
            p.error.as_deref().unwrap_or("-")
        ));
    }
    for (line, _) in super::text::lines(trace, now_ms, &tz) {
        out.push_str(&line);
        out.push('\n');
    }
    redact(&out).into_owned()
}

/// Runs `switchboard trace`; returns the exit code: 0 when some provider owns the
/// number, 1 when none does (the output says so and lists near matches).
pub async fn run(config: &Config, number: &str, json: bool) -> u8 {
    let snaps = crate::snapshot::collect(config).await;
    let polled: Vec<Polled> = snaps
        .iter()
        .map(|s| Polled {
            name: s.name.clone(),
            kind: s.kind.clone(),
            status: s.status.clone(),
            error: s.error.clone(),
        })
        .collect();
    let now = crate::clock::epoch_ms();
    let state = state_of(config, snaps, now);
    print(&super::trace(&state, number), &polled, now, json)
}

/// Prints a trace as text or JSON; returns the exit code: 0 when some provider owns the
/// number, 1 when none does. Local and attached (`--connect`) mode print through it.
pub fn print(trace: &super::Trace, polled: &[Polled], now_ms: i64, json: bool) -> u8 {
    let text = if json {
        render_json(trace, polled, now_ms)
    } else {
        render_text(trace, polled, now_ms)
    };
    let mut stdout = std::io::stdout().lock();
    let _ = write!(stdout, "{text}");
    if !text.ends_with('\n') {
        let _ = writeln!(stdout);
    }
    if trace.found { 0 } else { 1 }
}
