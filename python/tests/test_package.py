"""The `f1replay` Python package (python/f1replay, installed by .ci/run): Mexico Q and the
simulated race load through the CLI's loader, their laps equal the exported laps.parquet, times
are timedelta64[ns], every table converts to polars and Arrow, a lap's telemetry is the export's
telemetry table for that lap, and bad input raises f1replay.Error with the CLI's message.

Environment as test_exports.py (F1REPLAY_BIN, F1REPLAY_TEST_DATA).
"""

import json
import os
import pathlib
import subprocess

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import numpy as np
import f1replay  # noqa: E402  (installed by .ci/run; its absence fails the run)

from conftest import MEXICO_Q, f1replay as cli, need  # noqa: E402  (python/tests/conftest.py)
from test_exports import ORACLE_LAPS  # noqa: E402

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
    # The file keeps Arrow's types (dictionaries, float32, uint8); telemetry() gives FastF1's
    # (text, float64, int64): the values are the same.
    for c in exported.columns:
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


@pytest.mark.parametrize("column", ["SessionTime", "Speed", "X", "Driver"])
def test_tables_cross_to_pyarrow_without_a_copy(sessions, column):
    """pyarrow's buffer is Rust's (the Arrow C stream interface shares it): the values of a
    number, a time and a dictionary's keys are where Rust put them."""
    _, session = sessions["mexico"]
    native = session._session().table("pos_data" if column == "X" else "car_data")
    arrow = pa.table(native)
    chunk = arrow.column(column).chunk(0)
    data = chunk.indices if pa.types.is_dictionary(chunk.type) else chunk
    assert arrow.num_rows == native.num_rows > 100_000
    assert data.buffers()[1].address == native.buffer_address(column)


def test_a_table_hands_its_buffers_on_through_the_same_interface(sessions):
    _, session = sessions["mexico"]
    table = session.table("car_data")
    speed = table.to_arrow().column("Speed").chunk(0).buffers()[1].address
    assert pa.table(table).column("Speed").chunk(0).buffers()[1].address == speed
    assert pl.DataFrame(table).height == table.to_arrow().num_rows


def test_a_warm_cache_gives_the_same_tables_without_decoding(sessions, tmp_path):
    folder, session = sessions["mexico"]
    cold = f1replay.load(str(folder), cache=str(tmp_path))
    cold.tables()
    warm = f1replay.load(str(folder), cache=str(tmp_path))
    for name, table in zip(f1replay.FASTF1_TABLES, warm.tables()):
        assert table.to_arrow().equals(session.table(name).to_arrow()), name
    assert warm._native is None, "a warm load decoded the raw files"
    # A table not in the cache still comes, from the raw files.
    assert len(warm.table("stints").to_arrow()) > 0


def test_a_session_id_resolved_in_data_is_cached_too(tmp_path):
    """`load("2025/mexico/q", data=DIR, cache=C)` caches as a folder does: DIR here is a copy
    of Mexico Q with a season index of its one meeting (the shared data has no 2025 index)."""
    data = need(os.environ.get("F1REPLAY_TEST_DATA"), "the shared data (F1REPLAY_TEST_DATA)")
    static = tmp_path / "static"
    copy = static / MEXICO_Q.split("static/", 1)[1]
    copy.mkdir(parents=True)
    for f in (data / MEXICO_Q).iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    session = {"Key": 1, "Type": "Qualifying", "Name": "Qualifying", "StartDate": "2025-10-25T15:00:00",
               "EndDate": "2025-10-25T16:00:00", "GmtOffset": "-06:00:00", "Path": MEXICO_Q.split("static/", 1)[1] + "/"}
    meeting = {"Key": 1, "Name": "Mexico City Grand Prix", "Location": "Mexico City", "Sessions": [session]}
    (static / "2025" / "Index.json").write_text(json.dumps({"Year": 2025, "Meetings": [meeting]}))
    cold = f1replay.load("2025/mexico/q", data=static, cache=tmp_path / "cache")
    laps = cold.laps
    assert len(laps) > 100
    warm = f1replay.load("2025/mexico/q", data=static, cache=tmp_path / "cache")
    pd.testing.assert_frame_equal(warm.laps, laps)
    assert warm._native is None and warm.label == cold.label == cold._session().label


def _session_seconds(laps, driver_number, lap):
    row = laps[(laps["DriverNumber"] == str(driver_number)) & (laps["LapNumber"] == lap)]
    assert len(row) == 1, (driver_number, lap)
    return row["LapStartTime"].iloc[0].total_seconds()


def test_every_driver_s_fastest_lap_telemetry_agrees_with_fastf1(sessions):
    """`lap(d, n).telemetry()` of each driver's fastest lap against FastF1's get_telemetry()
    (ffharness' tel/ output) within `f1replay check`'s tolerances (crates/agreement): speed
    within 1 km/h at FastF1's car samples, X/Y within 1 m at its position samples, the lap's
    distance within 1%; ours is read at FastF1's sample times by linear interpolation, as
    check reads its samples."""
    oracle = need(os.environ.get("F1REPLAY_FASTF1_ORACLE"), "FastF1's output (F1REPLAY_FASTF1_ORACLE)")
    tel_dir = need(oracle / pathlib.Path(ORACLE_LAPS).parent / "tel", "FastF1's Mexico Q tel/")
    index = pd.read_csv(tel_dir / "index.csv", dtype={"DriverNumber": str})
    _, session = sessions["mexico"]
    laps = session.laps
    worst = {"speed": 0.0, "xy": 0.0, "distance": 0.0}
    for _, lap in index.iterrows():
        ff = pd.read_csv(tel_dir / lap["file"])
        ours = session.lap(lap["DriverNumber"], int(lap["LapNumber"])).telemetry()
        t = _session_seconds(laps, lap["DriverNumber"], int(lap["LapNumber"])) + ours["Time"].dt.total_seconds().to_numpy()
        inside = (ff["SessionTime"] >= t[0]) & (ff["SessionTime"] <= t[-1])
        car, pos = ff[inside & (ff["Source"] == "car")], ff[inside & (ff["Source"] == "pos")]
        assert len(car) > 100 and len(pos) > 100, (lap["file"], len(car), len(pos))
        speed = np.abs(np.interp(car["SessionTime"], t, ours["Speed"]) - car["Speed"])
        have = ours["X"].notna().to_numpy()
        x = np.interp(pos["SessionTime"], t[have], ours["X"][have])
        y = np.interp(pos["SessionTime"], t[have], ours["Y"][have])
        xy = np.hypot(x - pos["X"], y - pos["Y"]) / 10.0  # 1/10 m
        distance = abs(ours["Distance"].iloc[-1] - ff["Distance"].iloc[-1]) / ff["Distance"].iloc[-1]
        worst = {"speed": max(worst["speed"], speed.max()), "xy": max(worst["xy"], xy.max()), "distance": max(worst["distance"], distance)}
    print(f"{len(index)} fastest laps: worst speed {worst['speed']:.3f} km/h, X/Y {worst['xy']:.3f} m, distance {worst['distance']:.4%}")
    assert len(index) >= 19
    assert worst["speed"] <= 1.0 and worst["xy"] <= 1.0 and worst["distance"] <= 0.01, worst
