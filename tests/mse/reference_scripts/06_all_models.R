# Exhaustive search over every model with the main effects and any subset of
# the two-list interactions, ranked by AIC and BIC, with the AIC-weighted
# average total (Buckland, Burnham & Augustin 1997). An independent reference
# for vigil's search_all_models: plain glm() on the full table, tight
# convergence. Rcapture's BIC: AIC + (log(n) - 2) * parameters, n observed.
# Run from the project root: Rscript tests/mse/reference_scripts/06_all_models.R
source(file.path("tests", "mse", "reference_scripts", "common.R"))

search <- function(name) {
  d <- read_mse(name)
  ft <- full_table(d)
  m <- ncol(d) - 1
  vn <- names(d)[1:m]
  cn <- names(d)[m + 1]
  pairs <- combn(m, 2)
  n <- sum(d[[cn]])
  res <- data.frame()
  for (mask in 0:(2^ncol(pairs) - 1)) {
    take <- which(bitwAnd(mask, 2^(0:(ncol(pairs) - 1))) > 0)
    terms <- c(vn, apply(pairs[, take, drop = FALSE], 2, function(p) paste(vn[p], collapse = ":")))
    f <- as.formula(paste(cn, "~", paste(terms, collapse = " + ")))
    fit <- glm(f, family = poisson, data = ft, control = glm.control(epsilon = 1e-14, maxit = 200))
    b0 <- coef(fit)[1]
    v00 <- vcov(fit)[1, 1]
    n0 <- exp(b0)
    k <- fit$rank
    res <- rbind(res, data.frame(mask = mask, model = paste(terms[-(1:m)], collapse = ","),
                                 aic = fit$aic, bic = fit$aic + (log(n) - 2) * k,
                                 total = n + n0, se = sqrt(n0 + n0^2 * v00)))
  }
  w <- exp(-(res$aic - min(res$aic)) / 2)
  w <- w / sum(w)
  avg <- sum(w * res$total)
  avg_se <- sum(w * sqrt(res$se^2 + (res$total - avg)^2))
  cat("==", name, ":", nrow(res), "models\n")
  a <- res[order(res$aic, res$mask), ][1:3, ]
  b <- res[order(res$bic, res$mask), ][1:3, ]
  cat("best by AIC:\n")
  for (i in 1:3) cat(sprintf("  [%s] aic %s total %s\n", a$model[i], g15(a$aic[i]), g15(a$total[i])))
  cat("best by BIC:\n")
  for (i in 1:3) cat(sprintf("  [%s] bic %s total %s\n", b$model[i], g15(b$bic[i]), g15(b$total[i])))
  cat("AIC-weighted average total", g15(avg), "se", g15(avg_se), "\n")
}

for (name in c("Western", "NewOrl_5", "Artificial_3")) search(name)
