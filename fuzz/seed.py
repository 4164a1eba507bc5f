#!/usr/bin/env python3
"""seed.py: the fuzz targets' seed corpus, cut from real sessions of the shared data.

What: for every session folder under DATA with a TimingData file, writes small real inputs
for each target into OUT/<target>/:
  lines        the first ~8 KB of each topic file (whole lines, BOM and CRLF as archived)
  z_payload    a few CarData.z and Position.z payloads (the quoted base64 after the offset)
  patch_merge  the first 40 lines of each stateful topic (full state, then patches)
  session      the first 24 lines of every topic of the session, in the `session` target's
               container ([topic index u8][length u16 LE][bytes], harness/mod.rs)
Why: coverage-guided fuzzing starts far deeper from real lines than from nothing, and the
shared data is not copied into the repository (it is read here, at run time).

usage: fuzz/seed.py DATA OUT     (e.g. fuzz/seed.py ../shared/data /tmp/corpus)
"""
import os
import struct
import sys

# feed::Topic::ALL, in its order: the `session` container names a topic by its index here.
TOPICS = [
    "SessionInfo", "DriverList", "SessionStatus", "TrackStatus", "LapCount", "TimingData",
    "TimingAppData", "TimingStats", "RaceControlMessages", "WeatherData", "CarData.z",
    "Position.z", "ExtrapolatedClock", "Heartbeat",
]
STATEFUL = ["SessionInfo", "DriverList", "TimingData", "TimingAppData", "TimingStats", "LapCount"]


def sessions(data):
    for root, _dirs, files in sorted(os.walk(data)):
        if "TimingData.jsonStream" in files:
            yield root


def head_lines(path, count=None, max_bytes=None):
    """The file's first `count` lines (or first `max_bytes`, cut at a line end), as bytes."""
    try:
        with open(path, "rb") as f:
            raw = f.read(max_bytes or 4 << 20)
    except OSError:
        return None
    lines = raw.split(b"\n")
    if max_bytes and len(lines) > 1:
        lines = lines[:-1]
    if count is not None:
        lines = lines[:count]
    return b"\n".join(lines) + b"\n" if lines else None


def write(out, target, name, data):
    folder = os.path.join(out, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    data, out = sys.argv[1], sys.argv[2]
    found = 0
    for n, folder in enumerate(sessions(data)):
        found += 1
        container = b""
        for index, topic in enumerate(TOPICS):
            path = os.path.join(folder, topic + ".jsonStream")
            head = head_lines(path, max_bytes=8192)
            if head:
                write(out, "lines", f"{n:02}-{topic}", head)
            if topic in STATEFUL and (first := head_lines(path, count=40)):
                write(out, "patch_merge", f"{n:02}-{topic}", first)
            if topic.endswith(".z") and (first := head_lines(path, count=8)):
                for k, line in enumerate(first.strip().split(b"\n")):
                    write(out, "z_payload", f"{n:02}-{topic}-{k}", line.strip()[12:])
            piece = head_lines(path, count=24)
            while piece:
                chunk, piece = piece[:65535], piece[65535:]
                container += struct.pack("<BH", index, len(chunk)) + chunk
        write(out, "session", f"{n:02}", container)
    if not found:
        sys.exit(f"no session folder with TimingData under {data}")
    print(f"seeds from {found} sessions in {out}")


if __name__ == "__main__":
    main()
