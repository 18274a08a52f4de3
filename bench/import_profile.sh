#!/usr/bin/env bash
# Timed benchmark of `vigil import` and `vigil profile`, checked against an
# independent peer in the same run. See bench/README.md.
#
#   bench/import_profile.sh            # BUILD_DIR=build-release, 250,000 rows
#   BUILD_DIR=build ROWS=50000 LAYOUT=2024 REPEAT=5 bench/import_profile.sh
#
# Steps: generate a synthetic CTDC file with bench/make_ctdc_file (2018
# layout unless LAYOUT=2024); time `vigil import` into a fresh store; time
# `vigil profile --db` and `vigil profile --cases` for Kazakhstan; time the
# same figures computed by Python's csv module (bench/profile_peer.py) and by
# sqlite3 queries on vigil's store (bench/profile_peer.sql); check that every
# peer agrees with vigil, and fail loudly when one does not. Each timing is
# the median of REPEAT runs (wall clock).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

build_dir=${BUILD_DIR:-build-release}
rows=${ROWS:-250000}
layout=${LAYOUT:-2018}
repeat=${REPEAT:-3}
seed=${SEED:-20240}
country=KZ
country3=KAZ  # vigil's store holds alpha-3 codes

if [[ ! -x "$build_dir/vigil" ]]; then
  echo "== $build_dir/vigil not found: configuring and building Release in $build_dir" >&2
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
  cmake --build "$build_dir" >&2
fi
if [[ ! -x "$build_dir/bench/make_ctdc_file" ]]; then
  # A tree configured with -DVIGIL_BUILD_BENCH=OFF (scripts/demo does this).
  cmake -S . -B "$build_dir" -DVIGIL_BUILD_BENCH=ON >/dev/null
  cmake --build "$build_dir" --target make_ctdc_file >&2
fi
vigil="$build_dir/vigil"
gen="$build_dir/bench/make_ctdc_file"
for tool in python3 sqlite3; do
  command -v "$tool" >/dev/null || { echo "import_profile.sh: $tool is required" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
csv="$tmp/ctdc${layout}_${rows}.csv"
db="$tmp/vigil.db"

now() { date +%s.%N; }

# median_of FILE: the median of the numbers in FILE, one per line.
median_of() { sort -g "$1" | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# timed NAME SETUP COMMAND...: runs SETUP (untimed, may be :) then COMMAND,
# REPEAT times; leaves the median wall time in $tmp/NAME.median. COMMAND's
# stdout goes to $tmp/NAME.out (the last run's), its stderr to $tmp/NAME.err.
timed() {
  local name=$1 setup=$2
  shift 2
  : >"$tmp/$name.times"
  for ((run = 1; run <= repeat; run++)); do
    eval "$setup"
    local start end
    start=$(now)
    if ! "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"; then
      echo "FAILED: $name: $*" >&2
      cat "$tmp/$name.err" >&2
      exit 1
    fi
    end=$(now)
    awk -v a="$start" -v b="$end" 'BEGIN {printf "%.6f\n", b - a}' >>"$tmp/$name.times"
  done
  median_of "$tmp/$name.times" >"$tmp/$name.median"
}

fresh_db() { rm -f "$db" "$db-wal" "$db-shm" "$db-journal"; }

sql() { printf ".parameter set @country '%s'\n" "$country3"; cat bench/profile_peer.sql; }
sql >"$tmp/peer.sql"
run_sqlite_peer() { sqlite3 -readonly "$db" <"$tmp/peer.sql"; }

echo "== $("$vigil" --version 2>/dev/null | head -1 || true), $rows rows, CTDC $layout layout," \
  "seed $seed, median of $repeat runs, $(nproc) cores"

timed generate : "$gen" --layout "$layout" --rows "$rows" --seed "$seed" -o "$csv"
echo "   file: $(du -h "$csv" | cut -f1), $(head -1 "$csv" | tr ',' '\n' | wc -l) columns"

timed import fresh_db "$vigil" import "$csv" --db "$db" --source bench --format json
stored=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rows_stored"])' \
  "$tmp/import.out")
if [[ "$stored" != "$rows" ]]; then
  echo "MISMATCH: vigil import stored $stored rows of $rows" >&2
  exit 1
fi

timed profile_db : "$vigil" profile --db "$db" --country "$country" --format json
timed profile_cases : "$vigil" profile --cases "$csv" --country "$country" --format json
timed peer_sqlite : run_sqlite_peer
timed peer_python : python3 bench/profile_peer.py csv "$csv" --country "$country"

# The checks. Any difference is a bug in vigil or in a peer: print it and fail.
status=0
python3 bench/profile_peer.py check "$tmp/profile_cases.out" "$tmp/peer_python.out" \
  --label "vigil profile --cases vs python csv" || status=1
python3 bench/profile_peer.py check "$tmp/profile_db.out" "$tmp/peer_sqlite.out" \
  --label "vigil profile --db vs sqlite3 queries" || status=1
if ! cmp -s "$tmp/profile_db.out" "$tmp/profile_cases.out"; then
  echo "MISMATCH: vigil profile --db and --cases differ on the same records:" >&2
  diff "$tmp/profile_db.out" "$tmp/profile_cases.out" | head -20 >&2 || true
  status=1
else
  echo "ok: vigil profile --db and --cases print identical JSON"
fi
if ((status != 0)); then
  echo "import_profile.sh: FAILED: vigil and its peers disagree (see above)" >&2
  trap - EXIT
  echo "inputs kept in $tmp" >&2
  exit 1
fi

# The table.
median() { cat "$tmp/$1.median"; }
rate() { awk -v r="$rows" -v s="$(median "$1")" 'BEGIN {printf "%.0f", r / s}'; }
versus() {  # versus VIGIL_STEP PEER_STEP PEER_NAME
  awk -v v="$(median "$1")" -v p="$(median "$2")" -v n="$3" 'BEGIN {
    if (v <= p) printf "%.2fx faster than %s", p / v, n; else printf "%.2fx slower than %s", v / p, n }'
}
echo
printf '%-34s %10s %12s  %s\n' "step" "wall s" "rows/s" "vs peer"
printf '%-34s %10s %12s  %s\n' "----" "------" "------" "-------"
row() { printf '%-34s %10.3f %12s  %s\n' "$1" "$(median "$2")" "$(rate "$2")" "${3:-}"; }
row "make_ctdc_file ($layout layout)" generate
row "vigil import (fresh store)" import
row "vigil profile --db" profile_db "$(versus profile_db peer_sqlite "sqlite3")"
row "  peer: sqlite3 queries on store" peer_sqlite
row "vigil profile --cases" profile_cases "$(versus profile_cases peer_python "python csv")"
row "  peer: python3 csv module" peer_python
