//! Editing a Callable flow from the console: re-pointing a DDI (its `ROUTE_START`
//! device's `connectTo`, `PUT …/account/{id}/device/{deviceId}` with the whole device)
//! and the flow devices the account's details carry ([`Details`], read with the flow).
//!
//! Every proposed change is checked against the flow it will be part of before anything
//! is sent ([`dangling`]): a `connectTo`, an onComplete / onFail / onNoAnswer / onBusy
//! target or a trunk that names nothing in the account is refused, so a flow never
//! points calls at a missing device or trunk.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::{Value, json};

use crate::form::spec::{FieldKind, FieldSpec, FormMode, FormSpec};
use crate::model::ProviderKind;
use crate::providers::forms::{FormContext, ProviderTarget};
use crate::providers::{Mutation, ProviderChange, ProviderDetails};

use super::Change;
use super::wire::{Device, IdName, Trunk};

/// The targets a device may point at instead of a device id (as the flow view knows them).
pub const ENUM_TARGETS: &[&str] = &["HANGUP", "REJECT", "VOICEMAIL", "NONE"];

/// The flow an account's details carry: its devices, trunks and DDIs, read together.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Details {
    pub devices: Vec<Device>,
    pub trunks: Vec<Trunk>,
    pub ddis: Vec<IdName>,
}

/// The field key of the re-point form.
pub const CONNECT_TO: &str = "connect_to";

/// The account a form acts on (every Callable form, not only the flow's): must be a
/// Callable account, not the organisation.
pub(super) fn account_of<'a>(ctx: &'a FormContext) -> Result<&'a crate::model::Account, String> {
    let row = ctx
        .account_row
        .filter(|a| a.id == ctx.account)
        .or_else(|| ctx.accounts.iter().copied().find(|a| a.id == ctx.account));
    match row {
        Some(a) if a.kind == crate::model::AccountKind::Domain => Ok(a),
        Some(_) => Err("select an account (e.g. Darren's Pizzas), not the organisation".into()),
        None => Err("select an account first (pane 1)".into()),
    }
}

pub(super) fn details<'a>(ctx: &FormContext<'a>, account: &str) -> Option<&'a Details> {
    ctx.details.iter().find_map(|(a, d)| match d {
        ProviderDetails::Callable(d) if *a == account => Some(d),
        _ => None,
    })
}

/// Interns a list of choices so it can live in a [`FieldKind::Choice`] (each distinct
/// list once per process; flows rarely change).
pub(super) fn intern(list: Vec<String>) -> &'static [&'static str] {
    type Table = Mutex<HashMap<Vec<String>, &'static [&'static str]>>;
    static TABLE: OnceLock<Table> = OnceLock::new();
    let mut t = TABLE
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(found) = t.get(&list) {
        return found;
    }
    let leaked: Vec<&'static str> = list
        .iter()
        .map(|s| &*Box::leak(s.clone().into_boxed_str()))
        .collect();
    let leaked: &'static [&'static str] = Box::leak(leaked.into_boxed_slice());
    t.insert(list, leaked);
    leaked
}

pub(super) fn is_start(d: &Device) -> bool {
    d.kind.eq_ignore_ascii_case("ROUTE_START") || d.start_route.is_some()
}

/// A device as the API takes it back (`PUT …/device/{id}`): a `ROUTE_START` with its
/// DDIs and `connectTo`.
pub fn start_body(d: &Device, connect_to: &str) -> Value {
    let ddis = d
        .start_route
        .as_ref()
        .map(|r| r.ddis.clone())
        .unwrap_or_default();
    json!({
        "id": d.id,
        "type": if d.kind.is_empty() { "ROUTE_START" } else { d.kind.as_str() },
        "name": d.name,
        "extension": d.extension,
        "startRoute": { "ddis": ddis, "connectTo": connect_to },
    })
}

