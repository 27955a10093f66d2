//! The `switchboard` binary: parse arguments, then run the console, the simulators,
//! `snapshot`, `trace`, `serve`, the `config` helpers, `completions` or `man`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use clap::Parser;
use ratatui::crossterm::event::EventStream;
use switchboard::action::Action;
use switchboard::app::{Console, StartOptions};
use switchboard::cli::{Cli, Command, ConfigAction, Output, ServeAction, SimArgs, TokenAction};
use switchboard::config::{self, Config};
use switchboard::poller::PollerOptions;
use switchboard::state::Level;
use switchboard::theme::Theme;
use switchboard::{logging, sim, snapshot};
use tokio_util::sync::CancellationToken;

/// How long the runtime may take to stop its tasks once the console, `snapshot` or
/// `sim` is done; a task still running then (a poller busy in CPU work) is abandoned.
const RUNTIME_GRACE: Duration = Duration::from_millis(500);
/// After a signal, or once `q` has restored the terminal, the process ends within this
/// even if the orderly path is stuck (the backstop restores the terminal and exits).
const EXIT_DEADLINE: Duration = Duration::from_millis(1700);

/// The signal that ended the run (0: none).
static SIGNALLED: AtomicI32 = AtomicI32::new(0);
/// The console has the terminal in raw mode / the alternate screen.
static TERMINAL_TAKEN: AtomicBool = AtomicBool::new(false);
/// Files to remove on every exit path, the backstop's included (the simulators' CA file).
static CLEANUP: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn cleanup_list() -> MutexGuard<'static, Vec<PathBuf>> {
    CLEANUP.lock().unwrap_or_else(|p| p.into_inner())
}

/// The exit code of a run that `cancel` ended: 128 + the signal number when a signal
/// did, else `normal`.
fn exit_code(normal: ExitCode) -> ExitCode {
    match SIGNALLED.load(Ordering::SeqCst) {
        0 => normal,
        n => ExitCode::from(128u8.saturating_add(n as u8)),
    }
}

/// Ends the process now: terminal restored, temporary files removed.
fn force_exit(code: i32) -> ! {
    if TERMINAL_TAKEN.swap(false, Ordering::SeqCst) {
        ratatui::restore();
    }
    for path in cleanup_list().iter() {
        let _ = std::fs::remove_file(path);
    }
    std::process::exit(code)
}

/// Ends the process `EXIT_DEADLINE` from now with `code` unless it has ended by then.
fn arm_backstop(code: i32) {
    let _ = std::thread::Builder::new()
        .name("exit-backstop".into())
        .spawn(move || {
            std::thread::sleep(EXIT_DEADLINE);
            tracing::warn!("shutdown took too long: exiting");
            force_exit(code)
        });
}

fn main() -> ExitCode {
    limit_malloc_arenas();
    let cli = Cli::parse();
    // Text generated from the definitions alone: no runtime, no config, no signals.
    match &cli.command {
        Some(Command::Completions { shell }) => {
            let written = switchboard::cli::docs::completions(*shell, &mut std::io::stdout());
            return printed(written, "the completion script");
        }
        Some(Command::Man) => {
            let written = switchboard::cli::docs::man_page(&mut std::io::stdout());
            return printed(written, "the man page");
        }
        _ => {}
    }
    let config_path = config::resolve_path(cli.config.clone());
    if switchboard::theme::print_list_if_asked(cli.theme.as_deref(), config_path.as_deref()) {
        return ExitCode::SUCCESS;
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("switchboard: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let cancel = CancellationToken::new();
    if !matches!(cli.command, Some(Command::Config { .. })) {
        watch_signals(cancel.clone());
    }
    let code = match &cli.command {
        Some(Command::Sim(args)) => rt.block_on(run_sim(args.clone(), cancel)),
        Some(Command::Snapshot {
            output,
            json,
            resource,
            collector,
        }) => {
            let output = if *json { Output::Json } else { *output };
            let format = match snapshot::Format::new(output, *resource) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("switchboard snapshot: {e}");
                    return ExitCode::from(2);
                }
            };
            let _log = start_logging(&cli);
            script(
                &rt,
                &cli,
                "snapshot",
                collector,
                &cancel,
                |feed| async move { switchboard::attach::snapshot::run(&feed, format).await },
                |cfg| async move { snapshot::run(&cfg, format).await },
            )
        }
        Some(Command::Trace {
            number,
            json,
            collector,
        }) => {
            let _log = start_logging(&cli);
            script(
                &rt,
                &cli,
                "trace",
                collector,
                &cancel,
                |feed| async move { switchboard::attach::trace::run(&feed, number, *json).await },
                |cfg| async move { switchboard::trace::cli::run(&cfg, number, *json).await },
            )
        }
        Some(Command::Serve {
            action: Some(action),
            tokens,
            ..
        }) => serve_action(action, tokens.as_deref()),
        Some(Command::Serve {
            listen,
            tokens,
            tls_cert,
            tls_key,
            tls_client_ca,
            ..
        }) => {
            let tls = match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => Some(switchboard::serve::tls::TlsFiles {
                    cert: cert.clone(),
                    key: key.clone(),
                    client_ca: tls_client_ca.clone(),
                }),
                _ => None,
            };
            run_serve(&cli, *listen, tokens.clone(), tls, &rt, cancel)
        }
        Some(Command::Config { action }) => config_command(&cli, action),
        Some(Command::Completions { .. } | Command::Man) => ExitCode::SUCCESS,
        None => run_console(&cli, &rt, cancel),
    };
    // Tasks still busy (a poller deep in CPU work, a hung request) must not keep the
    // process alive: they get a short grace, then are abandoned.
    rt.shutdown_timeout(RUNTIME_GRACE);
    code
}

