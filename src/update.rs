//! `update`: the one place that changes [`State`]. Pure: no I/O, no clock reads, no
//! network; it returns [`Effect`]s for the loop to carry out. Unit-tested without a
//! terminal.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use tui_input::backend::crossterm::EventHandler;

use crate::action::{Action, Effect, Fetched};
use crate::command::CommandId;
use crate::model::{AccountKind, ProviderId, Resource};
use crate::secret::redact;
use crate::state::columns::AccountRow;
use crate::state::table::Scope;
use crate::state::{ConnState, ErrorKind, Failure, Level, Message, Mode, Overlay, State};

use crate::fold::recompute_group_stats;
pub use crate::fold::{account_tree, apply_collapse, apply_data, merge_fields};

pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    let now_ms = state.now_ms;
    let before: Vec<_> = state
        .providers
        .iter()
        .map(|p| p.alert_seen(now_ms))
        .collect();
    let effects = update_inner(state, action);
    let now_ms = state.now_ms;
    let observed: Vec<_> = state
        .providers
        .iter()
        .map(|p| crate::alerts::Observed {
            name: &p.name,
            seen: p.alert_seen(now_ms),
            reason: p.alert_reason(),
        })
        .collect();
    if state.alerts.observe(&before, &observed, now_ms) {
        state.dirty = true;
    }
    effects
}

fn update_inner(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Key(key) => return on_key(state, key),
        Action::Paste(text) => {
            if state.overlay == Some(Overlay::Palette) {
                state.palette.paste(&text);
            } else if let Some(Overlay::Form(o)) = &mut state.overlay {
                for c in text.chars().filter(|c| !c.is_control()) {
                    o.form.handle_key(KeyEvent::from(KeyCode::Char(c)));
                }
            } else if state.mode == Mode::Filter {
                for c in text.chars().filter(|c| !c.is_control()) {
                    state
                        .filter_input
                        .handle_event(&Event::Key(KeyEvent::from(KeyCode::Char(c))));
                }
                apply_filter(state);
            }
        }
        Action::Resize(w, h) => {
            state.size = (w, h);
            let height = page(state);
            with_focused(state, |t, _| t.ensure_visible(height));
        }
        Action::Tick(now) => {
            state.now_ms = now;
            if let Some(until) = state.write.write_until_ms
                && until <= now
            {
                // Time-limited write mode ends by itself.
                state.write.write_until_ms = None;
                state.dirty = true;
                set_message(
                    state,
                    Level::Warn,
                    "write mode ended: read-only again".into(),
                );
                return vec![
                    Effect::SetWritable(false),
                    Effect::AuditNote {
                        command: "read-only".into(),
                        message: "write mode expired".into(),
                    },
                ];
            }
            // A 429 pause that ended: the state follows the errors again.
            let paused_over: Vec<ProviderId> = state
                .providers
                .iter()
                .filter(
                    |p| matches!(p.conn, ConnState::RateLimited { until_ms } if until_ms <= now),
                )
                .map(|p| p.id)
                .collect();
            for pid in paused_over {
                recompute_conn(state, pid);
            }
            // Ages and live durations move every second.
            state.dirty = true;
            return Vec::new();
        }
        Action::Fetched(f) => on_fetched(state, *f),
        Action::Feed(m) => crate::attach::fold::apply(state, *m),
        Action::Budget { provider, budget } => {
            if let Some(p) = state.providers.get_mut(provider.0 as usize) {
                p.budget = budget;
            }
            // Folded into the next tick's frame: a poller's countdown alone, once a second
            // and out of phase with the tick, never draws a frame of its own.
            return Vec::new();
        }
        Action::RateLimited { provider, until_ms } => {
            let now = state.now_ms;
            if let Some(p) = state.providers.get_mut(provider.0 as usize) {
                p.conn = ConnState::RateLimited { until_ms };
                p.link_error = Some(Failure::new(
                    ErrorKind::RateLimited,
                    format!(
                        "provider answered 429; polls paused until {}",
                        crate::format::clock(until_ms, now, &state.tz)
                    ),
                    now,
                ));
                let text = format!(
                    "{}: provider answered 429; pausing its polls for {} s",
                    p.name,
                    ((until_ms - state.now_ms) / 1000).max(1)
                );
                set_message(state, Level::Warn, text.clone());
                state.message_failure = Some((provider, None, ErrorKind::RateLimited, text));
            }
        }
        Action::RefreshAnswer { provider, wait } => {
            let name = state
                .provider(provider)
                .map(|p| p.name.clone())
                .unwrap_or_default();
            let recent = state
                .message
                .as_ref()
                .is_some_and(|m| state.now_ms - m.at_ms < 3_000);
            match wait {
                // Do not cover a fresher message (an edit's result) with "refreshing".
                // With several providers, one's budget wait must not cover the edit's
                // result either (the refresh still runs when the budget allows).
                None | Some(_) if recent => {}
                None => set_message(state, Level::Info, format!("{name}: refreshing")),
                Some(d) => set_message(
                    state,
                    Level::Warn,
                    format!(
                        "{name}: API budget spent; refresh runs in {} s",
                        d.as_secs_f64().ceil() as u64
                    ),
                ),
            }
        }
        Action::Previewed { ticket, result } => crate::ops::on_previewed(state, ticket, result),
        Action::Mutated {
            ticket,
            provider,
            command,
            result,
        } => return crate::ops::on_mutated(state, ticket, provider, &command, result),
        Action::Exported(Ok((path, rows))) => {
            let s = if rows == 1 { "" } else { "s" };
            set_message(
                state,
                Level::Info,
                format!("exported {rows} row{s} to {path} (y copies the path)"),
            );
            state.last_export = Some(path);
        }
        Action::Exported(Err(e)) => set_message(state, Level::Error, format!("export failed: {e}")),
        Action::AuditLoaded(entries) => {
            state.overlay = Some(Overlay::Audit { entries, scroll: 0 });
        }
        Action::Notice { level, text } => set_message(state, level, redact(&text).into_owned()),
        Action::HistoryLoaded(calls) => history_loaded(state, calls),
        Action::HistoryOfNumber { number, calls } => {
            state.trace_history = Some((crate::trace::digits(&number), calls));
            state.dirty = true;
        }
        Action::HistoryWriteFailed => {
            if let Some(stored) = &mut state.stored_history {
                stored.forget_written();
            }
        }
        Action::ProviderDown { provider, message } => {
            let message = redact(&message).into_owned();
            let now = state.now_ms;
            if let Some(p) = state.providers.get_mut(provider.0 as usize) {
                p.conn = ConnState::Unreachable(message.clone());
                // It cannot be polled at all: every pane it feeds says so.
                p.link_error = Some(Failure::new(ErrorKind::Unreachable, message.clone(), now));
                let text = format!("{}: {message}", p.name);
                set_message(state, Level::Error, text.clone());
                state.message_failure = Some((provider, None, ErrorKind::Unreachable, text));
            }
        }
    }
    state.dirty = true;
    Vec::new()
}

