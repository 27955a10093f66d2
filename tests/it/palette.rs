//! The command palette: fuzzy ranking, availability, arguments, history.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use switchboard::command::{COMMANDS, CommandCtx, CommandId, READ_ONLY_REASON};
use switchboard::keymap::Keymap;
use switchboard::model::{ActionKind, Capabilities, Resource};
use switchboard::palette::{HISTORY_CAP, Palette, PaletteEvent, PaletteItem};

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn all_actions() -> Capabilities {
    [
        ActionKind::ClickToCall,
        ActionKind::Hangup,
        ActionKind::EditTrunk,
        ActionKind::EditNumber,
    ]
    .into_iter()
    .fold(Capabilities::new(), |c, a| c.with_action(a))
}

/// A trunk selected on the Trunks pane of a provider offering every action, writes on.
fn trunks_ctx() -> CommandCtx<'static> {
    CommandCtx {
        focus: Resource::Trunks,
        read_only: false,
        pinned: false,
        attached: None,
        selected_caps: Some(all_actions()),
        has_selection: true,
        provider_name: Some("cx-demo"),
    }
}

fn items(p: &Palette, ctx: &CommandCtx) -> Vec<PaletteItem> {
    p.matches(&COMMANDS, ctx, &Keymap::default())
}

fn type_text(p: &mut Palette, ctx: &CommandCtx, text: &str) {
    for c in text.chars() {
        let list = items(p, ctx);
        assert_eq!(
            p.handle_key(&key(KeyCode::Char(c)), &list),
            PaletteEvent::None
        );
    }
}

/// Types `text` and presses Enter.
fn run(p: &mut Palette, ctx: &CommandCtx, text: &str) -> PaletteEvent {
    p.open();
    type_text(p, ctx, text);
    let list = items(p, ctx);
    p.handle_key(&key(KeyCode::Enter), &list)
}

fn first_title(p: &Palette, ctx: &CommandCtx) -> &'static str {
    items(p, ctx).first().map(|i| i.title).unwrap_or("")
}

#[test]
fn fuzzy_ranking_finds_edit_trunk_first() {
    let ctx = trunks_ctx();
    for q in [
        "trk ed",
        "edit tr",
        "edit trunk",
        "trunk.edit",
        "tredit",
        "Edit Trunk",
    ] {
        let mut p = Palette::default();
        type_text(&mut p, &ctx, q);
        assert_eq!(first_title(&p, &ctx), "Edit trunk", "query {q:?}");
    }
}

#[test]
fn fuzzy_matches_names_and_titles() {
    let ctx = trunks_ctx();
    let mut p = Palette::default();
    type_text(&mut p, &ctx, "audit");
    assert_eq!(items(&p, &ctx)[0].id, CommandId::Audit);
    let mut p = Palette::default();
    type_text(&mut p, &ctx, "hang");
    assert_eq!(items(&p, &ctx).last().unwrap().id, CommandId::Hangup);
    let mut p = Palette::default();
    type_text(&mut p, &ctx, "zzzz");
    assert!(items(&p, &ctx).is_empty());
    // Row movement is keys only.
    let mut p = Palette::default();
    type_text(&mut p, &ctx, "page down");
    assert!(items(&p, &ctx).iter().all(|i| i.id != CommandId::PageDown));
}

#[test]
fn items_carry_effective_keys() {
    let ctx = trunks_ctx();
    let mut p = Palette::default();
    type_text(&mut p, &ctx, "edit trunk");
    assert_eq!(items(&p, &ctx)[0].keys, "e");
    let mut p = Palette::default();
    type_text(&mut p, &ctx, "quit");
    assert_eq!(items(&p, &ctx)[0].keys, "q ctrl-c");
}

