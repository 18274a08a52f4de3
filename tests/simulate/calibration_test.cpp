// The kazakhstan scenario against the published figures it is calibrated to
// (scenarios/kazakhstan.toml cites them), over several seeds.
//
// Tolerances: each seed's figure within 20 % of the target (Poisson and flow
// noise in a single world), and the mean over the seeds within 8 %.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "simulate/simulate.hpp"

namespace vigil::simulate {
namespace {

struct Figures {
  double iom_foreign_per_year = 0;   // foreign victims exploited in Kazakhstan, IOM list
  double iom_domestic_per_year = 0;  // Kazakh citizens exploited in Kazakhstan, IOM list
  double international_share = 0;    // foreign victims moved by international networks
  double labour_2021 = 0;            // labour inspectorate's list, 2021
  double ngo_or_iom_2021 = 0;        // NGO or IOM lists, 2021
  double total_to_detected = 0;
  std::map<std::string, std::int64_t> iom_foreign_citizenship;
};

std::size_t agency_index(const World& world, const std::string& id) {
  for (std::size_t index = 0; index < world.scenario.agencies.size(); ++index) {
    if (world.scenario.agencies[index].id == id) return index;
  }
  throw std::runtime_error("no agency " + id);
}

Figures figures_of(const World& world) {
  const std::uint32_t iom = 1U << agency_index(world, "iom");
  const std::uint32_t ngo = 1U << agency_index(world, "ngo");
  const std::uint32_t labour = 1U << agency_index(world, "labour_inspectorate");
  Figures out;
  double foreign = 0, international = 0, detected = 0;
  for (const Victim& victim : world.victims) {
    const Corridor& corridor = world.corridors[victim.corridor];
    if (corridor.type == CorridorType::foreign) {
      ++foreign;
      international += victim.international_network ? 1 : 0;
    }
    if (victim.detected_by != 0) ++detected;
    if ((victim.detected_by & iom) != 0) {
      if (corridor.type == CorridorType::foreign) {
        ++out.iom_foreign_per_year;
        ++out.iom_foreign_citizenship[corridor.origin];
      }
      if (corridor.type == CorridorType::internal) ++out.iom_domestic_per_year;
    }
    if (victim.year == 2021) {
      if ((victim.detected_by & labour) != 0) ++out.labour_2021;
      if ((victim.detected_by & (ngo | iom)) != 0) ++out.ngo_or_iom_2021;
    }
  }
  const double years = world.scenario.last_year - world.scenario.first_year + 1;
  out.iom_foreign_per_year /= years;
  out.iom_domestic_per_year /= years;
  out.international_share = international / foreign;
  out.total_to_detected = static_cast<double>(world.victims.size()) / detected;
  return out;
}

TEST(KazakhstanScenario, MeetsItsCalibrationTargets) {
  const Scenario scenario = load_scenario("kazakhstan");
  ASSERT_EQ(scenario.first_year, 2002);
  ASSERT_EQ(scenario.last_year, 2022);
  std::vector<Figures> runs;
  for (const std::uint64_t seed : {1, 2, 3, 4, 5}) {
    SimulateOptions options;
    options.seed = seed;
    runs.push_back(figures_of(simulate_world(scenario, options)));
  }
  const auto check = [&](double Figures::*member, double target, const char* what) {
    double sum = 0;
    for (const auto& run : runs) {
      EXPECT_NEAR(run.*member, target, 0.20 * target) << what;
      sum += run.*member;
    }
    EXPECT_NEAR(sum / static_cast<double>(runs.size()), target, 0.08 * target) << what;
  };
  // CTDC: 108 foreign victims a year identified in Kazakhstan, 2002-2022,
  // about twice the domestic ones.
  check(&Figures::iom_foreign_per_year, 108, "IOM foreign victims per year");
  check(&Figures::iom_domestic_per_year, 54, "IOM domestic victims per year");
  // About 66 % of foreign victims trafficked through international networks.
  for (const auto& run : runs) EXPECT_NEAR(run.international_share, 0.66, 0.03);
  // 2021: the labour ministry assisted 543 victims, NGOs with IOM 765 more.
  check(&Figures::labour_2021, 543, "labour inspectorate 2021");
  check(&Figures::ngo_or_iom_2021, 765, "NGOs or IOM 2021");
  for (const auto& run : runs) {
    // Many cases stay undetected: the true total is several times the detected.
    EXPECT_GE(run.total_to_detected, 2.5);
    EXPECT_LE(run.total_to_detected, 4.5);
    // Foreign victims come mainly from the eight countries the study names,
    // Uzbekistan first.
    std::vector<std::pair<std::int64_t, std::string>> ranked;
    std::int64_t total = 0;
    for (const auto& [country, count] : run.iom_foreign_citizenship) {
      ranked.emplace_back(count, country);
      total += count;
    }
    std::sort(ranked.rbegin(), ranked.rend());
    ASSERT_FALSE(ranked.empty());
    EXPECT_EQ(ranked[0].second, "UZB");
    std::set<std::string> top3 = {ranked[1].second, ranked[2].second, ranked[0].second};
    EXPECT_TRUE(top3.count("KGZ") == 1) << "Kyrgyzstan among the top three";
  }
}

}  // namespace
}  // namespace vigil::simulate
