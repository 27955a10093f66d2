//! Configuration loading: what a user sees for good files, bad files and secret references.
//! Its own test binary: tests set environment variables, which is unsound while other
//! tests' threads read the environment outside Rust's lock (getaddrinfo for `localhost`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use switchboard::config::{self, ConfigError, Loaded, ProviderConfig};
use switchboard::model::ProviderKind;
use switchboard::providers::{
    CallableSettings, CloudonixSettings, IovoxSettings, KindSettings, ProvoiceSettings,
    VoipcloudSettings,
};

const PATH: &str = "/home/u/.config/switchboard/config.toml";

fn ok(text: &str) -> Loaded {
    match config::parse(text, Path::new(PATH)) {
        Ok(l) => l,
        Err(e) => panic!("expected the config to parse, got: {e}"),
    }
}

fn err(text: &str) -> ConfigError {
    match config::parse(text, Path::new(PATH)) {
        Ok(l) => panic!("expected an error, got {:?}", l.config),
        Err(e) => e,
    }
}

/// The typed settings of kind `T` of a parsed provider.
fn of<T: KindSettings>(p: &ProviderConfig) -> &T {
    match p.kind_settings() {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

/// Sets a variable no other test reads (edition 2024 makes this `unsafe`).
fn set_env(var: &str, value: &str) {
    unsafe { std::env::set_var(var, value) };
}

/// A fresh private directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "switchboard-config-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(unix)]
fn write_with_mode(path: &Path, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

// ---------------------------------------------------------------------------------------
// Valid files
// ---------------------------------------------------------------------------------------

#[test]
fn full_config_with_every_kind_parses() {
    set_env(
        "SB_TEST_FULL_CLOUDONIX",
        "XI0123456789ABCDEF0123456789ABCDEF",
    );
    let text = r#"
[ui]
theme = "mono"

[[provider]]
name = "acme-cloudonix"
kind = "cloudonix"
base_url = "https://api.cloudonix.io"
api_key = "env:SB_TEST_FULL_CLOUDONIX"
customer = "self"
domains = ["acme.cloudonix.net", "beta.cloudonix.net"]
rate_limit = { requests = 10, per_seconds = 10 }
timeout_seconds = 10
read_only = true

[[provider]]
name = "au-pbx"
kind = "voipcloud"
base_url = "https://au.voipcloud.online"
token = "cmd:echo voipcloud-token-1234"
api_version = "v2"
timeout_seconds = 2.5

[[provider]]
name = "iovox"
kind = "iovox"
username = "noc"
secure_key = "eb94fd75a6a8c04306dd341953e7e922"
read_only = false

[[provider]]
name = "callable"
kind = "callable"
base_url = "https://eu-west-2-api.control.callable.io"
username = "noc@example.com"
password = "callable-password"

[provider.rate_limit]
requests = 3
per_seconds = 0.5

[[provider]]
name = "provoice"
kind = "provoice"
base_url = "http://127.0.0.1:9004/api/"
api_key = "provoice-key-5678"
"#;
    let loaded = ok(text);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let c = &loaded.config;
    assert_eq!(c.path.as_deref(), Some(Path::new(PATH)));
    assert_eq!(c.ui.theme.as_deref(), Some("mono"));
    let kinds: Vec<ProviderKind> = c.providers.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, ProviderKind::ALL.to_vec(), "file order is kept");

    let cx = &c.providers[0];
    assert_eq!(cx.name, "acme-cloudonix");
    assert_eq!(cx.base_url, "https://api.cloudonix.io");
    assert_eq!(
        of::<CloudonixSettings>(cx).api_key.expose(),
        "XI0123456789ABCDEF0123456789ABCDEF"
    );
    assert_eq!(
        of::<CloudonixSettings>(cx).customer.as_deref(),
        Some("self")
    );
    assert_eq!(
        of::<CloudonixSettings>(cx).domains,
        ["acme.cloudonix.net", "beta.cloudonix.net"]
    );
    let rl = cx.rate_limit.unwrap();
    assert_eq!((rl.requests, rl.per_seconds), (10, 10.0));
    assert_eq!(cx.timeout_seconds, Some(10.0));
    assert_eq!(cx.read_only, Some(true));

    let vc = &c.providers[1];
    let vs: &VoipcloudSettings = of(vc);
    assert_eq!(vs.token.expose(), "voipcloud-token-1234");
    assert_eq!(vs.api_version.as_deref(), Some("v2"));
    assert_eq!(vc.timeout_seconds, Some(2.5));
    assert_eq!(vc.read_only, None);

    let io = &c.providers[2];
    assert_eq!(of::<IovoxSettings>(io).username, "noc");
    assert_eq!(
        of::<IovoxSettings>(io).secure_key.expose(),
        "eb94fd75a6a8c04306dd341953e7e922"
    );
    assert_eq!(
        io.base_url, "https://api.iovox.com:444",
        "iovox has a default base_url"
    );

    let ca = &c.providers[3];
    assert_eq!(
        of::<CallableSettings>(ca).password.expose(),
        "callable-password"
    );
    let rl = ca.rate_limit.unwrap();
    assert_eq!((rl.requests, rl.per_seconds), (3, 0.5));

    let pv = &c.providers[4];
    assert_eq!(
        of::<ProvoiceSettings>(pv).api_key.expose(),
        "provoice-key-5678"
    );
    assert_eq!(pv.base_url, "http://127.0.0.1:9004/api/");
}

#[test]
fn empty_file_is_an_empty_config() {
    let l = ok("");
    assert!(l.config.providers.is_empty());
    assert!(l.config.ui.theme.is_none());
}

#[test]
fn plain_http_to_a_remote_host_warns() {
    let l = ok(r#"
[[provider]]
name = "x"
kind = "voipcloud"
base_url = "http://pbx.example.com"
token = "cmd:echo abcdefgh"
"#);
    assert_eq!(l.warnings.len(), 1);
    assert!(l.warnings[0].starts_with(&format!("{PATH} line 5: base_url uses plain http")));
}

// ---------------------------------------------------------------------------------------
// Errors: line, key and wording
// ---------------------------------------------------------------------------------------

#[test]
fn unknown_kind_reads_like_the_documented_example() {
    let e = err(r#"[ui]
theme = "default"

[[provider]]
name = "acme"
base_url = "https://api.example.com"
kind = "twilio"
api_key = "whatever-key"
"#);
    assert_eq!(
        e.to_string(),
        "config error: /home/u/.config/switchboard/config.toml line 7, key `kind`: \
         unknown provider kind \"twilio\" (expected one of cloudonix, voipcloud, iovox, callable, provoice)"
    );
    assert_eq!(e.line, Some(7));
    assert_eq!(e.key.as_deref(), Some("kind"));
    assert_eq!(e.path, Path::new(PATH));
}

#[test]
fn capitalised_kind_gets_a_hint() {
    let e = err("[[provider]]\nname = \"a\"\nkind = \"Cloudonix\"\napi_key = \"k-123456\"\n");
    assert!(
        e.to_string()
            .ends_with("kinds are lower case: \"cloudonix\""),
        "{e}"
    );
}

#[test]
fn syntax_error_names_the_line() {
    let e = err("[ui]\ntheme = \"default\"\n\n[[provider]]\nname = \"a\"\nkind = cloudonix\n");
    assert_eq!(e.line, Some(6));
    assert_eq!(
        e.to_string(),
        format!(
            "config error: {PATH} line 6, key `kind`: invalid TOML: string values must be quoted, expected literal string"
        )
    );
    let e = err("[ui\ntheme = \"x\"\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(1), None));
    assert!(e.message.starts_with("invalid TOML: "), "{e}");
}

#[test]
fn duplicate_toml_key_is_a_syntax_error_on_its_line() {
    let e = err("[ui]\ntheme = \"a\"\ntheme = \"b\"\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(3), Some("theme")));
    assert!(e.message.contains("duplicate key"), "{e}");
}

#[test]
fn unknown_top_level_section() {
    let e = err("[ui]\ntheme = \"default\"\n\n[colours]\nquit = \"q\"\n");
    assert_eq!(
        e.to_string(),
        format!(
            "config error: {PATH} line 4, key `colours`: unknown key in the top level (expected one of read_only, ui, provider, keys, stats, history, alerts, collector)"
        )
    );
}

#[test]
fn global_read_only_is_a_boolean() {
    let l = ok("read_only = true\n");
    assert!(l.config.read_only);
    assert!(!ok("").config.read_only);
    let e = err("read_only = \"yes\"\n");
    assert!(
        e.to_string()
            .contains("line 1, key `read_only`: expected true or false"),
        "{e}"
    );
}

#[test]
fn unknown_key_in_ui() {
    let e = err("[ui]\ntheme = \"default\"\ncolour = \"red\"\n");
    assert_eq!(
        e.to_string(),
        format!(
            "config error: {PATH} line 3, key `ui.colour`: unknown key in [ui] (expected one of theme, history_rows, start_pane, ascii)"
        )
    );
}

#[test]
fn unknown_key_in_provider_suggests_the_right_one() {
    let e =
        err("[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\napi_key = \"env:X\"\ntimeout = 5\n");
    assert_eq!(e.line, Some(5));
    assert_eq!(e.key.as_deref(), Some("timeout"));
    let s = e.to_string();
    assert!(
        s.contains("unknown key in [[provider]] (expected one of name, kind, base_url,"),
        "{s}"
    );
    assert!(s.ends_with("did you mean `timeout_seconds`?"), "{s}");
}

/// A mistyped credential is reported by its own name, at its own line, with the
/// suggestion, not as the credential missing on the table's first line.
#[test]
fn a_mistyped_credential_is_named_before_the_missing_one() {
    let e = err("[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\napi_kye = \"env:X\"\n");
    assert_eq!(e.line, Some(4), "{e}");
    assert_eq!(e.key.as_deref(), Some("api_kye"), "{e}");
    assert!(e.to_string().ends_with("did you mean `api_key`?"), "{e}");
    // Without the typo, the missing credential is still reported.
    let e = err("[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\n");
    assert_eq!(e.key.as_deref(), Some("api_key"), "{e}");
    assert!(e.message.contains("has no `api_key`"), "{e}");
}

/// `[ui] start_pane` takes the pane names of `--pane`; a wrong one lists them.
#[test]
fn start_pane_names_a_pane() {
    use switchboard::model::Resource;
    let l = ok("[ui]\nstart_pane = \"trunks\"\n");
    assert_eq!(l.config.ui.start_pane, Some(Resource::Trunks));
    assert_eq!(ok("").config.ui.start_pane, None);
    let e = err("[ui]\nstart_pane = \"trunk\"\n");
    assert_eq!(
        e.to_string(),
        format!(
            "config error: {PATH} line 2, key `ui.start_pane`: unknown pane \"trunk\" (expected one of accounts, live-calls, history, trunks, numbers, queues)"
        )
    );
    let e = err("[ui]\nstart_pane = 3\n");
    assert!(e.message.contains("expected a pane name"), "{e}");
}

#[test]
fn single_bracket_provider_table_explains_double_brackets() {
    let e = err("[ui]\n\n[provider]\nname = \"a\"\n");
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("write `[[provider]]`"), "{e}");
}

#[test]
fn wrong_type_names_key_and_expected_type() {
    let e = err(
        "[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\napi_key = \"env:X\"\nread_only = \"yes\"\n",
    );
    assert_eq!(
        e.to_string(),
        format!(
            "config error: {PATH} line 5, key `read_only`: expected true or false, found a string"
        )
    );
    let e = err("[[provider]]\nname = 7\nkind = \"cloudonix\"\napi_key = \"env:X\"\n");
    assert_eq!(
        e.to_string(),
        format!("config error: {PATH} line 2, key `name`: expected a string, found an integer")
    );
    let e = err(
        "[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\napi_key = \"env:X\"\ndomains = \"acme.cloudonix.net\"\n",
    );
    assert_eq!(e.line, Some(5));
    assert_eq!(e.key.as_deref(), Some("domains"));
    assert!(e.message.starts_with("expected an array of strings"), "{e}");
}

#[test]
fn missing_required_keys_point_at_the_provider_header() {
    let text = "[ui]\ntheme = \"default\"\n\n[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\n";
    assert_eq!(
        err(text).to_string(),
        format!(
            "config error: {PATH} line 4, key `api_key`: this cloudonix provider has no `api_key` (cloudonix needs `api_key`)"
        )
    );
    let text = "[[provider]]\nname = \"a\"\nkind = \"iovox\"\nusername = \"u\"\n";
    assert_eq!(
        err(text).to_string(),
        format!(
            "config error: {PATH} line 1, key `secure_key`: this iovox provider has no `secure_key` (iovox needs `username` and `secure_key`)"
        )
    );
    let text = "[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\napi_key = \"k\"\n\n[[provider]]\nkind = \"voipcloud\"\ntoken = \"k\"\nbase_url = \"https://x.example\"\n";
    assert_eq!(
        err(text).to_string(),
        format!("config error: {PATH} line 6, key `name`: this [[provider]] table has no `name`")
    );
    let e = err("[[provider]]\nname = \"a\"\napi_key = \"k\"\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(1), Some("kind")));
    assert!(e.message.contains("has no `kind`"), "{e}");
    let e = err("[[provider]]\nname = \"a\"\nkind = \"voipcloud\"\ntoken = \"k-12345\"\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(1), Some("base_url")));
    assert!(e.message.contains("no default for voipcloud"), "{e}");
}

#[test]
fn key_of_another_kind_says_which_kinds_use_it() {
    let e = err(
        "[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\napi_key = \"env:X\"\nsecure_key = \"s3cr3t-value\"\n",
    );
    assert_eq!(
        e.to_string(),
        format!(
            "config error: {PATH} line 5, key `secure_key`: `secure_key` is not a cloudonix setting (only iovox uses it)"
        )
    );
    let e = err(
        "[[provider]]\nname = \"a\"\nkind = \"voipcloud\"\nbase_url = \"https://x.example\"\ntoken = \"k\"\nusername = \"bob\"\n",
    );
    assert!(
        e.to_string().ends_with(
            "key `username`: `username` is not a voipcloud setting (only iovox and callable use it)"
        ),
        "{e}"
    );
    let e = err(
        "[[provider]]\nname = \"a\"\nkind = \"iovox\"\nusername = \"u\"\nsecure_key = \"k\"\napi_key = \"k\"\n",
    );
    assert!(
        e.message.contains("only cloudonix and provoice use it"),
        "{e}"
    );
}

#[test]
fn duplicate_name_points_at_the_second_one() {
    let text = r#"[[provider]]
name = "acme"
kind = "cloudonix"
api_key = "env:X"

[[provider]]
name = "acme"
kind = "provoice"
base_url = "https://provoice.nl/api/"
api_key = "env:Y"
"#;
    assert_eq!(
        err(text).to_string(),
        format!(
            "config error: {PATH} line 7, key `name`: duplicate provider name \"acme\" (first used on line 2)"
        )
    );
}

#[test]
fn empty_name_is_an_error() {
    let e = err("[[provider]]\nname = \"  \"\nkind = \"cloudonix\"\napi_key = \"env:X\"\n");
    assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("name")));
}

#[test]
fn base_url_must_be_http() {
    let e = err(
        "[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\nbase_url = \"api.cloudonix.io\"\napi_key = \"env:X\"\n",
    );
    assert_eq!(
        e.to_string(),
        format!(
            "config error: {PATH} line 4, key `base_url`: must start with https:// (or http://), e.g. \"https://api.cloudonix.io\""
        )
    );
    let e = err(
        "[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\nbase_url = \"ftp://x\"\napi_key = \"env:X\"\n",
    );
    assert_eq!(e.line, Some(4));
}

#[test]
fn rate_limit_bounds() {
    let base = "[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\napi_key = \"env:X\"\n";
    let e = err(&format!(
        "{base}rate_limit = {{ requests = 0, per_seconds = 10 }}\n"
    ));
    assert_eq!(
        e.to_string(),
        format!("config error: {PATH} line 5, key `rate_limit.requests`: must be at least 1")
    );
    let e = err(&format!(
        "{base}rate_limit = {{ requests = 5, per_seconds = 0 }}\n"
    ));
    assert_eq!(
        e.to_string(),
        format!(
            "config error: {PATH} line 5, key `rate_limit.per_seconds`: must be greater than 0"
        )
    );
    let e = err(&format!(
        "{base}\n[provider.rate_limit]\nrequests = 5\nper_seconds = -1.5\n"
    ));
    assert_eq!(
        (e.line, e.key.as_deref()),
        (Some(8), Some("rate_limit.per_seconds"))
    );
    let e = err(&format!("{base}rate_limit = {{ requests = 5 }}\n"));
    assert_eq!(
        (e.line, e.key.as_deref()),
        (Some(5), Some("rate_limit.per_seconds"))
    );
    let e = err(&format!(
        "{base}rate_limit = {{ requests = 5, per_seconds = 1, burst = 2 }}\n"
    ));
    assert_eq!(
        (e.line, e.key.as_deref()),
        (Some(5), Some("rate_limit.burst"))
    );
    let e = err(&format!("{base}rate_limit = 10\n"));
    assert_eq!((e.line, e.key.as_deref()), (Some(5), Some("rate_limit")));
}

#[test]
fn timeout_must_be_positive() {
    let base = "[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\napi_key = \"env:X\"\n";
    for bad in ["0", "-1", "0.0", "nan"] {
        let e = err(&format!("{base}timeout_seconds = {bad}\n"));
        assert_eq!(
            e.to_string(),
            format!("config error: {PATH} line 5, key `timeout_seconds`: must be greater than 0"),
            "timeout_seconds = {bad}"
        );
    }
    let e = err(&format!("{base}timeout_seconds = \"10\"\n"));
    assert!(
        e.message
            .starts_with("expected a number of seconds, found a string"),
        "{e}"
    );
}

#[test]
fn the_earliest_problem_is_reported() {
    let text = r#"[[provider]]
name = "a"
kind = "cloudonix"
api_key = "env:X"
timeout_seconds = 0
base_url = "nope"
"#;
    // Keys are visited alphabetically internally; the report is by position in the file.
    let e = err(text);
    assert_eq!(
        (e.line, e.key.as_deref()),
        (Some(5), Some("timeout_seconds"))
    );
}

// ---------------------------------------------------------------------------------------
// Secret references
// ---------------------------------------------------------------------------------------

#[test]
fn env_reference_resolves() {
    set_env("SB_TEST_ENV_RESOLVES", "  env-secret-value-42 \n");
    let l = ok(
        "[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\napi_key = \"env:SB_TEST_ENV_RESOLVES\"\n",
    );
    assert_eq!(
        of::<CloudonixSettings>(&l.config.providers[0])
            .api_key
            .expose(),
        "env-secret-value-42"
    );
}

#[test]
fn unset_env_var_errors_without_a_secret() {
    let text = r#"[[provider]]
name = "first"
kind = "iovox"
username = "noc"
secure_key = "literal-iovox-secret-9f8e7d"

[[provider]]
name = "second"
kind = "cloudonix"
api_key = "env:SB_TEST_SURELY_UNSET_VAR"
"#;
    let e = err(text);
    let s = e.to_string();
    assert_eq!(
        s,
        format!(
            "config error: {PATH} line 10, key `api_key`: provider \"second\": environment variable SB_TEST_SURELY_UNSET_VAR is not set"
        )
    );
    assert!(!s.contains("literal-iovox-secret-9f8e7d"));
    assert!(!format!("{e:?}").contains("literal-iovox-secret-9f8e7d"));
}

#[test]
fn empty_env_var_is_an_error() {
    set_env("SB_TEST_EMPTY_VAR", "");
    let e = err(
        "[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\napi_key = \"env:SB_TEST_EMPTY_VAR\"\n",
    );
    assert!(
        e.message
            .ends_with("environment variable SB_TEST_EMPTY_VAR is empty"),
        "{e}"
    );
}

#[test]
fn cmd_reference_resolves_first_line() {
    let l = ok(r#"[[provider]]
name = "a"
kind = "callable"
username = "cmd:echo noc-user"
password = "cmd:echo hunter2-secret; echo second-line"
"#);
    let p: &CallableSettings = of(&l.config.providers[0]);
    assert_eq!(p.password.expose(), "hunter2-secret");
    assert_eq!(p.username, "noc-user");
    assert_eq!(format!("{:?}", p.password), "Secret(****)");
}

#[test]
fn failing_or_silent_cmd_is_an_error_naming_the_key_not_the_command() {
    let e = err(
        "[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\napi_key = \"cmd:echo leaked-cmd-secret >/dev/null; exit 4\"\n",
    );
    let s = e.to_string();
    assert_eq!(
        s,
        format!(
            "config error: {PATH} line 4, key `api_key`: provider \"a\": the `cmd:` reference failed (exit status 4)"
        )
    );
    assert!(!s.contains("leaked-cmd-secret"));
    let e = err("[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\napi_key = \"cmd:true\"\n");
    assert!(
        e.to_string()
            .ends_with("the `cmd:` reference printed nothing on its first line"),
        "{e}"
    );
}

#[test]
fn empty_references_are_errors() {
    let base = "[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\n";
    for (value, want) in [
        ("env:", "`env:` needs a variable name"),
        ("cmd:  ", "`cmd:` needs a shell command"),
        ("", "is empty"),
    ] {
        let e = err(&format!("{base}api_key = \"{value}\"\n"));
        assert_eq!((e.line, e.key.as_deref()), (Some(4), Some("api_key")));
        assert!(e.message.starts_with(want), "{value}: {e}");
    }
}

#[test]
fn secrets_are_not_resolved_when_the_file_is_invalid() {
    let dir = TempDir::new();
    let marker = dir.path().join("ran");
    let e = err(&format!(
        "[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\napi_key = \"cmd:touch {} && echo x\"\nread_only = 1\n",
        marker.display()
    ));
    assert_eq!(e.key.as_deref(), Some("read_only"));
    assert!(!marker.exists(), "cmd: ran although the file was invalid");
}

#[test]
fn error_display_never_contains_a_secret_from_the_file() {
    let secret = "XI_LITERAL_SECRET_0123456789abcdef";
    let cases = [
        // A later validation error.
        format!(
            "[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\napi_key = \"{secret}\"\n\n[[provider]]\nname = \"b\"\nkind = \"twilio\"\n"
        ),
        // The secret under a key the kind does not use.
        format!(
            "[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\napi_key = \"env:X\"\npassword = \"{secret}\"\n"
        ),
        // A syntax error on the secret's own line (unterminated, then unquoted).
        format!("[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\napi_key = \"{secret}\n"),
        format!("[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\napi_key = {secret}\n"),
        // A resolution error after the literal secret was registered.
        format!(
            "[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\napi_key = \"{secret}\"\n\n[[provider]]\nname = \"b\"\nkind = \"cloudonix\"\napi_key = \"env:SB_TEST_UNSET_TOO\"\n"
        ),
        // The secret as a wrong-typed value.
        format!("[ui]\ntheme = [\"{secret}\"]\n"),
    ];
    for text in &cases {
        let e = err(text);
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains(secret), "secret leaked: {shown}");
        assert!(
            !shown.contains("LITERAL_SECRET"),
            "part of the secret leaked: {shown}"
        );
        assert!(e.line.is_some(), "no line for: {e}");
    }
}

// ---------------------------------------------------------------------------------------
// Files, permissions, paths
// ---------------------------------------------------------------------------------------

const LITERAL: &str = "[[provider]]\nname = \"a\"\nkind = \"provoice\"\nbase_url = \"https://provoice.nl/api/\"\napi_key = \"provoice-literal-key\"\n";

#[cfg(unix)]
#[test]
fn literal_secret_in_a_world_readable_file_warns() {
    let dir = TempDir::new();
    let path = dir.path().join("config.toml");
    write_with_mode(&path, LITERAL, 0o644);
    let l = config::load(&path).unwrap();
    assert_eq!(l.warnings.len(), 1, "{:?}", l.warnings);
    let w = &l.warnings[0];
    assert!(w.contains(&path.display().to_string()), "{w}");
    assert!(w.contains("mode 0644"), "{w}");
    assert!(w.contains(&format!("chmod 600 {}", path.display())), "{w}");
    assert!(w.contains("env:") && w.contains("cmd:"), "{w}");
    assert!(!w.contains("provoice-literal-key"), "{w}");
}

#[cfg(unix)]
#[test]
fn literal_secret_in_a_private_file_does_not_warn() {
    let dir = TempDir::new();
    let path = dir.path().join("config.toml");
    write_with_mode(&path, LITERAL, 0o600);
    let l = config::load(&path).unwrap();
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    assert_eq!(l.config.path.as_deref(), Some(path.as_path()));
}

#[cfg(unix)]
#[test]
fn references_in_a_world_readable_file_do_not_warn() {
    let dir = TempDir::new();
    let path = dir.path().join("config.toml");
    write_with_mode(
        &path,
        "[[provider]]\nname = \"a\"\nkind = \"iovox\"\nusername = \"noc\"\nsecure_key = \"cmd:echo iovox-key-from-cmd\"\n",
        0o644,
    );
    let l = config::load(&path).unwrap();
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
}

#[test]
fn missing_file_is_a_plain_error() {
    let dir = TempDir::new();
    let path = dir.path().join("nope.toml");
    let e = config::load(&path).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("config error: {}: file not found", path.display())
    );
}

/// `--config` beats `SWITCHBOARD_CONFIG` (read by clap, so `--help` shows it) beats the
/// default path; `SWITCHBOARD_LOG` reaches `--log-level` the same way.
#[test]
fn cli_path_beats_env_beats_default() {
    use clap::Parser;
    use switchboard::cli::Cli;
    let parsed = |args: &[&str]| {
        let cli = Cli::try_parse_from(args).expect("parses");
        (config::resolve_path(cli.config), cli.log_level)
    };
    let cli = PathBuf::from("/tmp/from-cli.toml");
    assert_eq!(config::resolve_path(Some(cli.clone())), Some(cli));
    set_env(config::CONFIG_ENV, "/tmp/from-env.toml");
    set_env(switchboard::logging::LOG_ENV, "debug");
    assert_eq!(
        parsed(&["switchboard", "snapshot"]),
        (
            Some(PathBuf::from("/tmp/from-env.toml")),
            Some("debug".to_string())
        )
    );
    assert_eq!(
        parsed(&[
            "switchboard",
            "--config",
            "/tmp/from-cli.toml",
            "--log-level",
            "warn"
        ]),
        (
            Some(PathBuf::from("/tmp/from-cli.toml")),
            Some("warn".to_string())
        )
    );
    unsafe { std::env::remove_var(config::CONFIG_ENV) };
    unsafe { std::env::remove_var(switchboard::logging::LOG_ENV) };
    assert_eq!(parsed(&["switchboard"]).0, config::default_path());
    assert_eq!(config::resolve_path(None), config::default_path());
    if let Some(p) = config::default_path() {
        assert!(p.ends_with("switchboard/config.toml"), "{}", p.display());
    }
}

// ---------------------------------------------------------------------------------------
// Template
// ---------------------------------------------------------------------------------------

#[test]
fn template_as_shipped_parses_to_zero_providers() {
    let l = ok(config::template());
    assert!(l.config.providers.is_empty());
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    assert_eq!(l.config.ui.theme.as_deref(), Some("default"));
}

/// Every "# " example line uncommented: the template covers every kind and every key.
#[test]
fn template_examples_parse_when_uncommented() {
    for var in [
        "CLOUDONIX_KEY",
        "IOVOX_SECURE_KEY",
        "CALLABLE_PASSWORD",
        "PROVOICE_KEY",
    ] {
        set_env(var, &format!("template-test-{var}"));
    }
    let uncommented: String = config::template()
        .lines()
        .map(|l| l.strip_prefix("# ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
        .replace(
            "cmd:pass show noc/voipcloud",
            "cmd:echo template-test-voipcloud",
        );
    let l = ok(&uncommented);
    let kinds: Vec<ProviderKind> = l.config.providers.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, ProviderKind::ALL.to_vec());
    let text = config::template();
    for key in [
        "name",
        "kind",
        "base_url",
        "api_key",
        "customer",
        "domains",
        "username",
        "password",
        "secure_key",
        "rate_limit",
        "timeout_seconds",
        "read_only",
        "theme",
    ] {
        assert!(
            text.contains(&format!("\n# {key} = ")) || text.contains(&format!("\n{key} = ")),
            "template has no example for `{key}`"
        );
    }
}

#[test]
fn write_template_creates_dirs_and_refuses_to_overwrite() {
    let dir = TempDir::new();
    let path = dir.path().join("nested/deeper/config.toml");
    config::write_template(&path, false).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), config::template());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    std::fs::write(&path, "# my edits\n").unwrap();
    let e = config::write_template(&path, false).unwrap_err();
    assert!(e.contains("already exists"), "{e}");
    assert!(e.contains(&path.display().to_string()), "{e}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "# my edits\n");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    config::write_template(&path, true).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), config::template());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a forced overwrite is private too");
    }
}

#[test]
fn provider_specific_keys_are_checked() {
    let ok = ok(
        "[[provider]]\nname = \"v\"\nkind = \"voipcloud\"\nbase_url = \"https://au.voipcloud.online\"\ntoken = \"t-1\"\n\n\
         [[provider]]\nname = \"i\"\nkind = \"iovox\"\nusername = \"u\"\nsecure_key = \"k\"\nca_file = \"/tmp/ca.pem\"\noutput = \"xml\"\n\n\
         [[provider]]\nname = \"p\"\nkind = \"provoice\"\nbase_url = \"https://p.example/api/\"\napi_key = \"k\"\ncallback_listen = \"127.0.0.1:0\"\ncallback_url = \"http://127.0.0.1:9000/cb\"\n",
    )
    .config;
    assert_eq!(
        of::<VoipcloudSettings>(&ok.providers[0]).api_version,
        None,
        "v1 is the default"
    );
    let io: &IovoxSettings = of(&ok.providers[1]);
    assert_eq!(
        io.ca_file.as_deref(),
        Some(std::path::Path::new("/tmp/ca.pem"))
    );
    assert_eq!(io.output.as_deref(), Some("xml"));
    let pv: &ProvoiceSettings = of(&ok.providers[2]);
    assert_eq!(pv.callback_listen.as_deref(), Some("127.0.0.1:0"));
    assert_eq!(pv.callback_url.as_deref(), Some("http://127.0.0.1:9000/cb"));

    let e = err(
        "[[provider]]\nname = \"v\"\nkind = \"voipcloud\"\nbase_url = \"https://x.example\"\ntoken = \"t\"\napi_key = \"k\"\n",
    );
    assert!(
        e.message.contains("only cloudonix and provoice use it"),
        "{e}"
    );
    let e = err(
        "[[provider]]\nname = \"v\"\nkind = \"voipcloud\"\nbase_url = \"https://x.example\"\ntoken = \"k\"\napi_version = \"v3\"\n",
    );
    assert_eq!(e.key.as_deref(), Some("api_version"), "{e}");
    let e = err(
        "[[provider]]\nname = \"i\"\nkind = \"iovox\"\nusername = \"u\"\nsecure_key = \"k\"\noutput = \"yaml\"\n",
    );
    assert!(e.message.contains("\"json\" or \"xml\""), "{e}");
    let e = err(
        "[[provider]]\nname = \"p\"\nkind = \"provoice\"\nbase_url = \"https://p.example\"\napi_key = \"k\"\ncallback_listen = \"localhost\"\n",
    );
    assert_eq!(e.key.as_deref(), Some("callback_listen"), "{e}");
}

#[test]
fn response_limits_are_whole_numbers_in_range() {
    let c = ok(
        "[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\napi_key = \"k-0123456789\"\nmax_response_mib = 64\nmax_rows = 250000\n",
    );
    let p = &c.config.providers[0];
    assert_eq!((p.max_response_mib, p.max_rows), (Some(64), Some(250_000)));
    let limits = switchboard::providers::http::limits(p);
    assert_eq!(
        (limits.max_bytes, limits.max_rows),
        (64 * 1024 * 1024, 250_000)
    );

    let e = err(
        "[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\napi_key = \"env:X\"\nmax_response_mib = 0\n",
    );
    assert_eq!(
        (e.line, e.key.as_deref()),
        (Some(5), Some("max_response_mib"))
    );
    assert!(e.message.contains("must be 1 to 1024 MiB"), "{e}");
    let e = err(
        "[[provider]]\nname = \"a\"\nkind = \"voipcloud\"\nbase_url = \"https://pbx.example\"\ntoken = \"env:X\"\nmax_rows = \"lots\"\n",
    );
    assert_eq!((e.line, e.key.as_deref()), (Some(6), Some("max_rows")));
    assert!(
        e.message.contains("expected a whole number of rows, found"),
        "{e}"
    );
}

/// Whether process `pid` still runs (a zombie waiting for its reaper does not count).
#[cfg(target_os = "linux")]
fn running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // `pid (comm) S …`: the state follows the last `)`.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.trim_start().chars().next())
            .is_some_and(|state| state != 'Z' && state != 'X'),
        Err(_) => false,
    }
}

/// A `cmd:` secret that hangs: the user is told what start-up waits for, and after the
/// 10 s timeout the whole command is gone, including a grandchild of the shell (here
/// `sh -c '…; exec sleep 100'`, which used to be reparented to init and keep running).
#[cfg(target_os = "linux")]
#[test]
fn a_hanging_cmd_secret_is_killed_with_its_children_and_the_wait_is_announced() {
    let dir = TempDir::new();
    let pidfile = dir.path().join("grandchild.pid");
    let config = dir.path().join("config.toml");
    write_with_mode(
        &config,
        &format!(
            "[[provider]]\nname = \"hang\"\nkind = \"cloudonix\"\n\
             api_key = \"cmd:sh -c 'echo $$ > {}; exec sleep 100'\"\n",
            pidfile.display()
        ),
        0o600,
    );
    let started = std::time::Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["snapshot", "--config"])
        .arg(&config)
        .env("HOME", dir.path())
        .output()
        .expect("binary runs");
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("resolving secret for provider \"hang\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 4, key `api_key`") && stderr.contains("did not finish within 10 s"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("sleep 100"),
        "the command is not echoed: {stderr}"
    );
    assert!(
        took < std::time::Duration::from_secs(15),
        "gave up after {took:?}"
    );
    let pid: u32 = std::fs::read_to_string(&pidfile)
        .expect("the grandchild started")
        .trim()
        .parse()
        .expect("a pid");
    // Killed with SIGKILL; give init a moment to reap it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while running(pid) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(!running(pid), "the grandchild {pid} survived the timeout");
}

