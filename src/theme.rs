//! Themes: one struct of ratatui `Style`s, built in (`default`, `mono`) or loaded from
//! `themes/<name>.toml`, where every key given replaces that style of the theme it
//! inherits from.
//!
//! File format (every key optional):
//!
//! ```toml
//! inherits = "default"          # or "mono": the theme the file starts from
//! ringing = { fg = "yellow", modifiers = ["bold"] }
//! [selected]
//! bg = "#303446"
//! modifiers = ["reversed"]
//! ```
//!
//! Colours: names (`yellow`, `lightblue`, `darkgray`, `reset` …), `#rrggbb`, or an
//! indexed colour `"238"`. Modifiers: `bold`, `dim`, `italic`, `underlined`, `reversed`,
//! `crossed_out`, `slow_blink`, `rapid_blink`, `hidden`.

use std::path::PathBuf;

use ratatui::style::{Color, Modifier, Style};

macro_rules! theme_keys {
    ($( $(#[doc = $doc:literal])* $key:ident : $default:expr, $mono:expr; )*) => {
        /// Every style the renderer uses. Built-in defaults use only the 16 ANSI colours.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct Theme {
            $( $(#[doc = $doc])* pub $key: Style, )*
        }

        impl Theme {
            /// The key names a theme file may set, in file order.
            pub const KEYS: &'static [&'static str] = &[$(stringify!($key)),*];

            /// The built-in theme: 16 ANSI colours only, so the terminal's own palette
            /// applies (any jump host, light or dark background).
            pub fn ansi() -> Theme {
                Theme { $( $key: $default, )* }
            }

            /// No colours at all (bold, dim, reversed, underlined only), for `NO_COLOR`.
            pub fn mono() -> Theme {
                Theme { $( $key: $mono, )* }
            }

            fn slot(&mut self, key: &str) -> Option<&mut Style> {
                match key {
                    $( stringify!($key) => Some(&mut self.$key), )*
                    _ => None,
                }
            }
        }
    };
}

const fn fg(c: Color) -> Style {
    Style::new().fg(c)
}

const fn m(modifier: Modifier) -> Style {
    Style::new().add_modifier(modifier)
}

const NONE: Style = Style::new();
const BOLD: Modifier = Modifier::BOLD;
const REV: Modifier = Modifier::REVERSED;

theme_keys! {
    /// Everything not covered by another key (table cells, plain text).
    base: NONE, NONE;
    /// Pane titles on block borders.
    title: m(BOLD), m(BOLD);
    /// Border of the focused pane.
    border: fg(Color::Cyan), NONE;
    /// Border of side panes (accounts tree, live-calls strip) and overlays' inner rules.
    border_inactive: fg(Color::DarkGray), m(Modifier::DIM);
    /// The focused pane's tab.
    tab_active: fg(Color::Cyan).add_modifier(BOLD).add_modifier(REV), m(BOLD).add_modifier(REV);
    /// The other tabs.
    tab_inactive: NONE, NONE;
    /// Table header row.
    header: m(BOLD).fg(Color::Yellow), m(BOLD).add_modifier(Modifier::UNDERLINED);
    /// The selected row (keep `reversed` so the selection shows without colour).
    selected: m(BOLD).add_modifier(REV), m(BOLD).add_modifier(REV);
    /// Rows whose data is older than their stale limit.
    stale: fg(Color::DarkGray).add_modifier(Modifier::DIM), m(Modifier::DIM);
    /// Secondary text: ages, separators, "loading…".
    dim: fg(Color::DarkGray), m(Modifier::DIM);
    /// Healthy provider state.
    ok: fg(Color::Green), NONE;
    /// Warnings: stale data, rate limits, degraded providers.
    warn: fg(Color::Yellow).add_modifier(BOLD), m(BOLD);
    /// Errors: auth failures, failed requests.
    error: fg(Color::Red).add_modifier(BOLD), m(BOLD).add_modifier(Modifier::UNDERLINED);
    /// Informational messages.
    info: fg(Color::Cyan), NONE;
    /// Calls in setup or ringing.
    ringing: fg(Color::Yellow), m(BOLD);
    /// Answered calls.
    in_call: fg(Color::Green), NONE;
    /// Calls that ended normally (completed, cancelled).
    ended: NONE, m(Modifier::DIM);
    /// Calls that failed (busy, rejected, failed, no answer).
    failed: fg(Color::Red), m(BOLD);
    /// Keys in hints and help.
    key_hint: fg(Color::Cyan).add_modifier(BOLD), m(BOLD);
    /// Descriptions next to keys.
    key_desc: NONE, NONE;
    /// Background of overlays (help, details).
    overlay: NONE, NONE;
    /// The filter prompt input text.
    input: m(BOLD), m(BOLD);
}

impl Default for Theme {
    fn default() -> Self {
        Theme::ansi()
    }
}

impl Theme {
    /// A built-in theme by name.
    pub fn builtin(name: &str) -> Option<Theme> {
        match name {
            "default" | "ansi" => Some(Theme::ansi()),
            "mono" | "none" | "no-color" => Some(Theme::mono()),
            _ => None,
        }
    }

    /// Loads `<name>.toml` from the first of `dirs` that has it. Falls back to the
    /// built-in theme of that name (`default`, `mono`) when no file exists.
    pub fn load(name: &str, dirs: &[PathBuf]) -> Result<Theme, String> {
        Theme::load_named(name, dirs)
    }

    /// A user theme (`<dir>/<name>.toml`, first directory first), else a shipped one
    /// (embedded in the binary, so it works from any directory), else a built-in alias;
    /// an unknown name gets the closest known one as a suggestion.
    fn load_named(name: &str, dirs: &[PathBuf]) -> Result<Theme, String> {
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(format!("invalid theme name {name:?}"));
        }
        for dir in dirs {
            let path = dir.join(format!("{name}.toml"));
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    return Theme::parse(&text).map_err(|e| format!("{}: {e}", path.display()));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(format!("{}: {e}", path.display())),
            }
        }
        if let Some((_, text)) = SHIPPED.iter().find(|(n, _)| *n == name) {
            return Theme::parse(text).map_err(|e| format!("shipped theme {name}: {e}"));
        }
        Theme::builtin(name).ok_or_else(|| {
            let names: Vec<String> = list(dirs).into_iter().map(|(n, _)| n).collect();
            let hint = crate::format::closest(name, names.iter().map(String::as_str), |s| {
                s.to_lowercase()
            })
            .map(|n| format!("; did you mean {n:?}?"))
            .unwrap_or_default();
            format!(
                "theme {name:?} not found{hint} (themes: {}; `--theme list` says where each is)",
                names.join(", ")
            )
        })
    }

    /// The theme to use: `name` if given; otherwise `mono` when `no_color` (the
    /// `NO_COLOR` convention), else `default`.
    /// The theme to use: `--theme` beats `NO_COLOR`, which beats the config's `[ui] theme`
    /// (the shipped template names one, so it must not defeat `NO_COLOR`).
    pub fn choose(
        cli: Option<&str>,
        config: Option<&str>,
        no_color: bool,
        dirs: &[PathBuf],
    ) -> Result<Theme, String> {
        let name = cli.or(if no_color { None } else { config });
        Theme::resolve(name, dirs, no_color)
    }

    pub fn resolve(name: Option<&str>, dirs: &[PathBuf], no_color: bool) -> Result<Theme, String> {
        match name {
            Some(n) => Theme::load(n, dirs),
            None if no_color => Ok(Theme::mono()),
            None => Ok(Theme::ansi()),
        }
    }

    /// Parses a theme file's text.
    pub fn parse(text: &str) -> Result<Theme, String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut theme = match table.get("inherits") {
            None => Theme::ansi(),
            Some(toml::Value::String(s)) => Theme::builtin(s)
                .ok_or_else(|| format!("inherits: unknown built-in theme {s:?} (default, mono)"))?,
            Some(_) => return Err("inherits: expected a string".into()),
        };
        for (key, value) in &table {
            if key == "inherits" {
                continue;
            }
            let style = parse_style(key, value)?;
            match theme.slot(key) {
                Some(slot) => *slot = style,
                None => {
                    return Err(format!(
                        "unknown key {key:?} (known keys: inherits, {})",
                        Theme::KEYS.join(", ")
                    ));
                }
            }
        }
        Ok(theme)
    }
}

