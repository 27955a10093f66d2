//! The command table: one entry per operator command, as data (the generic ones here,
//! each provider's own from its descriptor, `providers::commands`). The keymap
//! ([`crate::keymap`]), the `:` palette ([`crate::palette`]) and the `?` help are all
//! generated from it.
//!
//! Each [`Command`] says where it applies (`panes`), whether it changes anything at the
//! provider (`mutating`: refused in read-only mode), which provider action it needs
//! (`needs`, checked against the selected row's provider) and whether it needs a selected
//! row. [`availability`] turns that into "runnable" or a reason an operator can act on.
//!
//! Safety rule (ux.md G3): no default key runs a destructive command without a typed
//! confirmation. `hangup` has no default key at all; `trunk.delete` is on `d` only because
//! it opens a typed confirmation.

use std::sync::LazyLock;

use crate::model::{ActionKind, Capabilities, Resource};
pub use crate::providers::commands::Confirm;
use crate::providers::commands::{CommandSpec, Runs};

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
    /// Open the `:` command palette.
    Palette,
    /// Click-to-call; palette args: the number to call (`:call +441234567890`).
    Call,
    /// Hang up the selected live call (asks first; no default key).
    Hangup,
    TrunkNew,
    TrunkEdit,
    /// Opens a typed confirmation (type the trunk name); never deletes on one key.
    TrunkDelete,
    NumberEdit,
    /// Enable / disable the selected number (asks before disabling).
    NumberToggle,
    NumberNew,
    /// Opens a typed confirmation; never deletes on one key.
    NumberDelete,
    /// Re-point the selected number: the provider's form for where calls to it go.
    Repoint,
    /// Mark / unmark the selected number for a multi-number action (`number.toggle`);
    /// offered by the providers whose descriptor lists such a command.
    NumberMark,
    /// A provider-specific form, named by the command (`hook.new`, `forward.edit` …); the
    /// selected row's provider builds it (`providers/<name>/forms.rs`).
    Form(&'static str),
    /// Fold / unfold the selected account's sub-accounts (accounts pane).
    TreeToggle,
    /// Copy the selected value (OSC 52).
    Copy,
    /// Show the log and audit file paths.
    ShowPaths,
    /// The audit log overlay.
    Audit,
    /// The alerts overlay (provider and queue alerts with their times).
    Alerts,
    /// Write the focused pane's filtered, sorted rows as CSV to the state directory.
    Export,
    /// List the built-in and user themes.
    Themes,
    /// `:write` (changes allowed for 10 minutes) / `:read-only`. From the palette the word
    /// used is passed as args: `write`, `read-only`, or empty (picked from the list:
    /// toggle).
    ToggleReadOnly,
    /// Scope the panes to one provider/account or all; palette args: `cx-demo`,
    /// `cx-demo/acme.example`, `all`.
    Scope,
    /// Queues pane: next statistics window (15 min → 1 h → today), computed from the
    /// lists already fetched.
    StatsWindow,
    /// The selected account's call flow (the lines its provider drew) in an overlay.
    Flow,
    /// The number trace (`:trace <number>`, or the selected row's number): owner, route,
    /// trunks, live and last calls across every provider.
    Trace,
}

#[derive(Debug, Clone, Copy)]
pub struct Command {
    pub id: CommandId,
    /// Stable name, used in the `[keys]` config table and the palette (`trunk.edit`).
    pub name: &'static str,
    /// Palette text ("Edit trunk").
    pub title: &'static str,
    /// Help text.
    pub description: &'static str,
    /// Default keys, in the keymap syntax (`q`, `ctrl-c`, `pgdn`, `shift-tab`, `f1` …).
    /// They apply on `panes`.
    pub keys: &'static [&'static str],
    /// Other exact names the palette accepts (`write`, `read-only`).
    pub aliases: &'static [&'static str],
    /// Panes where the command applies; empty = everywhere.
    pub panes: &'static [Resource],
    /// Changes something at a provider: refused in read-only mode.
    pub mutating: bool,
    /// Cannot be undone (a deleted trunk, a dropped call).
    pub destructive: bool,
    pub confirm: Confirm,
    /// The selected row's provider must offer this action.
    pub needs: Option<ActionKind>,
    /// Needs a selected row.
    pub needs_row: bool,
}

