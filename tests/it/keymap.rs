//! The keymap: defaults from the command table, `[keys]` overrides, conflicts, errors,
//! and the safety rules for destructive commands and tmux prefix keys.

use std::collections::BTreeMap;
use std::path::Path;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use switchboard::command::{COMMANDS, CommandId, Confirm, by_id};
use switchboard::config;
use switchboard::keymap::{ConflictKind, Keymap, KeymapError, parse_key_spec};
use switchboard::model::Resource;

const PATH: &str = "/home/noc/.config/switchboard/config.toml";

fn ch(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn overrides(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    pairs
        .iter()
        .map(|(n, ks)| (n.to_string(), ks.iter().map(|k| k.to_string()).collect()))
        .collect()
}

fn build(pairs: &[(&str, &[&str])]) -> (Keymap, Vec<switchboard::keymap::KeyConflict>) {
    Keymap::new(&overrides(pairs)).expect("valid overrides")
}

#[test]
fn defaults_have_no_conflicts_and_every_key_parses() {
    let (_, conflicts) = Keymap::new(&BTreeMap::new()).unwrap();
    assert!(conflicts.is_empty(), "{conflicts:?}");
    for c in COMMANDS.iter() {
        for k in c.keys {
            assert!(parse_key_spec(k).is_ok(), "{}: {k}", c.name);
        }
    }
}

#[test]
fn default_keys_resolve_per_pane() {
    let km = Keymap::default();
    assert_eq!(
        km.command_for(&ch('e'), Resource::Trunks),
        Some(CommandId::TrunkEdit)
    );
    assert_eq!(
        km.command_for(&ch('e'), Resource::Numbers),
        Some(CommandId::NumberEdit)
    );
    assert_eq!(km.command_for(&ch('e'), Resource::LiveCalls), None);
    assert_eq!(
        km.command_for(&ch('d'), Resource::Trunks),
        Some(CommandId::TrunkDelete)
    );
    assert_eq!(km.command_for(&ch('d'), Resource::Numbers), None);
    assert_eq!(
        km.command_for(&ch('t'), Resource::Numbers),
        Some(CommandId::NumberToggle)
    );
    assert_eq!(
        km.command_for(&ch(':'), Resource::Queues),
        Some(CommandId::Palette)
    );
    assert_eq!(
        km.command_for(&ctrl('p'), Resource::Accounts),
        Some(CommandId::Palette)
    );
    assert_eq!(
        km.command_for(&ch('q'), Resource::Trunks),
        Some(CommandId::Quit)
    );
    assert_eq!(
        km.command_for(
            &KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT),
            Resource::Trunks
        ),
        Some(CommandId::Bottom)
    );
    assert_eq!(
        km.command_for(
            &KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT),
            Resource::Trunks
        ),
        Some(CommandId::PrevPane)
    );
    assert_eq!(
        km.command_for(&ch('A'), Resource::LiveCalls),
        Some(CommandId::Audit)
    );
    assert_eq!(km.keys_for(CommandId::Palette), vec![":", "ctrl-p"]);
    assert_eq!(
        km.keys_for(CommandId::PrevPane),
        vec!["shift-tab", "h", "left"]
    );
    assert!(km.keys_for(CommandId::Hangup).is_empty());
    assert!(km.keys_for(CommandId::ToggleReadOnly).is_empty());
}

#[test]
fn no_default_binds_a_destructive_command_to_a_single_key() {
    for c in COMMANDS.iter().filter(|c| c.destructive) {
        assert!(
            c.keys.is_empty() || c.confirm == Confirm::Typed,
            "{} is destructive, has default keys {:?} and confirm {:?}",
            c.name,
            c.keys,
            c.confirm
        );
        assert_ne!(c.confirm, Confirm::None, "{} never asks", c.name);
    }
    assert!(by_id(CommandId::Hangup).keys.is_empty());
    assert_eq!(by_id(CommandId::TrunkDelete).confirm, Confirm::Typed);
    // No destructive or mutating command on the keys ux.md §3.1 calls out.
    for c in COMMANDS.iter().filter(|c| c.mutating) {
        for k in c.keys {
            assert!(
                !["ctrl-a", "ctrl-b", "ctrl-d", "ctrl-k"].contains(k),
                "{} on {k}",
                c.name
            );
        }
    }
}

