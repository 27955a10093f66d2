//! Callable decoders over the provider document's examples (JSON typos fixed, see
//! tests/fixtures/callable/README.md), the mapping into the neutral model, the flow
//! builder, the forms, and property tests that every decoder is total.

use proptest::prelude::*;
use serde_json::Value;

use switchboard::model::{Account, AccountKind, ProviderId, Trunk};
use switchboard::providers::callable::{self, Change, flow, forms, wire};
use switchboard::providers::forms::{FormContext, Intent};
use switchboard::providers::{Mutation, ProviderChange, ProviderError};

const P: ProviderId = ProviderId(2);
const DARREN: &str = "5554872eb0731b38efa4d444";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/callable/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn token_response_of_the_document() {
    let t = wire::decode_token(&fixture("token.json")).unwrap();
    assert!(
        t.access_token
            .starts_with("eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.")
    );
    assert!(t.refresh_token.as_deref().unwrap().starts_with("eyJhbGci"));
    assert_eq!(
        (t.expires_in, t.refresh_expires_in),
        (Some(3600), Some(36000))
    );
    // The document's tokens are truncated: their payload does not decode.
    assert_eq!(wire::decode_jwt_claims(&t.access_token), None);
    // The seed's malformed original is a decode error, not a panic.
    let broken = br#"{"access_token":"a","refresh_token":"b" "refresh_expires_in": 36000 "expires_in": 3600}"#;
    assert!(matches!(
        wire::decode_token(broken),
        Err(ProviderError::Decode(_))
    ));
    assert!(wire::decode_token(br#"{"expires_in":3600}"#).is_err());
}

#[test]
fn organisation_accounts_and_details() {
    let org = wire::decode_id_name(&fixture("organisation.json")).unwrap();
    assert_eq!(
        (org.id.as_str(), org.name.as_str()),
        ("3h74872eb0731b38efa4d556", "Demo Organisation")
    );
    let accounts = wire::decode_id_names(&fixture("accounts.json")).unwrap();
    let names: Vec<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, vec!["Darren's Pizzas", "Dean's Taxis"]);
    let d = wire::decode_account(&fixture("account.json")).unwrap();
    assert_eq!(
        (d.mbn.as_str(), d.domain.as_str()),
        ("441234567890", "darrenspizzas")
    );
    let a = wire::decode_address(&fixture("address.json")).unwrap();
    assert_eq!(a.postal_code, "BN213AW");
    let fields = callable::address_fields(&a);
    assert_eq!(
        fields[0].1,
        "Unit 5 The Old Printworks, 20 Wharf Rd, Eastbourne, East Sussex, BN213AW, United Kingdom"
    );
}

#[test]
fn ddis_become_numbers_with_their_flow() {
    let ddis = wire::decode_id_names(&fixture("ddis.json")).unwrap();
    let devices = wire::decode_devices(&fixture("devices.json")).unwrap();
    let numbers = callable::map_ddis(P, DARREN, &ddis, &devices);
    let rows: Vec<(&str, &str)> = numbers
        .iter()
        .map(|n| (n.number.as_str(), n.target.as_str()))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("+441234567890", "flow Start of Flow"),
            ("+441234567891", "(no flow)")
        ]
    );
}

