// The `vigil` command line end to end: the real binary, run as a user would.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/cli_fixture.hpp"

namespace {

using vigil::testing::Cli;
using vigil::testing::Outcome;
using vigil::testing::slurp;

TEST_F(Cli, HelpTeachesTheVerbs) {
  const Outcome top = vigil("--help");
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("import"), std::string::npos);
  EXPECT_NE(top.out.find("profile"), std::string::npos);
  EXPECT_NE(top.out.find("Exit codes"), std::string::npos);
  const Outcome import = vigil("import --help");
  EXPECT_EQ(import.exit_code, 0);
  EXPECT_NE(import.out.find("Duplicates: a record is recognised by its source"), std::string::npos);
  EXPECT_NE(import.out.find("--source"), std::string::npos);
  const Outcome profile = vigil("profile --help");
  EXPECT_EQ(profile.exit_code, 0);
  EXPECT_NE(profile.out.find("--perspective"), std::string::npos);
  EXPECT_NE(profile.out.find("CTDC codebook"), std::string::npos);
  const Outcome simulate = vigil("simulate --help");
  EXPECT_EQ(simulate.exit_code, 0);
  EXPECT_NE(simulate.out.find("--scenario"), std::string::npos);
  EXPECT_NE(simulate.out.find("byte-identical"), std::string::npos);
  const Outcome mse = vigil("mse --help");
  EXPECT_EQ(mse.exit_code, 0);
  EXPECT_NE(mse.out.find("--method"), std::string::npos);
  EXPECT_NE(mse.out.find("minus"), std::string::npos);
  EXPECT_EQ(vigil("--version").out, "vigil 0.1.0\n");
}

TEST_F(Cli, NoVerbIsAUsageError) {
  const Outcome run = vigil("");
  EXPECT_EQ(run.exit_code, 2);  // a bad option, whatever CLI11 calls it
  EXPECT_NE(run.err.find("A subcommand is required"), std::string::npos);
}

TEST_F(Cli, ImportSummaryAndIdempotentReimport) {
  const std::string file = fixture("ctdc2018_global.csv");
  const Outcome first = vigil("import '" + file + "' --db cases.db");
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, file +
                           ": layout ctdc-2018, source \"ctdc2018_global.csv\": 240 rows read, "
                           "240 stored, 0 skipped as duplicates (store cases.db)\n");
  EXPECT_EQ(first.err, "");  // no progress line when stderr is not a terminal
  const Outcome again = vigil("import '" + file + "' --db cases.db --format json");
  EXPECT_EQ(again.exit_code, 0);
  const auto summary = nlohmann::json::parse(again.out);
  EXPECT_EQ(summary["rows_read"], 240);
  EXPECT_EQ(summary["rows_stored"], 0);
  EXPECT_EQ(summary["rows_duplicate"], 240);
  EXPECT_EQ(summary["layout"], "ctdc-2018");
}

TEST_F(Cli, BadRowFailsTheWholeImportWithFileLineColumn) {
  ASSERT_EQ(vigil("import '" + fixture("ctdc2024_synthetic.csv") + "' --db cases.db").exit_code, 0);
  const std::string bad =
      write_file("bad.csv",
                 "yearOfRegistration,gender,citizenship,CountryOfExploitation\n"
                 "2019,Woman,UZB,KAZ\n2019,Woman,UZB,KAZ\n2020,Woman,Uzbekistan,KAZ\n");
  const Outcome run = vigil("import bad.csv --db cases.db");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err,
            "vigil: bad.csv:4:3: expected an ISO 3166-1 alpha-2 or alpha-3 country "
            "code, got \"Uzbekistan\"\n");
  EXPECT_EQ(run.out, "");
  (void)bad;
  // Nothing of bad.csv reached the store: still the 300 fixture records.
  const Outcome profile = vigil("profile --db cases.db --format json");
  ASSERT_EQ(profile.exit_code, 0) << profile.err;
  EXPECT_EQ(nlohmann::json::parse(profile.out)["total"], 300);
}

TEST_F(Cli, IdentifyingColumnsAreDroppedAndAnnounced) {
  write_file("htcds.csv",
             "prs_FirstName,prs_Birthdate,prs_Gender,prs_Nationality,CountryOfExploitation\n"
             "CANARY-NAME,1990-01-01,Female,UZ,KZ\n");
  const Outcome run = vigil("import htcds.csv --db cases.db");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "vigil: dropped identifying columns unread: prs_FirstName, prs_Birthdate\n");
  EXPECT_EQ(run.out.find("CANARY"), std::string::npos);
  const std::string store = slurp(dir_.file("cases.db")) + slurp(dir_.file("cases.db-wal"));
  EXPECT_EQ(store.find("CANARY"), std::string::npos);
  EXPECT_EQ(store.find("1990-01-01"), std::string::npos);
}

TEST_F(Cli, ProfileFormats) {
  ASSERT_EQ(vigil("import '" + fixture("ctdc2018_global.csv") + "' --db cases.db").exit_code, 0);
  const Outcome json = vigil("profile --db cases.db --country KAZ --format json");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto profile = nlohmann::json::parse(json.out);
  // Cross-checked in tests/profile/ctdc_fixtures_test.cpp with sqlite3.
  EXPECT_EQ(profile["country"]["alpha3"], "KAZ");
  EXPECT_EQ(profile["total"], 116);
  EXPECT_EQ(profile["domestic"], 20);
  EXPECT_EQ(profile["foreign"], 80);
  EXPECT_EQ(profile["by_year"]["2009"], 13);
  EXPECT_EQ(profile["citizenship"][0]["code"], "UZB");
  EXPECT_EQ(profile["citizenship"][0]["count"], 31);
  EXPECT_EQ(profile["destinations_abroad"][0]["code"], "RUS");
  EXPECT_EQ(profile["labour_sector"]["denominator"], 10);
  EXPECT_EQ(profile["gender"]["missing"], 4);

  const Outcome csv =
      vigil("profile --cases '" + fixture("ctdc2018_global.csv") + "' --country KZ --format csv");
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')),
            "section,key,label,count,percent,denominator,missing");
  EXPECT_NE(csv.out.find("\nsummary,total,"), std::string::npos);

  const Outcome table = vigil("profile --db cases.db --country KZ -o profile.txt");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.err, "vigil: profile written to profile.txt\n");
  EXPECT_NE(slurp(dir_.file("profile.txt")).find("Kazakhstan"), std::string::npos);
}

