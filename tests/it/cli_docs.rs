//! `switchboard completions` and `switchboard man`: generated from the clap definitions,
//! so every command and flag is in them. The tests walk the command tree, so a flag added
//! later is checked without touching them.

use std::process::Command;

use clap::CommandFactory;
use clap_complete::Shell;
use switchboard::cli::{Cli, docs};

/// Every command path below the top (`["config", "check"]` …), depth first.
fn command_paths(cmd: &clap::Command, parent: &[String], out: &mut Vec<Vec<String>>) {
    for sub in cmd.get_subcommands() {
        let mut path = parent.to_vec();
        path.push(sub.get_name().to_string());
        out.push(path.clone());
        command_paths(sub, &path, out);
    }
}

/// Every command of the tree with its own flags (`--long`) and positional names.
fn all_commands() -> Vec<(Vec<String>, clap::Command)> {
    let top = Cli::command();
    let mut paths = Vec::new();
    command_paths(&top, &[], &mut paths);
    let mut out = vec![(Vec::new(), top.clone())];
    for path in paths {
        let mut cmd = &top;
        for name in &path {
            cmd = cmd.find_subcommand(name).expect("path exists");
        }
        out.push((path, cmd.clone()));
    }
    out
}

fn man_text() -> String {
    let mut out = Vec::new();
    docs::man_page(&mut out).expect("renders");
    String::from_utf8(out).expect("utf-8")
}

/// roff escapes `-` as `\-`; the reader sees a plain dash.
fn unroff(text: &str) -> String {
    text.replace("\\-", "-")
}

#[test]
fn every_shell_gets_a_script_that_knows_the_commands_and_flags() {
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        let mut out = Vec::new();
        docs::completions(shell, &mut out).expect("writes");
        let script = String::from_utf8(out).expect("utf-8");
        assert!(script.len() > 500, "{shell}: {script}");
        for name in [
            "snapshot",
            "trace",
            "serve",
            "config",
            "check",
            "completions",
            "man",
            "sim",
        ] {
            assert!(script.contains(name), "{shell} misses {name}");
        }
        for flag in ["pane", "scope", "no-hints", "output", "resource", "resolve"] {
            assert!(script.contains(flag), "{shell} misses --{flag}");
        }
    }
}

#[test]
fn the_man_page_holds_every_command_and_flag_and_its_sections() {
    let man = unroff(&man_text());
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH OPTIONS",
        ".SH COMMANDS",
        ".SH FILES",
        ".SH ENVIRONMENT",
        ".SH \"EXIT STATUS\"",
    ] {
        assert!(man.contains(section), "no {section} in:\n{man}");
    }
    let mut checked = 0;
    for (path, cmd) in all_commands() {
        if !path.is_empty() {
            let title = format!("switchboard {}", path.join(" "));
            assert!(man.contains(&title), "no section for `{title}`");
        }
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            let shown = match arg.get_long() {
                Some(long) => format!("--{long}"),
                None => arg.get_value_names().and_then(|v| v.first()).map_or_else(
                    || arg.get_id().to_string().to_uppercase(),
                    |v| v.to_string(),
                ),
            };
            assert!(man.contains(&shown), "`{}` misses {shown}", path.join(" "));
            checked += 1;
        }
    }
    // The walk reached the nested commands' flags (config check --resolve, sim's own).
    assert!(checked > 30, "only {checked} arguments walked");
    for word in [
        "SWITCHBOARD_CONFIG",
        "SWITCHBOARD_LOG",
        "NO_COLOR",
        "audit.jsonl",
        "config.toml",
        "128+N",
    ] {
        assert!(man.contains(word), "no {word}");
    }
}

/// The binary prints both; a reader that stops early (`| head`) is no error.
#[test]
fn the_binary_prints_completions_and_the_man_page() {
    let bin = env!("CARGO_BIN_EXE_switchboard");
    let out = Command::new(bin)
        .args(["completions", "zsh"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("#compdef switchboard"));
    let out = Command::new(bin).arg("man").output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), man_text());
    let out = Command::new(bin)
        .args(["completions", "tcsh"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
    let out = Command::new("sh")
        .args([
            "-c",
            &format!("{bin} man | head -c 10 >/dev/null; echo rc=$?"),
        ])
        .output()
        .expect("runs");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `--version` names the commit when built from a git checkout.
#[test]
fn version_names_the_package_and_the_commit_when_known() {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("--version")
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        text.starts_with(&format!("switchboard {}", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    let in_git = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if let Some(commit) = in_git {
        assert!(text.ends_with(&format!("({commit})")), "{text} vs {commit}");
    }
}