/// A short secret is not masked anywhere (it would mask phone numbers): the user is told,
/// with file, line, provider and key, and never the value.
#[test]
fn a_secret_shorter_than_eight_characters_warns() {
    let loaded = ok(
        "[[provider]]\nname = \"cx\"\nkind = \"cloudonix\"\napi_key = \"cmd:echo 4711\"\n\n\
         [[provider]]\nname = \"pv\"\nkind = \"provoice\"\nbase_url = \"https://pv.example\"\napi_key = \"pv-long-enough-key\"\n",
    );
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    let w = &loaded.warnings[0];
    assert!(
        w.starts_with(&format!("{PATH} line 4: provider \"cx\", key `api_key`: ")),
        "{w}"
    );
    assert!(w.contains("shorter than 8 characters"), "{w}");
    assert!(!w.contains("4711"), "{w}");
}

// ---------------------------------------------------------------------------------------
// Provider-specific keys: declared by each kind, checked the same way for all
// ---------------------------------------------------------------------------------------

/// Every kind's keys, all set in a sample table, arrive in that kind's typed settings.
#[test]
fn each_kind_parses_its_sample_table_into_its_own_settings() {
    let one = |table: &str| {
        let l = ok(&format!("[[provider]]\nname = \"p\"\n{table}"));
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
        l.config.providers[0].clone()
    };
    let cx = one(
        "kind = \"cloudonix\"\napi_key = \"XI-sample-key-0123\"\ncustomer = \" acme \"\ndomains = [\"a.example\", \" b.example\"]\n",
    );
    assert_eq!(
        of::<CloudonixSettings>(&cx),
        &CloudonixSettings {
            customer: Some("acme".into()),
            domains: vec!["a.example".into(), "b.example".into()],
            ..CloudonixSettings::new("XI-sample-key-0123")
        }
    );
    let vc = one(
        "kind = \"voipcloud\"\nbase_url = \"https://pbx.example\"\ntoken = \"sample-token-0123\"\napi_version = \"v2\"\n",
    );
    assert_eq!(
        of::<VoipcloudSettings>(&vc),
        &VoipcloudSettings {
            api_version: Some("v2".into()),
            ..VoipcloudSettings::new("sample-token-0123")
        }
    );
    let io = one(
        "kind = \"iovox\"\nusername = \"noc\"\nsecure_key = \"sample-secure-key\"\nca_file = \"/tmp/ca.pem\"\noutput = \"xml\"\n",
    );
    assert_eq!(
        of::<IovoxSettings>(&io),
        &IovoxSettings {
            ca_file: Some("/tmp/ca.pem".into()),
            output: Some("xml".into()),
            ..IovoxSettings::new("noc", "sample-secure-key")
        }
    );
    let ca = one(
        "kind = \"callable\"\nusername = \"noc@example.com\"\npassword = \"sample-password\"\n",
    );
    assert_eq!(
        of::<CallableSettings>(&ca),
        &CallableSettings::new("noc@example.com", "sample-password")
    );
    let pv = one(
        "kind = \"provoice\"\nbase_url = \"https://pv.example/api/\"\napi_key = \"sample-pv-key-0123\"\ncallback_listen = \"127.0.0.1:8099\"\ncallback_url = \"https://tunnel.example/cb\"\n",
    );
    assert_eq!(
        of::<ProvoiceSettings>(&pv),
        &ProvoiceSettings {
            callback_listen: Some("127.0.0.1:8099".into()),
            callback_url: Some("https://tunnel.example/cb".into()),
            ..ProvoiceSettings::new("sample-pv-key-0123")
        }
    );
    // The kind's default settings when only the credentials are given.
    let io = one("kind = \"iovox\"\nusername = \"noc\"\nsecure_key = \"sample-secure-key\"\n");
    assert_eq!(
        of::<IovoxSettings>(&io),
        &IovoxSettings::new("noc", "sample-secure-key")
    );
}