/// The themes shipped with switchboard, embedded so they work from any directory.
pub const SHIPPED: &[(&str, &str)] = &[
    ("default", include_str!("../themes/default.toml")),
    ("midnight", include_str!("../themes/midnight.toml")),
    ("mono", include_str!("../themes/mono.toml")),
];

/// Where user themes are looked for, first match wins: `themes/` beside the config file,
/// beside the default config file, and in the current directory.
pub fn dirs(config_path: Option<&std::path::Path>) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(p) = config_path.and_then(|p| p.parent()) {
        dirs.push(p.join("themes"));
    }
    if let Some(p) = crate::config::default_path()
        .as_ref()
        .and_then(|p| p.parent())
    {
        dirs.push(p.join("themes"));
    }
    dirs.push(PathBuf::from("themes"));
    dirs
}

/// Every theme by name with where it comes from: user files in `dirs` (the first of a
/// name wins, as when loading), then the shipped ones not overridden.
pub fn list(dirs: &[PathBuf]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut found: Vec<(String, String)> = entries
            .flatten()
            .filter_map(|e| {
                let path = e.path();
                let name = path.file_stem()?.to_str()?.to_string();
                (path.extension()? == "toml" && !name.starts_with('.'))
                    .then(|| (name, path.display().to_string()))
            })
            .collect();
        found.sort();
        for (name, path) in found {
            if !out.iter().any(|(n, _)| *n == name) {
                out.push((name, format!("user: {path}")));
            }
        }
    }
    for (name, _) in SHIPPED {
        if !out.iter().any(|(n, _)| n == name) {
            out.push(((*name).to_string(), "built in".to_string()));
        }
    }
    out
}