impl Command {
    const fn new(
        id: CommandId,
        name: &'static str,
        title: &'static str,
        keys: &'static [&'static str],
        description: &'static str,
    ) -> Command {
        Command {
            id,
            name,
            title,
            description,
            keys,
            aliases: &[],
            panes: &[],
            mutating: false,
            destructive: false,
            confirm: Confirm::None,
            needs: None,
            needs_row: false,
        }
    }
    const fn on(mut self, panes: &'static [Resource]) -> Command {
        self.panes = panes;
        self
    }
    const fn mutating(mut self) -> Command {
        self.mutating = true;
        self
    }
    const fn destructive(mut self) -> Command {
        self.destructive = true;
        self
    }
    const fn confirm(mut self, c: Confirm) -> Command {
        self.confirm = c;
        self
    }
    const fn needs(mut self, a: ActionKind) -> Command {
        self.needs = Some(a);
        self
    }
    const fn row(mut self) -> Command {
        self.needs_row = true;
        self
    }
    /// A provider's command (see [`crate::providers::commands`]).
    fn from_spec(s: &CommandSpec) -> Command {
        let id = match s.runs {
            Runs::Form => CommandId::Form(s.name),
            Runs::MarkNumber => CommandId::NumberMark,
            Runs::Flow => CommandId::Flow,
        };
        Command {
            id,
            name: s.name,
            title: s.title,
            description: s.description,
            keys: s.keys,
            aliases: &[],
            panes: s.panes,
            mutating: s.mutating,
            destructive: s.destructive,
            confirm: s.confirm,
            needs: s.needs,
            needs_row: s.needs_row,
        }
    }
    const fn aliases(mut self, a: &'static [&'static str]) -> Command {
        self.aliases = a;
        self
    }

    /// Whether the command applies on the pane `focus`.
    pub fn applies_in(&self, focus: Resource) -> bool {
        self.panes.is_empty() || self.panes.contains(&focus)
    }

    /// Whether the palette lists it (row movement and closing are keys, not commands).
    pub fn in_palette(&self) -> bool {
        !matches!(
            self.id,
            CommandId::Up
                | CommandId::Down
                | CommandId::PageUp
                | CommandId::PageDown
                | CommandId::Top
                | CommandId::Bottom
                | CommandId::Close
                | CommandId::Palette
        )
    }
}

use CommandId as C;
use Resource as R;

const TRUNKS: &[Resource] = &[R::Trunks];
const NUMBERS: &[Resource] = &[R::Numbers];
const LIVE: &[Resource] = &[R::LiveCalls];
const QUEUES: &[Resource] = &[R::Queues];
const ACCOUNTS: &[Resource] = &[R::Accounts];

/// Every command, in table order: the generic ones, with every provider's own commands
/// (from its descriptor) after the number commands. Order matters: it is the help order,
/// and when two commands share a key on a pane the earlier one wins.
pub static COMMANDS: LazyLock<Vec<Command>> = LazyLock::new(|| {
    let mut all: Vec<Command> = HEAD.to_vec();
    // Later providers in the registry first: the order help has always listed them in.
    for spec in crate::providers::DESCRIPTORS
        .iter()
        .rev()
        .flat_map(|d| d.commands)
    {
        let cmd = Command::from_spec(spec);
        if !all.iter().any(|c| c.name == cmd.name || c.id == cmd.id) {
            all.push(cmd);
        }
    }
    all.extend_from_slice(TAIL);
    all
});