/// The dangling references of a proposed device in the flow it joins: each target that is
/// neither an enum word nor a device of `devices`, and each trunk not in `trunks`.
pub fn dangling(proposed: &Value, devices: &[String], trunks: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let target_ok = |t: &str| {
        t.is_empty()
            || ENUM_TARGETS.iter().any(|e| e.eq_ignore_ascii_case(t))
            || devices.iter().any(|d| d == t)
    };
    if let Some(c) = proposed
        .pointer("/startRoute/connectTo")
        .and_then(Value::as_str)
        && !target_ok(c)
    {
        out.push(format!("connectTo {c}: no such device"));
    }
    if let Some(g) = proposed.get("sipGateway") {
        for k in ["onComplete", "onFail", "onNoAnswer", "onBusy"] {
            if let Some(t) = g.get(k).and_then(Value::as_str)
                && !target_ok(t)
            {
                out.push(format!("{k} {t}: no such device"));
            }
        }
        for t in g
            .get("trunks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !trunks.iter().any(|x| x == t) {
                out.push(format!("trunk {t}: no such trunk"));
            }
        }
    }
    out
}

/// What is missing downstream of device `from` in the flow: devices its targets name
/// that do not exist and trunks its gateways name that do not exist (walked once per
/// device, so a loop ends).
pub fn chain_problems(d: &Details, from: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let mut todo: Vec<&str> = vec![from];
    while let Some(id) = todo.pop() {
        if id.is_empty() || ENUM_TARGETS.iter().any(|e| e.eq_ignore_ascii_case(id)) {
            continue;
        }
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        let Some(dev) = d.devices.iter().find(|x| x.id == id) else {
            out.push(format!("device {id} is missing"));
            continue;
        };
        if let Some(r) = &dev.start_route {
            todo.push(&r.connect_to);
        }
        if let Some(g) = &dev.sip_gateway {
            for t in &g.trunks {
                if !d.trunks.iter().any(|x| x.id == *t) {
                    out.push(format!("{} names missing trunk {t}", dev.name));
                }
            }
            for t in [&g.on_complete, &g.on_fail, &g.on_no_answer, &g.on_busy] {
                todo.push(t);
            }
        }
    }
    out
}

/// The re-point form of a DDI: which device its flow entry (`ROUTE_START`) connects to.
pub fn repoint(ctx: &FormContext) -> Result<(FormSpec, ProviderTarget), String> {
    let n = ctx.number.ok_or("select a DDI first (pane 5)")?;
    let d = details(ctx, &n.account)
        .ok_or("the account's flow is not loaded yet: wait for its details (or press r)")?;
    let start = d
        .devices
        .iter()
        .find(|dev| {
            dev.start_route
                .as_ref()
                .is_some_and(|r| r.ddis.contains(&n.id))
        })
        .ok_or_else(|| format!("{} enters no flow (no ROUTE_START lists it)", n.number))?;
    let current = start
        .start_route
        .as_ref()
        .map(|r| r.connect_to.clone())
        .unwrap_or_default();
    let mut names: Vec<String> = Vec::new();
    let mut refs: Vec<(String, String)> = Vec::new();
    for dev in d
        .devices
        .iter()
        .filter(|x| !is_start(x) && !x.id.is_empty())
    {
        let name = if dev.name.trim().is_empty() {
            dev.id.clone()
        } else {
            dev.name.trim().to_owned()
        };
        if !names.contains(&name) {
            names.push(name.clone());
            refs.push((format!("ref:{name}"), dev.id.clone()));
            let problems = chain_problems(d, &dev.id);
            if !problems.is_empty() {
                refs.push((format!("bad:{}", dev.id), problems.join("; ")));
            }
        }
    }
    names.extend(ENUM_TARGETS.iter().map(|s| (*s).to_owned()));
    let shown_current = refs
        .iter()
        .find(|(_, id)| *id == current)
        .map(|(k, _)| k.trim_start_matches("ref:").to_owned())
        .unwrap_or_else(|| current.clone());
    if !names.contains(&shown_current) && !shown_current.is_empty() {
        // A dangling current target stays visible (and cannot be submitted unchanged).
        names.push(shown_current.clone());
    }
    let shared = start
        .start_route
        .as_ref()
        .map_or(0, |r| r.ddis.len())
        .saturating_sub(1);
    let confirm = (shared > 0).then(|| {
        (
            start.name.clone(),
            format!(
                "flow entry {} also serves {shared} other DDI(s): they move too",
                start.name
            ),
        )
    });
    let spec = FormSpec {
        title: format!("Re-point {} (flow {})", n.number, start.name),
        mode: FormMode::Edit,
        fields: vec![FieldSpec {
            key: CONNECT_TO,
            label: "Connect to",
            kind: FieldKind::Choice(intern(names)),
            required: true,
            create_only: false,
            help: "the flow device calls to this DDI reach first (or HANGUP, REJECT …)",
        }],
        values: vec![(CONNECT_TO.to_owned(), shown_current)],
        confirm,
    };
    let mut t = ProviderTarget::new(ProviderKind::Callable, &n.account, "repoint");
    t.id = Some(start.id.clone());
    t.data
        .push(("device".into(), start_body(start, &current).to_string()));
    t.data.push(("number".into(), n.number.clone()));
    t.data.extend(refs);
    t.data.push((
        "trunks".into(),
        d.trunks
            .iter()
            .map(|x| x.id.as_str())
            .collect::<Vec<_>>()
            .join(","),
    ));
    Ok((spec, t))
}