#[test]
fn trunks_keep_every_callable_field() {
    let trunks = callable::map_trunks(
        P,
        DARREN,
        wire::decode_trunks(&fixture("trunks.json")).unwrap(),
    );
    assert_eq!(trunks.len(), 1);
    let t = &trunks[0];
    assert_eq!(
        (t.name.as_str(), t.host.as_str(), t.port),
        ("Primary IP Address", "1.1.1.1", Some(5060))
    );
    let extra = |k: &str| t.extra.get(k).unwrap_or("");
    assert_eq!(extra("vendor"), "generic");
    assert_eq!(extra("callerFormat"), "national");
    assert_eq!(extra("zone"), "eu-west-1");
    assert_eq!(extra("countryCode"), "GB");
    // The seed's unterminated string is a decode error.
    assert!(wire::decode_trunks(br#"[{"id":"x","ip": "1.1.1.1, "port": 5060}]"#).is_err());
    // Port as a string or out of range is tolerated.
    let odd =
        wire::decode_trunks(br#"[{"id":"a","port":"5070"},{"id":"b","port":99999},7]"#).unwrap();
    assert_eq!((odd[0].port, odd[1].port, odd.len()), (Some(5070), None, 2));
}

#[test]
fn hooks_and_devices_of_the_document() {
    let hooks = wire::decode_hooks(&fixture("hooks.json")).unwrap();
    assert_eq!(hooks.len(), 2);
    assert_eq!(
        (hooks[0].app.as_str(), hooks[1].url.as_str()),
        ("flow.generic", "http://test.com/myevent")
    );
    let devices = wire::decode_devices(&fixture("devices.json")).unwrap();
    let gw = devices[0].sip_gateway.as_ref().unwrap();
    assert_eq!(gw.trunks, vec!["66aa8915-834a-3004-8363-9c73690d8fe1"]);
    assert_eq!((gw.on_busy.as_str(), gw.ring_time), ("HANGUP", Some(180)));
    let start = devices[1].start_route.as_ref().unwrap();
    assert_eq!(start.connect_to, "7aa48c2a-aa01-488b-abfb-4eabce3ce9f8");
}

#[test]
fn the_documents_flow_has_no_problems() {
    let devices = wire::decode_devices(&fixture("devices.json")).unwrap();
    let ddis = wire::decode_id_names(&fixture("ddis.json")).unwrap();
    let trunks = wire::decode_trunks(&fixture("trunks.json")).unwrap();
    let f = flow::build(&devices, &ddis, &trunks);
    assert_eq!(f.problems, 0);
    assert_eq!(
        f.to_text(),
        "▶ Start of Flow [ROUTE_START, ext 600]\n  DDI +441234567890\n  connectTo → Primary GW [SIP_GATEWAY, ext 601]\n    trunk 1.1.1.1:5060 (Primary IP Address)\n    onComplete → HANGUP\n    onFail → HANGUP\n    onNoAnswer → HANGUP\n    onBusy → HANGUP\n"
    );
    // Without its trunk and DDI lists every reference dangles, in text and by flag.
    let f = flow::build(&devices, &[], &[]);
    assert_eq!(f.problems, 2);
    assert!(
        f.lines
            .iter()
            .filter(|l| l.problem)
            .all(|l| l.text.contains("⚠ MISSING"))
    );
}

#[test]
fn a_flow_loop_is_drawn_once() {
    let devices = wire::decode_devices(
        br#"[{"id":"s","type":"ROUTE_START","name":"S","startRoute":{"ddis":[],"connectTo":"g"}},
             {"id":"g","type":"SIP_GATEWAY","name":"G","sipGateway":{"trunks":[],"onComplete":"g","onFail":"s","onNoAnswer":"HANGUP","onBusy":""}}]"#,
    )
    .unwrap();
    let f = flow::build(&devices, &[], &[]);
    let text = f.to_text();
    assert!(
        text.contains("onComplete → G [SIP_GATEWAY] (↺ shown above)"),
        "{text}"
    );
    assert!(
        text.contains("onFail → S [ROUTE_START] (↺ shown above)"),
        "{text}"
    );
    assert_eq!(f.problems, 0);
}

#[test]
fn the_documents_voice_call_is_what_the_call_form_builds() {
    let want: Value = serde_json::from_slice(&fixture("voice_call_pizza.json")).unwrap();
    let account = Account {
        provider: P,
        id: DARREN.into(),
        name: "Darren's Pizzas".into(),
        parent: Some("org".into()),
        kind: AccountKind::Domain,
        active: None,
        extra: vec![("mbn".into(), "+441234567890".into())].into(),
    };
    let ctx = FormContext {
        account: DARREN,
        args: "+441234567893",
        account_row: Some(&account),
        trunk: None,
        live_calls_on_trunk: 0,
        number: None,
        numbers: Vec::new(),
        marked_numbers: Vec::new(),
        call: None,
        accounts: vec![&account],
        details: Vec::new(),
    };
    let (spec, target) = forms::open(Intent::Call, &ctx).unwrap();
    let mut values = spec.values.clone();
    for (k, v) in values.iter_mut() {
        if k == "say" {
            *v = "Your pizza is outside!".into();
        }
    }
    let Mutation::Provider {
        change: ProviderChange::Callable(Change::Call(call)),
        ..
    } = forms::build(&target, &values).unwrap()
    else {
        panic!("a call")
    };
    let got = call.json();
    assert_eq!(got["callerId"], want["callerId"]);
    assert_eq!(got["target"], want["target"]);
    assert_eq!(got["verbs"], want["verbs"]);

    // An extension target, and refusals that say what to type.
    values.retain(|(k, _)| k != "target");
    values.push(("target".into(), "604".into()));
    let Mutation::Provider {
        change: ProviderChange::Callable(Change::Call(call)),
        ..
    } = forms::build(&target, &values).unwrap()
    else {
        panic!("a call")
    };
    assert_eq!(call.json()["target"]["extension"]["extension"], "604");
    values.retain(|(k, _)| k != "target");
    values.push(("target".into(), "01234 567".into()));
    assert!(
        forms::build(&target, &values)
            .unwrap_err()
            .contains("+number or an extension")
    );
}

#[test]
fn trunk_edit_form_round_trips_and_refuses_bad_values() {
    let t = callable::map_trunks(
        P,
        DARREN,
        wire::decode_trunks(&fixture("trunks.json")).unwrap(),
    )
    .remove(0);
    let org = Account {
        provider: P,
        id: "org".into(),
        name: "Demo Organisation".into(),
        parent: None,
        kind: AccountKind::Customer,
        active: None,
        extra: Default::default(),
    };
    let ctx = |trunk: Option<&'static Trunk>,
               row: Option<&'static Account>,
               account: &'static str| FormContext {
        account,
        args: "",
        account_row: row,
        trunk,
        live_calls_on_trunk: 0,
        number: None,
        numbers: Vec::new(),
        marked_numbers: Vec::new(),
        call: None,
        accounts: row.into_iter().collect(),
        details: Vec::new(),
    };
    let t: &'static Trunk = Box::leak(Box::new(t));
    let org: &'static Account = Box::leak(Box::new(org));
    let (spec, target) = forms::open(Intent::TrunkEdit, &ctx(Some(t), None, DARREN)).unwrap();
    let Mutation::Provider {
        change: ProviderChange::Callable(Change::UpdateTrunk { id, trunk }),
        ..
    } = forms::build(&target, &spec.values).unwrap()
    else {
        panic!("update")
    };
    assert_eq!(id, "66aa8915-834a-3004-8363-9c73690d8fe1");
    assert_eq!(
        (trunk.ip.as_str(), trunk.port, trunk.zone.as_str()),
        ("1.1.1.1", 5060, "eu-west-1")
    );

    let mut bad = spec.values.clone();
    bad.retain(|(k, _)| k != "countryCode");
    bad.push(("countryCode".into(), "United Kingdom".into()));
    assert!(
        forms::build(&target, &bad)
            .unwrap_err()
            .contains("two-letter")
    );

    // A trunk cannot be created on the organisation row.
    let e = forms::open(Intent::TrunkNew, &ctx(None, Some(org), "org")).unwrap_err();
    assert!(e.contains("not the organisation"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn decoders_are_total_over_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = wire::decode_token(&bytes);
        let _ = wire::decode_id_name(&bytes);
        let _ = wire::decode_id_names(&bytes);
        let _ = wire::decode_account(&bytes);
        let _ = wire::decode_address(&bytes);
        let _ = wire::decode_trunks(&bytes);
        let _ = wire::decode_hooks(&bytes);
        let _ = wire::decode_devices(&bytes);
        let _ = wire::decode_calls(&bytes);
        let _ = wire::decode_error_message(&bytes);
        let _ = wire::decode_created_id(&bytes);
        let _ = wire::decode_jwt_claims(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn decoders_and_flow_are_total_over_json(v in arb_json()) {
        let bytes = serde_json::to_vec(&v).unwrap();
        let wrapped = serde_json::to_vec(&Value::Array(vec![v])).unwrap();
        for b in [&bytes, &wrapped] {
            let devices = wire::decode_devices(b).unwrap_or_default();
            let ddis = wire::decode_id_names(b).unwrap_or_default();
            let trunks = wire::decode_trunks(b).unwrap_or_default();
            let _ = flow::build(&devices, &ddis, &trunks);
            let _ = wire::decode_calls(b).map(|c| callable::map_calls(P, DARREN, c));
            let _ = wire::decode_token(b);
            let _ = wire::decode_hooks(b);
        }
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop_oneof![
            Just("id".to_string()),
            Just("HANGUP".to_string()),
            Just("ROUTE_START".to_string()),
            "[a-z0-9 +.-]{0,12}"
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let keys = prop_oneof![
            Just("id"),
            Just("type"),
            Just("name"),
            Just("ip"),
            Just("port"),
            Just("sipGateway"),
            Just("startRoute"),
            Just("trunks"),
            Just("ddis"),
            Just("connectTo"),
            Just("onFail"),
            Just("target"),
            Just("access_token"),
            Just("expires_in"),
            Just("phoneNumber"),
            Just("realm_access"),
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec((keys, inner), 0..6).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

fn darren_with_details() -> Account {
    let mut extra: Vec<switchboard::model::Field> =
        vec![("mbn".into(), "+441234567890".to_string().into())];
    extra.extend(callable::address_fields(
        &wire::decode_address(&fixture("address.json")).unwrap(),
    ));
    extra.extend(callable::hook_fields(
        &wire::decode_hooks(&fixture("hooks.json")).unwrap(),
    ));
    Account {
        provider: P,
        id: DARREN.into(),
        name: "Darren's Pizzas".into(),
        parent: Some("org".into()),
        kind: AccountKind::Domain,
        active: None,
        extra: extra.into(),
    }
}

fn ctx_for<'a>(a: &'a Account, args: &'a str) -> FormContext<'a> {
    FormContext {
        account: DARREN,
        args,
        account_row: Some(a),
        trunk: None,
        live_calls_on_trunk: 0,
        number: None,
        numbers: Vec::new(),
        marked_numbers: Vec::new(),
        call: None,
        accounts: vec![a],
        details: Vec::new(),
    }
}

#[test]
fn address_form_starts_from_the_current_address() {
    let a = darren_with_details();
    let (spec, target) = forms::open(Intent::Other("address.edit"), &ctx_for(&a, "")).unwrap();
    let get = |k: &str| spec.values.iter().find(|(f, _)| f == k).unwrap().1.clone();
    assert_eq!(get("line1"), "Unit 5 The Old Printworks");
    assert_eq!(get("postalCode"), "BN213AW");
    let mut values = spec.values.clone();
    values.retain(|(k, _)| k != "line1");
    values.push(("line1".into(), "Unit 6".into()));
    let Mutation::Provider {
        change: ProviderChange::Callable(Change::UpdateAddress(ad)),
        command,
        ..
    } = forms::build(&target, &values).unwrap()
    else {
        panic!("address")
    };
    assert_eq!(
        (command.as_ref(), ad.line1.as_str(), ad.country.as_str()),
        ("address.edit", "Unit 6", "United Kingdom")
    );
}

#[test]
fn hook_forms_create_and_edit_by_id_prefix_or_url() {
    let a = darren_with_details();
    let (spec, target) = forms::open(Intent::Other("hook.new"), &ctx_for(&a, "")).unwrap();
    let mut values = spec.values.clone();
    values.retain(|(k, _)| k != "url");
    values.push(("url".into(), "https://hooks.example/events".into()));
    let Mutation::Provider {
        change: ProviderChange::Callable(Change::CreateHook(h)),
        ..
    } = forms::build(&target, &values).unwrap()
    else {
        panic!("hook")
    };
    assert_eq!(
        (h.app.as_str(), h.method.as_str(), h.priority),
        ("event.generic", "POST", Some(10))
    );
    values.retain(|(k, _)| k != "url");
    values.push(("url".into(), "test.com".into()));
    assert!(forms::build(&target, &values).unwrap_err().contains("http"));

    // Two hooks: the operator names one (id prefix or URL part).
    let e = forms::open(Intent::Other("hook.edit"), &ctx_for(&a, "")).unwrap_err();
    assert!(e.contains(":hook.edit <id prefix"), "{e}");
    for args in ["3ab3", "myevent"] {
        let (spec, target) = forms::open(Intent::Other("hook.edit"), &ctx_for(&a, args)).unwrap();
        assert_eq!(
            target.id.as_deref(),
            Some("3ab34a16-dc17-42da-b67a-4d68d0046822")
        );
        let get = |k: &str| spec.values.iter().find(|(f, _)| f == k).unwrap().1.clone();
        assert_eq!(
            (
                get("app"),
                get("method"),
                get("url"),
                get("priority"),
                get("authType")
            ),
            (
                "event.generic".to_string(),
                "POST".to_string(),
                "http://test.com/myevent".to_string(),
                "10".to_string(),
                "DISABLED".to_string()
            )
        );
        let Mutation::Provider {
            change: ProviderChange::Callable(Change::UpdateHook { id, hook }),
            ..
        } = forms::build(&target, &spec.values).unwrap()
        else {
            panic!("hook edit")
        };
        assert_eq!(
            (id.as_str(), hook.url.as_str()),
            (
                "3ab34a16-dc17-42da-b67a-4d68d0046822",
                "http://test.com/myevent"
            )
        );
    }
}
