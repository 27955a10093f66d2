//! A headless console for operator-flow tests: a real `Console` (update, effects,
//! pollers, audit log) in a private state dir, driven by key presses.

use std::path::PathBuf;
use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard::action::Action;
use switchboard::app::{Console, StartOptions};
use switchboard::config::Config;
use switchboard::form::Step;
use switchboard::state::{Overlay, State};
use switchboard::theme::Theme;
use tokio_util::sync::CancellationToken;

pub struct Flow {
    pub console: Console,
    /// The state dir (audit log); removed on drop.
    pub dir: PathBuf,
    /// How long `until` waits.
    pub wait: Duration,
    cancel: CancellationToken,
}

impl Drop for Flow {
    fn drop(&mut self) {
        self.cancel.cancel();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Flow {
    /// Starts the console on `config` at `size`, then pumps until `loaded` holds.
    pub async fn start(
        tag: &str,
        config: &Config,
        read_only: bool,
        size: (u16, u16),
        wait: Duration,
        loaded: impl Fn(&State) -> bool,
    ) -> Flow {
        let dir = std::env::temp_dir().join(format!(
            "sb-flow-{tag}-{}-{}",
            std::process::id(),
            super::unique()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let cancel = CancellationToken::new();
        let opts = StartOptions {
            read_only,
            state_dir: Some(dir.clone()),
            ..StartOptions::default()
        };
        let mut console = Console::start(config, Theme::default(), opts, cancel.clone());
        console.apply(Action::Resize(size.0, size.1));
        let mut flow = Flow {
            console,
            dir,
            wait,
            cancel,
        };
        flow.until("the first data", loaded).await;
        flow
    }

    /// A console attached to a collector (`--connect`) in its own state dir, pumped
    /// until `loaded` holds.
    pub async fn attach(
        tag: &str,
        feed: switchboard::attach::client::AttachOptions,
        size: (u16, u16),
        wait: Duration,
        loaded: impl Fn(&State) -> bool,
    ) -> Flow {
        let dir = std::env::temp_dir().join(format!(
            "sb-flow-{tag}-{}-{}",
            std::process::id(),
            super::unique()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let cancel = CancellationToken::new();
        let opts = StartOptions {
            state_dir: Some(dir.clone()),
            ..StartOptions::default()
        };
        let mut console = Console::attach(feed, Theme::default(), opts, cancel.clone());
        console.apply(Action::Resize(size.0, size.1));
        let mut flow = Flow {
            console,
            dir,
            wait,
            cancel,
        };
        flow.until("the collector's data", loaded).await;
        flow
    }

    pub fn key(&mut self, code: KeyCode) {
        self.console
            .apply(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
    pub fn char(&mut self, c: char) {
        self.key(KeyCode::Char(c));
    }
    pub fn type_text(&mut self, text: &str) {
        text.chars().for_each(|c| self.char(c));
    }
    pub fn palette(&mut self, line: &str) {
        self.char(':');
        self.type_text(line);
        self.key(KeyCode::Enter);
    }
    /// Filters the focused pane down to `needle` (the first match is selected).
    pub fn select(&mut self, needle: &str) {
        self.char('/');
        self.type_text(needle);
        self.key(KeyCode::Enter);
    }
    pub async fn until(&mut self, what: &str, done: impl Fn(&State) -> bool) {
        let ok = self.console.pump_until(self.wait, done).await;
        assert!(
            ok,
            "timed out waiting for {what}; message: {}; overlay: {:?}",
            self.message(),
            self.console.state.overlay
        );
    }
    pub fn form_step(&self) -> Option<Step> {
        match &self.console.state.overlay {
            Some(Overlay::Form(o)) => Some(o.form.step().clone()),
            _ => None,
        }
    }
    pub fn form_value(&self, key: &str) -> Option<String> {
        match &self.console.state.overlay {
            Some(Overlay::Form(o)) => o.form.value(key),
            _ => None,
        }
    }
    pub fn message(&self) -> String {
        self.console
            .state
            .message
            .as_ref()
            .map(|m| m.text.clone())
            .unwrap_or_default()
    }
    /// From the review step: move to Apply and press it; type the confirmation when asked.
    pub async fn apply_reviewed(&mut self, confirm_text: &str) {
        self.until(
            "the request preview",
            |s| matches!(&s.overlay, Some(Overlay::Form(o)) if o.form.preview().is_some()),
        )
        .await;
        self.key(KeyCode::Tab);
        self.key(KeyCode::Enter);
        if self.form_step() == Some(Step::Confirm) {
            self.type_text(confirm_text);
            self.key(KeyCode::Tab);
            self.key(KeyCode::Enter);
        }
    }
}