fn set_message(state: &mut State, level: Level, text: String) {
    state.message_failure = None;
    state.last_export = None;
    state.message = Some(Message {
        text,
        level,
        at_ms: state.now_ms,
    });
}

/// Rows in one page of the focused table.
fn page(state: &State) -> usize {
    crate::state::layout::table_height(state.size).max(1)
}

/// Runs `f` on the focused table, whatever its row type.
fn with_focused(state: &mut State, f: impl Fn(&mut dyn TableOps, &crate::state::table::Ctx)) {
    let ctx = crate::state::table::Ctx {
        now_ms: state.now_ms,
        provider_names: &state.provider_names,
        tz: &state.tz,
        thresholds: state.thresholds,
    };
    let t = &mut state.tables;
    match state.focus {
        Resource::Accounts => f(&mut t.accounts, &ctx),
        Resource::LiveCalls => f(&mut t.live, &ctx),
        Resource::CallHistory => f(&mut t.history, &ctx),
        Resource::Trunks => f(&mut t.trunks, &ctx),
        Resource::Numbers => f(&mut t.numbers, &ctx),
        Resource::Queues => f(&mut t.queues, &ctx),
    }
}

/// The table operations `update` needs, independent of the row type.
trait TableOps {
    fn move_by(&mut self, delta: isize, height: usize);
    fn select_first(&mut self, height: usize);
    fn select_last(&mut self, height: usize);
    fn ensure_visible(&mut self, height: usize);
    fn set_filter(&mut self, filter: &str, ctx: &crate::state::table::Ctx);
    fn sort_next(&mut self, ctx: &crate::state::table::Ctx);
    fn sort_reverse(&mut self, ctx: &crate::state::table::Ctx);
    fn filter(&self) -> String;
    /// Why the typed filter cannot be used (a bad regular expression), if it cannot.
    fn filter_error(&self) -> Option<String>;
    fn details(&self, ctx: &crate::state::table::Ctx)
    -> Option<(String, Vec<crate::model::Field>)>;
    /// The selected row's main value (its first column's text).
    fn copy_value(&self, ctx: &crate::state::table::Ctx) -> Option<String>;
    fn export_csv(&self, ctx: &crate::state::table::Ctx) -> Result<(Vec<u8>, usize), String>;
}

