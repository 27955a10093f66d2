//! Alerts that reach the operator: a provider going degraded, losing its sign-in or going
//! stale, and a queue crossing its abandon threshold. Pure state: `update` calls
//! [`Alerts::observe`] around every action and the queue fold calls [`Alerts::raise`];
//! the app rings the bell, draws the banner and writes the notifications (OSC 9 / 777,
//! through the frame writer, see [`crate::frame_out::notification`]).
//!
//! Each alert fires once per transition (bad again only after it was seen good), and a
//! second one of the same kind for the same subject inside the cool-down is listed in
//! the `:alerts` overlay but not signalled.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// What can raise an alert (`[alerts] events`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlertEvent {
    /// Some of the provider's requests fail, or it cannot be reached or read.
    Degraded,
    /// The provider rejected its key or token (401).
    Auth,
    /// Data from the provider is older than its stale limit.
    Stale,
    /// A queue crossed its abandon-rate threshold (`[stats]`).
    Queue,
}

impl AlertEvent {
    pub const ALL: [AlertEvent; 4] = [
        AlertEvent::Degraded,
        AlertEvent::Auth,
        AlertEvent::Stale,
        AlertEvent::Queue,
    ];

    /// The name in `[alerts] events`.
    pub fn name(self) -> &'static str {
        match self {
            AlertEvent::Degraded => "degraded",
            AlertEvent::Auth => "auth",
            AlertEvent::Stale => "stale",
            AlertEvent::Queue => "queue",
        }
    }

    pub fn from_name(name: &str) -> Option<AlertEvent> {
        AlertEvent::ALL.into_iter().find(|e| e.name() == name)
    }

    fn words(self) -> &'static str {
        match self {
            AlertEvent::Degraded => "degraded",
            AlertEvent::Auth => "sign-in failed",
            AlertEvent::Stale => "data is stale",
            AlertEvent::Queue => "queue threshold crossed",
        }
    }
}

/// Terminal notifications (`[alerts] notify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Notify {
    #[default]
    Off,
    /// `OSC 9 ; text ST` (iTerm2, Windows Terminal, kitty, WezTerm, foot …).
    Osc9,
    /// `OSC 777 ; notify ; title ; body ST` (rxvt-unicode, VTE terminals, Ghostty, foot).
    Osc777,
}

impl Notify {
    pub const NAMES: [&'static str; 3] = ["off", "osc9", "osc777"];

    pub fn from_name(name: &str) -> Option<Notify> {
        match name {
            "off" => Some(Notify::Off),
            "osc9" => Some(Notify::Osc9),
            "osc777" => Some(Notify::Osc777),
            _ => None,
        }
    }
}

/// `[alerts]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertsConfig {
    /// Ring the terminal bell.
    pub bell: bool,
    /// Show a banner over the pane tabs.
    pub flash: bool,
    pub notify: Notify,
    /// The same alert (kind and subject) is signalled at most once per this many seconds.
    pub cooldown_s: u64,
    pub events: BTreeSet<AlertEvent>,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            bell: false,
            flash: false,
            notify: Notify::Off,
            cooldown_s: 300,
            events: AlertEvent::ALL.into_iter().collect(),
        }
    }
}

/// How long the banner stays up.
pub const FLASH_MS: i64 = 30_000;
/// The overlay keeps this many alerts (the oldest go first).
pub const KEEP: usize = 200;

/// One alert as the overlay lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub at_ms: i64,
    pub event: AlertEvent,
    /// The provider's name, or the queue's.
    pub subject: String,
    pub text: String,
    /// False: inside the cool-down (listed only), or a recovery.
    pub signalled: bool,
    /// The condition ended (listed only).
    pub recovered: bool,
}

impl Alert {
    /// One line: "east: degraded (500 Request Failed)".
    pub fn line(&self) -> String {
        if self.recovered {
            format!("{}: {} no more", self.subject, self.event.words())
        } else if self.text.is_empty() {
            format!("{}: {}", self.subject, self.event.words())
        } else {
            format!("{}: {} ({})", self.subject, self.event.words(), self.text)
        }
    }
}

