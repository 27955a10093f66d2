//! The event loop: terminal events, poller results and the clock go through `update`;
//! the screen is redrawn after a batch of actions when something visible changed.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use ratatui::crossterm::event::Event;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::action::{Action, Effect};
use crate::config::Config;
use crate::frame_out::FrameWriter;
use crate::model::{Capabilities, ProviderId};
use crate::poller::{self, PollerCmd, PollerHandle, PollerOptions};
use crate::providers::{ProviderClient, ProviderError};
use crate::state::{ProviderState, State};
use crate::term_backend::ScrollBackend;
use crate::theme::Theme;
use crate::update::update;

use crate::clock::epoch_ms;

/// Writes an export into `<state dir>/exports/` (private, like the rest of the state
/// directory) and returns its path.
fn write_export(dir: &std::path::Path, name: &str, bytes: &[u8]) -> Result<String, String> {
    let dir = dir.join("exports");
    crate::config::create_private_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(name);
    std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path.display().to_string())
}

/// Runs file work (an export, reading the audit file) on the blocking pool and sends its
/// result back as an action, so a slow disk (an NFS home) never freezes the console.
/// Outside a runtime (some tests drive `apply` directly) it runs in place.
fn off_the_loop(
    tx: tokio::sync::mpsc::UnboundedSender<Action>,
    work: impl FnOnce() -> Action + Send + 'static,
) {
    match tokio::runtime::Handle::try_current() {
        Ok(rt) => {
            rt.spawn_blocking(move || {
                let _ = tx.send(work());
            });
        }
        Err(_) => {
            let _ = tx.send(work());
        }
    }
}

/// Where frames go: the real terminal, or a test backend.
pub trait Screen {
    fn draw_state(&mut self, state: &State, theme: &Theme) -> io::Result<()>;
    /// Rings the terminal bell (BEL).
    fn bell(&mut self) {}
    /// Writes a terminal notification (OSC 9 / 777) between frames, through the frame
    /// writer like everything else the console sends.
    fn notify(&mut self, _bytes: &[u8]) {}
    fn size(&mut self) -> io::Result<(u16, u16)>;
}

/// The console's terminal: ratatui's crossterm backend with scrolled bands sent as
/// terminal scrolls ([`ScrollBackend`]), writing through a [`FrameWriter`] (one write per
/// frame, nothing for a frame that changes nothing).
pub type Terminal<W> = ratatui::Terminal<ScrollBackend<W>>;

/// Takes the terminal (raw mode, alternate screen, ratatui's panic hook) and returns the
/// console's terminal on stdout.
pub fn init_terminal() -> io::Result<Terminal<io::Stdout>> {
    drop(ratatui::init());
    ratatui::Terminal::new(ScrollBackend::new(FrameWriter::new(io::stdout())))
}

impl<W: io::Write> Screen for Terminal<W> {
    fn draw_state(&mut self, state: &State, theme: &Theme) -> io::Result<()> {
        use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
        // The writer sees the frame's bounds in these two sequences (see `frame_out`).
        ratatui::crossterm::queue!(self.backend_mut(), BeginSynchronizedUpdate)?;
        let drawn = self
            .draw(|f| crate::ui::render(f, state, theme))
            .map(|_| ());
        ratatui::crossterm::execute!(self.backend_mut(), EndSynchronizedUpdate)?;
        drawn
    }
    fn bell(&mut self) {
        use std::io::Write;
        let _ = self.backend_mut().write_all(b"\x07");
        let _ = self.backend_mut().flush();
    }
    fn notify(&mut self, bytes: &[u8]) {
        use std::io::Write;
        let _ = self.backend_mut().write_all(bytes);
        let _ = self.backend_mut().flush();
    }
    fn size(&mut self) -> io::Result<(u16, u16)> {
        // The frame's area: the real terminal's size, or a fixed viewport's (benchmarks).
        let a = self.get_frame().area();
        Ok((a.width, a.height))
    }
}

impl Screen for ratatui::Terminal<ratatui::backend::TestBackend> {
    fn draw_state(&mut self, state: &State, theme: &Theme) -> io::Result<()> {
        let Ok(_) = self.draw(|f| crate::ui::render(f, state, theme));
        Ok(())
    }
    fn size(&mut self) -> io::Result<(u16, u16)> {
        let a = self.backend().buffer().area;
        Ok((a.width, a.height))
    }
}

