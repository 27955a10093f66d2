//! The `:` command palette: fuzzy matching over the command table, arguments, history.
//!
//! - Typing filters the commands by fuzzy match (nucleo-matcher) against each command's
//!   title and name: `trk ed` and `edit tr` both find "Edit trunk".
//! - Text after the command's name is its arguments: `:call +441234567890`,
//!   `:scope cx-demo`. When the first word names a command exactly (its name or an alias,
//!   any case) that command is pinned first and the rest is its arguments; when the whole
//!   text matches nothing, the first word alone is matched and the rest becomes arguments
//!   (`:cal +44…` still finds `call`).
//! - With no text, recently used commands come first, then the rest in table order.
//! - Commands that cannot run now are listed after the runnable ones, greyed, with the
//!   reason; Enter on one shows the reason instead of running it.
//! - ↑/↓ (or ctrl-p/ctrl-n) move the selection; ↑ on an empty line recalls history (↓
//!   walks back), Tab completes the selected command's name, Enter runs, Esc closes.
//!
//! The palette is plain state: `update` computes [`Palette::matches`] and passes them to
//! [`Palette::handle_key`]; rendering is [`crate::ui::palette::render_palette`].

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::command::{Command, CommandCtx, CommandId, availability};
use crate::keymap::Keymap;

/// How many history entries are kept.
pub const HISTORY_CAP: usize = 50;

#[derive(Debug, Clone, Default)]
pub struct Palette {
    /// The text after the `:`.
    pub input: Input,
    /// Index into the current [`Palette::matches`] list (clamped when used).
    pub selected: usize,
    /// Command lines run from the palette, most recent first, no duplicates.
    pub history: Vec<String>,
    /// Why the last Enter did nothing (shown inside the palette box).
    pub notice: Option<String>,
    /// While walking history with ↑/↓: the entry shown.
    recall: Option<usize>,
}

/// One line of the palette list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaletteItem {
    pub id: CommandId,
    pub title: &'static str,
    pub name: &'static str,
    /// Effective keys, space separated ("" when palette only).
    pub keys: String,
    /// Fuzzy score (higher is better; `u32::MAX` for an exact name).
    pub score: u32,
    /// Ok, or why it cannot run now.
    pub available: Result<(), String>,
    /// What Enter passes as arguments.
    pub args: String,
    /// Used from the palette recently.
    pub recent: bool,
    /// The first word named this command exactly.
    pub exact: bool,
}

/// What a key in the palette asks the caller to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaletteEvent {
    /// Nothing beyond redrawing.
    None,
    /// Close the palette.
    Close,
    /// Close the palette and run the command with these arguments (trimmed; may be empty).
    Run(CommandId, String),
    /// Enter on a command that cannot run, or on no match: the reason (also in
    /// [`Palette::notice`]). The palette stays open.
    Refused(String),
}

fn words(query: &str) -> (&str, &str) {
    match query.split_once(char::is_whitespace) {
        Some((w, rest)) => (w, rest.trim()),
        None => (query, ""),
    }
}

fn exact<'c>(commands: &'c [Command], word: &str) -> Option<&'c Command> {
    commands.iter().find(|c| {
        c.name.eq_ignore_ascii_case(word) || c.aliases.iter().any(|a| a.eq_ignore_ascii_case(word))
    })
}

/// Ties between fuzzy scores go to the command whose name (or alias, then title) starts
/// with what was typed: `cal` is `call` before "Call history pane" and "Live calls pane".
fn prefix_bonus(c: &Command, query: &str) -> u32 {
    let starts = |h: &str| {
        h.get(..query.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(query))
    };
    if starts(c.name) || c.aliases.iter().any(|a| starts(a)) {
        32
    } else if starts(c.title) {
        16
    } else {
        0
    }
}