/// The exit code of printing `what`: a reader that stopped early (`| head`) is no error.
fn printed(written: std::io::Result<()>, what: &str) -> ExitCode {
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("switchboard: cannot write {what}: {e}");
            ExitCode::from(1)
        }
    }
}

/// `switchboard serve`: logs to the file and stderr; ends at SIGTERM/SIGINT with 0
/// once polls have stopped and the history seen is written.
fn run_serve(
    cli: &Cli,
    listen: std::net::SocketAddr,
    tokens: Option<std::path::PathBuf>,
    tls: Option<switchboard::serve::tls::TlsFiles>,
    rt: &tokio::runtime::Runtime,
    cancel: CancellationToken,
) -> ExitCode {
    let _log = match logging::init_service(&logging::state_dir(), cli.log_level.as_deref()) {
        Ok(g) => Some(g),
        Err(e) => {
            eprintln!("switchboard: logging to a file disabled: {e}");
            None
        }
    };
    let cfg = match load_config_to(cli, _log.is_some()) {
        Ok((cfg, _)) => cfg,
        Err(code) => return code,
    };
    let mut opts = switchboard::serve::ServeOptions::new(listen, logging::state_dir());
    if let Some(path) = tokens {
        opts.tokens = path;
    }
    opts.tls = tls;
    ExitCode::from(rt.block_on(switchboard::serve::run(&cfg, opts, cancel)))
}

/// `switchboard serve token new`: the token on stdout (once), where it went on stderr.
fn serve_action(action: &ServeAction, tokens: Option<&std::path::Path>) -> ExitCode {
    use switchboard::serve::tokens;
    let ServeAction::Token {
        action: TokenAction::New { name, role },
    } = action;
    let path = tokens.map_or_else(|| tokens::default_path(&logging::state_dir()), Into::into);
    let Some(role) = tokens::Role::parse(role) else {
        eprintln!("switchboard serve token new: unknown role {role:?}");
        return ExitCode::from(2);
    };
    match tokens::add(&path, name, role) {
        Ok(token) => {
            eprintln!(
                "switchboard: token for {name} ({role}) stored as a hash in {}; it is shown only now:",
                path.display()
            );
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("switchboard serve token new: {e}");
            ExitCode::from(1)
        }
    }
}

fn start_logging(cli: &Cli) -> Option<logging::LogGuard> {
    match logging::init(&logging::state_dir(), cli.log_level.as_deref()) {
        Ok(g) => Some(g),
        Err(e) => {
            eprintln!("switchboard: logging disabled: {e}");
            None
        }
    }
}

/// Loads the config named by --config / $SWITCHBOARD_CONFIG / the default path, or
/// prints one clear message and returns exit code 2.
fn load_config(cli: &Cli) -> Result<(Config, Vec<String>), ExitCode> {
    load_config_to(cli, false)
}

