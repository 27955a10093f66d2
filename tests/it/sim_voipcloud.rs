//! The VoIPcloud simulator on its own, over HTTP: envelope and codes (400, 401, 404, 429,
//! 0), the legacy `api_key` parameter, the whitelist, paging, and `call-to-number` with
//! JSON, form and multipart bodies.

use crate::support;

use std::time::Duration;

use serde_json::Value;

async fn get(url: &str, token: Option<&str>) -> (u16, Value) {
    let mut req = reqwest::Client::new().get(url);
    if let Some(t) = token {
        req = req.header("token", t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn envelope_and_codes() {
    let sims = support::sims(51, |o| {
        o.voipcloud.rate_limit_requests = 6;
        o.voipcloud.rate_limit_window = Duration::from_secs(60);
    })
    .await;
    let v = &sims.voipcloud;
    let api = format!("{}/api/integration/v1", v.base_url);
    let tok = Some(v.token.as_str());

    let (s, body) = get(&format!("{api}/get-queue-calls?limit=2"), tok).await;
    assert_eq!(s, 200);
    assert_eq!(body["status"], "success");
    assert_eq!(body["code"], 200);
    let rows = body["data"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    // Newest first, and offset pages on from there.
    let (_, next) = get(&format!("{api}/get-queue-calls?limit=2&offset=1"), tok).await;
    assert_eq!(next["data"][0], rows[1]);
    assert!(rows[0]["call_start_at"].as_str() >= rows[1]["call_start_at"].as_str());

    let (s, body) = get(&format!("{api}/get-user-calls?limit=0"), tok).await;
    assert_eq!((s, body["code"].as_i64()), (400, Some(400)));
    assert_eq!(body["status"], "error");

    let (s, body) = get(&format!("{api}/get-user-calls"), None).await;
    assert_eq!(
        (s, body["message"].as_str()),
        (401, Some("Authorization error"))
    );

    // The deprecated query parameter still works here (the client never sends it).
    let (s, _) = get(
        &format!("{api}/get-system-status?api_key={}", v.token),
        None,
    )
    .await;
    assert_eq!(s, 200);

    let (s, body) = get(&format!("{api}/get-everything"), tok).await;
    assert_eq!((s, body["code"].as_i64()), (404, Some(404)));

    v.inject_unknown_errors(1);
    let (s, body) = get(&format!("{api}/get-system-status"), tok).await;
    assert_eq!((s, body["code"].as_i64()), (500, Some(0)));

    // Six allowed per window: the seventh is 429 with Retry-After.
    let resp = reqwest::Client::new()
        .get(format!("{api}/get-system-status"))
        .header("token", &v.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["message"], "Too Many Requests");
    assert_eq!(v.throttled(), 1);
}

#[tokio::test]
async fn whitelist_refuses_before_the_token_is_looked_at() {
    let sims = support::sims(52, |o| o.voipcloud.whitelist = Some(vec![])).await;
    let v = &sims.voipcloud;
    let (s, body) = get(
        &format!("{}/api/integration/v2/get-user-calls", v.base_url),
        Some(&v.token),
    )
    .await;
    assert_eq!((s, body["message"].as_str()), (401, Some("Not authorised")));
    v.set_whitelist(None);
    let (s, _) = get(
        &format!("{}/api/integration/v2/get-user-calls", v.base_url),
        Some(&v.token),
    )
    .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn call_to_number_takes_json_form_and_multipart() {
    let sims = support::sims(53, |_| {}).await;
    let v = &sims.voipcloud;
    let url = format!("{}/api/integration/v2/call-to-number", v.base_url);
    let http = reqwest::Client::new();
    let before = v.live_user_calls();
    let json = http
        .post(&url)
        .header("token", &v.token)
        .json(&serde_json::json!({"user_number": "201", "number_to_call": "61299990001"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json.status().as_u16(), 200);
    let body: Value = json.json().await.unwrap();
    assert!(body["data"]["call_id"].is_string());
    let form = http
        .post(&url)
        .header("token", &v.token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("user_number=202&number_to_call=%2B61299990002")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status().as_u16(), 200);
    let boundary = "XyZ";
    let multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"user_number\"\r\n\r\n203\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"number_to_call\"\r\n\r\n61299990003\r\n--{boundary}--\r\n"
    );
    let mp = http
        .post(&url)
        .header("token", &v.token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(multipart)
        .send()
        .await
        .unwrap();
    assert_eq!(mp.status().as_u16(), 200);
    assert_eq!(v.live_user_calls(), before + 3);
    let missing = http
        .post(&url)
        .header("token", &v.token)
        .json(&serde_json::json!({"user_number": "201"}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 400);
    // The new calls are listed live (call_finished_at null) on v1, newest first.
    let (_, list) = get(
        &format!("{}/api/integration/v1/get-user-calls?limit=5", v.base_url),
        Some(&v.token),
    )
    .await;
    let live: Vec<&Value> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["call_finished_at"].is_null())
        .collect();
    assert!(live.iter().any(|r| r["to_number"] == "61299990002"));
    // v2 rows are records of finished calls: no `call_finished_at`, and a call still in
    // progress is not among them.
    let (_, list) = get(
        &format!("{}/api/integration/v2/get-user-calls", v.base_url),
        Some(&v.token),
    )
    .await;
    let rows = list["data"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.get("call_finished_at").is_none()));
    assert!(rows.iter().all(|r| r["dest_number"] != "61299990002"));
}
