//! The effective keymap: the command table's default keys with the user's `[keys]`
//! overrides applied, conflicts found and resolved at load time.
//!
//! A binding is a key plus the panes where it applies (the command's `panes`; empty means
//! every pane), so `e` can be `trunk.edit` on Trunks and `number.edit` on Numbers. An
//! override replaces all of a command's default keys; an empty list unbinds it.
//!
//! When two commands share a key on a pane, the one earlier in [`COMMANDS`] wins there,
//! and a [`KeyConflict`] says so. Binding tmux's prefix keys (`ctrl-b`, and the popular
//! `ctrl-a`) is reported too: inside tmux the console never sees them.
//!
//! Key syntax: a single character (`q`, `G`, `/`, `:`), or a name: `enter`, `esc`, `tab`,
//! `backtab`, `space`, `backspace`, `delete`, `insert`, `up`, `down`, `left`, `right`,
//! `pgup`, `pgdn`, `home`, `end`, `f1`..`f12`; optionally after `ctrl-`, `alt-`,
//! `shift-` (`ctrl-x`, `alt-enter`, `shift-tab`). Names and modifiers may be written in
//! any case; single characters are case-sensitive (`G` is shift-g).

use std::collections::BTreeMap;
use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::command::{COMMANDS, Command, CommandId, panes_text};
use crate::model::Resource;

/// Every pane, as a bit mask over `Resource as u8`.
const ALL_PANES: u8 = (1 << Resource::ALL.len()) - 1;

fn pane_mask(panes: &[Resource]) -> u8 {
    if panes.is_empty() {
        ALL_PANES
    } else {
        panes.iter().fold(0, |m, r| m | (1 << (*r as u8)))
    }
}

fn mask_panes(mask: u8) -> Vec<Resource> {
    if mask == ALL_PANES {
        return Vec::new();
    }
    Resource::ALL
        .iter()
        .copied()
        .filter(|r| mask & (1 << (*r as u8)) != 0)
        .collect()
}

const KEY_SYNTAX: &str = "keys look like q, G, ctrl-x, alt-x, shift-tab, pgdn, f1, space";

/// Parses one key spec into crossterm's code and modifiers, normalised the way
/// [`normalize_event`] normalises events. The error says what is wrong.
pub fn parse_key_spec(spec: &str) -> Result<(KeyCode, KeyModifiers), String> {
    if spec.trim().is_empty() {
        return Err("is empty".to_string());
    }
    if spec != spec.trim() {
        return Err(format!(
            "\"{spec}\" has spaces around it (write space for the space bar)"
        ));
    }
    let mut mods = KeyModifiers::NONE;
    let mut rest = spec;
    loop {
        let lower = rest.to_ascii_lowercase();
        let (m, len) = if lower.starts_with("ctrl-") {
            (KeyModifiers::CONTROL, 5)
        } else if lower.starts_with("alt-") {
            (KeyModifiers::ALT, 4)
        } else if lower.starts_with("shift-") {
            (KeyModifiers::SHIFT, 6)
        } else {
            break;
        };
        if rest.len() == len {
            return Err(format!(
                "\"{spec}\" has no key after the modifier ({KEY_SYNTAX})"
            ));
        }
        mods |= m;
        rest = &rest[len..];
    }
    if rest.is_empty() {
        return Err(format!(
            "\"{spec}\" has no key after the modifier ({KEY_SYNTAX})"
        ));
    }
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        (Some(c), None) => KeyCode::Char(c),
        _ => match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" if mods.contains(KeyModifiers::SHIFT) => {
                mods -= KeyModifiers::SHIFT;
                KeyCode::BackTab
            }
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" | "ins" => KeyCode::Insert,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            f if f.len() > 1
                && f.starts_with('f')
                && f[1..].bytes().all(|b| b.is_ascii_digit()) =>
            {
                match f[1..].parse::<u8>() {
                    Ok(n @ 1..=12) => KeyCode::F(n),
                    _ => {
                        return Err(format!(
                            "unknown key \"{spec}\" (function keys are f1..f12)"
                        ));
                    }
                }
            }
            _ => return Err(format!("unknown key \"{spec}\" ({KEY_SYNTAX})")),
        },
    };
    Ok(normalize(code, mods))
}

