//! Commands a provider brings with it, as data: each provider's [`super::Descriptor`]
//! lists its own (`commands`), and the console's command table is the generic commands
//! plus these. Shared code never names a provider's command; the palette, help and the
//! `[keys]` table find them here.

use crate::model::{ActionKind, Resource};

/// How a command asks before it acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    None,
    /// A yes/no dialog whose default button is Cancel.
    Dialog,
    /// The operator types the object's name (or the last digits of a number).
    Typed,
}

/// What a provider's command does when run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runs {
    /// Opens the provider's form named by the command (its `open_form` gets
    /// `Intent::Other(name)`).
    Form,
    /// Marks / unmarks the selected number for an action on several numbers.
    MarkNumber,
    /// Shows the selected account's call flow (the `flow NN` detail fields).
    Flow,
}

/// One command a provider offers beyond the generic ones.
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    /// Stable name, used in the `[keys]` config table and the palette (`hook.new`).
    pub name: &'static str,
    /// Palette text ("New hook").
    pub title: &'static str,
    /// Help text.
    pub description: &'static str,
    /// Default keys, in the keymap syntax; they apply on `panes`.
    pub keys: &'static [&'static str],
    /// Panes where the command applies; empty = everywhere.
    pub panes: &'static [Resource],
    /// Changes something at the provider: refused in read-only mode.
    pub mutating: bool,
    /// Cannot be undone.
    pub destructive: bool,
    pub confirm: Confirm,
    /// The selected row's provider must offer this action.
    pub needs: Option<ActionKind>,
    /// Needs a selected row.
    pub needs_row: bool,
    pub runs: Runs,
}

impl CommandSpec {
    /// A command that opens the provider's form `name`.
    pub const fn form(
        name: &'static str,
        title: &'static str,
        description: &'static str,
    ) -> CommandSpec {
        CommandSpec {
            name,
            title,
            description,
            keys: &[],
            panes: &[],
            mutating: false,
            destructive: false,
            confirm: Confirm::None,
            needs: None,
            needs_row: false,
            runs: Runs::Form,
        }
    }
    pub const fn runs(mut self, runs: Runs) -> CommandSpec {
        self.runs = runs;
        self
    }
    pub const fn keys(mut self, keys: &'static [&'static str]) -> CommandSpec {
        self.keys = keys;
        self
    }
    pub const fn on(mut self, panes: &'static [Resource]) -> CommandSpec {
        self.panes = panes;
        self
    }
    pub const fn mutating(mut self) -> CommandSpec {
        self.mutating = true;
        self
    }
    pub const fn destructive(mut self) -> CommandSpec {
        self.destructive = true;
        self
    }
    pub const fn confirm(mut self, c: Confirm) -> CommandSpec {
        self.confirm = c;
        self
    }
    pub const fn needs(mut self, a: ActionKind) -> CommandSpec {
        self.needs = Some(a);
        self
    }
    pub const fn row(mut self) -> CommandSpec {
        self.needs_row = true;
        self
    }
}
