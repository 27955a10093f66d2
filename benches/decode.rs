//! Decode + map cost of a large Cloudonix sessions response (10,000 sessions with
//! realistic profile objects, mixed live/ended, mixed epoch representations), and the
//! row-cap scan that runs before it.

use std::fmt::Write as _;

use divan::counter::{BytesCount, ItemsCount};
use divan::{Bencher, black_box};
use switchboard::model::ProviderId;
use switchboard::providers::cloudonix as cx;

fn main() {
    divan::main();
}

const N: usize = 10_000;
const DOMAIN: &str = "acme.cloudonix.net";
const STATUSES: [&str; 8] = [
    "new",
    "NEW",
    "ringing",
    "connected",
    "completed",
    "busy",
    "noanswer",
    "external",
];
const DIRECTIONS: [&str; 5] = [
    "inbound",
    "Outbound",
    "outbound-api",
    "subscriber",
    "incoming",
];

/// A sessions array shaped like the live captures in providers.md §1.7.
fn sessions_json(n: usize) -> Vec<u8> {
    let mut out = String::with_capacity(n * 1100);
    out.push('[');
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        let start: i64 = 1_768_089_515_449 - (i as i64) * 1_337;
        let status = STATUSES[i % STATUSES.len()];
        let direction = DIRECTIONS[i % DIRECTIONS.len()];
        // Alternate integer and string epochs, as real payloads and the spec disagree.
        let start_s = if i % 2 == 0 {
            start.to_string()
        } else {
            format!("\"{start}\"")
        };
        let domain = match i % 3 {
            0 => "null".to_owned(),
            1 => format!("\"{DOMAIN}\""),
            _ => format!("{{\"id\":1780,\"domain\":\"{DOMAIN}\",\"active\":true}}"),
        };
        let ended = matches!(status, "completed" | "busy" | "noanswer") || i % 7 == 0;
        let end = if ended {
            format!(
                ",\"callEndTime\":{}",
                start + 60_000 + (i as i64 % 600) * 1000
            )
        } else {
            String::new()
        };
        let answer = if matches!(status, "connected" | "completed" | "external") {
            format!(",\"callAnswerTime\":{}", start + 4_000)
        } else {
            String::new()
        };
        let _ = write!(
            out,
            concat!(
                "{{\"id\":{id},\"domainId\":1780,\"domain\":{domain},\"subscriberId\":{sub},",
                "\"destination\":\"1555{dst:07}\",\"callerId\":\"1212{src:07}\",",
                "\"direction\":\"{direction}\",\"token\":\"{id:032x}\",",
                "\"createdAt\":\"2026-01-11T00:00:00Z\",\"modifiedAt\":\"2026-01-11T00:00:05Z\",",
                "\"timeLimit\":0,\"status\":\"{status}\",\"vappServer\":\"172.24.40.{vapp}\",",
                "\"callStartTime\":{start}{answer}{end},",
                "\"profile\":{{\"trunk-sip-headers\":{{\"Ident\":\"Njg4NjUxMzIxNTAwMA==\",",
                "\"A2B-A2Bacc\":\"\",\"A2B-CLID\":\"1212{src:07}\",\"A2B-Account\":\"\",",
                "\"A2B-DNID\":\"1718{dst:07}\"}},",
                "\"callId\":[\"{id:032x}@sentry.example.net\"],",
                "\"inbound-trunk-name\":\"inbound-147.234.16.{vapp}\",\"inbound-trunk-id\":380}},",
                "\"callIds\":[\"{id:032x}@sentry.example.net\"],\"ringing\":{ringing},",
                "\"domainNameOrId\":\"{domain_name}\"}}"
            ),
            id = 22_228_976 + i,
            domain = domain,
            sub = if i % 4 == 0 {
                "null".to_owned()
            } else {
                (248_000 + i).to_string()
            },
            dst = i * 7 % 10_000_000,
            src = i * 13 % 10_000_000,
            direction = direction,
            status = status,
            vapp = i % 250,
            start = start_s,
            answer = answer,
            end = end,
            ringing = status == "ringing",
            domain_name = DOMAIN,
        );
    }
    out.push(']');
    out.into_bytes()
}

#[divan::bench(sample_count = 30)]
fn decode_10k_sessions(bencher: Bencher) {
    let body = sessions_json(N);
    bencher
        .counter(BytesCount::new(body.len()))
        .bench(|| cx::decode_sessions(black_box(&body)));
}

#[divan::bench(sample_count = 30)]
fn map_10k_sessions(bencher: Bencher) {
    let sessions = cx::decode_sessions(&sessions_json(N)).unwrap_or_default();
    bencher
        .counter(ItemsCount::new(sessions.len()))
        .with_inputs(|| sessions.clone())
        .bench_values(|s| cx::map_sessions(ProviderId(0), DOMAIN, s));
}

#[divan::bench(sample_count = 30)]
fn decode_and_map_10k_sessions(bencher: Bencher) {
    let body = sessions_json(N);
    bencher.counter(ItemsCount::new(N)).bench(|| {
        let sessions = cx::decode_sessions(black_box(&body)).unwrap_or_default();
        cx::map_sessions(ProviderId(0), DOMAIN, sessions)
    });
}

/// The row-cap scan every list body passes before it is decoded (issue 11): its cost
/// next to the decode above, on the same 10,000 sessions.
#[divan::bench(sample_count = 30)]
fn row_cap_scan_10k_sessions(bencher: Bencher) {
    let body = sessions_json(N);
    bencher
        .counter(BytesCount::new(body.len()))
        .bench(|| switchboard::providers::shape::longest_list_over(black_box(&body), 1, 50_000));
}
