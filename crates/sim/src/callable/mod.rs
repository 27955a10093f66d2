//! Callable REST API simulator (providers.md §4): a local test double with a Keycloak-like
//! token endpoint (real HS256-signed JWTs with `iat`, `exp`, `realm_access.roles`),
//! a configurable short token lifetime, refresh-token rotation, 401 on an expired access
//! token, 201/204 without bodies, and the provider document's examples as demo data
//! (Darren's Pizzas, Dean's Taxis, the Primary GW flow, their DDIs and hooks).
//!
//! INVENTED (providers.md §4.5 proposal, not documented by Callable): the voice-channel
//! `POST` answers `201 {"id"}`, `GET …/channels/voice` lists live calls and
//! `DELETE …/channels/voice/{id}` hangs one up.
//!
//! `POST /channels/voice` at the host root also takes HTTP Basic (Account ID : Client ID,
//! see [`client_id`]), as the 2023 Voice API page describes.
//!
//! It renders its own wire JSON and shares no types with the console's client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State as AxState};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::rng::Rng;

/// Callable-specific simulator settings.
#[derive(Debug, Clone, PartialEq)]
pub struct CallableOptions {
    pub username: String,
    pub password: String,
    /// Access-token lifetime (`expires_in`; Callable: 3600 s).
    pub access_ttl: Duration,
    /// Refresh-token lifetime, counted from the password sign-in (a Keycloak SSO session
    /// maximum: rotation does not extend it). Callable: 36000 s.
    pub refresh_ttl: Duration,
    /// Adds a flow device pointing at a missing device and a missing trunk (tests of
    /// the flow view's dangling-reference flags).
    pub dangling: bool,
}

impl Default for CallableOptions {
    fn default() -> Self {
        CallableOptions {
            username: "demo".into(),
            password: "1234".into(),
            access_ttl: Duration::from_secs(3600),
            refresh_ttl: Duration::from_secs(36000),
            dangling: false,
        }
    }
}

/// Counters for the token lifecycle assertions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenStats {
    /// Successful password sign-ins.
    pub sign_ins: u32,
    /// Successful refreshes (`token=…`).
    pub refreshes: u32,
    /// Refused sign-ins or refreshes.
    pub refused: u32,
    /// Resource requests refused with 401 because the access token had expired.
    pub expired: u32,
}

/// One request as the simulator saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct CallableRequest {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub body: String,
}

struct SimAccount {
    id: String,
    name: String,
    mbn: String,
    domain: String,
    address: Value,
    ddis: Vec<Value>,
    trunks: Vec<Value>,
    hooks: Vec<Value>,
    devices: Vec<Value>,
    calls: Vec<Value>,
}

struct State {
    opts: CallableOptions,
    key: hmac::Key,
    rng: Rng,
    org: (String, String),
    accounts: Vec<SimAccount>,
    /// jti → expiry (ms since the epoch).
    access: HashMap<String, u64>,
    /// jti → (expiry, session start) of the one valid refresh token per session.
    refresh: HashMap<String, u64>,
    stats: TokenStats,
    requests: Vec<CallableRequest>,
    /// Every token issued (the most recent 1 000), for "never logged" tests.
    issued: Vec<String>,
    next_jti: u64,
}

struct Shared {
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running Callable simulator.
#[derive(Clone)]
pub struct CallableSim {
    /// e.g. `http://127.0.0.1:40123` (no trailing slash).
    pub base_url: String,
    pub username: String,
    pub password: String,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for CallableSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallableSim")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl CallableSim {
    pub fn token_stats(&self) -> TokenStats {
        self.shared.lock().stats
    }

    /// Every request so far (the most recent 5 000), oldest first.
    pub fn requests(&self) -> Vec<CallableRequest> {
        self.shared.lock().requests.clone()
    }

    /// Every access and refresh token issued so far (the most recent 1 000).
    pub fn issued_tokens(&self) -> Vec<String> {
        self.shared.lock().issued.clone()
    }

    /// Changes the password the token endpoint accepts.
    pub fn set_password(&self, password: &str) {
        self.shared.lock().opts.password = password.to_owned();
    }

    /// Invalidates every issued access token (the next resource request gets 401).
    pub fn revoke_access_tokens(&self) {
        self.shared.lock().access.clear();
    }

