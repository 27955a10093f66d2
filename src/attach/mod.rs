//! Attaching to a collector (`switchboard serve`): the client side of its feed.
//!
//! - `sse`: a Server-Sent Events parser for the `/v1/events` stream.

pub mod sse;
