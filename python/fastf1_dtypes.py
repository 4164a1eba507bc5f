#!/usr/bin/env python3
"""f1replay's tables in FastF1's pandas dtypes, against FastF1 itself, on one session folder
(default: 2025 Mexico City qualifying in $F1REPLAY_TEST_DATA), both loaded in this process.

Per table (laps, results, car_data, pos_data, weather, race_control, and one lap's telemetry
against FastF1's `get_telemetry()`), every column FastF1 has and f1replay has too must have
FastF1's dtype; a FastF1 column f1replay does not have is listed (and, in laps, where f1replay
has every one of FastF1's columns, is a failure). Needs a venv with fastf1, pyarrow and the
f1replay wheel (`.ci/run` uses ~/.cache/f1replay/ffvenv) and ffharness' offline loader
($FFHARNESS). Exit 1 on a difference, printing each."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_load  # noqa: E402  (FastF1's offline load, as the speed comparison does it)

import f1replay  # noqa: E402

MEXICO_Q = bench_load.MEXICO_Q
# Tables where f1replay has all of FastF1's columns: a missing one there is a failure.
COMPLETE = {"laps"}


def fastf1_tables(session):
    """FastF1's frames by f1replay's table name (one driver's car and position data: FastF1
    keeps one frame per driver, f1replay stacks them), and the driver and lap of the telemetry."""
    first = session.drivers[0]
    fastest = session.laps.pick_drivers(first).pick_fastest()
    frames = {
        "laps": session.laps,
        "results": session.results,
        "car_data": session.car_data[first],
        "pos_data": session.pos_data[first],
        "weather": session.weather_data,
        "race_control": session.race_control_messages,
        "telemetry": fastest.get_telemetry(),
    }
    return frames, (first, int(fastest["LapNumber"]))


def compare(name, ours, theirs):
    """The differences of one table: [(column, why)], dtype differences first."""
    wrong = [(c, f"{ours[c].dtype}, FastF1 {theirs[c].dtype}") for c in theirs.columns if c in ours.columns and ours[c].dtype != theirs[c].dtype]
    missing = [(c, "not in f1replay's table") for c in theirs.columns if c not in ours.columns]
    shared = len(theirs.columns) - len(missing)
    print(f"{name}: {shared - len(wrong)} of {shared} shared columns with FastF1's dtype ({len(missing)} of FastF1's {len(theirs.columns)} not here)")
    for c, why in wrong + missing:
        print(f"  {c}: {why}")
    return wrong + (missing if name in COMPLETE else [])


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.environ["F1REPLAY_TEST_DATA"], MEXICO_Q)
    frames, (driver, lap) = fastf1_tables(bench_load.load_fastf1(folder))
    session = f1replay.load(folder)
    ours = {n: getattr(session, n) for n in frames if n != "telemetry"}
    ours["telemetry"] = session.lap(driver, lap).telemetry()
    failures = [f for n in frames for f in compare(n, ours[n], frames[n])]
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
