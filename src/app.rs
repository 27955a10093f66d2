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
use crate::model::{Capabilities, ProviderId};
use crate::poller::{self, PollerCmd, PollerHandle, PollerOptions};
use crate::providers::{ProviderClient, RateLimit};
use crate::state::{ProviderState, State};
use crate::theme::Theme;
use crate::update::update;

/// Wall-clock milliseconds since the Unix epoch.
pub fn epoch_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Where frames go: the real terminal, or a test backend.
pub trait Screen {
    fn draw_state(&mut self, state: &State, theme: &Theme) -> io::Result<()>;
    fn size(&self) -> io::Result<(u16, u16)>;
}

impl Screen for ratatui::DefaultTerminal {
    fn draw_state(&mut self, state: &State, theme: &Theme) -> io::Result<()> {
        use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
        // DEC 2026: the terminal shows the frame whole, never half-drawn.
        ratatui::crossterm::queue!(self.backend_mut(), BeginSynchronizedUpdate)?;
        self.draw(|f| crate::ui::render(f, state, theme))?;
        ratatui::crossterm::execute!(self.backend_mut(), EndSynchronizedUpdate)?;
        Ok(())
    }
    fn size(&self) -> io::Result<(u16, u16)> {
        let s = ratatui::Terminal::size(self)?;
        Ok((s.width, s.height))
    }
}

impl Screen for ratatui::Terminal<ratatui::backend::TestBackend> {
    fn draw_state(&mut self, state: &State, theme: &Theme) -> io::Result<()> {
        let Ok(_) = self.draw(|f| crate::ui::render(f, state, theme));
        Ok(())
    }
    fn size(&self) -> io::Result<(u16, u16)> {
        let a = self.backend().buffer().area;
        Ok((a.width, a.height))
    }
}

/// The running console: state plus the pollers feeding it.
pub struct Console {
    pub state: State,
    pub theme: Theme,
    pollers: Vec<PollerHandle>,
    tx: UnboundedSender<Action>,
    rx: UnboundedReceiver<Action>,
    cancel: CancellationToken,
}

impl Console {
    /// Builds clients and starts one poller per configured provider. Must run inside
    /// the tokio runtime.
    pub fn start(
        config: &Config,
        theme: Theme,
        opts: PollerOptions,
        cancel: CancellationToken,
    ) -> Console {
        let (tx, rx) = unbounded_channel();
        let mut providers = Vec::new();
        let mut pollers = Vec::new();
        for (i, cfg) in config.providers.iter().enumerate() {
            let id = ProviderId(i as u16);
            match ProviderClient::from_config(id, cfg) {
                Ok(client) => {
                    providers.push(ProviderState::new(
                        id,
                        &cfg.name,
                        cfg.kind,
                        client.capabilities(),
                    ));
                    let limit = cfg
                        .rate_limit
                        .map(RateLimit::from)
                        .unwrap_or_else(|| client.default_rate_limit());
                    pollers.push(poller::spawn(
                        id,
                        Arc::new(client),
                        limit,
                        opts,
                        tx.clone(),
                        cancel.child_token(),
                    ));
                }
                Err(message) => {
                    tracing::error!(provider = %cfg.name, "{message}");
                    providers.push(ProviderState::new(
                        id,
                        &cfg.name,
                        cfg.kind,
                        Capabilities::new(),
                    ));
                    let _ = tx.send(Action::ProviderDown {
                        provider: id,
                        message,
                    });
                }
            }
        }
        let state = State::new(providers, epoch_ms());
        Console {
            state,
            theme,
            pollers,
            tx,
            rx,
            cancel,
        }
    }

    /// A sender for actions from elsewhere (signals, tests).
    pub fn sender(&self) -> UnboundedSender<Action> {
        self.tx.clone()
    }

    fn apply(&mut self, action: Action) {
        for effect in update(&mut self.state, action) {
            match effect {
                Effect::RefreshNow => self
                    .pollers
                    .iter()
                    .for_each(|p| p.send(PollerCmd::RefreshNow)),
                Effect::Visible(r) => self
                    .pollers
                    .iter()
                    .for_each(|p| p.send(PollerCmd::Visible(r))),
                Effect::Quit => self.cancel.cancel(),
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
                _ = tick.tick() => self.apply(Action::Tick(epoch_ms())),
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
