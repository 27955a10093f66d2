//! The IOVOX simulator's data and request handling (providers.md §3): general errors
//! worded as the provider's table, XML or JSON output with every scalar a string and a
//! single result collapsed to an object, case-sensitive method names, paging.
//!
//! Pure: [`State::process`] turns a request into a [`Reply`]; `mod.rs` does the I/O.

use quick_xml::events::Event;

use crate::rng::Rng;

/// A value of a rendered result: text, or a repeating group (`categories.category`).
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Str(String),
    Group(&'static str, Vec<Rec>),
}

pub type Rec = Vec<(&'static str, Val)>;

fn s(v: impl ToString) -> Val {
    Val::Str(v.to_string())
}

#[derive(Debug, Clone)]
pub struct SimNode {
    pub id: String,
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Clone)]
pub struct SimLink {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub node: usize,
    pub rule: String,
    pub click_to_call: bool,
}

#[derive(Debug, Clone)]
pub struct SimNumber {
    pub number: String,
    pub kind: &'static str,
    pub country: &'static str,
    pub city: &'static str,
    pub link: Option<usize>,
    /// `ON`, `OFF` or `NO RULES`.
    pub call_status: String,
    pub purchased: String,
}

#[derive(Debug, Clone)]
pub struct SimCall {
    pub id: String,
    /// Epoch seconds (UTC).
    pub start: i64,
    pub call_secs: u64,
    pub talk_secs: u64,
    pub origin: String,
    pub number: usize,
    pub destination: String,
    pub result: &'static str,
    pub ctype: &'static str,
    pub category: Option<(&'static str, &'static str)>,
}

/// One request.
pub struct Incoming<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub username: Option<&'a str>,
    pub secure_key: Option<&'a str>,
    pub body: &'a [u8],
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// 200 with a body in the requested format.
    Body {
        xml: bool,
        text: String,
    },
    Status(u16),
    /// Always XML (providers.md §3.5).
    Error(u16, String),
}

pub struct State {
    pub username: String,
    pub secure_key: String,
    pub nodes: Vec<SimNode>,
    pub links: Vec<SimLink>,
    pub numbers: Vec<SimNumber>,
    pub calls: Vec<SimCall>,
    next_call: u64,
    rng: Rng,
}

/// Interfaces and their methods (exact case) with the verb each needs.
const INTERFACES: &[(&str, &[(&str, &str)])] = &[
    (
        "Calls",
        &[
            ("getCallData", "GET"),
            ("getCallMetrics", "GET"),
            ("getCallRecording", "GET"),
        ],
    ),
    ("Calling", &[("initiateCall", "POST")]),
    ("CallFlow", &[]),
    ("Nodes", &[("getNodes", "GET")]),
    ("Links", &[("getLinks", "GET")]),
    ("Categories", &[]),
    ("Contacts", &[]),
    ("Rules", &[]),
    ("SoundFiles", &[]),
    (
        "Voxnumbers",
        &[("getVoxnumbers", "GET"), ("setCallStatus", "PUT")],
    ),
    ("Countries", &[]),
    ("Purchase", &[]),
    ("JsApi", &[]),
    ("User", &[]),
];

const GROUP_FIELDS: &[&str] = &[
    "cdate", "cweekd", "cmonth", "co", "coe", "vn", "cd", "detail", "call_res", "nid", "ntype",
    "lid", "lname", "ltype",
];

pub fn fmt_time(epoch_s: i64) -> String {
    jiff::Timestamp::from_second(epoch_s)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

fn parse_time(s: &str) -> Option<i64> {
    let dt = jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", s.trim()).ok()?;
    dt.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_second())
}

fn query_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
                {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn qget<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter().find(|(qk, _)| qk == k).map(|(_, v)| v.as_str())
}

fn err(msg: impl Into<String>) -> Reply {
    Reply::Error(400, msg.into())
}