/// Fuzzy scores of the palette commands against `query` (None: no match).
fn fuzzy<'c>(commands: &'c [Command], query: &str) -> Vec<(&'c Command, u32)> {
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    commands
        .iter()
        .filter(|c| c.in_palette())
        .filter_map(|c| {
            let both = format!("{} {}", c.title, c.name);
            [c.title, c.name, both.as_str()]
                .into_iter()
                .chain(c.aliases.iter().copied())
                .filter_map(|h| pattern.score(Utf32Str::new(h, &mut buf), &mut matcher))
                .max()
                .map(|s| (c, s + prefix_bonus(c, query)))
        })
        .collect()
}

impl Palette {
    /// Clears the line and selection for a fresh `:` (history is kept).
    pub fn open(&mut self) {
        self.input.reset();
        self.selected = 0;
        self.notice = None;
        self.recall = None;
    }

    /// The typed text without a leading `:` and surrounding spaces.
    pub fn query(&self) -> &str {
        let v = self.input.value().trim();
        v.strip_prefix(':').unwrap_or(v).trim_start()
    }

    /// Commands used recently, most recent first.
    pub fn recent(&self, commands: &[Command]) -> Vec<CommandId> {
        let mut ids = Vec::new();
        for line in &self.history {
            if let Some(c) = exact(commands, words(line).0)
                && !ids.contains(&c.id)
            {
                ids.push(c.id);
            }
        }
        ids
    }

    /// The list for the current text: runnable commands first (best match first), then
    /// the ones that cannot run now with their reason. An exact name is always first.
    pub fn matches(
        &self,
        commands: &[Command],
        ctx: &CommandCtx,
        keymap: &Keymap,
    ) -> Vec<PaletteItem> {
        let recent = self.recent(commands);
        let item = |c: &Command, score: u32, args: &str, exact: bool| PaletteItem {
            id: c.id,
            title: c.title,
            name: c.name,
            keys: keymap.keys_for(c.id).join(" "),
            score,
            available: availability(c, ctx),
            args: args.to_string(),
            recent: recent.contains(&c.id),
            exact,
        };
        let query = self.query();
        let mut items: Vec<PaletteItem> = Vec::new();
        if query.is_empty() {
            for id in &recent {
                if let Some(c) = commands.iter().find(|c| c.id == *id && c.in_palette()) {
                    items.push(item(c, 0, "", false));
                }
            }
            for c in commands.iter().filter(|c| c.in_palette()) {
                if !recent.contains(&c.id) {
                    items.push(item(c, 0, "", false));
                }
            }
            // Stable: recent-then-table order within each group.
            items.sort_by_key(|i| i.available.is_err());
            return items;
        }

        let (word, rest) = words(query);
        let pinned = exact(commands, word);
        if let Some(c) = pinned {
            // `:write` / `:read-only` say which way to switch.
            let args = if c.id == CommandId::ToggleReadOnly
                && rest.is_empty()
                && !c.name.eq_ignore_ascii_case(word)
            {
                word.to_ascii_lowercase()
            } else {
                rest.to_string()
            };
            items.push(item(c, u32::MAX, &args, true));
        }
        let (scored, args) = if pinned.is_some() && !rest.is_empty() {
            (fuzzy(commands, word), rest)
        } else {
            let whole = fuzzy(commands, query);
            if whole.is_empty() && !rest.is_empty() {
                (fuzzy(commands, word), rest)
            } else {
                (whole, "")
            }
        };
        let mut rest_items: Vec<PaletteItem> = scored
            .into_iter()
            .filter(|(c, _)| Some(c.id) != pinned.map(|p| p.id))
            .map(|(c, s)| item(c, s, args, false))
            .collect();
        // Stable sort keeps table order among equal scores.
        rest_items.sort_by_key(|i| (i.available.is_err(), std::cmp::Reverse(i.score)));
        items.extend(rest_items);
        items
    }

