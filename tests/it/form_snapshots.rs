//! Snapshots of the edit form overlay at 80x24 and 200x50: validation errors, the review
//! diff with the request, the typed confirmation and the failed banner, drawn over a
//! filled background so the overlay's extent shows. Plus cell-style checks (snapshots
//! are text only).

use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Position;
use ratatui::style::Modifier;

use switchboard::form::spec::FormMode;
use switchboard::form::{Form, FormEvent, Step};
use switchboard::providers::RequestPreview;
use switchboard::theme::Theme;
use switchboard::ui::form::render_form;

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

use crate::support::form_fixture as fixture;
use fixture::*;

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
        stored_changes: Vec::new(),
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
    // The field shows where the text goes: brackets, and a block cursor after the text
    // (also where the terminal's cursor is placed).
    let mut t = draw(&form, 80, 24);
    let buf = t.backend().buffer().clone();
    let (x, y) = (0..24)
        .find_map(|y| {
            let row: String = (0..80).map(|x| buf[(x, y)].symbol().to_string()).collect();
            row.find("[pbx-h")
                .map(|i| (row[..i].chars().count() as u16, y))
        })
        .expect("the confirmation field");
    let at = Position::new(x + 1 + "pbx-h".len() as u16, y);
    assert!(
        buf[at]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED)
    );
    assert_eq!(t.get_cursor_position().unwrap(), at);
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

/// The provider's stored changes join the review: a value it stores differently from how
/// it was sent, listed like a typed field (issue 13 item 5).
#[test]
fn review_lists_what_the_provider_stores() {
    use switchboard::form::diff::StoredChange;
    let mut form = in_review(false);
    let mut preview = fixture::preview();
    preview.stored_changes = vec![StoredChange::new("Direction", "inbound", "public-inbound")];
    form.set_preview(preview);
    let t = draw(&form, 80, 24);
    assert_snapshot!("review_stored_80x24", t.backend());
}