/// How the console starts, beyond the config.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    pub poller: PollerOptions,
    /// `--read-only` or a global `read_only = true`: changes need `:write`.
    pub read_only: bool,
    /// Where `audit.jsonl` lives (None: no audit log, so no changes can be sent).
    pub state_dir: Option<std::path::PathBuf>,
    pub keymap: crate::keymap::Keymap,
    /// Copy with OSC 52 to the real terminal (off for test backends).
    pub osc52: bool,
    /// Where the console opens (start flags, `[ui] start_pane`).
    pub view: StartView,
    /// Draw symbols as ASCII (`[ui] ascii`, or a locale that is not UTF-8).
    pub ascii: bool,
    /// Inside tmux: notifications go wrapped for its passthrough.
    pub tmux: bool,
    /// The theme asked for (`--theme`, else `[ui] theme`), for `:theme`.
    pub theme_name: Option<String>,
}

impl StartOptions {
    /// What the terminal's environment decides: ASCII symbols (`[ui] ascii` or the
    /// locale) and tmux passthrough (`$TMUX`).
    pub fn for_terminal(config: &Config, theme_flag: Option<&str>) -> StartOptions {
        StartOptions {
            theme_name: theme_flag.map(str::to_string),
            ascii: crate::state::symbols::ascii_from_env(config.ui.ascii),
            tmux: std::env::var_os("TMUX").is_some(),
            ..StartOptions::default()
        }
    }
}

pub use crate::state::StartView;

/// The running console: state plus the pollers feeding it.
pub struct Console {
    pub state: State,
    pub theme: Theme,
    pollers: Vec<PollerHandle>,
    clients: Vec<Option<Arc<ProviderClient>>>,
    audit: Result<Arc<std::sync::Mutex<crate::audit::AuditLog>>, String>,
    state_dir: Option<std::path::PathBuf>,
    osc52: bool,
    tmux: bool,
    tx: UnboundedSender<Action>,
    rx: UnboundedReceiver<Action>,
    cancel: CancellationToken,
    /// Wall-clock epoch ms for the 1 s tick (`clock::epoch_ms`; scripted in benchmarks).
    now: Box<dyn Fn() -> i64 + Send>,
    /// Finished calls to the call-history store (None: no state dir).
    history: Option<UnboundedSender<crate::history::console::Job>>,
    /// Attached to a collector: changes are previewed and sent by it.
    remote: Option<crate::attach::change::Remote>,
}

impl Console {
    /// Builds clients and starts one poller per configured provider. Must run inside
    /// the tokio runtime.
    pub fn start(
        config: &Config,
        theme: Theme,
        opts: StartOptions,
        cancel: CancellationToken,
    ) -> Console {
        let (tx, rx) = unbounded_channel();
        let history_rows = config
            .ui
            .history_rows
            .unwrap_or(crate::retention::DEFAULT_HISTORY_ROWS);
        // No account's poll hands over more finished calls than the pane keeps.
        let poller_opts = poller::PollerOptions {
            history_per_account: opts.poller.history_per_account.or(Some(history_rows)),
            ..opts.poller
        };
        let mut providers = Vec::new();
        let mut pollers = Vec::new();
        let mut clients = Vec::new();
        for (i, cfg) in config.providers.iter().enumerate() {
            let id = ProviderId(i as u16);
            let config_read_only = cfg.read_only.unwrap_or(false);
            match poller::start(id, cfg, poller_opts, tx.clone(), cancel.child_token()) {
                Ok((client, handle)) => {
                    let mut p = ProviderState::new(id, &cfg.name, cfg.kind, client.capabilities());
                    p.config_read_only = config_read_only;
                    providers.push(p);
                    // Defence in depth: the HTTP layer refuses changes too.
                    client.set_read_only(config_read_only || opts.read_only);
                    clients.push(Some(client));
                    pollers.push(handle);
                }
                Err(message) => {
                    tracing::error!(provider = %cfg.name, "{message}");
                    providers.push(ProviderState::new(
                        id,
                        &cfg.name,
                        cfg.kind,
                        Capabilities::new(),
                    ));
                    clients.push(None);
                    let _ = tx.send(Action::ProviderDown {
                        provider: id,
                        message,
                    });
                }
            }
        }
        let mut state = State::new(providers, epoch_ms());
        state.history_rows = history_rows;
        state.write.read_only = opts.read_only;
        state.keymap = opts.keymap.clone();
        state.ascii = opts.ascii;
        state.alerts = crate::alerts::Alerts::new(config.alerts.clone());
        state.themes = (
            crate::theme::dirs(config.path.as_deref()),
            opts.theme_name
                .clone()
                .or_else(|| config.ui.theme.clone())
                .unwrap_or_else(|| "default".into()),
        );
        let audit = match &opts.state_dir {
            Some(dir) => {
                crate::audit::AuditLog::open(dir).map(|a| Arc::new(std::sync::Mutex::new(a)))
            }
            None => Err("no state directory for the audit log".to_string()),
        };
        if let Some(dir) = &opts.state_dir {
            state.paths = vec![
                ("log".into(), dir.display().to_string()),
                (
                    "audit".into(),
                    crate::audit::audit_path(dir).display().to_string(),
                ),
            ];
        }
        let history = opts.state_dir.as_ref().map(|dir| {
            crate::history::console::start(
                dir.clone(),
                config.history.clone(),
                history_rows,
                state.provider_names.clone(),
                tx.clone(),
                cancel.child_token(),
            )
        });
        if let Err(e) = &audit {
            tracing::warn!("audit log unavailable: {e}");
            let _ = tx.send(Action::Notice {
                level: crate::state::Level::Warn,
                text: format!("audit log unavailable ({e}): changes are refused"),
            });
        }
        let mut console = Console {
            state,
            theme,
            pollers,
            clients,
            audit,
            state_dir: opts.state_dir.clone(),
            osc52: opts.osc52,
            tmux: opts.tmux,
            tx,
            rx,
            cancel,
            now: Box::new(epoch_ms),
            history,
            remote: None,
        };
        for effect in crate::update::open_view(&mut console.state, &opts.view) {
            console.run_effect(effect);
        }
        console
    }

