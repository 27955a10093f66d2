//! Operator actions, the pure part: from a command to a form (or a Cancel-first
//! confirmation), from the submitted form to a [`Mutation`], and from the provider's
//! answer back to the form. `update` calls these; the app sends what they ask for.
//!
//! Nothing here sends a request: previews and mutations leave as [`Effect`]s, and a
//! mutation is sent at most once.

use crate::action::Effect;
use crate::form::spec::FormSpec;
use crate::form::{Form, FormEvent};
use crate::model::{AccountKind, Call, Number, ProviderId, Resource, Trunk};
pub use crate::providers::forms::Intent;
use crate::providers::forms::{self as pforms, FormContext, ProviderTarget};
use crate::providers::{self, MutationOutcome, ProviderError, RequestPreview};
pub use crate::state::FormOverlay;
use crate::state::{Level, Message, Overlay, State};

fn say(state: &mut State, level: Level, text: impl Into<String>) {
    state.message = Some(Message {
        text: text.into(),
        level,
        at_ms: state.now_ms,
    });
}

fn next_ticket(state: &mut State) -> u64 {
    state.tickets += 1;
    state.tickets
}

/// Live calls routed over a trunk (sessions name their trunk in `extra`).
pub fn live_calls_on_trunk(state: &State, provider: ProviderId, trunk: &Trunk) -> usize {
    state
        .tables
        .live
        .rows
        .iter()
        .filter(|c| c.provider == provider && c.account == trunk.account)
        .filter(|c| {
            c.extra
                .iter()
                .any(|(k, v)| (k == "inbound trunk" || k == "outbound trunk") && *v == trunk.name)
        })
        .count()
}

/// The provider and account an action applies to: the selected row's, else the scope's,
/// else the only provider's first domain.
fn context_account(state: &State) -> Option<(ProviderId, String)> {
    let sel = match state.focus {
        Resource::Trunks => state
            .tables
            .trunks
            .selected_row()
            .map(|r| (r.provider, r.account.clone())),
        Resource::Numbers => state
            .tables
            .numbers
            .selected_row()
            .map(|r| (r.provider, r.account.clone())),
        Resource::LiveCalls => state
            .tables
            .live
            .selected_row()
            .map(|r| (r.provider, r.account.to_string())),
        Resource::CallHistory => state
            .tables
            .history
            .selected_row()
            .map(|r| (r.provider, r.account.to_string())),
        // A provider acts on the account kind its descriptor names (any below the root
        // when it names none).
        Resource::Accounts => state
            .tables
            .accounts
            .selected_row()
            .filter(|r| {
                let acts_on = state
                    .provider(r.account.provider)
                    .and_then(|p| providers::descriptor(p.kind).acts_on);
                match (r.account.kind, acts_on) {
                    (AccountKind::Provider, _) => false,
                    (AccountKind::Domain, _) => true,
                    (kind, Some(only)) => kind == only,
                    (_, None) => true,
                }
            })
            .map(|r| (r.account.provider, r.account.id.clone())),
        Resource::Queues => None,
    };
    sel.or_else(|| {
        let scope = state.scope.as_ref()?;
        Some((scope.provider, scope.account.clone()?))
    })
    .or_else(|| {
        state
            .tables
            .accounts
            .rows
            .iter()
            .find(|r| r.account.kind == AccountKind::Domain)
            .map(|r| (r.account.provider, r.account.id.clone()))
    })
}

fn selected_trunk(state: &State) -> Option<&Trunk> {
    (state.focus == Resource::Trunks)
        .then(|| state.tables.trunks.selected_row())
        .flatten()
}

fn selected_number(state: &State) -> Option<&Number> {
    (state.focus == Resource::Numbers)
        .then(|| state.tables.numbers.selected_row())
        .flatten()
}

fn selected_call(state: &State) -> Option<&Call> {
    (state.focus == Resource::LiveCalls)
        .then(|| state.tables.live.selected_row())
        .flatten()
}

/// Opens the form or confirmation for `intent`. Refuses (with the reason on screen)
/// when nothing suitable is selected, the provider does not offer it, or changes are
/// not allowed right now.
pub fn open(state: &mut State, intent: Intent, args: &str) -> Vec<Effect> {
    state.dirty = true;
    let Some((provider, account)) = context_account(state) else {
        say(
            state,
            Level::Warn,
            "no account to act on yet: wait for the accounts to load",
        );
        return Vec::new();
    };
    let (kind, caps, name) = match state.provider(provider) {
        Some(p) => (p.kind, p.caps, p.name.clone()),
        None => return Vec::new(),
    };
    let offered = intent.action().is_none_or(|a| caps.allows(a))
        && (providers::descriptor(kind).offers)(intent);
    if !offered {
        let reason = format!("not offered by {name}");
        say(state, Level::Warn, reason.clone());
        return vec![refused(state, intent_name(intent), args, &reason)];
    }
    if let Some(reason) = state.read_only_reason(provider) {
        say(state, Level::Warn, reason.clone());
        return vec![refused(state, intent_name(intent), args, &reason)];
    }
    let opened = {
        let ctx = form_context(state, provider, &account, args);
        pforms::open(kind, intent, &ctx)
    };
    match opened {
        Ok((spec, target)) => show(state, provider, spec, target),
        Err(reason) => {
            say(state, Level::Warn, format!("{name}: {reason}"));
            Vec::new()
        }
    }
}

