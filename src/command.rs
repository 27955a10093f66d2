//! The command table: one entry per operator command with its default keys and help text.
//! The keymap and the `?` help are both generated from it.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::model::Resource;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandId {
    Quit,
    Help,
    NextPane,
    PrevPane,
    Pane(Resource),
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Filter,
    SortNext,
    SortReverse,
    Details,
    Close,
    Refresh,
}

pub struct Command {
    pub id: CommandId,
    /// Stable name (for config and the palette).
    pub name: &'static str,
    /// Default keys, in the keymap syntax (`q`, `ctrl-c`, `pgdn`, `shift-tab` …).
    pub keys: &'static [&'static str],
    pub description: &'static str,
}

pub static COMMANDS: &[Command] = &[
    Command { id: CommandId::Pane(Resource::Accounts), name: "pane.accounts", keys: &["1"], description: "Accounts tree" },
    Command { id: CommandId::Pane(Resource::LiveCalls), name: "pane.live", keys: &["2"], description: "Live calls" },
    Command { id: CommandId::Pane(Resource::CallHistory), name: "pane.history", keys: &["3"], description: "Call history" },
    Command { id: CommandId::Pane(Resource::Trunks), name: "pane.trunks", keys: &["4"], description: "Trunks" },
    Command { id: CommandId::Pane(Resource::Numbers), name: "pane.numbers", keys: &["5"], description: "Numbers" },
    Command { id: CommandId::Pane(Resource::Queues), name: "pane.queues", keys: &["6"], description: "Queue / ring-group stats" },
    Command { id: CommandId::NextPane, name: "pane.next", keys: &["tab", "l", "right"], description: "Next pane" },
    Command { id: CommandId::PrevPane, name: "pane.prev", keys: &["shift-tab", "h", "left"], description: "Previous pane" },
    Command { id: CommandId::Down, name: "row.down", keys: &["j", "down"], description: "Next row" },
    Command { id: CommandId::Up, name: "row.up", keys: &["k", "up"], description: "Previous row" },
    Command { id: CommandId::PageDown, name: "row.page-down", keys: &["pgdn", "ctrl-f"], description: "Page down" },
    Command { id: CommandId::PageUp, name: "row.page-up", keys: &["pgup", "ctrl-b"], description: "Page up" },
    Command { id: CommandId::Top, name: "row.first", keys: &["g", "home"], description: "First row" },
    Command { id: CommandId::Bottom, name: "row.last", keys: &["G", "end"], description: "Last row" },
    Command { id: CommandId::Details, name: "row.details", keys: &["enter"], description: "Details of the selected row" },
    Command { id: CommandId::Filter, name: "filter", keys: &["/"], description: "Filter rows (Enter keeps, Esc clears)" },
    Command { id: CommandId::SortNext, name: "sort.next", keys: &["s"], description: "Sort by next column" },
    Command { id: CommandId::SortReverse, name: "sort.reverse", keys: &["S"], description: "Reverse sort order" },
    Command { id: CommandId::Refresh, name: "refresh", keys: &["r"], description: "Refresh now (within the API budget)" },
    Command { id: CommandId::Help, name: "help", keys: &["?"], description: "Help: keys and commands" },
    Command { id: CommandId::Close, name: "close", keys: &["esc"], description: "Close overlay / clear filter" },
    Command { id: CommandId::Quit, name: "quit", keys: &["q", "ctrl-c"], description: "Quit" },
];

/// Parses one key in the keymap syntax. Returns None for an unknown name.
pub fn parse_key(spec: &str) -> Option<(KeyCode, KeyModifiers)> {
    let mut mods = KeyModifiers::NONE;
    let mut rest = spec;
    loop {
        if let Some(r) = rest.strip_prefix("ctrl-") {
            mods |= KeyModifiers::CONTROL;
            rest = r;
        } else if let Some(r) = rest.strip_prefix("alt-") {
            mods |= KeyModifiers::ALT;
            rest = r;
        } else if let Some(r) = rest.strip_prefix("shift-") {
            mods |= KeyModifiers::SHIFT;
            rest = r;
        } else {
            break;
        }
    }
    let code = match rest {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" if mods.contains(KeyModifiers::SHIFT) => {
            mods -= KeyModifiers::SHIFT;
            KeyCode::BackTab
        }
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pgup" => KeyCode::PageUp,
        "pgdn" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "space" => KeyCode::Char(' '),
        s if s.chars().count() == 1 => KeyCode::Char(s.chars().next()?),
        _ => return None,
    };
    Some((code, mods))
}

/// Whether a key event matches a key spec. Shift is implied by an upper-case letter.
pub fn matches(spec: &str, key: &KeyEvent) -> bool {
    let Some((code, mods)) = parse_key(spec) else {
        return false;
    };
    let mut got = key.modifiers;
    if let KeyCode::Char(_) = key.code {
        got -= KeyModifiers::SHIFT;
    }
    if key.code == KeyCode::BackTab {
        got -= KeyModifiers::SHIFT;
    }
    code == key.code && mods == got
}

/// The command bound to a key in normal mode.
pub fn command_for(key: &KeyEvent) -> Option<CommandId> {
    COMMANDS
        .iter()
        .find(|c| c.keys.iter().any(|k| matches(k, key)))
        .map(|c| c.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn default_keys_resolve() {
        assert_eq!(command_for(&key(KeyCode::Char('q'), KeyModifiers::NONE)), Some(CommandId::Quit));
        assert_eq!(command_for(&key(KeyCode::Char('c'), KeyModifiers::CONTROL)), Some(CommandId::Quit));
        assert_eq!(command_for(&key(KeyCode::Char('G'), KeyModifiers::SHIFT)), Some(CommandId::Bottom));
        assert_eq!(command_for(&key(KeyCode::Char('g'), KeyModifiers::NONE)), Some(CommandId::Top));
        assert_eq!(command_for(&key(KeyCode::BackTab, KeyModifiers::SHIFT)), Some(CommandId::PrevPane));
        assert_eq!(command_for(&key(KeyCode::Char('4'), KeyModifiers::NONE)), Some(CommandId::Pane(Resource::Trunks)));
        assert_eq!(command_for(&key(KeyCode::Char('x'), KeyModifiers::NONE)), None);
    }

    #[test]
    fn every_default_key_parses_and_no_key_is_bound_twice() {
        let mut seen = std::collections::HashSet::new();
        for c in COMMANDS {
            for k in c.keys {
                let parsed = parse_key(k);
                assert!(parsed.is_some(), "unparsable key {k} of {}", c.name);
                assert!(seen.insert(parsed), "key {k} bound twice");
            }
        }
    }
}
