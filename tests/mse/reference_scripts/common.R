# Shared helpers for the MSE reference scripts.
# Run the scripts from the project root (/work/main):  Rscript tests/mse/reference_scripts/NN_xxx.R
# Peers are installed per ../shared/peers/README.md into $HOME/peers/lib.
peers_lib <- file.path(Sys.getenv("HOME"), "peers/lib")
suppressPackageStartupMessages({
  library(Rcapture, lib.loc = peers_lib)
  library(SparseMSE, lib.loc = peers_lib)
})

DATASETS <- c("UKdat", "UKdat_5", "NewOrl", "NewOrl_5", "Western", "Artificial_3")

read_mse <- function(name) {
  read.csv(file.path("..", "shared", "data", "mse", paste0(name, ".csv")))
}

# 15 significant digits
g15 <- function(x) sprintf("%.15g", x)

# Full contingency table: every non-null capture history (2^t - 1 rows), zero counts included.
# Row order here: histories sorted by number of lists, then as built by expand.grid.
full_table <- function(d) {
  m <- ncol(d) - 1
  vn <- names(d)[1:m]
  g <- expand.grid(rep(list(0:1), m))
  names(g) <- vn
  g <- g[rowSums(g) > 0, , drop = FALSE]
  g <- g[order(rowSums(g)), , drop = FALSE]
  key_g <- as.matrix(g) %*% 2^(0:(m - 1))
  key_d <- as.matrix(d[, 1:m]) %*% 2^(0:(m - 1))
  cnt <- numeric(nrow(g))
  for (i in seq_len(nrow(d))) cnt[key_g == key_d[i]] <- cnt[key_g == key_d[i]] + d[i, m + 1]
  g[[names(d)[m + 1]]] <- cnt
  rownames(g) <- NULL
  g
}

# Print a full report for a fitted Poisson glm.  nobs = number of observed cases.
glm_report <- function(label, fit, nobs) {
  s <- summary(fit)
  cf <- s$coefficients
  cat(sprintf("  [%s]\n", label))
  cat(sprintf("    formula: %s\n", paste(deparse(formula(fit), width.cutoff = 500L), collapse = " ")))
  cat(sprintf("    rows (cells) used: %d   converged: %s   iter: %d\n", nrow(fit$model), fit$converged, fit$iter))
  cat(sprintf("    %-12s %-24s %-24s\n", "term", "estimate", "std.error"))
  for (i in seq_len(nrow(cf)))
    cat(sprintf("    %-12s %-24s %-24s\n", rownames(cf)[i], g15(cf[i, 1]), g15(cf[i, 2])))
  b0 <- unname(coef(fit)[1]); v0 <- unname(vcov(fit)[1, 1])
  f0 <- exp(b0)
  cat(sprintf("    deviance        %s\n", g15(fit$deviance)))
  cat(sprintf("    null.deviance   %s\n", g15(fit$null.deviance)))
  cat(sprintf("    df.residual     %d\n", fit$df.residual))
  cat(sprintf("    df.null         %d\n", fit$df.null))
  cat(sprintf("    AIC             %s\n", g15(fit$aic)))
  cat(sprintf("    logLik          %s  (df=%d)\n", g15(as.numeric(logLik(fit))), attr(logLik(fit), "df")))
  cat(sprintf("    var(intercept)  %s\n", g15(v0)))
  cat(sprintf("    unobserved exp(intercept) %s\n", g15(f0)))
  cat(sprintf("    observed n      %d\n", as.integer(nobs)))
  cat(sprintf("    total n+exp(b0) %s\n", g15(nobs + f0)))
  cat(sprintf("    Rcapture-style stderr sqrt(f0 + f0^2*var(b0)) = %s\n", g15(sqrt(f0 + f0^2 * v0))))
  z <- qnorm(0.975)
  cat(sprintf("    SparseMSE-style 95%% interval n+exp(b0 -/+ qnorm(0.975)*se(b0)) = [%s, %s]\n",
              g15(nobs + exp(b0 - z * sqrt(v0))), g15(nobs + exp(b0 + z * sqrt(v0)))))
  invisible(list(b0 = b0, v0 = v0, total = nobs + f0))
}

tight <- glm.control(epsilon = 1e-15, maxit = 200)

# Independent step-by-step re-run of SparseMSE's stepwise rule (written from the documented
# behaviour; uses only SparseMSE's exported modelfit() and checkident()).  Prints, at every step,
# each candidate pair's overlap count n*, its fitted Poisson mean lambda*, both Poisson tails,
# checkident's code and the p-value actually used (1 if checkident > 0).
pairs_of <- function(m) { p <- NULL; for (i in 1:(m - 1)) for (j in (i + 1):m) p <- cbind(p, c(i, j)); p }

trace_stepwise <- function(d, pthresh = 0.02) {
  m <- ncol(d) - 1; vn <- names(d)[1:m]
  ints <- pairs_of(m); K <- ncol(ints)
  cnt <- d[[m + 1]]
  nstar <- sapply(1:K, function(k) sum(d[[ints[1, k]]] * d[[ints[2, k]]] * cnt))
  incl <- rep(FALSE, K); mX <- NULL
  fit <- modelfit(d, mX = NULL, check = FALSE)$fit
  added <- character(0)
  for (cycle in 1:K) {
    mu <- exp(predict(fit)); dat <- fit$data
    cat(sprintf("    step %d  (current model: main%s)\n", cycle,
                if (length(added)) paste0(" + ", paste(added, collapse = " + ")) else ""))
    cat(sprintf("      %-10s %6s %-22s %-22s %-22s %-22s %-10s %s\n", "pair", "nstar", "lambda*",
                "P(X<=n*)", "P(X>=n*)", "p=min(both)", "checkident", "p used"))
    pv <- rep(1, K)
    for (k in 1:K) if (!incl[k]) {
      lam <- sum(mu * dat[[ints[1, k]]] * dat[[ints[2, k]]])
      lo <- ppois(nstar[k], lam); hi <- ppois(nstar[k] - 1, lam, lower.tail = FALSE)
      pv[k] <- min(lo, hi)
      ierr <- checkident(d, cbind(mX, ints[, k]))
      p_raw <- pv[k]
      if (ierr > 0) pv[k] <- 1
      cat(sprintf("      %-10s %6d %-22s %-22s %-22s %-22s %-10d %s\n", paste(vn[ints[, k]], collapse = ":"),
                  as.integer(nstar[k]), g15(lam), g15(lo), g15(hi), g15(p_raw), ierr, g15(pv[k])))
    }
    pmin <- min(pv)
    if (pmin >= pthresh) { cat(sprintf("      -> smallest p = %s >= pthresh = %g: STOP\n", g15(pmin), pthresh)); break }
    k <- min(which(pv == pmin))
    nties <- sum(pv == pmin)
    cat(sprintf("      -> ADD %s (p = %s)%s\n", paste(vn[ints[, k]], collapse = ":"), g15(pmin),
                if (nties > 1) sprintf("  [%d candidates tie at this p; lowest pair index taken]", nties) else ""))
    mX <- cbind(mX, ints[, k]); incl[k] <- TRUE
    added <- c(added, paste(vn[ints[, k]], collapse = ":"))
    fit <- modelfit(d, mX = mX, check = FALSE)$fit
  }
  list(mX = mX, added = added, fit = fit)
}

