//! Issue 13 item 6: the Queues pane shows only rows with figures, and IOVOX's day and
//! result rows carry what getCallMetrics gives (calls per result, average talk, average
//! call length), in either of its time forms.

use switchboard::model::{Capabilities, ProviderId, ProviderKind, QueueStat, Resource};
use switchboard::providers::FetchData;
use switchboard::providers::iovox::{map, wire};
use switchboard::state::{ProviderState, State};

fn state() -> State {
    let caps = Resource::ALL
        .iter()
        .fold(Capabilities::new(), |c, &r| c.with(r));
    let p = ProviderState::new(ProviderId(0), "iovox", ProviderKind::Iovox, caps);
    State::new(vec![p], 1_700_000_000_000)
}

fn metric(day: &str, result: &str, calls: Option<u64>, call_s: u64, talk_s: u64) -> wire::Metric {
    wire::Metric {
        call_date: day.into(),
        call_result: result.into(),
        total_calls: calls,
        total_call_time_sec: calls.map(|n| n * call_s),
        ave_call_time_sec: Some(call_s),
        total_talk_time_sec: calls.map(|n| n * talk_s),
        ave_talk_time_sec: Some(talk_s),
        total_unique_callers: None,
    }
}

#[test]
fn result_rows_carry_calls_talk_and_call_length() {
    let rows = vec![
        metric("2026-11-20", "ANSWERED", Some(8), 164, 150),
        metric("2026-11-20", "BUSY", Some(2), 9, 0),
        metric("2026-11-21", "ANSWERED", Some(2), 100, 90),
        metric("2026-11-21", "NO ANSWER", Some(3), 30, 0),
    ];
    let stats = map::map_metrics(ProviderId(0), "root", "last 7 days", rows);
    let get = |name: &str| stats.iter().find(|s| s.name == name).expect(name);
    let answered = get("ANSWERED");
    assert_eq!(answered.total, Some(10));
    assert_eq!(answered.avg_talk_s, Some(138), "(8·150 + 2·90) / 10");
    assert_eq!(answered.avg_call_s, Some(151), "(8·164 + 2·100) / 10");
    let busy = get("BUSY");
    assert_eq!(busy.total, Some(2));
    assert_eq!(busy.avg_call_s, Some(9), "how long busy calls lasted");
    assert_eq!(busy.avg_talk_s, None, "busy calls never talked");
    let no_answer = get("NO ANSWER");
    assert_eq!((no_answer.total, no_answer.avg_call_s), (Some(3), Some(30)));
    let day = get("2026-11-20");
    assert_eq!(
        (day.total, day.answered, day.abandoned),
        (Some(10), Some(8), Some(2))
    );
    assert_eq!(
        day.avg_talk_s,
        Some(150),
        "talk averages over calls that talked"
    );
}

#[test]
fn times_read_as_seconds_or_as_clock_text() {
    assert_eq!(wire::hms_seconds("00:02:44"), Some(164));
    assert_eq!(wire::hms_seconds("125:00:01"), Some(450_001));
    assert_eq!(wire::hms_seconds("00:61:00"), None);
    assert_eq!(wire::hms_seconds("2:44"), None);
    assert_eq!(wire::hms_seconds(""), None);
    let body = br#"{"response":{"results":{"result":[
        {"call_date":"2026-11-20","call_result":"ANSWERED","total_calls":"4",
         "ave_call_time":"00:02:44","ave_talk_time":"00:02:30"}
    ]}}}"#;
    let m = wire::decode_metrics(body).expect("decodes");
    assert_eq!(m[0].ave_call_time_sec, Some(164));
    assert_eq!(m[0].ave_talk_time_sec, Some(150));
    let stats = map::map_metrics(ProviderId(0), "root", "p", m);
    let answered = stats.iter().find(|s| s.name == "ANSWERED").unwrap();
    assert_eq!(
        (answered.avg_call_s, answered.avg_talk_s),
        (Some(164), Some(150))
    );
}

#[test]
fn a_row_without_a_figure_does_not_appear() {
    // A result row whose metrics gave nothing (no calls, no times): nothing to show.
    let mut bare = metric("2026-11-20", "FAILED", None, 0, 0);
    bare.ave_call_time_sec = None;
    bare.ave_talk_time_sec = None;
    let rows = vec![metric("2026-11-20", "ANSWERED", Some(8), 164, 150), bare];
    let stats = map::map_metrics(ProviderId(0), "root", "last 7 days", rows);
    let failed = stats.iter().find(|s| s.name == "FAILED").expect("mapped");
    assert_eq!(failed.total, None, "unknown calls are not zero calls");
    let mut s = state();
    let mut dashes = QueueStat {
        name: "empty".into(),
        kind: "queue".into(),
        ..QueueStat::default()
    };
    dashes.provider = ProviderId(0);
    let mut rows = stats.clone();
    rows.push(dashes);
    switchboard::update::apply_data(&mut s, ProviderId(0), "", FetchData::Queues(rows));
    let names: Vec<&str> = s
        .tables
        .queues
        .rows
        .iter()
        .map(|q| q.name.as_str())
        .collect();
    assert!(
        names.contains(&"ANSWERED") && names.contains(&"2026-11-20"),
        "{names:?}"
    );
    assert!(!names.contains(&"FAILED"), "{names:?}");
    assert!(!names.contains(&"empty"), "{names:?}");
}
