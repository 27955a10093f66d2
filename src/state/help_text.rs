//! The help overlay's text as lines of a given width: the keymap's conflicts, then every
//! command by section, each entry wrapped under its description (never cut), so the
//! overlay scrolls instead of clipping. `update` counts the lines to bound the scroll;
//! `ui::help` styles and draws them, then the symbol legend.

use crate::command::{COMMANDS, Command, CommandCtx, CommandId, availability};
use crate::format::width as width_of;
use crate::keymap::{ConflictKind, Keymap};
use crate::model::Resource;
use crate::state::symbols::{FAILED, WARNING};

/// What a help line is, for its style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpKind {
    /// A key conflict in the config's `[keys]`.
    Warning,
    Section,
    /// A command (`greyed`: it cannot run now); continuation lines have no keys.
    Entry {
        greyed: bool,
    },
    /// Under a command: what it takes (the filter's syntax).
    Note,
}

/// One screen line of the help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpLine {
    pub kind: HelpKind,
    /// The keys column (empty on continuation lines).
    pub keys: String,
    pub text: String,
}

/// The `/` filter's syntax, under the filter command (README "Filtering" says more).
pub const FILTER_SYNTAX: &str =
    "text · !text (not) · re:<regex> · col:value (a column header: state:ringing)";

/// Lines the symbol legend takes under the commands (see `ui::help`).
pub const LEGEND_LINES: usize = 7;

/// The keys column never takes more than this share of the width.
const MAX_KEYS: usize = 18;

/// Greedy word wrap to `width` columns (a word longer than the width is split).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_string();
        while width_of(&word) > width {
            let cut = crate::format::clip(&word, width)
                .trim_end_matches('…')
                .to_string();
            let cut = if cut.is_empty() {
                word.chars().take(1).collect()
            } else {
                cut
            };
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            word = word[cut.len()..].to_string();
            out.push(cut);
        }
        let len = width_of(&line);
        if len > 0 && len + 1 + width_of(&word) > width {
            out.push(std::mem::take(&mut line));
        } else if len > 0 {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

/// Every help line at `width` columns (the overlay's inner width).
pub fn lines(keymap: &Keymap, ctx: Option<&CommandCtx>, width: usize) -> Vec<HelpLine> {
    let mut out = Vec::new();
    let plain = |kind, text: String| HelpLine {
        kind,
        keys: String::new(),
        text,
    };
    let conflicts = keymap.conflicts();
    if !conflicts.is_empty() {
        out.push(plain(HelpKind::Section, "Key conflicts".into()));
        for c in conflicts {
            let text = match c.kind {
                ConflictKind::Clash => format!("{WARNING} {}", c.message),
                ConflictKind::TmuxPrefix => format!("{WARNING} tmux: {}", c.message),
            };
            out.extend(
                wrap(&text, width)
                    .into_iter()
                    .map(|l| plain(HelpKind::Warning, l)),
            );
        }
    }
    let keys_of = |c: &Command| {
        let keys = keymap.keys_for(c.id);
        if keys.is_empty() {
            format!(":{}", c.aliases.first().unwrap_or(&c.name))
        } else {
            keys.join(" ")
        }
    };
    let key_w = COMMANDS
        .iter()
        .map(|c| width_of(&keys_of(c)))
        .filter(|w| *w <= MAX_KEYS)
        .max()
        .unwrap_or(8)
        .min(width / 3);
    let text_w = width.saturating_sub(key_w + 2).max(8);
    let entry = |out: &mut Vec<HelpLine>, c: &Command| {
        let reason = ctx.and_then(|ctx| availability(c, ctx).err());
        let kind = HelpKind::Entry {
            greyed: reason.is_some(),
        };
        let keys = keys_of(c);
        let text = match &reason {
            Some(r) => format!("{}  {FAILED} {r}", c.description),
            None => c.description.to_string(),
        };
        let mut wrapped = wrap(&text, text_w).into_iter();
        if width_of(&keys) > key_w {
            // Keys wider than their column get a line of their own.
            for k in wrap(&keys, width) {
                out.push(HelpLine {
                    kind,
                    keys: k,
                    text: String::new(),
                });
            }
        } else {
            out.push(HelpLine {
                kind,
                keys: format!("{keys:<key_w$}"),
                text: wrapped.next().unwrap_or_default(),
            });
        }
        for rest in wrapped {
            out.push(HelpLine {
                kind,
                keys: " ".repeat(key_w),
                text: rest,
            });
        }
        if c.id == CommandId::Filter {
            for l in wrap(FILTER_SYNTAX, text_w) {
                out.push(HelpLine {
                    kind: HelpKind::Note,
                    keys: " ".repeat(key_w),
                    text: l,
                });
            }
        }
    };
    out.push(plain(HelpKind::Section, "Everywhere".into()));
    for c in COMMANDS.iter().filter(|c| c.panes.is_empty()) {
        entry(&mut out, c);
    }
    // The focused pane's commands first: the ones an operator looks for.
    let focus = ctx.map(|c| c.focus);
    let mut panes: Vec<Resource> = Resource::ALL.to_vec();
    panes.sort_by_key(|r| Some(*r) != focus);
    for r in panes {
        let scoped: Vec<&Command> = COMMANDS.iter().filter(|c| c.panes.contains(&r)).collect();
        if scoped.is_empty() {
            continue;
        }
        out.push(plain(HelpKind::Section, format!("{} pane", r.title())));
        for c in scoped {
            entry(&mut out, c);
        }
    }
    out
}

/// The overlay's inner width and body height on a terminal of `size`.
pub fn geometry(size: (u16, u16)) -> (usize, usize) {
    let w = size.0.min(110).saturating_sub(4) as usize;
    let h = size.1.saturating_sub(2) as usize;
    (w, h)
}

/// How far the help can scroll on this state's terminal.
pub fn max_scroll(state: &super::State) -> u16 {
    let (w, h) = geometry(state.size);
    let n = lines(&state.keymap, Some(&state.command_ctx()), w).len() + LEGEND_LINES;
    n.saturating_sub(h).min(u16::MAX as usize) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_every_word_within_the_width() {
        let text = "Trunks pane: n new trunk · e edit trunk · d delete trunk (type its name)";
        let lines = wrap(text, 30);
        assert!(lines.iter().all(|l| width_of(l) <= 30), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        assert_eq!(wrap("abcdefghij", 8).concat(), "abcdefghij");
    }
}
