//! Shell completions and the man page, generated from the clap definitions in
//! [`super::Cli`], so neither can drift from the parser.

use std::io::{self, Write};

use clap::{Arg, CommandFactory};
use clap_mangen::roff::{Roff, bold, italic, roman};

/// The binary's name, as completions and the man page call it.
const BIN: &str = "switchboard";

/// Writes the completion script for `shell` (`switchboard completions bash`).
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> io::Result<()> {
    // Generated in memory: the generator gives up loudly on a failed write (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut super::Cli::command(), BIN, &mut script);
    out.write_all(&script)
}

/// Writes the man page (roff, section 1): name, synopsis, description, options, every
/// command with its own options, FILES, ENVIRONMENT and EXIT STATUS.
pub fn man_page(out: &mut dyn Write) -> io::Result<()> {
    let cmd = super::Cli::command();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    let mut roff = Roff::default();
    roff.control("SH", ["COMMANDS"]);
    for sub in cmd.get_subcommands() {
        command_section(&mut roff, sub, BIN);
    }
    files(&mut roff);
    environment(&mut roff);
    exit_status(&mut roff);
    roff.to_writer(out)?;
    man.render_extra_section(out)?;
    man.render_version_section(out)
}

/// One command (and its own commands, depth first): its full name, what it does, its
/// arguments and flags.
fn command_section(roff: &mut Roff, cmd: &clap::Command, parent: &str) {
    if cmd.is_hide_set() {
        return;
    }
    let name = format!("{parent} {}", cmd.get_name());
    roff.control("SS", [name.as_str()]);
    if let Some(about) = cmd.get_long_about().or(cmd.get_about()) {
        roff.text([roman(about.to_string())]);
    }
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        argument(roff, arg);
    }
    for sub in cmd.get_subcommands() {
        command_section(roff, sub, &name);
    }
}

/// One argument as a tagged paragraph: `-s, --long <VALUE>`, then its help, possible
/// values, default and environment variable.
fn argument(roff: &mut Roff, arg: &Arg) {
    let value_name = || {
        arg.get_value_names()
            .and_then(|v| v.first())
            .map_or_else(|| arg.get_id().as_str().to_uppercase(), |v| v.to_string())
    };
    let mut head = Vec::new();
    if arg.is_positional() {
        head.push(italic(format!("<{}>", value_name())));
    } else {
        if let Some(s) = arg.get_short() {
            head.push(bold(format!("-{s}")));
            if arg.get_long().is_some() {
                head.push(roman(", "));
            }
        }
        if let Some(l) = arg.get_long() {
            head.push(bold(format!("--{l}")));
        }
        if arg.get_action().takes_values() {
            head.push(roman(" "));
            head.push(italic(format!("<{}>", value_name())));
        }
    }
    roff.control("TP", []).text(head);
    let mut body = arg
        .get_long_help()
        .or(arg.get_help())
        .map(|h| h.to_string())
        .unwrap_or_default();
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    if !values.is_empty() && arg.get_action().takes_values() {
        body.push_str(&format!(" [possible values: {}]", values.join(", ")));
    }
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if !defaults.is_empty() && arg.get_action().takes_values() {
        body.push_str(&format!(" [default: {}]", defaults.join(", ")));
    }
    if let Some(env) = arg.get_env() {
        body.push_str(&format!(" [env: {}]", env.to_string_lossy()));
    }
    roff.text([roman(body)]);
}

fn tagged(roff: &mut Roff, tag: &str, text: &str) {
    roff.control("TP", []).text([bold(tag)]).text([roman(text)]);
}

fn files(roff: &mut Roff) {
    roff.control("SH", ["FILES"]);
    let entries = [
        (
            "~/.config/switchboard/config.toml",
            "The configuration ($XDG_CONFIG_HOME honoured; --config or SWITCHBOARD_CONFIG \
             name another). `switchboard config init` writes a commented template, \
             `switchboard config check` validates it, `switchboard config paths` prints \
             where every file is.",
        ),
        (
            "~/.config/switchboard/themes/NAME.toml",
            "User themes for --theme NAME and [ui] theme; a themes/ folder beside the \
             config file given with --config, and ./themes, are searched too.",
        ),
        (
            "~/.local/state/switchboard/switchboard.YYYY-MM-DD.log",
            "The daily log, private to the user, every line redacted ($XDG_STATE_HOME \
             honoured).",
        ),
        (
            "~/.local/state/switchboard/audit.jsonl",
            "The audit log: one JSON line per change attempted or refused.",
        ),
        (
            "~/.local/state/switchboard/history.sqlite",
            "The call history kept by `switchboard serve`.",
        ),
        (
            "~/.local/state/switchboard/tokens.toml",
            "The collector's operator tokens (name, role, SHA-256 of the token), written \
             by `switchboard serve token new`; --tokens names another. With no token in \
             it, every endpoint of `switchboard serve` is open.",
        ),
    ];
    for (tag, text) in entries {
        tagged(roff, tag, text);
    }
}

fn environment(roff: &mut Roff) {
    roff.control("SH", ["ENVIRONMENT"]);
    let entries = [
        (
            crate::config::CONFIG_ENV,
            "The config file, when --config is not given.",
        ),
        (
            crate::logging::LOG_ENV,
            "The log filter (e.g. debug, or switchboard=debug,reqwest=warn), when \
             --log-level is not given.",
        ),
        (
            "SWITCHBOARD_TOKEN",
            "The collector token for --connect (env:VAR, or the token itself), when \
             --token is not given; else [collector] token.",
        ),
        (
            "NO_COLOR",
            "When set and not empty, the console uses the mono theme (--theme beats it).",
        ),
        (
            "TZ",
            "The time zone the console shows times and counts \"today\" in.",
        ),
        (
            "XDG_CONFIG_HOME, XDG_STATE_HOME, HOME",
            "Where the config and state directories are.",
        ),
    ];
    for (tag, text) in entries {
        tagged(roff, tag, text);
    }
    roff.text([roman(
        "Secret references in the config (env:VAR) read further variables, named there.",
    )]);
}

fn exit_status(roff: &mut Roff) {
    roff.control("SH", ["EXIT STATUS"]);
    let entries = [
        (
            "0",
            "Success; for snapshot, every provider answered every request.",
        ),
        (
            "1",
            "A runtime failure: snapshot with a provider degraded or failed, trace with no \
             provider owning the number, the terminal or a listener could not be used.",
        ),
        (
            "2",
            "Invalid usage or configuration: a bad flag, a config file that does not \
             validate (config check), a secret reference that cannot be resolved.",
        ),
        (
            "128+N",
            "Ended by signal N (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP).",
        ),
    ];
    for (tag, text) in entries {
        tagged(roff, tag, text);
    }
}
