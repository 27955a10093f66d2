//! `switchboard config check` as a user runs it: the real binary, a private HOME, no
//! request sent (providers point at a listener nobody may connect to), secrets resolved
//! only with `--resolve` and never printed.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};

struct Home(PathBuf);

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn home(tag: &str) -> Home {
    let dir = std::env::temp_dir().join(format!(
        "sb-check-{tag}-{}-{}",
        std::process::id(),
        crate::support::unique()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    Home(dir)
}

fn write(home: &Home, body: &str) -> PathBuf {
    let path = home.0.join("config.toml");
    std::fs::write(&path, body).expect("written");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("mode");
    }
    path
}

fn run(home: &Home, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    cmd.args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", &home.0);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("binary runs")
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A listener no request may reach: after the check, nothing connected to it.
struct Tripwire(TcpListener);

impl Tripwire {
    fn new() -> Tripwire {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.set_nonblocking(true).expect("nonblocking");
        Tripwire(l)
    }
    fn url(&self) -> String {
        format!(
            "http://127.0.0.1:{}",
            self.0.local_addr().expect("addr").port()
        )
    }
    fn assert_untouched(&self) {
        match self.0.accept() {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Ok((_, peer)) => panic!("config check connected to a provider (from {peer})"),
            Err(e) => panic!("{e}"),
        }
    }
}

fn config(url: &str, key: &str) -> String {
    format!(
        "read_only = true\n\n[[provider]]\nname = \"pbx\"\nkind = \"cloudonix\"\nbase_url = \"{url}\"\napi_key = \"{key}\"\n"
    )
}

const ENV_SECRET: &str = "env-secret-4f9a1c2e7b";
const CMD_SECRET: &str = "cmd-secret-8d3e6a0f5c";
const LITERAL_SECRET: &str = "literal-secret-1b7c9e2d4a";

#[test]
fn a_good_file_is_valid_without_resolving_or_any_request() {
    let h = home("good");
    let wire = Tripwire::new();
    let marker = h.0.join("ran");
    let path = write(
        &h,
        &format!(
            "{}\n[[provider]]\nname = \"second\"\nkind = \"cloudonix\"\nbase_url = \"{}\"\napi_key = \"cmd:touch {} && echo {CMD_SECRET}\"\n",
            config(&wire.url(), "env:SB_CHECK_KEY"),
            wire.url(),
            marker.display()
        ),
    );
    let out = run(
        &h,
        &["config", "check", "--config", path.to_str().unwrap()],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.starts_with(&format!("{}: valid (2 providers)", path.display())),
        "{stdout}"
    );
    assert!(stdout.contains("provider \"pbx\" (cloudonix)"), "{stdout}");
    assert!(
        stdout.contains(
            "secret: provider \"pbx\", key `api_key` from env:SB_CHECK_KEY: not resolved (--resolve resolves it)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("secret: provider \"second\", key `api_key` from cmd:: not resolved"),
        "{stdout}"
    );
    // The command was not run, and its text is not repeated.
    assert!(!marker.exists(), "cmd: ran without --resolve");
    assert!(!stdout.contains("touch"), "{stdout}");
    wire.assert_untouched();
}

#[test]
fn resolve_says_which_secrets_resolved_and_prints_none() {
    let h = home("resolve");
    let wire = Tripwire::new();
    let path = write(
        &h,
        &format!(
            "{}\n[[provider]]\nname = \"second\"\nkind = \"cloudonix\"\nbase_url = \"{}\"\napi_key = \"cmd:echo {CMD_SECRET}\"\n\n[[provider]]\nname = \"third\"\nkind = \"cloudonix\"\nbase_url = \"{}\"\napi_key = \"{LITERAL_SECRET}\"\n",
            config(&wire.url(), "env:SB_CHECK_KEY"),
            wire.url(),
            wire.url(),
        ),
    );
    let out = run(
        &h,
        &[
            "config",
            "check",
            "--resolve",
            "--config",
            path.to_str().unwrap(),
        ],
        &[("SB_CHECK_KEY", ENV_SECRET)],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("provider \"pbx\", key `api_key` from env:SB_CHECK_KEY: resolved"),
        "{stdout}"
    );
    assert!(
        stdout.contains("provider \"second\", key `api_key` from cmd:: resolved"),
        "{stdout}"
    );
    for secret in [ENV_SECRET, CMD_SECRET, LITERAL_SECRET] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{secret} printed:\n{stdout}\n{stderr}"
        );
    }
    wire.assert_untouched();
}

