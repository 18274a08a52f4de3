#include "publish/dp.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "core/distributions.hpp"
#include "core/error.hpp"

namespace vigil::publish {
namespace {

using Rows = std::vector<std::vector<std::string>>;

// ---------------------------------------------------------------------------
// Accounting against numbers computed outside vigil. Every reference value
// below was printed by python3 (standard library only) with
//
//   python3 -c "
//   from math import sqrt, log, log1p
//   from statistics import NormalDist
//   def eps(rho, d): return rho + 2*sqrt(rho*log(1/d))
//   def rho(e, d): L=log(1/d); return (sqrt(e+L)-sqrt(L))**2
//   print(repr(eps(0.5,1e-6)), repr(eps(0.01,1e-5)), repr(eps(2.0,1e-9)))
//   print(repr(rho(1.0,1e-6)), repr(rho(0.5,5e-7)), repr(rho(4.0,1e-6)))
//   dt=0.5e-6; dc=1e-6-dt; ez=1+log1p(-dt); R=rho(ez,dc); rk=R/3
//   s=[sqrt(c/(2*rk)) for c in (7,21,35)]
//   tau=1 - s[0]*NormalDist().inv_cdf(dt/7)
//   print(repr(R), [repr(x) for x in s], repr(tau))"
//
// which gives
//   5.756521769756932 0.6886140424415113 14.875796157736083
//   0.017468904769123432 0.004235106277188073 0.2539355782894971
//   0.016661660306542946 ['25.103571404764224', '43.480661124484854',
//                         '56.133292139072694'] 133.08333716408586
// Tolerance: 1e-12 relative (both sides are a few double operations; the
// inverse normal is accurate to ~1e-14).

TEST(PrivacyAccounting, ZcdpToEpsilonMatchesPython) {
  EXPECT_NEAR(zcdp_to_epsilon(0.5, 1e-6), 5.756521769756932, 1e-12 * 5.8);
  EXPECT_NEAR(zcdp_to_epsilon(0.01, 1e-5), 0.6886140424415113, 1e-12);
  EXPECT_NEAR(zcdp_to_epsilon(2.0, 1e-9), 14.875796157736083, 1e-12 * 15);
  EXPECT_EQ(zcdp_to_epsilon(0.0, 1e-6), 0.0);
}

TEST(PrivacyAccounting, EpsilonToZcdpMatchesPython) {
  EXPECT_NEAR(epsilon_to_zcdp(1.0, 1e-6), 0.017468904769123432, 1e-12 * 0.0175);
  EXPECT_NEAR(epsilon_to_zcdp(0.5, 5e-7), 0.004235106277188073, 1e-12 * 0.0043);
  EXPECT_NEAR(epsilon_to_zcdp(4.0, 1e-6), 0.2539355782894971, 1e-12 * 0.254);
}

TEST(PrivacyAccounting, InverseRoundTrips) {
  // Over eight orders of magnitude of epsilon and eleven of delta, each
  // direction undoes the other to rounding (1e-12 relative).
  for (const double epsilon : {1e-4, 0.01, 0.5, 1.0, 3.0, 10.0, 1e3, 1e4}) {
    for (const double delta : {1e-12, 1e-9, 1e-6, 1e-3, 0.1, 0.5}) {
      const double rho = epsilon_to_zcdp(epsilon, delta);
      EXPECT_GT(rho, 0.0);
      EXPECT_NEAR(zcdp_to_epsilon(rho, delta), epsilon, 1e-12 * epsilon)
          << "epsilon " << epsilon << " delta " << delta;
      EXPECT_NEAR(epsilon_to_zcdp(zcdp_to_epsilon(rho, delta), delta), rho, 1e-12 * rho);
    }
  }
  // The largest rho: a little more converts to more than epsilon.
  const double rho = epsilon_to_zcdp(1.0, 1e-6);
  EXPECT_GT(zcdp_to_epsilon(rho * (1 + 1e-9), 1e-6), 1.0);
}

TEST(PrivacyAccounting, GaussianRhoAndSigmaAreInverse) {
  // rho = D^2 / (2 sigma^2): D = 3, sigma = 6 gives 9 / 72 = 0.125.
  EXPECT_DOUBLE_EQ(gaussian_rho(3.0, 6.0), 0.125);
  EXPECT_DOUBLE_EQ(gaussian_sigma(3.0, 0.125), 6.0);
  EXPECT_NEAR(gaussian_rho(std::sqrt(35.0), gaussian_sigma(std::sqrt(35.0), 0.0042)), 0.0042,
              1e-15);
  EXPECT_THROW(gaussian_rho(1.0, 0.0), Error);
  EXPECT_THROW(gaussian_sigma(1.0, 0.0), Error);
  EXPECT_THROW(gaussian_sigma(0.0, 1.0), Error);
}

TEST(PrivacyAccounting, RejectsOutOfRange) {
  for (const double delta : {0.0, 1.0, -0.1, std::nan("")}) {
    EXPECT_THROW(zcdp_to_epsilon(0.1, delta), Error);
    EXPECT_THROW(epsilon_to_zcdp(1.0, delta), Error);
  }
  EXPECT_THROW(zcdp_to_epsilon(-0.1, 1e-6), Error);
  EXPECT_THROW(epsilon_to_zcdp(0.0, 1e-6), Error);
  EXPECT_THROW(epsilon_to_zcdp(-1.0, 1e-6), Error);
  try {
    epsilon_to_zcdp(1.0, 2.0);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), Error::Kind::usage);
  }
}