impl State {
    pub fn seed(seed: u64, now_s: i64) -> State {
        let mut rng = Rng::derive(seed, 0x10F0);
        let secure_key = rng.hex_lower(32);
        let nodes = vec![
            node("LON01", "London office", "BRANCH"),
            node("MAN01", "Manchester office", "BRANCH"),
            node("WEB01", "Web campaigns", "CAMPAIGN"),
        ];
        let links = vec![
            link(
                "L-LON-SALES",
                "Sales line",
                "PHONE",
                0,
                "Ring sales team",
                true,
            ),
            link(
                "L-LON-SUPPORT",
                "Support line",
                "PHONE",
                0,
                "Support queue",
                true,
            ),
            link("L-MAN-MAIN", "Reception", "PHONE", 1, "Office hours", false),
            link(
                "L-WEB-SPRING",
                "Spring promo",
                "WEBSITE",
                2,
                "Forward to sales",
                true,
            ),
            link(
                "L-WEB-RADIO",
                "Radio ad",
                "RADIO",
                2,
                "Forward to sales",
                false,
            ),
        ];
        let mk = |n: &str, kind, country, city, link, status: &str, p: &str| SimNumber {
            number: n.to_owned(),
            kind,
            country,
            city,
            link,
            call_status: status.to_owned(),
            purchased: p.to_owned(),
        };
        let numbers = vec![
            mk(
                "442071234501",
                "LOCAL",
                "United Kingdom",
                "London",
                Some(0),
                "ON",
                "2025-03-02 10:00:00",
            ),
            mk(
                "442071234502",
                "LOCAL",
                "United Kingdom",
                "London",
                Some(1),
                "ON",
                "2025-03-02 10:00:00",
            ),
            mk(
                "441612345603",
                "LOCAL",
                "United Kingdom",
                "Manchester",
                Some(2),
                "ON",
                "2025-05-14 09:30:00",
            ),
            mk(
                "448001234504",
                "NATIONAL",
                "United Kingdom",
                "",
                Some(3),
                "ON",
                "2026-02-01 08:00:00",
            ),
            mk(
                "448001234505",
                "NATIONAL",
                "United Kingdom",
                "",
                Some(4),
                "OFF",
                "2026-02-01 08:00:00",
            ),
            mk(
                "442071234506",
                "LOCAL",
                "United Kingdom",
                "London",
                Some(3),
                "NO RULES",
                "2026-04-20 12:00:00",
            ),
            mk(
                "33142345607",
                "LOCAL",
                "France",
                "Paris",
                None,
                "OFF",
                "2026-06-11 15:00:00",
            ),
        ];
        let mut st = State {
            username: "noc-demo".to_owned(),
            secure_key,
            nodes,
            links,
            numbers,
            calls: Vec::new(),
            next_call: 1000,
            rng,
        };
        // A week of calls, oldest first.
        let week = 7 * 86_400;
        let mut t = now_s - week;
        while t < now_s - 60 {
            t += st.rng.range(600, 3600) as i64;
            if t >= now_s {
                break;
            }
            st.add_call(t);
        }
        st
    }

    fn add_call(&mut self, start: i64) {
        let rng = &mut self.rng;
        let number = rng.index(self.numbers.len().saturating_sub(1).max(1));
        let roll = rng.below(100);
        let result = match roll {
            0..=69 => "ANSWERED",
            70..=84 => "NO ANSWER",
            85..=94 => "BUSY",
            _ => "FAILED",
        };
        let ring = rng.range(3, 25);
        let talk = if result == "ANSWERED" {
            rng.range(20, 900)
        } else {
            0
        };
        let category = match rng.below(4) {
            0 => Some(("Lead", "Yes")),
            1 => Some(("Lead", "No")),
            _ => None,
        };
        let origin = format!("44{}", rng.digits(10));
        self.next_call += 1;
        self.calls.push(SimCall {
            id: format!("C{}", self.next_call),
            start,
            call_secs: ring + talk,
            talk_secs: talk,
            origin,
            number,
            destination: format!("44{}", rng.digits(10)),
            result,
            ctype: "DIRECT",
            category,
        });
    }

