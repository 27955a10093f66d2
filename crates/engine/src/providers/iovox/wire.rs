//! IOVOX wire shapes (providers.md §3.4-3.6), decoded from the format-neutral
//! [`Node`](super::tree::Node) tree. Every decoder is total: a missing or odd field is
//! `None`/empty, a body that is not a document or not an envelope is an `Err`.

use super::tree::{self, Node};

/// One page of a `response → results → result` envelope.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub current_page: u64,
    pub total_pages: u64,
    pub total_results: Option<u64>,
    pub results: Vec<Node>,
}

/// An IOVOX error: the `status` attribute and the message text.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: Option<u16>,
    pub message: String,
}

/// Reads a results envelope (JSON or XML). A body that is an `<errors>` document is an
/// `Err` carrying those errors' text.
pub fn decode_page(body: &[u8]) -> Result<Page, String> {
    let doc = tree::parse(body)?;
    if let Some(errors) = errors_of(&doc) {
        return Err(format_errors(&errors));
    }
    let Some(resp) = doc.get("response") else {
        return Err("no `response` element in the answer".into());
    };
    let results = resp
        .get("results")
        .map(|r| match r {
            // `results: [ {...}, … ]` (a list without the `result` wrapper) is read too.
            Node::List(_) => r.as_items(),
            _ => r.items("result"),
        })
        .unwrap_or_default()
        .into_iter()
        .cloned()
        .collect();
    Ok(Page {
        current_page: resp.u64("current_page").unwrap_or(1).max(1),
        total_pages: resp.u64("total_pages").unwrap_or(1),
        total_results: resp.u64("total_results"),
        results,
    })
}

/// The errors of an `<errors>` document (XML) or its JSON mirror; `None` when the body
/// is not one.
pub fn decode_errors(body: &[u8]) -> Option<Vec<ApiError>> {
    errors_of(&tree::parse(body).ok()?)
}

fn errors_of(doc: &Node) -> Option<Vec<ApiError>> {
    let errors = doc.get("errors")?;
    let list: Vec<ApiError> = errors
        .items("error")
        .into_iter()
        .filter_map(|e| {
            let message = e
                .text()
                .or_else(|| e.str("message"))
                .or_else(|| e.str("__content__"))?
                .to_owned();
            let status = e
                .str("@status")
                .or_else(|| e.str("status"))
                .and_then(|s| s.parse::<u16>().ok());
            Some(ApiError { status, message })
        })
        .collect();
    Some(list)
}

/// "400 Username Empty; 400 Secure Key Empty".
pub fn format_errors(errors: &[ApiError]) -> String {
    if errors.is_empty() {
        return "the provider reported an error without text".into();
    }
    errors
        .iter()
        .map(|e| match e.status {
            Some(s) => format!("{s} {}", e.message),
            None => e.message.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A node (`getNodes`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeRow {
    pub node_id: String,
    pub node_name: String,
    pub node_type: String,
}

/// A link (`getLinks`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Link {
    pub link_id: String,
    pub link_name: String,
    pub link_type: String,
    pub node_id: String,
    pub node_name: String,
    pub voxnumber: String,
    pub rule: String,
    pub click_to_call: Option<bool>,
}

/// A VoxNumber (`getVoxnumbers`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Voxnumber {
    pub voxnumber: String,
    pub voxnumber_type: String,
    pub country: String,
    pub city: String,
    pub country_code: String,
    pub link_id: String,
    pub link_name: String,
    pub node_id: String,
    pub node_name: String,
    pub assigned_status: String,
    pub call_status: String,
    pub purchase_date: String,
}

/// A category of a call (`categories.category`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Category {
    pub id: String,
    pub label: String,
    pub value: String,
}

/// A call record (`getCallData`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallData {
    pub id: String,
    pub call_start: String,
    pub call_end: String,
    pub call_origin: String,
    pub voxnumber: String,
    pub call_destination: String,
    pub call_time_sec: Option<u64>,
    pub talk_time_sec: Option<u64>,
    pub call_type: String,
    pub call_result: String,
    pub rule_result: String,
    pub direction: String,
    pub node_id: String,
    pub node_name: String,
    pub link_id: String,
    pub link_name: String,
    pub has_recording: bool,
    pub categories: Vec<Category>,
}

/// One row of `getCallMetrics` (figures plus the group columns asked for).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Metric {
    pub call_date: String,
    pub call_result: String,
    pub total_calls: Option<u64>,
    pub total_call_time_sec: Option<u64>,
    pub ave_call_time_sec: Option<u64>,
    pub total_talk_time_sec: Option<u64>,
    pub ave_talk_time_sec: Option<u64>,
    pub total_unique_callers: Option<u64>,
}

fn flag(n: &Node, key: &str) -> Option<bool> {
    n.str(key).and_then(crate::providers::lenient::flag_text)
}

