//! The collector's operator tokens: `tokens.toml` in the state dir (or `serve --tokens
//! PATH`), one `[[token]]` per operator with its `name`, `role` and the SHA-256 of the
//! token (hex). The token itself is printed once by `switchboard serve token new` and
//! never stored, logged or compared as text: a request's bearer token is hashed and the
//! hash compared in constant time with every entry.
//!
//! ```toml
//! [[token]]
//! name = "alice"
//! role = "operator"
//! sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
//! created = "2026-11-29T12:00:00Z"
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

/// The file name in the state dir.
pub const FILE: &str = "tokens.toml";

/// What a token may do; each role may do everything the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Scrapes `/metrics`, nothing else.
    Metrics,
    /// The feed and the history, plus `/metrics`.
    Viewer,
    /// Also changes (`/v1/actions`).
    Operator,
    /// Also token management.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Metrics, Role::Viewer, Role::Operator, Role::Admin];

    pub fn name(self) -> &'static str {
        match self {
            Role::Metrics => "metrics",
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == s)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One operator's entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub role: Role,
    /// SHA-256 of the token.
    pub hash: [u8; 32],
}

/// Every configured token. Empty means the collector is open (as before tokens existed).
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    pub entries: Vec<Entry>,
}

/// Who a request is, once its token matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub role: Role,
}

pub fn sha256(token: &str) -> [u8; 32] {
    let d = digest(&SHA256, token.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// Equal in time independent of where the slices differ.
fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<[u8; 32]> {
    let s = s.trim();
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

impl Tokens {
    pub fn is_open(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry whose hash is the token's. Every entry is compared, each in constant
    /// time, so the answer's timing says nothing about which entry (if any) was close.
    pub fn check(&self, token: &str) -> Option<Identity> {
        let h = sha256(token);
        let mut found = None;
        for e in &self.entries {
            if same(&e.hash, &h) && found.is_none() {
                found = Some(Identity {
                    name: e.name.clone(),
                    role: e.role,
                });
            }
        }
        found
    }

    /// Reads `path`; a missing file is no token (open). A file that exists but cannot be
    /// read or has a bad entry is an error: a collector must not start open by mistake.
    pub fn load(path: &Path) -> Result<Tokens, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Tokens::default()),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        Tokens::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Tokens, String> {
        let doc: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
        let mut entries = Vec::new();
        for (key, value) in &doc {
            if key != "token" {
                return Err(format!("unknown key `{key}` (expected [[token]] entries)"));
            }
            let list = value
                .as_array()
                .ok_or("`token` must be [[token]] entries")?;
            for (i, t) in list.iter().enumerate() {
                let at = |what: &str| format!("token {}: {what}", i + 1);
                let t = t.as_table().ok_or_else(|| at("not a table"))?;
                let text = |k: &str| t.get(k).and_then(|v| v.as_str());
                let name = text("name")
                    .filter(|n| !n.trim().is_empty())
                    .ok_or_else(|| at("`name` is missing"))?;
                let role = text("role")
                    .and_then(Role::parse)
                    .ok_or_else(|| at("`role` must be metrics, viewer, operator or admin"))?;
                let hash = text("sha256")
                    .and_then(unhex)
                    .ok_or_else(|| at("`sha256` must be 64 hex digits"))?;
                entries.push(Entry {
                    name: name.to_string(),
                    role,
                    hash,
                });
            }
        }
        Ok(Tokens { entries })
    }
}

/// A new token: 32 random bytes from the system's CSPRNG, hex, with a prefix that makes
/// it recognisable in a secret scanner.
pub fn generate() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| "the system's random source failed".to_string())?;
    Ok(format!("sbt_{}", hex(&bytes)))
}

/// The file `serve` reads unless `--tokens` says otherwise.
pub fn default_path(state_dir: &Path) -> PathBuf {
    state_dir.join(FILE)
}

/// `switchboard serve token new`: appends an entry for a new token to `path` (created
/// 0600) and returns the token, which the caller prints once.
pub fn add(path: &Path, name: &str, role: Role) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() || name.contains(['"', '\\', '\n', '\r']) {
        return Err(
            "the name must be non-empty, without quotes, backslashes or line breaks".into(),
        );
    }
    let existing = Tokens::load(path)?;
    if existing.entries.iter().any(|e| e.name == name) {
        return Err(format!(
            "a token named {name:?} already exists in {}",
            path.display()
        ));
    }
    let token = generate()?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let created = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ");
    let entry = format!(
        "\n[[token]]\nname = \"{name}\"\nrole = \"{role}\"\nsha256 = \"{}\"\ncreated = \"{created}\"\n",
        hex(&sha256(&token))
    );
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut file = opts
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.write_all(entry.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_token_is_found_by_its_hash_only() {
        let dir = std::env::temp_dir().join(format!("sb-tokens-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join(FILE);
        let alice = add(&path, "alice", Role::Operator).unwrap();
        let bob = add(&path, "bob", Role::Metrics).unwrap();
        assert_ne!(alice, bob);
        assert!(alice.starts_with("sbt_") && alice.len() == 68, "{alice}");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&alice[4..]) && !text.contains(&bob[4..]));
        let t = Tokens::load(&path).unwrap();
        assert_eq!(
            t.check(&alice),
            Some(Identity {
                name: "alice".into(),
                role: Role::Operator
            })
        );
        assert_eq!(t.check(&bob).map(|i| i.role), Some(Role::Metrics));
        assert_eq!(t.check("sbt_wrong"), None);
        assert_eq!(t.check(""), None);
        assert!(
            add(&path, "alice", Role::Admin).is_err(),
            "names are unique"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_bad_file_is_an_error_and_a_missing_one_is_open() {
        assert!(
            Tokens::load(Path::new("/nonexistent/sb/tokens.toml"))
                .unwrap()
                .is_open()
        );
        for bad in [
            "[[token]]\nname = \"a\"\nrole = \"root\"\nsha256 = \"00\"\n",
            "[[token]]\nrole = \"viewer\"\n",
            "token = 3\n",
            "other = 1\n",
        ] {
            assert!(Tokens::parse(bad).is_err(), "{bad}");
        }
        assert!(Role::Metrics < Role::Viewer && Role::Operator < Role::Admin);
    }
}
