"""The `f1replay` Python package (python/f1replay, installed by .ci/run): Mexico Q and the
simulated race load through the CLI's loader, their laps equal the exported laps.parquet, times
are timedelta64[ns], every table converts to polars and Arrow, a lap's telemetry is the export's
telemetry table for that lap, and bad input raises f1replay.Error with the CLI's message.

Environment as test_exports.py (F1REPLAY_BIN, F1REPLAY_TEST_DATA).
"""

import os
import pathlib
import subprocess

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import f1replay  # noqa: E402  (installed by .ci/run; its absence fails the run)

from conftest import f1replay as cli, need  # noqa: E402  (python/tests/conftest.py)

TABLES = ["laps", "results", "car_data", "pos_data", "weather", "race_control", "timeline"]


@pytest.fixture(scope="module")
def sessions(session_folders):
    """{name: (folder, loaded Session)} for Mexico Q and the sim race."""
    return {name: (folder, f1replay.load(str(folder))) for name, folder in session_folders.items()}


@pytest.mark.parametrize("name", ["mexico", "sim"])
def test_laps_equal_the_exported_laps_parquet(sessions, name, tmp_path):
    folder, session = sessions[name]
    cli("export", str(folder), "--tables", "laps", "--format", "parquet", "--out", str(tmp_path))
    exported = pd.read_parquet(tmp_path / "laps.parquet")
    # As Arrow gives them (the Parquet file's types); `session.laps` has FastF1's dtypes, which
    # python/fastf1_dtypes.py checks against FastF1 itself.
    laps = session.table("laps").to_pandas(fastf1=False)
    assert len(laps) > 0
    pd.testing.assert_frame_equal(laps, exported)
    assert session.laps["LapNumber"].dtype == "float64" and not isinstance(session.laps["Driver"].dtype, pd.CategoricalDtype)


@pytest.mark.parametrize("name", ["mexico", "sim"])
def test_every_table_converts_to_pandas_polars_and_arrow_with_the_same_rows(sessions, name):
    _, session = sessions[name]
    for t in TABLES:
        # The timeline at one row per car and second keeps the test quick.
        table = session.table(t, every=25) if t == "timeline" else session.table(t)
        df = table.to_pandas() if t == "timeline" else getattr(session, t)
        assert isinstance(df, pd.DataFrame) and isinstance(table.to_arrow(), pa.Table)
        assert len(df) == table.to_arrow().num_rows == table.to_polars().height, t


def test_times_are_timedelta64_ns(sessions):
    laps = sessions["mexico"][1].laps
    for c in ["LapTime", "Sector1Time", "Sector2Time", "Sector3Time", "Time", "PitOutTime"]:
        assert str(laps[c].dtype) == "timedelta64[ns]", (c, laps[c].dtype)
    assert str(sessions["mexico"][1].car_data["SessionTime"].dtype) == "timedelta64[ns]"


def test_a_lap_s_telemetry_is_the_exported_telemetry_of_that_lap(sessions, tmp_path):
    folder, session = sessions["mexico"]
    laps = session.laps
    fastest = laps.loc[laps["LapTime"].idxmin()]
    tel = session.lap(fastest["Driver"], int(fastest["LapNumber"])).telemetry()
    pair = f"{fastest['DriverNumber']}:{int(fastest['LapNumber'])}"
    cli("export", str(folder), "--tables", "telemetry", "--lap", pair, "--format", "parquet", "--out", str(tmp_path))
    exported = pd.read_parquet(tmp_path / "telemetry.parquet")
    # The file keeps Arrow's dictionaries; telemetry() gives text, as FastF1 does.
    for c in exported.select_dtypes("category").columns:
        exported[c] = exported[c].astype(tel[c].dtype)
    pd.testing.assert_frame_equal(tel, exported)
    assert len(tel) > 0 and tel["Distance"].is_monotonic_increasing


def test_a_bad_session_id_raises_the_cli_s_message():
    data = need(os.environ.get("F1REPLAY_TEST_DATA"), "the shared data (F1REPLAY_TEST_DATA)")
    with pytest.raises(f1replay.SessionError) as e:
        f1replay.load("2025/nowhere/q", data=str(data / "pitwall" / "livetiming" / "static"))
    binary = need(os.environ.get("F1REPLAY_BIN"), "the f1replay binary (F1REPLAY_BIN)")
    out = subprocess.run([str(binary), "export", "2025/nowhere/q", "--data", str(data / "pitwall" / "livetiming" / "static"), "--out", "/tmp/unused-export"],
                         capture_output=True, text=True)
    assert out.returncode != 0 and str(e.value) in out.stderr, (str(e.value), out.stderr)
    assert isinstance(e.value, f1replay.Error) and isinstance(e.value, ValueError)


def test_missing_data_raises_data_not_found(tmp_path):
    with pytest.raises(f1replay.DataNotFoundError, match="does not exist") as e:
        f1replay.load("2025/mexico/q", data=str(tmp_path / "nowhere"))
    assert isinstance(e.value, FileNotFoundError) and isinstance(e.value, f1replay.Error)


def test_a_missing_topic_names_the_file(sessions, tmp_path):
    folder, _ = sessions["sim"]
    for f in folder.iterdir():
        if f.name != "CarData.z.jsonStream":
            (tmp_path / f.name).write_bytes(f.read_bytes())
    session = f1replay.load(str(tmp_path))
    with pytest.raises(f1replay.SessionError, match="CarData.z.jsonStream is missing"):
        session.car_data
