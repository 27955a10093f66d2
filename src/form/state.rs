//! The edit form's state machine: Edit → Review → (Confirm) → Submitting → Done, with a
//! failed or unknown outcome returning to Edit with every typed value kept.
//!
//! The form owns the keys while it is open ([`Form::handle_key`]) and tells the caller
//! what to do through [`FormEvent`]: build the request preview when the values pass
//! validation, send the mutation when the operator confirmed, close the form.

use std::borrow::Cow;
use std::fmt;

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::RequestPreview;

use super::diff::{field_change, review};
use super::spec::{FieldKind, FieldSpec, FormMode, FormSpec};
use super::validate::{check, normalize};

/// Where the form is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Fields are being typed. A failed or unknown outcome comes back here with a
    /// [`Banner`] at the top.
    Edit,
    /// Values passed validation: the diff and the request are shown, Cancel focused.
    Review,
    /// The typed confirmation (only when the spec asks for one).
    Confirm,
    /// The mutation was sent; waiting for the provider.
    Submitting,
    /// The provider accepted it: the message to show ("trunk pbx-hq updated").
    Done(String),
}

/// The two buttons of the Review and Confirm steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    Cancel,
    Apply,
}

/// What the caller must do after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormEvent {
    /// Nothing (the form handled the key itself).
    None,
    /// Close the form without doing anything (Esc in Edit, Enter/Esc once done).
    Cancel,
    /// The values passed validation and the form is in Review: build the mutation from
    /// [`Form::values`] and call [`Form::set_preview`] with its request.
    Review,
    /// The operator confirmed: send the mutation. The form is already in
    /// [`Step::Submitting`]; later call [`Form::done`], [`Form::failed`] or
    /// [`Form::outcome_unknown`].
    Submit,
}

/// The line shown above the fields in Edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Banner {
    /// The provider refused the change.
    Failed(String),
    /// The request timed out after it may have reached the provider.
    OutcomeUnknown(String),
    /// A note from the form itself ("no changes to apply").
    Notice(String),
}

impl Banner {
    /// The text as shown.
    pub fn text(&self) -> String {
        match self {
            Banner::Failed(m) => format!("failed: {m}"),
            Banner::OutcomeUnknown(m) => {
                format!("outcome unknown, check the list before trying again ({m})")
            }
            Banner::Notice(m) => m.clone(),
        }
    }

    pub fn is_error(&self) -> bool {
        !matches!(self, Banner::Notice(_))
    }
}

#[derive(Clone)]
struct Field {
    spec: FieldSpec,
    input: Input,
    /// The normalised starting value the diff compares against ("" for a secret in Edit
    /// mode: empty means keep the stored one).
    original: String,
    error: Option<String>,
    read_only: bool,
}

impl Field {
    fn value(&self) -> String {
        normalize(&self.spec.kind, self.input.value())
    }
}

/// One field as the renderer sees it. A secret's value is only reachable masked.
#[derive(Clone, Copy)]
pub struct FieldView<'a> {
    field: &'a Field,
    focused: bool,
    mode: FormMode,
}

impl<'a> FieldView<'a> {
    pub fn spec(&self) -> &'a FieldSpec {
        &self.field.spec
    }
    pub fn error(&self) -> Option<&'a str> {
        self.field.error.as_deref()
    }
    pub fn read_only(&self) -> bool {
        self.field.read_only
    }
    pub fn focused(&self) -> bool {
        self.focused
    }
    pub fn is_secret(&self) -> bool {
        self.field.spec.kind == FieldKind::Secret
    }
    /// A secret left empty in Edit mode: the stored value is kept.
    pub fn keeps_secret(&self) -> bool {
        self.is_secret() && self.mode == FormMode::Edit && self.field.input.value().is_empty()
    }
    /// The value as shown: a secret as one `•` per character.
    pub fn display(&self) -> Cow<'a, str> {
        let v = self.field.input.value();
        if self.is_secret() {
            Cow::Owned("•".repeat(v.chars().count()))
        } else {
            Cow::Borrowed(v)
        }
    }
    /// The cursor's column in [`Self::display`].
    pub fn visual_cursor(&self) -> usize {
        if self.is_secret() {
            self.field.input.cursor()
        } else {
            self.field.input.visual_cursor()
        }
    }
    /// The first column of [`Self::display`] shown in a box `width` columns wide.
    pub fn visual_scroll(&self, width: usize) -> usize {
        if self.is_secret() {
            self.visual_cursor().saturating_sub(width)
        } else {
            self.field.input.visual_scroll(width)
        }
    }
}

