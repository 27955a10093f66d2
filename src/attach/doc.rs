//! The feed's documents, typed: a snapshot or a change of the collector's state
//! (`serve::feed` writes them). Rows decode into the neutral model; each slice's
//! provider is set on its rows (the rows themselves carry none on the wire).

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};

use crate::model::{Account, Call, Number, ProviderId, QueueStat, Trunk};

/// A provider's state as the collector sees it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ProviderFeed {
    pub id: u16,
    pub name: String,
    pub kind: String,
    /// `connecting`, `ok`, `degraded`, `rate_limited`, `auth_failed`, `unreachable`,
    /// `unreadable`.
    pub state: String,
    pub error: Option<String>,
    pub last_success_ms: Option<i64>,
    pub budget: BudgetFeed,
    /// When each resource's data last loaded (epoch ms), by feed table name.
    #[serde(default)]
    pub data_ms: BTreeMap<String, Option<i64>>,
    /// The changes it offers (`click_to_call`, `edit_trunk` …); a name this console does
    /// not know (a newer collector) is skipped.
    #[serde(default)]
    pub actions: Vec<serde_json::Value>,
    /// Pinned read-only in the collector's config.
    #[serde(default)]
    pub read_only: bool,
    /// What its forms start from, by account: `{"account", "details"}` each; one this
    /// console cannot read is skipped.
    #[serde(default)]
    pub details: Vec<serde_json::Value>,
}

