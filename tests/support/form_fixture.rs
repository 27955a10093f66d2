//! The trunk-like form both form test files use, and key helpers.
#![allow(dead_code)]

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use switchboard::form::spec::{FieldKind, FieldSpec, FormMode, FormSpec};
use switchboard::form::{Form, FormEvent};
use switchboard::providers::RequestPreview;

pub const SECRET: &str = "s3cr3t-Pa55";
pub const TRANSPORTS: &[&str] = &["udp", "tcp", "tls"];
pub const DIRECTIONS: &[&str] = &["inbound", "outbound", "both"];

pub fn field(
    key: &'static str,
    label: &'static str,
    kind: FieldKind,
    required: bool,
    help: &'static str,
) -> FieldSpec {
    FieldSpec {
        key,
        label,
        kind,
        required,
        create_only: false,
        help,
    }
}

pub fn trunk_spec(mode: FormMode, confirm: bool) -> FormSpec {
    let mut name = field(
        "name",
        "Name",
        FieldKind::Text,
        true,
        "unique in the domain",
    );
    name.create_only = true;
    let values = match mode {
        FormMode::Edit => vec![
            ("name", "pbx-hq"),
            ("ip", "203.0.113.10"),
            ("port", "5060"),
            ("transport", "udp"),
            ("prefix", ""),
            ("direction", "both"),
            ("auth_username", "hq"),
            ("auth_password", "stored-secret-never-shown"),
        ],
        FormMode::Create => vec![("port", "5060"), ("transport", "udp")],
    };
    FormSpec {
        title: match mode {
            FormMode::Edit => "Edit trunk pbx-hq".into(),
            FormMode::Create => "New trunk".into(),
        },
        mode,
        fields: vec![
            name,
            field("ip", "IP / host", FieldKind::Host, true, "PBX address"),
            field(
                "port",
                "Port",
                FieldKind::Port,
                true,
                "SIP port, usually 5060",
            ),
            field(
                "transport",
                "Transport",
                FieldKind::Choice(TRANSPORTS),
                true,
                "←/→ to choose",
            ),
            field(
                "prefix",
                "Prefix",
                FieldKind::Text,
                false,
                "digits to strip",
            ),
            field(
                "direction",
                "Direction",
                FieldKind::Choice(DIRECTIONS),
                true,
                "",
            ),
            field("auth_username", "Auth user", FieldKind::Text, false, ""),
            field(
                "auth_password",
                "Auth password",
                FieldKind::Secret,
                false,
                "",
            ),
        ],
        values: values
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        confirm: confirm.then(|| {
            (
                "pbx-hq".to_string(),
                "3 live calls on this trunk".to_string(),
            )
        }),
    }
}

pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::from(code)
}

pub fn press(form: &mut Form, code: KeyCode) -> FormEvent {
    form.handle_key(key(code))
}

pub fn type_str(form: &mut Form, s: &str) {
    for c in s.chars() {
        assert_eq!(press(form, KeyCode::Char(c)), FormEvent::None);
    }
}

pub fn focused_key(form: &Form) -> &'static str {
    form.fields().find(|f| f.focused()).unwrap().spec().key
}

pub fn focus(form: &mut Form, key: &str) {
    for _ in 0..20 {
        if focused_key(form) == key {
            return;
        }
        press(form, KeyCode::Tab);
    }
    panic!("field {key} not focusable");
}

/// Replaces the value of a text-like field.
pub fn set(form: &mut Form, key: &str, value: &str) {
    focus(form, key);
    form.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    type_str(form, value);
}

pub fn preview() -> RequestPreview {
    RequestPreview {
        method: "PUT".into(),
        path: "/customers/self/domains/acme.example/trunks/12".into(),
        body: Some(r#"{"ip":"198.51.100.7","port":5061,"password":"****"}"#.into()),
        stored_changes: Vec::new(),
    }
}

/// An edit with ip and port changed and submitted to Review.
pub fn in_review(confirm: bool) -> Form {
    let mut form = Form::new(trunk_spec(FormMode::Edit, confirm));
    set(&mut form, "ip", "198.51.100.7");
    set(&mut form, "port", "5061");
    assert_eq!(press(&mut form, KeyCode::Enter), FormEvent::Review);
    form.set_preview(preview());
    form
}
