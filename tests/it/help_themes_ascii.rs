//! The help overlay at 80x24 (scrolls, never cuts an entry), ASCII mode snapshots, and
//! the embedded themes (any directory, a list, "did you mean").

use ratatui::crossterm::event::KeyCode;
use switchboard::model::ProviderId;
use switchboard::providers::FetchData;
use switchboard::state::Overlay;
use switchboard::theme::Theme;
use switchboard::update::{apply_data, update};

use crate::ux_fixture::{call, key, screen, state};

#[test]
fn help_at_80x24_scrolls_through_every_entry_without_cutting_one() {
    let mut s = state(&["cx"]);
    s.overlay = Some(Overlay::Help);
    let first = screen(&s, (80, 24));
    insta::assert_snapshot!("help_scrollable_80x24", first.join("\n"));
    let max = switchboard::state::help_text::max_scroll(&s);
    assert!(max > 0, "the help is longer than 24 rows");
    let mut text = String::new();
    for scroll in 0..=max {
        s.help_scroll = scroll;
        let lines = screen(&s, (80, 24));
        for l in &lines[1..23] {
            assert!(!l.contains('…'), "cut at scroll {scroll}: {l}");
            text.push_str(l.trim_matches('│').trim());
            text.push(' ');
        }
    }
    let norm = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    let all = norm(&text);
    for c in switchboard::command::COMMANDS.iter() {
        assert!(
            all.contains(&norm(c.description)),
            "{:?} missing",
            c.description
        );
    }
    // Keys move it; it stops at the end.
    s.help_scroll = 0;
    update(&mut s, key(KeyCode::Char('j')));
    assert_eq!(s.help_scroll, 1);
    update(&mut s, key(KeyCode::PageDown));
    assert_eq!(s.help_scroll, 21);
    update(&mut s, key(KeyCode::End));
    assert_eq!(s.help_scroll, max);
    update(&mut s, key(KeyCode::Char('j')));
    assert_eq!(s.help_scroll, max);
    update(&mut s, key(KeyCode::PageUp));
    assert_eq!(s.help_scroll, max - 20);
}

#[test]
fn ascii_mode_draws_only_ascii_symbols() {
    let mut s = state(&["cx", "vc"]);
    let live = vec![call(0, "+442079460000"), call(1, "+353155500001")];
    apply_data(
        &mut s,
        ProviderId(0),
        "acme",
        FetchData::Calls {
            live,
            history: vec![],
        },
    );
    s.providers[0].conn = switchboard::state::ConnState::Ok;
    s.providers[1].conn = switchboard::state::ConnState::Degraded("500".into());
    s.ascii = true;
    let lines = screen(&s, (80, 24));
    insta::assert_snapshot!("ascii_live_80x24", lines.join("\n"));
    assert!(lines.iter().all(|l| l.is_ascii()), "{}", lines.join("\n"));
    assert!(lines.join("\n").contains("~ ringing"));
    s.overlay = Some(Overlay::Help);
    s.help_scroll = u16::MAX;
    let help = screen(&s, (80, 24));
    insta::assert_snapshot!("ascii_help_legend_80x24", help.join("\n"));
    assert!(help.iter().all(|l| l.is_ascii()), "{}", help.join("\n"));
    // The legend's lines fit 80 columns whole.
    assert!(
        help.join("\n").contains("10 s steps, min, h"),
        "{}",
        help.join("\n")
    );
    s.ascii = false;
    assert!(screen(&s, (80, 24)).iter().any(|l| !l.is_ascii()));
}

#[test]
fn shipped_themes_work_from_any_directory_and_a_typo_gets_a_suggestion() {
    assert!(Theme::load("midnight", &[]).is_ok());
    let e = Theme::load("midnigth", &[]).expect_err("unknown");
    assert!(e.contains("did you mean \"midnight\""), "{e}");
    let names: Vec<String> = switchboard::theme::list(&[])
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    for n in ["default", "midnight", "mono"] {
        assert!(names.iter().any(|x| x == n), "{names:?}");
    }
    let mut s = state(&["cx"]);
    switchboard::update::run_command(&mut s, switchboard::command::CommandId::Themes, "");
    let text = screen(&s, (80, 24)).join("\n");
    assert!(
        text.contains("midnight") && text.contains("built in"),
        "{text}"
    );
}