/// Shift on a character is part of the character (`shift-g` is `G`); shift on back-tab is
/// implied.
fn normalize(code: KeyCode, mut mods: KeyModifiers) -> (KeyCode, KeyModifiers) {
    let code = match code {
        KeyCode::Char(c) if mods.contains(KeyModifiers::SHIFT) => {
            mods -= KeyModifiers::SHIFT;
            KeyCode::Char(c.to_ascii_uppercase())
        }
        KeyCode::BackTab => {
            mods -= KeyModifiers::SHIFT;
            KeyCode::BackTab
        }
        other => other,
    };
    (code, mods)
}

/// A key event as the keymap compares it. Terminals report `G` as `G` with or without
/// SHIFT, and back-tab with SHIFT; both are folded away. Only ctrl, alt and shift count.
pub fn normalize_event(key: &KeyEvent) -> (KeyCode, KeyModifiers) {
    let mods = key.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
    match key.code {
        KeyCode::Char(c) => (KeyCode::Char(c), mods - KeyModifiers::SHIFT),
        code => normalize(code, mods),
    }
}

/// The canonical spelling of a parsed key (`ctrl-x`, `shift-tab`, `pgdn`, `f5`, `space`).
pub fn key_name(code: KeyCode, mods: KeyModifiers) -> String {
    let mut s = String::new();
    if mods.contains(KeyModifiers::CONTROL) {
        s.push_str("ctrl-");
    }
    if mods.contains(KeyModifiers::ALT) {
        s.push_str("alt-");
    }
    if mods.contains(KeyModifiers::SHIFT) {
        s.push_str("shift-");
    }
    match code {
        KeyCode::Char(' ') => s.push_str("space"),
        KeyCode::Char(c) => s.push(c),
        KeyCode::Enter => s.push_str("enter"),
        KeyCode::Esc => s.push_str("esc"),
        KeyCode::Tab => s.push_str("tab"),
        KeyCode::BackTab => s.push_str("shift-tab"),
        KeyCode::Backspace => s.push_str("backspace"),
        KeyCode::Delete => s.push_str("delete"),
        KeyCode::Insert => s.push_str("insert"),
        KeyCode::Up => s.push_str("up"),
        KeyCode::Down => s.push_str("down"),
        KeyCode::Left => s.push_str("left"),
        KeyCode::Right => s.push_str("right"),
        KeyCode::PageUp => s.push_str("pgup"),
        KeyCode::PageDown => s.push_str("pgdn"),
        KeyCode::Home => s.push_str("home"),
        KeyCode::End => s.push_str("end"),
        KeyCode::F(n) => s.push_str(&format!("f{n}")),
        other => s.push_str(&format!("{other:?}").to_ascii_lowercase()),
    }
    s
}

/// A configuration problem with the `[keys]` overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeymapError {
    /// No command has this name; `hint` is the closest name, if any is close.
    UnknownCommand {
        name: String,
        hint: Option<&'static str>,
    },
    /// A key spec that does not parse.
    BadKey {
        command: String,
        key: String,
        reason: String,
    },
}

impl fmt::Display for KeymapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeymapError::UnknownCommand { name, hint } => {
                write!(f, "unknown command `{name}` in [keys]")?;
                match hint {
                    Some(h) => write!(f, "; did you mean `{h}`?"),
                    None => write!(f, " (command names are listed in the ? help)"),
                }
            }
            KeymapError::BadKey {
                command,
                key: _,
                reason,
            } => write!(f, "key for `{command}`: {reason}"),
        }
    }
}

impl std::error::Error for KeymapError {}

/// The command named `name` for the `[keys]` table, or an error with a suggestion.
pub fn lookup_command(name: &str) -> Result<&'static Command, KeymapError> {
    if let Some(c) = crate::command::by_name(name) {
        return Ok(c);
    }
    let lower = name.to_ascii_lowercase();
    let hint = crate::command::by_name(&lower)
        .or_else(|| crate::command::by_word(&lower))
        .map(|c| c.name)
        .or_else(|| crate::format::closest(&lower, COMMANDS.iter().map(|c| c.name), str::to_owned));
    Err(KeymapError::UnknownCommand {
        name: name.to_string(),
        hint,
    })
}

/// One key of one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyBinding {
    pub command: CommandId,
    /// The command's config name.
    pub name: &'static str,
    /// Canonical key spelling.
    pub key: String,
    pub code: KeyCode,
    pub mods: KeyModifiers,
    /// Panes where the binding applies (empty = every pane).
    pub panes: &'static [Resource],
    /// Set from the user's `[keys]` rather than the defaults.
    pub user: bool,
    /// Panes (mask) where an earlier command took the key; the binding is dead there.
    shadowed: u8,
}