/// An edit form built from a [`FormSpec`].
#[derive(Clone)]
pub struct Form {
    spec: FormSpec,
    fields: Vec<Field>,
    focus: usize,
    step: Step,
    button: Button,
    confirm_input: Input,
    confirm_error: Option<String>,
    preview: Option<RequestPreview>,
    banner: Option<Banner>,
}

impl Form {
    /// One input per field, initialised from `spec.values`. In Edit mode create-only
    /// fields are read-only and secrets start empty ("keep current"). A form without
    /// fields (a delete) starts in Review: call [`Form::set_preview`] right away.
    pub fn new(spec: FormSpec) -> Form {
        let fields: Vec<Field> = spec
            .fields
            .iter()
            .map(|f| {
                let given = spec
                    .values
                    .iter()
                    .find(|(k, _)| k == f.key)
                    .map(|(_, v)| v.as_str())
                    .unwrap_or("");
                let secret = f.kind == FieldKind::Secret;
                let start = if secret && spec.mode == FormMode::Edit {
                    String::new()
                } else if matches!(f.kind, FieldKind::Bool | FieldKind::Choice(_)) {
                    normalize(&f.kind, given)
                } else {
                    given.to_string()
                };
                Field {
                    spec: f.clone(),
                    original: normalize(&f.kind, &start),
                    input: Input::new(start),
                    error: None,
                    read_only: f.create_only && spec.mode == FormMode::Edit,
                }
            })
            .collect();
        let focus = fields.iter().position(|f| !f.read_only).unwrap_or(0);
        let step = if fields.is_empty() {
            Step::Review
        } else {
            Step::Edit
        };
        Form {
            spec,
            fields,
            focus,
            step,
            button: Button::Cancel,
            confirm_input: Input::default(),
            confirm_error: None,
            preview: None,
            banner: None,
        }
    }