/// What one provider looked like for alerting (`ProviderState::alert_seen` builds it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Seen {
    pub degraded: bool,
    pub auth: bool,
    pub stale: bool,
}

/// One provider now: its name, how it looks and why (the failure's text).
#[derive(Debug, Clone)]
pub struct Observed<'a> {
    pub name: &'a str,
    pub seen: Seen,
    pub reason: String,
}

/// The alerts' state, kept in `State`.
#[derive(Debug, Clone, Default)]
pub struct Alerts {
    pub config: AlertsConfig,
    /// Newest last.
    pub list: VecDeque<Alert>,
    /// Conditions that are on now, by (provider index, event).
    active: BTreeSet<(usize, AlertEvent)>,
    /// When each (subject, event) was last signalled.
    last_signalled: BTreeMap<(String, AlertEvent), i64>,
    /// The banner's text and when it went up.
    pub flash: Option<(String, i64)>,
    /// Notifications not written yet (the app takes them after the next frame).
    pub pending_notify: Vec<String>,
    /// Ring the bell after the next frame.
    pub bell: bool,
}

impl Alerts {
    pub fn new(config: AlertsConfig) -> Alerts {
        Alerts {
            config,
            ..Alerts::default()
        }
    }

    /// Raises an alert for each condition that came on since `before` (the providers
    /// before an action, by index), and lists each that went off. True when anything
    /// changed (the screen redraws).
    pub fn observe(&mut self, before: &[Seen], providers: &[Observed<'_>], now_ms: i64) -> bool {
        let mut changed = false;
        for (i, p) in providers.iter().enumerate() {
            let now = p.seen;
            let was = before.get(i).copied().unwrap_or_default();
            if now == was {
                continue;
            }
            for (event, on) in [
                (AlertEvent::Degraded, now.degraded),
                (AlertEvent::Auth, now.auth),
                (AlertEvent::Stale, now.stale),
            ] {
                let key = (i, event);
                if on && !self.active.contains(&key) {
                    self.active.insert(key);
                    let text = if event == AlertEvent::Stale {
                        String::new()
                    } else {
                        p.reason.clone()
                    };
                    changed |= self.raise(event, p.name, text, now_ms);
                } else if !on && self.active.remove(&key) {
                    changed |= self.push(Alert {
                        at_ms: now_ms,
                        event,
                        subject: p.name.to_string(),
                        text: String::new(),
                        signalled: false,
                        recovered: true,
                    });
                }
            }
        }
        if let Some((_, at)) = &self.flash
            && now_ms - at >= FLASH_MS
        {
            self.flash = None;
            changed = true;
        }
        changed
    }

    /// One alert: listed, and signalled (bell, banner, notification) unless its kind is
    /// off in the config or the same one was signalled within the cool-down.
    pub fn raise(&mut self, event: AlertEvent, subject: &str, text: String, now_ms: i64) -> bool {
        if !self.config.events.contains(&event) {
            return false;
        }
        let key = (subject.to_string(), event);
        let cooled = self
            .last_signalled
            .get(&key)
            .is_none_or(|&t| now_ms - t >= self.config.cooldown_s as i64 * 1000);
        let alert = Alert {
            at_ms: now_ms,
            event,
            subject: subject.to_string(),
            text: crate::secret::redact(&text).into_owned(),
            signalled: cooled,
            recovered: false,
        };
        if cooled {
            self.last_signalled.insert(key, now_ms);
            let line = alert.line();
            self.bell |= self.config.bell;
            if self.config.flash {
                self.flash = Some((line.clone(), now_ms));
            }
            if self.config.notify != Notify::Off {
                self.pending_notify.push(line);
            }
        }
        self.push(alert)
    }

    fn push(&mut self, alert: Alert) -> bool {
        tracing::info!(signalled = alert.signalled, "alert: {}", alert.line());
        self.list.push_back(alert);
        while self.list.len() > KEEP {
            self.list.pop_front();
        }
        true
    }

    /// Alerts signalled so far (not the cooled-down or recovered ones).
    pub fn signalled(&self) -> impl Iterator<Item = &Alert> {
        self.list.iter().filter(|a| a.signalled)
    }
}