TEST_F(Cli, ProfileUsageErrors) {
  const Outcome country = vigil("profile --db cases.db --country Kazakhstan");
  EXPECT_EQ(country.exit_code, 2);
  EXPECT_EQ(country.err,
            "vigil: --country: expected an ISO 3166-1 alpha-2 or alpha-3 code such "
            "as KZ or KAZ, got \"Kazakhstan\"\n");
  const Outcome years = vigil("profile --db cases.db --from 2020 --to 2010");
  EXPECT_EQ(years.exit_code, 2);
  EXPECT_EQ(years.err, "vigil: --from 2020 is after --to 2010\n");
  const Outcome missing = vigil("profile --db nowhere.db");
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_EQ(missing.err,
            "vigil: nowhere.db: no such store; import records first (vigil import "
            "FILE.csv --db nowhere.db) or read a CSV file with --cases\n");
  const Outcome both = vigil("profile --db a.db --cases '" + fixture("ctdc2018_global.csv") + "'");
  EXPECT_NE(both.exit_code, 0);
  EXPECT_NE(both.err.find("excludes"), std::string::npos);
}

TEST_F(Cli, SimulateWritesAWorldThatImportAndProfileRead) {
  const Outcome run = vigil("simulate --seed 3 --years 2020-2021 --out world --format json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto summary = nlohmann::json::parse(run.out);
  EXPECT_EQ(summary["scenario"], "kazakhstan");
  EXPECT_EQ(summary["seed"], 3);
  EXPECT_EQ(summary["first_year"], 2020);
  EXPECT_EQ(summary["last_year"], 2021);
  const auto truth = nlohmann::json::parse(slurp(dir_.file("world/truth.json")));
  EXPECT_EQ(truth["total_victims"], summary["total_victims"]);
  EXPECT_EQ(truth["detected_victims"], summary["detected_victims"]);
  EXPECT_EQ(truth["migration_elasticity"], 0.85);
  for (const char* file :
       {"migration.csv", "capture_histories.csv", "truth_links.csv", "regions.csv",
        "truth_corridors.csv", "lists/police.csv", "lists/iom.csv"}) {
    EXPECT_FALSE(slurp(dir_.file(std::string("world/") + file)).empty()) << file;
  }
  const Outcome imported = vigil("import world/cases.csv --db world.db --format json");
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(nlohmann::json::parse(imported.out)["rows_stored"], truth["detected_victims"]);
  const Outcome profile = vigil("profile --db world.db --format json");
  ASSERT_EQ(profile.exit_code, 0) << profile.err;
  EXPECT_EQ(nlohmann::json::parse(profile.out)["total"], truth["detected_victims"]);

  const Outcome text = vigil("simulate --seed 3 --years 2020-2021 --out world2");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out.substr(0, text.out.find(':')), "world2");
  EXPECT_NE(text.out.find("lists/labour_inspectorate.csv: "), std::string::npos);
  EXPECT_EQ(slurp(dir_.file("world/cases.csv")), slurp(dir_.file("world2/cases.csv")));
}

TEST_F(Cli, SimulateUsageErrors) {
  const Outcome years = vigil("simulate --years 2020 --out w");
  EXPECT_EQ(years.exit_code, 2);
  EXPECT_EQ(years.err, "vigil: --years: expected FIRST-LAST such as 2010-2020, got \"2020\"\n");
  const Outcome reversed = vigil("simulate --years 2021-2020 --out w");
  EXPECT_EQ(reversed.exit_code, 2);
  const Outcome scenario = vigil("simulate --scenario atlantis --out w");
  EXPECT_EQ(scenario.exit_code, 3);
  EXPECT_EQ(scenario.err,
            "vigil: atlantis: no such scenario file, and not a built-in scenario "
            "(built in: kazakhstan)\n");
  write_file("bad.toml", "[scenario]\nname = \"x\"\n");
  const Outcome bad = vigil("simulate --scenario bad.toml --out w");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.err.substr(0, 17), "vigil: bad.toml:1");
  EXPECT_NE(bad.err.find("needs the key \"first_year\""), std::string::npos);
}

