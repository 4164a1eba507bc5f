//! The session's tables as Arrow record batches with real types: the one columnar definition of
//! each table, which `f1replay export`, the API's `?format=parquet|arrow|csv` and any other
//! exporter write.
//!
//! Every table is made from the model's typed rows ([`timing::lap_row::LapRow`],
//! [`timing::tables`], [`timing::bests`], the replay's frames) or, for `car_data` and
//! `pos_data`, from the decoded samples, and presents them as they are: durations and session
//! times as `Duration(ns)`, instants as `Timestamp(ns, UTC)`, categories (driver, team,
//! compound, status...) as dictionaries, what is unknown as null (never NaN, never a sentinel
//! number). Column names and meaning are FastF1's where FastF1 has the table (`laps`,
//! `car_data`, `pos_data`, `weather`, `race_control`, a lap's telemetry); the others follow its
//! naming. [`files`] turns a batch into Parquet (zstd), Arrow IPC, CSV or JSON bytes.
//!
//! ```no_run
//! let feed = feed::FeedSession::read_dir(std::path::Path::new("session-folder"));
//! let session = timing::Session::build(&feed);
//! let laps = columns::laps::laps(&session)?;
//! let bytes = columns::files::encode(&laps, columns::files::Format::Parquet)?;
//! # Ok::<(), columns::Error>(())
//! ```
#![warn(missing_docs)]

mod arrays;
pub mod events;
pub mod files;
pub mod laps;
pub mod samples;
pub mod table;
pub mod timeline;

pub use arrow_array::RecordBatch;
pub use table::Table;

/// What can go wrong making or writing a table.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The session lacks what the table is made from.
    #[error("table {table} cannot be made: {why}")]
    Missing {
        /// The table.
        table: &'static str,
        /// Why, in words (the missing topic, the missing lap...).
        why: String,
    },
    /// Arrow refused the columns (a bug: the schema and arrays are made together).
    #[error("arrow: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    /// The Parquet writer failed.
    #[error("parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// The replay could not be read for the timeline.
    #[error("replay: {0}")]
    Replay(#[from] replay::Error),
}
