# Peer for bench/fepois_bench.cpp: the small gravity data set fitted by R's
# glm() with origin, destination and year dummies, the fit that
# fit_fixed_effects_poisson reproduces without forming the dummies.
#
#   fepois_bench --write-csv small.csv
#   Rscript bench/fepois_peer.R small.csv [REPEAT]
#
# Prints the median elapsed and CPU time of REPEAT fits (default 3) as
# "r_seconds" and "r_cpu_seconds" (the bench prints vigil_seconds and
# cpu_seconds), then the estimates in the bench's format, for the ratio and
# the comparison. The convergence tolerance is vigil's default (1e-10 on the
# relative deviance change) so that both stop at the same precision.
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: Rscript fepois_peer.R small.csv [REPEAT]")
repeat_count <- if (length(args) >= 2) as.integer(args[2]) else 3L
df <- read.csv(args[1])
control <- glm.control(epsilon = 1e-10, maxit = 100)
seconds <- cpu_seconds <- numeric(repeat_count)
for (r in seq_len(repeat_count)) {
  timing <- system.time(
    fit <- glm(y ~ x1 + x2 + x3 + factor(o) + factor(d) + factor(t), family = poisson,
               data = df, control = control)
  )
  seconds[r] <- timing[["elapsed"]]
  cpu_seconds[r] <- timing[["user.self"]] + timing[["sys.self"]]
}
se <- sqrt(diag(vcov(fit)))
cat(sprintf("small: %d rows, %d coefficients (dummies included)\n", nrow(df), length(coef(fit))))
cat(sprintf("small: r_seconds %.4f (wall, median of %d), r_cpu_seconds %.4f\n",
            median(seconds), repeat_count, median(cpu_seconds)))
cat(sprintf("small: %d IRLS iterations\n", fit$iter))
for (j in 1:3) {
  name <- paste0("x", j)
  cat(sprintf("small: %s %.10f (se %.6f)\n", name, coef(fit)[[name]], se[[name]]))
}
cat(sprintf("small: deviance %.10f\n", deviance(fit)))