impl<T: crate::state::table::Row> TableOps for crate::state::table::TableView<T> {
    fn move_by(&mut self, delta: isize, height: usize) {
        crate::state::table::TableView::move_by(self, delta, height)
    }
    fn select_first(&mut self, height: usize) {
        crate::state::table::TableView::select_first(self, height)
    }
    fn select_last(&mut self, height: usize) {
        crate::state::table::TableView::select_last(self, height)
    }
    fn ensure_visible(&mut self, height: usize) {
        crate::state::table::TableView::ensure_visible(self, height)
    }
    fn set_filter(&mut self, filter: &str, ctx: &crate::state::table::Ctx) {
        crate::state::table::TableView::set_filter(self, filter, ctx)
    }
    fn sort_next(&mut self, ctx: &crate::state::table::Ctx) {
        crate::state::table::TableView::sort_next(self, ctx)
    }
    fn sort_reverse(&mut self, ctx: &crate::state::table::Ctx) {
        crate::state::table::TableView::sort_reverse(self, ctx)
    }
    fn filter(&self) -> String {
        self.filter.clone()
    }
    fn filter_error(&self) -> Option<String> {
        self.filter_error.clone()
    }
    fn copy_value(&self, ctx: &crate::state::table::Ctx) -> Option<String> {
        let row = self.selected_row()?;
        row.copy_text(ctx)
    }
    fn export_csv(&self, ctx: &crate::state::table::Ctx) -> Result<(Vec<u8>, usize), String> {
        crate::state::export::csv_of(self, ctx)
    }
    fn details(
        &self,
        ctx: &crate::state::table::Ctx,
    ) -> Option<(String, Vec<crate::model::Field>)> {
        let row = self.selected_row()?;
        let title = format!("{} {}", ctx.provider_name(row.provider()), row.id());
        Some((title, row.fields(ctx)))
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    state.dirty = true;
    // Overlays take keys first.
    match &mut state.overlay {
        Some(Overlay::Palette) => return on_palette_key(state, key),
        Some(Overlay::Form(_)) => return crate::ops::on_form_key(state, key),
        Some(Overlay::ConfirmWrite { apply }) => {
            match key.code {
                KeyCode::Tab | KeyCode::BackTab | KeyCode::Left | KeyCode::Right => {
                    *apply = !*apply
                }
                KeyCode::Enter if *apply => return enable_write(state),
                KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q') => state.overlay = None,
                _ => {}
            }
            return Vec::new();
        }
        Some(Overlay::Audit { scroll, .. }) => {
            match key.code {
                KeyCode::Down | KeyCode::Char('j') => *scroll = scroll.saturating_add(1),
                KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
                KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter => state.overlay = None,
                _ => {}
            }
            return Vec::new();
        }
        _ => {}
    }
    // The trace key on a row's details traces that row's number.
    if matches!(state.overlay, Some(Overlay::Details { .. }))
        && state.keymap.command_for(&key, state.focus) == Some(CommandId::Trace)
    {
        state.overlay = None;
        return run_command(state, CommandId::Trace, "");
    }
    let trace_lines = match &state.overlay {
        Some(Overlay::Trace { query, .. }) => {
            crate::trace::text::lines(&crate::trace::trace(state, query), state.now_ms, &state.tz)
                .len()
        }
        _ => 0,
    };
    let help_max = match &state.overlay {
        Some(Overlay::Help) => crate::state::help_text::max_scroll(state),
        _ => 0,
    };
    let alerts_n = state.alerts.list.len();
    let page_h = state.size.1.saturating_sub(4).max(1);
    if let Some(overlay) = &mut state.overlay {
        match (overlay, key.code) {
            (_, KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter) => state.overlay = None,
            (Overlay::Help, KeyCode::Char('?')) => state.overlay = None,
            (Overlay::Help, KeyCode::Down | KeyCode::Char('j')) => {
                state.help_scroll = state.help_scroll.saturating_add(1).min(help_max)
            }
            (Overlay::Help, KeyCode::Up | KeyCode::Char('k')) => {
                state.help_scroll = state.help_scroll.saturating_sub(1)
            }
            (Overlay::Help, KeyCode::PageDown | KeyCode::Char(' ')) => {
                state.help_scroll = state.help_scroll.saturating_add(page_h).min(help_max)
            }
            (Overlay::Help, KeyCode::PageUp) => {
                state.help_scroll = state.help_scroll.saturating_sub(page_h)
            }
            (Overlay::Help, KeyCode::Home | KeyCode::Char('g')) => state.help_scroll = 0,
            (Overlay::Help, KeyCode::End | KeyCode::Char('G')) => state.help_scroll = help_max,
            (Overlay::Alerts { scroll }, KeyCode::Down | KeyCode::Char('j')) => {
                let max = crate::state::layout::details_max_scroll(state.size, alerts_n);
                *scroll = scroll.saturating_add(1).min(max)
            }
            (Overlay::Alerts { scroll }, KeyCode::Up | KeyCode::Char('k')) => {
                *scroll = scroll.saturating_sub(1)
            }
            (Overlay::Themes { scroll, lines }, KeyCode::Down | KeyCode::Char('j')) => {
                let max = crate::state::layout::details_max_scroll(state.size, lines.len());
                *scroll = scroll.saturating_add(1).min(max)
            }
            (Overlay::Themes { scroll, .. }, KeyCode::Up | KeyCode::Char('k')) => {
                *scroll = scroll.saturating_sub(1)
            }
            (Overlay::Details { scroll, fields, .. }, KeyCode::Down | KeyCode::Char('j')) => {
                let max = crate::state::layout::details_max_scroll(state.size, fields.len());
                *scroll = scroll.saturating_add(1).min(max)
            }
            (Overlay::Details { scroll, .. }, KeyCode::Up | KeyCode::Char('k')) => {
                *scroll = scroll.saturating_sub(1)
            }
            (Overlay::Flow { scroll, lines, .. }, KeyCode::Down | KeyCode::Char('j')) => {
                let max = crate::state::layout::flow_max_scroll(state.size, lines.len());
                *scroll = scroll.saturating_add(1).min(max)
            }
            (Overlay::Flow { scroll, .. }, KeyCode::Up | KeyCode::Char('k')) => {
                *scroll = scroll.saturating_sub(1)
            }
            (Overlay::Trace { scroll, .. }, KeyCode::Down | KeyCode::Char('j')) => {
                let max = crate::state::layout::flow_max_scroll(state.size, trace_lines);
                *scroll = scroll.saturating_add(1).min(max)
            }
            (Overlay::Trace { scroll, .. }, KeyCode::Up | KeyCode::Char('k')) => {
                *scroll = scroll.saturating_sub(1)
            }
            _ => {}
        }
        return Vec::new();
    }
    if state.mode == Mode::Filter {
        match key.code {
            KeyCode::Enter => state.mode = Mode::Normal,
            KeyCode::Esc => {
                state.filter_input.reset();
                state.mode = Mode::Normal;
                apply_filter(state);
            }
            _ => {
                state.filter_input.handle_event(&Event::Key(key));
                apply_filter(state);
            }
        }
        return Vec::new();
    }
    match state.keymap.command_for(&key, state.focus) {
        Some(cmd) => run_command(state, cmd, ""),
        None => Vec::new(),
    }
}

/// Runs a command if it can run now; otherwise says why (and audits a refused change).
pub fn run_command(state: &mut State, cmd: CommandId, args: &str) -> Vec<Effect> {
    let command = crate::command::by_id(cmd);
    let verdict = crate::command::availability(command, &state.command_ctx());
    match verdict {
        Ok(()) => on_command_args(state, cmd, args),
        // `:write` itself is how read-only ends, and `:read-only` is always allowed.
        Err(_) if cmd == CommandId::ToggleReadOnly => on_command_args(state, cmd, args),
        Err(reason) => {
            state.dirty = true;
            set_message(state, Level::Warn, format!("{}: {reason}", command.title));
            if command.mutating {
                vec![crate::ops::refused(state, command.name, args, &reason)]
            } else {
                Vec::new()
            }
        }
    }
}

fn on_palette_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    state.dirty = true;
    let ctx = state.command_ctx();
    let items = state
        .palette
        .matches(&crate::command::COMMANDS, &ctx, &state.keymap);
    match state.palette.handle_key(&key, &items) {
        crate::palette::PaletteEvent::None => Vec::new(),
        // A change greyed in the palette is a refused attempt: audited like its key.
        crate::palette::PaletteEvent::Refused(reason) => {
            match state.palette.selected_item(&items) {
                Some(item) if crate::command::by_id(item.id).mutating => {
                    let name = crate::command::by_id(item.id).name;
                    vec![crate::ops::refused(state, name, &item.args, &reason)]
                }
                _ => Vec::new(),
            }
        }
        crate::palette::PaletteEvent::Close => {
            state.overlay = None;
            Vec::new()
        }
        crate::palette::PaletteEvent::Run(id, args) => {
            state.overlay = None;
            run_command(state, id, &args)
        }
    }
}

