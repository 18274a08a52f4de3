# (3) Rcapture: closedp.t (all models) and closedpCI.t(m="Mt"), for every data set,
#     plus a numerical check of Rcapture's abundance stderr formula for Mt against R glm.
# Run from /work/main:  Rscript tests/mse/reference_scripts/03_rcapture.R
source(file.path("tests", "mse", "reference_scripts", "common.R"))
options(width = 200)

# Multinomial profile log-likelihood of N for the Mt model, written from the behaviour described in
# REFERENCE.md: Poisson glm on the 2^t cells (null cell with count N-n and an all-zero design row),
# loglik(N) = -deviance/2 + ct(N), ct = log( n0^n0 * N! / (N^N * n0!) ) or its Stirling form for N > 100.
prof_loglik <- function(N, d, control = glm.control()) {
  ft <- full_table(d); cn <- names(d)[ncol(d)]; n <- sum(d[[cn]]); n0 <- N - n
  z <- ft[1, ]; z[1, ] <- 0; z[[cn]] <- n0
  fa <- glm(as.formula(paste(cn, "~ .")), family = poisson, data = rbind(ft, z), control = control)
  if (N > 100) ct <- if (n0 == 0 || n0 == 1) -N + 0.5 * log(2 * pi * N) else n0 - N - 0.5 * log(n0 / N)
  else ct <- log((n0^n0) * factorial(N) / ((N^N) * factorial(n0)))
  -fa$deviance / 2 + ct
}
for (nm in DATASETS) {
  d <- read_mse(nm)
  m <- ncol(d) - 1; cn <- names(d)[m + 1]; n <- sum(d[[cn]])
  cat(sprintf("==== %s (observed n = %d, t = %d)\n", nm, n, m))

  cat("  -- cp <- closedp.t(d, dfreq=TRUE); cp$results (15 significant digits)\n")
  cp <- closedp.t(d, dfreq = TRUE)
  print(cp$results, digits = 15)
  cat("  -- asymptotic bias column (cp$bias)\n"); print(cp$bias, digits = 15)
  w <- cp$glm.warn[!sapply(cp$glm.warn, is.null)]
  if (length(w)) { cat("  -- warnings behind infoFit codes\n"); for (k in names(w)) cat(sprintf("    %s: %s\n", k, paste(w[[k]], collapse = " | "))) }
  cat("  -- printed table as Rcapture shows it\n"); print(cp)

  cat("  -- ci <- closedpCI.t(d, dfreq=TRUE, m=\"Mt\")\n")
  ci <- closedpCI.t(d, dfreq = TRUE, m = "Mt")
  cat("    ci$results:\n"); print(ci$results, digits = 15)
  cat("    ci$CI (multinomial profile-likelihood estimate and 95% interval):\n"); print(ci$CI, digits = 15)
  if (!is.null(ci$CI.warn)) cat(sprintf("    CI.warn: %s\n", paste(ci$CI.warn, collapse = " | ")))

  cat("  -- stderr check: Rcapture Mt stderr vs sqrt(exp(b0) + exp(2*b0)*var(b0)) from R glm on full table\n")
  fb <- glm(as.formula(paste(cn, "~ .")), family = poisson, data = full_table(d))
  b0 <- unname(coef(fb)[1]); v0 <- unname(vcov(fb)[1, 1])
  se_mine <- sqrt(exp(b0) + exp(2 * b0) * v0)
  N_mine <- n + exp(b0)
  cat(sprintf("    Rcapture Mt: N = %s  stderr = %s\n", g15(cp$results["Mt", "abundance"]), g15(cp$results["Mt", "stderr"])))
  cat(sprintf("    glm:         N = %s  stderr = %s\n", g15(N_mine), g15(se_mine)))
  cat(sprintf("    |diff N| = %s  |diff stderr| = %s  (Rcapture's own Mt glm intercept %s, var %s)\n",
              g15(abs(N_mine - cp$results["Mt", "abundance"])), g15(abs(se_mine - cp$results["Mt", "stderr"])),
              g15(coef(cp$glm$Mt)[1]), g15(vcov(cp$glm$Mt)[1, 1])))
  cat(sprintf("    Mt deviance/df/AIC from glm: %s / %d / %s ; BIC = AIC + (log(n)-2)*rank = %s\n",
              g15(fb$deviance), fb$df.residual, g15(fb$aic), g15(fb$aic + (log(n) - 2) * fb$rank)))
  fc <- glm(as.formula(paste(cn, "~ .")), family = poisson, data = full_table(d), control = tight)
  b0 <- unname(coef(fc)[1]); v0 <- unname(vcov(fc)[1, 1])
  cat(sprintf("    same at the exact MLE (glm epsilon=1e-15): N = %s  stderr = %s\n", g15(n + exp(b0)), g15(sqrt(exp(b0) + exp(2 * b0) * v0))))
  cat("  -- profile-likelihood check (own evaluation of the profile log-likelihood, see REFERENCE.md)\n")
  Nmax <- ci$CI[1, "abundance"]; lo <- ci$CI[1, "infCL"]; hi <- ci$CI[1, "supCL"]
  lmax <- prof_loglik(Nmax, d); crit <- qchisq(0.95, 1) / 2
  cat(sprintf("    l(Nmax)=%s ; l(infCL)-l(Nmax)=%s ; l(supCL)-l(Nmax)=%s (target -%s)\n", g15(lmax),
              g15(prof_loglik(lo, d) - lmax), g15(prof_loglik(hi, d) - lmax), g15(crit)))
  op <- optimize(function(N) prof_loglik(N, d, tight), c(n, 1.5 * cp$results["Mt", "abundance"]), tol = 1e-10, maximum = TRUE)
  lm2 <- op$objective; g <- function(N) prof_loglik(N, d, tight) - (lm2 - crit)
  lo2 <- uniroot(g, c(n, op$maximum), tol = 1e-10)$root; hi2 <- uniroot(g, c(op$maximum, 3 * cp$results["Mt", "abundance"]), tol = 1e-10)$root
  cat(sprintf("    re-solved with tol 1e-10 (glm epsilon 1e-15): Nmax=%s  interval=[%s, %s]\n", g15(op$maximum), g15(lo2), g15(hi2)))
  cat(sprintf("    |Rcapture - re-solved|: Nmax %s, infCL %s, supCL %s\n", g15(abs(Nmax - op$maximum)), g15(abs(lo - lo2)), g15(abs(hi - hi2))))
  cat("\n")
}
