//! The collector's link as the console keeps it in `State` (the status bar reads it):
//! its host, whether the feed is live, and since when and why it is not.

/// The link to the collector as a console shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// Connecting (at start, or again after a drop).
    Connecting,
    /// The event stream is open.
    Live,
    /// The collector cannot be reached or the stream dropped; retrying.
    Down { since_ms: i64, error: String },
}

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
    /// Who the collector says this console's token is (`/v1/whoami`), once it said.
    pub who: Option<Who>,
}

/// The operator a collector knows this console as.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Who {
    pub name: String,
    /// `metrics`, `viewer`, `operator` or `admin`.
    pub role: String,
    /// The collector has no tokens: everyone is let in.
    #[serde(default)]
    pub open: bool,
}

impl Who {
    /// Whether this role may make changes (the collector checks again).
    pub fn may_change(&self) -> bool {
        matches!(self.role.as_str(), "operator" | "admin")
    }
}

impl Attached {
    pub fn new(host: String) -> Attached {
        Attached {
            host,
            link: Link::Connecting,
            down_since_ms: None,
            last_error: None,
            who: None,
        }
    }

    /// Why changes through the collector are refused right now (the palette greys them
    /// with it), or None: the link is live and the token's role may change things.
    pub fn refusal(&self) -> Option<&'static str> {
        if self.link != Link::Live {
            return Some("the collector link is not live: changes wait until it is back");
        }
        match &self.who {
            None => Some("the collector has not said who this console is yet"),
            Some(w) if w.may_change() => None,
            Some(w) if w.role == "viewer" => {
                Some("your collector role (viewer) may not make changes: an operator token may")
            }
            Some(_) => Some("your collector token may not make changes: an operator token may"),
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
