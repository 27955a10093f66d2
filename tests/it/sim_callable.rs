//! The Callable simulator as a provider double, over raw HTTP: real HS256 JWTs,
//! refresh-token rotation, 401 for an expired token, 201/204 without bodies.

use crate::support;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

async fn token(http: &reqwest::Client, base: &str, form: &str) -> (u16, Value) {
    let r = http
        .post(format!("{base}/api/v1/oauth/authorize"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .body(form.to_owned())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn part(jwt: &str, i: usize) -> Value {
    let p = jwt.split('.').nth(i).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap()
}

#[tokio::test]
async fn tokens_are_signed_jwts_that_expire_and_rotate() {
    let sims = support::sims(5, |o| o.callable.access_ttl = Duration::from_secs(1)).await;
    let base = sims.callable.base_url.clone();
    let http = reqwest::Client::new();

    let (status, bad) = token(&http, &base, "username=demo&password=wrong").await;
    assert_eq!(status, 401);
    assert_eq!(bad["error_description"], "Invalid user credentials");

    let (status, t) = token(&http, &base, "username=demo&password=1234").await;
    assert_eq!(status, 200);
    assert_eq!(t["expires_in"], 1);
    assert_eq!(t["refresh_expires_in"], 36000);
    let access = t["access_token"].as_str().unwrap().to_owned();
    assert_eq!(access.split('.').count(), 3);
    assert_eq!(part(&access, 0), json!({"typ": "JWT", "alg": "HS256"}));
    let claims = part(&access, 1);
    assert_eq!(
        claims["realm_access"]["roles"],
        json!(["OrganisationAdmin", "AdminRecorder", "VoiceChannel"])
    );
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert!(exp > iat && exp - iat <= 2, "{claims}");

    let get = |tok: String| {
        let http = http.clone();
        let url = format!("{base}/api/v1/userAccounts/me");
        async move {
            http.get(url)
                .bearer_auth(tok)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(get(access.clone()).await, 200);
    // A forged signature (one signature character changed) is refused.
    let mut forged = access.clone().into_bytes();
    let at = forged.len() - 10;
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    assert_eq!(get(forged).await, 401);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(get(access.clone()).await, 401, "expired");
    assert_eq!(sims.callable.token_stats().expired, 1);

    // Refresh rotates: the new refresh token works once, the old one never again.
    let refresh = t["refresh_token"].as_str().unwrap().to_owned();
    let (status, t2) = token(&http, &base, &format!("token={refresh}")).await;
    assert_eq!(status, 200);
    assert_ne!(t2["refresh_token"], t["refresh_token"]);
    assert_eq!(
        get(t2["access_token"].as_str().unwrap().to_owned()).await,
        200
    );
    let (status, again) = token(&http, &base, &format!("token={refresh}")).await;
    assert_eq!(status, 400);
    assert_eq!(again["error"], "invalid_grant");
    let stats = sims.callable.token_stats();
    assert_eq!((stats.sign_ins, stats.refreshes, stats.refused), (1, 1, 2));
}

#[tokio::test]
async fn creates_answer_201_and_updates_204_without_bodies() {
    let sims = support::sims(6, |_| {}).await;
    let base = sims.callable.base_url.clone();
    let http = reqwest::Client::new();
    let (_, t) = token(&http, &base, "username=demo&password=1234").await;
    let bearer = t["access_token"].as_str().unwrap().to_owned();
    let acc = format!("{base}/api/v1/account/5554872eb0731b38efa4d444");

    let r = http
        .post(format!("{acc}/trunk"))
        .bearer_auth(&bearer)
        .json(&json!({"ip": "9.9.9.9", "port": 5060, "vendor": "generic"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    assert!(r.bytes().await.unwrap().is_empty());

    let r = http
        .put(format!("{acc}/address"))
        .bearer_auth(&bearer)
        .json(&json!({"line1": "x", "postalCode": "BN1", "country": "UK"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert!(r.bytes().await.unwrap().is_empty());

    // A trunk without an ip is refused; an unknown account is 404.
    let r = http
        .post(format!("{acc}/trunk"))
        .bearer_auth(&bearer)
        .json(&json!({"port": 5060}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = http
        .get(format!(
            "{base}/api/v1/account/000000000000000000000000/ddi"
        ))
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    // The demo data: the document's examples.
    let devices: Value = http
        .get(format!("{acc}/device"))
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(devices[0]["name"], "Primary GW");
    assert_eq!(
        devices[1]["startRoute"]["ddis"][0],
        "7774872eb9991b38efa4d888"
    );
}

#[tokio::test]
async fn the_voice_channel_also_takes_basic_auth_at_the_host_root() {
    let sims = support::sims(7, |_| {}).await;
    let base = sims.callable.base_url.clone();
    let account = "5554872eb0731b38efa4d444";
    let client = switchboard::sim::callable::client_id(account);
    let http = reqwest::Client::new();
    let call = json!({"target": {"phoneNumber": {"number": "+441234567893"}},
                      "verbs": [{"say": {"text": ["Your pizza is outside!"]}}]});
    let r = http
        .post(format!("{base}/channels/voice"))
        .basic_auth(account, Some(&client))
        .json(&call)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    assert_eq!(sims.callable.calls(account).len(), 1);
    let r = http
        .post(format!("{base}/channels/voice"))
        .basic_auth(account, Some("wrong"))
        .json(&call)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}
