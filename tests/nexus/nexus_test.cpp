// The nexus join, the gravity model against R, and the recovery of a
// simulated world's true migration elasticity.
#include "nexus/nexus.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "core/error.hpp"
#include "simulate/simulate.hpp"

namespace vigil::nexus {
namespace {

const std::string kFixtures = VIGIL_FIXTURES_DIR;

std::string write_temp(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path() / "vigil_nexus_test";
  std::filesystem::create_directories(dir);
  const auto path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// The demo's simulated world (seed 2024), as tests/fixtures/glm/families/
// world_corridors.csv keeps it: flow and detected victims per corridor-year
// for 49 corridors and 21 years. R 4.2.2 on that file:
//   library(sandwich)
//   w <- read.csv("world_corridors.csv")
//   w$corridor <- paste(w$origin, w$destination, sep = "->")
//   fit <- glm(detected_victims ~ log(flow) + factor(corridor) + factor(year),
//              family = poisson, data = w,
//              control = glm.control(epsilon = 1e-14, maxit = 100))
//   fit <- update(fit, start = coef(fit))
//   p(coef(fit)[2]); p(sqrt(vcov(fit)[2, 2]))
//   p(sqrt(vcovCL(fit, cluster = ~corridor, type = "HC0")[2, 2]))
//   p(deviance(fit)); p(as.numeric(logLik(fit)))
//   p(cor(w$flow, w$detected_victims))
// printed 0.753626508652243; 0.0493027847975145; 0.0517155837839265;
// 1001.74324473486; -2661.23486723159; 0.939836438758099.
TEST(Nexus, GravityModelAgreesWithRsDummyVariableGlm) {
  const std::string world = kFixtures + "/glm/families/world_corridors.csv";
  const auto migration = read_migration_table(world);
  // The same file read as a table of counts, its detected_victims column
  // renamed to victims.
  std::ifstream in(world);
  std::string line, counts = "year,origin,destination,victims\n";
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::size_t start = 0;
    for (std::size_t comma; (comma = line.find(',', start)) != std::string::npos;
         start = comma + 1) {
      f.push_back(line.substr(start, comma - start));
    }
    f.push_back(line.substr(start));
    counts += f[0] + "," + f[2] + "," + f[3] + "," + f[6] + "\n";
  }
  const auto victims = read_victim_counts(write_temp("world_counts.csv", counts));

  const NexusResult r = analyse_nexus(migration, victims, NexusOptions{});
  EXPECT_TRUE(r.converged);
  EXPECT_EQ(r.corridors, 49);
  EXPECT_EQ(r.years, 21);
  EXPECT_EQ(r.observations, 1029);
  constexpr double kRelative = 1e-8;  // the issue asks for 1e-6
  EXPECT_NEAR(r.elasticity.estimate, 0.753626508652243, kRelative * 0.75);
  EXPECT_NEAR(r.elasticity.model_std_error, 0.0493027847975145, kRelative * 0.05);
  EXPECT_NEAR(r.elasticity.std_error, 0.0517155837839265, kRelative * 0.05);
  EXPECT_NEAR(r.deviance, 1001.74324473486, kRelative * 1000);
  EXPECT_NEAR(r.log_likelihood, -2661.23486723159, kRelative * 2661);
  EXPECT_NEAR(r.pearson.estimate, 0.939836438758099, 1e-12);
  EXPECT_EQ(r.victim_rows_unmatched, 0);
  EXPECT_FALSE(r.corridors_correlations.empty());
  EXPECT_FALSE(r.caveats.empty());
}

TEST(Nexus, JoinAccountsForEveryVictim) {
  const auto migration = read_migration_table(
      write_temp("m.csv",
                 "year,origin,destination,flow,stock\n"
                 "2019,UZB,Almaty,1000,5000\n2019,UZB,Astana,500,2000\n2019,KGZ,Almaty,0,100\n"
                 "2020,UZB,Almaty,1200,5500\n2020,UZB,Astana,400,2100\n2020,KGZ,Almaty,300,350\n"
                 "2021,UZB,Almaty,1500,6000\n2021,UZB,Astana,450,2200\n2021,KGZ,Almaty,250,400\n"));
  const std::vector<VictimCount> victims = {
      {2019, "UZB", "Almaty", 10}, {2020, "UZB", "Almaty", 14}, {2021, "UZB", "Almaty", 15},
      {2019, "UZB", "Astana", 3},  {2020, "UZB", "Astana", 4},  {2021, "UZB", "Astana", 2},
      {2020, "KGZ", "Almaty", 1},  {2021, "KGZ", "Almaty", 2},  {2021, "TJK", "Almaty", 7}};
  const NexusResult r = analyse_nexus(migration, victims, NexusOptions{});
  EXPECT_EQ(r.victim_rows_unmatched, 1);
  EXPECT_EQ(r.victims_unmatched, 7);
  ASSERT_EQ(r.unmatched_examples.size(), 1u);
  EXPECT_EQ(r.unmatched_examples[0], "2021 TJK->Almaty");
  EXPECT_EQ(r.rows_without_migrants, 1);  // KGZ->Almaty 2019, flow 0
  EXPECT_EQ(r.panel.size(), 8u);

  // Folded into the country, the regions make one corridor per origin.
  NexusOptions national;
  national.regions_in = "KAZ";
  national.fixed_effects = {FixedEffect::origin, FixedEffect::year};
  national.cluster = ClusterBy::none;
  const NexusResult n = analyse_nexus(migration, victims, national);
  EXPECT_EQ(n.corridors, 2);
  double uzb_2019 = 0;
  for (const auto& row : n.panel) {
    if (row.year == 2019 && row.origin == "UZB") uzb_2019 = row.migrants;
  }
  EXPECT_EQ(uzb_2019, 1500);
}

TEST(Nexus, TablesThatDoNotJoinAreExplained) {
  const auto migration = read_migration_table(write_temp(
      "m2.csv", "year,origin,destination,flow\n2019,UZB,Almaty,1000\n2020,UZB,Almaty,900\n"));
  const std::vector<VictimCount> victims = {{2019, "UZB", "KAZ", 10}};
  try {
    analyse_nexus(migration, victims, NexusOptions{});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--regions-in"), std::string::npos) << e.what();
  }
}

TEST(Nexus, BadMigrationTablesNameFileLineAndColumn) {
  const auto path = write_temp("bad.csv", "year,origin,destination,flow\n2019,UZB,Almaty,many\n");
  try {
    read_migration_table(path);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv:2:4"), std::string::npos) << e.what();
  }
  const auto missing = write_temp("missing.csv", "year,from,to,flow\n2019,UZB,Almaty,1\n");
  try {
    read_migration_table(missing);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"origin\""), std::string::npos) << e.what();
  }
}