TEST_F(Cli, MseEstimatesTheTotalAndSaysWhenItCannot) {
  const std::string uk = std::string(VIGIL_FIXTURES_DIR) + "/mse/UKdat.csv";
  // SparseMSE stepwise on UKdat: 11417.99 [9977.28, 13145.66]
  // (tests/mse/REFERENCE.md, table C; checked to 1e-8 in tests/mse).
  const Outcome json = vigil("mse '" + uk + "' --format json");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto result = nlohmann::json::parse(json.out);
  EXPECT_EQ(result["method"], "stepwise");
  EXPECT_EQ(result["exists"], true);
  EXPECT_EQ(result["observed"], 2744);
  EXPECT_NEAR(result["estimate"].get<double>(), 11417.9910915046, 1e-4);
  EXPECT_NEAR(result["dark_figure"].get<double>(), 11417.9910915046 - 2744, 1e-4);
  EXPECT_NEAR(result["ci"][0].get<double>(), 9977.28263976354, 1.0);
  EXPECT_NEAR(result["ci"][1].get<double>(), 13145.6565095763, 1.5);
  EXPECT_EQ(result["model"].size(), 6U + 7U);
  EXPECT_EQ(result["model"][6]["term"], "PF:NCA");
  EXPECT_EQ(result["df"], 49);
  for (const char* key : {"ci_method", "aic", "bic", "deviance", "warnings", "std_error"}) {
    EXPECT_TRUE(result.contains(key)) << key;
  }
  const Outcome table = vigil("mse '" + uk + "' --method main");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("Estimated total: 12214.0"), std::string::npos) << table.out;

  // Lists A and C share nobody: A:C at minus infinity, marked.
  write_file("d1.csv", "A,B,C,count\n1,0,0,30\n0,1,0,40\n0,0,1,25\n1,1,0,8\n0,1,1,6\n");
  const Outcome fixed = vigil("mse d1.csv --method fixed --terms A:C --format json");
  ASSERT_EQ(fixed.exit_code, 0) << fixed.err;
  const auto d1 = nlohmann::json::parse(fixed.out);
  EXPECT_EQ(d1["model"][3]["term"], "A:C");
  EXPECT_EQ(d1["model"][3]["infinite"], true);
  EXPECT_NEAR(d1["estimate"].get<double>(), 266.142857142845, 1e-6);

  // A list that observes nobody: no number, a reason.
  write_file("d2.csv", "A,B,C,count\n1,0,0,30\n0,1,0,40\n1,1,0,8\n");
  const Outcome none = vigil("mse d2.csv --format json");
  ASSERT_EQ(none.exit_code, 0) << none.err;
  const auto d2 = nlohmann::json::parse(none.out);
  EXPECT_EQ(d2["exists"], false);
  EXPECT_TRUE(d2["estimate"].is_null());
  EXPECT_NE(d2["reason"].get<std::string>().find("list C observes nobody"), std::string::npos);
  const Outcome none_table = vigil("mse d2.csv");
  EXPECT_NE(none_table.out.find("No estimate: the maximum-likelihood estimate is not finite"),
            std::string::npos)
      << none_table.out;
  EXPECT_EQ(none_table.out.find("Estimated total"), std::string::npos);

  // Usage and input errors.
  const Outcome terms = vigil("mse d1.csv --terms A:B");
  EXPECT_EQ(terms.exit_code, 2);
  EXPECT_EQ(terms.err, "vigil: --terms goes with --method fixed\n");
  write_file("bad.csv", "A,B,count\n1,0,5\n1,x,2\n");
  const Outcome bad = vigil("mse bad.csv");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.err, "vigil: bad.csv:3:2: expected 0 or 1, got \"x\"\n");
}