/// Applies the typed filter to the focused pane. A filter that cannot be used (a bad
/// regular expression) stays as typed and its reason goes to the message line, which
/// clears again once the filter is fixed.
fn apply_filter(state: &mut State) {
    let text = state.filter_input.value().to_string();
    let height = page(state);
    let error = std::cell::RefCell::new(None);
    with_focused(state, |t, ctx| {
        t.set_filter(&text, ctx);
        t.ensure_visible(height);
        *error.borrow_mut() = t.filter_error();
    });
    match error.into_inner() {
        Some(e) => set_message(state, Level::Warn, e),
        None if state
            .message
            .as_ref()
            .is_some_and(|m| m.text.starts_with(crate::state::filter::ERROR_PREFIX)) =>
        {
            state.message = None;
        }
        None => {}
    }
    state.dirty = true;
}

fn focus(state: &mut State, r: Resource) -> Vec<Effect> {
    if state.focus == r {
        return Vec::new();
    }
    state.focus = r;
    state.mode = Mode::Normal;
    // The prompt shows the newly focused table's own filter.
    let filter = focused_filter(state).unwrap_or_default();
    state.filter_input = tui_input::Input::new(filter);
    vec![Effect::Visible(r)]
}

fn focused_filter(state: &mut State) -> Option<String> {
    let cell = std::cell::RefCell::new(None);
    with_focused(state, |t, _| *cell.borrow_mut() = Some(t.filter()));
    cell.into_inner()
}