#[test]
fn unavailable_commands_are_listed_last_with_their_reason() {
    // On the live calls pane, nothing selected.
    let ctx = CommandCtx::new(Resource::LiveCalls);
    let p = Palette::default();
    let list = items(&p, &ctx);
    let first_unavailable = list
        .iter()
        .position(|i| i.available.is_err())
        .expect("some are unavailable");
    assert!(
        list[first_unavailable..]
            .iter()
            .all(|i| i.available.is_err()),
        "greyed items come after runnable ones"
    );
    let edit = list.iter().find(|i| i.id == CommandId::TrunkEdit).unwrap();
    assert_eq!(edit.available, Err("only on the Trunks pane".into()));
    let hangup = list.iter().find(|i| i.id == CommandId::Hangup).unwrap();
    assert_eq!(hangup.available, Err("select a call first".into()));

    // In a query too: runnable matches first, greyed ones after, whatever their score.
    let mut p = Palette::default();
    type_text(&mut p, &ctx, "edit");
    let list = items(&p, &ctx);
    let split = list.iter().position(|i| i.available.is_err()).unwrap();
    assert!(
        list[split..].iter().all(|i| i.available.is_err()),
        "{list:?}"
    );
    assert!(list[split..].iter().any(|i| i.id == CommandId::TrunkEdit));
}

#[test]
fn unavailable_commands_cannot_run_and_enter_shows_why() {
    let mut ctx = trunks_ctx();
    ctx.read_only = true;
    let mut p = Palette::default();
    let ev = run(&mut p, &ctx, "edit trunk");
    assert_eq!(
        ev,
        PaletteEvent::Refused(format!("Edit trunk: {READ_ONLY_REASON}"))
    );
    assert_eq!(
        p.notice.as_deref(),
        Some(format!("Edit trunk: {READ_ONLY_REASON}").as_str())
    );
    assert!(p.history.is_empty(), "refused commands are not remembered");
    // The line is kept so the operator can see what they typed.
    assert_eq!(p.input.value(), "edit trunk");

    // A provider without the action.
    let ctx = CommandCtx {
        selected_caps: Some(Capabilities::new()),
        provider_name: Some("iovox-uk"),
        ..trunks_ctx()
    };
    let mut p = Palette::default();
    assert_eq!(
        run(&mut p, &ctx, "trunk.delete"),
        PaletteEvent::Refused("Delete trunk: not offered by iovox-uk".into())
    );
}

#[test]
fn enter_runs_the_selected_command() {
    let ctx = trunks_ctx();
    let mut p = Palette::default();
    assert_eq!(
        run(&mut p, &ctx, "trk ed"),
        PaletteEvent::Run(CommandId::TrunkEdit, String::new())
    );
    // The line is cleared for next time and remembered canonically.
    assert_eq!(p.input.value(), "");
    assert_eq!(p.history, vec!["trunk.edit"]);
}

#[test]
fn arrows_move_the_selection() {
    let ctx = trunks_ctx();
    let mut p = Palette::default();
    type_text(&mut p, &ctx, "trunk");
    let list = items(&p, &ctx);
    assert!(list.len() >= 3);
    p.handle_key(&key(KeyCode::Down), &list);
    p.handle_key(&key(KeyCode::Down), &list);
    assert_eq!(p.selected, 2);
    p.handle_key(&key(KeyCode::Up), &list);
    assert_eq!(p.selected, 1);
    let want = list[1].id;
    assert_eq!(
        p.handle_key(&key(KeyCode::Enter), &list),
        PaletteEvent::Run(want, String::new())
    );
    // Down stops at the end.
    let mut p = Palette::default();
    type_text(&mut p, &ctx, "trunk");
    let list = items(&p, &ctx);
    for _ in 0..50 {
        p.handle_key(&key(KeyCode::Down), &list);
    }
    assert_eq!(p.selected, list.len() - 1);
}

#[test]
fn esc_closes_and_backspace_on_empty_closes() {
    let ctx = trunks_ctx();
    let mut p = Palette::default();
    type_text(&mut p, &ctx, "x");
    let list = items(&p, &ctx);
    assert_eq!(
        p.handle_key(&key(KeyCode::Backspace), &list),
        PaletteEvent::None
    );
    assert_eq!(
        p.handle_key(&key(KeyCode::Backspace), &list),
        PaletteEvent::Close
    );
    assert_eq!(p.handle_key(&key(KeyCode::Esc), &list), PaletteEvent::Close);
}