TEST_F(Cli, MseReadsTheSimulatorsCaptureHistories) {
  ASSERT_EQ(vigil("simulate --seed 4 --years 2021-2021 --out w").exit_code, 0);
  const Outcome run = vigil("mse w/capture_histories.csv --format json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto result = nlohmann::json::parse(run.out);
  const auto truth = nlohmann::json::parse(slurp(dir_.file("w/truth.json")));
  EXPECT_EQ(result["observed"], truth["detected_victims"]);
  EXPECT_EQ(result["lists"].size(), 5U);
}

TEST_F(Cli, MseModelSearchRankingsAndAverage) {
  const std::string western = std::string(VIGIL_FIXTURES_DIR) + "/mse/Western.csv";
  // R references: tests/mse/model_search_test.cpp (06_all_models.R).
  const Outcome aic = vigil("mse '" + western + "' --method aic --top 2 --format json");
  ASSERT_EQ(aic.exit_code, 0) << aic.err;
  const auto best = nlohmann::json::parse(aic.out);
  EXPECT_NEAR(best["estimate"].get<double>(), 2308.2437032761, 1e-5);
  EXPECT_EQ(best["models_fitted"], 1024);
  EXPECT_EQ(best["ranking_aic"].size(), 2U);
  EXPECT_EQ(best["ranking_aic"][0]["interactions"],
            (std::vector<std::string>{"A:B", "A:E", "B:E", "D:E"}));
  const Outcome average = vigil("mse '" + western + "' --method average --format json");
  ASSERT_EQ(average.exit_code, 0) << average.err;
  const auto averaged = nlohmann::json::parse(average.out);
  EXPECT_NEAR(averaged["estimate"].get<double>(), 3533.35612362896, 1e-5);
  EXPECT_NEAR(averaged["std_error"].get<double>(), 2431.96126793385, 1e-5);
  EXPECT_TRUE(averaged["model"].is_null());
  EXPECT_TRUE(averaged["deviance"].is_null());
  const Outcome too_many =
      vigil("mse '" + std::string(VIGIL_FIXTURES_DIR) + "/mse/NewOrl.csv' --method bic");
  EXPECT_EQ(too_many.exit_code, 2);
  EXPECT_NE(too_many.err.find("up to 6 lists"), std::string::npos);
}

TEST_F(Cli, MseClosedPopulationModelsAndIntervals) {
  const std::string uk = std::string(VIGIL_FIXTURES_DIR) + "/mse/UKdat.csv";
  // Rcapture closedp.t / closedpCI.t(m = "Mt") on UKdat (tests/mse/REFERENCE.md,
  // table D): Mt 12213.9951246007; profile interval [10983.8505273511,
  // 13648.2126893129], which Rcapture solves to about 1e-5.
  const Outcome mt = vigil("mse '" + uk + "' --method Mt --format json");
  ASSERT_EQ(mt.exit_code, 0) << mt.err;
  const auto closed = nlohmann::json::parse(mt.out);
  EXPECT_EQ(closed["model_name"], "Mt");
  EXPECT_TRUE(closed["model"].is_null());
  EXPECT_NEAR(closed["estimate"].get<double>(), 12213.9951246007, 1e-4);
  const Outcome profile = vigil("mse '" + uk + "' --method main --ci profile --format json");
  ASSERT_EQ(profile.exit_code, 0) << profile.err;
  const auto interval = nlohmann::json::parse(profile.out);
  EXPECT_NEAR(interval["ci"][0].get<double>(), 10983.8505273511, 1e-3);
  EXPECT_NEAR(interval["ci"][1].get<double>(), 13648.2126893129, 1e-3);
  EXPECT_TRUE(interval.contains("profile_estimate"));
  // A small bootstrap: deterministic for a seed, interval around the estimate.
  const std::string western = std::string(VIGIL_FIXTURES_DIR) + "/mse/Western.csv";
  const std::string command =
      "mse '" + western + "' --ci bca --bootstrap 50 --seed 7 --format json";
  const Outcome first = vigil(command);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(vigil(command).out, first.out);
  const auto boot = nlohmann::json::parse(first.out);
  EXPECT_EQ(boot["bootstrap"]["replicates"], 50);
  EXPECT_LT(boot["ci"][0].get<double>(), boot["estimate"].get<double>());
  EXPECT_GT(boot["ci"][1].get<double>(), boot["estimate"].get<double>());
  const Outcome wrong = vigil("mse '" + uk + "' --method main --ci bca");
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_EQ(wrong.err, "vigil: --ci bootstrap and bca go with --method stepwise\n");
}

TEST_F(Cli, MseStrataAreSummedAndUnestimableOnesReported) {
  // North: main effects on (30, 40, 25, 8, 6, 5) for A, B, C, AB, BC, AC;
  // south: list C observes nobody, so it has no estimate.
  write_file("strata.csv",
             "A,B,C,region,count\n1,0,0,north,30\n0,1,0,north,40\n0,0,1,north,25\n"
             "1,1,0,north,8\n0,1,1,north,6\n1,0,1,north,5\n1,0,0,south,20\n0,1,0,south,10\n"
             "1,1,0,south,4\n");
  const Outcome run = vigil("mse strata.csv --strata region --method main --format json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto out = nlohmann::json::parse(run.out);
  ASSERT_EQ(out["strata"].size(), 2U);
  EXPECT_EQ(out["strata"][0]["stratum"], "north");
  EXPECT_EQ(out["strata"][1]["exists"], false);
  const double north = out["strata"][0]["estimate"].get<double>();
  EXPECT_EQ(out["combined"]["observed"], 148);
  EXPECT_NEAR(out["combined"]["estimate"].get<double>(), north + 34, 1e-9);
  EXPECT_EQ(out["combined"]["complete"], false);
  EXPECT_EQ(out["combined"]["strata_without_estimate"], std::vector<std::string>{"south"});
  const Outcome table = vigil("mse strata.csv --strata region --method main");
  EXPECT_NE(table.out.find("so the total is a lower bound"), std::string::npos) << table.out;
}

}  // namespace

// `vigil glm` prints R's numbers: warpbreaks as the fixture holds it (its
// tension levels sorted H, L, M), from R 4.2.2:
//   d <- read.csv("tests/fixtures/glm/warpbreaks.csv")
//   fit <- glm(breaks ~ wool + tension, family = poisson, data = d,
//              control = glm.control(epsilon = 1e-14))
//   sprintf("%.10g", c(coef(fit), deviance(fit), AIC(fit)))
TEST_F(Cli, GlmPrintsAnRLikeSummaryAndJson) {
  const std::string data = fixture("glm/warpbreaks.csv");
  const Outcome table = vigil("glm --data '" + data + "' --formula 'breaks ~ wool + tension'");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("(Intercept)"), std::string::npos);
  EXPECT_NE(table.out.find("woolB"), std::string::npos);
  EXPECT_NE(table.out.find("tensionL"), std::string::npos);
  EXPECT_NE(table.out.find("Residual deviance"), std::string::npos);
  EXPECT_NE(table.out.find("Pr(>|z|)"), std::string::npos);

  const Outcome json = vigil("glm --data '" + data +
                             "' --formula 'breaks ~ wool + tension' --format json --robust hc1");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto doc = nlohmann::json::parse(json.out);
  ASSERT_EQ(doc["coefficients"].size(), 4u);
  EXPECT_EQ(doc["coefficients"][1]["term"], "woolB");
  EXPECT_TRUE(doc["coefficients"][0].contains("robust_std_error"));
  for (const char* key : {"deviance", "null_deviance", "df_residual", "aic", "bic", "loglik",
                          "converged", "iterations"}) {
    EXPECT_TRUE(doc.contains(key)) << key;
  }
  EXPECT_EQ(doc["df_residual"], 50);
  EXPECT_TRUE(doc["converged"].get<bool>());

  const Outcome negbin =
      vigil("glm --data '" + data +
            "' --formula 'breaks ~ wool * tension' --family negbin --format json");
  ASSERT_EQ(negbin.exit_code, 0) << negbin.err;
  const auto nb = nlohmann::json::parse(negbin.out);
  EXPECT_TRUE(nb.contains("theta"));
  EXPECT_EQ(nb["coefficients"][4]["term"], "woolB:tensionL");
}

