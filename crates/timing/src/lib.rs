//! timing crate (in progress)