    /// A console attached to a collector (`--connect`): no poller, no provider client,
    /// no provider request. The feed client's link, snapshots and changes go through
    /// `update` as [`Action::Feed`]; a collector absent at start is retried, never
    /// replaced by polling. Changes are previewed and sent by the collector (which
    /// audits them with the operator's name); refusals before a form opens go to this
    /// console's own audit log. Must run inside the tokio runtime.
    pub fn attach(
        feed: crate::attach::client::AttachOptions,
        theme: Theme,
        opts: StartOptions,
        cancel: CancellationToken,
    ) -> Console {
        let (tx, rx) = unbounded_channel();
        let mut state = State::new(Vec::new(), epoch_ms());
        state.attached = Some(crate::attach::link::Attached::new(feed.host()));
        // Read-only mode and `:write` are this console's own (the collector is told).
        state.write.read_only = opts.read_only;
        state.keymap = opts.keymap.clone();
        state.ascii = opts.ascii;
        state.themes = (
            crate::theme::dirs(None),
            opts.theme_name.clone().unwrap_or_else(|| "default".into()),
        );
        let remote = crate::attach::change::Remote::new(&feed);
        let (ftx, mut frx) = unbounded_channel();
        tokio::spawn(crate::attach::client::run(feed, ftx, cancel.child_token()));
        let forward = tx.clone();
        tokio::spawn(async move {
            while let Some(m) = frx.recv().await {
                if forward.send(Action::Feed(Box::new(m))).is_err() {
                    break;
                }
            }
        });
        let mut console = Console {
            state,
            theme,
            pollers: Vec::new(),
            clients: Vec::new(),
            audit: match &opts.state_dir {
                Some(dir) => {
                    crate::audit::AuditLog::open(dir).map(|a| Arc::new(std::sync::Mutex::new(a)))
                }
                None => Err("no state directory for the audit log".to_string()),
            },
            state_dir: opts.state_dir.clone(),
            osc52: opts.osc52,
            tmux: opts.tmux,
            tx,
            rx,
            cancel,
            now: Box::new(epoch_ms),
            history: None,
            remote: Some(remote),
        };
        for effect in crate::update::open_view(&mut console.state, &opts.view) {
            console.run_effect(effect);
        }
        console
    }

    /// Replaces the clock the tick reads (the output benchmark scripts time).
    pub fn with_clock(mut self, now: impl Fn() -> i64 + Send + 'static) -> Console {
        self.now = Box::new(now);
        self
    }

    /// A sender for actions from elsewhere (signals, tests).
    pub fn sender(&self) -> UnboundedSender<Action> {
        self.tx.clone()
    }

    /// Headless driving (tests, scripts): applies poller results and other queued actions
    /// until `done` holds or `timeout` passes. Returns whether `done` held.
    pub async fn pump_until(&mut self, timeout: Duration, done: impl Fn(&State) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        while !done(&self.state) {
            tokio::select! {
                Some(action) = self.rx.recv() => self.apply(action),
                _ = tokio::time::sleep_until(deadline) => return done(&self.state),
            }
        }
        true
    }