TEST_F(Cli, GlmExplainsBadFormulasColumnsAndData) {
  const std::string data = fixture("glm/warpbreaks.csv");
  const Outcome syntax = vigil("glm --data '" + data + "' --formula 'breaks ~ wool +'");
  EXPECT_EQ(syntax.exit_code, 1);
  EXPECT_NE(syntax.err.find("formula:1:"), std::string::npos) << syntax.err;
  const Outcome column = vigil("glm --data '" + data + "' --formula 'breaks ~ wol'");
  EXPECT_NE(column.exit_code, 0);
  EXPECT_NE(column.err.find("tension"), std::string::npos) << column.err;  // lists the columns
  const std::string bad = write_file("bad.csv", "y,x\n1,2\n2,0\n3,4\n");
  const Outcome log_zero = vigil("glm --data bad.csv --formula 'y ~ log(x)'");
  EXPECT_EQ(log_zero.exit_code, 1);
  EXPECT_NE(log_zero.err.find("bad.csv:3:"), std::string::npos) << log_zero.err;
  const Outcome family =
      vigil("glm --data '" + data + "' --formula 'breaks ~ wool' --family gamma");
  EXPECT_EQ(family.exit_code, 2);
  const Outcome robust =
      vigil("glm --data '" + data + "' --formula 'breaks ~ wool' --robust sandwich");
  EXPECT_EQ(robust.exit_code, 2);
  EXPECT_NE(robust.err.find("cluster:VARIABLE"), std::string::npos) << robust.err;
  // A column that is a multiple of another is aliased, named, and NA.
  write_file("aliased.csv", "y,x,z\n1,1,2\n3,2,4\n2,3,6\n5,4,8\n4,5,10\n");
  const Outcome aliased = vigil("glm --data aliased.csv --formula 'y ~ x + z'");
  EXPECT_EQ(aliased.exit_code, 0) << aliased.err;
  EXPECT_NE(aliased.out.find("R reports NA for them): z"), std::string::npos) << aliased.out;
  const Outcome help = vigil("glm --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--robust"), std::string::npos);
  EXPECT_NE(help.out.find("Examples"), std::string::npos);
}

TEST_F(Cli, NexusJoinsCasesWithMigrationAndReportsTheElasticity) {
  const Outcome sim = vigil("simulate --out world --years 2012-2022");
  ASSERT_EQ(sim.exit_code, 0) << sim.err;
  const Outcome table = vigil(
      "nexus --migration world/migration.csv --cases world/cases.csv --regions-in KAZ "
      "--panel-out panel.csv");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("elasticity"), std::string::npos);
  EXPECT_NE(table.out.find("Kendall"), std::string::npos);
  EXPECT_NE(table.out.find("Caveats"), std::string::npos);
  EXPECT_NE(slurp(dir_.file("panel.csv")).find("year,origin,destination,migrants,victims"),
            std::string::npos);

  const Outcome json = vigil(
      "nexus --migration world/migration.csv --cases world/cases.csv --regions-in KAZ "
      "--format json");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto doc = nlohmann::json::parse(json.out);
  const double estimate = doc["elasticity"]["estimate"];
  EXPECT_GT(estimate, 0.2);
  EXPECT_LT(estimate, 1.5);
  EXPECT_LT(doc["elasticity"]["ci_lower"].get<double>(), estimate);
  EXPECT_TRUE(doc["correlations"].contains("spearman"));
  EXPECT_FALSE(doc["caveats"].empty());

  // Without --regions-in the regional table and the national cases do not join.
  const Outcome unjoined = vigil("nexus --migration world/migration.csv --cases world/cases.csv");
  EXPECT_EQ(unjoined.exit_code, 1);
  EXPECT_NE(unjoined.err.find("--regions-in"), std::string::npos) << unjoined.err;
  const Outcome bad_fe =
      vigil("nexus --migration world/migration.csv --cases world/cases.csv --fixed-effects galaxy");
  EXPECT_EQ(bad_fe.exit_code, 2);
  const Outcome help = vigil("nexus --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--regions-in"), std::string::npos);
}

// `vigil glm --db` models the stored cases, flags coded by the codebook's
// rule (0 where the record informs the group, unknown where it does not).
TEST_F(Cli, GlmModelsTheStoredCases) {
  ASSERT_EQ(vigil("simulate --out world --years 2020-2022").exit_code, 0);
  ASSERT_EQ(vigil("import world/cases.csv --db cases.db").exit_code, 0);
  const Outcome fit = vigil(
      "glm --db cases.db --family binomial --formula 'sexual_exploitation ~ gender' --format json");
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  const auto doc = nlohmann::json::parse(fit.out);
  EXPECT_EQ(doc["coefficients"][1]["term"], "genderWoman");
  EXPECT_GT(doc["rows_used"].get<int>(), 100);
  EXPECT_TRUE(doc["converged"].get<bool>());
  const Outcome neither = vigil("glm --formula 'y ~ x'");
  EXPECT_EQ(neither.exit_code, 2);
  EXPECT_NE(neither.err.find("--db"), std::string::npos) << neither.err;
}