/// The generic commands before the providers' own.
static HEAD: &[Command] = &[
    Command::new(
        C::Pane(R::Accounts),
        "pane.accounts",
        "Accounts pane",
        &["1"],
        "Accounts tree",
    ),
    Command::new(
        C::Pane(R::LiveCalls),
        "pane.live",
        "Live calls pane",
        &["2"],
        "Live calls",
    ),
    Command::new(
        C::Pane(R::CallHistory),
        "pane.history",
        "Call history pane",
        &["3"],
        "Call history",
    ),
    Command::new(
        C::Pane(R::Trunks),
        "pane.trunks",
        "Trunks pane",
        &["4"],
        "Trunks",
    ),
    Command::new(
        C::Pane(R::Numbers),
        "pane.numbers",
        "Numbers pane",
        &["5"],
        "Numbers",
    ),
    Command::new(
        C::Pane(R::Queues),
        "pane.queues",
        "Queues pane",
        &["6"],
        "Queue / ring-group stats",
    ),
    Command::new(
        C::NextPane,
        "pane.next",
        "Next pane",
        &["tab", "l", "right"],
        "Next pane",
    ),
    Command::new(
        C::PrevPane,
        "pane.prev",
        "Previous pane",
        &["shift-tab", "h", "left"],
        "Previous pane",
    ),
    Command::new(C::Down, "row.down", "Next row", &["j", "down"], "Next row"),
    Command::new(
        C::Up,
        "row.up",
        "Previous row",
        &["k", "up"],
        "Previous row",
    ),
    Command::new(
        C::PageDown,
        "row.page-down",
        "Page down",
        &["pgdn", "ctrl-f"],
        "Page down",
    ),
    // Not ctrl-b: that is tmux's prefix key.
    Command::new(
        C::PageUp,
        "row.page-up",
        "Page up",
        &["pgup", "ctrl-u"],
        "Page up",
    ),
    Command::new(
        C::Top,
        "row.first",
        "First row",
        &["g", "home"],
        "First row",
    ),
    Command::new(C::Bottom, "row.last", "Last row", &["G", "end"], "Last row"),
    Command::new(
        C::Details,
        "row.details",
        "Row details",
        &["enter"],
        "Details of the selected row",
    )
    .row(),
    Command::new(
        C::TreeToggle,
        "tree.toggle",
        "Fold / unfold account",
        &["space"],
        "Collapse or expand the selected account's sub-accounts",
    )
    .on(ACCOUNTS)
    .row(),
    Command::new(
        C::Palette,
        "palette",
        "Command palette",
        &[":", "ctrl-p"],
        "Command palette (fuzzy; ↑ recalls history)",
    ),
    Command::new(
        C::Filter,
        "filter",
        "Filter rows",
        &["/"],
        "Filter rows (Enter keeps, Esc clears)",
    ),
    Command::new(
        C::SortNext,
        "sort.next",
        "Sort by next column",
        &["s"],
        "Sort by next column",
    ),
    Command::new(
        C::SortReverse,
        "sort.reverse",
        "Reverse sort order",
        &["S"],
        "Reverse sort order",
    ),
    Command::new(
        C::Refresh,
        "refresh",
        "Refresh now",
        &["r"],
        "Refresh now (within the API budget)",
    ),
    Command::new(
        C::Copy,
        "copy",
        "Copy value",
        &["y"],
        "Copy the selected value (OSC 52)",
    )
    .row(),
    Command::new(
        C::Call,
        "call",
        "Call a number",
        &["c"],
        "Click-to-call: :call +441234567890",
    )
    .mutating()
    .confirm(Confirm::Dialog)
    .needs(ActionKind::ClickToCall),
    // Palette only: a dropped call cannot be undone (ux.md G3), so no one-key binding.
    Command::new(
        C::Hangup,
        "hangup",
        "Hang up call",
        &[],
        "Hang up the selected live call (asks first)",
    )
    .on(LIVE)
    .mutating()
    .destructive()
    .confirm(Confirm::Dialog)
    .needs(ActionKind::Hangup)
    .row(),
    Command::new(
        C::TrunkNew,
        "trunk.new",
        "New trunk",
        &["n"],
        "New trunk (form, diff before apply)",
    )
    .on(TRUNKS)
    .mutating()
    .needs(ActionKind::EditTrunk),
    Command::new(
        C::TrunkEdit,
        "trunk.edit",
        "Edit trunk",
        &["e"],
        "Edit the selected trunk (diff before apply)",
    )
    .on(TRUNKS)
    .mutating()
    .needs(ActionKind::EditTrunk)
    .row(),
    // `d` only opens a confirmation in which the trunk's name must be typed.
    Command::new(
        C::TrunkDelete,
        "trunk.delete",
        "Delete trunk",
        &["d"],
        "Delete the selected trunk (type its name to confirm)",
    )
    .on(TRUNKS)
    .mutating()
    .destructive()
    .confirm(Confirm::Typed)
    .needs(ActionKind::EditTrunk)
    .row(),
    Command::new(
        C::NumberEdit,
        "number.edit",
        "Edit number",
        &["e"],
        "Edit the selected number (diff before apply)",
    )
    .on(NUMBERS)
    .mutating()
    .needs(ActionKind::EditNumber)
    .row(),
    Command::new(
        C::NumberToggle,
        "number.toggle",
        "Enable / disable number",
        &["t"],
        "Enable or disable the selected number (asks first)",
    )
    .on(NUMBERS)
    .mutating()
    .confirm(Confirm::Dialog)
    .needs(ActionKind::EditNumber)
    .row(),
    Command::new(
        C::NumberNew,
        "number.new",
        "New number",
        &[],
        "Create a number / extension (providers that allow it)",
    )
    .on(NUMBERS)
    .mutating()
    .needs(ActionKind::EditNumber),
    Command::new(
        C::NumberDelete,
        "number.delete",
        "Delete number",
        &[],
        "Delete the selected number / extension (type its last digits to confirm)",
    )
    .on(NUMBERS)
    .mutating()
    .destructive()
    .confirm(Confirm::Typed)
    .needs(ActionKind::EditNumber)
    .row(),
    // Each provider opens its own form (or says why the number is view-only there).
    Command::new(
        C::Repoint,
        "repoint",
        "Re-point number",
        &["p"],
        "Change where calls to the selected number go (the provider's own form)",
    )
    .on(NUMBERS)
    .mutating()
    .row(),
];

