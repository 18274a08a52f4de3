# Peer for bench/mse_bench.sh: fit every model with the main effects and any
# subset of the two-list interactions to a capture-history table with R's
# glm() (the full table of 2^t - 1 histories, as Rcapture and SparseMSE fit
# them), and report the best AIC model and the run time. Also times
# SparseMSE's checkallmodels(), which only checks every model's existence.
# Usage: Rscript bench/mse_all_models_peer.R FILE.csv
args <- commandArgs(trailingOnly = TRUE)
peers_lib <- file.path(Sys.getenv("HOME"), "peers/lib")
suppressPackageStartupMessages(library(SparseMSE, lib.loc = peers_lib))
d <- read.csv(args[1])
m <- ncol(d) - 1
vn <- names(d)[1:m]
cn <- names(d)[m + 1]
g <- expand.grid(rep(list(0:1), m))
names(g) <- vn
g <- g[rowSums(g) > 0, , drop = FALSE]
key_g <- as.matrix(g) %*% 2^(0:(m - 1))
key_d <- as.matrix(d[, 1:m]) %*% 2^(0:(m - 1))
g[[cn]] <- sapply(key_g, function(k) sum(d[[cn]][key_d == k]))
pairs <- combn(m, 2)
start <- proc.time()[["elapsed"]]
best_aic <- Inf
best_total <- NA
for (mask in 0:(2^ncol(pairs) - 1)) {
  take <- which(bitwAnd(mask, 2^(0:(ncol(pairs) - 1))) > 0)
  terms <- c(vn, apply(pairs[, take, drop = FALSE], 2, function(p) paste(vn[p], collapse = ":")))
  fit <- suppressWarnings(glm(as.formula(paste(cn, "~", paste(terms, collapse = " + "))),
                              family = poisson, data = g))
  if (fit$aic < best_aic) {
    best_aic <- fit$aic
    best_total <- sum(d[[cn]]) + exp(coef(fit)[[1]])
  }
}
fit_seconds <- proc.time()[["elapsed"]] - start
start <- proc.time()[["elapsed"]]
invisible(capture.output(checkallmodels(d)))
check_seconds <- proc.time()[["elapsed"]] - start
cat(sprintf("models %d best_aic %.10g best_total %.10g glm_seconds %.3f checkallmodels_seconds %.3f\n",
            2^ncol(pairs), best_aic, best_total, fit_seconds, check_seconds))