/// [`load_config`]; `logs_on_stderr`: the log already writes to stderr (a service), so
/// warnings and errors go there once, as log lines.
fn load_config_to(cli: &Cli, logs_on_stderr: bool) -> Result<(Config, Vec<String>), ExitCode> {
    let Some(path) = config::resolve_path(cli.config.clone()) else {
        eprintln!("switchboard: no config directory on this system; pass --config PATH");
        return Err(ExitCode::from(2));
    };
    if !path.exists() {
        eprintln!(
            "switchboard: no config file at {}\n  create one with `switchboard config init`, or try `switchboard --demo`",
            path.display()
        );
        return Err(ExitCode::from(2));
    }
    match config::load(&path) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                if !logs_on_stderr {
                    eprintln!("switchboard: warning: {w}");
                }
                tracing::warn!("{w}");
            }
            Ok((loaded.config, loaded.warnings))
        }
        Err(e) => {
            if !logs_on_stderr {
                eprintln!("switchboard: {e}");
            }
            tracing::error!("{e}");
            Err(ExitCode::from(2))
        }
    }
}

/// Where themes are looked for, first first: beside the config file in use, beside the
/// default config file, then `./themes`.
fn theme_dirs(config_path: Option<&Path>) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(p) = config_path.and_then(Path::parent) {
        dirs.push(p.join("themes"));
    }
    if let Some(p) = config::default_path().as_ref().and_then(|p| p.parent()) {
        let d = p.join("themes");
        if !dirs.contains(&d) {
            dirs.push(d);
        }
    }
    dirs.push(PathBuf::from("themes"));
    dirs
}

fn theme_for(cli: &Cli, cfg: &Config) -> Result<Theme, String> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dirs = theme_dirs(cfg.path.as_deref());
    Theme::choose(
        cli.theme.as_deref(),
        cfg.ui.theme.as_deref(),
        no_color,
        &dirs,
    )
}

fn run_console(cli: &Cli, rt: &tokio::runtime::Runtime, cancel: CancellationToken) -> ExitCode {
    let _log = start_logging(cli);
    let mut sims = None;
    let mut warnings = Vec::new();
    // The demo draws at once (the console's frame, saying what it waits for) while its
    // simulators start; the console then connects as they come up.
    let mut early_terminal = None;
    let config = if cli.demo {
        let pending = rt.spawn(sim::start(sim::SimOptions::default()));
        early_terminal = first_frame(cli, "starting the demo simulators…");
        let started = rt
            .block_on(pending)
            .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
        let running = match started {
            Ok(s) => s,
            Err(e) => {
                give_back_terminal();
                eprintln!("switchboard: cannot start the demo simulators: {e}");
                return ExitCode::from(1);
            }
        };
        cleanup_list().extend(running.temp_files());
        let parsed = config::parse(&running.config_toml(), Path::new("<demo>"));
        sims = Some(running);
        match parsed {
            Ok(l) => l.config,
            Err(e) => {
                give_back_terminal();
                eprintln!("switchboard: demo config: {e}");
                return ExitCode::from(1);
            }
        }
    } else if cli.collector.connect.is_some()
        && !config::resolve_path(cli.config.clone()).is_some_and(|p| p.exists())
    {
        // Attached, a config file is optional: the collector has the providers.
        Config::default()
    } else {
        match load_config(cli) {
            Ok((c, w)) => {
                warnings = w;
                c
            }
            Err(code) => return code,
        }
    };
    let attach = match attach_options(
        cli.collector.connect.as_ref(),
        cli.collector.token.as_ref(),
        &cli.collector.tls,
        &config,
    ) {
        Ok(a) => a,
        Err(e) => {
            give_back_terminal();
            eprintln!("switchboard: {e}");
            return ExitCode::from(2);
        }
    };
    // A `--scope` that names no provider stops the start (a wall screen must not come
    // up showing everything when it was told one provider).
    if let Some(scope) = cli.scope.as_ref().filter(|_| attach.is_none()) {
        let names: Vec<String> = config.providers.iter().map(|p| p.name.clone()).collect();
        if let Err(e) = switchboard::update::start_scope(&names, scope) {
            give_back_terminal();
            eprintln!("switchboard: {e}");
            return ExitCode::from(2);
        }
    }
    let theme = match theme_for(cli, &config) {
        Ok(t) => t,
        Err(e) => {
            give_back_terminal();
            eprintln!("switchboard: {e}");
            return ExitCode::from(2);
        }
    };
    // Conflicts were already reported as config warnings, with their line.
    let keymap = match switchboard::keymap::Keymap::new(&config.keys) {
        Ok((keymap, _conflicts)) => keymap,
        Err(e) => {
            give_back_terminal();
            eprintln!("switchboard: [keys]: {e}");
            return ExitCode::from(2);
        }
    };
    tracing::info!(
        providers = config.providers.len(),
        demo = cli.demo,
        "console starting"
    );

    let result = rt.block_on(async {
        let opts = StartOptions {
            poller: PollerOptions::default(),
            read_only: cli.read_only || config.read_only,
            state_dir: Some(logging::state_dir()),
            keymap,
            osc52: true,
            view: cli.start_view(&config),
            ..StartOptions::for_terminal(&config, cli.theme.as_deref())
        };
        let mut console = match attach {
            // No poller, no provider request: everything comes from the collector.
            Some(feed) => Console::attach(feed, theme, opts, cancel.clone()),
            None => Console::start(&config, theme, opts, cancel.clone()),
        };
        // One message line holds one notice: every config warning goes in it, the first
        // (a readable file holding a secret) in front.
        if !warnings.is_empty() {
            let _ = console.sender().send(Action::Notice {
                level: Level::Warn,
                text: warnings.join("  ·  "),
            });
        }
        let mut terminal = match early_terminal {
            Some(t) => t,
            None => {
                let t = switchboard::app::init_terminal()?;
                TERMINAL_TAKEN.store(true, Ordering::SeqCst);
                install_panic_hook();
                t
            }
        };
        let r = console.run(&mut terminal, EventStream::new()).await;
        if TERMINAL_TAKEN.swap(false, Ordering::SeqCst) {
            ratatui::restore();
        }
        r
    });
    cancel.cancel();
    // The terminal is back; whatever is still running must not keep the process alive.
    let code = match &result {
        Ok(()) => exit_code(ExitCode::SUCCESS),
        Err(_) => ExitCode::from(1),
    };
    arm_backstop(match (&result, SIGNALLED.load(Ordering::SeqCst)) {
        (Err(_), _) => 1,
        (Ok(()), 0) => 0,
        (Ok(()), n) => 128 + n,
    });
    drop(sims);
    match result {
        Ok(()) => {
            tracing::info!("console stopped");
            code
        }
        Err(e) => {
            tracing::error!("terminal error: {e}");
            eprintln!("switchboard: terminal error: {e}");
            ExitCode::from(1)
        }
    }
}

