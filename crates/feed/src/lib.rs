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

/// The shared real data folder for this crate's tests: `$F1REPLAY_TEST_DATA`, else
/// `shared/data` next to the repository (the rule of `archive::test_data_dir`, which feed
/// cannot depend on).
#[cfg(test)]
pub(crate) fn test_data_dir() -> Option<std::path::PathBuf> {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates: Vec<std::path::PathBuf> = match std::env::var_os("F1REPLAY_TEST_DATA") {
        Some(dir) => vec![std::path::PathBuf::from(dir)],
        None => vec![manifest.join("../../shared/data"), manifest.join("../../../shared/data")],
    };
    candidates.into_iter().find(|dir| dir.join("pitwall").is_dir())
}

/// Every file of the shared real data whose name `wanted` accepts, for this crate's tests
/// that read all of one kind; `None` without the data.
#[cfg(test)]
pub(crate) fn test_data_files(wanted: impl Fn(&str) -> bool) -> Option<Vec<std::path::PathBuf>> {
    let mut files = Vec::new();
    let mut stack = vec![test_data_dir()?];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| wanted(&n.to_string_lossy())) {
                files.push(path);
            }
        }
    }
    Some(files)
}
pub use session::FeedSession;
pub use topic::Topic;
