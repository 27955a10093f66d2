//! Callable flow devices drawn as a flow (pure; no UI, no HTTP): which DDIs start each
//! `ROUTE_START`, its `connectTo` chain by device name, each `SIP_GATEWAY`'s trunks and
//! its onComplete / onFail / onNoAnswer / onBusy targets. A reference to a device, trunk
//! or DDI that does not exist is flagged in text (`⚠ MISSING …`) as well as by
//! [`FlowLine::problem`], never by colour alone.

use std::collections::HashSet;

use super::wire::{Device, IdName, Trunk};

/// The enum targets a device may point at instead of a device id.
const ENUM_TARGETS: &[&str] = &["HANGUP", "REJECT", "VOICEMAIL", "NONE"];

/// One line of the flow, indented by `depth`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowLine {
    pub depth: u8,
    pub text: String,
    /// A dangling reference (missing device, trunk or DDI).
    pub problem: bool,
}

/// The flow of one account.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Flow {
    pub lines: Vec<FlowLine>,
    /// How many dangling references it has.
    pub problems: usize,
}

impl Flow {
    /// The lines as plain text (two spaces per depth level).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for l in &self.lines {
            out.push_str(&"  ".repeat(l.depth as usize));
            out.push_str(&l.text);
            out.push('\n');
        }
        out
    }
}

struct Builder<'a> {
    devices: &'a [Device],
    trunks: &'a [Trunk],
    lines: Vec<FlowLine>,
    problems: usize,
    shown: HashSet<&'a str>,
}

impl<'a> Builder<'a> {
    fn push(&mut self, depth: u8, text: String, problem: bool) {
        if problem {
            self.problems += 1;
        }
        self.lines.push(FlowLine {
            depth,
            text,
            problem,
        });
    }

    fn device(&self, id: &str) -> Option<&'a Device> {
        self.devices.iter().find(|d| d.id == id)
    }

    fn label(d: &Device) -> String {
        let name = if d.name.is_empty() { &d.id } else { &d.name };
        let mut s = format!("{name} [{}", if d.kind.is_empty() { "?" } else { &d.kind });
        if !d.extension.is_empty() {
            s.push_str(&format!(", ext {}", d.extension));
        }
        s.push(']');
        s
    }

    /// Draws the device `id` reached via `via` at `depth`, then what it leads to.
    fn follow(&mut self, depth: u8, via: &str, id: &'a str) {
        let id = id.trim();
        if id.is_empty() {
            self.push(depth, format!("{via} → (nothing)"), false);
            return;
        }
        if ENUM_TARGETS.iter().any(|e| e.eq_ignore_ascii_case(id)) {
            self.push(depth, format!("{via} → {id}"), false);
            return;
        }
        let Some(d) = self.device(id) else {
            self.push(depth, format!("{via} → ⚠ MISSING device {id}"), true);
            return;
        };
        if !self.shown.insert(d.id.as_str()) || depth > 12 {
            self.push(
                depth,
                format!("{via} → {} (↺ shown above)", Self::label(d)),
                false,
            );
            return;
        }
        self.push(depth, format!("{via} → {}", Self::label(d)), false);
        if let Some(g) = &d.sip_gateway {
            if g.trunks.is_empty() {
                self.push(depth + 1, "trunks: none".into(), false);
            }
            for t in &g.trunks {
                match self.trunks.iter().find(|x| x.id == *t) {
                    Some(x) => {
                        let port = x.port.map(|p| format!(":{p}")).unwrap_or_default();
                        let desc = if x.description.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", x.description)
                        };
                        self.push(depth + 1, format!("trunk {}{port}{desc}", x.ip), false);
                    }
                    None => self.push(depth + 1, format!("⚠ MISSING trunk {t}"), true),
                }
            }
            for (via, target) in [
                ("onComplete", &g.on_complete),
                ("onFail", &g.on_fail),
                ("onNoAnswer", &g.on_no_answer),
                ("onBusy", &g.on_busy),
            ] {
                self.follow(depth + 1, via, target);
            }
        }
        if let Some(r) = &d.start_route {
            self.follow(depth + 1, "connectTo", &r.connect_to);
        }
    }
}

/// A line that flags a problem contains this mark (the neutral model's, so the overlay
/// and `Account::flow_lines` agree).
pub const PROBLEM_MARK: &str = crate::model::FLOW_PROBLEM_MARK;

/// The flow lines of an account as the `:flow` overlay shows them (see
/// [`crate::model::Account::flow_lines`]).
pub fn lines_of(account: &crate::model::Account) -> Vec<(String, bool)> {
    account.flow_lines()
}

/// Builds the flow view of one account from its devices, DDIs and trunks.
pub fn build(devices: &[Device], ddis: &[IdName], trunks: &[Trunk]) -> Flow {
    let mut b = Builder {
        devices,
        trunks,
        lines: Vec::new(),
        problems: 0,
        shown: HashSet::new(),
    };
    let mut starts: Vec<&Device> = devices
        .iter()
        .filter(|d| d.kind.eq_ignore_ascii_case("ROUTE_START") || d.start_route.is_some())
        .collect();
    starts.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    if starts.is_empty() {
        b.push(
            0,
            "no ROUTE_START device: no DDI enters a flow".into(),
            false,
        );
    }
    for s in starts {
        b.shown.insert(s.id.as_str());
        b.push(0, format!("▶ {}", Builder::label(s)), false);
        let Some(r) = &s.start_route else {
            b.push(1, "⚠ MISSING startRoute".into(), true);
            continue;
        };
        if r.ddis.is_empty() {
            b.push(1, "DDIs: none".into(), false);
        }
        for id in &r.ddis {
            match ddis.iter().find(|x| x.id == *id) {
                Some(x) => b.push(1, format!("DDI +{}", x.name.trim_start_matches('+')), false),
                None => b.push(1, format!("⚠ MISSING DDI {id}"), true),
            }
        }
        b.follow(1, "connectTo", &r.connect_to);
    }
    let unreached: Vec<String> = devices
        .iter()
        .filter(|d| !b.shown.contains(d.id.as_str()))
        .map(Builder::label)
        .collect();
    if !unreached.is_empty() {
        b.push(0, "not reached from any start:".into(), false);
        for u in unreached {
            b.push(1, u, false);
        }
    }
    Flow {
        lines: b.lines,
        problems: b.problems,
    }
}