/// `snapshot` and `trace`: from the collector when attached (`--connect`, else
/// `[collector] url`), else one poll of the providers; a signal ends it with 128 + n.
fn script<A, L>(
    rt: &tokio::runtime::Runtime,
    cli: &Cli,
    name: &str,
    via: &switchboard::cli::CollectorArgs,
    cancel: &CancellationToken,
    attached: impl FnOnce(switchboard::attach::client::AttachOptions) -> A,
    local: impl FnOnce(Config) -> L,
) -> ExitCode
where
    A: std::future::Future<Output = u8>,
    L: std::future::Future<Output = u8>,
{
    let loaded = config_for(cli, via.connect.is_some());
    let attach = loaded
        .as_ref()
        .ok()
        .map(|(cfg, _)| attach_options(via.connect.as_ref(), via.token.as_ref(), &via.tls, cfg));
    let run = |code: std::pin::Pin<Box<dyn std::future::Future<Output = u8> + '_>>| {
        rt.block_on(async {
            tokio::select! {
                code = code => ExitCode::from(code),
                _ = cancel.cancelled() => exit_code(ExitCode::from(1)),
            }
        })
    };
    match (loaded, attach) {
        (_, Some(Err(e))) => {
            eprintln!("switchboard {name}: {e}");
            ExitCode::from(2)
        }
        (_, Some(Ok(Some(feed)))) => run(Box::pin(attached(feed))),
        (Ok((cfg, _)), _) => run(Box::pin(local(cfg))),
        (Err(code), _) => code,
    }
}

/// The config of `snapshot`/`trace`: attached (`--connect`), a config file is optional,
/// since the collector has the providers.
fn config_for(cli: &Cli, connect: bool) -> Result<(Config, Vec<String>), ExitCode> {
    if connect && !config::resolve_path(cli.config.clone()).is_some_and(|p| p.exists()) {
        Ok((Config::default(), Vec::new()))
    } else {
        load_config(cli)
    }
}