/// A key that belongs to other kinds names them, wherever it stands in the table (before
/// `kind` too), for keys of every type.
#[test]
fn a_key_of_another_kind_gets_the_same_hint_as_before() {
    let e = err(
        "[ui]\ntheme = \"mono\"\n\n[[provider]]\ncallback_url = \"https://x.example/cb\"\nname = \"a\"\nkind = \"cloudonix\"\napi_key = \"env:X\"\n",
    );
    assert_eq!(
        e.to_string(),
        format!(
            "config error: {PATH} line 5, key `callback_url`: `callback_url` is not a cloudonix setting (only provoice uses it)"
        )
    );
    for (kind, creds, key, value, users) in [
        (
            "callable",
            "username = \"u\"\npassword = \"p\"\n",
            "output",
            "\"xml\"",
            "only iovox uses it",
        ),
        (
            "provoice",
            "base_url = \"https://p.example\"\napi_key = \"k\"\n",
            "domains",
            "[\"a\"]",
            "only cloudonix uses it",
        ),
        (
            "cloudonix",
            "api_key = \"k\"\n",
            "ca_file",
            "\"/tmp/ca.pem\"",
            "only iovox uses it",
        ),
        (
            "iovox",
            "username = \"u\"\nsecure_key = \"k\"\n",
            "api_version",
            "\"v2\"",
            "only voipcloud uses it",
        ),
        (
            "voipcloud",
            "base_url = \"https://v.example\"\ntoken = \"t\"\n",
            "password",
            "\"p\"",
            "only callable uses it",
        ),
    ] {
        let e = err(&format!(
            "[[provider]]\nname = \"a\"\nkind = \"{kind}\"\n{creds}{key} = {value}\n"
        ));
        assert_eq!(e.key.as_deref(), Some(key), "{e}");
        assert_eq!(
            e.message,
            format!("`{key}` is not a {kind} setting ({users})"),
            "{e}"
        );
    }
}