    pub fn process(&mut self, req: &Incoming, now_s: i64) -> Reply {
        let user = req.username.map(str::trim).unwrap_or_default();
        if user.is_empty() {
            return err("Username Empty");
        }
        let key = req.secure_key.map(str::trim).unwrap_or_default();
        if key.is_empty() {
            return err("Secure Key Empty");
        }
        if user != self.username || key != self.secure_key {
            return Reply::Error(401, "HTTP 401: Unauthorized".into());
        }
        let interface = req.path.trim_matches('/');
        if interface.is_empty() {
            return err("Interface Name Empty");
        }
        let Some((_, methods)) = INTERFACES.iter().find(|(i, _)| *i == interface) else {
            return err(format!("Interface does not exist: {interface}"));
        };
        let q = query_pairs(req.query);
        let get = |k: &str| qget(&q, k);
        match get("v").map(str::trim) {
            None | Some("") => return err("API Version Empty"),
            Some("3") => {}
            Some(_) => return err("Invalid API Version"),
        }
        let method = match get("method").map(str::trim) {
            None | Some("") => return err("Method Empty"),
            Some(m) => m.to_owned(),
        };
        let Some((_, verb)) = methods.iter().find(|(m, _)| *m == method) else {
            return err(format!("Method Invalid: {method} in interface {interface}"));
        };
        if !req.method.eq_ignore_ascii_case(verb) {
            return err(format!(
                "Request Method must be {verb}. {} attempted",
                req.method.to_ascii_uppercase()
            ));
        }
        // The docs' default output is XML.
        let xml = match get("output").map(|o| o.trim().to_ascii_uppercase()) {
            None => true,
            Some(o) if o == "XML" => true,
            Some(o) if o == "JSON" => false,
            Some(_) => return err("Output Type Invalid"),
        };
        let page = match get("page") {
            None => 1,
            Some(p) => match p.trim().parse::<usize>() {
                Ok(p) if p >= 1 => p,
                _ => return err("Page Number not an integer"),
            },
        };
        let limit = match get("limit") {
            None => 20000,
            Some(l) => match l.trim().parse::<i64>() {
                Ok(l) if (1..=20000).contains(&l) => l as usize,
                Ok(_) => return err("Limit must be between 1 and 20000"),
                Err(_) => return err("Limit not an integer"),
            },
        };
        let list = |rows: Vec<Rec>| Reply::Body {
            xml,
            text: render(rows, page, limit, xml),
        };
        match method.as_str() {
            "getNodes" => list(self.nodes.iter().map(node_rec).collect()),
            "getLinks" => list(self.links.iter().map(|l| self.link_rec(l)).collect()),
            "getVoxnumbers" => {
                let rows = self
                    .numbers
                    .iter()
                    .filter(|n| get("voxnumber").is_none_or(|v| v == n.number))
                    .filter(|n| {
                        get("call_status").is_none_or(|c| c.eq_ignore_ascii_case(&n.call_status))
                    })
                    .filter(|n| {
                        get("link_id").is_none_or(|l| n.link.is_some_and(|i| self.links[i].id == l))
                    })
                    .map(|n| self.number_rec(n))
                    .collect();
                list(rows)
            }
            "getCallData" => {
                let (from, to) = match self.range(&q, now_s) {
                    Ok(r) => r,
                    Err(e) => return e,
                };
                let mut calls: Vec<&SimCall> = self
                    .calls
                    .iter()
                    .filter(|c| c.start >= from && c.start <= to)
                    .filter(|c| {
                        get("link_id").is_none_or(|l| self.link_of(c).is_some_and(|k| k.id == l))
                    })
                    .collect();
                if get("order") != Some("cs_ASC") {
                    calls.reverse();
                }
                list(calls.into_iter().map(|c| self.call_rec(c)).collect())
            }
            "getCallMetrics" => {
                let (from, to) = match self.range(&q, now_s) {
                    Ok(r) => r,
                    Err(e) => return e,
                };
                let groups: Vec<&str> = get("group_fields")
                    .unwrap_or("")
                    .split(',')
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                    .collect();
                if groups.len() > 2 {
                    return err("Maximum of 2 group fields allowed");
                }
                if let Some(bad) = groups.iter().find(|g| !GROUP_FIELDS.contains(g)) {
                    return err(format!("Group Field Invalid: {bad}"));
                }
                let calls: Vec<&SimCall> = self
                    .calls
                    .iter()
                    .filter(|c| c.start >= from && c.start <= to)
                    .collect();
                list(self.metrics(&calls, &groups))
            }
            "getCallRecording" => err("Call ID Empty"),
            "setCallStatus" => self.set_call_status(req.body),
            "initiateCall" => self.initiate_call(req.body, now_s),
            _ => err(format!("Method Invalid: {method} in interface {interface}")),
        }
    }

    /// `sdt`/`edt` (defaults: 1st of this month 00:00:00 / today 23:59:59).
    fn range(&self, q: &[(String, String)], now_s: i64) -> Result<(i64, i64), Reply> {
        let get = |k: &str| qget(q, k);
        let today = fmt_time(now_s);
        let from = match get("sdt") {
            Some(v) => parse_time(v).ok_or_else(|| err("Start Date Invalid"))?,
            None => {
                parse_time(&format!("{}-01 00:00:00", &today[..7.min(today.len())])).unwrap_or(0)
            }
        };
        let to = match get("edt") {
            Some(v) => parse_time(v).ok_or_else(|| err("End Date Invalid"))?,
            None => parse_time(&format!("{} 23:59:59", &today[..10.min(today.len())]))
                .unwrap_or(i64::MAX),
        };
        Ok((from, to))
    }

