//! The edit form: validation tables, the Edit → Review → Confirm → Submitting state
//! machine, failure handling, and that a typed secret never shows.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use switchboard::form::spec::{FieldKind, FormMode, FormSpec};
use switchboard::form::validate::{check, check_e164, check_host, check_port, normalize};
use switchboard::form::{Banner, Button, Form, FormEvent, Step};
use switchboard::providers::RequestPreview;
use switchboard::theme::Theme;
use switchboard::ui::form::render_form;

use crate::support::form_fixture as fixture;
use fixture::*;

fn value(form: &Form, key: &str) -> String {
    form.value(key).unwrap()
}

fn screen(form: &Form, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| render_form(f, f.area(), form, &Theme::default()))
        .unwrap();
    let buf = t.backend().buffer();
    let mut s = String::new();
    for y in 0..h {
        for x in 0..w {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

// ---------------------------------------------------------------------------------------
// Validation

#[test]
fn validation_host() {
    for good in [
        "203.0.113.10",
        "::1",
        "2001:db8::10",
        "pbx.example.com",
        "sip1.carrier-x.net",
        "localhost",
    ] {
        assert_eq!(check_host(good), Ok(()), "{good}");
    }
    for (bad, msg) in [
        ("pbx example.com", "no spaces"),
        ("pbx_hq.example.com", "underscores"),
        ("pbx..example.com", ".."),
        ("-pbx.example.com", "start or end with -"),
        ("10.0.0.256", "IPv4"),
        ("10.0.0", "IPv4"),
        ("pbx/hq", "not an IP address or hostname"),
        ("2001:db8::g", "IPv6"),
    ] {
        let e = check_host(bad).unwrap_err();
        assert!(e.contains(msg), "{bad}: {e}");
    }
    assert!(check_host(&format!("{}.com", "a".repeat(64))).is_err());
    let long = ["abcdefghij"; 23].join("."); // 252 characters
    assert!(check_host(&long).is_ok());
    assert!(check_host(&format!("{long}x.y")).is_err());
}

#[test]
fn validation_port() {
    for (s, n) in [("1", 1), ("5060", 5060), ("65535", 65535)] {
        assert_eq!(check_port(s), Ok(n));
    }
    for bad in ["0", "65536", "abc", "50 60", "+5060", ""] {
        assert_eq!(
            check_port(bad),
            Err("port must be 1-65535".to_string()),
            "{bad}"
        );
    }
}

#[test]
fn validation_choice_bool_required_and_secret() {
    let transport = field("t", "T", FieldKind::Choice(TRANSPORTS), true, "");
    assert_eq!(check(&transport, FormMode::Edit, "tls"), Ok(()));
    assert_eq!(
        check(&transport, FormMode::Edit, "TLS"),
        Err("must be one of: udp, tcp, tls".into())
    );
    assert_eq!(
        check(&transport, FormMode::Edit, ""),
        Err("required".into())
    );

    let b = field("b", "B", FieldKind::Bool, false, "");
    for good in ["yes", "no", "true", "false", ""] {
        assert_eq!(check(&b, FormMode::Edit, good), Ok(()), "{good}");
    }
    assert_eq!(
        check(&b, FormMode::Edit, "maybe"),
        Err("must be yes or no".into())
    );
    assert_eq!(normalize(&FieldKind::Bool, "true"), "yes");

    let mut secret = field("p", "P", FieldKind::Secret, true, "");
    assert_eq!(check(&secret, FormMode::Edit, ""), Ok(()), "empty = keep");
    assert_eq!(check(&secret, FormMode::Create, ""), Err("required".into()));
    secret.required = false;
    assert_eq!(check(&secret, FormMode::Create, ""), Ok(()));

    let text = field("x", "X", FieldKind::Text, true, "");
    assert_eq!(check(&text, FormMode::Edit, "   "), Err("required".into()));
    let optional_port = field("p", "P", FieldKind::Port, false, "");
    assert_eq!(check(&optional_port, FormMode::Edit, ""), Ok(()));
    assert!(check(&optional_port, FormMode::Edit, "0").is_err());
}

#[test]
fn validation_e164() {
    for (raw, norm) in [
        ("+14155550100", "+14155550100"),
        ("+1 (415) 555-0100", "+14155550100"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+12345678", "+12345678"),
        ("+123456789012345", "+123456789012345"),
    ] {
        assert_eq!(check_e164(raw), Ok(norm.to_string()), "{raw}");
    }
    for (bad, msg) in [
        ("0044 20 7946 0958", "use +"),
        ("020 7946 0958", "must start with +"),
        ("+0 20 7946 0958", "cannot start with 0"),
        ("+1234567", "8-15 digits"),
        ("+1234567890123456", "8-15 digits"),
        ("+1 415 CALL NOW", "only digits"),
        ("+", "only digits"),
    ] {
        let e = check_e164(bad).unwrap_err();
        assert!(e.contains(msg), "{bad}: {e}");
    }
    let n = field("n", "N", FieldKind::E164, true, "");
    assert_eq!(check(&n, FormMode::Create, " +1 415-555-0100 "), Ok(()));
    assert_eq!(
        normalize(&FieldKind::E164, "+1 415-555-0100"),
        "+14155550100"
    );
}

// ---------------------------------------------------------------------------------------
// State machine

#[test]
fn starts_in_edit_with_create_only_read_only_and_secret_empty() {
    let mut form = Form::new(trunk_spec(FormMode::Edit, false));
    assert_eq!(*form.step(), Step::Edit);
    assert_eq!(focused_key(&form), "ip", "read-only name is skipped");
    assert!(form.fields().next().unwrap().read_only());
    assert_eq!(value(&form, "auth_password"), "", "secret starts empty");
    assert!(!form.is_dirty());
    // BackTab from the first editable field wraps to the last, never onto `name`.
    press(&mut form, KeyCode::BackTab);
    assert_eq!(focused_key(&form), "auth_password");
    press(&mut form, KeyCode::Down);
    assert_eq!(focused_key(&form), "ip");
    press(&mut form, KeyCode::Up);
    assert_eq!(focused_key(&form), "auth_password");

    let create = Form::new(trunk_spec(FormMode::Create, false));
    assert_eq!(focused_key(&create), "name");
    assert!(!create.fields().next().unwrap().read_only());
}

#[test]
fn submit_with_errors_stays_in_edit_and_keeps_values() {
    let mut form = Form::new(trunk_spec(FormMode::Edit, false));
    set(&mut form, "ip", "pbx_hq.local");
    set(&mut form, "port", "70000");
    set(&mut form, "prefix", "9");
    assert!(form.is_dirty());
    assert_eq!(press(&mut form, KeyCode::Enter), FormEvent::None);
    assert_eq!(*form.step(), Step::Edit);
    assert_eq!(
        form.errors(),
        vec![
            ("ip", "no underscores in a hostname"),
            ("port", "port must be 1-65535")
        ]
    );
    assert_eq!(focused_key(&form), "ip", "focus on the first bad field");
    assert_eq!(value(&form, "ip"), "pbx_hq.local");
    assert_eq!(value(&form, "port"), "70000");
    assert_eq!(value(&form, "prefix"), "9");
    let s = screen(&form, 80, 24);
    assert!(s.contains("no underscores in a hostname"), "{s}");
    assert!(s.contains("port must be 1-65535"), "{s}");

    // Editing a field clears its error; the other stays until the next submit.
    set(&mut form, "ip", "pbx-hq.example.com");
    assert_eq!(form.errors(), vec![("port", "port must be 1-65535")]);
    set(&mut form, "port", "5080");
    assert_eq!(press(&mut form, KeyCode::Enter), FormEvent::Review);
    assert_eq!(*form.step(), Step::Review);
    assert!(form.errors().is_empty());
}

#[test]
fn review_lists_only_changed_fields_and_the_request() {
    let form = in_review(false);
    assert_eq!(
        form.changed(),
        vec![
            (
                "IP / host".to_string(),
                "203.0.113.10".to_string(),
                "198.51.100.7".to_string()
            ),
            ("Port".to_string(), "5060".to_string(), "5061".to_string()),
        ]
    );
    assert_eq!(form.preview(), Some(&preview()));
    assert_eq!(form.button(), Button::Cancel, "Cancel is the default");
    let s = screen(&form, 80, 24);
    assert!(s.contains("203.0.113.10 → 198.51.100.7"), "{s}");
    assert!(
        s.contains("PUT /customers/self/domains/acme.example/trunks/12"),
        "{s}"
    );
    assert!(s.contains("\"port\":5061"), "{s}");
    assert!(
        !s.contains("Transport"),
        "unchanged fields are not listed:\n{s}"
    );
}

#[test]
fn enter_on_default_cancel_does_not_submit() {
    let mut form = in_review(false);
    assert_eq!(press(&mut form, KeyCode::Enter), FormEvent::None);
    assert_eq!(*form.step(), Step::Edit, "Cancel goes back to editing");
    assert_eq!(value(&form, "ip"), "198.51.100.7", "values kept");
    assert_eq!(
        form.preview(),
        None,
        "the preview is rebuilt on the next submit"
    );

    // Esc in Review also goes back to Edit with the values kept.
    let mut form = in_review(false);
    assert_eq!(press(&mut form, KeyCode::Esc), FormEvent::None);
    assert_eq!(*form.step(), Step::Edit);
    assert_eq!(value(&form, "port"), "5061");
}

#[test]
fn apply_submits_when_no_confirmation_is_needed() {
    let mut form = in_review(false);
    press(&mut form, KeyCode::Right);
    assert_eq!(form.button(), Button::Apply);
    press(&mut form, KeyCode::Left);
    assert_eq!(form.button(), Button::Cancel);
    press(&mut form, KeyCode::Tab);
    assert_eq!(form.button(), Button::Apply);
    assert_eq!(press(&mut form, KeyCode::Enter), FormEvent::Submit);
    assert_eq!(*form.step(), Step::Submitting);
    // Keys do nothing while sending (no double submit).
    assert_eq!(press(&mut form, KeyCode::Enter), FormEvent::None);
    assert_eq!(press(&mut form, KeyCode::Esc), FormEvent::None);
    assert!(screen(&form, 80, 24).contains("sending…"));
    form.submitting();
    form.done("trunk pbx-hq updated");
    assert_eq!(*form.step(), Step::Done("trunk pbx-hq updated".into()));
    assert!(screen(&form, 80, 24).contains("trunk pbx-hq updated"));
    assert_eq!(press(&mut form, KeyCode::Enter), FormEvent::Cancel);
}

#[test]
fn typed_confirmation_must_match_exactly() {
    let mut form = in_review(true);
    press(&mut form, KeyCode::Tab);
    assert_eq!(press(&mut form, KeyCode::Enter), FormEvent::None);
    assert_eq!(*form.step(), Step::Confirm);
    assert_eq!(form.button(), Button::Cancel, "Cancel focused again");
    let s = screen(&form, 80, 24);
    assert!(s.contains("3 live calls on this trunk"), "{s}");
    assert!(s.contains("Type pbx-hq to confirm"), "{s}");

    // Right text, but Cancel focused: back to Review, nothing sent.
    type_str(&mut form, "pbx-hq");
    assert!(form.confirm_matches());
    assert_eq!(press(&mut form, KeyCode::Enter), FormEvent::None);
    assert_eq!(*form.step(), Step::Review);

    press(&mut form, KeyCode::Tab);
    press(&mut form, KeyCode::Enter);
    assert_eq!(*form.step(), Step::Confirm);
    assert_eq!(form.confirm_input().value(), "", "typed text is reset");
    for wrong in ["pbx-h", "PBX-HQ", "pbx-hq "] {
        form.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        type_str(&mut form, wrong);
        if form.button() == Button::Cancel {
            press(&mut form, KeyCode::Tab);
        }
        assert_eq!(
            press(&mut form, KeyCode::Enter),
            FormEvent::None,
            "{wrong:?}"
        );
        assert_eq!(*form.step(), Step::Confirm);
        assert_eq!(form.confirm_error(), Some("type pbx-hq exactly to confirm"));
    }
    form.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    type_str(&mut form, "pbx-hq");
    assert_eq!(form.confirm_error(), None, "typing clears the error");
    assert_eq!(form.button(), Button::Apply);
    assert_eq!(press(&mut form, KeyCode::Enter), FormEvent::Submit);
    assert_eq!(*form.step(), Step::Submitting);

    // Esc in Confirm goes back to Review.
    let mut form = in_review(true);
    press(&mut form, KeyCode::Right);
    press(&mut form, KeyCode::Enter);
    assert_eq!(press(&mut form, KeyCode::Esc), FormEvent::None);
    assert_eq!(*form.step(), Step::Review);
}

#[test]
fn failed_keeps_every_value_and_returns_to_edit() {
    let mut form = in_review(false);
    press(&mut form, KeyCode::Tab);
    assert_eq!(press(&mut form, KeyCode::Enter), FormEvent::Submit);
    form.failed("400 bad request: ip is not reachable");
    assert_eq!(*form.step(), Step::Edit);
    assert_eq!(
        form.banner(),
        Some(&Banner::Failed(
            "400 bad request: ip is not reachable".into()
        ))
    );
    assert_eq!(value(&form, "ip"), "198.51.100.7");
    assert_eq!(value(&form, "port"), "5061");
    assert_eq!(value(&form, "name"), "pbx-hq");
    let s = screen(&form, 80, 24);
    assert!(s.contains("400 bad request: ip is not reachable"), "{s}");
    // Submitting again goes to Review (banner cleared) with a fresh Cancel focus.
    assert_eq!(press(&mut form, KeyCode::Enter), FormEvent::Review);
    assert_eq!(form.banner(), None);
    assert_eq!(form.button(), Button::Cancel);
}

#[test]
fn outcome_unknown_says_to_check_first() {
    let mut form = in_review(false);
    press(&mut form, KeyCode::Tab);
    press(&mut form, KeyCode::Enter);
    form.outcome_unknown("timed out after 10.0 s");
    assert_eq!(*form.step(), Step::Edit);
    let b = form.banner().unwrap();
    assert!(b.is_error());
    assert!(
        b.text()
            .contains("outcome unknown, check the list before trying again"),
        "{}",
        b.text()
    );
    assert!(b.text().contains("timed out after 10.0 s"));
    assert_eq!(value(&form, "ip"), "198.51.100.7");
    let s = screen(&form, 200, 50);
    assert!(
        s.contains("outcome unknown, check the list before trying again"),
        "{s}"
    );
}

#[test]
fn esc_in_edit_cancels() {
    let mut form = Form::new(trunk_spec(FormMode::Edit, false));
    set(&mut form, "prefix", "9");
    assert_eq!(press(&mut form, KeyCode::Esc), FormEvent::Cancel);
}

#[test]
fn ctrl_s_submits_and_nothing_changed_is_refused() {
    let mut form = Form::new(trunk_spec(FormMode::Edit, false));
    let ctrl_s = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(form.handle_key(ctrl_s), FormEvent::None);
    assert_eq!(*form.step(), Step::Edit);
    assert_eq!(
        form.banner(),
        Some(&Banner::Notice("no changes to apply".into()))
    );
    set(&mut form, "prefix", "9");
    assert_eq!(form.handle_key(ctrl_s), FormEvent::Review);
    assert_eq!(
        form.changed(),
        vec![("Prefix".to_string(), String::new(), "9".to_string())]
    );
}

#[test]
fn choice_fields_cycle_and_type_ahead() {
    let mut form = Form::new(trunk_spec(FormMode::Edit, false));
    focus(&mut form, "transport");
    press(&mut form, KeyCode::Right);
    assert_eq!(value(&form, "transport"), "tcp");
    press(&mut form, KeyCode::Char(' '));
    assert_eq!(value(&form, "transport"), "tls");
    press(&mut form, KeyCode::Right);
    assert_eq!(value(&form, "transport"), "udp", "wraps");
    press(&mut form, KeyCode::Left);
    assert_eq!(value(&form, "transport"), "tls");
    press(&mut form, KeyCode::Char('t'));
    assert_eq!(
        value(&form, "transport"),
        "tcp",
        "next option starting with t"
    );
    press(&mut form, KeyCode::Char('x'));
    assert_eq!(value(&form, "transport"), "tcp", "no match: unchanged");
    press(&mut form, KeyCode::Backspace);
    assert_eq!(value(&form, "transport"), "tcp");

    let mut spec = trunk_spec(FormMode::Edit, false);
    spec.fields
        .push(field("active", "Active", FieldKind::Bool, true, ""));
    spec.values.push(("active".into(), "true".into()));
    let mut form = Form::new(spec);
    assert_eq!(value(&form, "active"), "yes", "true shown as yes");
    focus(&mut form, "active");
    press(&mut form, KeyCode::Char(' '));
    assert_eq!(value(&form, "active"), "no");
    press(&mut form, KeyCode::Char('y'));
    assert_eq!(value(&form, "active"), "yes");
    assert!(!form.is_dirty());
}

#[test]
fn create_mode_lists_every_value() {
    let mut form = Form::new(trunk_spec(FormMode::Create, false));
    assert_eq!(press(&mut form, KeyCode::Enter), FormEvent::None);
    let bad: Vec<&str> = form.errors().iter().map(|(k, _)| *k).collect();
    assert_eq!(bad, vec!["name", "ip", "direction"]);
    set(&mut form, "name", "pbx-branch");
    set(&mut form, "ip", "pbx.example.com");
    focus(&mut form, "direction");
    press(&mut form, KeyCode::Right);
    set(&mut form, "auth_password", SECRET);
    assert_eq!(press(&mut form, KeyCode::Enter), FormEvent::Review);
    let changed = form.changed();
    let labels: Vec<&str> = changed.iter().map(|(l, _, _)| l.as_str()).collect();
    assert_eq!(
        labels,
        vec![
            "Name",
            "IP / host",
            "Port",
            "Transport",
            "Direction",
            "Auth password"
        ]
    );
    assert_eq!(
        changed[5],
        ("Auth password".into(), "".into(), "(set)".into())
    );
    assert_eq!(
        value(&form, "auth_password"),
        SECRET,
        "the lead gets the real value"
    );
}

#[test]
fn a_form_without_fields_starts_in_review() {
    let spec = FormSpec {
        title: "Delete trunk pbx-hq".into(),
        mode: FormMode::Edit,
        fields: vec![],
        values: vec![],
        confirm: Some((
            "pbx-hq".into(),
            "Deleting trunk pbx-hq. 3 live calls on this trunk.".into(),
        )),
    };
    let mut form = Form::new(spec.clone());
    assert_eq!(*form.step(), Step::Review);
    assert_eq!(
        press(&mut form, KeyCode::Enter),
        FormEvent::Cancel,
        "Cancel closes"
    );
    let mut form = Form::new(spec);
    assert_eq!(press(&mut form, KeyCode::Esc), FormEvent::Cancel);
    let mut form = Form::new(trunk_spec(FormMode::Edit, false));
    form.failed("x");
    assert_eq!(*form.step(), Step::Edit);
}

#[test]
fn secrets_never_show() {
    for confirm in [false, true] {
        let mut form = Form::new(trunk_spec(FormMode::Edit, confirm));
        set(&mut form, "auth_password", SECRET);
        set(&mut form, "ip", "bad host");
        let mut screens = vec![];
        let mut snap = |form: &Form| {
            for (w, h) in [(80, 24), (200, 50)] {
                screens.push(screen(form, w, h));
            }
            assert!(!format!("{form:?}").contains(SECRET));
            assert!(!format!("{form:?}").contains("stored-secret"));
        };
        snap(&form);
        set(&mut form, "ip", "198.51.100.7");
        assert_eq!(press(&mut form, KeyCode::Enter), FormEvent::Review);
        form.set_preview(preview());
        snap(&form);
        press(&mut form, KeyCode::Tab);
        let ev = press(&mut form, KeyCode::Enter);
        if confirm {
            snap(&form);
            type_str(&mut form, "pbx-hq");
            press(&mut form, KeyCode::Tab);
            assert_eq!(press(&mut form, KeyCode::Enter), FormEvent::Submit);
        } else {
            assert_eq!(ev, FormEvent::Submit);
        }
        snap(&form);
        form.failed("refused");
        snap(&form);
        for s in &screens {
            assert!(!s.contains(SECRET), "{s}");
            assert!(!s.contains("stored-secret"), "{s}");
        }
        assert!(screens[0].contains(&"•".repeat(SECRET.chars().count())));
        for (label, old, new) in form.changed() {
            assert!(!old.contains(SECRET) && !new.contains(SECRET), "{label}");
        }
        assert!(form.changed().contains(&(
            "Auth password".into(),
            "****".into(),
            "(changed)".into()
        )));
        assert_eq!(value(&form, "auth_password"), SECRET, "kept after failure");
    }
}

#[test]
fn cursor_sits_in_the_focused_input() {
    let mut form = Form::new(trunk_spec(FormMode::Edit, false));
    set(&mut form, "ip", "10.1.1.1");
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| render_form(f, f.area(), &form, &Theme::default()))
        .unwrap();
    let pos = t.get_cursor_position().unwrap();
    let buf = t.backend().buffer().clone();
    // The cursor is just after the typed text on the IP row.
    let row: String = (0..80)
        .map(|x| buf[(x, pos.y)].symbol().to_string())
        .collect();
    assert!(row.contains("IP / host"), "{row}");
    let before: String = (pos.x - 8..pos.x)
        .map(|x| buf[(x, pos.y)].symbol().to_string())
        .collect();
    assert_eq!(before, "10.1.1.1");
}

#[test]
fn long_forms_keep_the_focused_field_on_screen_and_long_bodies_are_cut() {
    const LABELS: [&str; 30] = [
        "f00", "f01", "f02", "f03", "f04", "f05", "f06", "f07", "f08", "f09", "f10", "f11", "f12",
        "f13", "f14", "f15", "f16", "f17", "f18", "f19", "f20", "f21", "f22", "f23", "f24", "f25",
        "f26", "f27", "f28", "f29",
    ];
    let spec = FormSpec {
        title: "Many".into(),
        mode: FormMode::Create,
        fields: LABELS
            .iter()
            .map(|l| field(l, l, FieldKind::Port, true, "a port"))
            .collect(),
        values: vec![],
        confirm: None,
    };
    let mut form = Form::new(spec);
    assert_eq!(press(&mut form, KeyCode::Enter), FormEvent::None);
    assert_eq!(focused_key(&form), "f00");
    press(&mut form, KeyCode::BackTab);
    assert_eq!(focused_key(&form), "f29");
    let s = screen(&form, 80, 24);
    assert!(s.contains("› f29"), "{s}");
    assert!(!s.contains("f00"), "{s}");

    let mut form = in_review(false);
    let body: Vec<String> = (0..100).map(|i| format!("  \"k{i}\": {i},")).collect();
    form.set_preview(RequestPreview {
        method: "POST".into(),
        path: "/x".into(),
        body: Some(format!("{{\n{}\n}}", body.join("\n"))),
        stored_changes: Vec::new(),
    });
    let s = screen(&form, 80, 24);
    assert!(s.contains("more lines"), "{s}");
    assert!(s.contains("[ Cancel ]") && s.contains("[ Apply ]"), "{s}");
    assert!(s.contains("    \"k0\": 0,"), "indentation kept:\n{s}");
}

#[test]
fn buttons_stay_visible_on_the_smallest_terminal() {
    let mut form = in_review(true);
    let s = screen(&form, 60, 15);
    assert!(s.contains("[ Cancel ]") && s.contains("[ Apply ]"), "{s}");
    press(&mut form, KeyCode::Tab);
    press(&mut form, KeyCode::Enter);
    let s = screen(&form, 60, 15);
    assert!(
        s.contains("[ Cancel ]") && s.contains("Type pbx-hq to confirm"),
        "{s}"
    );
    let form = Form::new(trunk_spec(FormMode::Edit, false));
    let s = screen(&form, 60, 15);
    assert!(s.contains("› IP / host"), "{s}");
}