    pub fn spec(&self) -> &FormSpec {
        &self.spec
    }
    pub fn title(&self) -> &str {
        &self.spec.title
    }
    pub fn mode(&self) -> FormMode {
        self.spec.mode
    }
    pub fn step(&self) -> &Step {
        &self.step
    }
    /// The focused button in Review and Confirm.
    pub fn button(&self) -> Button {
        self.button
    }
    /// Index of the focused field.
    pub fn focus(&self) -> usize {
        self.focus
    }
    pub fn banner(&self) -> Option<&Banner> {
        self.banner.as_ref()
    }
    pub fn preview(&self) -> Option<&RequestPreview> {
        self.preview.as_ref()
    }
    /// The fields, in order, as the renderer sees them.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = FieldView<'_>> + '_ {
        self.fields.iter().enumerate().map(|(i, f)| FieldView {
            field: f,
            focused: i == self.focus,
            mode: self.spec.mode,
        })
    }
    /// The text to type in Confirm and why (from `spec.confirm`).
    pub fn confirm(&self) -> Option<(&str, &str)> {
        self.spec
            .confirm
            .as_ref()
            .map(|(t, r)| (t.as_str(), r.as_str()))
    }
    /// What has been typed in Confirm.
    pub fn confirm_input(&self) -> &Input {
        &self.confirm_input
    }
    /// Whether the typed confirmation matches exactly.
    pub fn confirm_matches(&self) -> bool {
        self.confirm()
            .is_some_and(|(t, _)| self.confirm_input.value() == t)
    }
    pub fn confirm_error(&self) -> Option<&str> {
        self.confirm_error.as_deref()
    }
    /// The validation error of each field that has one: (key, message).
    pub fn errors(&self) -> Vec<(&'static str, &str)> {
        self.fields
            .iter()
            .filter_map(|f| f.error.as_deref().map(|e| (f.spec.key, e)))
            .collect()
    }

    /// Current values by key, normalised (trimmed; E.164 without formatting; booleans as
    /// yes/no). Secrets are returned as typed: in Edit mode an empty secret means "keep
    /// the stored one". Wrap them in [`crate::secret::Secret`] at once.
    pub fn values(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .map(|f| (f.spec.key.to_string(), f.value()))
            .collect()
    }

    /// One current value by key (see [`Form::values`]).
    pub fn value(&self, key: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|f| f.spec.key == key)
            .map(Field::value)
    }

    /// The review diff: (label, old, new) for each field the submit changes, secrets
    /// masked (`****` → `(changed)`). In Create mode every field with a value, old "".
    /// Once the request preview is in, it also lists the stored values the provider says
    /// the request changes ([`RequestPreview::stored_changes`], [`review`]).
    pub fn changed(&self) -> Vec<(String, String, String)> {
        let fields = self
            .fields
            .iter()
            .filter(|f| !f.read_only)
            .filter_map(|f| {
                field_change(&f.spec, self.spec.mode, &f.original, &f.value())
                    .map(|(old, new)| (f.spec.label.to_string(), old, new))
            })
            .collect();
        let stored = self
            .preview
            .as_ref()
            .map(|p| p.stored_changes.as_slice())
            .unwrap_or_default();
        review(fields, stored)
    }

    /// Whether anything was typed that differs from the starting values.
    pub fn is_dirty(&self) -> bool {
        self.fields.iter().any(|f| f.value() != f.original)
    }

    /// The exact request the submit will send (secrets masked), shown in Review.
    pub fn set_preview(&mut self, preview: RequestPreview) {
        self.preview = Some(preview);
    }

    /// The mutation was sent (the form already is in Submitting after
    /// [`FormEvent::Submit`]; calling this again is harmless).
    pub fn submitting(&mut self) {
        self.step = Step::Submitting;
    }

    /// The provider accepted the change.
    pub fn done(&mut self, message: impl Into<String>) {
        self.step = Step::Done(message.into());
    }

    /// The provider refused the change: back to Edit, every value kept, the error at the
    /// top.
    pub fn failed(&mut self, message: impl Into<String>) {
        self.back_to_edit(Some(Banner::Failed(message.into())));
    }

    /// The request may or may not have been applied (a POST that timed out): back to
    /// Edit like [`Form::failed`], the banner says to check the list first.
    pub fn outcome_unknown(&mut self, message: impl Into<String>) {
        self.back_to_edit(Some(Banner::OutcomeUnknown(message.into())));
    }

    fn back_to_edit(&mut self, banner: Option<Banner>) {
        self.step = Step::Edit;
        self.button = Button::Cancel;
        self.confirm_input.reset();
        self.confirm_error = None;
        self.preview = None;
        if banner.is_some() {
            self.banner = banner;
        }
    }

    fn has_editable(&self) -> bool {
        self.fields.iter().any(|f| !f.read_only)
    }

    /// Handles one key. The form takes every key while it is open.
    pub fn handle_key(&mut self, key: KeyEvent) -> FormEvent {
        if key.kind == KeyEventKind::Release {
            return FormEvent::None;
        }
        match self.step {
            Step::Edit => self.key_edit(key),
            Step::Review => self.key_review(key),
            Step::Confirm => self.key_confirm(key),
            Step::Submitting => FormEvent::None,
            Step::Done(_) => match key.code {
                KeyCode::Enter | KeyCode::Esc => FormEvent::Cancel,
                _ => FormEvent::None,
            },
        }
    }

    fn key_edit(&mut self, key: KeyEvent) -> FormEvent {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return FormEvent::Cancel,
            KeyCode::Enter => return self.submit(),
            KeyCode::Char('s') if ctrl => return self.submit(),
            KeyCode::BackTab | KeyCode::Up => self.move_focus(-1),
            KeyCode::Tab if key.modifiers.contains(KeyModifiers::SHIFT) => self.move_focus(-1),
            KeyCode::Tab | KeyCode::Down => self.move_focus(1),
            _ => self.edit_focused(key),
        }
        FormEvent::None
    }

    fn move_focus(&mut self, by: isize) {
        let n = self.fields.len();
        if n == 0 || !self.has_editable() {
            return;
        }
        let mut i = self.focus;
        loop {
            i = (i as isize + by).rem_euclid(n as isize) as usize;
            if !self.fields[i].read_only {
                break;
            }
        }
        self.focus = i;
    }

    fn edit_focused(&mut self, key: KeyEvent) {
        let Some(field) = self.fields.get_mut(self.focus) else {
            return;
        };
        if field.read_only {
            return;
        }
        let before = field.input.value().to_string();
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match field.spec.kind.clone() {
            FieldKind::Choice(options) => match key.code {
                KeyCode::Left => cycle(&mut field.input, options, -1),
                KeyCode::Right | KeyCode::Char(' ') => cycle(&mut field.input, options, 1),
                KeyCode::Char(c) if plain => type_ahead(&mut field.input, options, c),
                _ => {}
            },
            FieldKind::Bool => match key.code {
                KeyCode::Left => cycle(&mut field.input, &["yes", "no"], -1),
                KeyCode::Right | KeyCode::Char(' ') => cycle(&mut field.input, &["yes", "no"], 1),
                KeyCode::Char('y' | 'Y' | 't' | 'T') if plain => {
                    field.input = Input::new("yes".into())
                }
                KeyCode::Char('n' | 'N' | 'f' | 'F') if plain => {
                    field.input = Input::new("no".into())
                }
                _ => {}
            },
            _ => {
                field.input.handle_event(&Event::Key(key));
            }
        }
        if field.input.value() != before {
            field.error = None;
        }
    }

    /// Validates every editable field; Review when all pass.
    fn submit(&mut self) -> FormEvent {
        let mode = self.spec.mode;
        let mut first_bad = None;
        for (i, f) in self.fields.iter_mut().enumerate() {
            if f.read_only {
                f.error = None;
                continue;
            }
            f.error = check(&f.spec, mode, f.input.value()).err();
            if f.error.is_some() && first_bad.is_none() {
                first_bad = Some(i);
            }
        }
        if let Some(i) = first_bad {
            self.focus = i;
            return FormEvent::None;
        }
        if mode == FormMode::Edit && self.has_editable() && self.changed().is_empty() {
            self.banner = Some(Banner::Notice("no changes to apply".into()));
            return FormEvent::None;
        }
        self.banner = None;
        self.preview = None;
        self.step = Step::Review;
        self.button = Button::Cancel;
        FormEvent::Review
    }

    fn toggle_button(&mut self) {
        self.button = match self.button {
            Button::Cancel => Button::Apply,
            Button::Apply => Button::Cancel,
        };
    }

    fn key_review(&mut self, key: KeyEvent) -> FormEvent {
        match key.code {
            KeyCode::Esc => self.leave_review(),
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Left | KeyCode::Right => {
                self.toggle_button();
                FormEvent::None
            }
            KeyCode::Enter => match self.button {
                Button::Cancel => self.leave_review(),
                Button::Apply if self.spec.confirm.is_some() => {
                    self.step = Step::Confirm;
                    self.button = Button::Cancel;
                    self.confirm_input.reset();
                    self.confirm_error = None;
                    FormEvent::None
                }
                Button::Apply => {
                    self.step = Step::Submitting;
                    FormEvent::Submit
                }
            },
            _ => FormEvent::None,
        }
    }

    /// Cancel in Review: back to Edit with every value kept, or close a form that has
    /// nothing to edit.
    fn leave_review(&mut self) -> FormEvent {
        if self.has_editable() {
            self.back_to_edit(None);
            FormEvent::None
        } else {
            FormEvent::Cancel
        }
    }

    fn key_confirm(&mut self, key: KeyEvent) -> FormEvent {
        match key.code {
            KeyCode::Esc => self.back_to_review(),
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Left | KeyCode::Right => {
                self.toggle_button()
            }
            KeyCode::Enter => match self.button {
                Button::Cancel => self.back_to_review(),
                Button::Apply if self.confirm_matches() => {
                    self.step = Step::Submitting;
                    self.confirm_error = None;
                    return FormEvent::Submit;
                }
                Button::Apply => {
                    let expected = self.confirm().map(|(t, _)| t).unwrap_or("");
                    self.confirm_error = Some(format!("type {expected} exactly to confirm"));
                }
            },
            _ => {
                if self.confirm_input.handle_event(&Event::Key(key)).is_some() {
                    self.confirm_error = None;
                }
            }
        }
        FormEvent::None
    }

    fn back_to_review(&mut self) {
        self.step = Step::Review;
        self.button = Button::Cancel;
        self.confirm_input.reset();
        self.confirm_error = None;
    }
}

