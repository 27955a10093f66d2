//! `switchboard serve`: the engine without a terminal. One poller per configured
//! provider, on its budget clock, exactly as the console polls (same clients, budgets
//! and fold); `/metrics`, `/healthz` and `/readyz` over HTTP; every finished call any poll
//! sees written once to the call-history store.
//!
//! - `collect`: the shared picture the pollers' events fold into.
//! - `metrics`: the scrape-time collector and the registry.
//! - `http`: the endpoints.
//! - `history`: the store writer and retention.
//! - `feed`, `feed_http`: `/v1/snapshot`, `/v1/events` and `/v1/history` for consoles.
//! - `tokens`, `auth`: the operators' tokens and roles, and the bearer check.
//! - `tls`: HTTPS (and mutual TLS) when `--tls-cert`/`--tls-key` are given.

pub mod actions;
pub mod auth;
pub mod collect;
pub mod feed;
pub mod feed_http;
pub mod history;
pub mod http;
pub mod metrics;
pub mod tls;
pub mod tokens;
pub mod web;
pub mod words;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use prometheus_client::metrics::counter::Counter;
use tokio::net::TcpListener;
use tokio::sync::mpsc::unbounded_channel;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::model::ProviderId;
use crate::poller::{self, Event, PollerHandle, PollerOptions};
use crate::state::ProviderState;
use collect::Collected;
use history::HistoryStatus;

/// Where `serve` listens unless told: loopback, Prometheus' exporter port range.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9464";

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    /// Holds `history.sqlite` (the log's state dir by default).
    pub state_dir: PathBuf,
    /// The operators' tokens (`tokens.toml` in the state dir unless `--tokens`).
    pub tokens: PathBuf,
    /// How often an idle event stream carries a keep-alive comment.
    pub keep_alive: std::time::Duration,
    pub poller: PollerOptions,
    /// HTTPS with these files; None: plain HTTP.
    pub tls: Option<tls::TlsFiles>,
}

impl ServeOptions {
    /// Every resource on its own interval: nothing is "off screen" for a collector.
    pub fn new(listen: SocketAddr, state_dir: PathBuf) -> ServeOptions {
        ServeOptions {
            listen,
            tokens: tokens::default_path(&state_dir),
            keep_alive: feed_http::KEEP_ALIVE,
            state_dir,
            poller: PollerOptions {
                background_factor: 1,
                ..PollerOptions::default()
            },
            tls: None,
        }
    }
}

/// A running collector.
pub struct Serve {
    /// The address it listens on (the port chosen when `:0` was asked).
    pub addr: SocketAddr,
    /// `https` when it serves TLS, else `http`.
    pub scheme: &'static str,
    pub shared: Arc<Mutex<Collected>>,
    cancel: CancellationToken,
    pollers: Vec<PollerHandle>,
    tasks: Vec<JoinHandle<()>>,
    written: Counter,
    server: JoinHandle<std::io::Result<()>>,
}

