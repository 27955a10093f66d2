//! Queue calls to the store: the per-call queue and ring-group records a provider gives
//! (`FetchData::GroupCalls`), each kept once with its queue's counters added in the same
//! transaction (`switchboard-store`'s `insert_queue`), so the collector's queue counters
//! survive restarts and a day read again is not counted twice.

use switchboard_store::{QueueCounts, QueueInsert, QueueKey, QueueOutcome, QueueRecord};

use super::History;
use crate::providers::FetchData;
use crate::stats::{GroupCallRecord, Outcome};

/// The finished queue calls one poll result carries, as records of the provider
/// configured as `name` and its account `account` (the poll's scope). A call still in
/// progress is left for a later poll: its outcome is not known yet.
pub fn queue_records(name: &str, account: &str, data: &FetchData) -> Vec<QueueRecord> {
    match data {
        FetchData::GroupCalls(records) => records
            .iter()
            .filter_map(|r| queue_record(name, account, r))
            .collect(),
        _ => Vec::new(),
    }
}

fn queue_record(name: &str, account: &str, r: &GroupCallRecord) -> Option<QueueRecord> {
    let outcome = match r.outcome {
        Outcome::Answered => QueueOutcome::Answered,
        Outcome::Abandoned => QueueOutcome::Abandoned,
        Outcome::TimedOut => QueueOutcome::TimedOut,
        Outcome::Other => QueueOutcome::Other,
    };
    let finished = r.finished_ms.is_some();
    if !finished || r.id.is_empty() {
        return None;
    }
    Some(QueueRecord {
        provider: name.to_string(),
        account: account.to_string(),
        queue: r.group.clone(),
        call_id: r.id.clone(),
        joined_ms: r.started_ms,
        answered_ms: r.answered_ms,
        ended_ms: r.finished_ms,
        outcome,
    })
}

impl History {
    /// Keeps the queue records not kept yet and counts exactly those.
    pub async fn write_queue(
        &self,
        batch: Vec<QueueRecord>,
    ) -> Result<QueueInsert, switchboard_store::StoreError> {
        self.store.run(move |s| s.insert_queue(&batch)).await
    }

    /// Every queue's counters as stored.
    pub async fn queue_counters(
        &self,
    ) -> Result<std::collections::BTreeMap<QueueKey, QueueCounts>, switchboard_store::StoreError>
    {
        self.store.run(|s| s.queue_counters()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(id: &str, finished: Option<i64>, outcome: Outcome) -> GroupCallRecord {
        GroupCallRecord {
            id: id.into(),
            group: "sales".into(),
            kind: "queue".into(),
            started_ms: 1_000,
            answered_ms: None,
            finished_ms: finished,
            agent: None,
            outcome,
        }
    }

    #[test]
    fn only_finished_queue_calls_become_records_of_the_poll_scope() {
        let data = FetchData::GroupCalls(vec![
            group("a", Some(9_000), Outcome::Abandoned),
            group("b", None, Outcome::Other),
            group("", Some(9_000), Outcome::Answered),
        ]);
        let got = queue_records("pbx", "acct", &data);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            (got[0].provider.as_str(), got[0].account.as_str()),
            ("pbx", "acct")
        );
        assert_eq!(got[0].outcome, QueueOutcome::Abandoned);
        assert_eq!(got[0].wait_ms(), Some(8_000));
        assert!(queue_records("pbx", "acct", &FetchData::Queues(Vec::new())).is_empty());
    }
}
