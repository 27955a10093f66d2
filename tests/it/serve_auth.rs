//! The collector's tokens and roles over real HTTP: every role against every endpoint
//! (200/401/403), an open collector when no token is configured, and the binary's
//! `serve token new` → `serve` round trip with the token in no log line.

use crate::serve::temp_dir;
use crate::support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use switchboard::config;
use switchboard::serve::tokens::{self, Role};
use switchboard::serve::{self, Serve, ServeOptions};
use tokio_util::sync::CancellationToken;

async fn start(dir: &Path, tokens_file: PathBuf) -> Serve {
    // No provider: the table is about the HTTP layer, not about polls.
    let cfg = config::parse("", Path::new("<empty>")).unwrap().config;
    let mut opts = ServeOptions::new("127.0.0.1:0".parse().unwrap(), dir.to_path_buf());
    opts.tokens = tokens_file;
    serve::start(&cfg, opts, CancellationToken::new())
        .await
        .expect("serve starts")
}

async fn status(serve: &Serve, path: &str, token: Option<&str>) -> (u16, String) {
    let mut req = reqwest::Client::new().get(format!("http://{}{path}", serve.addr));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.expect("serve answers");
    let code = r.status().as_u16();
    if code == 200 && path == "/v1/events" {
        // A stream that stays open: its status is the answer.
        return (code, String::new());
    }
    (code, r.text().await.unwrap_or_default())
}

