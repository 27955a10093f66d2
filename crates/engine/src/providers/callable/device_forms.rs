//! Flow devices created and edited from the console (`:device.new`, `:device.edit
//! <name>`, listed under `:flow`): a `ROUTE_START` (its DDIs and `connectTo`) or a
//! `SIP_GATEWAY` (its trunks and onComplete / onFail / onNoAnswer / onBusy). Names are
//! typed or picked; they are turned into the ids the API stores, and the proposed
//! device is checked for dangling references before anything is sent
//! ([`super::flow_forms::dangling`]).

use serde_json::{Map, Value, json};

use crate::form::spec::{FieldKind, FieldSpec, FormMode, FormSpec};
use crate::model::{ActionKind, ProviderKind, Resource};
use crate::providers::commands::CommandSpec;
use crate::providers::forms::{FormContext, ProviderTarget};
use crate::providers::{Mutation, ProviderChange};

use super::Change;
use super::flow_forms::{
    Details, ENUM_TARGETS, chain_problems, dangling, details, intern, is_start,
};
use super::wire::{Device, Trunk};

pub const KINDS: &[&str] = &["SIP_GATEWAY", "ROUTE_START"];
const OUTCOMES: [(&str, &str, &str); 4] = [
    ("on_complete", "onComplete", "On complete"),
    ("on_fail", "onFail", "On fail"),
    ("on_no_answer", "onNoAnswer", "On no answer"),
    ("on_busy", "onBusy", "On busy"),
];

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

fn trunk_label(t: &Trunk) -> String {
    match t.port {
        Some(p) => format!("{}:{p}", t.ip),
        None => t.ip.clone(),
    }
}

fn device_name(d: &Device) -> String {
    if d.name.trim().is_empty() {
        d.id.clone()
    } else {
        d.name.trim().to_owned()
    }
}

fn field(key: &'static str, label: &'static str, kind: FieldKind, help: &'static str) -> FieldSpec {
    FieldSpec {
        key,
        label,
        kind,
        required: false,
        create_only: false,
        help,
    }
}

/// The target choices: every device by name, then the enum words.
fn targets(d: &Details, except: &str) -> &'static [&'static str] {
    let mut names: Vec<String> = Vec::new();
    for dev in d.devices.iter().filter(|x| x.id != except && !is_start(x)) {
        let n = device_name(dev);
        if !names.contains(&n) {
            names.push(n);
        }
    }
    names.push(String::new());
    names.extend(ENUM_TARGETS.iter().map(|s| (*s).to_owned()));
    intern(names)
}

/// What the builder needs to turn names into ids and check the result.
fn data_of(d: &Details) -> Vec<(String, String)> {
    let mut data = Vec::new();
    for dev in &d.devices {
        data.push((format!("ref:{}", device_name(dev)), dev.id.clone()));
        data.push(("device id".into(), dev.id.clone()));
        let problems = chain_problems(d, &dev.id);
        if !problems.is_empty() {
            data.push((format!("bad:{}", dev.id), problems.join("; ")));
        }
    }
    for t in &d.trunks {
        data.push((format!("trunk:{}", trunk_label(t)), t.id.clone()));
        data.push(("trunk id".into(), t.id.clone()));
    }
    for x in &d.ddis {
        data.push((format!("ddi:{}", digits(&x.name)), x.id.clone()));
    }
    data
}

fn name_of_id(d: &Details, id: &str) -> String {
    d.devices
        .iter()
        .find(|x| x.id == id)
        .map(device_name)
        .unwrap_or_else(|| id.to_owned())
}

