//! The native half of the `f1replay` Python package: loads a session with the CLI's own loader
//! ([`f1replay::load`]) and hands each [`columns`] table to Python as Arrow IPC bytes, which
//! pyarrow maps without copying the columns. The Python half (`python/f1replay`) turns them
//! into pandas, polars or pyarrow and raises the package's exceptions.

use std::cell::OnceCell;
use std::path::PathBuf;

use columns::files::{encode, Format};
use columns::table::Inputs;
use columns::Table;
use pyo3::exceptions::{PyFileNotFoundError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// The replay's frame rate for the `timeline` table, as `f1replay export` builds it.
const TIMELINE_FPS: u32 = 25;

/// A loaded session: the decoded raw files and the session model built from them.
#[pyclass(unsendable)]
struct NativeSession {
    label: String,
    feed: feed::FeedSession,
    session: timing::Session,
    replay: OnceCell<replay::ReplayFile>,
}

/// An error as the CLI prints it (`{e:#}`): a missing file or folder is a FileNotFoundError,
/// anything else (a session id that does not resolve, a missing topic) a ValueError.
fn py_error(e: anyhow::Error) -> PyErr {
    let message = format!("{e:#}");
    let io_missing = e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound));
    if io_missing {
        PyFileNotFoundError::new_err(message)
    } else {
        PyValueError::new_err(message)
    }
}

/// Loads `spec` (a session folder or `YEAR/EVENT/SESSION`) from `data` (a local archive copy)
/// or the live archive through the `cache` folder, as `f1replay export` does.
#[pyfunction]
#[pyo3(signature = (spec, data=None, cache=None))]
fn load(spec: &str, data: Option<PathBuf>, cache: Option<PathBuf>) -> PyResult<NativeSession> {
    if let Some(dir) = data.as_ref().filter(|d| !d.is_dir()) {
        return Err(PyFileNotFoundError::new_err(format!("data folder {} does not exist", dir.display())));
    }
    let args = f1replay::load::SourceArgs { data, cache_dir: cache, shared_store: None };
    let raw = f1replay::load::load(spec, &args).map_err(py_error)?;
    let label = raw.label.clone();
    let feed = f1replay::load::decode(raw);
    let session = timing::Session::build(&feed);
    Ok(NativeSession { label, feed, session, replay: OnceCell::new() })
}

#[pymethods]
impl NativeSession {
    /// Where the session was found (the folder or the archive path).
    #[getter]
    fn label(&self) -> &str {
        &self.label
    }

    /// The table `name` as Arrow IPC file bytes; `laps` (driver number, lap) picks the laps
    /// of `telemetry` (none: every driver's fastest), `every` thins the `timeline`'s frames.
    #[pyo3(signature = (name, laps=Vec::new(), every=1))]
    fn table<'py>(&self, py: Python<'py>, name: &str, laps: Vec<(u16, u32)>, every: u32) -> PyResult<Bound<'py, PyBytes>> {
        let table = Table::parse(name).map_err(PyValueError::new_err)?;
        let bytes = self.encode(table, &laps, every.max(1)).map_err(|e| PyValueError::new_err(format!("{}: {e:#}", self.label)))?;
        Ok(PyBytes::new(py, &bytes))
    }
}

impl NativeSession {
    fn encode(&self, table: Table, laps: &[(u16, u32)], every: u32) -> anyhow::Result<Vec<u8>> {
        if let Some(e) = table.unavailable(&self.feed) {
            return Err(e.into());
        }
        let replay = if table == Table::Timeline { Some(self.replay()?) } else { None };
        let inputs = Inputs { session: &self.session, feed: Some(&self.feed), replay, laps, timeline_step: every };
        let made = table.make(&inputs)?;
        Ok(encode(&made.batch, Format::Arrow)?)
    }

    fn replay(&self) -> anyhow::Result<&replay::ReplayFile> {
        if self.replay.get().is_none() {
            let _ = self.replay.set(columns::timeline::replay_of(&self.session, TIMELINE_FPS)?);
        }
        Ok(self.replay.get().expect("set above"))
    }
}

/// The native module `f1replay._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_class::<NativeSession>()?;
    Ok(())
}