    fn link_of(&self, c: &SimCall) -> Option<&SimLink> {
        self.numbers
            .get(c.number)
            .and_then(|n| n.link)
            .and_then(|l| self.links.get(l))
    }

    fn link_rec(&self, l: &SimLink) -> Rec {
        let n = &self.nodes[l.node];
        let vn = self
            .numbers
            .iter()
            .find(|x| x.link.is_some_and(|i| self.links[i].id == l.id))
            .map(|x| x.number.clone())
            .unwrap_or_default();
        vec![
            ("link_id", s(&l.id)),
            ("link_name", s(&l.name)),
            ("link_type", s(&l.kind)),
            ("node_id", s(&n.id)),
            ("node_name", s(&n.name)),
            ("voxnumber", s(vn)),
            ("rule_template_name", s(&l.rule)),
            ("click_to_call", s(if l.click_to_call { "1" } else { "0" })),
        ]
    }

    fn number_rec(&self, n: &SimNumber) -> Rec {
        let link = n.link.and_then(|i| self.links.get(i));
        let node = link.map(|l| &self.nodes[l.node]);
        vec![
            ("voxnumber", s(&n.number)),
            ("voxnumber_type", s(n.kind)),
            ("voxnumber_country", s(n.country)),
            ("voxnumber_city", s(n.city)),
            ("country_code", s(&n.number[..2.min(n.number.len())])),
            ("link_id", s(link.map(|l| l.id.as_str()).unwrap_or(""))),
            ("link_name", s(link.map(|l| l.name.as_str()).unwrap_or(""))),
            ("node_id", s(node.map(|x| x.id.as_str()).unwrap_or(""))),
            ("node_name", s(node.map(|x| x.name.as_str()).unwrap_or(""))),
            (
                "assigned_status",
                s(if link.is_some() {
                    "ASSIGNED"
                } else {
                    "UNASSIGNED"
                }),
            ),
            ("call_status", s(&n.call_status)),
            ("purchase_date", s(&n.purchased)),
        ]
    }