/// A missing credential is reported at the `[[provider]]` line of its table, for every
/// kind, naming all the credentials the kind needs.
#[test]
fn a_missing_required_credential_names_the_provider_table_line() {
    for (kind, extra, missing, needs) in [
        ("cloudonix", "", "api_key", "`api_key`"),
        (
            "voipcloud",
            "base_url = \"https://v.example\"\n",
            "token",
            "`token`",
        ),
        (
            "iovox",
            "secure_key = \"k\"\n",
            "username",
            "`username` and `secure_key`",
        ),
        (
            "callable",
            "username = \"u\"\n",
            "password",
            "`username` and `password`",
        ),
        (
            "provoice",
            "base_url = \"https://p.example\"\n",
            "api_key",
            "`api_key`",
        ),
    ] {
        let text = format!(
            "[ui]\ntheme = \"mono\"\n\n[[provider]]\nname = \"ok\"\nkind = \"cloudonix\"\napi_key = \"k\"\n\n[[provider]]\nname = \"a\"\nkind = \"{kind}\"\n{extra}"
        );
        assert_eq!(
            err(&text).to_string(),
            format!(
                "config error: {PATH} line 9, key `{missing}`: this {kind} provider has no `{missing}` ({kind} needs {needs})"
            )
        );
    }
}