TEST(PrivacyAccounting, ChargesCompose) {
  PrivacyAccount account(1e-6);
  // rho = D^2 / (2 sigma^2): 4 / 8 = 0.5, 1 / 50 = 0.02, 9 / 2 = 4.5.
  EXPECT_DOUBLE_EQ(account.add_gaussian("a", 2.0, 2.0), 0.5);
  EXPECT_DOUBLE_EQ(account.add_gaussian("b", 1.0, 5.0), 0.02);
  EXPECT_DOUBLE_EQ(account.add_gaussian("c", 3.0, 1.0), 4.5);
  EXPECT_DOUBLE_EQ(account.total_rho(), 5.02);
  EXPECT_DOUBLE_EQ(account.epsilon(), zcdp_to_epsilon(5.02, 1e-6));
  EXPECT_DOUBLE_EQ(account.delta(), 1e-6);
  account.add_threshold("t", 1e-7);
  account.add_threshold("u", 2e-7);
  EXPECT_NEAR(account.threshold_delta(), 3e-7, 1e-22);
  EXPECT_NEAR(account.delta(), 1.3e-6, 1e-21);
  // The thresholds add ln(1 / (1 - 3e-7)) to epsilon.
  EXPECT_NEAR(account.epsilon(), zcdp_to_epsilon(5.02, 1e-6) - std::log1p(-3e-7), 1e-13);
  ASSERT_EQ(account.charges().size(), 3U);
  EXPECT_EQ(account.charges()[1].what, "b");
  EXPECT_DOUBLE_EQ(account.charges()[1].sigma, 5.0);
  EXPECT_THROW(account.add_gaussian("bad", 1.0, 0.0), Error);
  EXPECT_THROW(account.add_threshold("bad", 0.0), Error);
  EXPECT_THROW(PrivacyAccount(0.0), Error);
}

