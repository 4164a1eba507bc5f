//! The native half of the `f1replay` Python package: loads a session with the CLI's own loader
//! ([`f1replay::load`]) and hands each [`columns`] table to Python through the Arrow C stream
//! interface (`__arrow_c_stream__`): pyarrow takes the Rust buffers as they are, without a
//! copy. The GIL is released while Rust decodes and builds. The Python half
//! (`python/f1replay`) turns the tables into pandas, polars or pyarrow and raises the
//! package's exceptions.

use std::ffi::CString;
use std::path::PathBuf;
use std::sync::OnceLock;

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{Array, RecordBatch, RecordBatchIterator};
use columns::table::Inputs;
use columns::Table;
use pyo3::exceptions::{PyFileNotFoundError, PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use rayon::prelude::*;

/// The replay's frame rate for the `timeline` table, as `f1replay export` builds it.
const TIMELINE_FPS: u32 = 25;

/// A loaded session: the decoded raw files and the session model built from them.
#[pyclass(frozen)]
struct NativeSession {
    label: String,
    feed: feed::FeedSession,
    session: timing::Session,
    replay: OnceLock<replay::ReplayFile>,
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
/// or the live archive through the `cache` folder, as `f1replay export` does; Python's other
/// threads run meanwhile.
#[pyfunction]
#[pyo3(signature = (spec, data=None, cache=None))]
fn load(py: Python<'_>, spec: &str, data: Option<PathBuf>, cache: Option<PathBuf>) -> PyResult<NativeSession> {
    if let Some(dir) = data.as_ref().filter(|d| !d.is_dir()) {
        return Err(PyFileNotFoundError::new_err(format!("data folder {} does not exist", dir.display())));
    }
    let args = f1replay::load::SourceArgs { data, cache_dir: cache, shared_store: None };
    py.detach(|| {
        let raw = f1replay::load::load(spec, &args)?;
        let label = raw.label.clone();
        let feed = f1replay::load::decode(raw);
        let session = timing::Session::build(&feed);
        Ok(NativeSession { label, feed, session, replay: OnceLock::new() })
    })
    .map_err(py_error)
}

/// Where `spec` (`YEAR/EVENT/SESSION`) is in the local archive copy `data`: the session's path
/// relative to `data`, resolved through the season index as [`load`] resolves it.
#[pyfunction]
fn archive_path(py: Python<'_>, spec: &str, data: PathBuf) -> PyResult<String> {
    let args = f1replay::load::SourceArgs { data: Some(data), cache_dir: None, shared_store: None };
    py.detach(|| f1replay::load::locate(spec, &args)).map(|(_, path, _)| path).map_err(py_error)
}

#[pymethods]
impl NativeSession {
    /// Where the session was found (the folder or the archive path).
    #[getter]
    fn label(&self) -> &str {
        &self.label
    }

    /// The table `name`; `laps` (driver number, lap) picks the laps of `telemetry` (none:
    /// every driver's fastest), `every` thins the `timeline`'s frames. Made without the GIL.
    #[pyo3(signature = (name, laps=Vec::new(), every=1))]
    fn table(&self, py: Python<'_>, name: &str, laps: Vec<(u16, u32)>, every: u32) -> PyResult<NativeTable> {
        let table = Table::parse(name).map_err(PyValueError::new_err)?;
        py.detach(|| self.make(table, &laps, every.max(1)))
    }

    /// The tables `names` (with their default arguments), made side by side on the machine's
    /// cores without the GIL: what `Session.tables` asks for at once.
    fn tables(&self, py: Python<'_>, names: Vec<String>) -> PyResult<Vec<NativeTable>> {
        let tables = names.iter().map(|n| Table::parse(n).map_err(PyValueError::new_err)).collect::<PyResult<Vec<_>>>()?;
        py.detach(|| tables.into_par_iter().map(|t| self.make(t, &[], 1)).collect())
    }
}

impl NativeSession {
    fn make(&self, table: Table, laps: &[(u16, u32)], every: u32) -> PyResult<NativeTable> {
        let made = self.made(table, laps, every).map_err(|e| PyValueError::new_err(format!("{}: {e:#}", self.label)))?;
        Ok(NativeTable { batch: made })
    }

    fn made(&self, table: Table, laps: &[(u16, u32)], every: u32) -> anyhow::Result<RecordBatch> {
        if let Some(e) = table.unavailable(&self.feed) {
            return Err(e.into());
        }
        let replay = if table == Table::Timeline { Some(self.replay()?) } else { None };
        let inputs = Inputs { session: &self.session, feed: Some(&self.feed), replay, laps, timeline_step: every };
        Ok(table.make(&inputs)?.batch)
    }

    fn replay(&self) -> anyhow::Result<&replay::ReplayFile> {
        if self.replay.get().is_none() {
            let _ = self.replay.set(columns::timeline::replay_of(&self.session, TIMELINE_FPS)?);
        }
        Ok(self.replay.get().expect("set above"))
    }
}

/// One table as Rust built it. pyarrow reads it through `__arrow_c_stream__` (the Arrow
/// PyCapsule interface: `pyarrow.table(t)`), which exports the Rust buffers themselves.
#[pyclass(frozen)]
struct NativeTable {
    batch: RecordBatch,
}

#[pymethods]
impl NativeTable {
    /// The number of rows.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// The table as an `arrow_array_stream` capsule of one batch (the Arrow PyCapsule
    /// interface). `requested_schema` is not honoured: the table's own schema is given, as
    /// the interface allows.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(&self, py: Python<'py>, requested_schema: Option<Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let reader = RecordBatchIterator::new([Ok(self.batch.clone())], self.batch.schema());
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        let name = CString::new("arrow_array_stream").expect("no NUL");
        PyCapsule::new(py, stream, Some(name))
    }

    /// The address of column `name`'s first buffer (its values, for a number, time or
    /// dictionary-key column): a test compares it with pyarrow's to show nothing was copied.
    fn buffer_address(&self, name: &str) -> PyResult<usize> {
        let column = self.batch.column_by_name(name).ok_or_else(|| PyKeyError::new_err(name.to_owned()))?;
        let data = column.to_data();
        let buffer = data.buffers().first().ok_or_else(|| PyValueError::new_err(format!("{name} has no buffer")))?;
        Ok(buffer.as_ptr() as usize)
    }
}

/// The native module `f1replay._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(archive_path, m)?)?;
    m.add_class::<NativeSession>()?;
    m.add_class::<NativeTable>()?;
    Ok(())
}
