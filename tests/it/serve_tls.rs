//! The collector over real TLS: a CA and certificates made here with rcgen, `serve`
//! with `--tls-cert`/`--tls-key` (in-process and the binary), `snapshot --connect
//! https://` with and without the CA, mutual TLS with `--tls-client-ca` (no client
//! certificate, one of another CA, one signed by the right CA), tokens still enforced,
//! a client that never finishes its handshake holding up nobody, and bad files refused
//! before any provider is asked anything.

use crate::serve::{sims_config, temp_dir};
use crate::support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use switchboard::attach::client::{AttachOptions, FeedMsg, Link};
use switchboard::attach::http::ClientTls;
use switchboard::config;
use switchboard::secret::Secret;
use switchboard::serve::tls::TlsFiles;
use switchboard::serve::{self, Serve, ServeOptions};
use tokio_util::sync::CancellationToken;

/// A CA that signs certificates, its PEM in `dir/<name>-ca.pem`.
struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pem_file: PathBuf,
}

impl Ca {
    fn new(dir: &Path, name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.distinguished_name
            .push(DnType::CommonName, format!("{name} test CA"));
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = p.self_signed(&key).unwrap();
        let pem_file = dir.join(format!("{name}-ca.pem"));
        std::fs::write(&pem_file, cert.pem()).unwrap();
        Ca {
            issuer: Issuer::new(p, key),
            pem_file,
        }
    }

    /// A leaf signed by this CA: (certificate file, key file).
    fn leaf(&self, dir: &Path, name: &str, client: bool) -> (PathBuf, PathBuf) {
        let key = KeyPair::generate().unwrap();
        let mut p =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        p.distinguished_name.push(DnType::CommonName, name);
        p.extended_key_usages = vec![if client {
            ExtendedKeyUsagePurpose::ClientAuth
        } else {
            ExtendedKeyUsagePurpose::ServerAuth
        }];
        let cert = p.signed_by(&key, &self.issuer).unwrap();
        let (c, k) = (
            dir.join(format!("{name}.pem")),
            dir.join(format!("{name}.key")),
        );
        std::fs::write(&c, cert.pem()).unwrap();
        std::fs::write(&k, key.serialize_pem()).unwrap();
        (c, k)
    }
}

/// The server's CA and certificate, the clients' CA, a client certificate it signed and
/// one of a CA the collector does not know.
struct Pki {
    dir: PathBuf,
    server_ca: PathBuf,
    server: (PathBuf, PathBuf),
    client_ca: PathBuf,
    client: (PathBuf, PathBuf),
    stranger: (PathBuf, PathBuf),
}

fn pki(tag: &str) -> Pki {
    let dir = temp_dir(tag);
    let server_ca = Ca::new(&dir, "server");
    let client_ca = Ca::new(&dir, "clients");
    let other = Ca::new(&dir, "other");
    Pki {
        server: server_ca.leaf(&dir, "collector", false),
        client: client_ca.leaf(&dir, "alice", true),
        stranger: other.leaf(&dir, "mallory", true),
        server_ca: server_ca.pem_file,
        client_ca: client_ca.pem_file,
        dir,
    }
}

/// A collector with no provider (the HTTP layer is what is tested), over TLS, wanting
/// `token` when given and client certificates of `client_ca` when given.
async fn start_tls(pki: &Pki, client_ca: bool, token: bool) -> (Serve, Option<String>) {
    let cfg = config::parse("", Path::new("<empty>")).unwrap().config;
    let mut opts = ServeOptions::new("127.0.0.1:0".parse().unwrap(), pki.dir.clone());
    opts.tls = Some(TlsFiles {
        cert: pki.server.0.clone(),
        key: pki.server.1.clone(),
        client_ca: client_ca.then(|| pki.client_ca.clone()),
    });
    opts.tokens = pki.dir.join(format!("tokens-{client_ca}-{token}.toml"));
    let token = token
        .then(|| serve::tokens::add(&opts.tokens, "viewer", serve::tokens::Role::Viewer).unwrap());
    let serve = serve::start(&cfg, opts, CancellationToken::new())
        .await
        .expect("serve starts with TLS");
    assert_eq!(serve.scheme, "https");
    (serve, token)
}