fn on_command_args(state: &mut State, cmd: CommandId, args: &str) -> Vec<Effect> {
    use crate::ops::{Intent, open};
    state.dirty = true;
    let height = page(state);
    let idx = Resource::ALL
        .iter()
        .position(|r| *r == state.focus)
        .unwrap_or(0);
    match cmd {
        CommandId::Quit => {
            state.quit = true;
            return vec![Effect::Quit];
        }
        CommandId::Help => {
            state.help_scroll = 0;
            state.overlay = Some(Overlay::Help);
        }
        CommandId::Alerts => state.overlay = Some(Overlay::Alerts { scroll: 0 }),
        CommandId::Themes => {
            let (dirs, current) = &state.themes;
            let lines = crate::theme::list(dirs)
                .into_iter()
                .map(|(name, origin)| {
                    let mark = if name == *current { " (in use)" } else { "" };
                    (name.into(), format!("{origin}{mark}").into())
                })
                .collect();
            state.overlay = Some(Overlay::Themes { lines, scroll: 0 });
        }
        CommandId::Export => {
            let cell = std::cell::RefCell::new(Err(String::new()));
            with_focused(state, |t, ctx| *cell.borrow_mut() = t.export_csv(ctx));
            match cell.into_inner() {
                Ok((bytes, rows)) => {
                    let name = crate::state::export::file_name(state.focus.title(), state.now_ms);
                    return vec![Effect::Export { name, bytes, rows }];
                }
                Err(e) => set_message(state, Level::Error, format!("export failed: {e}")),
            }
        }
        CommandId::NextPane => return focus(state, Resource::ALL[(idx + 1) % Resource::ALL.len()]),
        CommandId::PrevPane => {
            let n = Resource::ALL.len();
            return focus(state, Resource::ALL[(idx + n - 1) % n]);
        }
        CommandId::Pane(r) => return focus(state, r),
        CommandId::Up => with_focused(state, |t, _| t.move_by(-1, height)),
        CommandId::Down => with_focused(state, |t, _| t.move_by(1, height)),
        CommandId::PageUp => with_focused(state, |t, _| t.move_by(-(height as isize), height)),
        CommandId::PageDown => with_focused(state, |t, _| t.move_by(height as isize, height)),
        CommandId::Top => with_focused(state, |t, _| t.select_first(height)),
        CommandId::Bottom => with_focused(state, |t, _| t.select_last(height)),
        CommandId::Filter => {
            let current = focused_filter(state).unwrap_or_default();
            state.filter_input = tui_input::Input::new(current);
            state.mode = Mode::Filter;
        }
        CommandId::SortNext => with_focused(state, |t, ctx| {
            t.sort_next(ctx);
            t.ensure_visible(height);
        }),
        CommandId::SortReverse => with_focused(state, |t, ctx| {
            t.sort_reverse(ctx);
            t.ensure_visible(height);
        }),
        CommandId::TreeToggle => toggle_tree(state),
        CommandId::Details => {
            let cell = std::cell::RefCell::new(None);
            with_focused(state, |t, ctx| *cell.borrow_mut() = t.details(ctx));
            if let Some((title, fields)) = cell.into_inner() {
                state.overlay = Some(Overlay::Details {
                    title,
                    fields,
                    scroll: 0,
                });
            }
        }
        CommandId::Close => {
            if state.overlay.is_some() {
                state.overlay = None;
            } else if !state.filter_input.value().is_empty()
                || focused_filter(state).is_some_and(|f| !f.is_empty())
            {
                state.filter_input.reset();
                apply_filter(state);
            }
        }
        CommandId::Refresh if state.attached.is_some() => {
            // No poller here: the collector reads the providers on its own budget clock.
            set_message(
                state,
                Level::Info,
                "attached: the collector reads the providers on its budget clock; \
                 the status bar shows each one's data age"
                    .to_string(),
            );
        }
        CommandId::Refresh => return vec![Effect::RefreshNow(None)],
        CommandId::StatsWindow if state.attached.is_some() => {
            set_message(
                state,
                Level::Info,
                "attached: queue figures are the collector's, for its window; \
                 w switches windows in local mode"
                    .to_string(),
            );
        }
        CommandId::StatsWindow => {
            let w = state.stats_window.next();
            state.stats_window = w;
            recompute_group_stats(state, None);
            set_message(
                state,
                Level::Info,
                format!("queue statistics: {}", w.label()),
            );
            return Vec::new();
        }
        CommandId::Palette => {
            state.palette.open();
            state.overlay = Some(Overlay::Palette);
        }
        CommandId::Call => return open(state, Intent::Call, args),
        CommandId::Hangup => return open(state, Intent::Hangup, args),
        CommandId::TrunkNew => return open(state, Intent::TrunkNew, args),
        CommandId::TrunkEdit => return open(state, Intent::TrunkEdit, args),
        CommandId::TrunkDelete => return open(state, Intent::TrunkDelete, args),
        CommandId::NumberEdit => return open(state, Intent::NumberEdit, args),
        CommandId::NumberToggle => return open(state, Intent::NumberToggle, args),
        CommandId::NumberNew => return open(state, Intent::NumberNew, args),
        CommandId::NumberDelete => return open(state, Intent::NumberDelete, args),
        CommandId::Repoint => return open(state, Intent::Repoint, args),
        CommandId::NumberMark => {
            state.tables.numbers.toggle_mark();
            state.dirty = true;
        }
        CommandId::Form(op) => return open(state, Intent::Other(op), args),
        CommandId::Copy if state.last_export.is_some() => {
            let path = state.last_export.take().unwrap_or_default();
            set_message(state, Level::Info, format!("copied {path}"));
            return vec![Effect::Copy(path)];
        }
        CommandId::Copy => {
            let cell = std::cell::RefCell::new(None);
            with_focused(state, |t, ctx| *cell.borrow_mut() = t.copy_value(ctx));
            match cell.into_inner() {
                Some(text) => {
                    set_message(state, Level::Info, format!("copied {text}"));
                    return vec![Effect::Copy(text)];
                }
                None => set_message(state, Level::Warn, "nothing selected to copy".into()),
            }
        }
        CommandId::ShowPaths => {
            let text = state
                .paths
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("  ");
            set_message(state, Level::Info, text);
        }
        CommandId::Audit => return vec![Effect::LoadAudit],
        CommandId::Flow => {
            let row = (state.focus == Resource::Accounts)
                .then(|| state.tables.accounts.selected_row())
                .flatten();
            match row {
                Some(r) => {
                    state.overlay = Some(Overlay::Flow {
                        title: format!("Call flow of {}", r.account.name),
                        lines: r.account.flow_lines(),
                        scroll: 0,
                    })
                }
                None => set_message(
                    state,
                    Level::Warn,
                    "select an account first (pane 1)".into(),
                ),
            }
        }
        CommandId::Trace => {
            let query = match args.trim() {
                "" => crate::trace::selected_number(state),
                typed => Some(typed.to_owned()),
            };
            match query {
                Some(query) => {
                    state.overlay = Some(Overlay::Trace {
                        query: query.clone(),
                        scroll: 0,
                    });
                    return vec![Effect::LookupHistory { number: query }];
                }
                None => set_message(
                    state,
                    Level::Warn,
                    "trace: type :trace <number>, or select a number, a live call or a history row"
                        .into(),
                ),
            }
        }
        CommandId::Scope => match parse_scope(state, args) {
            Ok(scope) => {
                let text = match &scope {
                    None => "scope: all providers".to_string(),
                    Some(_) => format!("scope: {}", args.trim()),
                };
                set_scope(state, scope);
                set_message(state, Level::Info, text);
            }
            Err(e) => set_message(state, Level::Warn, e),
        },
        CommandId::ToggleReadOnly => {
            let writable = state.write.writable(state.now_ms);
            let want_write = match args.trim() {
                "write" => true,
                "read-only" | "readonly" => false,
                _ => !writable,
            };
            if !want_write {
                return disable_write(state);
            }
            let selected_pinned = state
                .selected_provider()
                .and_then(|id| state.provider(id))
                .filter(|p| p.config_read_only)
                .map(|p| p.name.clone());
            if let Some(name) = selected_pinned.filter(|_| writable) {
                // `:write` cannot lift a pin from the config file: say so, not "allowed".
                let text = format!(
                    "{}; :write does not change that (other providers accept changes)",
                    crate::state::pinned_reason(&name)
                );
                set_message(state, Level::Warn, text);
            } else if writable {
                set_message(state, Level::Info, "changes are already allowed".into());
            } else {
                // Cancel is focused: Enter alone changes nothing.
                state.overlay = Some(Overlay::ConfirmWrite { apply: false });
            }
        }
    }
    Vec::new()
}

