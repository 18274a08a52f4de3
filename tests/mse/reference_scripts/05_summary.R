# Key numbers for every data set as markdown tables (these are the tables at the top of REFERENCE.md).
# Run from /work/main:  Rscript tests/mse/reference_scripts/05_summary.R
source(file.path("tests", "mse", "reference_scripts", "common.R"))
row <- function(...) cat("|", paste(c(...), collapse = " | "), "|\n")
rs <- list()
for (nm in DATASETS) {
  d <- read_mse(nm); m <- ncol(d) - 1; cn <- names(d)[m + 1]; n <- sum(d[[cn]])
  fo <- as.formula(paste(cn, "~ ."))
  ft <- full_table(d)
  fb <- glm(fo, family = poisson, data = ft); fc <- glm(fo, family = poisson, data = ft, control = tight)
  fa <- glm(fo, family = poisson, data = d)
  es <- estimatepopulation.0(d, method = "stepwise", quantiles = c(0.025, 0.975))
  em <- estimatepopulation.0(d, method = "main")
  sf <- es$MSEfit$fit
  sc <- glm(formula(sf), family = poisson, data = sf$data, control = tight)
  cp <- closedp.t(d, dfreq = TRUE); ci <- closedpCI.t(d, dfreq = TRUE, m = "Mt")
  terms2 <- attr(terms(formula(sf)), "term.labels"); terms2 <- terms2[grepl(":", terms2)]
  rs[[nm]] <- list(n = n, fa = fa, fb = fb, fc = fc, es = es, em = em, sf = sf, sc = sc, cp = cp, ci = ci,
                   terms2 = terms2, eo = es$MSEfit$emptyoverlaps)
}
se0 <- function(f) sqrt(vcov(f)[1, 1])
rse <- function(f, n) { b <- coef(f)[1]; sqrt(exp(b) + exp(2 * b) * vcov(f)[1, 1]) }

cat("### A. Main-effects (independence) model, glm on the FULL table (2^t-1 cells incl. zeros) = Rcapture Mt = SparseMSE main\n\n")
row("data", "n obs", "cells", "intercept b0", "se(b0) R default", "se(b0) exact MLE", "deviance", "df.res", "AIC", "logLik", "exp(b0)", "total N = n+exp(b0)")
row(rep("---", 12))
for (nm in DATASETS) with(rs[[nm]], row(nm, n, nrow(fb$model), g15(coef(fb)[1]), g15(se0(fb)), g15(se0(fc)), g15(fb$deviance),
                                        fb$df.residual, g15(fb$aic), g15(as.numeric(logLik(fb))), g15(exp(coef(fb)[1])), g15(n + exp(coef(fb)[1]))))
cat("\n### B. Same formula on the OBSERVED rows only, glm(count ~ ., poisson, data=d) (NOT the MSE model)\n\n")
row("data", "rows", "intercept b0", "se(b0)", "deviance", "null.dev", "df.res", "AIC", "logLik", "total n+exp(b0)")
row(rep("---", 10))
for (nm in DATASETS) with(rs[[nm]], row(nm, nrow(fa$model), g15(coef(fa)[1]), g15(se0(fa)), g15(fa$deviance), g15(fa$null.deviance),
                                        fa$df.residual, g15(fa$aic), g15(as.numeric(logLik(fa))), g15(n + exp(coef(fa)[1]))))
cat("\n### C. SparseMSE estimatepopulation.0 (normal approximation on log scale), stepwise (pthresh=0.02) and main\n\n")
row("data", "stepwise: added pairs (in order of addition = order in formula)", "empty pairs", "b0", "se(b0)", "deviance", "df.res", "AIC (SparseMSE)", "2.5%", "point", "97.5%")
row(rep("---", 11))
for (nm in DATASETS) with(rs[[nm]], row(nm, if (length(terms2)) paste(terms2, collapse = ", ") else "(none)",
                                        if (ncol(eo)) paste(colnames(eo), collapse = ",") else "-", g15(coef(sf)[1]), g15(se0(sf)), g15(sf$deviance),
                                        sf$df.residual, g15(sf$aic), g15(es$estimate[1]), g15(es$estimate[2]), g15(es$estimate[3])))
cat("\n")
row("data", "main: 2.5%", "point", "97.5%", "stepwise model at exact MLE: b0", "se(b0)", "total")
row(rep("---", 7))
for (nm in DATASETS) with(rs[[nm]], row(nm, g15(em$estimate[1]), g15(em$estimate[2]), g15(em$estimate[3]),
                                        g15(coef(sc)[1]), g15(se0(sc)), g15(n + exp(coef(sc)[1]))))
cat("\n### D. Rcapture Mt: closedp.t / closedpCI.t(m=\"Mt\")\n\n")
row("data", "abundance (Poisson) n+exp(b0)", "stderr", "stderr at exact MLE", "deviance", "df", "AIC", "BIC", "multinomial N (profile max)", "95% profile infCL", "supCL")
row(rep("---", 11))
for (nm in DATASETS) with(rs[[nm]], row(nm, g15(cp$results["Mt", 1]), g15(cp$results["Mt", 2]), g15(rse(fc, n)), g15(cp$results["Mt", 3]),
                                        cp$results["Mt", 4], g15(cp$results["Mt", 5]), g15(cp$results["Mt", 6]),
                                        g15(ci$CI[1, 1]), g15(ci$CI[1, 2]), g15(ci$CI[1, 3])))