async fn run_bin(home: &Path, args: &[&str], token: Option<&str>) -> (Option<i32>, String, String) {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"));
    cmd.args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home);
    if let Some(t) = token {
        cmd.env("SWITCHBOARD_TOKEN", t);
    }
    let out = tokio::time::timeout(Duration::from_secs(30), cmd.output())
        .await
        .expect("the binary ends within 30 s")
        .expect("binary runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_over_https_wants_the_collectors_ca_and_the_token() {
    let pki = pki("tls");
    let (serve, token) = start_tls(&pki, false, true).await;
    let token = token.unwrap();
    let url = format!("https://127.0.0.1:{}", serve.addr.port());
    let home = pki.dir.join("home");
    std::fs::create_dir_all(&home).unwrap();

    // With the CA: the collector's (empty) snapshot, as JSON.
    let (code, out, err) = run_bin(
        &home,
        &[
            "snapshot",
            "--connect",
            &url,
            "--collector-ca",
            s(&pki.server_ca),
            "--json",
        ],
        Some(&token),
    )
    .await;
    assert_eq!(code, Some(0), "{out}\n{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    assert!(doc["providers"].as_array().is_some(), "{out}");

    // `trace --connect` takes the same flags: a collector with no provider knows no
    // number (exit 1, said on stdout), and nothing about TLS goes wrong.
    let (code, out, err) = run_bin(
        &home,
        &[
            "trace",
            "101",
            "--connect",
            &url,
            "--collector-ca",
            s(&pki.server_ca),
        ],
        Some(&token),
    )
    .await;
    assert_eq!(code, Some(1), "{out}\n{err}");
    assert!(out.starts_with("101: unknown number"), "{out}");
    assert!(!err.contains("TLS"), "{err}");
    let (code, _, err) = run_bin(&home, &["trace", "101", "--connect", &url], Some(&token)).await;
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("switchboard trace: TLS: certificate not trusted"),
        "{err}"
    );

    // Without it: a certificate failure, in words.
    let (code, out, err) = run_bin(&home, &["snapshot", "--connect", &url], Some(&token)).await;
    assert_eq!(code, Some(1), "{out}\n{err}");
    assert!(err.contains("TLS: certificate not trusted"), "{err}");
    assert!(err.contains("--collector-ca"), "{err}");
    assert!(!err.contains(&token), "{err}");

    // The token is still wanted over TLS.
    let (code, _, err) = run_bin(
        &home,
        &[
            "snapshot",
            "--connect",
            &url,
            "--collector-ca",
            s(&pki.server_ca),
        ],
        None,
    )
    .await;
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("refused the token (401)"), "{err}");

    // `[collector] ca` in the config does what the flag does.
    let cfg = home.join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[collector]\nurl = \"{url}\"\nca = \"{}\"\n",
            s(&pki.server_ca)
        ),
    )
    .unwrap();
    let (code, out, err) = run_bin(
        &home,
        &["snapshot", "--config", s(&cfg), "--json"],
        Some(&token),
    )
    .await;
    assert_eq!(code, Some(0), "{out}\n{err}");

    // A CA file that is not there: said by name, before anything connects.
    let (code, _, err) = run_bin(
        &home,
        &[
            "snapshot",
            "--connect",
            &url,
            "--collector-ca",
            "/nonexistent/ca.pem",
        ],
        Some(&token),
    )
    .await;
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("collector CA /nonexistent/ca.pem: cannot read"),
        "{err}"
    );

    // Plain HTTP to the TLS port gets nothing.
    let plain = reqwest::Client::new()
        .get(format!("http://{}/healthz", serve.addr))
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    assert!(plain.is_err(), "{plain:?}");
    serve.shutdown().await.unwrap();
}

fn feed_opts(url: &str, tls: ClientTls) -> AttachOptions {
    let mut o = AttachOptions::new(url, None);
    o.tls = tls;
    o
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_serves_only_clients_with_a_certificate_of_its_ca() {
    let pki = pki("mtls");
    let (serve, _) = start_tls(&pki, true, false).await;
    let url = format!("https://localhost:{}", serve.addr.port());
    let fetch = |client: Option<&(PathBuf, PathBuf)>| {
        let tls = ClientTls::load(
            Some(&pki.server_ca),
            client.map(|(c, k)| (c.as_path(), k.as_path())),
        )
        .unwrap();
        let opts = feed_opts(&url, tls);
        async move { switchboard::attach::client::fetch_snapshot(&opts).await }
    };
    // No client certificate: refused, and said.
    let e = fetch(None).await.unwrap_err();
    assert!(
        e.contains("TLS: the collector wants a client certificate"),
        "{e}"
    );
    // One of a CA the collector does not trust: refused.
    let e = fetch(Some(&pki.stranger)).await.unwrap_err();
    assert!(
        e.starts_with("TLS:") && e.contains("client certificate"),
        "{e}"
    );
    // Signed by its client CA: served.
    let doc = fetch(Some(&pki.client)).await.expect("served");
    assert!(doc.providers.is_empty());

    // The binary's flags do the same.
    let home = pki.dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let (code, out, err) = run_bin(
        &home,
        &[
            "snapshot",
            "--connect",
            &url,
            "--collector-ca",
            s(&pki.server_ca),
            "--client-cert",
            s(&pki.client.0),
            "--client-key",
            s(&pki.client.1),
            "--json",
        ],
        None,
    )
    .await;
    assert_eq!(code, Some(0), "{out}\n{err}");
    let (code, _, err) = run_bin(
        &home,
        &[
            "snapshot",
            "--connect",
            &url,
            "--collector-ca",
            s(&pki.server_ca),
        ],
        None,
    )
    .await;
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("TLS: the collector wants a client certificate"),
        "{err}"
    );
    serve.shutdown().await.unwrap();
}