fn on_fetched(state: &mut State, f: Fetched) {
    let pid = f.provider;
    let Some(p) = state.providers.get_mut(pid.0 as usize) else {
        return;
    };
    if f.epoch != p.epoch {
        return;
    }
    let status = p.jobs.entry(f.job.clone()).or_default();
    if f.seq <= status.last_seq {
        // A slower, older response arriving after a newer one: drop it.
        return;
    }
    status.last_seq = f.seq;
    status.stale_after_ms = f.stale_after_ms;
    let name = p.name.clone();
    match f.result {
        Ok(data) => {
            status.last_ok_ms = Some(f.at_ms);
            status.last_error = None;
            p.last_ok_ms = Some(f.at_ms);
            clear_link_errors(state, pid, &f.job, f.at_ms);
            apply_data(state, pid, &f.job.scope, data);
        }
        Err(e) => {
            let text = redact(&e.to_string()).into_owned();
            let kind = ErrorKind::of(&e);
            let first = status.last_error.as_ref().map(|f| f.text.as_str()) != Some(text.as_str());
            // Still failing since the last success: the run keeps its start.
            let since_ms = status.last_error.as_ref().map_or(f.at_ms, |e| e.since_ms);
            status.last_error = Some(Failure {
                kind,
                text: text.clone(),
                since_ms,
                at_ms: f.at_ms,
            });
            if first {
                let what = f.job.kind.label();
                let scope = if f.job.scope.is_empty() {
                    String::new()
                } else {
                    format!(" {}", f.job.scope)
                };
                let line = format!("{name}: {what}{scope}: {text}");
                set_message(state, Level::Error, line.clone());
                state.message_failure = Some((pid, Some(f.job.clone()), kind, line));
            }
        }
    }
    recompute_conn(state, pid);
}

