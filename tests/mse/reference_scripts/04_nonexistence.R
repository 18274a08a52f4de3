# (5) Where an estimate does not exist / is not identifiable, and how SparseMSE reports it.
# Run from /work/main:  Rscript tests/mse/reference_scripts/04_nonexistence.R
# Small hand-made tables (defined below), plus the Artificial_3 examples from SparseMSE's docs.
source(file.path("tests", "mse", "reference_scripts", "common.R"))
options(width = 160)

try_print <- function(label, expr) {
  cat(sprintf("  >> %s\n", label))
  r <- tryCatch(withCallingHandlers(expr, warning = function(w) {
         cat(sprintf("     [warning] %s\n", conditionMessage(w))); invokeRestart("muffleWarning") }),
       error = function(e) { cat(sprintf("     [error] %s\n", conditionMessage(e))); invisible(NULL) })
  r
}
show_ci <- function(label, d, mX) {
  r <- try_print(sprintf("checkident(d, mX=%s, verbose=TRUE)", label), checkident(d, mX = mX, verbose = TRUE))
  if (!is.null(r)) cat(sprintf("     ierr = %d ; LP objective (max min-cell value s) = %s\n", r$ierr, g15(r$lp$objval)))
  bm <- buildmodelmatrix(d, mX)
  cat(sprintf("     buildmodelmatrix: %d cells x %d params, rankdef = %d, tvec = %s\n",
              nrow(bm$modmat), ncol(bm$modmat), bm$rankdef,
              paste(sprintf("%s=%g", rownames(bm$tvec), bm$tvec), collapse = " ")))
}

# ---------------------------------------------------------------------------------------
cat("==== Example 1: lists A and C have no case in common (AC = ABC = 0)\n")
d1 <- data.frame(A = c(1, 0, 0, 1, 0), B = c(0, 1, 0, 1, 1), C = c(0, 0, 1, 0, 1), count = c(30, 40, 25, 8, 6))
print(d1)
show_ci("NULL (main effects)", d1, NULL)
show_ci("c(1,3) (A:C)", d1, c(1, 3))
show_ci("cbind(c(1,2),c(1,3))  (A:B + A:C)", d1, cbind(c(1, 2), c(1, 3)))
show_ci("0 (all pairs A:B, A:C, B:C)", d1, 0)
cat("  >> buildmodel(d1, mX=c(1,3)) (A:C removed from formula; A&C cells dropped from data)\n")
bm <- buildmodel(d1, mX = c(1, 3)); cat("     modelform:", deparse(bm$modelform), "\n"); print(bm$datamatrix); print(bm$emptyoverlaps)
e <- try_print("estimatepopulation.0(d1, method=\"fixed\", mX=c(1,3))", estimatepopulation.0(d1, method = "fixed", mX = c(1, 3)))
if (!is.null(e)) { print(e$estimate, digits = 15)
  cat(sprintf("     fit: %s ; deviance %s ; df.residual %d ; AIC(+2 per empty pair) %s\n",
              paste(deparse(formula(e$MSEfit$fit), width.cutoff = 500L), collapse = ""), g15(e$MSEfit$fit$deviance),
              e$MSEfit$fit$df.residual, g15(e$MSEfit$fit$aic)))
  cat("     emptyoverlaps: "); print(e$MSEfit$emptyoverlaps)
  cat("     poisspempty (P(overlap empty) under model without A:C): "); print(e$MSEfit$poisspempty, digits = 15) }
em <- try_print("estimatepopulation.0(d1, method=\"main\")", estimatepopulation.0(d1, method = "main"))
if (!is.null(em)) print(em$estimate, digits = 15)
e0 <- try_print("estimatepopulation.0(d1, method=\"fixed\", mX=0)  (all pairs)", estimatepopulation.0(d1, method = "fixed", mX = 0))
if (!is.null(e0)) print(e0)
es <- try_print("estimatepopulation.0(d1, method=\"stepwise\")", estimatepopulation.0(d1, method = "stepwise"))
if (!is.null(es)) { print(es$estimate, digits = 15); cat("     formula:", deparse(formula(es$MSEfit$fit)), "\n") }
cat("  trace:\n"); invisible(trace_stepwise(d1))
cat("  >> plain glm with the A:C term on the full table (what happens without SparseMSE's handling)\n")
f <- try_print("glm(count ~ A + B + C + A:C, poisson, data=full_table(d1))",
               glm(count ~ A + B + C + A:C, family = poisson, data = full_table(d1)))
if (!is.null(f)) glm_report("plain glm with A:C", f, sum(d1$count))
f2 <- glm(count ~ A + B + C, family = poisson, data = subset(full_table(d1), !(A == 1 & C == 1)))
glm_report("SparseMSE equivalent: main effects on full table minus cells with A=1&C=1", f2, sum(d1$count))

