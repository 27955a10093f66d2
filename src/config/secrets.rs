//! Secret references in the config file (`env:VAR`, `cmd:SHELL COMMAND`, literals) and
//! their resolution, which runs only after the whole file validated.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::SECRET_COMMAND_TIMEOUT;

/// A secret (or username) reference as written in the file.
#[derive(Debug, Clone)]
pub(super) enum Reference {
    Literal(String),
    Env(String),
    Cmd(String),
}

impl Reference {
    pub(super) fn parse(raw: &str) -> Result<Reference, String> {
        if let Some(var) = raw.strip_prefix("env:") {
            let var = var.trim();
            if var.is_empty() {
                return Err("`env:` needs a variable name, e.g. env:PBX_API_KEY".into());
            }
            if var.contains('=') || var.contains('\0') || var.chars().any(char::is_whitespace) {
                return Err("`env:` is followed by an invalid environment variable name".into());
            }
            Ok(Reference::Env(var.to_string()))
        } else if let Some(cmd) = raw.strip_prefix("cmd:") {
            let cmd = cmd.trim();
            if cmd.is_empty() {
                return Err("`cmd:` needs a shell command, e.g. cmd:pass show noc/pbx".into());
            }
            Ok(Reference::Cmd(cmd.to_string()))
        } else if raw.trim().is_empty() {
            Err("is empty".into())
        } else {
            Ok(Reference::Literal(raw.to_string()))
        }
    }
}

impl Reference {
    /// Where a reference reads from, as `config check` names it (`env:VAR`, `cmd:`; the
    /// command itself is left out); None for a value written in the file.
    pub(super) fn source(&self) -> Option<String> {
        match self {
            Reference::Literal(_) => None,
            Reference::Env(var) => Some(format!("env:{var}")),
            Reference::Cmd(_) => Some("cmd:".to_string()),
        }
    }
}

pub(super) fn resolve(r: &Reference) -> Result<String, String> {
    match r {
        Reference::Literal(s) => Ok(s.clone()),
        Reference::Env(var) => match std::env::var(var) {
            Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
            Ok(_) => Err(format!("environment variable {var} is empty")),
            Err(std::env::VarError::NotPresent) => {
                Err(format!("environment variable {var} is not set"))
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(format!("environment variable {var} is not valid UTF-8"))
            }
        },
        Reference::Cmd(cmd) => run_secret_command(cmd, SECRET_COMMAND_TIMEOUT)
            .map_err(|m| format!("the `cmd:` reference {m}")),
    }
}

/// Runs `cmd` through `sh -c` and returns the first line of its standard output, trimmed.
/// Standard input and error are not connected. The command runs in a process group of
/// its own, and the whole group (the shell and everything it started) is killed after
/// `timeout`, so a hanging `pass`/`gpg`/`sleep` does not outlive the console's start.
/// Error texts never contain the command or its output.
pub(crate) fn run_secret_command(cmd: &str, timeout: Duration) -> Result<String, String> {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("could not be started (sh: {e})"))?;
    let Some(mut stdout) = child.stdout.take() else {
        kill_group(&mut child);
        return Err("output could not be read (no pipe)".into());
    };
    let (tx, rx) = mpsc::channel();
    // A thread reads so a chatty command cannot block on a full pipe. It ends when every
    // process holding the pipe has exited, which the group kill below guarantees.
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let r = stdout.by_ref().take(1 << 20).read_to_end(&mut buf);
        let _ = tx.send(r.map(|_| buf));
    });
    let deadline = std::time::Instant::now() + timeout;
    let timed_out = |child: &mut std::process::Child| {
        kill_group(child);
        format!("did not finish within {} s", timeout.as_secs())
    };
    let output = match rx.recv_timeout(timeout) {
        Ok(r) => r.map_err(|e| format!("output could not be read ({e})"))?,
        Err(_) => return Err(timed_out(&mut child)),
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Ok(None) => return Err(timed_out(&mut child)),
            Err(e) => return Err(format!("could not be waited for ({e})")),
        }
    };
    if !status.success() {
        return Err(match status.code() {
            Some(c) => format!("failed (exit status {c})"),
            None => "was killed by a signal".to_string(),
        });
    }
    let text = String::from_utf8(output).map_err(|_| "printed output that is not UTF-8")?;
    let first = text.lines().next().unwrap_or("").trim();
    if first.is_empty() {
        return Err("printed nothing on its first line".into());
    }
    Ok(first.to_string())
}

/// Kills the child's whole process group (it leads one: `process_group(0)`), then reaps
/// the child.
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id())
        && pid > 0
    {
        // SAFETY: kill(2) with a negative pid signals that process group; it touches no
        // memory of ours. The group id is the child's pid, so only the secret command
        // and what it started are signalled.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_timeout_kills_the_command() {
        let t = std::time::Instant::now();
        let e = run_secret_command("sleep 5", Duration::from_millis(300)).unwrap_err();
        assert!(e.contains("did not finish"), "{e}");
        assert!(t.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn command_timeout_kills_the_whole_group() {
        let e = run_secret_command("sleep 30 & sleep 30; echo late", Duration::from_millis(300))
            .unwrap_err();
        assert!(e.contains("did not finish"), "{e}");
    }

    #[test]
    fn command_output_first_line_trimmed() {
        assert_eq!(
            run_secret_command("printf '  abc-def  \\nsecond\\n'", SECRET_COMMAND_TIMEOUT).unwrap(),
            "abc-def"
        );
        let e = run_secret_command("exit 3", SECRET_COMMAND_TIMEOUT).unwrap_err();
        assert_eq!(e, "failed (exit status 3)");
        let e = run_secret_command("true", SECRET_COMMAND_TIMEOUT).unwrap_err();
        assert!(e.contains("printed nothing"), "{e}");
    }
}