impl KeyBinding {
    /// True when an earlier command owns this key on every pane this binding covers.
    pub fn is_shadowed(&self) -> bool {
        self.shadowed == pane_mask(self.panes)
    }

    /// Whether this binding runs its command on `focus`.
    pub fn active_in(&self, focus: Resource) -> bool {
        let bit = 1 << (focus as u8);
        pane_mask(self.panes) & bit != 0 && self.shadowed & bit == 0
    }
}

/// What kind of finding a [`KeyConflict`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictKind {
    /// Two commands on one key on overlapping panes; the first in table order wins.
    Clash,
    /// A tmux prefix key (`ctrl-b`, `ctrl-a`): tmux swallows it.
    TmuxPrefix,
}

/// A key conflict or a risky binding, found when the keymap is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyConflict {
    /// Canonical key spelling.
    pub key: String,
    /// Command names involved; for a clash, the winner first.
    pub commands: Vec<&'static str>,
    /// Where the clash happens (empty = every pane).
    pub panes: Vec<Resource>,
    pub kind: ConflictKind,
    /// A sentence for the config warnings and the help overlay.
    pub message: String,
}

impl fmt::Display for KeyConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The effective keymap. Build it with [`Keymap::new`]; `Keymap::default()` has the
/// table's default keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<KeyBinding>,
    conflicts: Vec<KeyConflict>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::new(&BTreeMap::new())
            .expect("the default keys parse")
            .0
    }
}

impl Keymap {
    /// Defaults from [`COMMANDS`] with `overrides` (command name → keys) applied: a listed
    /// command gets exactly the listed keys (none when the list is empty). Returns the
    /// keymap and the conflicts found (also kept in the keymap for the help overlay).
    /// Unknown command names and unparsable keys are errors naming them.
    pub fn new(
        overrides: &BTreeMap<String, Vec<String>>,
    ) -> Result<(Keymap, Vec<KeyConflict>), KeymapError> {
        // Validate everything first, in name order, so the error is deterministic.
        for (name, keys) in overrides {
            lookup_command(name)?;
            for k in keys {
                parse_key_spec(k).map_err(|reason| KeymapError::BadKey {
                    command: name.clone(),
                    key: k.clone(),
                    reason,
                })?;
            }
        }
        let mut bindings: Vec<KeyBinding> = Vec::new();
        for cmd in COMMANDS.iter() {
            let (specs, user): (Vec<&str>, bool) = match overrides.get(cmd.name) {
                Some(keys) => (keys.iter().map(String::as_str).collect(), true),
                None => (cmd.keys.to_vec(), false),
            };
            for spec in specs {
                let (code, mods) = parse_key_spec(spec).map_err(|reason| KeymapError::BadKey {
                    command: cmd.name.to_string(),
                    key: spec.to_string(),
                    reason,
                })?;
                // The same key twice for one command is one binding.
                if bindings
                    .iter()
                    .any(|b| b.command == cmd.id && b.code == code && b.mods == mods)
                {
                    continue;
                }
                bindings.push(KeyBinding {
                    command: cmd.id,
                    name: cmd.name,
                    key: key_name(code, mods),
                    code,
                    mods,
                    panes: cmd.panes,
                    user,
                    shadowed: 0,
                });
            }
        }

        let mut conflicts = Vec::new();
        for j in 0..bindings.len() {
            let mask_j = pane_mask(bindings[j].panes);
            let mut shadowed = 0;
            for i in 0..j {
                let (a, b) = (&bindings[i], &bindings[j]);
                if a.command == b.command || a.code != b.code || a.mods != b.mods {
                    continue;
                }
                // Only against the binding that owns the key there, not one it beat.
                let overlap = pane_mask(a.panes) & !a.shadowed & mask_j;
                if overlap == 0 {
                    continue;
                }
                shadowed |= overlap;
                let panes = mask_panes(overlap);
                let message = format!(
                    "`{}` is bound to both `{}` and `{}` on {}: `{}` wins; change one in [keys]",
                    b.key,
                    a.name,
                    b.name,
                    panes_text(&panes),
                    a.name
                );
                let pair = vec![a.name, b.name];
                if !conflicts
                    .iter()
                    .any(|c: &KeyConflict| c.key == b.key && c.commands == pair)
                {
                    conflicts.push(KeyConflict {
                        key: b.key.clone(),
                        commands: pair,
                        panes,
                        kind: ConflictKind::Clash,
                        message,
                    });
                }
            }
            bindings[j].shadowed = shadowed;
        }
        for b in bindings.iter().filter(|b| b.user) {
            if b.mods == KeyModifiers::CONTROL
                && matches!(b.code, KeyCode::Char('a') | KeyCode::Char('b'))
            {
                let which = if b.code == KeyCode::Char('b') {
                    "tmux's default prefix"
                } else {
                    "a common tmux/screen prefix"
                };
                conflicts.push(KeyConflict {
                    key: b.key.clone(),
                    commands: vec![b.name],
                    panes: mask_panes(pane_mask(b.panes)),
                    kind: ConflictKind::TmuxPrefix,
                    message: format!(
                        "`{}` (bound to `{}`) is {which}: inside tmux the console may never \
                         see it; pick another key",
                        b.key, b.name
                    ),
                });
            }
        }
        let keymap = Keymap {
            bindings,
            conflicts: conflicts.clone(),
        };
        Ok((keymap, conflicts))
    }

