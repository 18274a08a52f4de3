# R and package versions used for the reference numbers.
# Run from /work/main:  Rscript tests/mse/reference_scripts/00_session.R
source(file.path("tests", "mse", "reference_scripts", "common.R"))
library(lpSolve)
cat("Rcapture  ", as.character(packageVersion("Rcapture", lib.loc = peers_lib)), "\n")
cat("SparseMSE ", as.character(packageVersion("SparseMSE", lib.loc = peers_lib)), "\n")
cat("lpSolve   ", as.character(packageVersion("lpSolve")), "\n")
print(sessionInfo())
