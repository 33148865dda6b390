#!/usr/bin/env bash
# Regenerates data/attrition.csv from Debian's r-cran-modeldata (the IBM HR Analytics
# attrition data set as packaged by tidymodels' modeldata, MIT licence) and checks that it
# is byte for byte the file the model was trained on.
set -euo pipefail
cd "$(dirname "$0")"
out=data/attrition.csv

if ! Rscript -e 'stopifnot(requireNamespace("modeldata", quietly = TRUE))' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    apt-get install -y --no-install-recommends r-base-core r-cran-modeldata
  else
    echo "R with the modeldata package is needed: apt-get install -y --no-install-recommends r-base-core r-cran-modeldata" >&2
    exit 1
  fi
fi

Rscript -e "data(attrition, package = 'modeldata'); write.csv(attrition, '$out', row.names = FALSE)"
sha256sum --check data/attrition.csv.sha256
