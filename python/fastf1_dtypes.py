#!/usr/bin/env python3
"""f1replay's `session.laps` against FastF1's, on one session folder (default: 2025 Mexico City
qualifying in $F1REPLAY_TEST_DATA), both loaded in this process: every column FastF1 has must be
there with FastF1's dtype. Needs a venv with fastf1, pyarrow and the f1replay wheel (`.ci/run`
uses ~/.cache/f1replay/ffvenv) and ffharness' offline loader ($FFHARNESS). Exit 1 on a
difference, printing each."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_load  # noqa: E402  (FastF1's offline load, as the speed comparison does it)

import f1replay  # noqa: E402

MEXICO_Q = "pitwall/livetiming/static/2025/2025-10-26_Mexico_City_Grand_Prix/2025-10-25_Qualifying"


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.environ["F1REPLAY_TEST_DATA"], MEXICO_Q)
    theirs = bench_load.load_fastf1(folder).laps
    ours = f1replay.load(folder).laps
    wrong = []
    for c in theirs.columns:
        if c not in ours.columns:
            wrong.append(f"{c}: missing")
        elif ours[c].dtype != theirs[c].dtype:
            wrong.append(f"{c}: {ours[c].dtype}, FastF1 {theirs[c].dtype}")
    print(f"laps: {len(theirs.columns) - len(wrong)} of {len(theirs.columns)} FastF1 columns with FastF1's dtype")
    for w in wrong:
        print("  " + w)
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
