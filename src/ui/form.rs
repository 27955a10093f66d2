//! The edit-form overlay: fields with their errors and help (Edit), the field diff and
//! the exact request (Review), the typed confirmation (Confirm), "sending…" and the
//! outcome. Reads the form only; secrets are drawn as `•`, `****` or `(changed)`.
//!
//! Layout: a centred box, as wide as the terminal allows up to [`MAX_WIDTH`]. On wide
//! boxes every field shows its help or error beside the input; on narrow ones an error
//! goes on the line under its field and the focused field's help at the bottom.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::form::spec::{FieldKind, FormMode};
use crate::form::{Button, FieldView, Form, Step};
use crate::state::symbols::{DONE, FAILED, FAILED_MARK, FOCUS};
use crate::theme::Theme;

/// Widest the overlay gets.
pub const MAX_WIDTH: u16 = 112;
/// Narrowest input box.
const MIN_INPUT: usize = 20;
/// Widest input box when help is shown beside it.
const MAX_INPUT: usize = 40;
/// Room the help/error column needs before it is shown beside the inputs.
const MIN_SIDE: usize = 30;

/// Draws the form as an overlay centred in `area`, and places the terminal cursor in the
/// focused input (Edit and Confirm).
pub fn render_form(frame: &mut Frame, area: Rect, form: &Form, theme: &Theme) {
    if area.width < 20 || area.height < 5 {
        return;
    }
    let w = area.width.saturating_sub(4).clamp(20, MAX_WIDTH);
    // Content width: box minus borders and a one-column margin each side.
    let cw = w.saturating_sub(4) as usize;
    let max_h = if area.height >= 12 {
        area.height - 2
    } else {
        area.height
    };
    let max_lines = max_h.saturating_sub(2) as usize;

    let content = match form.step() {
        Step::Edit => edit_lines(form, cw, theme),
        Step::Review | Step::Submitting => review_lines(form, cw, max_lines, theme),
        Step::Confirm => confirm_lines(form, cw, theme),
        Step::Done(msg) => Content::plain(done_lines(msg, cw, theme)),
    };

    let h = (content.lines.len() as u16 + 2).clamp(5, max_h);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    frame.render_widget(Clear, r);
    let block = Block::bordered()
        .border_style(theme.border)
        .title_top(Line::styled(format!(" {} ", form.title()), theme.title))
        .title_top(Line::styled(format!(" {} ", step_name(form)), theme.dim).right_aligned())
        .title_bottom(Line::from(footer(form, theme)).right_aligned())
        .style(theme.overlay);
    let inner = block.inner(r).inner(Margin::new(1, 0));
    frame.render_widget(block, r);

    let rows = inner.height as usize;
    let start = match content.keep_visible {
        Some(k) if k >= rows => k + 1 - rows,
        _ => 0,
    };
    for (i, line) in content.lines.into_iter().skip(start).take(rows).enumerate() {
        let y = inner.y + i as u16;
        frame.render_widget(Paragraph::new(line), Rect::new(inner.x, y, inner.width, 1));
    }
    if let Some((line, col)) = content.cursor
        && line >= start
        && line < start + rows
    {
        let x = inner.x + (col as u16).min(inner.width.saturating_sub(1));
        frame.set_cursor_position((x, inner.y + (line - start) as u16));
    }
}

/// Lines to draw, plus where the cursor goes and which line must stay on screen.
struct Content {
    lines: Vec<Line<'static>>,
    /// (line index, column in the content area).
    cursor: Option<(usize, usize)>,
    keep_visible: Option<usize>,
}

impl Content {
    fn plain(lines: Vec<Line<'static>>) -> Content {
        Content {
            lines,
            cursor: None,
            keep_visible: None,
        }
    }
}

fn step_name(form: &Form) -> &'static str {
    let create = form.mode() == FormMode::Create;
    match form.step() {
        Step::Edit if create => "new",
        Step::Edit => "edit",
        Step::Review => "review",
        Step::Confirm => "confirm",
        Step::Submitting => "sending",
        Step::Done(_) => "done",
    }
}

