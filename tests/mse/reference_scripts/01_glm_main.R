# (1) Main-effects (independence) log-linear model, R glm, for every data set.
# Run from /work/main:  Rscript tests/mse/reference_scripts/01_glm_main.R
#  (a) glm(count ~ ., family=poisson, data=d) on the OBSERVED rows only (as the CSV is).
#      NOTE: this is NOT the MSE model: cells with zero count are missing, so it does not
#      reproduce Rcapture/SparseMSE; recorded because it was asked for.
#  (b) the same formula on the FULL table: all 2^t-1 non-null histories, zeros included.
#      This is the model Rcapture "Mt" and SparseMSE method="main" fit.
#  (c) = (b) with glm.control(epsilon=1e-15, maxit=200), i.e. the MLE to machine precision.
source(file.path("tests", "mse", "reference_scripts", "common.R"))
for (nm in DATASETS) {
  d <- read_mse(nm)
  cn <- names(d)[ncol(d)]
  n <- sum(d[[cn]])
  fo <- as.formula(paste(cn, "~ ."))
  cat(sprintf("==== %s  (lists: %s; observed n = %d)\n", nm, paste(names(d)[-ncol(d)], collapse = ","), n))
  fa <- glm(fo, family = poisson, data = d)
  glm_report("a: observed rows only: glm(count ~ ., poisson, data=d)", fa, n)
  ft <- full_table(d)
  fb <- glm(fo, family = poisson, data = ft)
  rb <- glm_report("b: full table with zero cells: glm(count ~ ., poisson, data=full_table(d))", fb, n)
  fc <- glm(fo, family = poisson, data = ft, control = tight)
  rc <- glm_report("c: full table, glm.control(epsilon=1e-15, maxit=200)", fc, n)
  cat(sprintf("  max |coef(b)-coef(c)| = %s ; |total(b)-total(c)| = %s\n\n",
              g15(max(abs(coef(fb) - coef(fc)))), g15(abs(rb$total - rc$total))))
}
