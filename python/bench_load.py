#!/usr/bin/env python3
"""f1replay.load vs FastF1's session.load() of one session folder (default: 2025 Mexico City
qualifying in $F1REPLAY_TEST_DATA), both in this Python process, with a cold cache (a new empty
cache folder each run) and a warm one (the folder a previous load filled); then each cold load
alone in a child process for its peak memory (ru_maxrss). Needs a venv with fastf1 and the
f1replay wheel (~/.cache/f1replay/ffvenv) and ffharness (offline FastF1 loader) at $FFHARNESS.

What is timed:
- f1replay: `f1replay.load(folder, cache=DIR)`, `session.tables()` (the six tables FastF1's
  load() makes: laps, results, car_data, pos_data, weather, race_control, made side by side),
  then each of the six as a pandas DataFrame in FastF1's dtypes (`session.laps`, ...). Cold, it
  also writes the six to the cache; warm, it maps them from there.
- FastF1: `session.load()` (laps, telemetry, weather, messages) alone, as ffharness times it
  (`session_load_s`: the local HTTP server's start and the session's creation are not counted).

usage: bench_load.py [SESSION_DIR] [--runs N]
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

MEXICO_Q = "pitwall/livetiming/static/2025/2025-10-26_Mexico_City_Grand_Prix/2025-10-25_Qualifying"
FRAMES = ("laps", "results", "car_data", "pos_data", "weather", "race_control")


def load_f1replay(folder, cache=None):
    """f1replay's equivalent of FastF1's load(): the session, its six tables, and each as a
    pandas DataFrame. Returns (frames, seconds)."""
    import f1replay

    t = time.perf_counter()
    s = f1replay.load(folder, cache=cache)
    s.tables(*FRAMES)
    frames = [getattr(s, n) for n in FRAMES]
    return frames, time.perf_counter() - t


def load_fastf1(folder, cache_mode="cold", cache=None):
    """FastF1's session.load() (laps, telemetry, weather, messages), offline. Returns the
    session; `load_fastf1.seconds` is session.load()'s time."""
    sys.path.insert(0, os.environ.get("FFHARNESS", "/work/shared/tools/ffharness"))
    import ffoffline

    session, info = ffoffline.load_offline(folder, cache_mode=cache_mode, cache_dir=cache)
    load_fastf1.seconds = info["session_load_s"]
    return session


def timed(name, folder, cache_mode):
    """One load's seconds, with a new empty cache folder (cold) or one a load filled (warm)."""
    cache = tempfile.mkdtemp(prefix=f"bench-{name}-")
    try:
        if cache_mode == "warm":
            run(name, folder, "cold", cache)
        return run(name, folder, cache_mode, cache)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def run(name, folder, cache_mode, cache):
    if name == "f1replay":
        return load_f1replay(folder, cache)[1]
    load_fastf1(folder, cache_mode, cache)
    return load_fastf1.seconds


def profile(folder):
    """Where f1replay's cold load goes: decode and session build, the six tables (Rust), the
    pandas conversion."""
    import f1replay

    t0 = time.perf_counter()
    s = f1replay.load(folder)
    t1 = time.perf_counter()
    s.tables(*FRAMES)
    t2 = time.perf_counter()
    for n in FRAMES:
        getattr(s, n)
    t3 = time.perf_counter()
    print(f"f1replay cold, no cache: load (read, decode, build) {t1 - t0:.3f} s, six tables {t2 - t1:.3f} s, pandas {t3 - t2:.3f} s")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("session", nargs="?", default=os.path.join(os.environ.get("F1REPLAY_TEST_DATA", "../shared/data"), MEXICO_Q))
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--only", choices=["f1replay", "fastf1"], help="(internal) load once, cold, and print the peak RSS in MB")
    a = p.parse_args()
    if a.only:
        timed(a.only, a.session, "cold")
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        return
    # Children first: Linux carries a forked process' peak RSS into its child, so they are
    # started while this process is still small.
    rss = {n: float(subprocess.run([sys.executable, __file__, a.session, "--only", n], check=True,
                                   capture_output=True, text=True).stdout.split()[-1]) for n in ("f1replay", "fastf1")}
    import f1replay  # noqa: F401  (imported before timing, as fastf1 is by the harness)
    import fastf1  # noqa: F401

    print(f"session: {a.session}")
    profile(a.session)
    for mode in ("cold", "warm"):
        times = {n: sorted(timed(n, a.session, mode) for _ in range(a.runs)) for n in ("f1replay", "fastf1")}
        med = {n: t[len(t) // 2] for n, t in times.items()}
        for n in times:
            runs = ", ".join(f"{t:.3f}" for t in times[n])
            memory = f"  peak RSS {rss[n]:6.1f} MB" if mode == "cold" else ""
            print(f"{mode} cache: {n:<9} median {med[n]:7.3f} s  (runs: {runs}){memory}")
        print(f"{mode} cache: ratio fastf1/f1replay {med['fastf1'] / med['f1replay']:.1f}x")


if __name__ == "__main__":
    main()