    /// The command `key` runs on the pane `focus`.
    pub fn command_for(&self, key: &KeyEvent, focus: Resource) -> Option<CommandId> {
        let (code, mods) = normalize_event(key);
        self.bindings
            .iter()
            .find(|b| b.code == code && b.mods == mods && b.active_in(focus))
            .map(|b| b.command)
    }

    /// The keys that run `id` on at least one pane, canonical spelling, in binding order
    /// (for hints and help). Empty when unbound or every key lost a conflict.
    pub fn keys_for(&self, id: CommandId) -> Vec<String> {
        self.bindings
            .iter()
            .filter(|b| b.command == id && !b.is_shadowed())
            .map(|b| b.key.clone())
            .collect()
    }

    /// The first effective key of `id`, for one-key hints.
    pub fn first_key(&self, id: CommandId) -> Option<String> {
        self.keys_for(id).into_iter().next()
    }

    /// Every binding in table order, including shadowed ones.
    pub fn bindings(&self) -> &[KeyBinding] {
        &self.bindings
    }

    /// The conflicts and warnings found when the keymap was built.
    pub fn conflicts(&self) -> &[KeyConflict] {
        &self.conflicts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    /// What a key runs with the default keymap, on the live-calls pane.
    fn command_for(key: &KeyEvent) -> Option<CommandId> {
        Keymap::default().command_for(key, Resource::LiveCalls)
    }

    #[test]
    fn default_keys_resolve() {
        assert_eq!(
            command_for(&key(KeyCode::Char('q'), KeyModifiers::NONE)),
            Some(CommandId::Quit)
        );
        assert_eq!(
            command_for(&key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(CommandId::Quit)
        );
        assert_eq!(
            command_for(&key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(CommandId::Bottom)
        );
        assert_eq!(
            command_for(&key(KeyCode::Char('g'), KeyModifiers::NONE)),
            Some(CommandId::Top)
        );
        assert_eq!(
            command_for(&key(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(CommandId::PrevPane)
        );
        assert_eq!(
            command_for(&key(KeyCode::Char('4'), KeyModifiers::NONE)),
            Some(CommandId::Pane(Resource::Trunks))
        );
        assert_eq!(
            command_for(&key(KeyCode::Char('x'), KeyModifiers::NONE)),
            None
        );
        // Pane-scoped keys are not global.
        assert_eq!(
            command_for(&key(KeyCode::Char('e'), KeyModifiers::NONE)),
            None
        );
    }

    #[test]
    fn specs_round_trip() {
        for spec in [
            "q",
            "G",
            "ctrl-x",
            "alt-x",
            "shift-tab",
            "pgdn",
            "f1",
            "f12",
            "space",
            ":",
            "ctrl--",
            "alt-enter",
            "esc",
        ] {
            let (c, m) = parse_key_spec(spec).unwrap();
            assert_eq!(key_name(c, m), spec, "{spec}");
        }
        assert_eq!(parse_key_spec("shift-g"), parse_key_spec("G"));
        assert_eq!(parse_key_spec("Ctrl-X"), parse_key_spec("ctrl-X"));
        assert_eq!(parse_key_spec("PgDn"), parse_key_spec("pgdn"));
        assert!(parse_key_spec("f13").is_err());
        assert!(parse_key_spec("ctrl-").is_err());
        assert!(parse_key_spec("").is_err());
        assert!(parse_key_spec("hyper-x").is_err());
    }
}
