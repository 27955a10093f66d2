//! Attaching to a collector (`switchboard serve`): the client side of its feed.
//!
//! - `sse`: a Server-Sent Events parser for the `/v1/events` stream.
//! - `doc`: the feed's documents, typed (rows in the neutral model).
//! - `change`: an attached console's changes, previewed and sent by the collector.
//! - `client`: whoami, snapshot, then events; resume, resync, reconnect with backoff; the link
//!   state.
//! - `http`: the one HTTP client of every attach path (the collector's CA, the client
//!   certificate) and the words for what fails, TLS included.
//! - `options`: where and how to attach (URL, token, TLS material, reconnect timing).
//! - `fold`: a feed message into the console's `State` (the attached console).
//! - `snapshot`: `switchboard snapshot --connect`, from the collector's snapshot.
//! - `trace`: `switchboard trace --connect`, from the collector's snapshot and history.

pub mod change;
pub mod client;
pub mod doc;
pub mod fold;
pub mod http;
pub mod link;
pub mod options;
pub mod snapshot;
pub mod sse;
pub mod trace;