fn focused_is_choice(form: &Form) -> bool {
    form.fields().any(|f| {
        f.focused()
            && !f.read_only()
            && matches!(f.spec().kind, FieldKind::Choice(_) | FieldKind::Bool)
    })
}

fn footer(form: &Form, theme: &Theme) -> Vec<Span<'static>> {
    let pairs: &[(&str, &str)] = match form.step() {
        Step::Edit if focused_is_choice(form) => &[
            ("tab", "next"),
            ("←→", "choose"),
            ("enter", "review"),
            ("esc", "cancel"),
        ],
        Step::Edit => &[("tab", "next"), ("enter", "review"), ("esc", "cancel")],
        Step::Review => &[("tab", "switch"), ("enter", "choose"), ("esc", "back")],
        Step::Confirm => &[("tab", "switch"), ("enter", "choose"), ("esc", "back")],
        Step::Submitting => &[],
        Step::Done(_) => &[("enter", "close")],
    };
    let mut spans = Vec::new();
    for (k, d) in pairs {
        spans.push(Span::styled(format!(" {k} "), theme.key_hint));
        spans.push(Span::styled(format!("{d} "), theme.key_desc));
    }
    spans
}

// ---------------------------------------------------------------------------------------
// Edit

fn edit_lines(form: &Form, cw: usize, theme: &Theme) -> Content {
    let mut lines = Vec::new();
    if let Some(banner) = form.banner() {
        let (prefix, style) = if banner.is_error() {
            (FAILED_MARK, theme.error)
        } else {
            ("", theme.info)
        };
        // Continuation lines hang under the text, not under the mark.
        let hang = width(prefix);
        for (i, l) in wrap(&banner.text(), cw.saturating_sub(hang))
            .into_iter()
            .enumerate()
        {
            let lead = if i == 0 {
                prefix.to_string()
            } else {
                " ".repeat(hang)
            };
            lines.push(Line::styled(format!("{lead}{l}"), style));
        }
        lines.push(Line::raw(""));
    }
    if form.fields().len() == 0 {
        lines.push(Line::styled("nothing to edit", theme.dim));
        return Content::plain(lines);
    }

    // "› " marker + label + "*".
    let label_w = form
        .fields()
        .map(|f| width(f.spec().label) + 1)
        .max()
        .unwrap_or(0)
        .min(22)
        + 2;
    let rest = cw.saturating_sub(label_w + 2);
    let wide_input = ((cw.saturating_sub(label_w + 4)) / 2).clamp(MIN_INPUT, MAX_INPUT);
    let wide = rest >= wide_input + 2 + MIN_SIDE;
    let input_w = if wide { wide_input } else { rest.max(1) };
    let side_x = label_w + 2 + input_w + 2;
    let side_w = cw.saturating_sub(side_x);

    let mut cursor = None;
    let mut keep_visible = None;
    let mut focused_help = None;
    for f in form.fields() {
        let mut spans = Vec::new();
        let (marker, label_style) = if f.focused() {
            (FOCUS, theme.title)
        } else if f.read_only() {
            ("  ", theme.dim)
        } else {
            ("  ", theme.base)
        };
        spans.push(Span::styled(marker, theme.key_hint));
        let req = if f.spec().required && !f.read_only() {
            "*"
        } else {
            ""
        };
        spans.push(Span::styled(
            pad(&format!("{}{req}", f.spec().label), label_w - 2),
            label_style,
        ));
        spans.push(Span::raw("  "));
        let (text, style, cur) = input_cell(&f, input_w, theme);
        if f.focused() {
            keep_visible = Some(lines.len());
            if let Some(c) = cur {
                cursor = Some((lines.len(), label_w + 2 + c));
            }
            focused_help = Some(if f.read_only() {
                "set at creation; cannot be changed".to_string()
            } else {
                f.spec().help.to_string()
            });
        }
        spans.push(Span::styled(text, style));
        if wide {
            spans.push(Span::raw("  "));
            let (side, side_style) = match f.error() {
                Some(e) => (format!("{FAILED} {e}"), theme.error),
                None if f.read_only() => ("set at creation; cannot be changed".into(), theme.dim),
                None if f.keeps_secret() => (
                    join_help(f.spec().help, "leave empty to keep the current one"),
                    theme.dim,
                ),
                None => (f.spec().help.to_string(), theme.dim),
            };
            spans.push(Span::styled(clip(&side, side_w), side_style));
        }
        lines.push(Line::from(spans));
        if !wide && let Some(e) = f.error() {
            lines.push(Line::from(vec![
                Span::raw(" ".repeat(label_w + 2)),
                Span::styled(clip(&format!("{FAILED} {e}"), input_w), theme.error),
            ]));
            if f.focused() {
                keep_visible = Some(lines.len() - 1);
            }
        }
    }
    if !wide && let Some(help) = focused_help.filter(|h| !h.is_empty()) {
        lines.push(Line::raw(""));
        for l in wrap(&help, cw) {
            lines.push(Line::styled(l, theme.dim));
        }
    }
    Content {
        lines,
        cursor,
        keep_visible,
    }
}

