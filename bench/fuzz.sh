#!/usr/bin/env bash
# Builds vigil's libFuzzer targets (fuzz/, see fuzz/README.md) with clang in
# build-fuzz/ and runs each in turn, then prints per target the executions,
# the coverage libFuzzer reached (cov: edges, ft: features), the working
# corpus and the crashes.
#
#   bench/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   default 60 s, every target
#
#   BUILD_DIR   build directory (default build-fuzz)
#   JOBS        processes per target (default 2): libFuzzer's -fork=JOBS
#   FUZZ_FLAGS  more libFuzzer flags, e.g. "-max_len=65536"
#
# The seeds are fuzz/corpus/TARGET/ and fuzz/regressions/TARGET/ (read only);
# what libFuzzer adds goes to BUILD_DIR/fuzz-work/TARGET/corpus/, kept between
# runs and never committed. An input that crashes, hangs (10 s) or runs out of
# memory (2 GB) is written to fuzz/regressions/TARGET/ (crash-*, timeout-*,
# oom-*): fix the cause, then keep the file (rename it to say what it was) so
# that `scripts/test` replays it. Every run is appended to
# BUILD_DIR/fuzz-work/history.tsv, whose totals the table shows too.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

seconds=${1:-60}
[[ $# -gt 0 ]] && shift
if ! [[ $seconds =~ ^[0-9]+$ ]] || [[ $seconds -eq 0 ]]; then
  echo "usage: bench/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2
  exit 2
fi
build_dir=${BUILD_DIR:-build-fuzz}
jobs=${JOBS:-2}
read -r -a extra_flags <<<"${FUZZ_FLAGS:-}"

# The targets, in fuzz/targets.cmake's order ("name:libraries" entries).
mapfile -t all_targets < <(sed -n 's/^ *"\([a-z_]*\):.*/\1/p' fuzz/targets.cmake)
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all_targets[@]}")
for target in "${targets[@]}"; do
  if ! printf '%s\n' "${all_targets[@]}" | grep -qx "$target"; then
    echo "fuzz.sh: no target \"$target\"; the targets are ${all_targets[*]}" >&2
    exit 2
  fi
done

scripts/setup
CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DVIGIL_FUZZ=ON -DVIGIL_BUILD_TESTS=OFF -DVIGIL_BUILD_BENCH=OFF >/dev/null
nice -n 10 cmake --build "$build_dir" --target fuzz_targets -j "$jobs"

# The dictionary of each target (fuzz/dict/).
dictionary() {
  case "$1" in
    case_csv) echo fuzz/dict/case_csv.dict ;;
    capture_histories) echo fuzz/dict/capture_histories.dict ;;
    formula) echo fuzz/dict/formula.dict ;;
    toml_config) echo fuzz/dict/toml.dict ;;
    *) echo fuzz/dict/csv.dict ;;
  esac
}

count_files() { find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l; }

work_root="$build_dir/fuzz-work"
history="$work_root/history.tsv"
mkdir -p "$work_root"
[[ -f $history ]] || printf 'date\ttarget\tseconds\texecutions\tcov\tft\tcorpus\tcrashes\n' >"$history"
results=()
for target in "${targets[@]}"; do
  work="$work_root/$target"
  regressions="fuzz/regressions/$target"
  mkdir -p "$work/corpus" "$regressions"
  log="$work/$(date +%Y%m%d-%H%M%S).log"
  before=$(count_files "$regressions")
  echo "fuzz.sh: $target for ${seconds}s on $jobs processes (log $log)" >&2
  # libFuzzer exits non-zero when it found something; the table says what.
  nice -n 10 "$build_dir/fuzz/fuzz_$target" -fork="$jobs" -max_total_time="$seconds" \
    -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 -timeout=10 -rss_limit_mb=2048 \
    -dict="$(dictionary "$target")" -artifact_prefix="$regressions/" -print_final_stats=1 \
    "${extra_flags[@]}" "$work/corpus" "fuzz/corpus/$target" "$regressions" >"$log" 2>&1 || true
  # The last status line: "#EXECS: cov: C ft: F corp: N exec/s E oom/timeout/crash: a/b/c ...".
  status=$(grep -aE '^#[0-9]+: cov: ' "$log" | tail -n 1 || true)
  executions=$(sed -nE 's/^#([0-9]+):.*/\1/p' <<<"$status")
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$status")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$status")
  corpus=$(count_files "$work/corpus")
  crashes=$(($(count_files "$regressions") - before))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$target" "$seconds" \
    "${executions:-0}" "${cov:-?}" "${ft:-?}" "$corpus" "$crashes" >>"$history"
  total=$(awk -F'\t' -v t="$target" 'NR > 1 && $2 == t { s += $4 } END { printf "%d", s }' "$history")
  results+=("$(printf '%-18s %12s %14s %7s %7s %8s %8s' "$target" "${executions:-0}" "$total" \
    "${cov:-?}" "${ft:-?}" "$corpus" "$crashes")")
done

printf '\n%-18s %12s %14s %7s %7s %8s %8s\n' target executions "all runs" cov ft corpus crashes
printf '%s\n' "${results[@]}"
echo "(executions: this run; all runs: the sum in $history; crashes: new files in fuzz/regressions/)"