#[test]
fn no_default_uses_a_tmux_prefix() {
    for c in COMMANDS.iter() {
        for k in c.keys {
            assert!(
                !["ctrl-a", "ctrl-b"].contains(k),
                "{} uses the tmux prefix {k}",
                c.name
            );
        }
    }
}

#[test]
fn overrides_replace_the_defaults() {
    let (km, conflicts) = build(&[("trunk.edit", &["E", "f2"]), ("quit", &["ctrl-q"])]);
    assert!(conflicts.is_empty(), "{conflicts:?}");
    assert_eq!(km.command_for(&ch('e'), Resource::Trunks), None);
    assert_eq!(
        km.command_for(&ch('E'), Resource::Trunks),
        Some(CommandId::TrunkEdit)
    );
    assert_eq!(
        km.command_for(
            &KeyEvent::new(KeyCode::F(2), KeyModifiers::NONE),
            Resource::Trunks
        ),
        Some(CommandId::TrunkEdit)
    );
    // Still only on its pane.
    assert_eq!(km.command_for(&ch('E'), Resource::Numbers), None);
    assert_eq!(km.command_for(&ch('q'), Resource::Trunks), None);
    assert_eq!(
        km.command_for(&ctrl('q'), Resource::Trunks),
        Some(CommandId::Quit)
    );
    assert_eq!(km.keys_for(CommandId::TrunkEdit), vec!["E", "f2"]);
    // Number edit keeps its default.
    assert_eq!(
        km.command_for(&ch('e'), Resource::Numbers),
        Some(CommandId::NumberEdit)
    );
}

#[test]
fn an_empty_list_unbinds() {
    let (km, _) = build(&[("refresh", &[])]);
    assert_eq!(km.command_for(&ch('r'), Resource::LiveCalls), None);
    assert!(km.keys_for(CommandId::Refresh).is_empty());
}

#[test]
fn a_user_can_bind_hangup_on_the_live_calls_pane() {
    let (km, conflicts) = build(&[("hangup", &["H"])]);
    assert!(conflicts.is_empty());
    assert_eq!(
        km.command_for(&ch('H'), Resource::LiveCalls),
        Some(CommandId::Hangup)
    );
    assert_eq!(km.command_for(&ch('H'), Resource::Trunks), None);
}

#[test]
fn conflicts_are_reported_with_both_names_and_the_first_wins() {
    // `refresh` comes before `quit` in the table.
    let (km, conflicts) = build(&[("quit", &["r"])]);
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    let c = &conflicts[0];
    assert_eq!(c.kind, ConflictKind::Clash);
    assert_eq!(c.key, "r");
    assert_eq!(c.commands, vec!["refresh", "quit"]);
    assert!(c.panes.is_empty(), "every pane");
    assert!(c.message.contains("`refresh`"), "{}", c.message);
    assert!(c.message.contains("`quit`"), "{}", c.message);
    assert!(c.message.contains("every pane"), "{}", c.message);
    assert_eq!(
        km.command_for(&ch('r'), Resource::LiveCalls),
        Some(CommandId::Refresh)
    );
    // The losing key is not advertised.
    assert!(km.keys_for(CommandId::Quit).is_empty());
    // The keymap keeps them for the help overlay.
    assert_eq!(km.conflicts(), conflicts.as_slice());
}

