# (2)+(4) SparseMSE: stepwise-selected model and main-effects model, for every data set.
# Run from /work/main:  Rscript tests/mse/reference_scripts/02_sparsemse.R
#  - estimatepopulation.0(d, method="stepwise", quantiles=c(0.025,0.975))  (pthresh = 0.02 default)
#  - estimatepopulation.0(d, method="main")
#  - an independent step-by-step re-run of the stepwise rule (own code, using only SparseMSE's
#    exported modelfit()/checkident()), printing every candidate's statistic at every step;
#    it is checked to end in the same model as SparseMSE::stepwisefit.
#  - the selected model refitted explicitly with glm on the full table (zero cells included,
#    cells containing a non-overlapping selected pair removed), default and tight convergence,
#    plus the same formula on the observed rows only (NOT the MSE model; recorded on request).
#  - numerical check of the interval formula  n + exp(qnorm(q, b0, sqrt(cov.unscaled[1,1]))).
source(file.path("tests", "mse", "reference_scripts", "common.R"))

for (nm in DATASETS) {
  d <- read_mse(nm)
  m <- ncol(d) - 1; cn <- names(d)[m + 1]; n <- sum(d[[cn]])
  cat(sprintf("==== %s (observed n = %d)\n", nm, n))

  cat("  -- estimatepopulation.0(d, method=\"stepwise\", quantiles=c(0.025,0.975))\n")
  es <- estimatepopulation.0(d, method = "stepwise", quantiles = c(0.025, 0.975))
  print(es$estimate, digits = 15)
  sf <- es$MSEfit$fit
  cat(sprintf("    selected formula: %s\n", paste(deparse(formula(sf), width.cutoff = 500L), collapse = " ")))
  eo <- es$MSEfit$emptyoverlaps
  cat(sprintf("    emptyoverlaps in model: %s\n", if (ncol(eo)) paste(colnames(eo), collapse = ", ") else "none"))
  if (!is.null(es$MSEfit$poisspempty)) { cat("    poisspempty: "); print(es$MSEfit$poisspempty, digits = 15) }
  cat(sprintf("    SparseMSE fit: deviance %s  df.residual %d  AIC (adjusted +2/empty pair) %s  cells %d\n",
              g15(sf$deviance), sf$df.residual, g15(sf$aic), nrow(sf$data)))

  cat("  -- estimatepopulation.0(d, method=\"main\")  (quantiles default c(0.025,0.975))\n")
  em <- estimatepopulation.0(d, method = "main")
  print(em$estimate, digits = 15)

  cat("  -- step-by-step trace of the stepwise rule (pthresh = 0.02)\n")
  tr <- trace_stepwise(d)
  same <- isTRUE(all.equal(coef(tr$fit), coef(sf), tolerance = 0)) && identical(names(coef(tr$fit)), names(coef(sf)))
  cat(sprintf("    trace ends in same model/coefs as stepwisefit: %s ; order added: %s\n", same,
              if (length(tr$added)) paste(tr$added, collapse = ", ") else "(none)"))

  cat("  -- selected model refitted explicitly with glm\n")
  ft <- full_table(d)
  if (ncol(eo)) for (k in seq_len(ncol(eo))) ft <- ft[ft[[eo[1, k]]] * ft[[eo[2, k]]] == 0, ]
  fo <- formula(sf); environment(fo) <- globalenv()
  fb <- glm(fo, family = poisson, data = ft)
  rb <- glm_report("selected model, full table (zero cells incl.)", fb, n)
  if (ncol(eo)) cat(sprintf("    (AIC incl. SparseMSE's +2 per empty pair: %s)\n", g15(fb$aic + 2 * ncol(eo))))
  cat(sprintf("    max |coef(explicit glm) - coef(SparseMSE fit)| = %s\n", g15(max(abs(coef(fb) - coef(sf))))))
  fc <- glm(fo, family = poisson, data = ft, control = tight)
  rc <- glm_report("selected model, full table, glm.control(epsilon=1e-15, maxit=200)", fc, n)
  fa <- glm(fo, family = poisson, data = d)
  glm_report("selected formula on OBSERVED rows only (not the MSE model)", fa, n)

  cat("  -- interval formula check: n + exp(b0 + qnorm(q)*sqrt(summary(fit)$cov.unscaled[1,1]))\n")
  for (pair in list(list("stepwise", sf, es), list("main", em$MSEfit$fit, em))) {
    f <- pair[[2]]; b0 <- unname(coef(f)[1]); s0 <- sqrt(summary(f)$cov.unscaled[1, 1])
    mine <- n + exp(b0 + qnorm(c(0.025, 0.5, 0.975)) * s0)
    cat(sprintf("    %-8s b0=%s se(b0)=%s  mine=[%s, %s, %s]  max|mine - SparseMSE| = %s\n", pair[[1]],
                g15(b0), g15(s0), g15(mine[1]), g15(mine[2]), g15(mine[3]),
                g15(max(abs(mine - unname(pair[[3]]$estimate))))))
  }
  cat("\n")
}