/// Moves a Choice or Bool value `by` places through `options` (from the first or last
/// when the current value is not one of them).
fn cycle(input: &mut Input, options: &[&str], by: isize) {
    if options.is_empty() {
        return;
    }
    let n = options.len() as isize;
    let next = match options.iter().position(|o| *o == input.value()) {
        Some(i) => (i as isize + by).rem_euclid(n) as usize,
        None if by >= 0 => 0,
        None => options.len() - 1,
    };
    *input = Input::new(options[next].to_string());
}

/// Picks the next option that starts with `c` (case-insensitive).
fn type_ahead(input: &mut Input, options: &[&str], c: char) {
    let lc = c.to_lowercase().collect::<String>();
    let starts = |o: &&str| o.to_lowercase().starts_with(&lc);
    let current = options.iter().position(|o| *o == input.value());
    let n = options.len();
    let from = current.map(|i| i + 1).unwrap_or(0);
    if let Some(o) = (0..n).map(|k| options[(from + k) % n]).find(|o| starts(o)) {
        *input = Input::new(o.to_string());
    }
}

impl fmt::Debug for Form {
    /// Secrets are printed as `****` (the form may end up in a debug log of the state).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let values: Vec<(&str, Cow<'_, str>)> = self
            .fields
            .iter()
            .map(|x| {
                let v = if x.spec.kind == FieldKind::Secret {
                    Cow::Borrowed(if x.input.value().is_empty() {
                        ""
                    } else {
                        "****"
                    })
                } else {
                    Cow::Borrowed(x.input.value())
                };
                (x.spec.key, v)
            })
            .collect();
        f.debug_struct("Form")
            .field("title", &self.spec.title)
            .field("mode", &self.spec.mode)
            .field("step", &self.step)
            .field("focus", &self.focus)
            .field("button", &self.button)
            .field("values", &values)
            .field("errors", &self.errors())
            .field("banner", &self.banner)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Form {
    fn eq(&self, other: &Form) -> bool {
        let field_eq = |a: &Field, b: &Field| {
            a.spec == b.spec
                && a.input.value() == b.input.value()
                && a.input.cursor() == b.input.cursor()
                && a.original == b.original
                && a.error == b.error
                && a.read_only == b.read_only
        };
        self.spec == other.spec
            && self.fields.len() == other.fields.len()
            && self
                .fields
                .iter()
                .zip(&other.fields)
                .all(|(a, b)| field_eq(a, b))
            && self.focus == other.focus
            && self.step == other.step
            && self.button == other.button
            && self.confirm_input.value() == other.confirm_input.value()
            && self.confirm_error == other.confirm_error
            && self.preview == other.preview
            && self.banner == other.banner
    }
}