    /// Invalidates every refresh token (the next refresh is refused).
    pub fn revoke_refresh_tokens(&self) {
        self.shared.lock().refresh.clear();
    }

    /// `(account id, name)` of the demo accounts.
    pub fn accounts(&self) -> Vec<(String, String)> {
        let st = self.shared.lock();
        st.accounts
            .iter()
            .map(|a| (a.id.clone(), a.name.clone()))
            .collect()
    }

    /// The account's trunks as the API would list them.
    pub fn trunks(&self, account: &str) -> Vec<Value> {
        self.with_account(account, |a| a.trunks.clone())
    }

    /// The flow devices of an account as stored (tests read a re-pointed flow back).
    pub fn devices(&self, account: &str) -> Vec<Value> {
        self.with_account(account, |a| a.devices.clone())
    }

    pub fn hooks(&self, account: &str) -> Vec<Value> {
        self.with_account(account, |a| a.hooks.clone())
    }

    pub fn address(&self, account: &str) -> Value {
        self.with_account(account, |a| vec![a.address.clone()])
            .pop()
            .unwrap_or(Value::Null)
    }

    pub fn calls(&self, account: &str) -> Vec<Value> {
        self.with_account(account, |a| a.calls.clone())
    }

    fn with_account(&self, account: &str, f: impl Fn(&SimAccount) -> Vec<Value>) -> Vec<Value> {
        let st = self.shared.lock();
        st.accounts
            .iter()
            .find(|a| a.id == account)
            .map(f)
            .unwrap_or_default()
    }
}

/// Background tasks of the simulator; stopped on drop.
pub(crate) struct Handles {
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Handles {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// An ISO timestamp `secs` seconds ago.
fn ago(secs: i64) -> String {
    let now = jiff::Timestamp::now();
    now.checked_sub(jiff::SignedDuration::from_secs(secs))
        .unwrap_or(now)
        .to_string()
}

/// The provider document's examples (with its JSON typos fixed).
fn demo_accounts(dangling: bool) -> Vec<SimAccount> {
    let trunk = json!({
        "id": "66aa8915-834a-3004-8363-9c73690d8fe1",
        "ip": "1.1.1.1",
        "port": 5060,
        "vendor": "generic",
        "callerFormat": "national",
        "calledFormat": "national",
        "description": "Primary IP Address",
        "zone": "eu-west-1",
        "countryCode": "GB"
    });
    let mut devices = vec![
        json!({
            "id": "7aa48c2a-aa01-488b-abfb-4eabce3ce9f8",
            "type": "SIP_GATEWAY",
            "name": "Primary GW",
            "extension": "601",
            "sipGateway": {
                "ringTime": 180, "maxCallTime": 14400, "record": false,
                "trunks": ["66aa8915-834a-3004-8363-9c73690d8fe1"],
                "present": "pass-through", "countryCode": "GB",
                "onComplete": "HANGUP", "onFail": "HANGUP",
                "onNoAnswer": "HANGUP", "onBusy": "HANGUP"
            }
        }),
        json!({
            "id": "4db61df1-f214-4037-9a89-1276bc83a83a",
            "type": "ROUTE_START",
            "name": "Start of Flow",
            "extension": "600",
            "startRoute": {
                "ddis": ["7774872eb9991b38efa4d888"],
                "connectTo": "7aa48c2a-aa01-488b-abfb-4eabce3ce9f8"
            }
        }),
    ];
    if dangling {
        devices.push(json!({
            "id": "9bb48c2a-aa01-488b-abfb-4eabce3ce9f0",
            "type": "SIP_GATEWAY",
            "name": "Backup GW",
            "extension": "602",
            "sipGateway": {
                "ringTime": 60, "maxCallTime": 3600, "record": false,
                "trunks": ["00000000-dead-4bad-8bad-000000000000"],
                "present": "pass-through", "countryCode": "GB",
                "onComplete": "HANGUP", "onFail": "0f0f0f0f-0000-4000-8000-000000000000",
                "onNoAnswer": "HANGUP", "onBusy": "HANGUP"
            }
        }));
        devices.push(json!({
            "id": "5dc61df1-f214-4037-9a89-1276bc83a83b",
            "type": "ROUTE_START",
            "name": "Night Flow",
            "extension": "610",
            "startRoute": {
                "ddis": ["8884872eb9991b38efa4d999"],
                "connectTo": "9bb48c2a-aa01-488b-abfb-4eabce3ce9f0"
            }
        }));
    }
    vec![
        SimAccount {
            id: "5554872eb0731b38efa4d444".into(),
            name: "Darren's Pizzas".into(),
            mbn: "441234567890".into(),
            domain: "darrenspizzas".into(),
            address: json!({
                "line1": "Unit 5 The Old Printworks",
                "line2": "20 Wharf Rd",
                "level1": "East Sussex",
                "level2": "Eastbourne",
                "postalCode": "BN213AW",
                "country": "United Kingdom"
            }),
            ddis: vec![
                json!({"id": "7774872eb9991b38efa4d888", "name": "441234567890"}),
                json!({"id": "8884872eb9991b38efa4d999", "name": "441234567891"}),
            ],
            trunks: vec![trunk],
            hooks: vec![
                json!({"id": "2ad34a16-dc17-42da-b67a-4d68d0046832", "app": "flow.generic",
                       "url": "http://test.com/myplugin", "authType": "DISABLED",
                       "method": "POST", "priority": 10}),
                json!({"id": "3ab34a16-dc17-42da-b67a-4d68d0046822", "app": "event.generic",
                       "url": "http://test.com/myevent", "authType": "DISABLED",
                       "method": "POST", "priority": 10}),
            ],
            devices,
            calls: Vec::new(),
        },
        SimAccount {
            id: "5564872eb0731b38efa4d555".into(),
            name: "Dean's Taxis".into(),
            mbn: "441234567800".into(),
            domain: "deanstaxis".into(),
            address: json!({
                "line1": "1 Station Approach", "line2": "", "level1": "East Sussex",
                "level2": "Eastbourne", "postalCode": "BN211BA", "country": "United Kingdom"
            }),
            ddis: vec![json!({"id": "9994872eb9991b38efa4d000", "name": "441234567800"})],
            trunks: Vec::new(),
            hooks: Vec::new(),
            devices: Vec::new(),
            calls: vec![json!({
                "id": "c0ffee00-0000-4000-8000-000000000001",
                "callerId": "+441234567800",
                "target": {"phoneNumber": {"number": "+441234567893"}},
                "state": "in-progress",
                "startedAt": ago(95),
                "answeredAt": ago(90),
                "tag": {"data": {"cab": "42"}}
            })],
        },
    ]
}

/// Serve the simulator on `listener`.
pub(crate) fn spawn(
    listener: tokio::net::TcpListener,
    seed: u64,
    opts: &CallableOptions,
    faults: crate::Faults,
) -> std::io::Result<(CallableSim, Handles)> {
    let addr = listener.local_addr()?;
    let base_url = match addr {
        std::net::SocketAddr::V6(a) => format!("http://[{}]:{}", a.ip(), a.port()),
        std::net::SocketAddr::V4(a) => format!("http://{}:{}", a.ip(), a.port()),
    };
    let mut rng = Rng::derive(seed, 0xCA11);
    let secret: Vec<u8> = (0..4).flat_map(|_| rng.next_u64().to_le_bytes()).collect();
    let state = State {
        opts: opts.clone(),
        key: hmac::Key::new(hmac::HMAC_SHA256, &secret),
        rng,
        org: (
            "3a74872eb0731b38efa4d556".into(),
            "Demo Organisation".into(),
        ),
        accounts: demo_accounts(opts.dangling),
        access: HashMap::new(),
        refresh: HashMap::new(),
        stats: TokenStats::default(),
        requests: Vec::new(),
        issued: Vec::new(),
        next_jti: 1,
    };
    let shared = Arc::new(Shared {
        state: Mutex::new(state),
    });
    let sim = CallableSim {
        base_url,
        username: opts.username.clone(),
        password: opts.password.clone(),
        shared: shared.clone(),
    };
    let app = crate::faults::inject(
        Router::new().fallback(handle).with_state(shared),
        faults,
        Rng::derive(seed, 0xFA17),
        |path| {
            let v = json!({"timestamp": now_ms(), "status": 500, "error": "Internal Server Error",
                           "message": "Request Failed", "path": path});
            let mut r = Response::new(Body::from(v.to_string()));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        },
    );
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
    });
    Ok((sim, Handles { shutdown: Some(tx) }))
}

const MAX_BODY: usize = 1 << 20;

enum Reply {
    Json(u16, Value),
    /// 201 or 204 without a body, with an optional `Location`.
    Empty(u16, Option<String>),
}

async fn handle(AxState(shared): AxState<Arc<Shared>>, req: Request) -> Response {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = axum::body::to_bytes(req.into_body(), MAX_BODY)
        .await
        .unwrap_or_default();
    let reply = {
        let mut st = shared.lock();
        let reply = st.process(&method, &path, authorization.as_deref(), &body);
        let status = match &reply {
            Reply::Json(s, _) | Reply::Empty(s, _) => *s,
        };
        if st.requests.len() >= 5000 {
            st.requests.remove(0);
        }
        // The token endpoint's form body carries secrets: never recorded.
        let recorded = if path.ends_with("/oauth/authorize") {
            String::new()
        } else {
            String::from_utf8_lossy(&body).into_owned()
        };
        st.requests.push(CallableRequest {
            method,
            path,
            status,
            body: recorded,
        });
        reply
    };
    match reply {
        Reply::Json(status, v) => {
            let mut r = Response::new(Body::from(serde_json::to_vec(&v).unwrap_or_default()));
            *r.status_mut() =
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            if status == 401 {
                r.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            r
        }
        Reply::Empty(status, location) => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::NO_CONTENT);
            if let Some(loc) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
                r.headers_mut().insert(header::LOCATION, loc);
            }
            r
        }
    }
}

