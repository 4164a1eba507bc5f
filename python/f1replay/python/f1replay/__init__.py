"""f1replay for notebooks: a session's tables as pandas DataFrames with FastF1's column names
and dtypes (times as timedelta64[ns]), decoded by f1replay's Rust core and handed over as Arrow.

    import f1replay
    s = f1replay.load("2025/mexico/q", data="/path/to/archive")
    s.laps                      # pandas, like fastf1's session.laps
    s.table("laps").to_polars() # or .to_arrow()
    s.lap("VER", 12).telemetry()
"""

import pyarrow as pa
import pyarrow.ipc

from . import _native

__all__ = ["load", "Session", "Lap", "Table", "Error", "DataNotFoundError", "SessionError"]


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
    of the archive, or the live archive cached in `cache`) exactly as `f1replay export` does."""
    data = None if data is None else str(data)
    cache = None if cache is None else str(cache)
    return Session(_call(_native.load, str(session_id), data, cache))


def _as_fastf1(table, name):
    """The Arrow table with the types FastF1's pandas frames have: text where Arrow has a
    dictionary (FastF1's columns are object, not categorical), UTC instants without a zone
    (FastF1's are naive UTC), and in `laps` every integer as float64 (FastF1's lap numbers,
    stints and positions are float64, NaN where missing). Durations stay as they are
    (timedelta64[ns] in pandas)."""
    fields, columns = [], []
    for field, column in zip(table.schema, table.columns):
        t = field.type
        if pa.types.is_dictionary(t):
            t = t.value_type
        elif pa.types.is_timestamp(t) and t.tz is not None:
            t = pa.timestamp(t.unit)
        elif name == "laps" and pa.types.is_integer(t):
            t = pa.float64()
        fields.append(pa.field(field.name, t, field.nullable))
        columns.append(column.cast(t) if t != field.type else column)
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


class Table:
    """One table of a session, as Arrow; `.to_pandas()`, `.to_polars()`, `.to_arrow()`."""

    def __init__(self, ipc_bytes, name=""):
        self._arrow = pa.ipc.open_file(pa.py_buffer(ipc_bytes)).read_all()
        self._name = name

    def to_arrow(self):
        """The pyarrow Table (typed columns: durations, UTC timestamps, dictionaries, nulls)."""
        return self._arrow

    def to_pandas(self, fastf1=True):
        """A pandas DataFrame: durations as timedelta64[ns]; with `fastf1` (the default) in
        FastF1's dtypes (`_as_fastf1`: text as object, instants naive UTC, laps' numbers
        float64), else as Arrow gives them (categoricals, datetime64[ns, UTC], unsigned ints)."""
        return (_as_fastf1(self._arrow, self._name) if fastf1 else self._arrow).to_pandas()

    def to_polars(self):
        """A polars DataFrame (polars must be installed)."""
        import polars as pl

        return pl.from_arrow(self._arrow)


class Session:
    """A loaded session. Each table property is a pandas DataFrame; `table(name)` gives the
    Table for polars or Arrow. Tables are made on first use and kept."""

    def __init__(self, native):
        self._native = native
        self._tables = {}

    @property
    def label(self):
        """Where the session was found."""
        return self._native.label

    def table(self, name, laps=(), every=1):
        """The table `name` (laps, stints, results, sectors, car_data, pos_data, telemetry,
        timeline, race_control, track_status, weather) as a Table."""
        key = (name, tuple(laps), every)
        if key not in self._tables:
            self._tables[key] = Table(_call(self._native.table, name, list(laps), every), name)
        return self._tables[key]

    laps = property(lambda self: self.table("laps").to_pandas(), doc="FastF1's session.laps.")
    results = property(lambda self: self.table("results").to_pandas(), doc="The classification.")
    car_data = property(lambda self: self.table("car_data").to_pandas(), doc="Every car sample.")
    pos_data = property(lambda self: self.table("pos_data").to_pandas(), doc="Every position sample.")
    weather = property(lambda self: self.table("weather").to_pandas(), doc="Weather samples.")
    race_control = property(lambda self: self.table("race_control").to_pandas(), doc="Race control messages.")
    timeline = property(lambda self: self.table("timeline").to_pandas(), doc="The replay, frame by car.")

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
        Lap.get_telemetry()), as a pandas DataFrame."""
        return self.session.table("telemetry", laps=[(self.driver_number, self.number)]).to_pandas()
