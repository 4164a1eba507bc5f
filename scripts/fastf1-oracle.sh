#!/usr/bin/env bash
# fastf1-oracle.sh: build the FastF1 reference output ("oracle") for f1replay's differential tests.
#
# What: runs the real FastF1 3.9.0, offline, through the shared harness
# (../shared/tools/ffharness: setup.sh + ff_export.py) on the local live-timing session folders:
#   (a) pitwall 2025 Mexico City Qualifying, with telemetry (the only session with CarData.z/Position.z)
#   (b) every session under fastf1-test-data/livetiming/static that has a TimingData.jsonStream,
#       with --no-telemetry (those folders have no CarData.z/Position.z)
# and writes each into OUT/<year>/<event_dir>/<session_dir>/ (laps.csv, tel/*.csv, timings.json, ...).
# Why: FastF1 is the de facto reference for turning the feed into laps and telemetry; f1replay's
# output is compared with it field by field, and its load time is the number to beat.
#
# usage: scripts/fastf1-oracle.sh [--force] [OUT_ROOT] [DATA_ROOT]
#   OUT_ROOT   default /tmp/f1replay-oracle
#   DATA_ROOT  default $F1REPLAY_TEST_DATA, else <repo>/../shared/data
#   --force    re-export sessions that are already done (done = timings.json present)
# env: FFHARNESS (harness dir, default <repo>/../shared/tools/ffharness), FFVENV (default /tmp/ffvenv).
#
# Sessions run one after another (one FastF1 process at a time). A failing session is reported as
# FAILED (its log kept in OUT/.../<session_dir>.failed/ff_export.log) and the others still run;
# the exit status is 1 if any session failed. Only OUT_ROOT (and the venv, on first setup) is written.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/.." && pwd)"
PARENT="$(dirname "$REPO")"

FORCE=0
POS=()
for arg in "$@"; do
    case "$arg" in
        --force) FORCE=1 ;;
        -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "unknown option: $arg" >&2; exit 2 ;;
        *) POS+=("$arg") ;;
    esac
done
[ "${#POS[@]}" -le 2 ] || { echo "usage: $0 [--force] [OUT_ROOT] [DATA_ROOT]" >&2; exit 2; }

OUT="${POS[0]:-/tmp/f1replay-oracle}"
DATA="${POS[1]:-${F1REPLAY_TEST_DATA:-$PARENT/shared/data}}"
HARNESS="${FFHARNESS:-$PARENT/shared/tools/ffharness}"
export FFVENV="${FFVENV:-/tmp/ffvenv}"
PY="$FFVENV/bin/python"

[ -d "$DATA" ] || { echo "data root not found: $DATA" >&2; exit 2; }
[ -f "$HARNESS/ff_export.py" ] || { echo "harness not found: $HARNESS" >&2; exit 2; }

# Harness setup (idempotent: returns at once when the venv is complete).
bash "$HARNESS/setup.sh" >&2

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

# summary <timings.json>: prints "laps=N drivers=N load=S.SSs"; exit 3 if FastF1 produced no laps
summary() {
    "$PY" - "$1" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
c = t.get("counts", {})
laps = c.get("laps")
load = t.get("session_load_s")
load = f"{load:.2f}s" if isinstance(load, (int, float)) else "-"
print(f"laps={laps if isinstance(laps, int) else '-'} drivers={c.get('drivers')} load={load}", end="")
if not isinstance(laps, int):
    print(f" [{laps}]", end="")
    sys.exit(3)
EOF
}

FAILED=0
TOTAL=0

# export_one <session_dir> [ff_export options...]
export_one() {
    local src="$1"; shift
    local rel dest tmp log line="" err=""
    # <year>/<event_dir>/<session_dir> = last three path components
    rel="$(basename "$(dirname "$(dirname "$src")")")/$(basename "$(dirname "$src")")/$(basename "$src")"
    dest="$OUT/$rel"
    TOTAL=$((TOTAL + 1))

    if [ "$FORCE" -eq 0 ] && [ -f "$dest/timings.json" ]; then
        printf '%-75s %s OK (already done)\n' "$rel" "$(summary "$dest/timings.json" || true)"
        return 0
    fi

    mkdir -p "$(dirname "$dest")"
    tmp="$dest.tmp.$$"
    rm -rf "$tmp" && mkdir -p "$tmp"
    log="$tmp/ff_export.log"
    if "$PY" "$HARNESS/ff_export.py" "$src" "$tmp" "$@" </dev/null >"$log" 2>&1 \
        && [ -f "$tmp/timings.json" ] && line="$(summary "$tmp/timings.json")"; then
        rm -rf "$dest" "$dest.failed"
        mv "$tmp" "$dest"
        printf '%-75s %s OK\n' "$rel" "$line"
    else
        rm -rf "$dest" "$dest.failed"
        mv "$tmp" "$dest.failed"
        FAILED=$((FAILED + 1))
        if [ -n "$line" ]; then
            err="$line"   # FastF1 loaded but produced no laps
        else
            err="$(grep -v '^[[:space:]]' "$dest.failed/ff_export.log" | tail -n 1 || true)"
        fi
        printf '%-75s FAILED: %s (log: %s)\n' "$rel" "${err:-no output}" "$dest.failed/ff_export.log"
    fi
    return 0
}

# (a) Mexico City 2025 Qualifying, with telemetry.
MEX="$DATA/pitwall/livetiming/static/2025/2025-10-26_Mexico_City_Grand_Prix/2025-10-25_Qualifying"
if [ -d "$MEX" ]; then
    export_one "$MEX"
else
    echo "missing: $MEX" >&2
    FAILED=$((FAILED + 1)); TOTAL=$((TOTAL + 1))
fi

# (b) fastf1-test-data sessions that have TimingData, without telemetry.
STATIC="$DATA/fastf1-test-data/livetiming/static"
if [ -d "$STATIC" ]; then
    while IFS= read -r td; do
        dir="$(dirname "$td")"
        # FastF1 cannot load a session without SessionInfo and DriverList (three folders of the
        # shared data hold TimingData alone): there is no oracle for them, so they are skipped.
        if [ ! -f "$dir/SessionInfo.jsonStream" ] || [ ! -f "$dir/DriverList.jsonStream" ]; then
            printf '%-75s skipped: no SessionInfo or DriverList, FastF1 cannot load it\n' "${dir#"$STATIC"/}"
            continue
        fi
        export_one "$dir" --no-telemetry
    done < <(find -L "$STATIC" -mindepth 4 -maxdepth 4 -name TimingData.jsonStream | LC_ALL=C sort)
else
    echo "missing: $STATIC" >&2
fi

echo "$((TOTAL - FAILED))/$TOTAL sessions OK -> $OUT" >&2
[ "$FAILED" -eq 0 ]