#[test]
fn a_pane_scoped_conflict_names_the_pane_and_leaves_other_panes_alone() {
    // `copy` (everywhere, earlier) vs `number.toggle` on Numbers.
    let (km, conflicts) = build(&[("number.toggle", &["y"])]);
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].panes, vec![Resource::Numbers]);
    assert!(
        conflicts[0].message.contains("the Numbers pane"),
        "{}",
        conflicts[0].message
    );
    assert_eq!(
        km.command_for(&ch('y'), Resource::Numbers),
        Some(CommandId::Copy)
    );
    // A later global command losing only on one pane still works elsewhere.
    let (km, conflicts) = build(&[("audit", &["e"])]);
    assert_eq!(conflicts.len(), 2, "{conflicts:?}");
    assert_eq!(
        km.command_for(&ch('e'), Resource::Trunks),
        Some(CommandId::TrunkEdit)
    );
    assert_eq!(
        km.command_for(&ch('e'), Resource::Numbers),
        Some(CommandId::NumberEdit)
    );
    assert_eq!(
        km.command_for(&ch('e'), Resource::Queues),
        Some(CommandId::Audit)
    );
    assert_eq!(km.keys_for(CommandId::Audit), vec!["e"]);
}

#[test]
fn conflicts_are_deterministic() {
    let o = overrides(&[("quit", &["r", "s"]), ("help", &["s"])]);
    let a = Keymap::new(&o).unwrap();
    let b = Keymap::new(&o).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.1.len(), 3, "{:?}", a.1);
}

#[test]
fn tmux_prefixes_are_warned_about() {
    let (km, conflicts) = build(&[("row.page-up", &["ctrl-b"]), ("audit", &["ctrl-a"])]);
    let tmux: Vec<_> = conflicts
        .iter()
        .filter(|c| c.kind == ConflictKind::TmuxPrefix)
        .collect();
    assert_eq!(tmux.len(), 2, "{conflicts:?}");
    assert!(tmux.iter().any(|c| c.key == "ctrl-b"
        && c.commands == vec!["row.page-up"]
        && c.message.contains("tmux")));
    assert!(
        tmux.iter()
            .any(|c| c.key == "ctrl-a" && c.commands == vec!["audit"])
    );
    // Still bound: the warning is advice.
    assert_eq!(
        km.command_for(&ctrl('b'), Resource::Trunks),
        Some(CommandId::PageUp)
    );
}

#[test]
fn unknown_command_names_are_errors_naming_them() {
    let e = Keymap::new(&overrides(&[("trunk.edt", &["e"])])).unwrap_err();
    assert_eq!(
        e,
        KeymapError::UnknownCommand {
            name: "trunk.edt".into(),
            hint: Some("trunk.edit")
        }
    );
    assert!(e.to_string().contains("`trunk.edt`"), "{e}");
    assert!(e.to_string().contains("did you mean `trunk.edit`"), "{e}");
    let e = Keymap::new(&overrides(&[("teleport", &["x"])])).unwrap_err();
    assert!(e.to_string().contains("`teleport`"), "{e}");
}

#[test]
fn bad_key_specs_are_errors_naming_them() {
    let e = Keymap::new(&overrides(&[("quit", &["ctrl-"])])).unwrap_err();
    assert!(
        matches!(&e, KeymapError::BadKey { command, key, .. } if command == "quit" && key == "ctrl-"),
        "{e:?}"
    );
    assert!(e.to_string().contains("ctrl-"), "{e}");
    for bad in ["hyper-x", "f13", "", "pgdnn", " q"] {
        let e = Keymap::new(&overrides(&[("quit", &[bad])])).unwrap_err();
        assert!(matches!(e, KeymapError::BadKey { .. }), "{bad}: {e:?}");
    }
}

#[test]
fn key_syntax() {
    for (spec, code, mods) in [
        ("q", KeyCode::Char('q'), KeyModifiers::NONE),
        ("G", KeyCode::Char('G'), KeyModifiers::NONE),
        ("shift-g", KeyCode::Char('G'), KeyModifiers::NONE),
        ("ctrl-x", KeyCode::Char('x'), KeyModifiers::CONTROL),
        ("alt-x", KeyCode::Char('x'), KeyModifiers::ALT),
        ("shift-tab", KeyCode::BackTab, KeyModifiers::NONE),
        ("pgdn", KeyCode::PageDown, KeyModifiers::NONE),
        ("f1", KeyCode::F(1), KeyModifiers::NONE),
        ("F12", KeyCode::F(12), KeyModifiers::NONE),
        ("space", KeyCode::Char(' '), KeyModifiers::NONE),
        ("ctrl-space", KeyCode::Char(' '), KeyModifiers::CONTROL),
        ("Enter", KeyCode::Enter, KeyModifiers::NONE),
        ("backspace", KeyCode::Backspace, KeyModifiers::NONE),
    ] {
        assert_eq!(parse_key_spec(spec), Ok((code, mods)), "{spec}");
    }
}

