"""f1replay for notebooks: a session's tables as pandas DataFrames with FastF1's column names
and dtypes (times as timedelta64[ns]), decoded by f1replay's Rust core and handed to pyarrow
through the Arrow C stream interface, without a copy.

    import f1replay
    s = f1replay.load("2025/mexico/q", data="/path/to/archive")
    s.laps                      # pandas, like fastf1's session.laps
    s.table("laps").to_polars() # or .to_arrow()
    s.lap("VER", 12).telemetry()
"""

import hashlib
import os
import pathlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc

from . import _native

__all__ = ["load", "Session", "Lap", "Table", "Error", "DataNotFoundError", "SessionError", "FASTF1_TABLES"]

# The tables FastF1's `session.load()` makes (laps, results, car_data, pos_data, weather,
# race_control): what `Session.tables()` makes at once by default.
FASTF1_TABLES = ("laps", "results", "car_data", "pos_data", "weather", "race_control")

# The table cache's format; a new one leaves the old cached tables unread.
_CACHE_VERSION = "1"


class Error(Exception):
    """Every error f1replay raises; the message is the one the CLI prints."""


class DataNotFoundError(Error, FileNotFoundError):
    """A data folder, session folder or raw file that is not there."""


class SessionError(Error, ValueError):
    """A session id that does not resolve, or a table its session cannot give (a missing topic)."""


def _call(f, *args, **kwargs):
    try:
        return f(*args, **kwargs)
    except FileNotFoundError as e:
        raise DataNotFoundError(str(e)) from None
    except ValueError as e:
        raise SessionError(str(e)) from None


def load(session_id, data=None, cache=None):
    """Loads a session (a session folder or YEAR/EVENT/SESSION, resolved in `data`, a local copy
    of the archive, or the live archive cached in `cache`) exactly as `f1replay export` does.

    With `cache` and a local session (a folder, or an id resolved in `data`), each table made
    is also kept in `cache/tables/` as an Arrow file, keyed by the folder's files (name, size,
    modification time) and the native module's; a later load of the same session maps those
    files instead of decoding the raw files again (they are then decoded only for a table not
    in the cache)."""
    data = None if data is None else str(data)
    cache = None if cache is None else str(cache)
    spec = str(session_id)
    native = lambda: _call(_native.load, spec, data, cache)  # noqa: E731
    folder, label = _session_folder(spec, data) if cache is not None else (None, None)
    if cache is None or folder is None:
        return Session(native())
    return Session(native, label=label, cache=_TableCache(pathlib.Path(cache) / "tables" / _folder_key(folder)))


def _session_folder(spec, data):
    """(the session's local folder, its label as `load` gives it): `spec` itself, or `spec`
    resolved in `data`; (None, None) for the live archive (its tables are not cached, its raw
    files are)."""
    if pathlib.Path(spec).is_dir():
        return pathlib.Path(spec), spec
    if data is None or not pathlib.Path(data).is_dir():
        return None, None
    path = _call(_native.archive_path, spec, data)
    return pathlib.Path(data) / path, path