/// Binds the listener, opens the store and starts the pollers. Must run inside the
/// tokio runtime. Stops when `cancel` is cancelled (then [`Serve::wait`]).
pub async fn start(
    config: &Config,
    opts: ServeOptions,
    cancel: CancellationToken,
) -> std::io::Result<Serve> {
    // The tokens, the TLS files and the port first: a bad tokens or certificate file or a
    // taken port fails before any provider is asked anything.
    let tokens = tokens::Tokens::load(&opts.tokens).map_err(std::io::Error::other)?;
    if tokens.is_open() {
        tracing::warn!(
            file = %opts.tokens.display(),
            "no token configured: every endpoint is open to anyone who can reach it \
             (add one with `switchboard serve token new --name NAME --role ROLE`)"
        );
    } else {
        tracing::info!(tokens = tokens.entries.len(), "bearer tokens required");
    }
    let tls = opts
        .tls
        .as_ref()
        .map(tls::server_config)
        .transpose()
        .map_err(std::io::Error::other)?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let listener = TcpListener::bind(opts.listen).await?;
    let addr = listener.local_addr()?;

    let history_status = Arc::new(Mutex::new(HistoryStatus::default()));
    let store = {
        let dir = opts.state_dir.clone();
        let status = history_status.clone();
        let cfg = config.history.clone();
        tokio::task::spawn_blocking(move || history::open(&dir, &cfg, &status))
            .await
            .unwrap_or(None)
    };

    let store_handle = store.as_ref().map(|h| h.store.clone());
    let (tx, mut rx) = unbounded_channel::<Event>();
    let mut providers = Vec::new();
    let mut failed = Vec::new();
    let mut pollers = Vec::new();
    let mut changers = Vec::new();
    for (i, cfg) in config.providers.iter().enumerate() {
        let id = ProviderId(i as u16);
        let pinned = cfg.read_only.unwrap_or(false);
        let mut changer = web::Changer {
            name: cfg.name.clone(),
            kind: cfg.kind,
            client: None,
            poller: None,
            pinned,
        };
        match poller::start(id, cfg, opts.poller, tx.clone(), cancel.child_token()) {
            Ok((client, handle)) => {
                let mut p = ProviderState::new(id, &cfg.name, cfg.kind, client.capabilities());
                p.config_read_only = pinned;
                providers.push(p);
                // Changes come only through `/v1/actions` (operators' tokens, audited);
                // a provider pinned read-only in the config refuses them in its client too.
                client.set_read_only(pinned);
                changer.client = Some(client);
                changer.poller = Some(handle.clone());
                pollers.push(handle);
            }
            Err(message) => {
                let message = crate::secret::redact(&message).into_owned();
                tracing::error!(provider = %cfg.name, "{message}");
                providers.push(Collected::placeholder(id, cfg));
                failed.push((i, message));
            }
        }
        changers.push(changer);
    }
    let audit = crate::audit::AuditLog::open(&opts.state_dir).map(|a| Arc::new(Mutex::new(a)));
    match &audit {
        Ok(log) => {
            tracing::info!(file = %log.lock().unwrap_or_else(|p| p.into_inner()).path().display(), "changes audited")
        }
        Err(e) => {
            tracing::warn!("audit log unavailable ({e}): changes through the collector are refused")
        }
    }
    drop(tx);
    let mut collected = Collected::new(providers);
    // Memory keeps the newest finished calls, as a console does; the store keeps every
    // one (written from each event before its fold) and `/v1/history` pages it. Without
    // this cap a collector at 100,000 finished calls grew without bound.
    collected.state.history_rows = config
        .ui
        .history_rows
        .unwrap_or(crate::retention::DEFAULT_HISTORY_ROWS);
    for (i, message) in failed {
        if let Some(c) = collected.counters.get_mut(i) {
            c.failed = Some(message);
        }
    }
    let shared = Arc::new(Mutex::new(collected));

    let written = Counter::default();
    let queue_totals = history::QueueTotals::default();
    history::load_queue_counters(store.as_ref(), &queue_totals).await;
    let (hist_tx, hist_rx) = unbounded_channel();
    let fold_shared = shared.clone();
    let fold = tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            let mut c = fold_shared.lock().unwrap_or_else(|p| p.into_inner());
            let queue = history::queue_of(&c, &event);
            let calls = c.fold(event);
            drop(c);
            let batch = history::Batch { calls, queue };
            if !batch.is_empty() {
                let _ = hist_tx.send(batch);
            }
        }
    });
    let mut tasks = vec![fold];
    if let Some(store) = &store {
        tasks.push(tokio::spawn(crate::history::pruner(
            store.store.clone(),
            config.history.keep_days,
            cancel.child_token(),
        )));
    }
    tasks.push(tokio::spawn(history::writer(
        store,
        hist_rx,
        history_status.clone(),
        written.clone(),
        queue_totals.clone(),
    )));

    let web = http::Web {
        registry: Arc::new(metrics::registry(
            shared.clone(),
            written.clone(),
            queue_totals,
        )),
        shared: shared.clone(),
        history: history_status,
        config: config
            .path
            .as_ref()
            .map_or_else(|| "<demo>".to_string(), |p| p.display().to_string()),
        tokens: Arc::new(tokens),
        store: store_handle,
        stop: cancel.clone(),
        keep_alive: opts.keep_alive,
        changes: Arc::new(web::Changes {
            providers: changers,
            audit,
        }),
    };
    let stop = cancel.clone();
    let server = tokio::spawn(async move {
        let router = http::router(web);
        match tls {
            Some(config) => {
                axum::serve(tls::TlsListener::new(listener, config), router)
                    .with_graceful_shutdown(stop.cancelled_owned())
                    .await
            }
            None => {
                axum::serve(listener, router)
                    .with_graceful_shutdown(stop.cancelled_owned())
                    .await
            }
        }
    });
    tracing::info!(url = %format!("{scheme}://{addr}"), providers = config.providers.len(), "collector serving");
    Ok(Serve {
        addr,
        scheme,
        shared,
        cancel,
        pollers,
        tasks,
        written,
        server,
    })
}

impl Serve {
    /// Asks every poller to read `resource` again now, within its budget. No endpoint
    /// calls this (a scrape never polls); tests use it to see a change without waiting
    /// for the resource's interval.
    pub fn refresh(&self, resource: crate::model::Resource) {
        for p in &self.pollers {
            p.send(poller::PollerCmd::Visible(resource));
            p.send(poller::PollerCmd::RefreshNow);
        }
    }

    /// How many finished calls this collector has newly written to the store (the
    /// counter itself: it keeps counting until [`Serve::shutdown`] has returned).
    pub fn calls_written(&self) -> Counter {
        self.written.clone()
    }

    /// Asks it to stop without waiting (polls end, the listener closes); for a caller
    /// that cannot wait, such as a test fixture's drop.
    pub fn stop(&self) {
        self.cancel.cancel();
    }

    /// Stops: polls end, the history already seen is written, the listener closes.
    pub async fn shutdown(self) -> std::io::Result<()> {
        self.cancel.cancel();
        self.wait().await
    }

    /// Waits until `cancel` stops the collector and everything is written.
    pub async fn wait(self) -> std::io::Result<()> {
        let served = self
            .server
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
        self.cancel.cancel();
        drop(self.pollers);
        for t in self.tasks {
            let _ = t.await;
        }
        served
    }
}

/// `switchboard serve`: runs until `cancel`; returns the process exit code.
pub async fn run(config: &Config, opts: ServeOptions, cancel: CancellationToken) -> u8 {
    let listen = opts.listen;
    match start(config, opts, cancel).await {
        Ok(serve) => {
            eprintln!(
                "switchboard serve: listening on {}://{}/metrics",
                serve.scheme, serve.addr
            );
            match serve.wait().await {
                Ok(()) => {
                    tracing::info!("collector stopped");
                    0
                }
                Err(e) => {
                    tracing::error!("collector's HTTP server failed: {e}");
                    1
                }
            }
        }
        Err(e) => {
            tracing::error!("cannot start on {listen}: {e}");
            eprintln!("switchboard serve: cannot start on {listen}: {e}");
            1
        }
    }
}