fn join_help(help: &str, extra: &str) -> String {
    if help.is_empty() {
        extra.to_string()
    } else {
        format!("{help}; {extra}")
    }
}

/// The input box of one field: its text padded to `w`, the style, and the cursor's
/// column inside the box (None where no text cursor is shown).
fn input_cell(f: &FieldView<'_>, w: usize, theme: &Theme) -> (String, Style, Option<usize>) {
    let box_style = |s: Style| s.add_modifier(Modifier::UNDERLINED);
    if f.read_only() {
        let v = f.display();
        return (pad(&format!("{v} (fixed)"), w), theme.dim, None);
    }
    let focused = f.focused();
    let text_style = if focused { theme.input } else { theme.base };
    match f.spec().kind {
        FieldKind::Choice(_) | FieldKind::Bool => {
            let v = f.display();
            let shown = if focused {
                format!("‹ {v} ›")
            } else {
                format!("  {v}")
            };
            (pad(&shown, w), text_style, None)
        }
        _ => {
            if f.keeps_secret() && !focused {
                return (pad("(unchanged)", w), box_style(theme.dim), None);
            }
            // One column is kept for the cursor after the last character.
            let view_w = w.saturating_sub(1).max(1);
            let scroll = f.visual_scroll(view_w);
            let shown = slice_cols(&f.display(), scroll, w);
            let cur = f
                .visual_cursor()
                .saturating_sub(scroll)
                .min(w.saturating_sub(1));
            (
                pad(&shown, w),
                box_style(text_style),
                focused.then_some(cur),
            )
        }
    }
}

// ---------------------------------------------------------------------------------------
// Review, Submitting