def _folder_key(folder):
    """A session folder's cache key: its files' names, sizes and modification times, and the
    native module's (a rebuilt wheel makes its tables anew)."""
    h = hashlib.sha256(f"{_CACHE_VERSION} {_native.__file__} {os.stat(_native.__file__).st_mtime_ns}\n".encode())
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.is_file():
            st = entry.stat()
            h.update(f"{entry.name} {st.st_size} {st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:32]


class _TableCache:
    """Tables kept as Arrow IPC files in one folder, read back memory-mapped (not copied)."""

    def __init__(self, folder):
        self.folder = folder

    def _path(self, name):
        return self.folder / f"{name}.arrow"

    def get(self, name):
        path = self._path(name)
        if not path.is_file():
            return None
        return pa.ipc.open_file(pa.memory_map(str(path))).read_all()

    def put(self, name, table):
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{name}.{os.getpid()}.partial"
        with pa.OSFile(str(partial), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        os.replace(partial, self._path(name))


# FastF1's dtypes where they are not the general rule of `_as_fastf1` (integers as int64):
# FastF1 keeps these integer columns as float64 (NaN where missing) ...
_FASTF1_FLOAT = {
    "laps": "*",
    "results": "*",
    "car_data": {"RPM", "Speed", "Throttle"},
    "pos_data": {"X", "Y", "Z"},
    "telemetry": {"RPM", "Speed", "Throttle", "X", "Y", "Z"},
}
# ... these float columns as int64 (when they have no nulls) ...
_FASTF1_INT = {"weather": {"WindDirection"}}
# ... and these as objects (Python ints, None where missing).
_FASTF1_OBJECT = {"race_control": {"Sector", "Lap"}}
# The columns that stay categorical: FastF1 has no such column (its car and position data are
# one frame per driver; f1replay stacks them, keyed by these), and a text object per sample
# would cost a third of the conversion.
_CATEGORICAL = {"car_data": {"Driver", "DriverNumber"}, "pos_data": {"Driver", "DriverNumber"}}


def _arrow_type_for_fastf1(name, field):
    """The Arrow type a column is converted to for FastF1's pandas dtype: UTC instants without
    a zone (FastF1's are naive UTC), numbers as 64 bits (float64 where FastF1 has float64,
    `_FASTF1_FLOAT`), anything else as it is (dictionaries become object columns later)."""
    t = field.type
    floats = _FASTF1_FLOAT.get(name, ())
    if pa.types.is_timestamp(t) and t.tz is not None:
        return pa.timestamp(t.unit)
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        if field.name in _FASTF1_INT.get(name, ()):
            return pa.int64()
        if pa.types.is_floating(t) or floats == "*" or field.name in floats:
            return pa.float64()
        return pa.int64()
    return t


def _objects(values):
    """An Arrow column as an object ndarray of Python values (None where null)."""
    return np.array(values.to_pylist(), dtype=object)


def _text(series):
    """A categorical column as text (object), FastF1's dtype, None where missing: the
    categories are taken by code, so each distinct text is one Python object."""
    codes = series.array.codes
    categories = np.asarray(series.cat.categories, dtype=object)
    out = categories.take(codes) if len(categories) else np.full(len(codes), None, dtype=object)
    out[codes < 0] = None
    return pd.Series(out, index=series.index, name=series.name, dtype=object)


def _to_fastf1_pandas(table, name):
    """The Arrow table as a pandas DataFrame in FastF1's dtypes: text as object (FastF1's
    columns are not categorical; `_CATEGORICAL` are not FastF1's), instants naive UTC, numbers as int64 or float64 as FastF1
    has them (a column with nulls is float64 whatever it is), durations timedelta64[ns]."""
    fields, columns, as_objects = [], [], []
    for field, column in zip(table.schema, table.columns):
        if field.name in _FASTF1_OBJECT.get(name, ()):
            as_objects.append((field.name, column))
        t = _arrow_type_for_fastf1(name, field)
        if pa.types.is_integer(t) and column.null_count:
            t = pa.float64()
        try:
            column = column.cast(t) if t != field.type else column
        except pa.ArrowInvalid:  # a fraction where FastF1 has integers: kept as float64
            t = pa.float64()
            column = column.cast(t)
        fields.append(pa.field(field.name, t, field.nullable))
        columns.append(column)
    df = pa.Table.from_arrays(columns, schema=pa.schema(fields)).to_pandas(split_blocks=True)
    keep = _CATEGORICAL.get(name, ())
    for c in df.columns:
        if c in keep:
            continue
        if isinstance(df[c].dtype, pd.CategoricalDtype):
            df[c] = _text(df[c])
        elif pd.api.types.is_string_dtype(df[c].dtype) and df[c].dtype != object:
            df[c] = df[c].astype(object)
    for c, column in as_objects:
        df[c] = _objects(column)
    return df


class Table:
    """One table of a session, as Arrow; `.to_pandas()`, `.to_polars()`, `.to_arrow()`."""

    def __init__(self, arrow, name=""):
        """`arrow`: a pyarrow Table, or anything with `__arrow_c_stream__` (the native table,
        whose buffers pyarrow then shares)."""
        self._arrow = arrow if isinstance(arrow, pa.Table) else pa.table(arrow)
        self._name = name

    def to_arrow(self):
        """The pyarrow Table (typed columns: durations, UTC timestamps, dictionaries, nulls)."""
        return self._arrow

    def to_pandas(self, fastf1=True):
        """A pandas DataFrame: durations as timedelta64[ns]; with `fastf1` (the default) in
        FastF1's dtypes (`_to_fastf1_pandas`), else as Arrow gives them (categoricals,
        datetime64[ns, UTC], unsigned ints, float32)."""
        return _to_fastf1_pandas(self._arrow, self._name) if fastf1 else self._arrow.to_pandas()

    def __arrow_c_stream__(self, requested_schema=None):
        """The Arrow PyCapsule interface: polars, DuckDB or pyarrow read the table from it
        without a copy (`pyarrow.table(t)`, `polars.DataFrame(t)`)."""
        return self._arrow.__arrow_c_stream__(requested_schema)

    def to_polars(self):
        """A polars DataFrame (polars must be installed)."""
        import polars as pl

        return pl.from_arrow(self._arrow)


def _frame(name, doc):
    """A table's pandas DataFrame in FastF1's dtypes, made on first use and kept (like
    FastF1's session attributes)."""

    def get(self):
        if name not in self._frames:
            self._frames[name] = self.table(name).to_pandas()
        return self._frames[name]

    return property(get, doc=doc)


class Session:
    """A loaded session. Each table property is a pandas DataFrame; `table(name)` gives the
    Table for polars or Arrow. Tables are made on first use and kept."""

    def __init__(self, native, label=None, cache=None):
        """`native`: the loaded native session, or a function loading it when first needed
        (with `cache`, a `_TableCache` tried first, and `label`)."""
        self._native = native if not callable(native) else None
        self._open = native if callable(native) else None
        self._label = label
        self._cache = cache
        self._tables = {}
        self._frames = {}

    def _session(self):
        if self._native is None:
            self._native = self._open()
        return self._native

    @property
    def label(self):
        """Where the session was found."""
        return self._label if self._label is not None else self._session().label

    def table(self, name, laps=(), every=1):
        """The table `name` (laps, stints, results, sectors, car_data, pos_data, telemetry,
        timeline, race_control, track_status, weather) as a Table."""
        key = (name, tuple(laps), every)
        if key not in self._tables:
            if key == (name, (), 1):
                self.tables(name)
            else:
                self._tables[key] = Table(_call(self._session().table, name, list(laps), every), name)
        return self._tables[key]

    def tables(self, *names):
        """Makes the tables `names` (default: FASTF1_TABLES, what FastF1's load() makes) that
        are not made yet, side by side on the machine's cores, and returns them as Tables."""
        names = names or FASTF1_TABLES
        todo = [n for n in dict.fromkeys(names) if (n, (), 1) not in self._tables]
        if self._cache is not None:
            for n in list(todo):
                cached = self._cache.get(n)
                if cached is not None:
                    self._tables[(n, (), 1)] = Table(cached, n)
                    todo.remove(n)
        if todo:
            made = _call(self._session().tables, todo)
            for n, native in zip(todo, made):
                table = Table(native, n)
                self._tables[(n, (), 1)] = table
                if self._cache is not None:
                    self._cache.put(n, table.to_arrow())
        return [self._tables[(n, (), 1)] for n in names]

    laps = _frame("laps", "FastF1's session.laps.")
    results = _frame("results", "The classification.")
    car_data = _frame("car_data", "Every car sample, all drivers (FastF1's car_data, stacked).")
    pos_data = _frame("pos_data", "Every position sample, all drivers (FastF1's pos_data, stacked).")
    weather = _frame("weather", "Weather samples (FastF1's weather_data).")
    race_control = _frame("race_control", "Race control messages (FastF1's race_control_messages).")
    timeline = _frame("timeline", "The replay, frame by car.")

    def lap(self, driver, number):
        """Lap `number` of `driver` (its abbreviation, 'VER', or its car number)."""
        laps = self.table("laps").to_arrow()
        drivers = laps.column("Driver").to_pylist()
        numbers = laps.column("DriverNumber").to_pylist()
        for d, n in zip(drivers, numbers):
            if str(driver) in (str(d), str(n)):
                return Lap(self, int(n), int(number))
        raise SessionError(f"{self.label}: no driver {driver!r} in the laps table")


class Lap:
    """One lap of one driver."""

    def __init__(self, session, driver_number, number):
        self.session, self.driver_number, self.number = session, driver_number, number

    def telemetry(self):
        """The lap's merged car and position telemetry by distance (like FastF1's
        Lap.get_telemetry()), as a pandas DataFrame in FastF1's dtypes."""
        return self.session.table("telemetry", laps=[(self.driver_number, self.number)]).to_pandas()
