//! The `[stats]` section: thresholds and bell, with the same error quality as the rest.

use std::path::Path;

use switchboard::config;
use switchboard::stats::Thresholds;

const PATH: &str = "/home/u/.config/switchboard/config.toml";

fn parse(text: &str) -> Result<Thresholds, String> {
    config::parse(text, Path::new(PATH))
        .map(|l| l.config.stats)
        .map_err(|e| e.to_string())
}

#[test]
fn defaults_when_absent_and_values_when_set() {
    assert_eq!(parse("").unwrap(), Thresholds::default());
    let t = parse("[stats]\nabandon_warn_percent = 5\nabandon_crit_percent = 12.5\nbell = true\n")
        .unwrap();
    assert_eq!(
        t,
        Thresholds {
            abandon_warn_percent: 5.0,
            abandon_crit_percent: 12.5,
            bell: true
        }
    );
    // The shipped template's section parses to the defaults.
    let l = config::parse(config::template(), Path::new(PATH)).unwrap();
    assert_eq!(l.config.stats, Thresholds::default());
}

#[test]
fn bad_values_name_the_line_and_key() {
    assert_eq!(
        parse("[stats]\nabandon_warn_percent = 150\n").unwrap_err(),
        format!(
            "config error: {PATH} line 2, key `stats.abandon_warn_percent`: is 150: a percentage must be between 0 and 100"
        )
    );
    assert_eq!(
        parse("[stats]\nbell = \"yes\"\n").unwrap_err(),
        format!(
            "config error: {PATH} line 2, key `stats.bell`: expected true or false, found a string"
        )
    );
    let e = parse("[stats]\nabandon_warn_percent = 30\nabandon_crit_percent = 20\n").unwrap_err();
    assert!(
        e.contains("line 2") && e.contains("must not be above the critical one"),
        "{e}"
    );
    let e = parse("[stats]\nabandon_percent = 3\n").unwrap_err();
    assert!(
        e.contains("key `stats.abandon_percent`") && e.contains("abandon_warn_percent"),
        "{e}"
    );
}
