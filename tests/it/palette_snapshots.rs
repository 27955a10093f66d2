//! Snapshots of the command palette and the keymap-aware help overlay at 80x24 and
//! 200x50, plus per-cell style checks (snapshots are text only): the selected row is
//! reversed and greyed rows are dim, so both show without colour.

use std::collections::BTreeMap;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Modifier;

use switchboard::command::{COMMANDS, CommandCtx};
use switchboard::keymap::Keymap;
use switchboard::model::{ActionKind, Capabilities, Resource};
use switchboard::palette::{Palette, PaletteItem};
use switchboard::theme::Theme;
use switchboard::ui::palette::{render_help_with, render_palette};

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

fn caps() -> Capabilities {
    [
        ActionKind::ClickToCall,
        ActionKind::Hangup,
        ActionKind::EditTrunk,
        ActionKind::EditNumber,
    ]
    .into_iter()
    .fold(Capabilities::new(), |c, a| c.with_action(a))
}

/// A trunk of cx-demo selected, read-only mode on.
fn ctx() -> CommandCtx<'static> {
    CommandCtx {
        focus: Resource::Trunks,
        read_only: true,
        pinned: false,
        attached: None,
        selected_caps: Some(caps()),
        has_selection: true,
        provider_name: Some("cx-demo"),
    }
}

fn palette_with(query: &str, ctx: &CommandCtx, keymap: &Keymap) -> (Palette, Vec<PaletteItem>) {
    let mut p = Palette::default();
    for c in query.chars() {
        let items = p.matches(&COMMANDS, ctx, keymap);
        p.handle_key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE), &items);
    }
    let items = p.matches(&COMMANDS, ctx, keymap);
    (p, items)
}

fn draw_palette(
    size: (u16, u16),
    p: &Palette,
    items: &[PaletteItem],
    theme: &Theme,
) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(size.0, size.1)).unwrap();
    t.draw(|f| {
        let area = f.area();
        render_palette(f, area, p, items, theme);
    })
    .unwrap();
    t
}

#[test]
fn palette_with_a_query_and_greyed_items() {
    let ctx = ctx();
    let keymap = Keymap::default();
    let (p, items) = palette_with("edit", &ctx, &keymap);
    assert!(items.iter().any(|i| i.available.is_err()));
    assert!(items.iter().any(|i| i.available.is_ok()));
    for size in SIZES {
        let t = draw_palette(size, &p, &items, &Theme::ansi());
        insta::assert_snapshot!(format!("palette_edit_{}x{}", size.0, size.1), t.backend());
    }
}

#[test]
fn palette_empty_query_lists_everything() {
    let ctx = CommandCtx {
        read_only: false,
        pinned: false,
        attached: None,
        ..ctx()
    };
    let keymap = Keymap::default();
    let (mut p, _) = palette_with("", &ctx, &keymap);
    p.remember("scope cx-demo");
    p.remember("audit");
    let items = p.matches(&COMMANDS, &ctx, &keymap);
    let t = draw_palette((80, 24), &p, &items, &Theme::ansi());
    insta::assert_snapshot!("palette_empty_80x24", t.backend());
}

#[test]
fn palette_refusal_shows_the_reason() {
    let ctx = ctx();
    let keymap = Keymap::default();
    let (mut p, items) = palette_with("trunk.delete", &ctx, &keymap);
    let ev = p.handle_key(&KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), &items);
    assert!(matches!(ev, switchboard::palette::PaletteEvent::Refused(_)));
    let items = p.matches(&COMMANDS, &ctx, &keymap);
    let t = draw_palette((80, 24), &p, &items, &Theme::ansi());
    insta::assert_snapshot!("palette_refused_80x24", t.backend());
}

#[test]
fn palette_selection_is_reversed_and_greyed_rows_are_dim_in_mono() {
    let ctx = ctx();
    let keymap = Keymap::default();
    let (mut p, items) = palette_with("edit", &ctx, &keymap);
    p.handle_key(&KeyEvent::new(KeyCode::Down, KeyModifiers::NONE), &items);
    let t = draw_palette((80, 24), &p, &items, &Theme::mono());
    let buf = t.backend().buffer();
    // Find the rows by their text.
    let row_of = |needle: &str| {
        (0..buf.area.height)
            .find(|&y| {
                let line: String = (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect();
                line.contains(needle)
            })
            .unwrap_or_else(|| panic!("{needle} not drawn"))
    };
    let selected = &items[1];
    let y = row_of(selected.title);
    let x = (0..buf.area.width)
        .find(|&x| buf[(x, y)].symbol() == &selected.title[..1])
        .unwrap();
    assert!(
        buf[(x, y)].modifier.contains(Modifier::REVERSED),
        "selected row reversed"
    );
    let greyed = items.iter().skip(2).find(|i| i.available.is_err()).unwrap();
    let gy = row_of(greyed.title);
    assert_ne!(gy, y, "pick a greyed row that is not selected");
    let gx = (0..buf.area.width)
        .find(|&x| buf[(x, gy)].symbol() == &greyed.title[..1])
        .unwrap();
    assert!(
        buf[(gx, gy)].modifier.contains(Modifier::DIM),
        "greyed row dim"
    );
    assert!(!buf[(gx, gy)].modifier.contains(Modifier::REVERSED));
    // The cursor sits after the typed text.
    let input_y = row_of(":edit");
    let input_x = (0..buf.area.width)
        .find(|&x| buf[(x, input_y)].symbol() == ":")
        .unwrap();
    let mut t = t;
    let pos = t.get_cursor_position().unwrap();
    assert_eq!((pos.x, pos.y), (input_x + 5, input_y));
}

#[test]
fn palette_survives_tiny_terminals() {
    let ctx = ctx();
    let keymap = Keymap::default();
    let (p, items) = palette_with("e", &ctx, &keymap);
    for size in [(10, 6), (20, 8), (30, 10), (9, 5)] {
        draw_palette(size, &p, &items, &Theme::ansi());
    }
}

fn conflicting_keymap() -> Keymap {
    let overrides: BTreeMap<String, Vec<String>> = [
        ("quit", vec!["q", "r"]),
        ("row.page-up", vec!["pgup", "ctrl-b"]),
        ("hangup", vec!["H"]),
    ]
    .into_iter()
    .map(|(n, ks)| (n.to_string(), ks.into_iter().map(String::from).collect()))
    .collect();
    let (km, conflicts) = Keymap::new(&overrides).unwrap();
    assert_eq!(conflicts.len(), 2, "{conflicts:?}");
    km
}

#[test]
fn help_with_a_conflict_and_unavailable_commands() {
    let keymap = conflicting_keymap();
    // Live calls, nothing selected, read-only.
    let ctx = CommandCtx {
        focus: Resource::LiveCalls,
        read_only: true,
        pinned: false,
        attached: None,
        selected_caps: None,
        has_selection: false,
        provider_name: None,
    };
    for size in SIZES {
        let mut t = Terminal::new(TestBackend::new(size.0, size.1)).unwrap();
        t.draw(|f| {
            let area = f.area();
            render_help_with(f, area, &keymap, &ctx, &Theme::ansi());
        })
        .unwrap();
        insta::assert_snapshot!(format!("help_conflict_{}x{}", size.0, size.1), t.backend());
    }
}