#[test]
fn args_are_passed_through() {
    let ctx = CommandCtx {
        focus: Resource::LiveCalls,
        ..trunks_ctx()
    };
    let mut p = Palette::default();
    assert_eq!(
        run(&mut p, &ctx, "call +441234567890"),
        PaletteEvent::Run(CommandId::Call, "+441234567890".into())
    );
    assert_eq!(
        run(&mut p, &ctx, "scope cx-demo"),
        PaletteEvent::Run(CommandId::Scope, "cx-demo".into())
    );
    // A leading `:` typed again and extra spaces are ignored.
    assert_eq!(
        run(&mut p, &ctx, ":scope   cx-demo/acme.example  "),
        PaletteEvent::Run(CommandId::Scope, "cx-demo/acme.example".into())
    );
    // An abbreviated first word still takes arguments.
    assert_eq!(
        run(&mut p, &ctx, "cal +442079460000"),
        PaletteEvent::Run(CommandId::Call, "+442079460000".into())
    );
    assert_eq!(
        p.history,
        vec![
            "call +442079460000",
            "scope cx-demo/acme.example",
            "scope cx-demo",
            "call +441234567890"
        ]
    );
}

#[test]
fn an_exact_name_is_pinned_first_even_when_unavailable() {
    let ctx = CommandCtx::new(Resource::Trunks);
    let mut p = Palette::default();
    type_text(&mut p, &ctx, "hangup");
    let list = items(&p, &ctx);
    assert_eq!(list[0].id, CommandId::Hangup);
    assert!(list[0].exact);
    assert_eq!(
        p.handle_key(&key(KeyCode::Enter), &list),
        PaletteEvent::Refused("Hang up call: only on the Live calls pane".into())
    );
}

#[test]
fn write_and_read_only_are_exact_names() {
    let mut ctx = trunks_ctx();
    ctx.read_only = true;
    let mut p = Palette::default();
    assert_eq!(
        run(&mut p, &ctx, "write"),
        PaletteEvent::Run(CommandId::ToggleReadOnly, "write".into())
    );
    assert_eq!(
        run(&mut p, &ctx, ":read-only"),
        PaletteEvent::Run(CommandId::ToggleReadOnly, "read-only".into())
    );
    assert_eq!(
        run(&mut p, &ctx, "WRITE"),
        PaletteEvent::Run(CommandId::ToggleReadOnly, "write".into())
    );
    // Picked by its name: a toggle.
    assert_eq!(
        run(&mut p, &ctx, "write-mode"),
        PaletteEvent::Run(CommandId::ToggleReadOnly, String::new())
    );
    assert_eq!(p.history[..3], ["write-mode", "write", "read-only"]);
}

#[test]
fn enter_with_no_match_says_so() {
    let ctx = trunks_ctx();
    let mut p = Palette::default();
    assert_eq!(
        run(&mut p, &ctx, "frobnicate"),
        PaletteEvent::Refused("no command matches \"frobnicate\"".into())
    );
    let mut p = Palette::default();
    let list = items(&p, &ctx);
    assert!(!list.is_empty());
    // Enter on an empty line runs the first (recent or table order) command; Esc is the
    // way out, so check the first item is harmless.
    assert_eq!(list[0].id, CommandId::Pane(Resource::Accounts));
    p.open();
    assert_eq!(p.handle_key(&key(KeyCode::Esc), &list), PaletteEvent::Close);
}

#[test]
fn empty_input_lists_recent_commands_first() {
    let ctx = trunks_ctx();
    let mut p = Palette::default();
    run(&mut p, &ctx, "audit");
    run(&mut p, &ctx, "trk ed");
    run(&mut p, &ctx, "refresh");
    run(&mut p, &ctx, "audit");
    p.open();
    let list = items(&p, &ctx);
    let ids: Vec<CommandId> = list.iter().take(3).map(|i| i.id).collect();
    assert_eq!(
        ids,
        vec![CommandId::Audit, CommandId::Refresh, CommandId::TrunkEdit]
    );
    assert!(list[..3].iter().all(|i| i.recent));
    assert!(!list[3].recent);
    // Then every palette command, each once.
    let n = COMMANDS.iter().filter(|c| c.in_palette()).count();
    assert_eq!(list.len(), n);
}

