#!/usr/bin/env bash
# Reruns the R scripts behind the GLM tests' recorded reference values and
# checks that R still prints exactly what the tests hold, and writes the same
# fixtures. Registered with CTest as `r_references` when VIGIL_WITH_R=1 (R,
# MASS and sandwich installed by `VIGIL_WITH_R=1 scripts/setup`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fixtures="$here/../../fixtures/glm/families"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$fixtures/world_corridors.csv" "$work/"
Rscript "$here/families.R" "$work" > "$work/families.Rout" 2>/dev/null
diff "$here/families.Rout" "$work/families.Rout"
for file in "$work"/*.csv; do
  cmp "$file" "$fixtures/$(basename "$file")"
done
echo "R reproduces every recorded reference value and fixture"