/// The demo Client ID of an account (HTTP Basic password on `/channels/voice`).
pub fn client_id(account: &str) -> String {
    format!("client-{}", account.get(..8).unwrap_or(account))
}

fn spring_error(status: u16, error: &str, message: &str, path: &str) -> Reply {
    Reply::Json(
        status,
        json!({"timestamp": now_ms(), "status": status, "error": error,
               "message": message, "path": path}),
    )
}

fn form_value(body: &[u8], key: &str) -> Option<String> {
    url_form(body)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

fn url_form(body: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((decode_component(k), decode_component(v)))
        })
        .collect()
}

fn decode_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl State {
    fn jwt(&mut self, typ: &str, ttl: Duration, now: u64) -> (String, String) {
        let jti = format!("{:016x}-{}", self.rng.next_u64(), self.next_jti);
        self.next_jti += 1;
        let header = if typ == "Refresh" {
            json!({"alg": "HS256", "typ": "JWT", "kid": "f80cbf3e-d1c9-40eb-8fca-acb8059ff297"})
        } else {
            json!({"typ": "JWT", "alg": "HS256"})
        };
        let iat = now / 1000;
        let payload = json!({
            "iss": "callable-sim",
            "iat": iat,
            "exp": (now + ttl.as_millis() as u64).div_ceil(1000),
            "jti": jti,
            "typ": typ,
            "preferred_username": self.opts.username,
            "realm_access": {"roles": ["OrganisationAdmin", "AdminRecorder", "VoiceChannel"]}
        });
        let enc = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap_or_default());
        let signing_input = format!("{}.{}", enc(&header), enc(&payload));
        let tag = hmac::sign(&self.key, signing_input.as_bytes());
        (
            format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref())),
            jti,
        )
    }

    /// The `jti` of a token whose signature verifies.
    fn verified_jti(&self, token: &str) -> Option<String> {
        let (input, sig) = token.rsplit_once('.')?;
        let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
        hmac::verify(&self.key, input.as_bytes(), &sig).ok()?;
        let payload = input.split('.').nth(1)?;
        let v: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        v.get("jti")?.as_str().map(str::to_owned)
    }

    fn issue(&mut self, session_end: u64, now: u64) -> Reply {
        let (access, jti) = self.jwt("Bearer", self.opts.access_ttl, now);
        let refresh_left = Duration::from_millis(session_end.saturating_sub(now));
        let (refresh, rjti) = self.jwt("Refresh", refresh_left, now);
        self.access
            .insert(jti, now + self.opts.access_ttl.as_millis() as u64);
        self.access.retain(|_, exp| *exp > now);
        self.refresh.insert(rjti, session_end);
        if self.issued.len() >= 1000 {
            self.issued.drain(..2);
        }
        self.issued.push(access.clone());
        self.issued.push(refresh.clone());
        Reply::Json(
            200,
            json!({
                "access_token": access,
                "refresh_token": refresh,
                "refresh_expires_in": refresh_left.as_secs(),
                "expires_in": self.opts.access_ttl.as_secs(),
                "token_type": "Bearer",
                "not-before-policy": 0,
                "scope": "profile email"
            }),
        )
    }

    fn authorize(&mut self, body: &[u8], now: u64) -> Reply {
        if let Some(token) = form_value(body, "token") {
            let valid = self
                .verified_jti(&token)
                .and_then(|jti| self.refresh.remove(&jti).map(|end| (jti, end)));
            return match valid {
                Some((_, end)) if end > now => {
                    self.stats.refreshes += 1;
                    self.issue(end, now)
                }
                _ => {
                    self.stats.refused += 1;
                    Reply::Json(
                        400,
                        json!({"error": "invalid_grant", "error_description": "Token is not active"}),
                    )
                }
            };
        }
        let user = form_value(body, "username").unwrap_or_default();
        let pass = form_value(body, "password").unwrap_or_default();
        if user == self.opts.username && pass == self.opts.password && !pass.is_empty() {
            self.stats.sign_ins += 1;
            let end = now + self.opts.refresh_ttl.as_millis() as u64;
            self.refresh.retain(|_, e| *e > now);
            self.issue(end, now)
        } else {
            self.stats.refused += 1;
            Reply::Json(
                401,
                json!({"error": "invalid_grant", "error_description": "Invalid user credentials"}),
            )
        }
    }

    fn process(&mut self, method: &str, path: &str, auth: Option<&str>, body: &[u8]) -> Reply {
        let now = now_ms();
        if path == "/api/v1/oauth/authorize" {
            return if method == "POST" {
                self.authorize(body, now)
            } else {
                spring_error(405, "Method Not Allowed", "use POST", path)
            };
        }
        // The 2023 Voice API page: `POST /channels/voice` at the host root with HTTP Basic
        // (Account ID : Client ID), the account implied by the credentials.
        if path == "/channels/voice"
            && let Some(basic) = auth.and_then(|a| a.strip_prefix("Basic "))
        {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(basic.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_default();
            let account = decoded.split_once(':').and_then(|(id, client)| {
                self.accounts
                    .iter()
                    .find(|a| a.id == id && client_id(&a.id) == client)
                    .map(|a| a.id.clone())
            });
            return match account {
                Some(id) => {
                    let rest = ["channels".to_owned(), "voice".to_owned()];
                    self.account_request(method, &id, &rest, body, path)
                }
                None => spring_error(401, "Unauthorized", "unknown account or client id", path),
            };
        }
        let token = auth.and_then(|a| a.strip_prefix("Bearer ")).unwrap_or("");
        match self.verified_jti(token) {
            None => return spring_error(401, "Unauthorized", "invalid token", path),
            Some(jti) => match self.access.get(&jti) {
                Some(exp) if *exp > now => {}
                _ => {
                    self.stats.expired += 1;
                    return spring_error(401, "Unauthorized", "token expired", path);
                }
            },
        }
        let segs: Vec<&str> = path
            .trim_start_matches("/api/v1/")
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        match (method, segs.as_slice()) {
            ("GET", ["userAccounts", "me"]) => {
                Reply::Json(200, json!({"id": self.org.0, "name": self.org.1}))
            }
            ("GET", ["account"]) => Reply::Json(
                200,
                Value::Array(
                    self.accounts
                        .iter()
                        .map(|a| json!({"id": a.id, "name": a.name}))
                        .collect(),
                ),
            ),
            (_, ["account", id, rest @ ..]) => {
                let id = (*id).to_owned();
                let rest: Vec<String> = rest.iter().map(|s| (*s).to_owned()).collect();
                self.account_request(method, &id, &rest, body, path)
            }
            _ => spring_error(404, "Not Found", "no such resource", path),
        }
    }

    fn account_request(
        &mut self,
        method: &str,
        id: &str,
        rest: &[String],
        body: &[u8],
        path: &str,
    ) -> Reply {
        let uuid = self.rng.uuid();
        let Some(a) = self.accounts.iter_mut().find(|a| a.id == id) else {
            return spring_error(404, "Not Found", "no such account", path);
        };
        let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
        let parsed: Option<Value> = serde_json::from_slice(body).ok();
        let bad = || spring_error(400, "Bad Request", "body is not a JSON object", path);
        let list = |items: &[Value]| Reply::Json(200, Value::Array(items.to_vec()));
        let find = |items: &[Value], k: &str| items.iter().position(|v| v["id"] == k);
        match (method, rest.as_slice()) {
            ("GET", []) => Reply::Json(
                200,
                json!({"id": a.id, "name": a.name, "mbn": a.mbn, "domain": a.domain}),
            ),
            ("GET", ["address"]) => Reply::Json(200, a.address.clone()),
            ("PUT", ["address"]) => match parsed {
                Some(v @ Value::Object(_)) => {
                    a.address = v;
                    Reply::Empty(204, None)
                }
                _ => bad(),
            },
            ("GET", ["ddi"]) => list(&a.ddis),
            ("GET", ["device"]) => list(&a.devices),
            ("GET", [coll @ ("trunk" | "hook" | "device"), sub]) => {
                let items = match *coll {
                    "trunk" => &a.trunks,
                    "hook" => &a.hooks,
                    _ => &a.devices,
                };
                match find(items, sub) {
                    Some(i) => Reply::Json(200, items[i].clone()),
                    None => spring_error(404, "Not Found", "no such item", path),
                }
            }
            ("GET", ["trunk"]) => list(&a.trunks),
            ("GET", ["hook"]) => list(&a.hooks),
            ("POST", [coll @ ("trunk" | "hook" | "device")]) => match parsed {
                Some(Value::Object(mut m)) => {
                    if *coll == "trunk"
                        && (m.get("ip").and_then(Value::as_str).unwrap_or("").is_empty()
                            || m.get("port").and_then(Value::as_u64).is_none())
                    {
                        return spring_error(400, "Bad Request", "ip and port are required", path);
                    }
                    m.insert("id".into(), Value::String(uuid));
                    let items = match *coll {
                        "trunk" => &mut a.trunks,
                        "hook" => &mut a.hooks,
                        _ => &mut a.devices,
                    };
                    items.push(Value::Object(m));
                    Reply::Empty(201, None)
                }
                _ => bad(),
            },
            ("PUT", [coll @ ("trunk" | "hook" | "device"), sub]) => {
                let items = match *coll {
                    "trunk" => &mut a.trunks,
                    "hook" => &mut a.hooks,
                    _ => &mut a.devices,
                };
                let Some(i) = find(items, sub) else {
                    return spring_error(404, "Not Found", "no such item", path);
                };
                match parsed {
                    Some(Value::Object(mut m)) => {
                        m.insert("id".into(), Value::String((*sub).to_owned()));
                        items[i] = Value::Object(m);
                        Reply::Empty(204, None)
                    }
                    _ => bad(),
                }
            }
            // INVENTED (providers.md §4.5 proposal): list, create and hang up live calls.
            ("GET", ["channels", "voice"]) => list(&a.calls),
            ("POST", ["channels", "voice"]) => match parsed {
                Some(Value::Object(m)) if m.contains_key("target") => {
                    let call = json!({
                        "id": uuid,
                        "callerId": m.get("callerId").cloned()
                            .unwrap_or_else(|| Value::String(format!("+{}", a.mbn))),
                        "target": m.get("target").cloned().unwrap_or(Value::Null),
                        "state": "ringing",
                        "startedAt": jiff::Timestamp::now().to_string(),
                        "tag": m.get("tag").cloned().unwrap_or(Value::Null),
                    });
                    a.calls.push(call);
                    Reply::Json(201, json!({"id": uuid}))
                }
                _ => spring_error(400, "Bad Request", "target is required", path),
            },
            ("DELETE", ["channels", "voice", call]) => match find(&a.calls, call) {
                Some(i) => {
                    a.calls.remove(i);
                    Reply::Empty(204, None)
                }
                None => spring_error(404, "Not Found", "no such call", path),
            },
            _ => spring_error(404, "Not Found", "no such resource", path),
        }
    }
}