#[test]
fn history_is_most_recent_first_without_duplicates_and_capped() {
    let mut p = Palette::default();
    p.remember("audit");
    p.remember("call +44");
    p.remember("audit");
    assert_eq!(p.history, vec!["audit", "call +44"]);
    for i in 0..(HISTORY_CAP + 10) {
        p.remember(&format!("call +44{i}"));
    }
    assert_eq!(p.history.len(), HISTORY_CAP);
    assert_eq!(p.history[0], format!("call +44{}", HISTORY_CAP + 9));
}

#[test]
fn up_on_empty_input_recalls_history() {
    let ctx = CommandCtx {
        focus: Resource::LiveCalls,
        ..trunks_ctx()
    };
    let mut p = Palette::default();
    run(&mut p, &ctx, "call +441234567890");
    run(&mut p, &ctx, "scope cx-demo");
    run(&mut p, &ctx, "refresh");
    p.open();
    let up = key(KeyCode::Up);
    let down = key(KeyCode::Down);
    p.handle_key(&up, &items(&p, &ctx));
    assert_eq!(p.input.value(), "refresh");
    p.handle_key(&up, &items(&p, &ctx));
    assert_eq!(p.input.value(), "scope cx-demo");
    p.handle_key(&up, &items(&p, &ctx));
    assert_eq!(p.input.value(), "call +441234567890");
    // Stops at the oldest.
    p.handle_key(&up, &items(&p, &ctx));
    assert_eq!(p.input.value(), "call +441234567890");
    p.handle_key(&down, &items(&p, &ctx));
    assert_eq!(p.input.value(), "scope cx-demo");
    // Enter re-runs the recalled line, args included, and moves it to the front.
    let list = items(&p, &ctx);
    assert_eq!(
        p.handle_key(&key(KeyCode::Enter), &list),
        PaletteEvent::Run(CommandId::Scope, "cx-demo".into())
    );
    assert_eq!(
        p.history,
        vec!["scope cx-demo", "refresh", "call +441234567890"]
    );
    // Down past the newest clears the line.
    p.handle_key(&up, &items(&p, &ctx));
    p.handle_key(&down, &items(&p, &ctx));
    assert_eq!(p.input.value(), "");
}

#[test]
fn typing_after_recall_edits_the_line() {
    let ctx = CommandCtx {
        focus: Resource::LiveCalls,
        ..trunks_ctx()
    };
    let mut p = Palette::default();
    run(&mut p, &ctx, "call +4412");
    p.open();
    p.handle_key(&key(KeyCode::Up), &items(&p, &ctx));
    type_text(&mut p, &ctx, "3");
    assert_eq!(p.input.value(), "call +44123");
    // Up now moves the selection, not history.
    p.handle_key(&key(KeyCode::Up), &items(&p, &ctx));
    assert_eq!(p.input.value(), "call +44123");
    let list = items(&p, &ctx);
    assert_eq!(
        p.handle_key(&key(KeyCode::Enter), &list),
        PaletteEvent::Run(CommandId::Call, "+44123".into())
    );
}

#[test]
fn tab_completes_the_selected_name() {
    let ctx = trunks_ctx();
    let mut p = Palette::default();
    type_text(&mut p, &ctx, "scop");
    let list = items(&p, &ctx);
    p.handle_key(&key(KeyCode::Tab), &list);
    assert_eq!(p.input.value(), "scope ");
    type_text(&mut p, &ctx, "all");
    let list = items(&p, &ctx);
    assert_eq!(
        p.handle_key(&key(KeyCode::Enter), &list),
        PaletteEvent::Run(CommandId::Scope, "all".into())
    );
}

#[test]
fn paste_inserts_text() {
    let ctx = CommandCtx {
        focus: Resource::LiveCalls,
        ..trunks_ctx()
    };
    let mut p = Palette::default();
    p.paste("call +44 20 7946 0000\n");
    assert_eq!(p.input.value(), "call +44 20 7946 0000");
    let list = items(&p, &ctx);
    assert_eq!(
        p.handle_key(&key(KeyCode::Enter), &list),
        PaletteEvent::Run(CommandId::Call, "+44 20 7946 0000".into())
    );
}