/// No `cmd:` reference runs while any part of the file is invalid, wherever the problem
/// is: a provider-specific key of a later table, a key of another kind before it, an
/// unknown key, another section.
#[test]
fn a_cmd_secret_is_not_run_when_another_key_in_the_file_is_invalid() {
    let dir = TempDir::new();
    let marker = dir.path().join("ran");
    let cmd = format!("cmd:touch {} && echo long-enough-secret", marker.display());
    let first = format!("[[provider]]\nname = \"a\"\nkind = \"cloudonix\"\napi_key = \"{cmd}\"\n");
    for (rest, key) in [
        (
            "\n[[provider]]\nname = \"v\"\nkind = \"voipcloud\"\nbase_url = \"https://v.example\"\ntoken = \"t\"\napi_version = \"v3\"\n",
            "api_version",
        ),
        (
            "\n[[provider]]\nname = \"i\"\nkind = \"iovox\"\nusername = \"u\"\nsecure_key = \"k\"\noutput = \"yaml\"\n",
            "output",
        ),
        (
            "\n[[provider]]\nname = \"p\"\nkind = \"provoice\"\nbase_url = \"https://p.example\"\napi_key = \"k\"\ncallback_listen = \"nowhere\"\n",
            "callback_listen",
        ),
        ("customer = \"\"\n", "customer"),
        ("token = \"t\"\n", "token"),
        ("apikey = \"k\"\n", "apikey"),
        ("\n[stats]\nbell = \"yes\"\n", "stats.bell"),
    ] {
        let e = err(&format!("{first}{rest}"));
        assert_eq!(e.key.as_deref(), Some(key), "{e}");
        assert!(!marker.exists(), "cmd: ran although `{key}` was invalid");
    }
    // The same file with the problem fixed runs it.
    let l = ok(&first);
    assert!(marker.exists(), "cmd: did not run for a valid file");
    assert_eq!(
        of::<CloudonixSettings>(&l.config.providers[0])
            .api_key
            .expose(),
        "long-enough-secret"
    );
}