# ---------------------------------------------------------------------------------------
cat("\n==== Example 2: list C observes nobody (C column all 0)\n")
d2 <- data.frame(A = c(1, 0, 1), B = c(0, 1, 1), C = c(0, 0, 0), count = c(30, 40, 8))
print(d2)
show_ci("NULL (main effects)", d2, NULL)
em <- try_print("estimatepopulation.0(d2, method=\"main\")", estimatepopulation.0(d2, method = "main"))
if (!is.null(em)) print(em)
mf <- try_print("modelfit(d2, mX=NULL)  (check=TRUE default)", modelfit(d2, mX = NULL))
cat("     returned: "); print(mf)
es <- try_print("estimatepopulation.0(d2, method=\"stepwise\")  (starting fit is not checked)", estimatepopulation.0(d2, method = "stepwise"))
if (!is.null(es)) { print(es$estimate, digits = 15); print(coef(es$MSEfit$fit), digits = 15) }
cat("  trace:\n"); invisible(trace_stepwise(d2))
f <- try_print("glm(count ~ ., poisson, data=full_table(d2))", glm(count ~ ., family = poisson, data = full_table(d2)))
if (!is.null(f)) glm_report("plain glm, C empty", f, sum(d2$count))
cp <- try_print("closedp.t(d2, dfreq=TRUE)", closedp.t(d2, dfreq = TRUE))
if (!is.null(cp)) { print(cp$results, digits = 15); w <- cp$glm.warn[!sapply(cp$glm.warn, is.null)]; for (k in names(w)) cat(sprintf("    %s: %s\n", k, paste(w[[k]], collapse = " | "))) }
ci <- try_print("closedpCI.t(d2, dfreq=TRUE, m=\"Mt\")", closedpCI.t(d2, dfreq = TRUE, m = "Mt"))
if (!is.null(ci)) { print(ci$results, digits = 15); print(ci$CI, digits = 15) }
cat("  two-list estimate ignoring C (Lincoln-Petersen 38*48/8 = 228 ; independence MLE n + n10*n01/n11):\n")
f3 <- glm(count ~ A + B, family = poisson, data = full_table(d2[, c("A", "B", "count")]))
glm_report("glm on A,B only", f3, sum(d2$count))

# ---------------------------------------------------------------------------------------
cat("\n==== Example 3: Artificial_3 (SparseMSE docs): C overlaps nobody\n")
d3 <- read_mse("Artificial_3")
show_ci("0 (all pairs)", d3, 0)
show_ci("c(1,2) (A:B)", d3, c(1, 2))
show_ci("cbind(c(1,3),c(2,3)) (A:C + B:C)", d3, cbind(c(1, 3), c(2, 3)))
cat(sprintf("  count_triples(Artificial_3) = %d\n", count_triples(d3)))
e <- try_print("estimatepopulation.0(d3, method=\"fixed\", mX=c(1,2))", estimatepopulation.0(d3, method = "fixed", mX = c(1, 2)))
if (!is.null(e)) print(e)
e <- try_print("estimatepopulation.0(d3, method=\"fixed\", mX=cbind(c(1,3),c(2,3)))", estimatepopulation.0(d3, method = "fixed", mX = cbind(c(1, 3), c(2, 3))))
if (!is.null(e)) { print(e$estimate, digits = 15); print(e$MSEfit$poisspempty, digits = 15) }
invisible(try_print("checkallmodels(Artificial_3)", print(checkallmodels(d3))))

# ---------------------------------------------------------------------------------------
cat("\n==== Example 4: stepwise ADDS a non-overlapping pair (A and B large, AB = ABC = 0)\n")
d4 <- data.frame(A = c(1, 0, 0, 1, 0, 1), B = c(0, 1, 0, 0, 1, 0), C = c(0, 0, 1, 1, 1, 0), count = c(200, 200, 50, 20, 20, 0))
d4 <- d4[d4$count > 0, ]
print(d4)
es <- estimatepopulation.0(d4, method = "stepwise")
print(es$estimate, digits = 15)
cat(sprintf("  selected formula: %s ; emptyoverlaps: %s ; AIC(+2 per empty pair) %s ; deviance %s ; df.residual %d ; cells %d\n",
            paste(deparse(formula(es$MSEfit$fit), width.cutoff = 500L), collapse = ""),
            paste(colnames(es$MSEfit$emptyoverlaps), collapse = ","), g15(es$MSEfit$fit$aic),
            g15(es$MSEfit$fit$deviance), es$MSEfit$fit$df.residual, nrow(es$MSEfit$fit$data)))
cat("  poisspempty: "); print(es$MSEfit$poisspempty, digits = 15)
cat("  trace:\n"); invisible(trace_stepwise(d4))
f <- glm(count ~ A + B + C, family = poisson, data = subset(full_table(d4), !(A == 1 & B == 1)))
glm_report("explicit: main effects on full table minus cells with A=1&B=1", f, sum(d4$count))
