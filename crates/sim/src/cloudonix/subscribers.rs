//! Subscriber writes (`POST …/subscribers`, `PUT|DELETE …/subscribers/{id or msisdn}`),
//! the RegFree call of a subscriber (`POST /calls/{d}/outgoing/{msisdn}`) and switching a
//! live session to another voice application (`POST /calls/{d}/sessions/{token}/application`).

use serde_json::{Map, Value, json};

use super::api::{Reply, json_object, opt_bool, opt_str};
use super::state::{State, Subscriber};
use super::wire;

impl State {
    pub(super) fn create_subscriber(&mut self, di: usize, body: &[u8], now_ms: u64) -> Reply {
        let o = match json_object(body) {
            Ok(o) => o,
            Err(r) => return r,
        };
        let r = (|| -> Result<Subscriber, Reply> {
            let msisdn = opt_str(&o, "msisdn")?
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .ok_or_else(|| Reply::bad("Missing required field 'msisdn'"))?;
            if self.domains[di].find_subscriber(&msisdn).is_some() {
                return Err(Reply::bad(format!("Subscriber '{msisdn}' already exists")));
            }
            let password = match opt_str(&o, "sipPassword")? {
                Some(p) if !p.is_empty() => p,
                _ => self.rng.hex_lower(16),
            };
            let active = opt_bool(&o, "active")?.unwrap_or(true);
            Ok(Subscriber {
                id: 0,
                uuid: self.rng.uuid(),
                msisdn,
                sip_password: password,
                active,
                created_ms: now_ms,
                modified_ms: now_ms,
            })
        })();
        match r {
            Ok(mut s) => {
                self.ids.subscriber += 1;
                s.id = self.ids.subscriber;
                let d = &mut self.domains[di];
                d.subscribers.push(s);
                let s = &d.subscribers[d.subscribers.len() - 1];
                Reply::ok(wire::subscriber(s, d))
            }
            Err(e) => e,
        }
    }

    pub(super) fn update_subscriber(
        &mut self,
        di: usize,
        key: &str,
        body: &[u8],
        now_ms: u64,
    ) -> Reply {
        let o: Map<String, Value> = match json_object(body) {
            Ok(o) => o,
            Err(r) => return r,
        };
        let Some(i) = self.domains[di].find_subscriber(key) else {
            return Reply::not_found();
        };
        let r = (|| -> Result<(Option<bool>, Option<String>), Reply> {
            let active = opt_bool(&o, "active")?;
            let password = opt_str(&o, "sipPassword")?;
            if password.as_deref() == Some("") {
                return Err(Reply::bad("Invalid value for 'sipPassword'"));
            }
            Ok((active, password))
        })();
        let (active, password) = match r {
            Ok(v) => v,
            Err(e) => return e,
        };
        let d = &mut self.domains[di];
        let s = &mut d.subscribers[i];
        if let Some(a) = active {
            s.active = a;
        }
        if let Some(p) = password {
            s.sip_password = p;
        }
        s.modified_ms = now_ms;
        let s = &d.subscribers[i];
        Reply::ok(wire::subscriber(s, d))
    }

    pub(super) fn delete_subscriber(&mut self, di: usize, key: &str) -> Reply {
        let d = &mut self.domains[di];
        match d.find_subscriber(key) {
            Some(i) => {
                d.subscribers.remove(i);
                Reply::NoContent
            }
            None => Reply::not_found(),
        }
    }

    /// A RegFree call: the subscriber (active) calls `destination` through the domain.
    pub(super) fn outgoing_call(
        &mut self,
        di: usize,
        msisdn: &str,
        body: &[u8],
        now_ms: u64,
    ) -> Reply {
        let o = match json_object(body) {
            Ok(o) => o,
            Err(r) => return r,
        };
        let destination = match opt_str(&o, "destination") {
            Ok(Some(d)) if !d.trim().is_empty() => d.trim().to_string(),
            Ok(_) => return Reply::bad("Missing required field 'destination'"),
            Err(r) => return r,
        };
        let d = &self.domains[di];
        let Some(si) = d.find_subscriber(msisdn) else {
            return Reply::not_found();
        };
        let sub = &d.subscribers[si];
        if !sub.active {
            return Reply::bad(format!("Subscriber '{}' is not active", sub.msisdn));
        }
        let (sid, caller) = (sub.id, sub.msisdn.clone());
        let url = d.app(d.default_app).map(|a| a.url.clone());
        let domain_id = d.id;
        let s = self.add_api_call(di, destination, caller, url, Some(sid), now_ms);
        Reply::ok(json!({
            "domainId": domain_id,
            "subscriberId": s.subscriber_id,
            "destination": s.destination,
            "direction": "subscriber",
            "token": s.token,
        }))
    }

    /// Switches a live session to the voice application at `url`.
    pub(super) fn switch_application(
        &mut self,
        di: usize,
        token: &str,
        body: &[u8],
        now_ms: u64,
    ) -> Reply {
        let o = match json_object(body) {
            Ok(o) => o,
            Err(r) => return r,
        };
        let r = (|| -> Result<Option<String>, Reply> {
            let url = opt_str(&o, "url")?;
            let cxml = opt_str(&o, "cxml")?;
            if let Some(m) = opt_str(&o, "method")?
                && !matches!(m.to_ascii_uppercase().as_str(), "GET" | "POST")
            {
                return Err(Reply::bad(format!("Invalid method '{m}'")));
            }
            match (url, cxml) {
                (Some(u), _) if !u.trim().is_empty() => Ok(Some(u)),
                (_, Some(c)) if !c.trim().is_empty() => Ok(None),
                _ => Err(Reply::bad("Missing required field 'url' or 'cxml'")),
            }
        })();
        let url = match r {
            Ok(u) => u,
            Err(e) => return e,
        };
        let d = &mut self.domains[di];
        let Some(i) = d.find_session(token) else {
            return Reply::not_found();
        };
        if !d.sessions[i].plan.is_live(now_ms) {
            return Reply::not_found();
        }
        let s = &mut d.sessions[i];
        s.url = url.or_else(|| Some("cxml:inline".to_string()));
        Reply::ok(json!({
            "domainId": d.id,
            "subscriberId": s.subscriber_id,
            "callerId": s.caller_id,
            "remote": s.destination,
            "token": s.token,
        }))
    }
}