/// The generic commands after the providers' own.
static TAIL: &[Command] = &[
    Command::new(
        C::Trace,
        "trace",
        "Trace a number",
        &["T"],
        "Trace a number across providers: owner, route, trunks, calls (:trace +441234567890; T on a row or details with a number)",
    ),
    Command::new(
        C::StatsWindow,
        "stats.window",
        "Statistics window",
        &["w"],
        "Queue statistics over the last 15 min, 1 h or today (no extra requests)",
    )
    .on(QUEUES),
    Command::new(
        C::Scope,
        "scope",
        "Scope to provider/account",
        &[],
        "Scope panes: :scope cx-demo, :scope cx-demo/acme, :scope all",
    ),
    Command::new(
        C::ToggleReadOnly,
        "write-mode",
        "Write mode / read-only",
        &[],
        ":write allows changes for 10 minutes; :read-only ends it",
    )
    .aliases(&["write", "read-only"]),
    Command::new(
        C::Audit,
        "audit",
        "Audit log",
        &["A"],
        "Audit log of changes made from this console",
    ),
    Command::new(
        C::Alerts,
        "alerts",
        "Alerts",
        &["!"],
        "Alerts raised (degraded, sign-in failed, stale, queue thresholds) with their times",
    ),
    Command::new(
        C::Export,
        "export",
        "Export pane as CSV",
        &["ctrl-s"],
        "Write the pane's filtered, sorted rows as CSV to the state directory (y copies the path)",
    ),
    Command::new(
        C::Themes,
        "theme",
        "List themes",
        &[],
        "List the built-in and user themes (--theme NAME or [ui] theme picks one)",
    ),
    Command::new(
        C::ShowPaths,
        "paths",
        "Show file paths",
        &[],
        "Show the log and audit file paths",
    ),
    Command::new(C::Help, "help", "Help", &["?"], "Help: keys and commands"),
    Command::new(
        C::Close,
        "close",
        "Close",
        &["esc"],
        "Close overlay / clear filter",
    ),
    Command::new(C::Quit, "quit", "Quit", &["q", "ctrl-c"], "Quit").aliases(&["q"]),
];