fn review_lines(form: &Form, cw: usize, max_lines: usize, theme: &Theme) -> Content {
    let mut lines = Vec::new();
    let changes = form.changed();
    if !changes.is_empty() {
        lines.push(Line::styled("Changes", theme.header));
        let label_w = changes
            .iter()
            .map(|(l, _, _)| width(l))
            .max()
            .unwrap_or(0)
            .min(22);
        let avail = cw.saturating_sub(2 + label_w + 2);
        for (label, old, new) in &changes {
            let mut spans = vec![
                Span::raw("  "),
                Span::styled(pad(label, label_w), theme.base),
                Span::raw("  "),
            ];
            if form.mode() == FormMode::Create {
                spans.push(Span::styled(clip(new, avail), theme.ok));
            } else {
                let old = if old.is_empty() { "(empty)" } else { old };
                let new_s = if new.is_empty() { "(empty)" } else { new };
                let arrow = " → ";
                let both = avail.saturating_sub(3);
                let (ow, nw) = split_widths(width(old), width(new_s), both);
                spans.push(Span::styled(clip(old, ow), theme.dim));
                spans.push(Span::styled(arrow, theme.dim));
                spans.push(Span::styled(clip(new_s, nw), theme.ok));
            }
            lines.push(Line::from(spans));
        }
        lines.push(Line::raw(""));
    }

    lines.push(Line::styled("Request", theme.header));
    // Lines after the body: blank + buttons (or "sending…").
    let tail = 2;
    match form.preview() {
        None => lines.push(Line::styled("  preparing…", theme.dim)),
        Some(p) => {
            lines.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(p.method.clone(), theme.key_hint),
                Span::raw(" "),
                Span::styled(
                    clip(&p.path, cw.saturating_sub(3 + width(&p.method))),
                    theme.base,
                ),
            ]));
            if let Some(body) = p.body.as_deref().filter(|b| !b.is_empty()) {
                let body_lines = wrap(body, cw.saturating_sub(2));
                let room = max_lines.saturating_sub(lines.len() + tail).max(1);
                let n = body_lines.len();
                let shown = if n > room { room - 1 } else { n };
                for l in body_lines.into_iter().take(shown) {
                    lines.push(Line::styled(format!("  {l}"), theme.base));
                }
                if shown < n {
                    lines.push(Line::styled(
                        format!("  … {} more lines", n - shown),
                        theme.dim,
                    ));
                }
            }
        }
    }
    lines.push(Line::raw(""));
    if *form.step() == Step::Submitting {
        lines.push(Line::styled(centre("sending…", cw), theme.info));
    } else {
        lines.push(buttons(form, cw, true, theme));
    }
    // The buttons stay on screen when the terminal is too short for everything.
    let last = lines.len() - 1;
    Content {
        lines,
        cursor: None,
        keep_visible: Some(last),
    }
}

/// Shares `avail` columns between an old and a new value, the new one first.
fn split_widths(old: usize, new: usize, avail: usize) -> (usize, usize) {
    if old + new <= avail {
        return (old, new);
    }
    let half = avail / 2;
    if old <= half {
        (old, avail - old)
    } else if new <= half {
        (avail - new, new)
    } else {
        (half, avail - half)
    }
}

fn buttons(form: &Form, cw: usize, apply_enabled: bool, theme: &Theme) -> Line<'static> {
    let focused = form.button();
    let one = |b: Button, label: &str| -> Vec<Span<'static>> {
        let on = focused == b;
        let style = if on {
            theme.selected
        } else if b == Button::Apply && !apply_enabled {
            theme.dim
        } else {
            theme.base
        };
        vec![
            Span::styled(if on { FOCUS } else { "  " }, theme.key_hint),
            Span::styled(format!("[ {label} ]"), style),
        ]
    };
    let mut spans = one(Button::Cancel, "Cancel");
    spans.push(Span::raw("   "));
    spans.extend(one(Button::Apply, "Apply"));
    let w: usize = spans.iter().map(Span::width).sum();
    spans.insert(0, Span::raw(" ".repeat(cw.saturating_sub(w) / 2)));
    Line::from(spans)
}

// ---------------------------------------------------------------------------------------
// Confirm, Done