/// One account's form details in the feed.
#[derive(Debug, Clone, Deserialize)]
pub struct DetailsFeed {
    pub account: String,
    pub details: crate::providers::ProviderDetails,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub struct BudgetFeed {
    pub remaining: u32,
    pub limit: u32,
    pub window_s: u32,
    pub used: u32,
    pub documented: u32,
    pub throttled: u32,
    pub resets_in_s: u32,
}

/// Every row of one table for one provider; for calls, of one account when the slice
/// names one (a change carries only the accounts whose calls changed).
#[derive(Debug, Clone, PartialEq)]
pub enum Slice {
    Accounts(ProviderId, Vec<Account>),
    LiveCalls(ProviderId, Option<String>, Vec<Call>),
    CallHistory(ProviderId, Option<String>, Vec<Call>),
    Trunks(ProviderId, Vec<Trunk>),
    Numbers(ProviderId, Vec<Number>),
    Queues(ProviderId, Vec<QueueStat>),
}

impl Slice {
    pub fn provider(&self) -> ProviderId {
        match self {
            Slice::Accounts(p, _)
            | Slice::LiveCalls(p, ..)
            | Slice::CallHistory(p, ..)
            | Slice::Trunks(p, _)
            | Slice::Numbers(p, _)
            | Slice::Queues(p, _) => *p,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Slice::Accounts(_, r) => r.len(),
            Slice::LiveCalls(_, _, r) | Slice::CallHistory(_, _, r) => r.len(),
            Slice::Trunks(_, r) => r.len(),
            Slice::Numbers(_, r) => r.len(),
            Slice::Queues(_, r) => r.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The feed's name of the table.
    pub fn table(&self) -> &'static str {
        match self {
            Slice::Accounts(..) => "accounts",
            Slice::LiveCalls(..) => "live_calls",
            Slice::CallHistory(..) => "call_history",
            Slice::Trunks(..) => "trunks",
            Slice::Numbers(..) => "numbers",
            Slice::Queues(..) => "queues",
        }
    }
}

/// A snapshot (every provider and slice) or a change (what differs).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FeedDoc {
    pub revision: u64,
    pub at_ms: i64,
    pub providers: Vec<ProviderFeed>,
    pub slices: Vec<Slice>,
}

impl FeedDoc {
    pub fn parse(text: &str) -> Result<FeedDoc, String> {
        serde_json::from_str(text).map_err(|e| format!("the collector sent a bad document: {e}"))
    }
}

/// Rows decoded straight from the stream (no `serde_json::Value` in between, which
/// would sort the rows' extra fields), with the slice's provider set on each.
macro_rules! rows {
    ($m:expr, $p:expr, $variant:ident, $ty:ty $(, $account:expr)?) => {{
        let mut rows: Vec<$ty> = $m.next_value()?;
        let p = $p;
        rows.iter_mut().for_each(|r| r.provider = p);
        Slice::$variant(p, $($account,)? rows)
    }};
}

impl<'de> Deserialize<'de> for Slice {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Slice, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Slice;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a slice: table, provider, then rows")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Slice, A::Error> {
                let mut table: Option<String> = None;
                let mut provider: Option<ProviderId> = None;
                let mut account: Option<String> = None;
                let mut slice = None;
                while let Some(key) = m.next_key::<String>()? {
                    match key.as_str() {
                        "table" => table = Some(m.next_value()?),
                        "provider" => provider = Some(ProviderId(m.next_value()?)),
                        "account" => {
                            let named: String = m.next_value()?;
                            // Named after the rows: it still scopes them.
                            if let Some(Slice::LiveCalls(_, a, _) | Slice::CallHistory(_, a, _)) =
                                &mut slice
                            {
                                *a = Some(named.clone());
                            }
                            account = Some(named);
                        }
                        "rows" => {
                            let (Some(t), Some(p)) = (&table, provider) else {
                                return Err(de::Error::custom("rows before table and provider"));
                            };
                            slice = Some(match t.as_str() {
                                "accounts" => rows!(m, p, Accounts, Account),
                                "live_calls" => rows!(m, p, LiveCalls, Call, account.clone()),
                                "call_history" => {
                                    rows!(m, p, CallHistory, Call, account.clone())
                                }
                                "trunks" => rows!(m, p, Trunks, Trunk),
                                "numbers" => rows!(m, p, Numbers, Number),
                                "queues" => rows!(m, p, Queues, QueueStat),
                                other => {
                                    return Err(de::Error::custom(format!(
                                        "unknown table {other:?}"
                                    )));
                                }
                            });
                        }
                        _ => {
                            m.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                slice.ok_or_else(|| de::Error::custom("a slice without rows"))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CallState;

    #[test]
    fn rows_keep_their_field_order_and_get_the_slices_provider() {
        let text = r#"{"revision":5,"at_ms":1,"providers":[],"slices":[
            {"table":"live_calls","provider":3,"rows":[{"account":"a","account_name":"A",
             "id":"c1","from":"+1","to":"+2","direction":"inbound","state":{"unknown":"parked"},
             "started_at_ms":1,"answered_at_ms":null,"ended_at_ms":null,
             "extra":{"zeta":"1","alpha":"2"}}]}]}"#;
        let doc = FeedDoc::parse(text).unwrap();
        let Slice::LiveCalls(p, None, rows) = &doc.slices[0] else {
            panic!("{doc:?}")
        };
        assert_eq!(*p, ProviderId(3));
        assert_eq!(rows[0].provider, ProviderId(3));
        assert_eq!(rows[0].state, CallState::Unknown("parked".into()));
        let keys: Vec<&str> = rows[0].extra.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["zeta", "alpha"], "as sent, not sorted");
        // What the collector writes reads back equal.
        let again = serde_json::to_string(&rows[0]).unwrap();
        let back: Call = serde_json::from_str(&again).unwrap();
        assert_eq!(back.extra, rows[0].extra);
    }

    #[test]
    fn bad_documents_are_errors() {
        for bad in [
            r#"{"revision":1,"at_ms":1,"providers":[],"slices":[{"rows":[],"table":"trunks","provider":0}]}"#,
            r#"{"revision":1,"at_ms":1,"providers":[],"slices":[{"table":"nope","provider":0,"rows":[]}]}"#,
            r#"{"revision":1,"at_ms":1,"providers":[],"slices":[{"table":"trunks","provider":0}]}"#,
            r#"{"revision":-1}"#,
            "not json",
        ] {
            assert!(FeedDoc::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_call_slice_may_name_its_account_before_or_after_its_rows() {
        for text in [
            r#"{"revision":2,"at_ms":1,"providers":[],"slices":[
                {"table":"call_history","provider":1,"account":"acme","rows":[]}]}"#,
            r#"{"revision":2,"at_ms":1,"providers":[],"slices":[
                {"table":"call_history","provider":1,"rows":[],"account":"acme"}]}"#,
        ] {
            let doc = FeedDoc::parse(text).unwrap();
            assert_eq!(
                doc.slices,
                [Slice::CallHistory(
                    ProviderId(1),
                    Some("acme".into()),
                    vec![]
                )],
                "{text}"
            );
        }
    }
}
