# Peer of bench/glm_bench.cpp: R's glm() on the same CSV, timed from the
# data frame in memory (reading the file is not timed), with R's default
# control and with vigil's tolerance (epsilon = 1e-12).
#   Rscript bench/glm_peer.R FILE.csv
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
t_default <- system.time(fit <- glm(y ~ ., family = poisson, data = d))[["elapsed"]]
t_tight <- system.time(fit2 <- glm(y ~ ., family = poisson, data = d,
                                   control = glm.control(epsilon = 1e-12)))[["elapsed"]]
cat(sprintf("r_glm_seconds %.3f iterations %d deviance %.10g\n", t_default, fit$iter, deviance(fit)))
cat(sprintf("r_glm_tight_seconds %.3f iterations %d deviance %.10g\n", t_tight, fit2$iter, deviance(fit2)))
