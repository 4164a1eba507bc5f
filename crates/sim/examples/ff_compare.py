#!/usr/bin/env python3
"""Compare FastF1's view of a simulated session with the simulator's ground truth.

FastF1 (the reference implementation of the lap rules) reads the raw files the simulator wrote;
this script checks that it finds what really happened.

Usage (one FastF1 process at a time on shared machines):

    cargo run --release -p sim --example write_session -- race /tmp/sim-race
    /tmp/ffvenv/bin/python /work/shared/tools/ffharness/ff_export.py \
        /tmp/sim-race/2025/2025-06-15_Simulated_Grand_Prix/2025-06-15_Race /tmp/ff-sim-race
    python3 crates/sim/examples/ff_compare.py \
        /tmp/sim-race/2025/2025-06-15_Simulated_Grand_Prix/2025-06-15_Race/ground_truth.json \
        /tmp/ff-sim-race

Prints agreement figures; exits 1 if a check falls below its bar (lap counts equal, lap times
to the millisecond on >= 99% of laps, pit in/out laps and race positions equal, t0 exact).
Standard library only.
"""
import csv
import json
import os
import sys


def ms(s):
    return None if s in ("", None) else round(float(s) * 1000)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    truth = json.load(open(sys.argv[1]))
    ffdir = sys.argv[2]
    rows = list(csv.DictReader(open(os.path.join(ffdir, "laps.csv"))))
    timings = json.load(open(os.path.join(ffdir, "timings.json")))
    race = truth["session"]["kind"] in ("Race", "Sprint")

    generated = [r for r in rows if r["FastF1Generated"] == "True"]
    ff = {(r["DriverNumber"], int(float(r["LapNumber"]))): r
          for r in rows if r["FastF1Generated"] != "True"}
    tr = {(l["driver"], l["lap"]): l for l in truth["laps"]}
    drivers = [d["number"] for d in truth["drivers"]]
    problems = []
    report = {}

    # ---- lap counts per driver
    count_ok = 0
    for d in drivers:
        nt = sum(1 for k in tr if k[0] == d)
        nf = sum(1 for k in ff if k[0] == d)
        if nt == nf:
            count_ok += 1
        else:
            problems.append(f"driver {d}: {nf} laps in FastF1, {nt} in truth")
    report["drivers with equal lap count"] = f"{count_ok}/{len(drivers)}"
    report["FastF1-generated laps"] = ", ".join(
        f"{r['DriverNumber']} L{int(float(r['LapNumber']))}" for r in generated) or "none"
    retired_on_track = {r["driver"] for r in truth["retirements"] if not r["in_pits"]}
    unexpected_gen = [r for r in generated if r["DriverNumber"] not in retired_on_track]
    if unexpected_gen:
        problems.append(f"unexpected generated laps: {len(unexpected_gen)}")

    # ---- lap times
    def agree(field, truth_value, only_when=lambda l: True, fill_ok=False):
        ok = total = 0
        for key, l in tr.items():
            if not only_when(l):
                continue
            total += 1
            r = ff.get(key)
            got = ms(r[field]) if r else None
            want = truth_value(l)
            if got == want:
                ok += 1
            elif len(problems) < 400:
                problems.append(f"{field} {key}: FastF1 {got} truth {want}")
        return ok, total

    ok, total = agree("LapTime", lambda l: l["lap_time_ms"], lambda l: l["lap_time_in_feed"])
    report["LapTime exact (laps the feed times)"] = f"{ok}/{total} = {100.0 * ok / max(total, 1):.2f}%"
    lap_time_pct = 100.0 * ok / max(total, 1)
    ok2, total2 = agree("LapTime", lambda l: None, lambda l: not l["lap_time_in_feed"])
    report["LapTime empty where the feed has none (race lap 1, garage out-laps)"] = f"{ok2}/{total2}"

    for k in range(3):
        ok, total = agree(f"Sector{k + 1}Time", lambda l, k=k: l["sector_times_ms"][k],
                          lambda l, k=k: l["sector_times_ms"][k] is not None
                          and not (race and l["lap"] == 1 and k == 0)
                          and not (l["lap_time_ms"] is None and k == 0))
        report[f"Sector{k + 1}Time exact"] = f"{ok}/{total}"

    ok, total = agree("Time", lambda l: l["end_ms"])
    report["Time (lap end) exact"] = f"{ok}/{total} = {100.0 * ok / max(total, 1):.2f}%"

    # ---- pit laps
    pit_in_ok = pit_in_total = pit_out_ok = pit_out_total = 0
    for key, l in tr.items():
        r = ff.get(key)
        if r is None:
            continue
        pit_in_total += 1
        if (ms(r["PitInTime"]) is not None) == (l["pit_in_ms"] is not None):
            pit_in_ok += 1
        else:
            problems.append(f"PitIn {key}: FastF1 {r['PitInTime']!r} truth {l['pit_in_ms']}")
        want_out = l["pit_out_ms"] is not None
        pit_out_total += 1
        if (ms(r["PitOutTime"]) is not None) == want_out:
            pit_out_ok += 1
        else:
            problems.append(f"PitOut {key}: FastF1 {r['PitOutTime']!r} truth {l['pit_out_ms']}")
    report["PitInTime on the same laps"] = f"{pit_in_ok}/{pit_in_total}"
    report["PitOutTime on the same laps"] = f"{pit_out_ok}/{pit_out_total}"
    pin_exact = sum(1 for k, l in tr.items() if l["pit_in_ms"] is not None and k in ff
                    and ms(ff[k]["PitInTime"]) == l["pit_in_ms"])
    pin_all = sum(1 for l in tr.values() if l["pit_in_ms"] is not None)
    pout_exact = sum(1 for k, l in tr.items() if l["pit_out_ms"] is not None and k in ff
                     and ms(ff[k]["PitOutTime"]) == l["pit_out_ms"])
    pout_all = sum(1 for l in tr.values() if l["pit_out_ms"] is not None)
    report["PitInTime / PitOutTime exact"] = f"{pin_exact}/{pin_all}, {pout_exact}/{pout_all}"

    # ---- positions, tyres, deletions
    pos_pct = 100.0
    if race:
        ok, total = agree("Position", lambda l: None if l["position"] is None else l["position"] * 1000)
        report["Position at each lap end"] = f"{ok}/{total}"
        pos_pct = 100.0 * ok / max(total, 1)
    ok = sum(1 for k, l in tr.items() if k in ff and ff[k]["Compound"] == l["compound"])
    report["Compound"] = f"{ok}/{len(tr)}"
    ok = sum(1 for k, l in tr.items() if k in ff and ms(ff[k]["Stint"]) == l["stint"] * 1000)
    report["Stint"] = f"{ok}/{len(tr)}"
    ok = sum(1 for k, l in tr.items() if k in ff and ms(ff[k]["TyreLife"]) == l["tyre_life"] * 1000)
    report["TyreLife"] = f"{ok}/{len(tr)}"
    deleted_truth = {k for k, l in tr.items() if l["deleted"]}
    deleted_ff = {k for k, r in ff.items() if r["Deleted"] == "True"}
    report["Deleted laps (truth / FastF1)"] = f"{sorted(deleted_truth)} / {sorted(deleted_ff)}"

    # ---- clocks
    t0_ff = timings.get("t0_date")
    t0_truth = truth["session"]["t0_utc"][:23]
    report["t0 (FastF1 / truth)"] = f"{t0_ff} / {t0_truth}"
    start_ff = timings.get("session_start_time_s")
    report["session start s (FastF1 / truth)"] = (
        f"{start_ff} / {truth['session']['session_start_ms'] / 1000}")

    for k, v in report.items():
        print(f"{k:<70} {v}")
    if problems:
        print(f"\nfirst mismatches ({len(problems)}):")
        for p in problems[:25]:
            print("  " + p)

    fail = []
    if count_ok != len(drivers):
        fail.append("lap counts")
    if lap_time_pct < 99.0:
        fail.append("lap times")
    if pit_in_ok != pit_in_total or pit_out_ok != pit_out_total:
        fail.append("pit laps")
    if pos_pct < 99.0:
        fail.append("positions")
    if t0_ff != t0_truth:
        fail.append("t0")
    if unexpected_gen:
        fail.append("generated laps")
    print("\nRESULT:", "FAIL " + ", ".join(fail) if fail else "PASS")
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