TEST_F(Cli, IndexRanksUnitsWithTheUncertaintyOfTheirRanks) {
  const std::string config = std::string(VIGIL_EXAMPLES_DIR) + "/index/lifecycle.toml";
  const std::string data = std::string(VIGIL_EXAMPLES_DIR) + "/index/lifecycle.csv";
  const Outcome table = vigil("index --config '" + config + "' --data '" + data + "'");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("Cronbach"), std::string::npos);
  const Outcome json =
      vigil("index --config '" + config + "' --data '" + data + "' --mc 200 --format json");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto doc = nlohmann::json::parse(json.out);
  ASSERT_EQ(doc["units"].size(), 50u);
  const auto& unit = doc["units"][0];
  for (const char* key : {"unit", "score", "rank", "rank_median", "rank_p05", "rank_p95"}) {
    EXPECT_TRUE(unit.contains(key)) << key;
  }
  EXPECT_EQ(doc["dimensions"].size(), 2u);
  EXPECT_TRUE(doc["dimensions"][0]["scores"].contains("Australia"));
  EXPECT_TRUE(doc["sensitivity"]["rank_shift_total"].contains("aggregation"));
  const Outcome csv = vigil("index --config '" + config + "' --data '" + data + "' --format csv");
  ASSERT_EQ(csv.exit_code, 0);
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')),
            "unit,score,rank,dimension_demography,dimension_economy");

  write_file("bad.toml", "[method]\nnormalisation = \"minimax\"\n");
  const Outcome bad = vigil("index --config bad.toml --data '" + data + "'");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("bad.toml:2:"), std::string::npos) << bad.err;
  const Outcome help = vigil("index --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("[[indicator]]"), std::string::npos);
}

// simulate -> link -> mse, in clear and encoded, as the README shows it.
TEST_F(Cli, LinkTurnsAgenciesListsIntoCaptureHistoriesForMse) {
  const Outcome help = vigil("link --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("encode"), std::string::npos);
  EXPECT_NE(help.out.find("capture_histories.csv"), std::string::npos);
  EXPECT_EQ(vigil("link encode --help").exit_code, 0);
  EXPECT_EQ(vigil("link match --help").exit_code, 0);

  ASSERT_EQ(vigil("simulate --seed 3 --years 2019-2021 --out world").exit_code, 0);
  const std::string lists =
      "world/lists/police.csv world/lists/labour_inspectorate.csv "
      "world/lists/migration_service.csv world/lists/ngo.csv world/lists/iom.csv";
  const Outcome linked = vigil("link " + lists + " --out linked --truth world/truth_links.csv");
  ASSERT_EQ(linked.exit_code, 0) << linked.err;
  EXPECT_NE(linked.out.find("Linked 5 lists"), std::string::npos) << linked.out;
  // The F1 the CLI reports is the library's; a floor here catches a CLI that
  // feeds the lists wrongly (swapped columns, wrong date order).
  const auto f1_at = linked.out.find("F1 ");
  ASSERT_NE(f1_at, std::string::npos) << linked.out;
  EXPECT_GT(std::stod(linked.out.substr(f1_at + 3, 6)), 0.9) << linked.out;
  const std::string histories = slurp(dir_.file("linked/capture_histories.csv"));
  EXPECT_EQ(histories.substr(0, histories.find('\n')),
            "police,labour_inspectorate,migration_service,ngo,iom,count");
  const auto model = nlohmann::json::parse(slurp(dir_.file("linked/linkage.json")));
  EXPECT_EQ(model["lists"].size(), 5u);
  EXPECT_GT(model["blocking"]["candidate_pairs"].get<double>(), 0.0);
  const Outcome mse = vigil("mse linked/capture_histories.csv");
  ASSERT_EQ(mse.exit_code, 0) << mse.err;
  EXPECT_NE(mse.out.find("Estimated total"), std::string::npos);

  // Encoded: each agency encodes, the encodings are matched.
  write_file("link.secret", "a secret shared by the agencies only\n");
  for (const char* agency : {"police", "labour_inspectorate", "migration_service", "ngo", "iom"}) {
    const Outcome encoded = vigil(std::string("link encode world/lists/") + agency +
                                  ".csv --secret-file link.secret --out " + agency + ".enc.csv");
    ASSERT_EQ(encoded.exit_code, 0) << encoded.err;
  }
  const std::string encoded_lists =
      "police.enc.csv labour_inspectorate.enc.csv migration_service.enc.csv ngo.enc.csv "
      "iom.enc.csv";
  const Outcome matched =
      vigil("link match " + encoded_lists + " --out matched --truth world/truth_links.csv");
  ASSERT_EQ(matched.exit_code, 0) << matched.err;
  const auto f1_encoded = matched.out.find("F1 ");
  ASSERT_NE(f1_encoded, std::string::npos) << matched.out;
  EXPECT_GT(std::stod(matched.out.substr(f1_encoded + 3, 6)), 0.9) << matched.out;
  EXPECT_EQ(vigil("mse matched/capture_histories.csv").exit_code, 0);

  // A list encoded with another secret is refused, as are bad invocations.
  write_file("other.secret", "another secret, not the shared one\n");
  ASSERT_EQ(vigil("link encode world/lists/iom.csv --secret-file other.secret --out iom2.enc.csv")
                .exit_code,
            0);
  const Outcome mixed = vigil("link match police.enc.csv iom2.enc.csv --out mixed");
  EXPECT_EQ(mixed.exit_code, 2);
  EXPECT_NE(mixed.err.find("different secrets"), std::string::npos) << mixed.err;
  EXPECT_EQ(vigil("link world/lists/police.csv --out one").exit_code, 2);
  EXPECT_EQ(vigil("link " + lists).exit_code, 2);  // no --out
  write_file("short.secret", "short\n");
  EXPECT_EQ(
      vigil("link encode world/lists/iom.csv --secret-file short.secret --out x.enc.csv").exit_code,
      1);
  write_file("bad.toml", "[model]\nmin_probabilty = 0.4\n");
  const Outcome bad = vigil("link " + lists + " --config bad.toml --out bad");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("bad.toml:2"), std::string::npos) << bad.err;
}