    /// Runs one action through `update` and carries out what it asks for.
    pub fn apply(&mut self, action: Action) {
        if let (Some(history), Action::Fetched(f)) = (&self.history, &action)
            && let Ok(data) = &f.result
        {
            let stored = self.state.stored_history.as_ref();
            let known = |c: &crate::model::Call| stored.is_some_and(|s| s.contains(c));
            let records =
                crate::history::records_except(&self.provider_name(f.provider), data, known);
            if !records.is_empty() {
                let _ = history.send(crate::history::console::Job::Write(records));
            }
        }
        for effect in update(&mut self.state, action) {
            self.run_effect(effect);
        }
    }

    fn client(&self, p: ProviderId) -> Option<Arc<ProviderClient>> {
        self.clients.get(p.0 as usize).cloned().flatten()
    }

    fn provider_name(&self, p: ProviderId) -> String {
        self.state
            .provider(p)
            .map(|p| p.name.clone())
            .unwrap_or_default()
    }

    fn audit(&self, entry: &crate::audit::AuditEntry) {
        match &self.audit {
            Ok(log) => crate::audit::write(log, entry),
            Err(e) => tracing::warn!(
                "not audited ({e}): {} {}",
                entry.command,
                entry.outcome.as_str()
            ),
        }
    }

    fn run_effect(&mut self, effect: Effect) {
        use crate::audit::AuditEntry;
        match effect {
            Effect::RefreshNow(only) => self
                .pollers
                .iter()
                .filter(|p| only.is_none_or(|id| id == p.provider))
                .for_each(|p| p.send(PollerCmd::RefreshNow)),
            Effect::Visible(r) => self
                .pollers
                .iter()
                .for_each(|p| p.send(PollerCmd::Visible(r))),
            Effect::Quit => self.cancel.cancel(),
            Effect::Preview {
                provider,
                form,
                ticket,
                ..
            } if self.remote.is_some() => {
                let (remote, tx) = (self.remote.clone(), self.tx.clone());
                let name = self.provider_name(provider);
                tokio::spawn(async move {
                    if let Some(remote) = remote {
                        let result = remote.preview(&name, *form).await;
                        let _ = tx.send(Action::Previewed { ticket, result });
                    }
                });
            }
            Effect::Mutate {
                provider,
                mutation,
                form,
                ticket,
            } if self.remote.is_some() => {
                let (remote, tx) = (self.remote.clone(), self.tx.clone());
                let name = self.provider_name(provider);
                let command = mutation.command().to_string();
                let read_only = !self.state.write.writable(self.state.now_ms);
                let pane = self.state.focus;
                tokio::spawn(async move {
                    if let Some(remote) = remote {
                        let result = remote.apply(&name, *form, read_only, pane).await;
                        let _ = tx.send(Action::Mutated {
                            ticket,
                            provider,
                            command,
                            result,
                        });
                    }
                });
            }
            Effect::Preview {
                provider,
                mutation,
                ticket,
                ..
            } => {
                let result = match self.client(provider) {
                    Some(c) => c.preview(&mutation),
                    None => Err(ProviderError::Refused("provider is not connected".into())),
                };
                let _ = self.tx.send(Action::Previewed { ticket, result });
            }
            Effect::Mutate {
                provider,
                mutation,
                ticket,
                ..
            } => {
                let command = mutation.command().to_string();
                let ready = match (self.client(provider), &self.audit) {
                    (Some(c), Ok(log)) => Ok((c, log.clone())),
                    (None, _) => Err("provider is not connected".to_string()),
                    // No audit trail, no change.
                    (_, Err(e)) => Err(format!("audit log unavailable: {e}")),
                };
                let (client, log) = match ready {
                    Ok(ready) => ready,
                    Err(why) => {
                        let result = Err(ProviderError::Refused(why));
                        let _ = self.tx.send(Action::Mutated {
                            ticket,
                            provider,
                            command,
                            result,
                        });
                        return;
                    }
                };
                let name = self.provider_name(provider);
                let tx = self.tx.clone();
                let poller = self
                    .pollers
                    .iter()
                    .find(|p| p.provider == provider)
                    .cloned();
                tokio::spawn(async move {
                    let preview = client.preview(&mutation).ok();
                    let result =
                        crate::poller::send_change(&client, poller.as_ref(), &mutation).await;
                    crate::audit::write(
                        &log,
                        &AuditEntry::for_mutation(&name, &mutation, preview.as_ref(), &result),
                    );
                    let _ = tx.send(Action::Mutated {
                        ticket,
                        provider,
                        command,
                        result,
                    });
                });
            }
            Effect::AuditRefused {
                provider,
                mutation,
                reason,
            } => {
                let preview = self
                    .client(provider)
                    .and_then(|c| c.preview(&mutation).ok());
                let result = Err(ProviderError::Refused(reason));
                let entry = AuditEntry::for_mutation(
                    &self.provider_name(provider),
                    &mutation,
                    preview.as_ref(),
                    &result,
                );
                self.audit(&entry);
            }
            Effect::SetWritable(writable) => {
                for (i, c) in self.clients.iter().enumerate() {
                    let pinned = self
                        .state
                        .providers
                        .get(i)
                        .is_some_and(|p| p.config_read_only);
                    if let Some(c) = c {
                        c.set_read_only(pinned || !writable);
                    }
                }
            }
            Effect::Audit(entry) => self.audit(&entry),
            Effect::AuditNote { command, message } => {
                let outcome = if message.starts_with("refused") {
                    crate::audit::AuditOutcome::Refused
                } else {
                    crate::audit::AuditOutcome::Ok
                };
                let entry = AuditEntry {
                    time: crate::audit::now_rfc3339(),
                    user: crate::audit::current_user(),
                    host: crate::audit::current_host(),
                    command,
                    outcome,
                    message,
                    ..AuditEntry::default()
                };
                self.audit(&entry);
            }
            Effect::Copy(text) => {
                if self.osc52 {
                    use ratatui::crossterm::clipboard::CopyToClipboard;
                    let _ = ratatui::crossterm::execute!(
                        std::io::stdout(),
                        CopyToClipboard::to_clipboard_from(text)
                    );
                }
            }
            Effect::Export { name, bytes, rows } => {
                let dir = self.state_dir.clone();
                off_the_loop(self.tx.clone(), move || {
                    Action::Exported(match &dir {
                        Some(dir) => write_export(dir, &name, &bytes).map(|p| (p, rows)),
                        None => Err("no state directory".to_string()),
                    })
                });
            }
            Effect::LookupHistory { number } => {
                if let Some(history) = &self.history {
                    let _ = history.send(crate::history::console::Job::Lookup(number));
                }
            }
            Effect::LoadAudit => {
                let dir = self.state_dir.clone();
                off_the_loop(self.tx.clone(), move || {
                    Action::AuditLoaded(match &dir {
                        Some(dir) => crate::audit::read_recent(dir, 200),
                        None => Vec::new(),
                    })
                });
            }
        }
    }