/// The attached console's feed client over TLS: without the CA the link is down with a
/// certificate message (what the status bar shows); with it, live.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_attached_feed_says_a_certificate_failure_and_goes_live_with_the_ca() {
    let pki = pki("tls-feed");
    let (serve, token) = start_tls(&pki, false, true).await;
    let url = format!("https://127.0.0.1:{}", serve.addr.port());
    let link = |tls: ClientTls| {
        let mut opts = feed_opts(&url, tls);
        opts.token = token.clone().map(Secret::new);
        async move {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let cancel = CancellationToken::new();
            let task = tokio::spawn(switchboard::attach::client::run(opts, tx, cancel.clone()));
            let found = tokio::time::timeout(Duration::from_secs(15), async {
                loop {
                    if let FeedMsg::Link(l @ (Link::Live | Link::Down { .. })) =
                        rx.recv().await.expect("the client runs")
                    {
                        return l;
                    }
                }
            })
            .await
            .expect("the link settles");
            cancel.cancel();
            let _ = task.await;
            found
        }
    };
    match link(ClientTls::default()).await {
        Link::Down { error, .. } => {
            assert!(error.contains("TLS: certificate not trusted"), "{error}")
        }
        other => panic!("{other:?}"),
    }
    let tls = ClientTls::load(Some(&pki.server_ca), None).unwrap();
    assert_eq!(link(tls).await, Link::Live);
    serve.shutdown().await.unwrap();
}

/// Connections that never finish a handshake (silent, or garbage) hold up no other
/// client, and shutdown does not wait for them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_handshake_holds_up_nobody_and_shutdown_still_works() {
    use tokio::io::AsyncWriteExt;
    let pki = pki("tls-stall");
    let (serve, _) = start_tls(&pki, false, false).await;
    let mut silent = Vec::new();
    for _ in 0..20 {
        silent.push(tokio::net::TcpStream::connect(serve.addr).await.unwrap());
    }
    let mut garbage = tokio::net::TcpStream::connect(serve.addr).await.unwrap();
    garbage.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
    let url = format!("https://127.0.0.1:{}", serve.addr.port());
    let opts = feed_opts(&url, ClientTls::load(Some(&pki.server_ca), None).unwrap());
    let started = std::time::Instant::now();
    switchboard::attach::client::fetch_snapshot(&opts)
        .await
        .expect("served while others stall");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    tokio::time::timeout(Duration::from_secs(5), serve.shutdown())
        .await
        .expect("shutdown within 5 s")
        .unwrap();
    drop(silent);
}

/// The binary: a missing key or a certificate that is no PEM stops `serve` with exit 1
/// and the file's name, before any provider is asked anything; good files serve HTTPS
/// and say so.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_refuses_bad_files_before_polling_and_says_https() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let pki = pki("tls-bin");
    let sims = support::sims(63, |_| {}).await;
    let home = pki.dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let config = home.join("config.toml");
    std::fs::write(&config, sims.config_toml()).unwrap();
    let before = sim_requests(&sims);
    let not_pem = pki.dir.join("not.pem");
    std::fs::write(&not_pem, "hello\n").unwrap();
    let missing = pki.dir.join("missing.key");
    for (cert, key, named) in [
        (&pki.server.0, &missing, "TLS key"),
        (&not_pem, &pki.server.1, "TLS certificate"),
    ] {
        let (code, _, err) = run_bin(
            &home,
            &[
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--config",
                s(&config),
                "--tls-cert",
                s(cert),
                "--tls-key",
                s(key),
            ],
            None,
        )
        .await;
        assert_eq!(code, Some(1), "{err}");
        let file = if named == "TLS key" {
            &missing
        } else {
            &not_pem
        };
        assert!(
            err.contains(&format!("{named} {}", file.display())),
            "{err}"
        );
    }
    // Only a certificate: clap wants its key.
    let (code, _, err) = run_bin(
        &home,
        &[
            "serve",
            "--config",
            s(&config),
            "--tls-cert",
            s(&pki.server.0),
        ],
        None,
    )
    .await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--tls-key"), "{err}");
    assert_eq!(sim_requests(&sims), before, "a provider was asked");

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--config",
            s(&config),
            "--tls-cert",
            s(&pki.server.0),
            "--tls-key",
            s(&pki.server.1),
        ])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", &home)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("binary runs");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(rest) = line.strip_prefix("switchboard serve: listening on https://") {
                return rest.trim_end_matches("/metrics").to_string();
            }
        }
        panic!("no https address")
    })
    .await
    .expect("serve prints its address");
    let port = addr.rsplit(':').next().unwrap();
    let opts = feed_opts(
        &format!("https://localhost:{port}"),
        ClientTls::load(Some(&pki.server_ca), None).unwrap(),
    );
    let doc = switchboard::attach::client::fetch_snapshot(&opts)
        .await
        .expect("the binary serves HTTPS");
    assert_eq!(doc.providers.len(), sims_config(&sims).providers.len());
    let pid = child.id().expect("running") as i32;
    // SAFETY: a plain kill(2) of our own child.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let status = tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .expect("stops within 5 s")
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

fn sim_requests(sims: &switchboard::sim::RunningSims) -> usize {
    sims.cloudonix.requests().len()
        + sims.voipcloud.requests().len()
        + sims.iovox.requests().len()
        + sims.callable.requests().len()
        + sims.provoice.requests().len()
}