/// The command name of an intent, as the audit log records it.
fn intent_name(intent: Intent) -> &'static str {
    match intent {
        Intent::TrunkNew => "trunk.new",
        Intent::TrunkEdit => "trunk.edit",
        Intent::TrunkDelete => "trunk.delete",
        Intent::NumberNew => "number.new",
        Intent::NumberEdit => "number.edit",
        Intent::NumberToggle => "number.toggle",
        Intent::NumberDelete => "number.delete",
        Intent::Call => "call",
        Intent::Hangup => "hangup",
        Intent::Repoint => "repoint",
        Intent::Other(name) => name,
    }
}

/// The object the focused selection (or the typed arguments) names, in words, for the
/// audit line of a refused change: `trunk pbx-hq (392)`, `call to +442071234501` …
fn selection_target(state: &State, command: &str, args: &str) -> String {
    let args = args.trim();
    if command == "call" && !args.is_empty() {
        return format!("call to {args}");
    }
    let call = |c: &Call| format!("call {} ({} → {})", c.id, c.from, c.to);
    let named = match state.focus {
        Resource::Trunks => state
            .tables
            .trunks
            .selected_row()
            .map(|t| format!("trunk {} ({})", t.name, t.id)),
        Resource::Numbers => state
            .tables
            .numbers
            .selected_row()
            .map(|n| format!("number {} ({})", n.number, n.id)),
        Resource::LiveCalls => state.tables.live.selected_row().map(call),
        Resource::CallHistory => state.tables.history.selected_row().map(call),
        Resource::Accounts => state
            .tables
            .accounts
            .selected_row()
            .map(|r| format!("account {}", r.account.name)),
        Resource::Queues => None,
    };
    match named {
        Some(t) if !args.is_empty() => format!("{t} {args}"),
        Some(t) => t,
        None => args.to_string(),
    }
}

/// The audit line for a change refused before any request was built (read-only, not
/// offered, greyed in the palette): the provider, account and object the selection
/// points at, the command and the reason.
pub fn refused(state: &State, command: &str, args: &str, reason: &str) -> Effect {
    let (provider, account) = context_account(state)
        .map(|(p, a)| {
            let name = state
                .provider(p)
                .map(|p| p.name.clone())
                .unwrap_or_default();
            (name, a)
        })
        .unwrap_or_default();
    let target = selection_target(state, command, args);
    Effect::Audit(Box::new(crate::audit::AuditEntry::refused(
        &provider, &account, &target, command, reason,
    )))
}

/// What the provider's form builder is told about the selection.
fn form_context<'a>(
    state: &'a State,
    provider: ProviderId,
    account: &'a str,
    args: &'a str,
) -> FormContext<'a> {
    let trunk = selected_trunk(state).filter(|t| t.provider == provider);
    let marked_numbers = state
        .tables
        .numbers
        .marked_rows()
        .filter(|n| n.provider == provider)
        .collect();
    FormContext {
        account,
        args: args.trim(),
        account_row: (state.focus == Resource::Accounts)
            .then(|| state.tables.accounts.selected_row())
            .flatten()
            .map(|r| &r.account)
            .filter(|a| a.provider == provider),
        trunk,
        live_calls_on_trunk: trunk.map_or(0, |t| live_calls_on_trunk(state, provider, t)),
        number: selected_number(state).filter(|n| n.provider == provider),
        numbers: state
            .tables
            .numbers
            .rows
            .iter()
            .filter(|n| n.provider == provider)
            .collect(),
        marked_numbers,
        call: selected_call(state).filter(|c| c.provider == provider),
        accounts: state
            .tables
            .accounts
            .rows
            .iter()
            .map(|r| &r.account)
            .filter(|a| a.provider == provider)
            .collect(),
        details: state
            .details
            .iter()
            .filter(|((p, _), _)| *p == provider)
            .map(|((_, account), d)| (account.as_str(), d))
            .collect(),
    }
}

/// Puts the form on screen; a fieldless confirmation asks for its request preview at once.
fn show(
    state: &mut State,
    provider: ProviderId,
    spec: FormSpec,
    target: ProviderTarget,
) -> Vec<Effect> {
    let ticket = next_ticket(state);
    let mut overlay = FormOverlay {
        form: Form::new(spec),
        provider,
        target,
        mutation: None,
        ticket,
    };
    let mut effects = Vec::new();
    // Fieldless confirmations open on their review step: build the request now.
    if overlay.form.spec().fields.is_empty() {
        effects.extend(prepare(&mut overlay));
    }
    state.overlay = Some(Overlay::Form(Box::new(overlay)));
    effects
}