    fn call_rec(&self, c: &SimCall) -> Rec {
        let number = self.numbers.get(c.number);
        let link = self.link_of(c);
        let node = link.map(|l| &self.nodes[l.node]);
        let hms = |t: u64| format!("{:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60);
        let cats = c
            .category
            .map(|(label, value)| {
                vec![vec![
                    ("category_id", s("7")),
                    ("label", s(label)),
                    ("value", s(value)),
                ]]
            })
            .unwrap_or_default();
        vec![
            ("id", s(&c.id)),
            ("call_start", s(fmt_time(c.start))),
            ("call_end", s(fmt_time(c.start + c.call_secs as i64))),
            ("call_origin", s(&c.origin)),
            (
                "voxnumber",
                s(number.map(|n| n.number.as_str()).unwrap_or("")),
            ),
            ("call_destination", s(&c.destination)),
            ("call_time", s(hms(c.call_secs))),
            ("call_time_sec", s(c.call_secs)),
            ("talk_time", s(hms(c.talk_secs))),
            ("talk_time_sec", s(c.talk_secs)),
            ("call_type", s(c.ctype)),
            ("call_result", s(c.result)),
            (
                "rule_result",
                s(if c.result == "ANSWERED" {
                    "Call to an Operator"
                } else {
                    ""
                }),
            ),
            ("node_id", s(node.map(|x| x.id.as_str()).unwrap_or(""))),
            ("node_name", s(node.map(|x| x.name.as_str()).unwrap_or(""))),
            ("link_id", s(link.map(|l| l.id.as_str()).unwrap_or(""))),
            ("link_name", s(link.map(|l| l.name.as_str()).unwrap_or(""))),
            ("has_recording", s("0")),
            ("direction", s("IN")),
            ("categories", Val::Group("category", cats)),
        ]
    }

    fn metrics(&self, calls: &[&SimCall], groups: &[&str]) -> Vec<Rec> {
        let key_of = |c: &SimCall, g: &str| -> (&'static str, String) {
            match g {
                "cdate" => ("call_date", fmt_time(c.start)[..10].to_owned()),
                "call_res" => ("call_result", c.result.to_owned()),
                "lid" => (
                    "link_id",
                    self.link_of(c).map(|l| l.id.clone()).unwrap_or_default(),
                ),
                "vn" => (
                    "voxnumber",
                    self.numbers
                        .get(c.number)
                        .map(|n| n.number.clone())
                        .unwrap_or_default(),
                ),
                other => ("detail", other.to_owned()),
            }
        };
        type Key = Vec<(&'static str, String)>;
        let mut buckets: Vec<(Key, Vec<&SimCall>)> = Vec::new();
        for c in calls {
            let k: Vec<_> = groups.iter().map(|g| key_of(c, g)).collect();
            match buckets.iter_mut().find(|(bk, _)| *bk == k) {
                Some((_, v)) => v.push(c),
                None => buckets.push((k, vec![c])),
            }
        }
        buckets.sort_by(|a, b| a.0.cmp(&b.0));
        buckets
            .into_iter()
            .map(|(k, cs)| {
                let n = cs.len() as u64;
                let tct: u64 = cs.iter().map(|c| c.call_secs).sum();
                let ttt: u64 = cs.iter().map(|c| c.talk_secs).sum();
                let mut r: Rec = k.into_iter().map(|(f, v)| (f, s(v))).collect();
                r.push(("total_calls", s(n)));
                r.push(("total_call_time_sec", s(tct)));
                r.push(("ave_call_time_sec", s(tct / n.max(1))));
                r.push(("total_talk_time_sec", s(ttt)));
                r.push(("ave_talk_time_sec", s(ttt / n.max(1))));
                r
            })
            .collect()
    }

    fn set_call_status(&mut self, body: &[u8]) -> Reply {
        let doc = match read_request(body) {
            Ok(d) => d,
            Err(e) => return e,
        };
        let status = doc
            .iter()
            .find(|(p, _)| p == "request/call_status")
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default();
        if status.is_empty() {
            return err("Call Status Empty");
        }
        if status != "ON" && status != "OFF" {
            return err(format!("Call Status Invalid: {status}"));
        }
        let wanted: Vec<String> = doc
            .iter()
            .filter(|(p, _)| p == "request/voxnumbers/voxnumber")
            .map(|(_, v)| v.trim().to_owned())
            .collect();
        if wanted.is_empty() {
            return err("Voxnumbers Empty");
        }
        if let Some(bad) = wanted
            .iter()
            .find(|w| !self.numbers.iter().any(|n| &n.number == *w))
        {
            return err(format!("Voxnumber does not exist: {bad}"));
        }
        for n in &mut self.numbers {
            if wanted.contains(&n.number) {
                n.call_status = status.clone();
            }
        }
        Reply::Status(204)
    }

    fn initiate_call(&mut self, body: &[u8], now_s: i64) -> Reply {
        let doc = match read_request(body) {
            Ok(d) => d,
            Err(e) => return e,
        };
        let field = |p: &str| {
            doc.iter()
                .find(|(k, _)| k == p)
                .map(|(_, v)| v.trim().to_owned())
                .unwrap_or_default()
        };
        let link_id = field("request/link_id");
        if link_id.is_empty() {
            return err("Link ID Empty");
        }
        let Some(li) = self.links.iter().position(|l| l.id == link_id) else {
            return err(format!("Link ID does not exist: {link_id}"));
        };
        let dest = field("request/call_variables/call_destination");
        if dest.is_empty() {
            return err("Call Destination Empty");
        }
        let number = self.numbers.iter().position(|n| n.link == Some(li));
        self.next_call += 1;
        self.calls.push(SimCall {
            id: format!("C{}", self.next_call),
            start: now_s,
            call_secs: 0,
            talk_secs: 0,
            origin: "API".to_owned(),
            number: number.unwrap_or(0),
            destination: dest,
            result: "ANSWERED",
            ctype: "API",
            category: None,
        });
        Reply::Status(201)
    }
}

fn node(id: &str, name: &str, kind: &str) -> SimNode {
    SimNode {
        id: id.into(),
        name: name.into(),
        kind: kind.into(),
    }
}

fn link(id: &str, name: &str, kind: &str, node: usize, rule: &str, c2c: bool) -> SimLink {
    SimLink {
        id: id.into(),
        name: name.into(),
        kind: kind.into(),
        node,
        rule: rule.into(),
        click_to_call: c2c,
    }
}

fn node_rec(n: &SimNode) -> Rec {
    vec![
        ("node_id", s(&n.id)),
        ("node_name", s(&n.name)),
        ("node_type", s(&n.kind)),
    ]
}

/// A request body as (element path, text) pairs; IOVOX's own errors when empty or not XML.
fn read_request(body: &[u8]) -> Result<Vec<(String, String)>, Reply> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(err("XML Empty"));
    }
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut path: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut buf = Vec::new();
    let position_error = |pos: u64, msg: String| {
        let upto = &body[..(pos as usize).min(body.len())];
        let line = upto.iter().filter(|b| **b == b'\n').count() + 1;
        let col = upto.len() - upto.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) + 1;
        err(format!(
            "XML parse error. {msg} at line {line}, column {col}"
        ))
    };
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => path.push(e.local_name().as_ref().to_owned()),
            Ok(Event::End(_)) => {
                path.pop();
            }
            Ok(Event::Text(t)) => {
                if !path.is_empty() {
                    let text = t.xml10_content().into_owned();
                    if !text.trim().is_empty() {
                        out.push((path.join("/"), text));
                    }
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(position_error(reader.error_position(), e.to_string())),
        }
        buf.clear();
    }
    if !path.is_empty() {
        return Err(position_error(
            body.len() as u64,
            "Premature end of data".into(),
        ));
    }
    if out.is_empty() && !String::from_utf8_lossy(body).contains("<request") {
        return Err(err("Request Empty"));
    }
    Ok(out)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn render_rec_xml(rec: &Rec, indent: &str, out: &mut String) {
    for (k, v) in rec {
        match v {
            Val::Str(t) if t.is_empty() => out.push_str(&format!("{indent}<{k}/>\n")),
            Val::Str(t) => out.push_str(&format!("{indent}<{k}>{}</{k}>\n", xml_escape(t))),
            Val::Group(item, recs) if recs.is_empty() => out.push_str(&format!("{indent}<{k}/>\n")),
            Val::Group(item, recs) => {
                out.push_str(&format!("{indent}<{k}>\n"));
                for r in recs {
                    out.push_str(&format!("{indent}  <{item}>\n"));
                    render_rec_xml(r, &format!("{indent}    "), out);
                    out.push_str(&format!("{indent}  </{item}>\n"));
                }
                out.push_str(&format!("{indent}</{k}>\n"));
            }
        }
    }
}

