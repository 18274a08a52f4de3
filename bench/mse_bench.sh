#!/usr/bin/env bash
# Times vigil's Multiple Systems Estimation against the R packages analysts
# use, on the same data in the same run:
#   1. exhaustive search over every two-way model of UKdat (6 lists, 32,768
#      models): `vigil mse --method aic` vs R glm() over the same models
#      (bench/mse_all_models_peer.R);
#   2. 1,000 bootstrap replicates with stepwise reselection on UKdat:
#      `vigil mse --ci bca --bootstrap 1000` vs SparseMSE's
#      estimatepopulation(d, nboot = 1000, pthresh = 0.02, iseed = 1234).
# The R peers are installed as ../shared/peers/README.md says (R from Debian's
# r-base-core, Rcapture and SparseMSE into $HOME/peers/lib); without them
# only vigil's times are printed. Set SKIP_PEERS=1 to skip them anyway (the
# SparseMSE bootstrap takes about six minutes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build_dir=${BUILD_DIR:-build-release}
if [[ ! -x "$build_dir/vigil" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build_dir" --target vigil >/dev/null
vigil="$build_dir/vigil"
data=tests/fixtures/mse/UKdat.csv

seconds() {  # seconds COMMAND...: wall time of one run, output discarded
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

echo "== vigil $("$vigil" --version | cut -d' ' -f2), $(nproc) cores, $data"
search=$(seconds "$vigil" mse "$data" --method aic)
boot=$(seconds "$vigil" mse "$data" --ci bca --bootstrap 1000 --seed 1234)
printf '%-52s %10.2f s\n' "vigil: all 32,768 two-way models (--method aic)" "$search"
printf '%-52s %10.2f s\n' "vigil: 1,000 bootstrap replicates, stepwise (--ci bca)" "$boot"

peers="$HOME/peers/lib"
if [[ "${SKIP_PEERS:-0}" == 1 ]] || ! command -v Rscript >/dev/null || [[ ! -d "$peers/SparseMSE" ]]; then
  echo "(R peers not run: install them as ../shared/peers/README.md says)"
  exit 0
fi
peer_search=$(Rscript bench/mse_all_models_peer.R "$data" | sed -n 's/.*glm_seconds \([0-9.]*\).*/\1/p')
peer_boot=$(Rscript -e "suppressPackageStartupMessages(library(SparseMSE, lib.loc='$peers'));
  d <- read.csv('$data'); t <- system.time(estimatepopulation(d, nboot=1000, pthresh=0.02, iseed=1234));
  cat(t[['elapsed']])")
printf '%-52s %10.2f s  (vigil %.1fx faster)\n' "R glm(): the same 32,768 models" "$peer_search" \
  "$(echo "$peer_search / $search" | bc -l)"
printf '%-52s %10.2f s  (vigil %.1fx faster)\n' "SparseMSE estimatepopulation, nboot = 1000" "$peer_boot" \
  "$(echo "$peer_boot / $boot" | bc -l)"
