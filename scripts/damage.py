#!/usr/bin/env python3
"""damage.py: damaged copies of a session folder, and whether f1replay says what it lost.

What: makes N copies of SESSION in a temporary folder, each with one random damage in one
random topic file (a byte set to a random value, a bit flipped, the file cut at a random
point, or an invalid UTF-8 sequence inserted), runs `f1replay laps` and `f1replay build` on
each, and compares with the undamaged folder.
Why: a damaged archive file must cost only what is damaged, never crash the tool, and never
lose data in silence (issue 16). It prints, per command: crashes (a signal, a panic or any
exit code other than 0 and 1), runs whose result differs from the undamaged one, and how many
of those said so (a warning on stderr or a non-zero exit); then lists the silent ones.

usage: scripts/damage.py SESSION [COUNT] [SEED]
  SESSION  a session folder, e.g. ../shared/data/pitwall/livetiming/static/2025/
           2025-10-26_Mexico_City_Grand_Prix/2025-10-25_Qualifying
  COUNT    copies (default 200);  SEED  random seed (default 1: the same copies each run)
Needs python3 and the release binary (cargo build --release -p f1replay; found through
$CARGO_TARGET_DIR, else target/). Writes only to a temporary folder, removed at the end.
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile

# The topic files f1replay reads (feed::Topic::ALL): damage elsewhere loses nothing it uses.
TOPICS = [
    "SessionInfo.jsonStream", "DriverList.jsonStream", "SessionStatus.jsonStream", "TrackStatus.jsonStream",
    "LapCount.jsonStream", "TimingData.jsonStream", "TimingAppData.jsonStream", "TimingStats.jsonStream",
    "RaceControlMessages.jsonStream", "WeatherData.jsonStream", "CarData.z.jsonStream", "Position.z.jsonStream",
    "ExtrapolatedClock.jsonStream", "Heartbeat.jsonStream",
]


def binary():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target"))
    path = os.path.join(target, "release", "f1replay")
    if not os.access(path, os.X_OK):
        sys.exit(f"no binary at {path}: cargo build --release -p f1replay")
    return path


def damage(data, rng):
    """One random damage of `data`; returns (new bytes, what was done)."""
    kind = rng.choice(["byte", "bit", "cut", "utf8"])
    at = rng.randrange(len(data))
    if kind == "byte":
        data[at] = rng.randrange(256)
    elif kind == "bit":
        data[at] ^= 1 << rng.randrange(8)
    elif kind == "cut":
        del data[at:]
    else:
        data[at:at] = rng.choice([b"\xff", b"\xc3\x28", b"\xe2\x82", b"\xf0\x9f\x98"])
    return data, f"{kind} at byte {at}"


def run(args):
    p = subprocess.run(args, capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def build_summary(stdout):
    """`build`'s line without the path and timing: frames, chunks, drivers, size."""
    text = stdout.decode("utf-8", "replace").strip()
    return text.split(": ", 1)[-1].rsplit(", ", 1)[0] if text else ""


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    session = os.path.abspath(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    exe = binary()
    present = [t for t in TOPICS if os.path.isfile(os.path.join(session, t))]
    work = tempfile.mkdtemp(prefix="f1replay-damage-")
    try:
        cache = os.path.join(work, "cache")
        _, clean_laps, _ = run([exe, "laps", session])
        _, clean_build, _ = run([exe, "build", session, "--cache-dir", cache])
        clean_build = build_summary(clean_build)
        stats = {c: {"crash": 0, "differs": 0, "said": 0, "silent": []} for c in ("laps", "build")}
        for i in range(count):
            copy = os.path.join(work, str(i), os.path.basename(session))
            shutil.copytree(session, copy)
            name = rng.choice(present)
            path = os.path.join(copy, name)
            os.chmod(path, 0o644)
            with open(path, "rb") as f:
                data, what = damage(bytearray(f.read()), rng)
            with open(path, "wb") as f:
                f.write(data)
            for cmd in ("laps", "build"):
                args = [exe, cmd, copy] + (["--cache-dir", cache] if cmd == "build" else [])
                code, out, err = run(args)
                s = stats[cmd]
                if code not in (0, 1):
                    s["crash"] += 1
                    print(f"CRASH {cmd} copy {i}: {name} {what}: exit {code}\n{err[-2000:]}")
                    continue
                result = out if cmd == "laps" else build_summary(out)
                if code == 0 and result == (clean_laps if cmd == "laps" else clean_build):
                    continue
                s["differs"] += 1
                if code != 0 or "warning" in err:
                    s["said"] += 1
                else:
                    s["silent"].append(f"copy {i}: {name} {what}")
            shutil.rmtree(os.path.join(work, str(i)))
        print(f"{count} damaged copies of {session} (one damage each, seed {sys.argv[3] if len(sys.argv) > 3 else 1})")
        for cmd, s in stats.items():
            print(f"  {cmd:<5}: {s['crash']} crashes, {s['differs']} results differ from the undamaged one, "
                  f"{s['said']} of them said so, {len(s['silent'])} silent")
            for line in s["silent"]:
                print(f"    silent: {line}")
        return 1 if any(s["crash"] for s in stats.values()) else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