/// `--theme list`: prints every theme and where it comes from, and says the process is
/// done (main calls this before anything else uses the theme).
pub fn print_list_if_asked(
    theme_flag: Option<&str>,
    config_path: Option<&std::path::Path>,
) -> bool {
    if theme_flag != Some("list") {
        return false;
    }
    for (name, origin) in list(&dirs(config_path)) {
        println!("{name:<12} {origin}");
    }
    true
}

fn parse_style(key: &str, value: &toml::Value) -> Result<Style, String> {
    let toml::Value::Table(t) = value else {
        return Err(format!(
            "{key}: expected a table like {{ fg = \"yellow\", modifiers = [\"bold\"] }}"
        ));
    };
    let mut style = Style::new();
    for (k, v) in t {
        match k.as_str() {
            "fg" => style = style.fg(parse_color(key, k, v)?),
            "bg" => style = style.bg(parse_color(key, k, v)?),
            "modifiers" => {
                let toml::Value::Array(items) = v else {
                    return Err(format!("{key}.modifiers: expected a list of names"));
                };
                for item in items {
                    let name = item
                        .as_str()
                        .ok_or_else(|| format!("{key}.modifiers: expected strings"))?;
                    style = style
                        .add_modifier(parse_modifier(name).ok_or_else(|| {
                            format!("{key}.modifiers: unknown modifier {name:?}")
                        })?);
                }
            }
            other => {
                return Err(format!(
                    "unknown key \"{key}.{other}\" (a style has fg, bg, modifiers)"
                ));
            }
        }
    }
    Ok(style)
}

fn parse_color(key: &str, field: &str, v: &toml::Value) -> Result<Color, String> {
    let s = v
        .as_str()
        .ok_or_else(|| format!("{key}.{field}: expected a colour string"))?;
    s.parse::<Color>().map_err(|_| {
        format!("{key}.{field}: unknown colour {s:?} (a name, \"#rrggbb\" or \"0\"..\"255\")")
    })
}

fn parse_modifier(name: &str) -> Option<Modifier> {
    Some(
        match name.to_lowercase().replace(['-', ' '], "_").as_str() {
            "bold" => Modifier::BOLD,
            "dim" => Modifier::DIM,
            "italic" => Modifier::ITALIC,
            "underlined" | "underline" => Modifier::UNDERLINED,
            "reversed" | "reverse" => Modifier::REVERSED,
            "crossed_out" => Modifier::CROSSED_OUT,
            "slow_blink" => Modifier::SLOW_BLINK,
            "rapid_blink" => Modifier::RAPID_BLINK,
            "hidden" => Modifier::HIDDEN,
            _ => return None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_override_and_unknown_keys_are_named() {
        let t = Theme::parse("ringing = { fg = \"#ff8800\", modifiers = [\"bold\"] }").unwrap();
        assert_eq!(
            t.ringing,
            Style::new()
                .fg(Color::Rgb(255, 136, 0))
                .add_modifier(Modifier::BOLD)
        );
        assert_eq!(t.in_call, Theme::ansi().in_call);
        let t = Theme::parse("inherits = \"mono\"\n[selected]\nbg = \"238\"").unwrap();
        assert_eq!(t.selected, Style::new().bg(Color::Indexed(238)));
        assert_eq!(t.ringing, Theme::mono().ringing);
        let e = Theme::parse("ringin = { fg = \"yellow\" }").unwrap_err();
        assert!(e.contains("\"ringin\""), "{e}");
        let e = Theme::parse("ringing = { fgg = \"yellow\" }").unwrap_err();
        assert!(e.contains("ringing.fgg"), "{e}");
        let e = Theme::parse("ringing = { fg = \"yelow\" }").unwrap_err();
        assert!(e.contains("yelow"), "{e}");
    }

    #[test]
    fn shipped_theme_files_parse_and_default_matches_builtin() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("themes");
        let dirs = [dir];
        assert_eq!(Theme::load("default", &dirs).unwrap(), Theme::ansi());
        assert_eq!(Theme::load("mono", &dirs).unwrap(), Theme::mono());
        assert!(Theme::load("midnight", &dirs).is_ok());
        assert!(
            Theme::load("nope", &dirs)
                .unwrap_err()
                .contains("not found")
        );
        assert!(Theme::load("../etc", &dirs).is_err());
    }

    #[test]
    fn mono_has_no_colours() {
        let t = Theme::mono();
        for key in Theme::KEYS {
            let mut t = t;
            let s = *t.slot(key).unwrap();
            assert!(s.fg.is_none() && s.bg.is_none(), "{key} has a colour");
        }
    }

    #[test]
    fn no_color_beats_the_config_but_not_the_command_line() {
        let none: &[PathBuf] = &[];
        let mono = Theme::mono();
        assert_eq!(
            Theme::choose(None, Some("default"), true, none).ok(),
            Some(mono)
        );
        assert_eq!(Theme::choose(None, None, true, none).ok(), Some(mono));
        assert_ne!(
            Theme::choose(Some("default"), None, true, none).ok(),
            Some(mono)
        );
        assert_ne!(
            Theme::choose(None, Some("default"), false, none).ok(),
            Some(mono)
        );
        assert!(Theme::choose(None, Some("../x"), false, none).is_err());
    }
}
