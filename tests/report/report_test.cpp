// The report as a document: sections from what was given, no cell below the
// threshold anywhere, nothing that would make a browser fetch anything.
#include "report/report.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <regex>
#include <string>

#include "core/error.hpp"
#include "report/charts.hpp"
#include "report/suppression.hpp"
#include "simulate/simulate.hpp"
#include "store/test_support.hpp"

namespace vigil::report {
namespace {

// A small world: three years of the kazakhstan scenario, so that many
// citizenships, sectors, years and list overlaps have small counts.
const std::string& small_world() {
  static testing::ScratchDir dir;
  static const std::string path = [] {
    simulate::SimulateOptions options;
    options.seed = 11;
    options.first_year = 2019;
    options.last_year = 2021;
    const auto world = simulate::simulate_world(simulate::load_scenario("kazakhstan"), options);
    simulate::write_world(world, dir.file("world"));
    // Keep one record in forty: the counts per year, citizenship, sector and
    // means of control then fall on both sides of the thresholds tested.
    const std::string cases = dir.file("world/cases.csv");
    std::ifstream in(cases, std::ios::binary);
    std::string kept;
    std::string line;
    for (int row = 0; std::getline(in, line); ++row) {
      if (row % 40 == 0) kept += line + "\n";
    }
    in.close();
    std::ofstream(cases, std::ios::binary) << kept;
    return dir.file("world");
  }();
  return path;
}

// The numbers shown as counts of victims: every element of class "count"
// (HTML) or "value" (charts), suppressed ones excepted.
std::vector<double> shown_counts(const std::string& html) {
  std::vector<double> counts;
  static const std::regex element(R"re(class="(?:count|value)"[^>]*>([^<]*)<)re");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), element);
       it != std::sregex_iterator(); ++it) {
    std::string text = (*it)[1].str();
    std::string digits;
    for (const char c : text) {
      if ((c >= '0' && c <= '9') || c == '.' || c == '-') digits += c;
    }
    EXPECT_FALSE(digits.empty()) << "a count element holds no number: " << text;
    if (!digits.empty()) counts.push_back(std::stod(digits));
  }
  return counts;
}

TEST(Report, NoCountBelowTheThresholdAppearsAnywhere) {
  for (const std::int64_t min_cell : {10, 50}) {
    ReportOptions options = options_for_world(small_world());
    options.min_cell = min_cell;
    const Report report = build_report(options);
    const auto counts = shown_counts(report.html);
    // The world has counts on both sides of the threshold: the test would
    // be empty otherwise.
    ASSERT_GT(counts.size(), 20U);
    ASSERT_GT(report.suppressed.size(), 5U);
    for (const double c : counts) {
      EXPECT_TRUE(c == 0.0 || c >= static_cast<double>(min_cell)) << c << " < " << min_cell;
    }
    EXPECT_NE(report.html.find(">suppressed<"), std::string::npos);
    // Every suppression is listed in the methods section.
    for (const auto& s : report.suppressed) {
      EXPECT_NE(report.html.find(xml_escape(s.where)), std::string::npos) << s.where;
    }
  }
}

TEST(Suppressor, SmallCountsGoAndZeroStays) {
  Suppressor s(10);
  EXPECT_TRUE(std::isnan(s.cell(9, "a")));
  EXPECT_TRUE(std::isnan(s.cell(1, "b")));
  EXPECT_EQ(s.cell(10, "c"), 10.0);
  EXPECT_EQ(s.cell(0, "d"), 0.0);
  ASSERT_EQ(s.suppressed().size(), 2U);
  EXPECT_EQ(s.suppressed()[0].where, "a");
  EXPECT_EQ(s.suppressed()[0].reason, "count from 1 to 9");
  EXPECT_TRUE(std::isnan(Suppressor(1000).cell(999, "x")));
  EXPECT_EQ(Suppressor(1).cell(1, "x"), 1.0);  // 1 suppresses nothing
}

TEST(Suppressor, SecondarySuppressionProtectsACellOfAShownTotal) {
  Suppressor s(10);
  // 120 = 100 + 15 + 5: with 5 hidden and 120 shown, 100 and 15 would give
  // it away; the smaller of them goes too.
  const auto one = s.group({100, 15, 5}, {"big", "middle", "small"});
  EXPECT_EQ(one[0], 100.0);
  EXPECT_TRUE(std::isnan(one[1]));
  EXPECT_TRUE(std::isnan(one[2]));
  ASSERT_EQ(s.suppressed().size(), 2U);
  EXPECT_EQ(s.suppressed()[1].where, "middle");
  EXPECT_EQ(s.suppressed()[1].reason.rfind("secondary", 0), 0U);
  // Two small cells already protect each other; zeros need no protection.
  const auto two = s.group({100, 3, 4, 0}, {"a", "b", "c", "d"});
  EXPECT_EQ(two[0], 100.0);
  EXPECT_EQ(two[3], 0.0);
  EXPECT_EQ(s.suppressed().size(), 4U);
  const auto none = s.group({100, 0, 20}, {"a", "b", "c"});
  EXPECT_EQ(none, (std::vector<double>{100, 0, 20}));
}

TEST(Report, FetchesNothingAndRunsNoScript) {
  const Report report = build_report(options_for_world(small_world()));
  const std::string& html = report.html;
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
  // The only URL is SVG's namespace name, which is never fetched.
  static const std::regex url(R"re((https?|ftp|wss?)://[^"'\s<)]*)re");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), url); it != std::sregex_iterator();
       ++it) {
    EXPECT_EQ((*it).str(), "http://www.w3.org/2000/svg");
  }
}

TEST(Report, SectionsFollowTheInputsGiven) {
  const Report full = build_report(options_for_world(small_world()));
  EXPECT_GE(full.charts, 6);
  for (const char* title : {"Victims identified per year", "Corridors",
                            "The hidden population (Multiple Systems Estimation)",
                            "Migration and identified victims", "Methods and provenance"}) {
    EXPECT_NE(std::find(full.sections.begin(), full.sections.end(), title), full.sections.end())
        << title;
  }
  // The provenance names every input with its SHA-256.
  EXPECT_NE(full.html.find("cases.csv"), std::string::npos);
  EXPECT_NE(full.html.find("SHA-256"), std::string::npos);

  ReportOptions mse_only;
  mse_only.capture_histories = options_for_world(small_world()).capture_histories;
  const Report mse = build_report(mse_only);
  EXPECT_EQ(mse.sections.size(), 2U);  // MSE, methods
  EXPECT_EQ(mse.html.find("Victims identified per year"), std::string::npos);

  EXPECT_THROW(build_report(ReportOptions{}), Error);

  // One year cannot separate migration from the year effects: the section
  // is left out, with the reason, and the rest of the report stands.
  testing::ScratchDir one_year_dir;
  simulate::SimulateOptions one_year;
  one_year.seed = 11;
  one_year.first_year = 2021;
  one_year.last_year = 2021;
  simulate::write_world(simulate::simulate_world(simulate::load_scenario("kazakhstan"), one_year),
                        one_year_dir.file("world"));
  const Report partial = build_report(options_for_world(one_year_dir.file("world")));
  EXPECT_EQ(std::find(partial.sections.begin(), partial.sections.end(),
                      "Migration and identified victims"),
            partial.sections.end());
  ASSERT_FALSE(partial.warnings.empty());
  EXPECT_NE(partial.warnings.front().find("migration section is left out"), std::string::npos);
  ReportOptions bad_country = options_for_world(small_world());
  bad_country.country = "XX";
  try {
    build_report(bad_country);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::usage);
  }
}

}  // namespace
}  // namespace vigil::report