// -------------------------------------------------------------- config [keys]

fn parse(text: &str) -> Result<config::Loaded, config::ConfigError> {
    config::parse(text, Path::new(PATH))
}

#[test]
fn config_keys_table_is_read() {
    let l = parse(
        "[keys]\n\"trunk.edit\" = \"E\"\nrefresh = []\n\"row.page-up\" = [\"pgup\", \"ctrl-u\"]\n",
    )
    .unwrap();
    assert_eq!(l.config.keys["trunk.edit"], vec!["E"]);
    assert!(l.config.keys["refresh"].is_empty());
    assert_eq!(l.config.keys["row.page-up"], vec!["pgup", "ctrl-u"]);
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    let (km, _) = Keymap::new(&l.config.keys).unwrap();
    assert_eq!(
        km.command_for(&ch('E'), Resource::Trunks),
        Some(CommandId::TrunkEdit)
    );
}

#[test]
fn config_bare_dotted_names_work() {
    let l = parse("[keys]\ntrunk.edit = \"E\"\nnumber.toggle = [\"T\"]\n").unwrap();
    assert_eq!(l.config.keys["trunk.edit"], vec!["E"]);
    assert_eq!(l.config.keys["number.toggle"], vec!["T"]);
}

#[test]
fn config_without_keys_has_an_empty_map() {
    assert!(
        parse("[ui]\ntheme = \"mono\"\n")
            .unwrap()
            .config
            .keys
            .is_empty()
    );
}

#[test]
fn config_unknown_command_names_the_line() {
    let e = parse("[ui]\ntheme = \"mono\"\n\n[keys]\nquit = \"q\"\n\"trunk.edt\" = \"e\"\n")
        .unwrap_err();
    assert_eq!(e.line, Some(6), "{e}");
    assert_eq!(e.key.as_deref(), Some("keys.trunk.edt"));
    assert_eq!(
        e.to_string(),
        format!(
            "config error: {PATH} line 6, key `keys.trunk.edt`: unknown command `trunk.edt` in \
             [keys]; did you mean `trunk.edit`?"
        )
    );
}

#[test]
fn config_bad_key_names_the_line() {
    let e = parse("[keys]\nquit = \"q\"\nhelp = [\"?\",\n  \"hyper-h\"]\n").unwrap_err();
    assert_eq!(e.line, Some(4), "{e}");
    assert_eq!(e.key.as_deref(), Some("keys.help"));
    assert!(e.to_string().contains("hyper-h"), "{e}");

    let e = parse("[keys]\nquit = \"\"\n").unwrap_err();
    assert_eq!(e.line, Some(2));
    assert!(e.to_string().contains("use [] to unbind"), "{e}");

    let e = parse("[keys]\nquit = 5\n").unwrap_err();
    assert_eq!(e.line, Some(2));
    assert!(e.to_string().contains("found an integer"), "{e}");

    let e = parse("keys = \"q\"\n").unwrap_err();
    assert_eq!(e.line, Some(1));
    assert_eq!(e.key.as_deref(), Some("keys"));
}

#[test]
fn config_conflicts_are_warnings_naming_the_line() {
    let l = parse("[keys]\nhelp = \"?\"\nquit = [\"q\", \"r\"]\n\"row.page-up\" = \"ctrl-b\"\n")
        .unwrap();
    assert_eq!(l.warnings.len(), 2, "{:?}", l.warnings);
    assert!(
        l.warnings[0].starts_with(&format!("{PATH} line 3: [keys]:")),
        "{}",
        l.warnings[0]
    );
    assert!(l.warnings[0].contains("`refresh`") && l.warnings[0].contains("`quit`"));
    assert!(
        l.warnings[1].starts_with(&format!("{PATH} line 4:")) && l.warnings[1].contains("tmux"),
        "{}",
        l.warnings[1]
    );
}