/// Opens `device.new` or `device.edit <name>`; `None` for other commands.
pub fn open(op: &str, ctx: &FormContext) -> Option<Result<(FormSpec, ProviderTarget), String>> {
    if op != "device.new" && op != "device.edit" {
        return None;
    }
    Some((|| {
        let a = super::flow_forms::account_of(ctx)?;
        let d = details(ctx, &a.id)
            .ok_or("the account's flow is not loaded yet: wait for its details (or press r)")?;
        let mut t = ProviderTarget::new(
            ProviderKind::Callable,
            &a.id,
            if op == "device.new" {
                "device.new"
            } else {
                "device.edit"
            },
        );
        t.data = data_of(d);
        let trunks_help = "trunks by address, comma-separated (e.g. 203.0.113.5:5060)";
        if op == "device.new" {
            let choices = targets(d, "");
            let mut fields = vec![
                FieldSpec {
                    create_only: true,
                    required: true,
                    ..field(
                        "type",
                        "Type",
                        FieldKind::Choice(KINDS),
                        "SIP_GATEWAY or ROUTE_START",
                    )
                },
                FieldSpec {
                    required: true,
                    ..field(
                        "name",
                        "Name",
                        FieldKind::Text,
                        "the device's name in the flow",
                    )
                },
                field(
                    "extension",
                    "Extension",
                    FieldKind::Text,
                    "its extension (e.g. 603)",
                ),
                field(
                    "ddis",
                    "DDIs",
                    FieldKind::Text,
                    "route start: DDI numbers, comma-separated",
                ),
                field(
                    "connect_to",
                    "Connect to",
                    FieldKind::Choice(choices),
                    "route start: first device",
                ),
                field("trunks", "Trunks", FieldKind::Text, trunks_help),
            ];
            for (k, _, label) in OUTCOMES {
                fields.push(field(
                    k,
                    label,
                    FieldKind::Choice(choices),
                    "gateway: where the call goes next",
                ));
            }
            let mut values = vec![
                ("type".to_owned(), "SIP_GATEWAY".to_owned()),
                ("name".to_owned(), ctx.args.trim().to_owned()),
            ];
            for (k, _, _) in OUTCOMES {
                values.push((k.to_owned(), "HANGUP".to_owned()));
            }
            let spec = FormSpec {
                title: format!("New flow device in {}", a.name),
                mode: FormMode::Create,
                fields,
                values,
                confirm: None,
            };
            return Ok((spec, t));
        }
        let wanted = ctx.args.trim();
        if wanted.is_empty() {
            let names: Vec<String> = d.devices.iter().map(device_name).collect();
            return Err(format!(
                "name the device: :device.edit <name> ({})",
                names.join(", ")
            ));
        }
        let dev = d
            .devices
            .iter()
            .find(|x| {
                device_name(x).eq_ignore_ascii_case(wanted)
                    || x.id == wanted
                    || x.extension == wanted
            })
            .ok_or_else(|| format!("no flow device '{wanted}' in {}", a.name))?;
        t.id = Some(dev.id.clone());
        t.data.push(("raw".into(), dev.raw.to_string()));
        let choices = targets(d, &dev.id);
        let mut fields = vec![
            FieldSpec {
                required: true,
                ..field(
                    "name",
                    "Name",
                    FieldKind::Text,
                    "the device's name in the flow",
                )
            },
            field("extension", "Extension", FieldKind::Text, "its extension"),
        ];
        let mut values = vec![
            ("name".to_owned(), dev.name.clone()),
            ("extension".to_owned(), dev.extension.clone()),
        ];
        if let Some(r) = &dev.start_route {
            fields.push(field(
                "ddis",
                "DDIs",
                FieldKind::Text,
                "DDI numbers, comma-separated",
            ));
            fields.push(field(
                "connect_to",
                "Connect to",
                FieldKind::Choice(choices),
                "first device",
            ));
            let ddis: Vec<String> = r
                .ddis
                .iter()
                .map(|id| {
                    d.ddis
                        .iter()
                        .find(|x| x.id == *id)
                        .map(|x| format!("+{}", digits(&x.name)))
                        .unwrap_or_else(|| id.clone())
                })
                .collect();
            values.push(("ddis".into(), ddis.join(", ")));
            values.push(("connect_to".into(), name_of_id(d, &r.connect_to)));
        }
        if let Some(g) = &dev.sip_gateway {
            fields.push(field("trunks", "Trunks", FieldKind::Text, trunks_help));
            let trunks: Vec<String> = g
                .trunks
                .iter()
                .map(|id| {
                    d.trunks
                        .iter()
                        .find(|x| x.id == *id)
                        .map(trunk_label)
                        .unwrap_or_else(|| id.clone())
                })
                .collect();
            values.push(("trunks".into(), trunks.join(", ")));
            for ((k, _, label), v) in
                OUTCOMES
                    .into_iter()
                    .zip([&g.on_complete, &g.on_fail, &g.on_no_answer, &g.on_busy])
            {
                fields.push(field(
                    k,
                    label,
                    FieldKind::Choice(choices),
                    "where the call goes next",
                ));
                values.push((k.to_owned(), name_of_id(d, v)));
            }
        }
        let spec = FormSpec {
            title: format!("Edit flow device {} ({})", device_name(dev), dev.kind),
            mode: FormMode::Edit,
            fields,
            values,
            confirm: None,
        };
        Ok((spec, t))
    })())
}