/// The table entry of `id`.
pub fn by_id(id: CommandId) -> &'static Command {
    COMMANDS
        .iter()
        .find(|c| c.id == id)
        .expect("every CommandId is in COMMANDS")
}

/// The command named `name` (its config name), exactly.
pub fn by_name(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// The command the palette word `word` names exactly: its name or an alias, any case.
pub fn by_word(word: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| {
        c.name.eq_ignore_ascii_case(word) || c.aliases.iter().any(|a| a.eq_ignore_ascii_case(word))
    })
}

/// What decides whether a command can run now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandCtx<'a> {
    pub focus: Resource,
    pub read_only: bool,
    /// The selected row's provider is pinned read-only in its own config table: `:write`
    /// does not change that, so the reason must not suggest it.
    pub pinned: bool,
    /// Attached to a collector and changes through it refused right now (link down, a
    /// role below operator): why.
    pub attached: Option<&'a str>,
    /// Capabilities of the selected row's provider (None: no row selected).
    pub selected_caps: Option<Capabilities>,
    pub has_selection: bool,
    /// Name of the selected row's provider, for "not offered by <provider>".
    pub provider_name: Option<&'a str>,
}

impl CommandCtx<'_> {
    /// Focus on `focus`, writes allowed, nothing selected.
    pub fn new(focus: Resource) -> CommandCtx<'static> {
        CommandCtx {
            focus,
            read_only: false,
            pinned: false,
            attached: None,
            selected_caps: None,
            has_selection: false,
            provider_name: None,
        }
    }
}

/// The message shown when a mutating command is refused in read-only mode.
pub const READ_ONLY_REASON: &str = "read-only mode: :write to enable changes for 10 minutes";

fn row_noun(r: Resource) -> &'static str {
    match r {
        Resource::Accounts => "an account",
        Resource::LiveCalls | Resource::CallHistory => "a call",
        Resource::Trunks => "a trunk",
        Resource::Numbers => "a number",
        Resource::Queues => "a queue",
    }
}

/// "the Trunks pane", "the Trunks and Numbers panes".
pub fn panes_text(panes: &[Resource]) -> String {
    let names: Vec<&str> = panes.iter().map(|r| r.title()).collect();
    match names.as_slice() {
        [] => "every pane".to_string(),
        [one] => format!("the {one} pane"),
        [init @ .., last] => format!("the {} and {last} panes", init.join(", ")),
    }
}

/// Why a provider pinned read-only in its config table refuses changes (`:write` cannot
/// lift it).
pub fn pinned_reason(name: &str) -> String {
    format!(
        "{name} is pinned read-only in the config file (read_only = true in its provider table)"
    )
}

