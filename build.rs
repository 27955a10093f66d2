//! Puts the commit into `--version` (`0.1.0 (a1b2c3d)`) when the source is a git checkout
//! with `git` at hand; from a tarball, or without git, the version is the package's alone.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let version = env!("CARGO_PKG_VERSION");
    let commit = git(&["rev-parse", "--short", "HEAD"]);
    if commit.is_some() {
        // Rebuild when HEAD moves: HEAD itself, the branch it names, packed refs.
        let mut watched = vec![git(&["rev-parse", "--git-path", "HEAD"])];
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
            watched.push(git(&["rev-parse", "--git-path", &branch]));
        }
        watched.push(git(&["rev-parse", "--git-path", "packed-refs"]));
        for path in watched.into_iter().flatten() {
            // A path that does not exist would make cargo rerun this script every build.
            if Path::new(&path).exists() {
                println!("cargo:rerun-if-changed={path}");
            }
        }
    }
    let full = match commit {
        Some(c) if c.chars().all(|ch| ch.is_ascii_hexdigit()) => format!("{version} ({c})"),
        _ => version.to_string(),
    };
    println!("cargo:rustc-env=SWITCHBOARD_VERSION={full}");
}