/// The collector to attach to (`--connect`, else `[collector] url`), its token
/// (`--token` or $SWITCHBOARD_TOKEN, else `[collector] token`) and its TLS files (the
/// flags, else `[collector] ca`/`client_cert`/`client_key`; read now, so a missing file
/// is said before anything connects). None: local mode. Errors never hold the token.
fn attach_options(
    connect: Option<&String>,
    token: Option<&String>,
    tls: &switchboard::cli::CollectorTls,
    config: &Config,
) -> Result<Option<switchboard::attach::client::AttachOptions>, String> {
    let Some(url) = connect.cloned().or_else(|| config.collector.url.clone()) else {
        return Ok(None);
    };
    config::check_collector_url(&url).map_err(|e| format!("--connect: {e}"))?;
    let token = match token {
        Some(raw) => Some(config::token_from(raw)?),
        None => config.collector.token()?,
    };
    let c = &config.collector;
    let ca = tls.collector_ca.as_ref().or(c.ca.as_ref());
    let client = match (&tls.client_cert, &tls.client_key) {
        (Some(cert), Some(key)) => Some((cert, key)),
        _ => c.client_cert.as_ref().zip(c.client_key.as_ref()),
    };
    let files = switchboard::attach::http::ClientTls::load(
        ca.map(|p| p.as_path()),
        client.map(|(c, k)| (c.as_path(), k.as_path())),
    )?;
    tracing::info!(collector = %url, token = token.is_some(), "attaching to the collector");
    let mut opts = switchboard::attach::client::AttachOptions::new(&url, token);
    opts.tls = files;
    Ok(Some(opts))
}

/// ratatui's hook restores the terminal; keep it for panics on the UI thread. A panic in
/// a background task is logged only: its poller reports the failure and the console
/// keeps running in its alternate screen.
/// Takes the terminal and draws the console's frame with `notice` on its message line,
/// before anything it shows is known. None when the terminal cannot be taken (the
/// console tries again, and says why, when it starts).
fn first_frame(cli: &Cli, notice: &str) -> Option<switchboard::app::Terminal<std::io::Stdout>> {
    use switchboard::app::Screen;
    let theme = theme_for(cli, &Config::default()).ok()?;
    let mut terminal = switchboard::app::init_terminal().ok()?;
    TERMINAL_TAKEN.store(true, Ordering::SeqCst);
    install_panic_hook();
    let now = switchboard::clock::epoch_ms();
    let mut state = switchboard::state::State::new(Vec::new(), now);
    state.message = Some(switchboard::state::Message {
        text: notice.to_string(),
        level: Level::Info,
        at_ms: now,
    });
    if let Ok((w, h)) = Screen::size(&mut terminal) {
        state.size = (w, h);
    }
    let _ = terminal.draw_state(&state, &theme);
    Some(terminal)
}

/// Restores the terminal if the console took it (before printing an error).
fn give_back_terminal() {
    if TERMINAL_TAKEN.swap(false, Ordering::SeqCst) {
        ratatui::restore();
    }
}

fn install_panic_hook() {
    let restore_and_print = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!("panic: {info}");
        if std::thread::current().name() == Some("main") {
            restore_and_print(info);
        }
    }));
}

/// SIGINT, SIGTERM and SIGHUP (an SSH drop) end the console, `snapshot` and `sim`
/// cleanly with exit code 128 + n. The watch runs on its own thread and runtime, so it
/// answers even when every async worker is busy; it cancels `cancel` (the orderly path:
/// terminal restored, files removed) and ends the process itself [`EXIT_DEADLINE`] later
/// (or at a second signal) if that path has not finished.
fn watch_signals(cancel: CancellationToken) {
    #[cfg(unix)]
    {
        let spawned = std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        tracing::warn!("cannot watch signals: {e}");
                        return;
                    }
                };
                rt.block_on(async move {
                    use tokio::signal::unix::{SignalKind, signal};
                    let (Ok(mut term), Ok(mut hup), Ok(mut int)) = (
                        signal(SignalKind::terminate()),
                        signal(SignalKind::hangup()),
                        signal(SignalKind::interrupt()),
                    ) else {
                        tracing::warn!("cannot watch signals");
                        return;
                    };
                    let n = tokio::select! {
                        _ = term.recv() => 15,
                        _ = hup.recv() => 1,
                        _ = int.recv() => 2,
                    };
                    tracing::info!(signal = n, "signal received: stopping");
                    SIGNALLED.store(n, Ordering::SeqCst);
                    cancel.cancel();
                    tokio::select! {
                        _ = tokio::time::sleep(EXIT_DEADLINE) => {
                            tracing::warn!("shutdown took too long: exiting");
                        }
                        _ = term.recv() => {}
                        _ = hup.recv() => {}
                        _ = int.recv() => {}
                    }
                    force_exit(128 + n)
                });
            });
        if let Err(e) = spawned {
            tracing::warn!("cannot watch signals: {e}");
        }
    }
    #[cfg(not(unix))]
    let _ = cancel;
}