/// One record as JSON: empty text as `{}`, one group item as an object.
fn render_rec_json(rec: &Rec) -> String {
    let fields: Vec<String> = rec
        .iter()
        .map(|(k, v)| {
            let value = match v {
                Val::Str(t) if t.is_empty() => "{}".to_owned(),
                Val::Str(t) => json_str(t),
                Val::Group(item, recs) => format!("{{{}:{}}}", json_str(item), collapse(recs)),
            };
            format!("{}:{value}", json_str(k))
        })
        .collect();
    format!("{{{}}}", fields.join(","))
}

/// `[]`-less collapse: nothing → `{}`, one → the object, several → a list.
fn collapse(recs: &[Rec]) -> String {
    match recs {
        [] => "{}".to_owned(),
        [one] => render_rec_json(one),
        many => format!(
            "[{}]",
            many.iter()
                .map(render_rec_json)
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

/// A page of results in the envelope of providers.md §3.4.
pub fn render(rows: Vec<Rec>, page: usize, limit: usize, xml: bool) -> String {
    let total = rows.len();
    let pages = total.div_ceil(limit).max(1);
    let slice: Vec<Rec> = rows
        .into_iter()
        .skip((page - 1).saturating_mul(limit))
        .take(limit)
        .collect();
    if xml {
        let mut out = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<response>\n  <current_page>{page}</current_page>\n  <total_pages>{pages}</total_pages>\n  <total_results>{total}</total_results>\n"
        );
        if slice.is_empty() {
            out.push_str("  <results/>\n");
        } else {
            out.push_str("  <results>\n");
            for r in &slice {
                out.push_str("    <result>\n");
                render_rec_xml(r, "      ", &mut out);
                out.push_str("    </result>\n");
            }
            out.push_str("  </results>\n");
        }
        out.push_str("</response>\n");
        out
    } else {
        let results = if slice.is_empty() {
            "{}".to_owned()
        } else {
            format!("{{\"result\":{}}}", collapse(&slice))
        };
        format!(
            "{{\"response\":{{\"current_page\":\"{page}\",\"total_pages\":\"{pages}\",\"total_results\":\"{total}\",\"results\":{results}}}}}"
        )
    }
}

/// `<errors><error status="…">text</error></errors>`.
pub fn error_xml(status: u16, message: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<errors>\n    <error status=\"{status}\">{}</error>\n</errors>\n",
        xml_escape(message)
    )
}