    /// Runs until quit or cancellation. `events` is the terminal's event stream (or a
    /// scripted one in tests).
    pub async fn run<S, E>(&mut self, screen: &mut S, mut events: E) -> io::Result<()>
    where
        S: Screen,
        E: Stream<Item = io::Result<Event>> + Unpin,
    {
        let (w, h) = screen.size()?;
        self.apply(Action::Resize(w, h));
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        // Resizes are debounced: redraw once the terminal has stopped changing size.
        let mut pending_resize: Option<((u16, u16), Instant)> = None;
        let far = Duration::from_secs(3600);
        loop {
            if self.state.dirty && pending_resize.is_none() {
                screen.draw_state(&self.state, &self.theme)?;
                self.state.dirty = false;
                let alert_bell = std::mem::take(&mut self.state.alerts.bell);
                if std::mem::take(&mut self.state.bell) | alert_bell {
                    screen.bell();
                }
                let kind = self.state.alerts.config.notify;
                for text in std::mem::take(&mut self.state.alerts.pending_notify) {
                    screen.notify(&crate::frame_out::notification(kind, &text, self.tmux));
                }
            }
            let resize_at = pending_resize
                .map(|(_, t)| t)
                .unwrap_or_else(|| Instant::now() + far);
            tokio::select! {
                biased;
                _ = self.cancel.cancelled() => break,
                ev = events.next() => match ev {
                    Some(Ok(Event::Key(key))) if key.is_press() => self.apply(Action::Key(key)),
                    Some(Ok(Event::Resize(w, h))) => {
                        pending_resize = Some(((w, h), Instant::now() + Duration::from_millis(60)));
                    }
                    Some(Ok(Event::Paste(text))) => self.apply(Action::Paste(text)),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(e),
                    // The terminal is gone (hang-up): stop.
                    None => break,
                },
                Some(action) = self.rx.recv() => {
                    self.apply(action);
                    // Batch whatever else is queued before drawing.
                    while let Ok(more) = self.rx.try_recv() {
                        self.apply(more);
                    }
                }
                _ = tick.tick() => {
                    let now = (self.now)();
                    self.apply(Action::Tick(now));
                }
                _ = tokio::time::sleep_until(resize_at), if pending_resize.is_some() => {
                    if let Some(((w, h), _)) = pending_resize.take() {
                        self.apply(Action::Resize(w, h));
                    }
                }
            }
            if self.state.quit {
                break;
            }
        }
        self.cancel.cancel();
        Ok(())
    }
}