TEST_F(Cli, ReportWritesOneSelfContainedHtmlFile) {
  const Outcome help = vigil("report --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--min-cell"), std::string::npos);
  ASSERT_EQ(vigil("simulate --seed 5 --years 2018-2021 --out world").exit_code, 0);
  const Outcome report = vigil("report --world world --country KZ --min-cell 10 -o report.html");
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(report.err.find("cells suppressed"), std::string::npos) << report.err;
  const std::string html = slurp(dir_.file("report.html"));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0U);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("vigil report --world world"), std::string::npos);  // provenance
  // Contradictory or missing inputs are usage errors; a bad file is an io error.
  EXPECT_EQ(vigil("report --world world --db x.db --cases world/cases.csv -o r.html").exit_code, 2);
  EXPECT_EQ(vigil("report -o r.html").exit_code, 2);
  EXPECT_EQ(vigil("report --world world --min-cell 0 -o r.html").exit_code, 2);
  EXPECT_EQ(vigil("report --world world -o no/such/dir/r.html").exit_code, 3);
  EXPECT_FALSE(std::ifstream(dir_.file("r.html")).good());
}

TEST_F(Cli, PublishCheckSaysWhetherAFileIsSafe) {
  const Outcome help = vigil("publish check --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("prosecutor"), std::string::npos);
  // Classes on (sex, age): (F, 18-25) x3, (M, 26-35) x2, (F, 26-35) x1.
  write_file("cases.csv",
             "id,sex,age,exploitation\n"
             "1,F,18-25,sexual\n2,F,18-25,labour\n3,F,18-25,sexual\n"
             "4,M,26-35,labour\n5,M,26-35,labour\n6,F,26-35,sexual\n");
  const Outcome unsafe = vigil("publish check cases.csv --quasi sex,age --k 2 --format json");
  EXPECT_EQ(unsafe.exit_code, 5) << unsafe.err;
  const auto j = nlohmann::json::parse(unsafe.out);
  EXPECT_EQ(j["k"], 1);
  EXPECT_EQ(j["satisfies"], false);
  EXPECT_EQ(j["violating_records"], 1);
  EXPECT_EQ(j["violating_classes"], 1);
  EXPECT_DOUBLE_EQ(j["max_risk"].get<double>(), 1.0);
  const Outcome safe = vigil("publish check cases.csv --quasi sex --k 2");
  EXPECT_EQ(safe.exit_code, 0) << safe.err;
  EXPECT_NE(safe.out.find("SAFE"), std::string::npos);
  // l-diversity: (M, 26-35) shows one exploitation type.
  const Outcome diverse = vigil(
      "publish check cases.csv --quasi sex --sensitive exploitation --k 2 --l 2 "
      "--format json");
  EXPECT_EQ(diverse.exit_code, 5);
  EXPECT_EQ(nlohmann::json::parse(diverse.out)["l"], 1);
  EXPECT_EQ(vigil("publish check cases.csv --quasi nosuch").exit_code, 1);
  EXPECT_EQ(vigil("publish check cases.csv --quasi sex --l 2").exit_code, 2);
}

// A CTDC-layout file with an identifying column, shared by the release tests.
class CliPublish : public Cli {
 protected:
  void SetUp() override {
    std::ifstream in(std::string(VIGIL_EXAMPLES_DIR) + "/ctdc_synthetic_kz.csv", std::ios::binary);
    std::stringstream body;
    body << in.rdbuf();
    write_file("cases.csv", body.str());
  }
  static nlohmann::json json_of(const std::string& path) {
    return nlohmann::json::parse(slurp(path));
  }
};

TEST_F(CliPublish, AnonymiseWritesAReleaseThatPassesTheIndependentCheck) {
  const Outcome help = vigil("publish anonymise --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("UN M49"), std::string::npos);
  EXPECT_NE(help.out.find("--max-suppression"), std::string::npos);
  const std::string quasi = "--quasi gender,ageBroad,citizenship,yearOfRegistration";
  const Outcome run = vigil("publish anonymise cases.csv " + quasi +
                            " --sensitive isForcedLabour,isSexualExploit --k 11 --out release");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("Released"), std::string::npos);
  for (const char* f : {"data.csv", "parameters.json", "PRIVACY.md", "SHA256SUMS"}) {
    EXPECT_TRUE(std::ifstream(dir_.file("release/") + f).good()) << f;
  }
  // The release passes `publish check`, run as a separate process.
  const Outcome check = vigil("publish check release/data.csv " + quasi + " --k 11");
  EXPECT_EQ(check.exit_code, 0) << check.out;
  const auto params = json_of(dir_.file("release/parameters.json"));
  EXPECT_EQ(params["k"], 11);
  EXPECT_GE(params["result"]["smallest_class"].get<int>(), 11);
  EXPECT_LE(params["result"]["suppressed_share"].get<double>(), 0.05);
  EXPECT_EQ(params["source"]["records"], 3000);
  // Only the named columns are released.
  const std::string data = slurp(dir_.file("release/data.csv"));
  EXPECT_EQ(data.substr(0, data.find('\n')),
            "gender,ageBroad,citizenship,yearOfRegistration,isForcedLabour,isSexualExploit");
  EXPECT_NE(slurp(dir_.file("release/PRIVACY.md")).find("at least 11 records"), std::string::npos);
  // An existing folder is refused without --replace.
  EXPECT_EQ(vigil("publish anonymise cases.csv " + quasi + " --k 5 --out release").exit_code, 2);
  EXPECT_EQ(
      vigil("publish anonymise cases.csv " + quasi + " --k 5 --out release --replace").exit_code,
      0);
  EXPECT_EQ(json_of(dir_.file("release/parameters.json"))["k"], 5);
}

TEST_F(CliPublish, AnonymiseRefusesIdentifyingColumnsAndReportsAnImpossibleRequest) {
  write_file("named.csv", "FullName,gender,citizenship\nA B,Woman,KAZ\nC D,Man,UZB\n");
  const Outcome named = vigil(
      "publish anonymise named.csv --quasi gender --keep FullName "
      "--k 1 --out r");
  EXPECT_EQ(named.exit_code, 2);
  EXPECT_NE(named.err.find("identifying"), std::string::npos);
  EXPECT_EQ(named.err.find("A B"), std::string::npos);
  // k larger than the file, nothing may be withheld: no release exists.
  const Outcome impossible = vigil(
      "publish anonymise cases.csv --quasi gender,citizenship --k 5000 "
      "--max-suppression 0 --out r");
  EXPECT_EQ(impossible.exit_code, 5) << impossible.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("r")));
  EXPECT_EQ(vigil("publish anonymise cases.csv --quasi gender --k 5").exit_code, 2);  // no --out
  EXPECT_EQ(vigil("publish anonymise cases.csv --db x.db --quasi gender --out r").exit_code, 2);
  EXPECT_EQ(vigil("publish anonymise --quasi gender --out r").exit_code, 2);  // no input
}