/// A success of `job` at `at_ms`: the provider answers, so every error about its link
/// (unreachable, key rejected, 429) seen up to then is over, on every job and pane; and
/// the message line stops reporting a failure this success cleared.
fn clear_link_errors(
    state: &mut State,
    pid: ProviderId,
    job: &crate::providers::JobKey,
    at_ms: i64,
) {
    let Some(p) = state.providers.get_mut(pid.0 as usize) else {
        return;
    };
    let over = |f: &Option<Failure>| {
        f.as_ref()
            .is_some_and(|f| f.kind.is_link() && f.at_ms <= at_ms)
    };
    if over(&p.link_error) {
        p.link_error = None;
    }
    for s in p.jobs.values_mut() {
        if over(&s.last_error) {
            s.last_error = None;
        }
    }
    if let Some((mp, mjob, kind, text)) = &state.message_failure
        && *mp == pid
        && (kind.is_link() || mjob.as_ref() == Some(job))
    {
        if state.message.as_ref().is_some_and(|m| &m.text == text) {
            state.message = None;
        }
        state.message_failure = None;
    }
}

/// Derives the provider's connection state from its errors: the worst kind wins (a key
/// rejected over unreachable over a 429 over unreadable bodies over failing requests).
/// A running 429 pause keeps its countdown unless the key was rejected.
fn recompute_conn(state: &mut State, pid: ProviderId) {
    let now = state.now_ms;
    let Some(p) = state.providers.get_mut(pid.0 as usize) else {
        return;
    };
    let worst = p
        .jobs
        .values()
        .filter_map(|j| j.last_error.as_ref())
        .chain(p.link_error.as_ref())
        .max_by_key(|f| (f.kind, f.at_ms));
    if let ConnState::RateLimited { until_ms } = p.conn
        && until_ms > now
        && worst.is_none_or(|f| f.kind != ErrorKind::Auth)
    {
        return;
    }
    p.conn = if let Some(f) = worst {
        ConnState::of(f)
    } else if p.last_ok_ms.is_some() {
        ConnState::Ok
    } else {
        ConnState::Connecting
    };
}

/// The store's calls arrive: each shows in the History pane unless a poll already shows
/// that call; from now on every poll's history is merged with them.
fn history_loaded(state: &mut State, calls: Vec<crate::model::Call>) {
    let mut stored = crate::state::history::StoredHistory::new(calls, state.history_rows);
    let t = &mut state.tables.history;
    // Moved into the pane: from now on they live in its rows only.
    let mut add = stored.take_unshown(&t.rows);
    for c in &mut add {
        state
            .account_names
            .resolve(c.provider, std::slice::from_mut(c));
    }
    let keep = t.selected_row().map(|r| (r.provider, r.id.to_string()));
    t.rows.extend(add);
    let ctx = crate::state::table::Ctx {
        now_ms: state.now_ms,
        provider_names: &state.provider_names,
        tz: &state.tz,
        thresholds: state.thresholds,
    };
    t.rebuild(&ctx, keep);
    state.stored_history = Some(stored);
    state.dirty = true;
}

/// `tree.toggle`: folds or unfolds the selected account's sub-accounts.
fn toggle_tree(state: &mut State) {
    let t = &state.tables.accounts;
    let Some(&sel) = t.view.get(t.selected) else {
        return;
    };
    let sel = sel as usize;
    let Some(row) = t.rows.get(sel) else {
        return;
    };
    let has_children = t
        .rows
        .get(sel + 1)
        .is_some_and(|n| n.account.provider == row.account.provider && n.depth > row.depth);
    let key = (row.account.provider, row.account.id.clone());
    if !has_children && !state.collapsed.contains(&key) {
        let name = row.account.name.clone();
        set_message(
            state,
            Level::Info,
            format!("{name} has no sub-accounts to fold"),
        );
        return;
    }
    if !state.collapsed.remove(&key) {
        state.collapsed.insert(key);
    }
    let ctx = crate::state::table::Ctx {
        now_ms: state.now_ms,
        provider_names: &state.provider_names,
        tz: &state.tz,
        thresholds: state.thresholds,
    };
    let t = &mut state.tables.accounts;
    apply_collapse(&mut t.rows, &state.collapsed);
    let keep = t
        .selected_row()
        .map(|r| (r.account.provider, r.account.id.clone()));
    t.rebuild(&ctx, keep);
    t.ensure_visible(crate::state::layout::table_height(state.size).max(1));
}