/// An unknown key lists the keys of the table's kind (the others are not an option) and
/// suggests the closest of them.
#[test]
fn an_unknown_key_lists_and_suggests_the_kinds_own_keys() {
    let e = err(
        "[[provider]]\nname = \"a\"\nkind = \"voipcloud\"\nbase_url = \"https://v.example\"\ntoken = \"t\"\napi_versoin = \"v2\"\n",
    );
    assert_eq!((e.line, e.key.as_deref()), (Some(6), Some("api_versoin")));
    assert_eq!(
        e.message,
        "unknown key in [[provider]] (expected one of name, kind, base_url, token, api_version, \
         rate_limit, timeout_seconds, max_response_mib, max_rows, read_only); did you mean `api_version`?"
    );
    // Without a valid kind every kind's keys are listed.
    let e = err("[[provider]]\nname = \"a\"\nsecure-key = \"k\"\nkind = \"twilio\"\n");
    assert_eq!(e.key.as_deref(), Some("secure-key"), "{e}");
    assert!(e.message.ends_with("did you mean `secure_key`?"), "{e}");
}

/// Every kind's keys are documented in its section of the template, `required` exactly
/// where the kind requires them.
#[test]
fn the_template_documents_every_kinds_keys() {
    let text = config::template();
    for d in switchboard::providers::DESCRIPTORS {
        let example = format!("# kind = \"{}\"", d.kind);
        let at = text.find(&example).expect("an example table per kind");
        let start = text[..at]
            .rfind("## ----")
            .expect("a section rule before it");
        let section = &text[start..at];
        for k in d.settings {
            let line = section
                .lines()
                .find(|l| l.split_whitespace().nth(1) == Some(k.name))
                .unwrap_or_else(|| panic!("{}: `{}` is not documented", d.kind, k.name));
            assert_eq!(
                line.contains("required"),
                k.required,
                "{}: `{}` required = {}: {line}",
                d.kind,
                k.name,
                k.required
            );
        }
    }
}

#[test]
fn history_rows_is_a_bounded_whole_number() {
    assert_eq!(
        ok("[ui]\nhistory_rows = 20000\n").config.ui.history_rows,
        Some(20_000)
    );
    assert_eq!(ok("[ui]\n").config.ui.history_rows, None);
    let e = err("[ui]\nhistory_rows = 5\n").to_string();
    assert!(
        e.contains("line 2, key `ui.history_rows`: is 5: keep between 100 and 1000000 rows"),
        "{e}"
    );
    let e = err("[ui]\nhistory_rows = \"lots\"\n").to_string();
    assert!(e.contains("expected a whole number of rows"), "{e}");
}