// Coverage of the elasticity's interval on simulated worlds. The
// `independent_lists` scenario is the kazakhstan world with a detection
// probability that is the same for every victim, corridor and year, so that
// the victims agencies identify are a constant share of all victims and
// carry the true elasticity (0.85); in the kazakhstan scenario detection
// trends differ between agencies and so between corridors, which biases the
// elasticity of identified victims (see bench/README.md). The victims are
// those detected, per corridor-year (what an agency's statistics hold).
//
// 40 worlds (seeds 1-40). The test fails when the number of intervals that
// hold the truth is significantly below the nominal 95% at the 0.5% level:
// pbinom(33, 40, 0.95) = 0.0034, so at least 34 of 40 must cover. (Over 200
// worlds, bench/nexus_coverage: 94.5% with the default cluster-robust
// errors, 96.0% with the model-based ones; seeds 1-10 alone: 8 of 10.)
TEST(Nexus, ElasticityIntervalCoversTheSimulatedTruth) {
  const simulate::Scenario scenario =
      simulate::load_scenario(std::string(VIGIL_SCENARIOS_DIR) + "/independent_lists.toml");
  constexpr int kWorlds = 40;
  std::vector<int> covered(kWorlds, 0);
  std::vector<std::string> lines(kWorlds);
  const auto run = [&](int first, int step) {
    for (int w = first; w < kWorlds; w += step) {
      simulate::SimulateOptions options;
      options.seed = static_cast<std::uint64_t>(w + 1);
      const simulate::World world = simulate::simulate_world(scenario, options);
      std::vector<MigrationRow> migration;
      for (const auto& row : world.migration) {
        const auto& corridor = world.corridors[row.corridor];
        migration.push_back(
            MigrationRow{row.year, corridor.origin, corridor.destination, row.flow, row.stock, {}});
      }
      std::map<std::tuple<int, std::string, std::string>, double> detected;
      for (const auto& victim : world.victims) {
        if (victim.detected_by == 0) continue;
        const auto& corridor = world.corridors[victim.corridor];
        detected[{victim.year, corridor.origin, corridor.destination}] += 1;
      }
      std::vector<VictimCount> victims;
      for (const auto& [key, count] : detected) {
        victims.push_back(VictimCount{std::get<0>(key), std::get<1>(key), std::get<2>(key), count});
      }
      const NexusResult r = analyse_nexus(migration, victims, NexusOptions{});
      const double truth = scenario.victims.elasticity;
      covered[static_cast<std::size_t>(w)] =
          r.elasticity.ci_lower <= truth && truth <= r.elasticity.ci_upper ? 1 : 0;
      lines[static_cast<std::size_t>(w)] = "seed " + std::to_string(w + 1) + ": " +
                                           std::to_string(r.elasticity.estimate) + " [" +
                                           std::to_string(r.elasticity.ci_lower) + ", " +
                                           std::to_string(r.elasticity.ci_upper) + "]";
    }
  };
  std::thread other(run, 1, 2);
  run(0, 2);
  other.join();
  int total = 0, first_ten = 0;
  std::string log;
  for (int w = 0; w < kWorlds; ++w) {
    total += covered[static_cast<std::size_t>(w)];
    if (w < 10) first_ten += covered[static_cast<std::size_t>(w)];
    log += lines[static_cast<std::size_t>(w)] + "\n";
  }
  std::cout << "covered: " << total << " of " << kWorlds << " (seeds 1-10: " << first_ten
            << " of 10)\n";
  EXPECT_GE(total, 34) << log;
}

}  // namespace
}  // namespace vigil::nexus