fn confirm_lines(form: &Form, cw: usize, theme: &Theme) -> Content {
    let mut lines = Vec::new();
    let (expected, reason) = form.confirm().unwrap_or(("", ""));
    for l in wrap(&format!("! {reason}"), cw) {
        lines.push(Line::styled(l, theme.warn));
    }
    let n = form.changed().len();
    if n > 0 {
        lines.push(Line::styled(
            format!(
                "  {n} field{} change{}",
                if n == 1 { "" } else { "s" },
                if n == 1 { "s" } else { "" }
            ),
            theme.dim,
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::raw("Type "),
        Span::styled(expected.to_string(), theme.title),
        Span::raw(" to confirm:"),
    ]));
    // The field is drawn between brackets with a block cursor, so where the typing goes
    // reads without colour or underline (and without the terminal's own cursor).
    let input = form.confirm_input();
    let w = cw.saturating_sub(6).clamp(1, MAX_INPUT);
    let scroll = input.visual_scroll(w.saturating_sub(1).max(1));
    let shown = pad(&slice_cols(input.value(), scroll, w), w);
    let cur = input.visual_cursor().saturating_sub(scroll).min(w - 1);
    let cursor = Some((lines.len(), 3 + cur));
    let field = theme.input.add_modifier(Modifier::UNDERLINED);
    let (before, rest) = split_cols(&shown, cur);
    let (at, after) = split_cols(&rest, 1);
    lines.push(Line::from(vec![
        Span::raw("  "),
        Span::styled("[", theme.dim),
        Span::styled(before, field),
        Span::styled(at, field.add_modifier(Modifier::REVERSED)),
        Span::styled(after, field),
        Span::styled("]", theme.dim),
    ]));
    if let Some(e) = form.confirm_error() {
        lines.push(Line::styled(format!("  {FAILED} {e}"), theme.error));
    }
    lines.push(Line::raw(""));
    lines.push(buttons(form, cw, form.confirm_matches(), theme));
    let last = lines.len() - 1;
    Content {
        lines,
        cursor,
        keep_visible: Some(last),
    }
}

fn done_lines(msg: &str, cw: usize, theme: &Theme) -> Vec<Line<'static>> {
    wrap(&format!("{DONE} {msg}"), cw)
        .into_iter()
        .map(|l| Line::styled(l, theme.ok))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Text helpers (display widths, not bytes).

use crate::format::{char_width, clip, pad, width};

/// The columns `start..start + w` of `s`.
fn slice_cols(s: &str, start: usize, w: usize) -> String {
    let mut col = 0;
    let mut out = String::new();
    for c in s.chars() {
        let cw = char_width(c);
        if col >= start {
            if col + cw > start + w {
                break;
            }
            out.push(c);
        }
        col += cw;
    }
    out
}

fn centre(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(width(s)) / 2))
}

/// Greedy word wrap to `w` columns; words longer than a line are cut across lines.
/// Newlines in `s` start new lines.
fn wrap(s: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let mut out = Vec::new();
    for para in s.split('\n') {
        // Leading indentation (pretty-printed JSON) is kept on every line it wraps to.
        let body = para.trim_start_matches(' ');
        let indent = (para.len() - body.len()).min(w / 2);
        let inner = w - indent;
        let mut wrapped = Vec::new();
        wrap_words(body, inner, &mut wrapped);
        out.extend(
            wrapped
                .into_iter()
                .map(|l| format!("{}{l}", " ".repeat(indent))),
        );
    }
    out
}

fn wrap_words(para: &str, w: usize, out: &mut Vec<String>) {
    let mut line = String::new();
    let mut used = 0;
    for word in para.split(' ') {
        let ww = width(word);
        let sep = usize::from(!line.is_empty());
        if used + sep + ww <= w {
            if sep == 1 {
                line.push(' ');
            }
            line.push_str(word);
            used += sep + ww;
            continue;
        }
        if !line.is_empty() {
            out.push(std::mem::take(&mut line));
            used = 0;
        }
        for c in word.chars() {
            let cw = char_width(c);
            if used + cw > w {
                out.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(c);
            used += cw;
        }
    }
    out.push(line);
}

/// `s` split after `n` columns.
fn split_cols(s: &str, n: usize) -> (String, String) {
    let mut w = 0;
    for (i, c) in s.char_indices() {
        if w >= n {
            return (s[..i].to_string(), s[i..].to_string());
        }
        w += crate::format::width(c.encode_utf8(&mut [0; 4]));
    }
    (s.to_string(), String::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_cuts_long_words_and_keeps_newlines() {
        assert_eq!(wrap("ab cd ef", 5), vec!["ab cd", "ef"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("a\nb", 10), vec!["a", "b"]);
        assert_eq!(wrap("  abcd", 4), vec!["  ab", "  cd"]);
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(slice_cols("abcdef", 2, 3), "cde");
        assert_eq!(split_widths(10, 10, 12), (6, 6));
        assert_eq!(split_widths(3, 20, 12), (3, 9));
    }
}