/// Whether `cmd` can run in `ctx`, or why not. Checks, in order: the pane, a selected
/// row, the provider's capability, then read-only mode (so "`:write` to enable" is only
/// suggested when it would make the command work).
pub fn availability(cmd: &Command, ctx: &CommandCtx) -> Result<(), String> {
    if !cmd.applies_in(ctx.focus) {
        return Err(format!("only on {}", panes_text(cmd.panes)));
    }
    if cmd.needs_row && !ctx.has_selection {
        return Err(format!("select {} first", row_noun(ctx.focus)));
    }
    if cmd.mutating
        && let Some(why) = ctx.attached
    {
        return Err(why.to_string());
    }
    if let (Some(action), Some(caps)) = (cmd.needs, ctx.selected_caps)
        && !caps.allows(action)
    {
        return Err(format!(
            "not offered by {}",
            ctx.provider_name.unwrap_or("this provider")
        ));
    }
    if cmd.mutating && ctx.pinned {
        return Err(pinned_reason(ctx.provider_name.unwrap_or("this provider")));
    }
    if cmd.mutating && ctx.read_only {
        return Err(READ_ONLY_REASON.to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_id_has_one_entry_and_names_are_unique() {
        let mut names = std::collections::HashSet::new();
        for c in COMMANDS.iter() {
            assert!(names.insert(c.name), "name {} twice", c.name);
            for a in c.aliases {
                assert!(
                    a == &c.name || by_name(a).is_none(),
                    "alias {a} shadows a name"
                );
            }
            assert_eq!(
                COMMANDS.iter().filter(|d| d.id == c.id).count(),
                1,
                "{}",
                c.name
            );
        }
    }

    #[test]
    fn every_providers_commands_join_the_table_after_the_number_commands() {
        for d in crate::providers::DESCRIPTORS {
            for spec in d.commands {
                let c = by_name(spec.name).expect("a provider's command is in the table");
                assert_eq!((c.title, c.needs_row), (spec.title, spec.needs_row));
            }
        }
        let at = |name: &str| COMMANDS.iter().position(|c| c.name == name);
        let number_delete = at("number.delete").expect("generic");
        let stats = at("stats.window").expect("generic");
        for spec in crate::providers::DESCRIPTORS
            .iter()
            .flat_map(|d| d.commands)
        {
            let i = at(spec.name).expect("listed");
            assert!(number_delete < i && i < stats, "{} out of place", spec.name);
        }
        // What each kind of provider command runs.
        assert!(matches!(
            by_name("number.mark").map(|c| c.id),
            Some(C::NumberMark)
        ));
        assert!(matches!(by_name("flow").map(|c| c.id), Some(C::Flow)));
    }

    #[test]
    fn availability_reasons() {
        let trunk_edit = by_id(CommandId::TrunkEdit);
        let mut ctx = CommandCtx::new(Resource::LiveCalls);
        assert_eq!(
            availability(trunk_edit, &ctx),
            Err("only on the Trunks pane".into())
        );
        ctx.focus = Resource::Trunks;
        assert_eq!(
            availability(trunk_edit, &ctx),
            Err("select a trunk first".into())
        );
        ctx.has_selection = true;
        ctx.selected_caps = Some(Capabilities::new().with(Resource::Trunks));
        ctx.provider_name = Some("voice-uk");
        assert_eq!(
            availability(trunk_edit, &ctx),
            Err("not offered by voice-uk".into())
        );
        ctx.selected_caps = Some(Capabilities::new().with_action(ActionKind::EditTrunk));
        assert_eq!(availability(trunk_edit, &ctx), Ok(()));
        ctx.read_only = true;
        assert_eq!(availability(trunk_edit, &ctx), Err(READ_ONLY_REASON.into()));
        // A provider pinned in its config table: `:write` would not help, so the reason
        // names the config file instead.
        ctx.pinned = true;
        let reason = availability(trunk_edit, &ctx).unwrap_err();
        assert!(
            reason.contains("voice-uk is pinned read-only in the config file")
                && !reason.contains(":write"),
            "{reason}"
        );
        // Reading is fine in read-only mode; so is leaving it.
        assert_eq!(availability(by_id(CommandId::Refresh), &ctx), Ok(()));
        assert_eq!(availability(by_id(CommandId::ToggleReadOnly), &ctx), Ok(()));
    }
}