/// Parses `:scope` arguments: `all`, `<provider>`, `<provider>/<account>` or an account id
/// (searched across providers).
pub fn parse_scope(state: &State, args: &str) -> Result<Option<Scope>, String> {
    let args = args.trim();
    if args.is_empty() || args == "all" {
        return Ok(None);
    }
    let find_provider = |name: &str| {
        state
            .providers
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| p.id)
    };
    let account_exists = |p: ProviderId, a: &str| {
        state
            .tables
            .accounts
            .rows
            .iter()
            .any(|r| r.account.provider == p && r.account.id == a)
    };
    if let Some((p, a)) = args.split_once('/') {
        let provider = find_provider(p).ok_or_else(|| format!("no provider named {p}"))?;
        if !account_exists(provider, a) {
            return Err(format!("{p} has no account {a}"));
        }
        return Ok(Some(Scope {
            provider,
            account: Some(a.to_string()),
        }));
    }
    if let Some(provider) = find_provider(args) {
        return Ok(Some(Scope {
            provider,
            account: None,
        }));
    }
    let hits: Vec<&AccountRow> = state
        .tables
        .accounts
        .rows
        .iter()
        .filter(|r| r.account.id == args || r.account.name == args)
        .filter(|r| r.account.kind != AccountKind::Provider)
        .collect();
    match hits.as_slice() {
        [one] => Ok(Some(Scope {
            provider: one.account.provider,
            account: Some(one.account.id.clone()),
        })),
        [] => Err(format!("no provider or account named {args}")),
        _ => Err(format!(
            "{args} is in several providers: use provider/{args}"
        )),
    }
}

/// The scope `--scope` names: `provider` or `provider/account-id` among `providers`'
/// names (any case). The account need not have arrived: rows are matched by its id.
pub fn start_scope(providers: &[String], text: &str) -> Result<Scope, String> {
    let (name, account) = match text.trim().split_once('/') {
        Some((p, a)) if !a.trim().is_empty() => (p.trim(), Some(a.trim().to_string())),
        Some((p, _)) => (p.trim(), None),
        None => (text.trim(), None),
    };
    let provider = providers
        .iter()
        .position(|p| p.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            format!(
                "--scope {text}: no provider named \"{name}\" (configured: {})",
                providers.join(", ")
            )
        })?;
    Ok(Scope {
        provider: ProviderId(provider as u16),
        account,
    })
}

/// Opens the console as `view` says: focus on its pane, narrowed to its scope (one the
/// providers do not name is said on the message line), its filter on that pane, key
/// hints on or off. Returns what the pollers must hear (the pane on screen).
pub fn open_view(state: &mut State, view: &crate::state::StartView) -> Vec<Effect> {
    state.hints = view.hints;
    let effects = focus(state, view.pane.unwrap_or(Resource::LiveCalls));
    if let Some(text) = &view.scope {
        match start_scope(&state.provider_names, text) {
            Ok(scope) => set_scope(state, Some(scope)),
            Err(e) => set_message(state, Level::Warn, e),
        }
    }
    if let Some(filter) = view.filter.as_deref().filter(|f| !f.is_empty()) {
        state.filter_input = tui_input::Input::new(filter.to_string());
        apply_filter(state);
    }
    state.dirty = true;
    effects
}

/// Narrows every pane to `scope` (None: everything). The accounts tree narrows to the
/// provider only, so the account stays visible in its place.
pub fn set_scope(state: &mut State, scope: Option<Scope>) {
    let ctx = crate::state::table::Ctx {
        now_ms: state.now_ms,
        provider_names: &state.provider_names,
        tz: &state.tz,
        thresholds: state.thresholds,
    };
    let t = &mut state.tables;
    let provider_only = scope.as_ref().map(|s| Scope {
        provider: s.provider,
        account: None,
    });
    t.accounts.set_scope(provider_only, &ctx);
    t.live.set_scope(scope.clone(), &ctx);
    t.history.set_scope(scope.clone(), &ctx);
    t.trunks.set_scope(scope.clone(), &ctx);
    t.numbers.set_scope(scope.clone(), &ctx);
    t.queues.set_scope(scope.clone(), &ctx);
    let height = crate::state::layout::table_height(state.size).max(1);
    with_focused(state, |t, _| t.ensure_visible(height));
    state.scope = scope;
    state.dirty = true;
}

/// How long `:write` lifts read-only mode.
pub const WRITE_MODE_MS: i64 = 10 * 60 * 1000;

/// `:write` confirmed: changes allowed for ten minutes, then read-only again by itself.
fn enable_write(state: &mut State) -> Vec<Effect> {
    state.overlay = None;
    state.write.write_until_ms = Some(state.now_ms + WRITE_MODE_MS);
    let pinned = state.pinned_names().join(", ");
    let text = if pinned.is_empty() {
        "write mode on for 10 minutes: changes are sent to the providers".to_string()
    } else {
        format!(
            "write mode on for 10 minutes: changes are sent to the providers except {pinned} (pinned read-only in the config file)"
        )
    };
    set_message(state, Level::Warn, text);
    vec![
        Effect::SetWritable(true),
        Effect::AuditNote {
            command: "write".into(),
            message: "write mode enabled for 10 minutes".into(),
        },
    ]
}

/// `:read-only`: back to read-only now.
pub fn disable_write(state: &mut State) -> Vec<Effect> {
    state.write.read_only = true;
    state.write.write_until_ms = None;
    set_message(state, Level::Info, "read-only: changes are refused".into());
    vec![
        Effect::SetWritable(false),
        Effect::AuditNote {
            command: "read-only".into(),
            message: "read-only mode switched on".into(),
        },
    ]
}
