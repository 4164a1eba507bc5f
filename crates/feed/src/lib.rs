//! The F1 live-timing feed: the archive's file format, decoded natively.
//!
//! A session is a set of topic files ([`Topic`]), each a sequence of lines: an `HH:MM:SS.mmm`
//! session-time offset followed by a JSON payload ([`lines`]). `.z` topics carry base64 of
//! raw-deflated JSON instead ([`zipped`]) and are decoded in parallel straight into per-driver
//! columns ([`telemetry`]). Stateful topics send a full state, then sparse patches merged by
//! the rules in [`patch`]; [`records`] turns every topic into typed records, and
//! [`FeedSession`] decodes a whole session at once, topic by topic, so that one bad file or
//! line costs only itself (each skipped line is a [`Warning`] naming file and line).
//!
//! This crate does no I/O beyond [`FeedSession::read_dir`], keeps no clock and knows nothing
//! of laps: the `timing` crate builds the session model on top of it.
//!
//! ```
//! use feed::{FeedSession, Topic};
//! let track = b"\xef\xbb\xbf00:00:00.000{\"Status\":\"1\",\"Message\":\"AllClear\"}\r\n".to_vec();
//! let session = FeedSession::decode(vec![(Topic::TrackStatus, Some(track))]);
//! assert_eq!(session.track_status[0].value.status, 1);
//! ```
#![warn(missing_docs)]

pub mod error;
pub mod lines;
pub mod patch;
pub mod records;
mod scan;
pub mod session;
pub mod telemetry;
pub mod time;
pub mod topic;
pub mod zipped;

pub use error::{FeedError, Warning};

pub use session::FeedSession;
pub use topic::Topic;