    /// The selected item, with the selection clamped to the list.
    pub fn selected_item<'a>(&self, items: &'a [PaletteItem]) -> Option<&'a PaletteItem> {
        items.get(self.selected.min(items.len().saturating_sub(1)))
    }

    /// Handles one key; `items` is [`Palette::matches`] for the current text.
    pub fn handle_key(&mut self, key: &KeyEvent, items: &[PaletteItem]) -> PaletteEvent {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return PaletteEvent::Close,
            KeyCode::Char('c') if ctrl => return PaletteEvent::Close,
            KeyCode::Enter => return self.enter(items),
            KeyCode::Up if self.recall.is_some() || self.input.value().is_empty() => {
                if !self.history.is_empty() {
                    self.recall_at(
                        self.recall
                            .map_or(0, |i| (i + 1).min(self.history.len() - 1)),
                    );
                }
            }
            KeyCode::Down if self.recall.is_some() => match self.recall {
                Some(0) | None => {
                    self.input.reset();
                    self.recall = None;
                    self.selected = 0;
                }
                Some(i) => self.recall_at(i - 1),
            },
            KeyCode::Up => self.move_selection(-1, items.len()),
            KeyCode::Char('p') if ctrl => self.move_selection(-1, items.len()),
            KeyCode::Down => self.move_selection(1, items.len()),
            KeyCode::Char('n') if ctrl => self.move_selection(1, items.len()),
            KeyCode::PageUp => self.move_selection(-10, items.len()),
            KeyCode::PageDown => self.move_selection(10, items.len()),
            KeyCode::Tab => {
                if let Some(item) = self.selected_item(items) {
                    let text = format!("{} ", item.name);
                    self.set_text(&text);
                }
            }
            KeyCode::Backspace if self.input.value().is_empty() => return PaletteEvent::Close,
            _ => {
                let before = self.input.value().to_string();
                self.input.handle_event(&Event::Key(*key));
                if self.input.value() != before {
                    self.edited();
                }
            }
        }
        PaletteEvent::None
    }

    /// Inserts pasted text (control characters dropped).
    pub fn paste(&mut self, text: &str) {
        for c in text.chars().filter(|c| !c.is_control()) {
            self.input
                .handle_event(&Event::Key(KeyEvent::from(KeyCode::Char(c))));
        }
        self.edited();
    }

    /// Adds a command line to the history (front; duplicates removed; capped).
    pub fn remember(&mut self, line: &str) {
        let line = line.trim();
        if line.is_empty() {
            return;
        }
        self.history.retain(|h| h != line);
        self.history.insert(0, line.to_string());
        self.history.truncate(HISTORY_CAP);
    }

    fn edited(&mut self) {
        self.selected = 0;
        self.recall = None;
        self.notice = None;
    }

    fn set_text(&mut self, text: &str) {
        self.input = Input::new(text.to_string());
        self.edited();
    }

    fn recall_at(&mut self, i: usize) {
        let text = self.history[i].clone();
        self.input = Input::new(text);
        self.recall = Some(i);
        self.selected = 0;
        self.notice = None;
    }

    fn move_selection(&mut self, delta: isize, len: usize) {
        let max = len.saturating_sub(1) as isize;
        self.selected = (self.selected.min(max as usize) as isize + delta).clamp(0, max) as usize;
    }

    fn enter(&mut self, items: &[PaletteItem]) -> PaletteEvent {
        let Some(item) = self.selected_item(items) else {
            if self.query().is_empty() {
                return PaletteEvent::Close;
            }
            let reason = format!("no command matches \"{}\"", self.query());
            self.notice = Some(reason.clone());
            return PaletteEvent::Refused(reason);
        };
        if let Err(reason) = &item.available {
            let reason = format!("{}: {reason}", item.title);
            self.notice = Some(reason.clone());
            return PaletteEvent::Refused(reason);
        }
        // As typed when a name was typed (`write`, `call +44…`), else canonical.
        let line = if item.exact {
            let (word, rest) = words(self.query());
            format!("{} {rest}", word.to_ascii_lowercase())
        } else if item.args.is_empty() {
            item.name.to_string()
        } else {
            format!("{} {}", item.name, item.args)
        };
        let event = PaletteEvent::Run(item.id, item.args.clone());
        self.remember(&line);
        self.open();
        event
    }
}
