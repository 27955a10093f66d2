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
    /// The console's state dir; removed on drop.
    pub dir: PathBuf,
    /// Where the changes' audit lines are: the console's state dir, or the collector's
    /// when the console is attached to one.
    pub audit_dir: PathBuf,
    /// The name the audit gives the operator: the OS user, or the token's name.
    pub operator: String,
    /// How long `until` waits.
    pub wait: Duration,
    cancel: CancellationToken,
    /// The collector a console made [`Via::Collector`] is attached to.
    collector: Option<switchboard::serve::Serve>,
}

/// How a flow test's console reaches the providers: itself, or through a collector
/// (`switchboard serve` on the same config, an operator token, `--connect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Local,
    Collector,
}

impl Drop for Flow {
    fn drop(&mut self) {
        self.cancel.cancel();
        if let Some(c) = self.collector.take() {
            c.stop();
            let _ = std::fs::remove_dir_all(&self.audit_dir);
        }
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
        let mut flow = Flow::open(tag, read_only, size, wait, |opts, cancel| {
            Console::start(config, Theme::default(), opts, cancel)
        });
        flow.until("the first data", loaded).await;
        flow
    }

    /// [`Flow::start`], or through a collector: `serve` on `config` with an operator
    /// token ("alice"), and this console attached to it.
    pub async fn start_via(
        via: Via,
        tag: &str,
        config: &Config,
        read_only: bool,
        size: (u16, u16),
        wait: Duration,
        loaded: impl Fn(&State) -> bool,
    ) -> Flow {
        if via == Via::Local {
            return Flow::start(tag, config, read_only, size, wait, loaded).await;
        }
        use switchboard::serve::tokens::{self, Role};
        let served = std::env::temp_dir().join(format!(
            "sb-flow-serve-{tag}-{}-{}",
            std::process::id(),
            super::unique()
        ));
        let _ = std::fs::remove_dir_all(&served);
        std::fs::create_dir_all(&served).unwrap();
        let token =
            tokens::add(&tokens::default_path(&served), "alice", Role::Operator).expect("token");
        let opts =
            switchboard::serve::ServeOptions::new("127.0.0.1:0".parse().unwrap(), served.clone());
        let serve = switchboard::serve::start(config, opts, CancellationToken::new())
            .await
            .expect("serve starts");
        let mut feed = switchboard::attach::client::AttachOptions::new(
            &format!("http://{}", serve.addr),
            Some(switchboard::secret::Secret::new(token)),
        );
        feed.backoff_min = Duration::from_millis(100);
        feed.backoff_max = Duration::from_millis(400);
        let mut flow = Flow::attach_with(tag, feed, read_only, size, wait).await;
        flow.audit_dir = served;
        flow.operator = "alice".into();
        flow.collector = Some(serve);
        flow.until("the collector's data", |s| {
            s.attached.as_ref().is_some_and(|a| {
                a.who.is_some() && a.link == switchboard::attach::client::Link::Live
            }) && loaded(s)
        })
        .await;
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
        let mut flow = Flow::attach_with(tag, feed, false, size, wait).await;
        flow.until("the collector's data", loaded).await;
        flow
    }

    async fn attach_with(
        tag: &str,
        feed: switchboard::attach::client::AttachOptions,
        read_only: bool,
        size: (u16, u16),
        wait: Duration,
    ) -> Flow {
        Flow::open(tag, read_only, size, wait, |opts, cancel| {
            Console::attach(feed, Theme::default(), opts, cancel)
        })
    }

    /// A console made by `make` in a new private state dir, resized to `size`.
    fn open(
        tag: &str,
        read_only: bool,
        size: (u16, u16),
        wait: Duration,
        make: impl FnOnce(StartOptions, CancellationToken) -> Console,
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
        let mut console = make(opts, cancel.clone());
        console.apply(Action::Resize(size.0, size.1));
        Flow {
            console,
            audit_dir: dir.clone(),
            dir,
            operator: switchboard::audit::current_user(),
            wait,
            cancel,
            collector: None,
        }
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