async fn run_sim(args: SimArgs, cancel: CancellationToken) -> ExitCode {
    let opts = match args.sims.options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("switchboard sim: {e}");
            return ExitCode::from(2);
        }
    };
    let sims = match sim::start(opts).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "switchboard sim: cannot listen on {}: {e}",
                args.sims.listen
            );
            return ExitCode::from(1);
        }
    };
    cleanup_list().extend(sims.temp_files());
    println!("{}", sims.describe());
    if let Some(path) = &args.write_config {
        match write_private(path, &sims.config_toml()) {
            Ok(()) => println!("console config written to {}", path.display()),
            Err(e) => {
                eprintln!("switchboard sim: cannot write {}: {e}", path.display());
                return ExitCode::from(1);
            }
        }
    }
    println!("Ctrl-C to stop.");
    cancel.cancelled().await;
    // Dropping the simulators removes the CA file.
    sims.shutdown();
    exit_code(ExitCode::SUCCESS)
}

/// Writes a file readable by its owner only (it holds demo keys).
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

fn config_command(cli: &Cli, action: &ConfigAction) -> ExitCode {
    match action {
        ConfigAction::Init { path, force } => {
            // `--path`, else the file the other commands would read.
            let Some(path) = path
                .clone()
                .or_else(|| config::resolve_path(cli.config.clone()))
            else {
                eprintln!("switchboard: no config directory on this system; pass --path");
                return ExitCode::from(2);
            };
            match config::write_template(&path, *force) {
                Ok(()) => {
                    println!("wrote {}", path.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("switchboard: {e}");
                    ExitCode::from(2)
                }
            }
        }
        ConfigAction::Paths => {
            let path = config::resolve_path(cli.config.clone());
            let cfg = path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "-".into());
            let state = logging::state_dir();
            println!("config:  {cfg}");
            println!("logs:    {}", state.display());
            println!(
                "audit:   {}",
                switchboard::audit::audit_path(&state).display()
            );
            println!(
                "history: {} (serve)",
                state.join(switchboard::store::FILE_NAME).display()
            );
            for dir in theme_dirs(path.as_deref()) {
                let dir = std::path::absolute(&dir).unwrap_or(dir);
                println!("themes:  {}", dir.display());
            }
            ExitCode::SUCCESS
        }
        ConfigAction::Check { resolve } => config_check(cli, *resolve),
    }
}

/// `config check`: exit 0 and a summary when the file validates, 2 and the same message
/// a start would print when it does not. No request is sent; secrets are resolved only
/// with `--resolve`, and never printed.
fn config_check(cli: &Cli, resolve: bool) -> ExitCode {
    let Some(path) = config::resolve_path(cli.config.clone()) else {
        eprintln!("switchboard: no config directory on this system; pass --config PATH");
        return ExitCode::from(2);
    };
    if !path.exists() {
        eprintln!(
            "switchboard: no config file at {}\n  create one with `switchboard config init`",
            path.display()
        );
        return ExitCode::from(2);
    }
    match config::check(&path, resolve) {
        Ok(report) => {
            for w in &report.warnings {
                eprintln!("switchboard: warning: {w}");
            }
            if let Err(e) = switchboard::keymap::Keymap::new(&report.config.keys) {
                eprintln!("switchboard: [keys]: {e}");
                return ExitCode::from(2);
            }
            if let Err(e) = theme_for(cli, &report.config) {
                eprintln!("switchboard: {e}");
                return ExitCode::from(2);
            }
            print!("{}", report.text());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("switchboard: {e}");
            ExitCode::from(2)
        }
    }
}

/// glibc's defaults hold on to memory a console at NOC scale has freed:
/// - every thread that allocates gets an arena of its own (up to 8 per core), and memory
///   freed in one is not reused by another (the runtime's workers, the blocking threads
///   that decode big lists);
/// - after a large buffer is freed, the mmap threshold rises to its size (up to 32 MB),
///   so the next response bodies of a few megabytes land in the heap and fragment it.
///
/// At 10,000 live calls that was 120 MB of RSS for 47 MB of heap (issue 14). Two arenas,
/// and buffers over 256 KB mapped (and unmapped when freed), keep RSS near the heap.
/// An operator's own `MALLOC_*` tuning wins.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if !std::env::vars_os().any(|(k, _)| k.to_string_lossy().starts_with("MALLOC_")) {
        // SAFETY: `mallopt` only sets allocator tunables; it runs first in `main`,
        // before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
            libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 128 * 1024);
        }
    }
}