/// A reference that cannot be resolved fails `--resolve` (exit 2) with the message a
/// start gives, naming line and key; without `--resolve` the file is valid.
#[test]
fn an_unresolvable_secret_fails_resolve_only() {
    let h = home("unset");
    let wire = Tripwire::new();
    let path = write(&h, &config(&wire.url(), "env:SB_CHECK_UNSET"));
    let p = path.to_str().unwrap();
    let out = run(&h, &["config", "check", "--config", p], &[]);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let out = run(&h, &["config", "check", "--resolve", "--config", p], &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert_eq!(
        stderr.trim_end(),
        format!(
            "switchboard: config error: {} line 7, key `api_key`: provider \"pbx\": environment variable SB_CHECK_UNSET is not set",
            path.display()
        )
    );
    assert!(stdout.is_empty(), "{stdout}");
    wire.assert_untouched();
}

/// A bad file: exit 2 and, word for word, the message a start prints; the mistyped key is
/// named with its line and the suggestion. `SWITCHBOARD_CONFIG` names the file too.
#[test]
fn a_bad_file_exits_2_with_the_start_message() {
    let h = home("bad");
    let wire = Tripwire::new();
    let path = write(
        &h,
        &format!(
            "[[provider]]\nname = \"pbx\"\nkind = \"cloudonix\"\nbase_url = \"{}\"\napi_kye = \"{LITERAL_SECRET}\"\n",
            wire.url()
        ),
    );
    let env = [("SWITCHBOARD_CONFIG", path.to_str().unwrap())];
    let out = run(&h, &["config", "check"], &env);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "switchboard: config error: {} line 5, key `api_kye`: unknown key in [[provider]]",
            path.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.trim_end().ends_with("did you mean `api_key`?"),
        "{stderr}"
    );
    assert!(!stderr.contains(LITERAL_SECRET), "{stderr}");
    // The same words as `snapshot` (a start) prints for the file.
    let start = run(&h, &["snapshot"], &env);
    assert_eq!(start.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&start.stderr), stderr);
    wire.assert_untouched();

    let out = run(
        &h,
        &["config", "check", "--config", "/nonexistent/sb.toml"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out)
            .1
            .contains("no config file at /nonexistent/sb.toml")
    );
}

/// `config paths` follows `--config`: the file, and the themes folder beside it first.
#[test]
fn config_paths_honours_the_config_flag() {
    let h = home("paths");
    let path = h.0.join("elsewhere/sb.toml");
    let out = run(
        &h,
        &["config", "paths", "--config", path.to_str().unwrap()],
        &[],
    );
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0));
    let state = h.0.join(".local/state/switchboard");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], format!("config:  {}", path.display()));
    assert_eq!(lines[1], format!("logs:    {}", state.display()));
    assert_eq!(
        lines[2],
        format!("audit:   {}", state.join("audit.jsonl").display())
    );
    assert!(lines[3].starts_with("history: "), "{stdout}");
    assert_eq!(
        lines[4],
        format!("themes:  {}", h.0.join("elsewhere/themes").display())
    );
    assert_eq!(
        lines[5],
        format!(
            "themes:  {}",
            h.0.join(".config/switchboard/themes").display()
        )
    );
    assert!(lines[6].starts_with("themes:  /") && lines[6].ends_with("/themes"));
}

#[test]
fn a_base_url_is_printed_without_its_query() {
    // Credentials before the host are refused as a config error; a query string (some
    // gateways take a token there) is allowed but never printed.
    let h = home("query");
    let wire = Tripwire::new();
    let path = write(
        &h,
        &config(&format!("{}/v1?token=q-secret-2a7f", wire.url()), "XI0123"),
    );
    let out = run(
        &h,
        &["config", "check", "--config", path.to_str().unwrap()],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains(&format!("{}/v1", wire.url())), "{stdout}");
    assert!(!stdout.contains("q-secret-2a7f"), "{stdout}");
    assert!(!stderr.contains("q-secret-2a7f"), "{stderr}");
    wire.assert_untouched();
}

/// `[collector]`'s TLS files: a file not there yet is a warning at its line (exit 0); a
/// client certificate without its key is an error naming the key (exit 2).
#[test]
fn collector_tls_files_are_checked_with_their_line() {
    let h = home("collector-tls");
    let path = write(
        &h,
        "[collector]\nurl = \"https://noc.example:9464\"\nca = \"/nonexistent/noc-ca.pem\"\n",
    );
    let out = run(
        &h,
        &["config", "check", "--config", path.to_str().unwrap()],
        &[],
    );
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("line 3")
            && err.contains("collector.ca: /nonexistent/noc-ca.pem does not exist"),
        "{err}"
    );
    let path = write(
        &h,
        "[collector]\nurl = \"https://noc.example:9464\"\nclient_key = \"/tmp/me.key\"\n",
    );
    let out = run(
        &h,
        &["config", "check", "--config", path.to_str().unwrap()],
        &[],
    );
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("line 3")
            && err.contains("collector.client_key")
            && err.contains("`client_cert`"),
        "{err}"
    );
}