TEST(PrivacyAccounting, StatementNamesEveryCharge) {
  PrivacyAccount account(5e-7);
  account.add_gaussian("1-way counts", 2.0, 10.0);
  account.add_gaussian("2-way marginals", 3.0, 20.0);
  account.add_threshold("released values", 5e-7);
  const std::string text = account.statement();
  EXPECT_NE(text.find("1-way counts: L2 sensitivity 2, noise sd 10, rho 0.02"), std::string::npos)
      << text;
  EXPECT_NE(text.find("2-way marginals: L2 sensitivity 3, noise sd 20, rho 0.01125"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("total rho = 0.03125"), std::string::npos) << text;
  EXPECT_NE(text.find("Prop. 1.3"), std::string::npos);
  EXPECT_NE(text.find("post-processing"), std::string::npos);
  EXPECT_NE(text.find("seed"), std::string::npos);
  // python3 -c "from math import *; print('%.6g' % (0.03125 + 2*sqrt(0.03125*log(1/5e-7))
  //   - log1p(-5e-7)))"  ->  1.37794
  EXPECT_EQ(text.rfind("This release satisfies (1.37794, 1e-06)-differential privacy.", 0), 0U)
      << text;
}

// ---------------------------------------------------------------------------
// Release: helpers.

// A table of `rows` records over the given columns; cell (row, column) is
// values[column][pattern(row, column) % size], a deterministic mix so that
// the k-way counts differ from cell to cell.
CategoricalTable patterned_table(const std::vector<std::string>& columns,
                                 const std::vector<std::vector<std::string>>& values,
                                 std::size_t rows) {
  Rows cells;
  for (std::size_t row = 0; row < rows; ++row) {
    std::vector<std::string> record;
    for (std::size_t column = 0; column < columns.size(); ++column) {
      const std::size_t pattern = (row * (2 * column + 3) + row / (column + 2)) % 97;
      record.push_back(values[column][pattern % values[column].size()]);
    }
    cells.push_back(std::move(record));
  }
  return make_table(columns, cells);
}

// True counts of every cell of every marginal of `release`, counted record
// by record: a record counts in a cell when each of its values is the
// cell's released value (missing is ""); records holding a value that was
// not released count nowhere in that marginal.
std::vector<std::vector<double>> true_counts(const CategoricalTable& table,
                                             const DpRelease& release) {
  std::vector<std::vector<double>> counts;
  for (const auto& marginal : release.marginals) {
    std::vector<double> cells(marginal.noisy.size(), 0.0);
    for (std::size_t row = 0; row < table.rows(); ++row) {
      std::vector<std::size_t> indices;
      for (const std::size_t attribute : marginal.attributes) {
        const std::size_t column = table.column(release.attributes[attribute]);
        const std::uint32_t code = table.codes[column][row];
        const std::string value = code == 0 ? "" : table.values[column][code - 1];
        const auto& domain = release.domains[attribute];
        const auto found = std::find(domain.begin(), domain.end(), value);
        if (found == domain.end()) break;
        indices.push_back(static_cast<std::size_t>(found - domain.begin()));
      }
      if (indices.size() == marginal.attributes.size()) cells[marginal.cell(indices)] += 1.0;
    }
    counts.push_back(std::move(cells));
  }
  return counts;
}

const std::vector<std::string> kSevenColumns{
    "year", "gender", "age", "citizenship", "exploited_in", "forced_labour", "sexual"};
const std::vector<std::vector<std::string>> kSevenValues{{"2019", "2020", "2021", "2022"},
                                                         {"Man", "Woman", ""},
                                                         {"0-17", "18-29", "30+", ""},
                                                         {"KAZ", "UZB", "KGZ"},
                                                         {"KAZ", "RUS"},
                                                         {"1", ""},
                                                         {"1", ""}};

// ---------------------------------------------------------------------------
// Release: budget.

TEST(DpRelease, BudgetSplitMatchesPython) {
  // Seven columns, r = 3, (1, 1e-6), delta split half and half: the
  // reference values at the top of this file.
  const auto table = patterned_table(kSevenColumns, kSevenValues, 500);
  DpOptions options;
  options.epsilon = 1.0;
  options.delta = 1e-6;
  options.seed = 1;
  const auto release = release_marginals(table, options);
  ASSERT_EQ(release.rho.size(), 3U);
  const double total = 0.016661660306542946;
  EXPECT_NEAR(std::accumulate(release.rho.begin(), release.rho.end(), 0.0), total, 1e-12 * total);
  for (const double rho : release.rho) EXPECT_NEAR(rho, total / 3, 1e-12 * total);
  EXPECT_NEAR(release.sigma[0], 25.103571404764224, 1e-12 * 25.1);
  EXPECT_NEAR(release.sigma[1], 43.480661124484854, 1e-12 * 43.5);
  EXPECT_NEAR(release.sigma[2], 56.133292139072694, 1e-12 * 56.1);
  EXPECT_NEAR(release.threshold, 133.08333716408586, 1e-11 * 133.1);
  EXPECT_DOUBLE_EQ(release.threshold_delta, 5e-7);
  // The account adds back up to exactly what was asked.
  EXPECT_NEAR(release.account.total_rho(), total, 1e-12 * total);
  EXPECT_NEAR(release.account.epsilon(), 1.0, 1e-12);
  EXPECT_NEAR(release.account.delta(), 1e-6, 1e-20);
  ASSERT_EQ(release.account.charges().size(), 3U);
  EXPECT_DOUBLE_EQ(release.account.charges()[0].l2_sensitivity, std::sqrt(7.0));
  EXPECT_DOUBLE_EQ(release.account.charges()[1].l2_sensitivity, std::sqrt(21.0));
  EXPECT_DOUBLE_EQ(release.account.charges()[2].l2_sensitivity, std::sqrt(35.0));
  ASSERT_EQ(release.account.thresholds().size(), 1U);
  EXPECT_DOUBLE_EQ(release.account.thresholds()[0].delta, 5e-7);
}

TEST(DpRelease, LengthWeightsSplitRho) {
  const auto table = patterned_table(kSevenColumns, kSevenValues, 200);
  DpOptions options;
  options.length_weights = {1.0, 2.0, 3.0};
  options.seed = 2;
  const auto release = release_marginals(table, options);
  const double total = 0.016661660306542946;  // as above: same epsilon, delta, split
  EXPECT_NEAR(release.rho[0], total / 6, 1e-12 * total);
  EXPECT_NEAR(release.rho[1], total * 2 / 6, 1e-12 * total);
  EXPECT_NEAR(release.rho[2], total * 3 / 6, 1e-12 * total);
  EXPECT_NEAR(release.account.total_rho(), total, 1e-12 * total);
  EXPECT_NEAR(release.account.epsilon(), 1.0, 1e-12);
}

TEST(DpRelease, DeclaredDomainsNeedNoThreshold) {
  // Every column declared: all of delta converts, rho = rho(1, 1e-6).
  const auto table = patterned_table(kSevenColumns, kSevenValues, 200);
  DpOptions options;
  options.seed = 3;
  for (std::size_t column = 0; column < kSevenColumns.size(); ++column) {
    options.declared_domains[kSevenColumns[column]] = kSevenValues[column];
  }
  const auto release = release_marginals(table, options);
  EXPECT_NEAR(release.account.total_rho(), 0.017468904769123432, 1e-12 * 0.0175);
  EXPECT_TRUE(std::isinf(release.threshold));
  EXPECT_EQ(release.threshold_delta, 0.0);
  EXPECT_TRUE(release.account.thresholds().empty());
  EXPECT_NEAR(release.account.epsilon(), 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(release.account.delta(), 1e-6);
  // Declared domains come back in declared order, zero counts included.
  for (std::size_t column = 0; column < kSevenColumns.size(); ++column) {
    EXPECT_EQ(release.domains[column], kSevenValues[column]);
    EXPECT_TRUE(release.declared[column]);
  }
}

// ---------------------------------------------------------------------------
// Release: the noise has the scale the budget says.

TEST(DpNoise, ScaleMatchesSigmaForEveryLength) {
  // 2,500 releases of one table (seeds 1..2500). Column A is declared with a
  // value the data lack (true count 0); B is thresholded, its two values far
  // above the threshold (tau + 8 sigma_1 or more: each is dropped with
  // probability < 1e-15, so its noisy count is not selected on); C is
  // declared, missing included, and one of its values in the data is not
  // declared (those records count in no cell involving C).
  Rows rows;
  for (std::size_t row = 0; row < 400; ++row) {
    const std::string a = row % 20 < 8 ? "a1" : (row % 20 < 15 ? "a2" : "a3");
    const std::string b = (row * 7) % 8 < 5 ? "b1" : "b2";
    const std::string c = row % 10 == 0 ? "cx" : ((row * 3) % 4 == 0 ? "" : "c1");
    rows.push_back({a, b, c});
  }
  const auto table = make_table({"A", "B", "C"}, rows);
  DpOptions options;
  options.epsilon = 2.0;
  options.delta = 1e-5;
  options.threads = 1;
  options.declared_domains = {{"A", {"a1", "a2", "a3", "a4"}}, {"C", {"", "c1"}}};
  options.seed = 1;
  const auto first = release_marginals(table, options);
  ASSERT_EQ(first.domains[1], (std::vector<std::string>{"b1", "b2"}));
  const auto truth = true_counts(table, first);
  for (const double count : truth[1]) {
    ASSERT_GT(count, first.threshold + 8 * first.sigma[0]);
  }

  constexpr std::size_t kRuns = 2500;
  std::vector<std::vector<double>> sum(truth.size());
  std::vector<std::vector<double>> sum_squares(truth.size());
  for (std::size_t index = 0; index < truth.size(); ++index) {
    sum[index].assign(truth[index].size(), 0.0);
    sum_squares[index].assign(truth[index].size(), 0.0);
  }
  // Cross products of standardized residuals of cell pairs that must be
  // independent: across marginals of different lengths, across marginals of
  // the same length, and within one marginal.
  struct Pair {
    std::size_t marginal_a, cell_a, marginal_b, cell_b;
  };
  const std::vector<Pair> pairs{{0, 0, 3, 0}, {3, 0, 4, 0}, {6, 0, 6, 1}, {1, 0, 2, 0}};
  std::vector<double> cross(pairs.size(), 0.0);
  for (std::uint64_t seed = 1; seed <= kRuns; ++seed) {
    options.seed = seed;
    const auto release = release_marginals(table, options);
    ASSERT_EQ(release.marginals.size(), truth.size());
    for (std::size_t index = 0; index < truth.size(); ++index) {
      const double sigma = release.sigma[release.marginals[index].length() - 1];
      ASSERT_EQ(release.marginals[index].noisy.size(), truth[index].size());
      for (std::size_t cell = 0; cell < truth[index].size(); ++cell) {
        const double residual = (release.marginals[index].noisy[cell] - truth[index][cell]) / sigma;
        sum[index][cell] += residual;
        sum_squares[index][cell] += residual * residual;
      }
    }
    for (std::size_t pair = 0; pair < pairs.size(); ++pair) {
      const auto& p = pairs[pair];
      const auto residual = [&](std::size_t marginal, std::size_t cell) {
        return (release.marginals[marginal].noisy[cell] - truth[marginal][cell]) /
               release.sigma[release.marginals[marginal].length() - 1];
      };
      cross[pair] += residual(p.marginal_a, p.cell_a) * residual(p.marginal_b, p.cell_b);
    }
  }

  // Family-wise false-failure probability 1e-6, split evenly (Bonferroni)
  // over every test below: per cell, the mean (z-test: the mean residual is
  // N(0, 1/n)) and the variance (sum of squared standardized residuals is
  // chi-squared with n degrees of freedom, the true mean being known); the
  // same two pooled per length; one z-test per correlation pair.
  std::size_t cells = 0;
  for (const auto& marginal : truth) cells += marginal.size();
  const std::size_t tests = 2 * cells + 2 * first.reporting_length + pairs.size();
  const double alpha = 1e-6 / static_cast<double>(tests);
  const double z = -normal_quantile(alpha / 2);
  const auto n = static_cast<double>(kRuns);
  const double chi_low = chi_squared_quantile(alpha / 2, n);
  const double chi_high = chi_squared_quantile(1 - alpha / 2, n);
  std::vector<double> pooled_sum(first.reporting_length, 0.0);
  std::vector<double> pooled_squares(first.reporting_length, 0.0);
  std::vector<double> pooled_n(first.reporting_length, 0.0);
  for (std::size_t index = 0; index < truth.size(); ++index) {
    const std::size_t length = first.marginals[index].length();
    for (std::size_t cell = 0; cell < truth[index].size(); ++cell) {
      EXPECT_LE(std::abs(sum[index][cell]) / std::sqrt(n), z)
          << "mean of marginal " << index << " cell " << cell;
      EXPECT_GE(sum_squares[index][cell], chi_low) << "variance of marginal " << index;
      EXPECT_LE(sum_squares[index][cell], chi_high) << "variance of marginal " << index;
      pooled_sum[length - 1] += sum[index][cell];
      pooled_squares[length - 1] += sum_squares[index][cell];
      pooled_n[length - 1] += n;
    }
  }
  for (std::size_t length = 1; length <= first.reporting_length; ++length) {
    const double draws = pooled_n[length - 1];
    EXPECT_LE(std::abs(pooled_sum[length - 1]) / std::sqrt(draws), z) << "length " << length;
    EXPECT_GE(pooled_squares[length - 1], chi_squared_quantile(alpha / 2, draws))
        << "length " << length;
    EXPECT_LE(pooled_squares[length - 1], chi_squared_quantile(1 - alpha / 2, draws))
        << "length " << length;
    // What the pooled test can see: with these draws, sd off by more than
    // about z sqrt(2 / N) / 2 relative fails it (1-3% here).
    EXPECT_LT(z * std::sqrt(2 / draws) / 2, 0.035);
  }
  for (std::size_t pair = 0; pair < pairs.size(); ++pair) {
    // Sample correlation of independent N(0, 1) pairs: N(0, 1/n).
    EXPECT_LE(std::abs(cross[pair]) / std::sqrt(n), z) << "pair " << pair;
  }
}

// ---------------------------------------------------------------------------
// Release: the threshold.

TEST(DpThreshold, SingletonReleasedAtMostDeltaTau) {
  // X: one record holds "rare", 4 hold "few", 200 hold "many"; Y is declared.
  // delta 0.5 with half for the threshold makes delta_tau = 0.25, large
  // enough to measure: a singleton is released with probability exactly
  // P(1 + sigma_1 Z > tau) = delta_tau / 1 (one thresholded column), a value
  // of count c with P(c + sigma_1 Z > tau).
  Rows rows;
  rows.push_back({"rare", "y1"});
  for (int copy = 0; copy < 4; ++copy) rows.push_back({"few", "y2"});
  for (int copy = 0; copy < 200; ++copy) rows.push_back({"many", copy % 2 ? "y1" : "y2"});
  const auto table = make_table({"X", "Y"}, rows);
  DpOptions options;
  options.epsilon = 2.0;
  options.delta = 0.5;
  options.threshold_delta_share = 0.5;
  options.reporting_length = 2;
  options.threads = 1;
  options.declared_domains = {{"Y", {"y1", "y2"}}};
  constexpr std::size_t kRuns = 4000;
  std::map<std::string, std::size_t> released;
  double sigma1 = 0.0;
  double threshold = 0.0;
  for (std::uint64_t seed = 1; seed <= kRuns; ++seed) {
    options.seed = seed;
    const auto release = release_marginals(table, options);
    sigma1 = release.sigma[0];
    threshold = release.threshold;
    EXPECT_DOUBLE_EQ(release.threshold_delta, 0.25);
    for (std::size_t index = 0; index < release.domains[0].size(); ++index) {
      ++released[release.domains[0][index]];
      // Released values' noisy counts exceed tau; the 2-way marginal spans
      // the released values only.
      EXPECT_GT(release.marginals[0].noisy[index], release.threshold);
    }
    EXPECT_EQ(release.marginals[2].shape[0], release.domains[0].size());
  }
  // tau = 1 + sigma_1 z_{0.75}: the singleton's probability is delta_tau.
  EXPECT_NEAR(normal_upper_tail((threshold - 1.0) / sigma1), 0.25, 1e-12);
  // Binomial z-bounds, 5.5 standard errors (two-sided 4e-8 each).
  const auto within = [&](const std::string& value, double probability) {
    const double expected = kRuns * probability;
    const double bound = 5.5 * std::sqrt(kRuns * probability * (1 - probability)) + 1e-9;
    EXPECT_NEAR(static_cast<double>(released[value]), expected, bound) << value;
  };
  within("rare", 0.25);
  EXPECT_LE(static_cast<double>(released["rare"]),
            kRuns * 0.25 + 5.5 * std::sqrt(kRuns * 0.25 * 0.75));
  within("few", normal_upper_tail((threshold - 4.0) / sigma1));
  // 200 records: released unless the noise is below -(200 - tau) / sigma_1
  // standard deviations (probability < 1e-12 here).
  EXPECT_LT(normal_upper_tail((200.0 - threshold) / sigma1), 1e-12);
  EXPECT_EQ(released["many"], kRuns);
}

TEST(DpThreshold, RareValuesWithRealisticDelta) {
  // delta 1e-6: tau is ~5.3 sigma_1 above 1; values of 1 and 3 records never
  // show in 300 releases (expected releases ~1e-4 in total), 500 records
  // always do.
  Rows rows;
  rows.push_back({"rare"});
  for (int copy = 0; copy < 3; ++copy) rows.push_back({"three"});
  for (int copy = 0; copy < 500; ++copy) rows.push_back({"many"});
  const auto table = make_table({"X"}, rows);
  DpOptions options;
  options.reporting_length = 1;
  options.epsilon = 1.0;
  options.threads = 1;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    options.seed = seed;
    const auto release = release_marginals(table, options);
    EXPECT_EQ(release.domains[0], std::vector<std::string>{"many"});
  }
}

// ---------------------------------------------------------------------------
// Release: layout, counting, determinism, errors.

TEST(DpRelease, LayoutAndCounts) {
  // At epsilon 1e6 rho is ~1e6 and the noise sd ~1e-3: the noisy counts are
  // the true counts to within 8 sd (a false failure has probability ~1e-15
  // per cell).
  auto table = patterned_table(
      {"P", "Q", "R", "S"}, {{"p1", "p2", ""}, {"q2", "q1"}, {"r1", "r2", "r3"}, {"s1", ""}}, 300);
  DpOptions options;
  options.epsilon = 1e6;
  options.seed = 4;
  options.declared_domains = {{"R", {"r3", "r1", "r9"}}};  // r2 undeclared, r9 absent
  const auto release = release_marginals(table, options);
  // 4 + 6 + 4 marginals, by length then lexicographically.
  ASSERT_EQ(release.marginals.size(), 14U);
  const std::vector<std::vector<std::size_t>> expected_sets{
      {0},    {1},    {2},    {3},       {0, 1},    {0, 2},    {0, 3},
      {1, 2}, {1, 3}, {2, 3}, {0, 1, 2}, {0, 1, 3}, {0, 2, 3}, {1, 2, 3}};
  for (std::size_t index = 0; index < expected_sets.size(); ++index) {
    EXPECT_EQ(release.marginals[index].attributes, expected_sets[index]);
    EXPECT_EQ(release.marginal_index(expected_sets[index]), index);
    auto reversed = expected_sets[index];
    std::reverse(reversed.begin(), reversed.end());
    EXPECT_EQ(release.marginal_index(reversed), index);
  }
  EXPECT_THROW(release.marginal_index({0, 0}), Error);
  EXPECT_THROW(release.marginal_index({0, 1, 2, 3}), Error);
  EXPECT_THROW(release.marginal_index({}), Error);
  // Thresholded domains sorted by bytes, "" first; declared ones as declared.
  EXPECT_EQ(release.domains[0], (std::vector<std::string>{"", "p1", "p2"}));
  EXPECT_EQ(release.domains[1], (std::vector<std::string>{"q1", "q2"}));
  EXPECT_EQ(release.domains[2], (std::vector<std::string>{"r3", "r1", "r9"}));
  EXPECT_EQ(release.domains[3], (std::vector<std::string>{"", "s1"}));
  const auto truth = true_counts(table, release);
  for (std::size_t index = 0; index < truth.size(); ++index) {
    std::size_t cells = 1;
    for (const std::size_t size : release.marginals[index].shape) cells *= size;
    ASSERT_EQ(release.marginals[index].noisy.size(), cells);
    const double sigma = release.sigma[release.marginals[index].length() - 1];
    EXPECT_LT(sigma, 0.01);
    for (std::size_t cell = 0; cell < cells; ++cell) {
      EXPECT_NEAR(release.marginals[index].noisy[cell], truth[index][cell], 8 * sigma);
    }
  }
  // r9 is in no record; the records holding r2 count in no cell with R.
  EXPECT_EQ(truth[2][2], 0.0);
  const double with_r = std::accumulate(truth[2].begin(), truth[2].end(), 0.0);
  EXPECT_LT(with_r, 300.0);
  EXPECT_NEAR(
      std::accumulate(release.marginals[5].noisy.begin(), release.marginals[5].noisy.end(), 0.0),
      with_r, 0.1);
  // Every record holds a released value of P, Q and S: the estimate of the
  // record count is 300 (weights 1/3, 1/2, 1/3, 1/2 over sums 300, 300,
  // with_r, 300).
  const double expected =
      (300.0 / 3 + 300.0 / 2 + with_r / 3 + 300.0 / 2) / (1.0 / 3 + 0.5 + 1.0 / 3 + 0.5);
  EXPECT_NEAR(release.estimated_records(), expected, 0.1);
}

TEST(DpRelease, SameSeedSameNumbersWhateverTheThreads) {
  const auto table = patterned_table(kSevenColumns, kSevenValues, 2000);
  DpOptions options;
  options.epsilon = 3.0;
  options.seed = 99;
  options.threads = 1;
  const auto one = release_marginals(table, options);
  options.threads = 3;
  const auto three = release_marginals(table, options);
  ASSERT_EQ(one.marginals.size(), three.marginals.size());
  for (std::size_t index = 0; index < one.marginals.size(); ++index) {
    EXPECT_EQ(one.marginals[index].noisy, three.marginals[index].noisy);  // bit for bit
  }
  EXPECT_EQ(one.domains, three.domains);
  options.seed = 100;
  const auto other = release_marginals(table, options);
  EXPECT_NE(one.marginals.back().noisy, other.marginals.back().noisy);
  // Without a seed, each release draws its own.
  options.seed.reset();
  const auto fresh_a = release_marginals(table, options);
  const auto fresh_b = release_marginals(table, options);
  EXPECT_NE(fresh_a.marginals.back().noisy, fresh_b.marginals.back().noisy);
  // The streams of the generator are reproducible and distinct.
  detail::Random a(detail::stream_seed(5, 0));
  detail::Random b(detail::stream_seed(5, 0));
  detail::Random c(detail::stream_seed(5, 1));
  const double first = a.normal();
  EXPECT_EQ(first, b.normal());
  EXPECT_NE(first, c.normal());
}

TEST(DpRelease, RejectsBadOptions) {
  auto table = make_table({"name", "B"}, {{"Secret Person", "b"}, {"Other Person", "b"}});
  const auto fails = [&](const DpOptions& options, Error::Kind kind) {
    try {
      release_marginals(table, options);
      ADD_FAILURE() << "no error";
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), kind) << error.what();
      // Messages never quote the data.
      EXPECT_EQ(std::string(error.what()).find("Person"), std::string::npos) << error.what();
    }
  };
  DpOptions options;
  options.seed = 1;
  options.reporting_length = 2;
  auto bad = options;
  bad.reporting_length = 0;
  fails(bad, Error::Kind::usage);
  bad = options;
  bad.reporting_length = 3;
  fails(bad, Error::Kind::usage);
  bad = options;
  bad.epsilon = 0.0;
  fails(bad, Error::Kind::usage);
  bad = options;
  bad.delta = 1.0;
  fails(bad, Error::Kind::usage);
  bad = options;
  bad.threshold_delta_share = 1.0;
  fails(bad, Error::Kind::usage);
  bad = options;
  bad.columns = {"B", "B"};
  bad.reporting_length = 1;
  fails(bad, Error::Kind::usage);
  bad = options;
  bad.columns = {"missing column"};
  bad.reporting_length = 1;
  fails(bad, Error::Kind::input);
  bad = options;
  bad.length_weights = {1.0};
  fails(bad, Error::Kind::usage);
  bad = options;
  bad.length_weights = {1.0, -1.0};
  fails(bad, Error::Kind::usage);
  bad = options;
  bad.columns = {"B"};
  bad.reporting_length = 1;
  bad.declared_domains = {{"name", {"x"}}};
  fails(bad, Error::Kind::usage);
  bad = options;
  bad.declared_domains = {{"name", {"Secret Person", "Secret Person"}}};
  fails(bad, Error::Kind::usage);
  bad = options;
  bad.declared_domains = {{"B", {}}};
  fails(bad, Error::Kind::usage);
  bad = options;
  bad.epsilon = 1e-7;  // less than ln(1/(1 - delta_tau)) ~ 5e-7
  fails(bad, Error::Kind::usage);
  // Too many cells: two declared columns of 1,000 values make a 2-way
  // marginal of 1,000,000 cells.
  bad = options;
  std::vector<std::string> many;
  for (int value = 0; value < 1000; ++value) many.push_back(std::to_string(value));
  bad.declared_domains = {{"name", many}, {"B", many}};
  bad.max_cells = 999'999;
  try {
    release_marginals(table, bad);
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), Error::Kind::usage);
    EXPECT_NE(std::string(error.what()).find("drop columns or lower the reporting length"),
              std::string::npos)
        << error.what();
  }
  bad.max_cells = 1'002'000;
  EXPECT_NO_THROW(release_marginals(table, bad));
  EXPECT_THROW(release_marginals(make_table({"A"}, {}), options), Error);
}

