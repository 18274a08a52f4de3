# Writes the design-matrix fixtures under tests/fixtures/glm/families/ and
# prints R's reference values for tests/glm/families_test.cpp.
# Run from the repository root with R 4.2.2, MASS 7.3-58 and sandwich 3.0-2:
#   Rscript tests/glm/reference_scripts/families.R tests/fixtures/glm/families
# The simulated world is vigil's: `vigil simulate --scenario kazakhstan
# --seed 2024 --out world` (the demo's world), file world/truth_corridors.csv,
# copied to tests/fixtures/glm/families/world_corridors.csv with only the
# observed columns: cut -d, -f1-6,9 world/truth_corridors.csv (year,
# corridor_type, origin, destination, flow, stock, detected_victims).

suppressMessages({ library(MASS); library(sandwich) })
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
tight <- glm.control(epsilon = 1e-14, maxit = 200)
p <- function(label, v) cat(label, ": ", paste(sprintf("%.15g", v), collapse = ", "), "\n", sep = "")

write_fixture <- function(name, fit) {
  x <- model.matrix(fit)
  y <- fit$y
  w <- fit$prior.weights
  off <- if (is.null(fit$offset)) rep(0, length(y)) else fit$offset
  frame <- data.frame(y = y, weight = w, offset = off, x, check.names = FALSE)
  write.csv(frame, file.path(out, paste0(name, ".csv")), row.names = FALSE)
}

report <- function(name, fit) {
  cat("==", name, "==\n")
  write_fixture(name, fit)
  at_mle <- if (inherits(fit, "negbin")) fit else update(fit, start = coef(fit))
  p("coef", coef(fit))
  p("se", sqrt(diag(vcov(at_mle))))
  p("hc1", sqrt(diag(vcovHC(at_mle, type = "HC1"))))
  p("deviance", deviance(fit)); p("null_deviance", fit$null.deviance)
  p("df_residual", fit$df.residual)
  p("aic", AIC(fit)); p("bic", BIC(fit)); p("loglik", as.numeric(logLik(fit)))
  p("dispersion", summary(fit)$dispersion)
  p("pearson", sum(residuals(fit, "pearson")^2))
  if (inherits(fit, "negbin")) {
    p("theta", fit$theta)
    p("theta_se_glm_nb", fit$SE.theta)
    p("theta_se_at_mle", attr(theta.ml(fit$y, fitted(fit), weights = fit$prior.weights,
                                       limit = 100, eps = 1e-13), "SE"))
  }
}

# 1. quine (MASS; Aitkin 1978): days absent from school.
report("quine_poisson", glm(Days ~ Eth + Sex + Age + Lrn, family = poisson, data = quine, control = tight))
report("quine_quasipoisson", glm(Days ~ Eth + Sex + Age + Lrn, family = quasipoisson, data = quine, control = tight))
report("quine_negbin", glm.nb(Days ~ Eth + Sex + Age + Lrn, data = quine, control = tight))
# 2. warpbreaks (Tippett 1950): breaks per loom.
report("warpbreaks_negbin", glm.nb(breaks ~ wool * tension, data = warpbreaks, control = tight))
# 3. Insurance (MASS; Baxter, Coutts & Ross 1980): claims with exposure as offset.
ins <- within(Insurance, { District <- factor(District, ordered = FALSE)
                            Group <- factor(Group, ordered = FALSE); Age <- factor(Age, ordered = FALSE) })
report("insurance_poisson", glm(Claims ~ District + Group + Age + offset(log(Holders)), family = poisson, data = ins, control = tight))
# 4. menarche (MASS; Milicer & Szczotka 1966): a binomial with numbers of trials.
report("menarche_binomial", glm(cbind(Menarche, Total - Menarche) ~ Age, family = binomial, data = menarche, control = tight))
# 5. esoph (Breslow & Day 1980): case-control, unordered factors.
es <- within(esoph, { agegp <- factor(agegp, ordered = FALSE); alcgp <- factor(alcgp, ordered = FALSE) })
report("esoph_binomial", glm(cbind(ncases, ncontrols) ~ agegp + alcgp, family = binomial, data = es, control = tight))
# 6. The simulated world: detected victims per corridor-year.
world <- read.csv(file.path(out, "world_corridors.csv"))
world$period <- world$year - 2012
report("world_poisson", glm(detected_victims ~ log(flow) + corridor_type + period, family = poisson, data = world, control = tight))
report("world_negbin", glm.nb(detected_victims ~ log(flow) + corridor_type + period, data = world, control = tight))