fn list(v: &str) -> impl Iterator<Item = &str> {
    v.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Builds `device.new` / `device.edit`; `None` for other forms. Refuses a device that
/// would point at a missing device or trunk before anything is sent.
pub fn build(t: &ProviderTarget, values: &[(String, String)]) -> Option<Result<Mutation, String>> {
    if t.op != "device.new" && t.op != "device.edit" {
        return None;
    }
    Some((|| {
        let v = |k: &str| {
            values
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, x)| x.trim())
                .unwrap_or_default()
        };
        let data = |k: &str| {
            t.data
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, x)| x.as_str())
        };
        let all = |k: &str| -> Vec<String> {
            t.data
                .iter()
                .filter(|(key, _)| key == k)
                .map(|(_, x)| x.clone())
                .collect()
        };
        let target = |name: &str| -> String {
            match ENUM_TARGETS.iter().find(|e| e.eq_ignore_ascii_case(name)) {
                Some(e) => (*e).to_owned(),
                None => data(&format!("ref:{name}")).unwrap_or(name).to_owned(),
            }
        };
        let name = v("name");
        if name.is_empty() {
            return Err("Name is required".to_owned());
        }
        let mut body: Map<String, Value> = match data("raw") {
            Some(raw) => {
                serde_json::from_str(raw).map_err(|_| "the stored device is unreadable")?
            }
            None => Map::new(),
        };
        let kind = match body.get("type").and_then(Value::as_str) {
            Some(k) => k.to_owned(),
            None => v("type").to_ascii_uppercase(),
        };
        if !KINDS.contains(&kind.as_str()) {
            return Err(format!(
                "Type: expected SIP_GATEWAY or ROUTE_START, got '{kind}'"
            ));
        }
        body.insert("type".into(), kind.clone().into());
        body.insert("name".into(), name.into());
        body.insert("extension".into(), v("extension").into());
        if kind == "ROUTE_START" {
            let mut ddis = Vec::new();
            for n in list(v("ddis")) {
                let id = data(&format!("ddi:{}", digits(n)))
                    .ok_or_else(|| format!("DDIs: {n} is not one of the account's DDIs"))?;
                ddis.push(Value::from(id));
            }
            let connect = v("connect_to");
            let sr = json!({ "ddis": ddis, "connectTo": if connect.is_empty() { String::new() } else { target(connect) } });
            let mut merged = body
                .get("startRoute")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            if let Value::Object(o) = sr {
                merged.extend(o);
            }
            body.insert("startRoute".into(), Value::Object(merged));
        } else {
            let mut g = body
                .get("sipGateway")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let trunks: Vec<Value> = list(v("trunks"))
                .map(|x| Value::from(data(&format!("trunk:{x}")).unwrap_or(x)))
                .collect();
            g.insert("trunks".into(), Value::Array(trunks));
            for (k, wire, _) in OUTCOMES {
                let chosen = v(k);
                g.insert(
                    wire.into(),
                    Value::from(if chosen.is_empty() {
                        "HANGUP".to_owned()
                    } else {
                        target(chosen)
                    }),
                );
            }
            body.insert("sipGateway".into(), Value::Object(g));
        }
        let body = Value::Object(body);
        let mut problems = dangling(&body, &all("device id"), &all("trunk id"));
        let next: Vec<&str> = [
            "/startRoute/connectTo",
            "/sipGateway/onComplete",
            "/sipGateway/onFail",
            "/sipGateway/onNoAnswer",
            "/sipGateway/onBusy",
        ]
        .iter()
        .filter_map(|p| body.pointer(p).and_then(Value::as_str))
        .collect();
        for id in next {
            if Some(id) != t.id.as_deref()
                && let Some(why) = data(&format!("bad:{id}"))
            {
                problems.push(format!("{id} leads on to: {why}"));
            }
        }
        if !problems.is_empty() {
            return Err(format!(
                "refused before sending: the flow would point at something missing ({})",
                problems.join("; ")
            ));
        }
        let name = name.to_owned();
        Ok(Mutation::Provider {
            account: t.account.clone(),
            command: t.op.clone(),
            change: ProviderChange::Callable(match &t.id {
                Some(id) => Change::UpdateDevice {
                    id: id.clone(),
                    name,
                    body,
                },
                None => Change::CreateDevice { name, body },
            }),
        })
    })())
}

const ACCOUNTS: &[Resource] = &[Resource::Accounts];

/// The device commands (listed with Callable's others).
pub const COMMANDS: [CommandSpec; 2] = [
    CommandSpec::form(
        "device.new",
        "New flow device",
        "Add a SIP gateway or route start to the selected account's flow (checked before sending)",
    )
    .on(ACCOUNTS)
    .mutating()
    .needs(ActionKind::EditAccount)
    .row(),
    CommandSpec::form(
        "device.edit",
        "Edit flow device",
        "Edit a device of the flow: :device.edit <name> (trunks, connectTo, onComplete, onFail, onNoAnswer, onBusy)",
    )
    .on(ACCOUNTS)
    .mutating()
    .needs(ActionKind::EditAccount)
    .row(),
];