/// Turns the form's values into the mutation and asks for its preview.
fn prepare(o: &mut FormOverlay) -> Vec<Effect> {
    let values = o.form.values();
    let built = pforms::build(&o.target, &values);
    match built {
        Ok(m) => {
            let form = Box::new(crate::change_wire::ChangeRequest::of_form(
                &o.target, values,
            ));
            o.mutation = Some((m.clone(), form.clone()));
            vec![Effect::Preview {
                provider: o.provider,
                mutation: m,
                form,
                ticket: o.ticket,
            }]
        }
        Err(msg) => {
            o.form.failed(msg);
            Vec::new()
        }
    }
}

/// A key for the open form.
pub fn on_form_key(state: &mut State, key: ratatui::crossterm::event::KeyEvent) -> Vec<Effect> {
    state.dirty = true;
    let now_refusal = match &state.overlay {
        Some(Overlay::Form(o)) => state.read_only_reason(o.provider),
        _ => return Vec::new(),
    };
    let Some(Overlay::Form(o)) = &mut state.overlay else {
        return Vec::new();
    };
    match o.form.handle_key(key) {
        FormEvent::None => Vec::new(),
        FormEvent::Cancel => {
            state.overlay = None;
            Vec::new()
        }
        FormEvent::Review => prepare(o),
        FormEvent::Submit => {
            let Some((mutation, form)) = o.mutation.clone() else {
                o.form
                    .failed("the request is not ready yet; try again".to_string());
                return Vec::new();
            };
            if let Some(reason) = now_refusal {
                // Write mode lapsed while the form was open: refuse, keep the values.
                o.form.failed(reason.clone());
                return vec![Effect::AuditRefused {
                    provider: o.provider,
                    mutation,
                    reason,
                }];
            }
            vec![Effect::Mutate {
                provider: o.provider,
                mutation,
                form,
                ticket: o.ticket,
            }]
        }
    }
}

/// The request preview for the form with `ticket` is ready (or could not be built).
pub fn on_previewed(state: &mut State, ticket: u64, result: Result<RequestPreview, ProviderError>) {
    if let Some(Overlay::Form(o)) = &mut state.overlay
        && o.ticket == ticket
    {
        match result {
            Ok(p) => o.form.set_preview(p),
            Err(e) => o
                .form
                .failed(crate::secret::redact(&e.to_string()).into_owned()),
        }
        state.dirty = true;
    }
}

/// The provider answered a mutation (or it failed to send).
pub fn on_mutated(
    state: &mut State,
    ticket: u64,
    provider: ProviderId,
    command: &str,
    result: Result<MutationOutcome, ProviderError>,
) -> Vec<Effect> {
    state.dirty = true;
    let name = state
        .provider(provider)
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let open = matches!(&state.overlay, Some(Overlay::Form(o)) if o.ticket == ticket);
    match result {
        Ok(outcome) => {
            let mut text = format!("{name}: {}", outcome.message);
            if open {
                state.overlay = None;
            }
            // A secret the provider shows once (a new subscriber's SIP password): in a
            // box that stays until the operator closes it (a message line fades after
            // seconds), never in the message line, the audit or the log.
            if let Some(secret) = &outcome.reveal {
                text.push_str("; its SIP password is shown once (Esc closes it)");
                state.overlay = Some(Overlay::Details {
                    title: format!("{name}: shown once, note it now"),
                    fields: vec![
                        ("SIP password".into(), secret.expose().to_string().into()),
                        (
                            "after closing".into(),
                            "it cannot be shown again; set a new one with an edit".into(),
                        ),
                    ],
                    scroll: 0,
                });
            }
            say(state, Level::Info, text);
            let mut effects = Vec::new();
            // A new call shows in live calls: go there.
            if command == "call" && state.focus != Resource::LiveCalls {
                state.focus = Resource::LiveCalls;
                effects.push(Effect::Visible(Resource::LiveCalls));
            }
            effects.push(Effect::RefreshNow(Some(provider)));
            effects
        }
        Err(e) => {
            let text = crate::secret::redact(&e.to_string()).into_owned();
            let unknown = matches!(e, ProviderError::Timeout(_) | ProviderError::Connect(_));
            if let Some(Overlay::Form(o)) = &mut state.overlay
                && o.ticket == ticket
            {
                if unknown {
                    o.form.outcome_unknown(text.clone());
                } else {
                    o.form.failed(text.clone());
                }
            }
            let prefix = if unknown {
                "outcome unknown, check the list before trying again: "
            } else {
                ""
            };
            say(
                state,
                Level::Error,
                format!("{name}: {command}: {prefix}{text}"),
            );
            // Whatever happened, show the provider's current state.
            vec![Effect::RefreshNow(Some(provider))]
        }
    }
}
