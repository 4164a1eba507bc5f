#!/usr/bin/env python3
"""f1replay.load vs FastF1's session.load() of one session folder (default: 2025 Mexico City
qualifying in $F1REPLAY_TEST_DATA), both in this Python process, then each alone in a child
process for its peak memory (ru_maxrss). Needs a venv with fastf1 and the f1replay wheel
(~/.cache/f1replay/ffvenv) and ffharness (offline FastF1 loader) at $FFHARNESS.

usage: bench_load.py [SESSION_DIR] [--runs N]
"""

import argparse
import os
import resource
import subprocess
import sys
import time

MEXICO_Q = "pitwall/livetiming/static/2025/2025-10-26_Mexico_City_Grand_Prix/2025-10-25_Qualifying"


def load_f1replay(folder):
    """f1replay's equivalent of FastF1's load(): the session, then laps, car and position
    samples, weather and race control as pandas DataFrames."""
    import f1replay

    s = f1replay.load(folder)
    return [s.laps, s.car_data, s.pos_data, s.weather, s.race_control]


def load_fastf1(folder):
    """FastF1's session.load() (laps, telemetry, weather, messages), offline, cold cache."""
    sys.path.insert(0, os.environ.get("FFHARNESS", "/work/shared/tools/ffharness"))
    import ffoffline

    session, _ = ffoffline.load_offline(folder, cache_mode="cold")
    return session


LOADERS = {"f1replay": load_f1replay, "fastf1": load_fastf1}


def timed(name, folder):
    t = time.perf_counter()
    LOADERS[name](folder)
    return time.perf_counter() - t


def main():
    p = argparse.ArgumentParser()
    p.add_argument("session", nargs="?", default=os.path.join(os.environ.get("F1REPLAY_TEST_DATA", "../shared/data"), MEXICO_Q))
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--only", choices=LOADERS, help="(internal) load once and print the peak RSS in MB")
    a = p.parse_args()
    if a.only:
        timed(a.only, a.session)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        return
    # Children first: Linux carries a forked process' peak RSS into its child, so they are
    # started while this process is still small.
    rss = {n: float(subprocess.run([sys.executable, __file__, a.session, "--only", n], check=True,
                                   capture_output=True, text=True).stdout.split()[-1]) for n in LOADERS}
    import f1replay  # noqa: F401  (imported before timing, as fastf1 is by the harness)
    import fastf1  # noqa: F401

    times = {n: sorted(timed(n, a.session) for _ in range(a.runs)) for n in LOADERS}
    med = {n: t[len(t) // 2] for n, t in times.items()}
    print(f"session: {a.session}")
    for n in LOADERS:
        runs = ", ".join(f"{t:.3f}" for t in times[n])
        print(f"{n:<9} median {med[n]:7.3f} s  (runs: {runs})  peak RSS {rss[n]:7.1f} MB")
    print(f"ratio fastf1/f1replay: {med['fastf1'] / med['f1replay']:.1f}x")


if __name__ == "__main__":
    main()
