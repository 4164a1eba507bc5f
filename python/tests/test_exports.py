"""The exported files in the tools data people use: pandas, polars and DuckDB read every Parquet
and Arrow file `f1replay export` writes for the simulated race and 2025 Mexico City qualifying,
with the same rows, and the laps table equals FastF1's `session.laps` (ffharness' laps.csv) on
Mexico Q in every column.

Environment: F1REPLAY_BIN (the binary), F1REPLAY_TEST_DATA (the shared data),
F1REPLAY_FASTF1_ORACLE (scripts/fastf1-oracle.sh's output). Missing inputs fail the test when
F1REPLAY_REQUIRE_DATA=1 (CI), else skip it saying why.
"""

import os

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.ipc
import pytest

from conftest import f1replay, need  # noqa: E402  (python/tests/conftest.py)

ORACLE_LAPS = "2025/2025-10-26_Mexico_City_Grand_Prix/2025-10-25_Qualifying/laps.csv"


@pytest.fixture(scope="session")
def exports(tmp_path_factory, session_folders):
    """Every table of the sim race and Mexico Q, as Parquet and as Arrow: {name: folder}."""
    root = tmp_path_factory.mktemp("exports")
    out = {}
    for name, session in session_folders.items():
        for fmt in ["parquet", "arrow"]:
            folder = root / f"{name}-{fmt}"
            # One row per car and second of the timeline keeps the test quick.
            f1replay("export", str(session), "--format", fmt, "--every", "25", "--out", str(folder))
            out[f"{name}-{fmt}"] = folder
    return out


def test_pandas_polars_and_duckdb_read_every_file_with_the_same_rows(exports):
    files = [f for folder in exports.values() for f in sorted(folder.iterdir())]
    # 16 tables (laps ... team_radio, segments, drs) in each of the 4 folders.
    assert len(files) == 64, [f.name for f in files]
    for f in files:
        if f.suffix == ".parquet":
            rows = [len(pd.read_parquet(f)), pl.read_parquet(f).height,
                    duckdb.sql(f"select count(*) from read_parquet('{f}')").fetchall()[0][0]]
        else:
            arrow_table = pa.ipc.open_file(f).read_all()
            rows = [len(arrow_table.to_pandas()), pl.read_ipc(f).height,
                    duckdb.sql("select count(*) from arrow_table").fetchall()[0][0]]
        assert len(set(rows)) == 1, f"{f}: pandas, polars, duckdb rows {rows}"


def test_times_are_timedeltas_and_instants_utc_in_pandas(exports):
    laps = pd.read_parquet(exports["mexico-parquet"] / "laps.parquet")
    for c in ["LapTime", "Sector1Time", "Time", "LapStartTime", "PitOutTime", "Sector3SessionTime"]:
        assert str(laps[c].dtype) == "timedelta64[ns]", (c, laps[c].dtype)
    assert str(laps["LapStartDate"].dtype) == "datetime64[ns, UTC]"
    car = pl.read_parquet(exports["mexico-parquet"] / "car_data.parquet")
    assert car.schema["SessionTime"] == pl.Duration("ns")


def test_laps_equal_fastf1_s_session_laps_on_mexico_q(exports):
    oracle = need(os.environ.get("F1REPLAY_FASTF1_ORACLE"), "FastF1's output (F1REPLAY_FASTF1_ORACLE)")
    ff = pd.read_csv(need(oracle / ORACLE_LAPS, "FastF1's Mexico Q laps.csv"), dtype={"DriverNumber": str})
    ours = pd.read_parquet(exports["mexico-parquet"] / "laps.parquet")
    assert list(ours.columns) == list(ff.columns)
    assert len(ours) == len(ff)
    key = ["DriverNumber", "LapNumber"]
    ours = ours.astype({"DriverNumber": str}).sort_values(key).reset_index(drop=True)
    ff = ff.sort_values(key).reset_index(drop=True)
    mismatches = {}
    for c in ff.columns:
        a, b = ours[c], ff[c]
        if str(a.dtype) == "timedelta64[ns]":
            a = a.dt.total_seconds().round(3)
        elif str(a.dtype).startswith("datetime64"):
            a = a.dt.tz_localize(None)
            b = pd.to_datetime(b)
        elif a.dtype == bool or str(a.dtype) == "boolean" or b.dtype == bool:
            a = a.astype("boolean")
            b = b.map({True: True, False: False, "True": True, "False": False}).astype("boolean")
        elif pd.api.types.is_numeric_dtype(b):
            a = a.astype("float64")
        else:
            a = a.astype("string")
            b = b.astype("string")
        equal = (a == b) | (a.isna() & b.isna())
        bad = int((~equal.fillna(False)).sum())
        if bad:
            mismatches[c] = bad
    assert not mismatches, f"columns with rows unlike FastF1's: {mismatches}"