const ENDPOINTS: [&str; 7] = [
    "/healthz",
    "/readyz",
    "/metrics",
    "/v1/whoami",
    "/v1/snapshot",
    "/v1/events",
    "/v1/history",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_against_each_endpoint() {
    let dir = temp_dir("auth");
    let file = dir.join("tokens.toml");
    let mut tokens = Vec::new();
    for role in Role::ALL {
        tokens.push((role, tokens::add(&file, role.name(), role).unwrap()));
    }
    let serve = start(&dir, file).await;
    // What each caller gets from ENDPOINTS, in order.
    let wrong = "sbt_0000000000000000000000000000000000000000000000000000000000000000";
    let mut table: Vec<(String, Option<&str>, [u16; 7])> = vec![
        ("no token".into(), None, [200, 200, 401, 401, 401, 401, 401]),
        (
            "wrong token".into(),
            Some(wrong),
            [200, 200, 401, 401, 401, 401, 401],
        ),
    ];
    for (role, token) in &tokens {
        let row = match role {
            Role::Metrics => [200, 200, 200, 403, 403, 403, 403],
            Role::Viewer | Role::Operator | Role::Admin => [200; 7],
        };
        table.push((role.name().to_string(), Some(token.as_str()), row));
    }
    for (who, token, expected) in &table {
        for (path, want) in ENDPOINTS.iter().zip(expected) {
            let (got, body) = status(&serve, path, *token).await;
            assert_eq!(got, *want, "{who} GET {path}: {body}");
            // Refusals name no token, operator or hash.
            if got == 401 || got == 403 {
                for (role, t) in &tokens {
                    assert!(!body.contains(t.as_str()), "{body}");
                    if got == 401 {
                        assert!(!body.contains(role.name()), "{who} {path}: {body}");
                    }
                }
                assert!(!body.contains("sha256"), "{body}");
            }
        }
    }
    // 401 is the same for a missing and a wrong token, and says how to authenticate.
    let (_, missing) = status(&serve, "/metrics", None).await;
    let (_, bad) = status(&serve, "/metrics", Some(wrong)).await;
    assert_eq!(missing, bad);
    assert!(missing.contains("Authorization: Bearer"), "{missing}");
    let (_, forbidden) = status(&serve, "/v1/whoami", Some(&tokens[0].1)).await;
    assert!(
        forbidden.contains("metrics") && forbidden.contains("viewer"),
        "{forbidden}"
    );
    // whoami says who the token is.
    let (_, me) = status(&serve, "/v1/whoami", Some(&tokens[2].1)).await;
    let me: serde_json::Value = serde_json::from_str(&me).unwrap();
    assert_eq!(me["name"], "operator");
    assert_eq!(me["role"], "operator");
    assert_eq!(me["open"], false);
    // A lowercase scheme is still a bearer token; a token in another scheme is not.
    let r = reqwest::Client::new()
        .get(format!("http://{}/metrics", serve.addr))
        .header("authorization", format!("bearer {}", tokens[1].1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = reqwest::Client::new()
        .get(format!("http://{}/metrics", serve.addr))
        .basic_auth("viewer", Some(&tokens[1].1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert!(r.headers().contains_key("www-authenticate"));

    // Changes: only an operator or an admin gets past the role check (then this
    // collector, which has no provider, says so); a viewer is refused by the change
    // endpoint itself, a metrics token by the bearer check.
    let form = serde_json::json!({
        "provider": "pbx",
        "target": {"kind": "iovox", "account": "a", "op": "trunk.delete",
                   "id": "1", "ids": [], "data": [], "start": []},
        "values": [],
    });
    for path in [
        "/v1/actions/trunk.delete",
        "/v1/actions/trunk.delete/preview",
    ] {
        let mut rows: Vec<(&str, Option<&str>, u16)> =
            vec![("no token", None, 401), ("wrong token", Some(wrong), 401)];
        for (role, token) in &tokens {
            let want = match role {
                Role::Metrics | Role::Viewer => 403,
                Role::Operator | Role::Admin => 404,
            };
            rows.push((role.name(), Some(token.as_str()), want));
        }
        for (who, token, want) in rows {
            let mut req = reqwest::Client::new()
                .post(format!("http://{}{path}", serve.addr))
                .json(&form);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let r = req.send().await.unwrap();
            let got = r.status().as_u16();
            let body = r.text().await.unwrap_or_default();
            assert_eq!(got, want, "{who} POST {path}: {body}");
            for (_, t) in &tokens {
                assert!(!body.contains(t.as_str()), "{body}");
            }
            if who == "viewer" {
                assert!(body.contains("(viewer) may not make changes"), "{body}");
            }
        }
    }
    serve.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_token_configured_every_endpoint_is_open() {
    let dir = temp_dir("open");
    let serve = start(&dir, dir.join("tokens.toml")).await;
    for path in ENDPOINTS {
        let (got, body) = status(&serve, path, None).await;
        assert_eq!(got, 200, "{path}: {body}");
    }
    let (_, me) = status(&serve, "/v1/whoami", Some("anything")).await;
    let me: serde_json::Value = serde_json::from_str(&me).unwrap();
    assert_eq!(me["open"], true);
    serve.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_tokens_file_stops_serve_from_starting_open() {
    let dir = temp_dir("broken");
    let file = dir.join("tokens.toml");
    std::fs::write(&file, "[[token]]\nname = \"a\"\nrole = \"root\"\n").unwrap();
    let cfg = config::parse("", Path::new("<empty>")).unwrap().config;
    let mut opts = ServeOptions::new("127.0.0.1:0".parse().unwrap(), dir.clone());
    opts.tokens = file;
    let err = serve::start(&cfg, opts, CancellationToken::new())
        .await
        .err()
        .expect("refuses to start");
    assert!(err.to_string().contains("role"), "{err}");
}

/// The binary: `serve token new` prints the token once and stores its hash in the state
/// dir; `serve` then wants it; the token is in no log line, stderr or the file.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_makes_a_token_and_never_logs_it() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let sims = support::sims(61, |_| {}).await;
    let home = temp_dir("tokbin");
    let config = home.join("config.toml");
    std::fs::write(&config, sims.config_toml()).unwrap();
    let bin = env!("CARGO_BIN_EXE_switchboard");
    let made = tokio::process::Command::new(bin)
        .args([
            "serve", "token", "new", "--name", "alice", "--role", "viewer",
        ])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", &home)
        .output()
        .await
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let token = String::from_utf8(made.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("sbt_"), "{token}");
    let made_err = String::from_utf8_lossy(&made.stderr).to_string();
    assert!(!made_err.contains(&token), "{made_err}");
    let state = home.join(".local/state/switchboard");
    let file = std::fs::read_to_string(state.join("tokens.toml")).unwrap();
    assert!(
        file.contains("name = \"alice\"") && !file.contains(&token[4..]),
        "{file}"
    );

    let mut child = tokio::process::Command::new(bin)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--log-level",
            "trace",
            "--config",
        ])
        .arg(&config)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", &home)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("binary runs");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut stderr = String::new();
    let addr = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(line)) = lines.next_line().await {
            stderr.push_str(&line);
            stderr.push('\n');
            if let Some(rest) = line.strip_prefix("switchboard serve: listening on http://") {
                return rest.trim_end_matches("/metrics").to_string();
            }
        }
        panic!("no address in:\n{stderr}")
    })
    .await
    .expect("serve prints its address");
    let client = reqwest::Client::new();
    let get = |token: Option<&str>| {
        let mut r = client.get(format!("http://{addr}/v1/whoami"));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    let me = get(Some(&token)).await.unwrap();
    assert_eq!(me.status().as_u16(), 200);
    assert!(me.text().await.unwrap().contains("alice"));
    // The token with its last digit changed.
    let last = if token.ends_with('0') { '1' } else { '0' };
    let near = format!("{}{last}", &token[..token.len() - 1]);
    assert_eq!(get(Some(&near)).await.unwrap().status().as_u16(), 401);
    assert_eq!(get(None).await.unwrap().status().as_u16(), 401);
    let pid = child.id().expect("running") as i32;
    // SAFETY: a plain kill(2) of our own child.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let status = tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .expect("stops within 5 s")
        .unwrap();
    while let Ok(Some(line)) = lines.next_line().await {
        stderr.push_str(&line);
        stderr.push('\n');
    }
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("bearer tokens required"), "{stderr}");
    assert!(!stderr.contains("every endpoint is open"), "{stderr}");
    let log: String = std::fs::read_dir(&state)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".log"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect();
    assert!(
        log.contains("refused a request without a valid token"),
        "{log}"
    );
    for text in [&log, &stderr] {
        assert!(!text.contains(&token[4..]), "the token leaked:\n{text}");
        assert!(
            !text.contains(&near[4..]),
            "the wrong token leaked:\n{text}"
        );
    }
}
