//! The collector's link as the console keeps it in `State` (the status bar reads it):
//! its host, whether the feed is live, and since when and why it is not.

use super::client::Link;

/// The collector's link as the status bar shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Attached {
    /// The collector's host (and port): "via collector <host>".
    pub host: String,
    pub link: Link,
    /// When the link last went down (kept while reconnecting).
    pub down_since_ms: Option<i64>,
    /// The last reason the link went down.
    pub last_error: Option<String>,
}

impl Attached {
    pub fn new(host: String) -> Attached {
        Attached {
            host,
            link: Link::Connecting,
            down_since_ms: None,
            last_error: None,
        }
    }

    /// The link's words: "live", "reconnecting since 12 s ago", "down: reason".
    pub fn words(&self, now_ms: i64) -> String {
        match (&self.link, self.down_since_ms) {
            (Link::Live, _) => "live".into(),
            (Link::Connecting, None) => "connecting".into(),
            (Link::Connecting, Some(t)) => {
                format!("reconnecting since {}", crate::format::age(t, now_ms))
            }
            (Link::Down { error, .. }, _) => format!("down: {error}"),
        }
    }
}