// ---------------------------------------------------------------------------
// Publication.

TEST(DpPublish, PublishedCountRoundsClipsAndSuppresses) {
  EXPECT_EQ(published_count(2.5), 3);
  EXPECT_EQ(published_count(2.49), 2);
  EXPECT_EQ(published_count(-0.4), 0);
  EXPECT_EQ(published_count(-7.0), 0);
  EXPECT_EQ(published_count(4.6, 5.0), 5);
  EXPECT_EQ(published_count(4.4, 5.0), 0);
  EXPECT_EQ(published_count(12.2, 5.0), 12);
  EXPECT_THROW(published_count(std::nan("")), Error);
}

DpRelease hand_made_release() {
  DpRelease release;
  release.attributes = {"A", "B"};
  release.domains = {{"", "x,y"}, {"b1", "b2"}};
  release.declared = {false, false};
  release.reporting_length = 2;
  release.marginals = {
      {{0}, {2}, {2.4, -3.0}}, {{1}, {2}, {10.5, 0.2}}, {{0, 1}, {2, 2}, {1.6, 0.49, 7.0, -1.0}}};
  release.rho = {0.1, 0.1};
  release.sigma = {1.0, 1.0};
  return release;
}

TEST(DpPublish, LongFormatCsv) {
  const auto release = hand_made_release();
  std::ostringstream out;
  write_marginals_csv(release, out);
  EXPECT_EQ(out.str(),
            "length,attribute_1,value_1,attribute_2,value_2,count\n"
            "1,A,,,,2\n"
            "1,B,b1,,,11\n"
            "2,A,,B,b1,2\n"
            "2,A,\"x,y\",B,b1,7\n");
  std::ostringstream thresholded;
  write_marginals_csv(release, thresholded, {.reporting_threshold = 5.0});
  EXPECT_EQ(thresholded.str(),
            "length,attribute_1,value_1,attribute_2,value_2,count\n"
            "1,B,b1,,,11\n"
            "2,A,\"x,y\",B,b1,7\n");
  std::ostringstream zeros;
  write_marginals_csv(release, zeros, {.reporting_threshold = 0.0, .include_zeros = true});
  EXPECT_EQ(zeros.str(),
            "length,attribute_1,value_1,attribute_2,value_2,count\n"
            "1,A,,,,2\n"
            "1,A,\"x,y\",,,0\n"
            "1,B,b1,,,11\n"
            "1,B,b2,,,0\n"
            "2,A,,B,b1,2\n"
            "2,A,,B,b2,0\n"
            "2,A,\"x,y\",B,b1,7\n"
            "2,A,\"x,y\",B,b2,0\n");
  EXPECT_THROW(write_marginals_csv(release, std::string("/nonexistent-dir/m.csv")), Error);
}

}  // namespace
}  // namespace vigil::publish
