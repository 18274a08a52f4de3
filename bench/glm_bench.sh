#!/usr/bin/env bash
# Times vigil's GLM engines against the tools analysts use, on the same data
# in the same run:
#   1. a Poisson GLM with 1,000,000 rows and 20 covariates: vigil's fit_glm
#      (bench/glm_bench.cpp) against R's glm() (bench/glm_peer.R) and
#      statsmodels' GLM (bench/glm_peer.py), each timed from data in memory;
#   2. a fixed-effects Poisson with 200,000 corridor-years and origin,
#      destination and year effects (bench/fepois_bench.cpp), and its small
#      20,000-row twin that R's glm() can still fit with dummies
#      (bench/fepois_peer.R).
# R comes from Debian's r-base-core, statsmodels from python3-statsmodels
# (`VIGIL_WITH_R=1 scripts/setup` installs both); without them only vigil's
# times are printed. ROWS=N changes the size of the first benchmark.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build_dir=${BUILD_DIR:-build-release}
rows=${ROWS:-1000000}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DVIGIL_BUILD_BENCH=ON >/dev/null
cmake --build "$build_dir" --target glm_bench fepois_bench >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

field() {  # field NAME LINE: the number after NAME in LINE
  awk -v name="$1" '{ for (i = 1; i < NF; ++i) if ($i == name) { print $(i + 1); exit } }' <<<"$2"
}

echo "== Poisson GLM, $rows rows x 20 covariates ($(nproc) cores)"
vigil_line=$("$build_dir/bench/glm_bench" --rows "$rows" --covariates 20 --write-csv "$work/glm.csv")
vigil_s=$(field seconds "$vigil_line")
printf '%-44s %8.2f s  (%s IRLS iterations)\n' "vigil fit_glm" "$vigil_s" "$(field iterations "$vigil_line")"
if command -v Rscript >/dev/null; then
  r_out=$(Rscript bench/glm_peer.R "$work/glm.csv")
  r_s=$(field r_glm_seconds "$(head -1 <<<"$r_out")")
  r_tight=$(field r_glm_tight_seconds "$(tail -1 <<<"$r_out")")
  printf '%-44s %8.2f s  ratio R / vigil %.1f\n' "R glm() (epsilon 1e-8, R's default)" "$r_s" "$(echo "$r_s / $vigil_s" | bc -l)"
  printf '%-44s %8.2f s  ratio R / vigil %.1f\n' "R glm() (epsilon 1e-12, vigil's)" "$r_tight" "$(echo "$r_tight / $vigil_s" | bc -l)"
  echo "deviances: vigil $(field deviance "$vigil_line"), R $(field deviance "$(tail -1 <<<"$r_out")")"
fi
if /usr/bin/python3 -c "import statsmodels" 2>/dev/null; then
  sm_line=$(/usr/bin/python3 bench/glm_peer.py "$work/glm.csv")
  sm_s=$(field statsmodels_seconds "$sm_line")
  printf '%-44s %8.2f s  ratio statsmodels / vigil %.1f\n' "statsmodels GLM (tol 1e-8)" "$sm_s" "$(echo "$sm_s / $vigil_s" | bc -l)"
fi

echo
echo "== Fixed-effects Poisson (origin, destination, year)"
fe_out=$("$build_dir/bench/fepois_bench" --write-csv "$work/fe_small.csv" --repeat 3)
small_s=$(field vigil_seconds "$(grep '^small: vigil_seconds' <<<"$fe_out")")
large_s=$(field vigil_seconds "$(grep '^large: vigil_seconds' <<<"$fe_out")")
printf '%-44s %8.2f s\n' "vigil, 200,000 corridor-years (large)" "$large_s"
printf '%-44s %8.2f s\n' "vigil, 20,000 corridor-years (small)" "$small_s"
if command -v Rscript >/dev/null; then
  r_fe=$(field r_seconds "$(grep 'r_seconds' <<<"$(Rscript bench/fepois_peer.R "$work/fe_small.csv" 1)")")
  printf '%-44s %8.2f s  ratio R / vigil %.0f\n' "R glm() with dummies, small" "$r_fe" "$(echo "$r_fe / $small_s" | bc -l)"
fi