TEST_F(CliPublish, AnonymiseReadsTheStoreAndHierarchyFiles) {
  ASSERT_EQ(vigil("import cases.csv --db vigil.db").exit_code, 0);
  write_file("gender.csv",
             "gender,any\nWoman,person\nMan,person\n"
             "Trans/Transgender/NonConforming,person\n");
  const Outcome run = vigil(
      "publish anonymise --db vigil.db --quasi gender,ageBroad,citizenship --hierarchy "
      "gender=gender.csv --k 5 --l 2 --sensitive CountryOfExploitation --format json --out rel");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j["source"]["kind"], "store");
  EXPECT_EQ(j["source"]["records"], 3000);
  EXPECT_EQ(j["quasi_identifiers"][0]["hierarchy"].get<std::string>().empty(), false);
  EXPECT_EQ(vigil("publish check rel/data.csv --quasi gender,ageBroad,citizenship --k 5 "
                  "--sensitive CountryOfExploitation --l 2")
                .exit_code,
            0);
  EXPECT_EQ(vigil("publish anonymise --db nosuch.db --quasi gender --out r2").exit_code, 2);
  EXPECT_EQ(vigil("publish anonymise cases.csv --quasi gender --hierarchy citizenship=g.csv "
                  "--out r3")
                .exit_code,
            2);
}

TEST_F(CliPublish, TableWithholdsSmallCountsAndWritesALongCsv) {
  const Outcome help = vigil("publish table --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("linear programs"), std::string::npos);
  const Outcome run = vigil(
      "publish table cases.csv --by citizenship,CountryOfExploitation,yearOfRegistration "
      "--min-cell 10 --out table");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string csv = slurp(dir_.file("table/table.csv"));
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "citizenship,CountryOfExploitation,yearOfRegistration,count,status");
  EXPECT_NE(csv.find("Total,Total,Total,3000,shown"), std::string::npos);
  EXPECT_NE(csv.find(",suppressed,primary"), std::string::npos);
  // No shown count is between 1 and 9.
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    const auto status = line.rfind(',');
    const auto count = line.rfind(',', status - 1);
    const std::string value = line.substr(count + 1, status - count - 1);
    if (value == "suppressed") continue;
    const long n = std::stol(value);
    EXPECT_TRUE(n == 0 || n >= 10) << line;
  }
  const auto params = json_of(dir_.file("table/parameters.json"));
  EXPECT_EQ(params["min_cell"], 10);
  EXPECT_GT(params["result"]["hidden"].get<int>(), 0);
  EXPECT_EQ(vigil("publish table cases.csv --by citizenship --min-cell 0 --out t2").exit_code, 2);
}

TEST_F(CliPublish, SynthesizeReleasesNoisyMarginalsAndKeepsTheSeedAndEvaluationOut) {
  const std::string columns = "--columns gender,ageBroad,citizenship,isForcedLabour";
  const Outcome run = vigil("publish synthesize cases.csv " + columns +
                            " --epsilon 2 --records 500 --out syn --evaluation eval.csv");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("not for publication"), std::string::npos);
  const std::string synthetic = slurp(dir_.file("syn/synthetic.csv"));
  EXPECT_EQ(std::count(synthetic.begin(), synthetic.end(), '\n'), 501);  // header + 500
  EXPECT_NE(slurp(dir_.file("syn/marginals.csv")).find("length,attribute_1,value_1"),
            std::string::npos);
  const auto params = json_of(dir_.file("syn/parameters.json"));
  EXPECT_NEAR(params["epsilon"].get<double>(), 2.0, 1e-9);
  EXPECT_EQ(params["seed"], "not recorded: the noise is secret");
  EXPECT_NE(slurp(dir_.file("eval.csv")).find("synthetic,3,"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("syn/eval.csv")));
  // The evaluation describes the original records: never inside the release.
  EXPECT_EQ(
      vigil("publish synthesize cases.csv " + columns + " --out syn2 --evaluation syn2/eval.csv")
          .exit_code,
      2);
  // A seed makes the noise reproducible, with a warning; it is not recorded.
  const Outcome a = vigil("publish synthesize cases.csv " + columns + " --seed 7 --out s1");
  const Outcome b = vigil("publish synthesize cases.csv " + columns + " --seed 7 --out s2");
  EXPECT_NE(a.err.find("--seed"), std::string::npos);
  EXPECT_EQ(slurp(dir_.file("s1/marginals.csv")), slurp(dir_.file("s2/marginals.csv")));
  EXPECT_EQ(slurp(dir_.file("s1/parameters.json")).find("\"7\""), std::string::npos);
  EXPECT_EQ(vigil("publish synthesize cases.csv " + columns + " --epsilon 0 --out s3").exit_code,
            2);
}