pub fn node_row(n: &Node) -> NodeRow {
    NodeRow {
        node_id: n.string("node_id"),
        node_name: n.string("node_name"),
        node_type: n.string("node_type"),
    }
}

pub fn link(n: &Node) -> Link {
    Link {
        link_id: n.string("link_id"),
        link_name: n.string("link_name"),
        link_type: n.string("link_type"),
        node_id: n.string("node_id"),
        node_name: n.string("node_name"),
        voxnumber: n.string("voxnumber"),
        rule: n
            .str("rule_template_name")
            .or_else(|| n.str("rule_name"))
            .unwrap_or_default()
            .to_owned(),
        click_to_call: flag(n, "click_to_call"),
    }
}

pub fn voxnumber(n: &Node) -> Voxnumber {
    Voxnumber {
        voxnumber: n.string("voxnumber"),
        voxnumber_type: n.string("voxnumber_type"),
        country: n.string("voxnumber_country"),
        city: n.string("voxnumber_city"),
        country_code: n.string("country_code"),
        link_id: n.string("link_id"),
        link_name: n.string("link_name"),
        node_id: n.string("node_id"),
        node_name: n.string("node_name"),
        assigned_status: n.string("assigned_status"),
        call_status: n.string("call_status"),
        purchase_date: n.string("purchase_date"),
    }
}

pub fn call_data(n: &Node) -> CallData {
    let categories = n
        .get("categories")
        .map(|c| c.items("category"))
        .unwrap_or_default()
        .into_iter()
        .map(|c| Category {
            id: c.string("category_id"),
            label: c.string("label"),
            value: c.string("value"),
        })
        .collect();
    CallData {
        id: n.string("id"),
        call_start: n.string("call_start"),
        call_end: n.string("call_end"),
        call_origin: n.string("call_origin"),
        voxnumber: n.string("voxnumber"),
        call_destination: n.string("call_destination"),
        call_time_sec: n.u64("call_time_sec"),
        talk_time_sec: n.u64("talk_time_sec"),
        call_type: n.string("call_type"),
        call_result: n.string("call_result"),
        rule_result: n.string("rule_result"),
        direction: n.string("direction"),
        node_id: n.string("node_id"),
        node_name: n.string("node_name"),
        link_id: n.string("link_id"),
        link_name: n.string("link_name"),
        has_recording: flag(n, "has_recording").unwrap_or(false),
        categories,
    }
}

/// A metric time in seconds: `<name>_sec`, else `<name>` as `HH:MM:SS` (the two forms
/// getCallMetrics gives).
fn seconds(n: &Node, name: &str) -> Option<u64> {
    n.u64(&format!("{name}_sec"))
        .or_else(|| n.str(name).and_then(hms_seconds))
}

/// `"00:02:44"` → 164; `"125:00:00"` (hours beyond a day) reads too. None for anything
/// else.
pub fn hms_seconds(t: &str) -> Option<u64> {
    let mut parts = t.trim().split(':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let num = |p: &str| {
        (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u64>().ok())
            .flatten()
    };
    let (h, m, s) = (num(h)?, num(m)?, num(s)?);
    (m < 60 && s < 60).then(|| h.saturating_mul(3600).saturating_add(m * 60 + s))
}

pub fn metric(n: &Node) -> Metric {
    Metric {
        call_date: n.string("call_date"),
        call_result: n.string("call_result"),
        total_calls: n.u64("total_calls"),
        total_call_time_sec: seconds(n, "total_call_time"),
        ave_call_time_sec: seconds(n, "ave_call_time"),
        total_talk_time_sec: seconds(n, "total_talk_time"),
        ave_talk_time_sec: seconds(n, "ave_talk_time"),
        total_unique_callers: n.u64("total_unique_callers"),
    }
}

/// Decodes a page and maps each result with `f`.
pub fn decode_with<T>(body: &[u8], f: fn(&Node) -> T) -> Result<(Page, Vec<T>), String> {
    let page = decode_page(body)?;
    let rows = page.results.iter().map(f).collect();
    Ok((page, rows))
}

pub fn decode_nodes(body: &[u8]) -> Result<Vec<NodeRow>, String> {
    decode_with(body, node_row).map(|(_, r)| r)
}
pub fn decode_links(body: &[u8]) -> Result<Vec<Link>, String> {
    decode_with(body, link).map(|(_, r)| r)
}
pub fn decode_voxnumbers(body: &[u8]) -> Result<Vec<Voxnumber>, String> {
    decode_with(body, voxnumber).map(|(_, r)| r)
}
pub fn decode_call_data(body: &[u8]) -> Result<Vec<CallData>, String> {
    decode_with(body, call_data).map(|(_, r)| r)
}
pub fn decode_metrics(body: &[u8]) -> Result<Vec<Metric>, String> {
    decode_with(body, metric).map(|(_, r)| r)
}