/// Builds the re-point's device update; refuses a proposal with a dangling reference.
pub fn build_repoint(t: &ProviderTarget, values: &[(String, String)]) -> Result<Mutation, String> {
    let id =
        t.id.clone()
            .filter(|i| !i.is_empty())
            .ok_or("no flow entry")?;
    let chosen = values
        .iter()
        .find(|(k, _)| k == CONNECT_TO)
        .map(|(_, v)| v.trim())
        .unwrap_or_default();
    if chosen.is_empty() {
        return Err("Connect to is required".into());
    }
    let data = |k: &str| {
        t.data
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let device_ids: Vec<String> = t
        .data
        .iter()
        .filter(|(k, _)| k.starts_with("ref:"))
        .map(|(_, v)| v.clone())
        .collect();
    let trunks: Vec<String> = data("trunks")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let target = match ENUM_TARGETS.iter().find(|e| e.eq_ignore_ascii_case(chosen)) {
        Some(e) => (*e).to_owned(),
        None => data(&format!("ref:{chosen}"))
            .map(str::to_owned)
            .unwrap_or_else(|| chosen.to_owned()),
    };
    let mut body: Value = data("device")
        .and_then(|d| serde_json::from_str(d).ok())
        .ok_or("the flow entry's stored device is missing")?;
    if let Some(sr) = body.get_mut("startRoute").and_then(Value::as_object_mut) {
        sr.insert("connectTo".into(), Value::from(target.clone()));
    }
    let mut problems = dangling(&body, &device_ids, &trunks);
    if let Some(why) = data(&format!("bad:{target}")) {
        problems.push(format!("{chosen} leads on to: {why}"));
    }
    if !problems.is_empty() {
        return Err(format!(
            "refused before sending: the flow would point at something missing ({})",
            problems.join("; ")
        ));
    }
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or(&id)
        .to_owned();
    Ok(Mutation::Provider {
        account: t.account.clone(),
        command: "repoint".into(),
        change: ProviderChange::Callable(Change::UpdateDevice { id, name, body }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dangling_references_are_found_in_a_proposed_device() {
        let devices = vec!["gw1".to_owned()];
        let trunks = vec!["t1".to_owned()];
        let ok = json!({"startRoute": {"ddis": ["d"], "connectTo": "gw1"}});
        assert!(dangling(&ok, &devices, &trunks).is_empty());
        let hang = json!({"startRoute": {"connectTo": "HANGUP"}});
        assert!(dangling(&hang, &devices, &trunks).is_empty());
        let bad = json!({"startRoute": {"connectTo": "gone"}});
        assert_eq!(
            dangling(&bad, &devices, &trunks),
            ["connectTo gone: no such device"]
        );
        let gw = json!({"sipGateway": {"trunks": ["t1", "t9"], "onFail": "x", "onBusy": "gw1"}});
        assert_eq!(
            dangling(&gw, &devices, &trunks),
            ["onFail x: no such device", "trunk t9: no such trunk"]
        );
    }
}
