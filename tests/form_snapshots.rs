//! Snapshots of the edit form overlay at 80x24 and 200x50: validation errors, the review
//! diff with the request, the typed confirmation and the failed banner, drawn over a
//! filled background so the overlay's extent shows. Plus cell-style checks (snapshots
//! are text only).

use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Position;
use ratatui::style::Modifier;

use switchboard::form::spec::{FieldKind, FieldSpec, FormMode, FormSpec};
use switchboard::form::{Form, FormEvent, Step};
use switchboard::providers::RequestPreview;
use switchboard::theme::Theme;
use switchboard::ui::form::render_form;

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

const SECRET: &str = "s3cr3t-Pa55";
const TRANSPORTS: &[&str] = &["udp", "tcp", "tls"];
const DIRECTIONS: &[&str] = &["inbound", "outbound", "both"];

fn field(
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

fn trunk_spec(mode: FormMode, confirm: bool) -> FormSpec {
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

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::from(code)
}

fn press(form: &mut Form, code: KeyCode) -> FormEvent {
    form.handle_key(key(code))
}

fn type_str(form: &mut Form, s: &str) {
    for c in s.chars() {
        assert_eq!(press(form, KeyCode::Char(c)), FormEvent::None);
    }
}

fn focused_key(form: &Form) -> &'static str {
    form.fields().find(|f| f.focused()).unwrap().spec().key
}

fn focus(form: &mut Form, key: &str) {
    for _ in 0..20 {
        if focused_key(form) == key {
            return;
        }
        press(form, KeyCode::Tab);
    }
    panic!("field {key} not focusable");
}

/// Replaces the value of a text-like field.
fn set(form: &mut Form, key: &str, value: &str) {
    focus(form, key);
    form.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    type_str(form, value);
}

fn preview() -> RequestPreview {
    RequestPreview {
        method: "PUT".into(),
        path: "/customers/self/domains/acme.example/trunks/12".into(),
        body: Some(r#"{"ip":"198.51.100.7","port":5061,"password":"****"}"#.into()),
    }
}

/// An edit with ip and port changed and submitted to Review.
fn in_review(confirm: bool) -> Form {
    let mut form = Form::new(trunk_spec(FormMode::Edit, confirm));
    set(&mut form, "ip", "198.51.100.7");
    set(&mut form, "port", "5061");
    assert_eq!(press(&mut form, KeyCode::Enter), FormEvent::Review);
    form.set_preview(preview());
    form
}

fn draw(form: &Form, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| {
        let area = f.area();
        // A background like the tables behind the overlay.
        let buf = f.buffer_mut();
        for y in area.top()..area.bottom() {
            for x in area.left()..area.right() {
                buf[(x, y)].set_symbol("·");
            }
        }
        render_form(f, area, form, &Theme::default());
    })
    .unwrap();
    t
}

fn snap_all(name: &str, form: &Form) {
    for (w, h) in SIZES {
        let t = draw(form, w, h);
        assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
    }
}

fn with_errors() -> Form {
    let mut form = Form::new(trunk_spec(FormMode::Edit, true));
    set(&mut form, "ip", "pbx_hq.example..com");
    set(&mut form, "port", "70000");
    set(&mut form, "auth_password", SECRET);
    focus(&mut form, "prefix");
    type_str(&mut form, "9");
    assert_eq!(press(&mut form, KeyCode::Enter), FormEvent::None);
    form
}

#[test]
fn edit_with_validation_errors() {
    let form = with_errors();
    assert_eq!(*form.step(), Step::Edit);
    snap_all("edit_errors", &form);
}

#[test]
fn review_diff_and_request() {
    let mut form = in_review(true);
    set_secret_and_review(&mut form);
    snap_all("review", &form);
}

/// Back to Edit, also change the password and the transport, submit again.
fn set_secret_and_review(form: &mut Form) {
    press(form, KeyCode::Esc);
    set(form, "auth_password", SECRET);
    focus(form, "transport");
    press(form, KeyCode::Right);
    assert_eq!(press(form, KeyCode::Enter), FormEvent::Review);
    form.set_preview(RequestPreview {
        method: "PUT".into(),
        path: "/customers/self/domains/acme.example/trunks/12".into(),
        body: Some(
            r#"{"name":"pbx-hq","ip":"198.51.100.7","port":5061,"transport":"tcp","prefix":"","direction":"both","username":"hq","password":"****"}"#
                .into(),
        ),
    });
}

#[test]
fn typed_confirmation() {
    let mut form = in_review(true);
    set_secret_and_review(&mut form);
    press(&mut form, KeyCode::Tab);
    press(&mut form, KeyCode::Enter);
    assert_eq!(*form.step(), Step::Confirm);
    type_str(&mut form, "pbx-h");
    snap_all("confirm", &form);
}

#[test]
fn failed_banner() {
    let mut form = in_review(false);
    press(&mut form, KeyCode::Tab);
    assert_eq!(press(&mut form, KeyCode::Enter), FormEvent::Submit);
    form.failed(
        "400 bad request: ip 198.51.100.7 is already used by trunk pbx-branch in this domain",
    );
    snap_all("failed", &form);
}

#[test]
fn styles_default_cancel_errors_and_cursor() {
    let theme = Theme::default();
    // Errors in the error style.
    let form = with_errors();
    let mut t = draw(&form, 200, 50);
    let buf = t.backend().buffer().clone();
    let find = |needle: &str| -> Position {
        for y in 0..buf.area.height {
            let row: String = (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect();
            if let Some(i) = row.find(needle) {
                let x = row[..i].chars().count() as u16;
                return Position::new(x, y);
            }
        }
        panic!("{needle} not on screen");
    };
    let p = find("port must be 1-65535");
    assert_eq!(buf[p].fg, theme.error.fg.unwrap());
    // Cursor in the focused (first bad) field, after its text.
    let ip = find("pbx_hq.example..com");
    let cur = t.get_cursor_position().unwrap();
    assert_eq!(
        cur,
        Position::new(ip.x + "pbx_hq.example..com".len() as u16, ip.y)
    );

    // Review: Cancel highlighted by default, Apply not.
    let form = in_review(false);
    let t = draw(&form, 80, 24);
    let buf = t.backend().buffer().clone();
    let row_of = |needle: &str| {
        (0..buf.area.height)
            .find_map(|y| {
                let row: String = (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect();
                row.find(needle)
                    .map(|i| Position::new(row[..i].chars().count() as u16, y))
            })
            .unwrap()
    };
    let cancel = row_of("[ Cancel ]");
    let apply = row_of("[ Apply ]");
    assert!(buf[cancel].modifier.contains(Modifier::REVERSED));
    assert!(!buf[apply].modifier.contains(Modifier::REVERSED));
    assert!(buf[(cancel.x - 2, cancel.y)].symbol() == "›");

    // The confirmation reason in the warning colour.
    let mut form = in_review(true);
    press(&mut form, KeyCode::Tab);
    press(&mut form, KeyCode::Enter);
    let t = draw(&form, 80, 24);
    let buf = t.backend().buffer().clone();
    let y = (0..24)
        .find(|&y| {
            (0..80)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
                .contains("3 live calls")
        })
        .unwrap();
    let x = (0..80).find(|&x| buf[(x, y)].symbol() == "3").unwrap();
    assert_eq!(buf[(x, y)].fg, theme.warn.fg.unwrap());
}
