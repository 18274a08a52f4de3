// The report as a document: sections from what was given, no cell below the
// threshold anywhere, nothing that would make a browser fetch anything.
#include "report/report.hpp"

#include <glpk.h>
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <string>

#include "core/error.hpp"
#include "io/case_csv.hpp"
#include "io/csv.hpp"
#include "profile/profile.hpp"
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

// ---------------------------------------------------------------------------
// Solving for hidden counts from what the report publishes

// A number as the report shows it: a count, or hidden.
struct Shown {
  bool hidden = false;
  double value = 0.0;
};

Shown parse_count(const std::string& html) {
  if (html.find("suppressed") != std::string::npos) return {true, 0.0};
  std::string digits;
  for (const char c : html) {
    if (c >= '0' && c <= '9') digits += c;
  }
  EXPECT_FALSE(digits.empty()) << html;
  return {false, digits.empty() ? 0.0 : std::stod(digits)};
}

// The auditor: unknown counts >= 0, an equation per published number (a
// sum of unknowns equals it), and for a hidden number the smallest and
// largest value its sum can take.
class Auditor {
 public:
  explicit Auditor(int unknowns) : lp_(glp_create_prob()), n_(unknowns) {
    glp_add_cols(lp_.get(), n_);
    for (int j = 1; j <= n_; ++j) glp_set_col_bnds(lp_.get(), j, GLP_LO, 0.0, 0.0);
    glp_init_smcp(&params_);
    params_.msg_lev = GLP_MSG_OFF;
  }
  // A published number: the sum of `terms` (0-based unknowns) is `value`.
  void publish(const std::vector<int>& terms, double value) {
    const int row = glp_add_rows(lp_.get(), 1);
    glp_set_row_bnds(lp_.get(), row, GLP_FX, value, value);
    std::vector<int> index{0};
    std::vector<double> ones{0.0};
    for (const int t : terms) {
      index.push_back(t + 1);
      ones.push_back(1.0);
    }
    glp_set_mat_row(lp_.get(), row, static_cast<int>(terms.size()), index.data(), ones.data());
  }
  void known_zero(int unknown) { glp_set_col_bnds(lp_.get(), unknown + 1, GLP_FX, 0.0, 0.0); }
  std::pair<double, double> range(const std::vector<int>& terms) {
    double bounds[2] = {0, 0};
    for (const int direction : {GLP_MIN, GLP_MAX}) {
      for (int j = 1; j <= n_; ++j) glp_set_obj_coef(lp_.get(), j, 0.0);
      for (const int t : terms) glp_set_obj_coef(lp_.get(), t + 1, 1.0);
      glp_set_obj_dir(lp_.get(), direction);
      EXPECT_EQ(glp_simplex(lp_.get(), &params_), 0);
      const int status = glp_get_status(lp_.get());
      EXPECT_TRUE(status == GLP_OPT || status == GLP_UNBND) << status;
      bounds[direction == GLP_MAX] = status == GLP_UNBND ? INFINITY : glp_get_obj_val(lp_.get());
    }
    return {bounds[0], bounds[1]};
  }

 private:
  struct Deleter {
    void operator()(glp_prob* p) const { glp_delete_prob(p); }
  };
  std::unique_ptr<glp_prob, Deleter> lp_;
  int n_;
  glp_smcp params_;
};

profile::Profile profile_of(const std::string& cases_csv) {
  std::ifstream in(cases_csv, std::ios::binary);
  io::CaseCsvReader reader(in, cases_csv);
  std::vector<CaseRecord> records;
  CaseRecord record;
  while (reader.next(record)) records.push_back(record);
  profile::ProfileOptions options;
  options.top = 12;
  return profile::compute_profile(records, options);
}

// The small world's case records with gaps: no year of registration in one
// record in six, no citizenship in one in nine, so that the year table has
// its row of records without a year and its column of unknown origin.
const std::string& gappy_cases() {
  static testing::ScratchDir dir;
  static const std::string path = [] {
    const std::string source = options_for_world(small_world()).cases_csv;
    std::ifstream in(source, std::ios::binary);
    io::CsvReader reader(in, source);
    std::vector<std::string> fields;
    std::string out;
    std::size_t year = 0;
    std::size_t citizenship = 0;
    for (std::size_t row = 0; reader.next(fields); ++row) {
      if (row == 0) {
        year = static_cast<std::size_t>(
            std::find(fields.begin(), fields.end(), "yearOfRegistration") - fields.begin());
        citizenship = static_cast<std::size_t>(
            std::find(fields.begin(), fields.end(), "citizenship") - fields.begin());
      } else {
        if (row % 6 == 0) fields.at(year).clear();
        if (row % 9 == 0) fields.at(citizenship).clear();
      }
      for (std::size_t i = 0; i < fields.size(); ++i) {
        out += (i == 0 ? "" : ",") + io::csv_escape(fields[i]);
      }
      out += "\n";
    }
    const std::string cases = dir.file("gappy.csv");
    std::ofstream(cases, std::ios::binary) << out;
    return cases;
  }();
  return path;
}

TEST(Report, NoHiddenCountOfTheYearTableCanBeSolvedForFromThePage) {
  std::size_t hidden_checked = 0;
  std::size_t without_year = 0;
  for (const bool gappy : {false, true})
    for (const std::int64_t min_cell : {10, 15, 30, 50}) {
      SCOPED_TRACE(::testing::Message() << (gappy ? "gappy" : "small") << " world, " << min_cell);
      ReportOptions options;
      options.cases_csv = gappy ? gappy_cases() : options_for_world(small_world()).cases_csv;
      options.min_cell = min_cell;
      const profile::Profile truth = profile_of(options.cases_csv);
      const std::string html = build_report(options).html;

      // What the page publishes: the table of victims per year (domestic,
      // foreign, citizenship unknown, total), the records without a year,
      // and the key figures (all victims, domestic, foreign, unknown).
      const auto table_at = html.find("<table id=\"victims-per-year\">");
      ASSERT_NE(table_at, std::string::npos);
      const std::string table = html.substr(table_at, html.find("</table>", table_at) - table_at);
      static const std::regex row_re(
          R"re(<tr><td>(\d+)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>)re");
      std::vector<int> years;
      std::vector<std::array<Shown, 4>> rows;
      for (auto it = std::sregex_iterator(table.begin(), table.end(), row_re);
           it != std::sregex_iterator(); ++it) {
        years.push_back(std::stoi((*it)[1].str()));
        rows.push_back({parse_count((*it)[2].str()), parse_count((*it)[3].str()),
                        parse_count((*it)[4].str()), parse_count((*it)[5].str())});
      }
      ASSERT_EQ(years.size(), truth.by_year.size());
      static const std::regex key_re(
          R"re(<li><strong>(.*?)</strong> victims identified \(.*?\), of whom <strong>(.*?)</strong> domestic and <strong>(.*?)</strong> foreign; citizenship unknown for (.*?)\.</li>)re");
      std::smatch key;
      ASSERT_TRUE(std::regex_search(html, key, key_re));
      const std::array<Shown, 4> key_figures = {
          parse_count(key[2].str()), parse_count(key[3].str()), parse_count(key[4].str()),
          parse_count(key[1].str())};
      static const std::regex without_re(R"re(<p id="without-year">(.*?) records have no year)re");
      std::smatch without;
      const bool has_without = std::regex_search(html, without, without_re);
      EXPECT_EQ(has_without, truth.year_missing > 0);
      without_year += has_without;

      // Unknowns: the victims of each origin in each year, and without a year.
      const int row_count = static_cast<int>(years.size()) + (has_without ? 1 : 0);
      const auto unknown = [](int row, int origin) { return row * 3 + origin; };
      Auditor auditor(row_count * 3);
      struct Number {
        std::string where;
        std::vector<int> terms;
        Shown shown;
        double truth;
      };
      std::vector<Number> numbers;
      auto year = truth.by_year.begin();
      for (int r = 0; r < static_cast<int>(years.size()); ++r, ++year) {
        ASSERT_EQ(years[r], year->first);
        const auto& c = year->second;
        const double true_counts[4] = {
            static_cast<double>(c.domestic), static_cast<double>(c.foreign),
            static_cast<double>(c.total - c.domestic - c.foreign), static_cast<double>(c.total)};
        for (int o = 0; o < 4; ++o) {
          std::vector<int> terms;
          for (int k = 0; k < 3; ++k) {
            if (o == 3 || o == k) terms.push_back(unknown(r, k));
          }
          numbers.push_back(
              {fmt::format("{} column {}", years[r], o), terms, rows[r][o], true_counts[o]});
        }
      }
      if (has_without) {
        numbers.push_back(
            {"without a year",
             {unknown(row_count - 1, 0), unknown(row_count - 1, 1), unknown(row_count - 1, 2)},
             parse_count(without[1].str()),
             static_cast<double>(truth.year_missing)});
      }
      const double key_truth[4] = {
          static_cast<double>(truth.domestic), static_cast<double>(truth.foreign),
          static_cast<double>(truth.origin_unknown), static_cast<double>(truth.total)};
      for (int o = 0; o < 4; ++o) {
        std::vector<int> terms;
        for (int r = 0; r < row_count; ++r) {
          for (int k = 0; k < 3; ++k) {
            if (o == 3 || o == k) terms.push_back(unknown(r, k));
          }
        }
        numbers.push_back({fmt::format("key figure {}", o), terms, key_figures[o], key_truth[o]});
      }
      for (const Number& n : numbers) {
        if (!n.shown.hidden) {
          EXPECT_EQ(n.shown.value, n.truth) << n.where;
          auditor.publish(n.terms, n.shown.value);
        }
      }
      for (const Number& n : numbers) {
        if (!n.shown.hidden) continue;
        ++hidden_checked;
        const auto [low, high] = auditor.range(n.terms);
        EXPECT_GT(high - low, 0.5) << n.where << " can be solved for: " << low << " to " << high;
        EXPECT_LE(low, n.truth + 1e-6) << n.where;
        EXPECT_GE(high, n.truth - 1e-6) << n.where;
      }
    }
  // The worlds have small counts to hide, and records without a year.
  EXPECT_GT(hidden_checked, 20U);
  EXPECT_GT(without_year, 0U);
}

TEST(Report, TheSuppressionListSaysWhyEachCountIsHidden) {
  std::size_t primary = 0;
  std::size_t secondary = 0;
  for (const bool gappy : {false, true}) {
    const std::string cases = gappy ? gappy_cases() : options_for_world(small_world()).cases_csv;
    const profile::Profile truth = profile_of(cases);
    // The true count behind each place the year table and the corridors show.
    std::map<std::string, std::int64_t> counts;
    counts["Key figures, victims"] = truth.total;
    counts["Key figures, domestic victims"] = truth.domestic;
    counts["Key figures, foreign victims"] = truth.foreign;
    counts["Key figures, citizenship unknown"] = truth.origin_unknown;
    counts["Records without a year"] = truth.year_missing;
    for (const auto& [year, c] : truth.by_year) {
      counts[fmt::format("Victims per year, domestic, {}", year)] = c.domestic;
      counts[fmt::format("Victims per year, foreign, {}", year)] = c.foreign;
      counts[fmt::format("Victims per year, citizenship unknown, {}", year)] =
          c.total - c.domestic - c.foreign;
      counts[fmt::format("Victims per year, total, {}", year)] = c.total;
    }
    for (const auto& row : truth.citizenship.rows) {
      counts[fmt::format("Corridor {} -> Countries of exploitation", row.country.alpha3())] =
          row.count;
    }
    for (const std::int64_t min_cell : {10, 15, 50}) {
      ReportOptions options;
      options.cases_csv = cases;
      options.min_cell = min_cell;
      const Report report = build_report(options);
      std::map<std::string, std::string> listed;
      for (const auto& s : report.suppressed) {
        EXPECT_TRUE(listed.emplace(s.where, s.reason).second) << "listed twice: " << s.where;
      }
      for (const auto& [where, n] : counts) {
        const auto it = listed.find(where);
        const bool small = n > 0 && n < min_cell;
        if (small) {
          ASSERT_NE(it, listed.end()) << where << " = " << n << " is not listed";
          EXPECT_EQ(it->second, fmt::format("count from 1 to {}", min_cell - 1)) << where;
          ++primary;
        } else if (it != listed.end()) {
          EXPECT_EQ(it->second.rfind("secondary: ", 0), 0U) << where << " = " << n;
          ++secondary;
        }
      }
    }
  }
  // Both reasons were met.
  EXPECT_GT(primary, 0U);
  EXPECT_GT(secondary, 0U);
}

TEST(Report, ListOverlapsCannotBeRecoveredFromListSizesAndTheTotal) {
  // Two lists: 50 on the police's, 40 on the NGO's, 3 on both, so 87
  // observed. Hiding the 3 alone would leave it as 50 + 40 - 87.
  testing::ScratchDir dir;
  const std::string path = dir.file("histories.csv");
  std::ofstream(path) << "police,ngo,count\n1,0,47\n0,1,37\n1,1,3\n";
  ReportOptions options;
  options.capture_histories = path;
  const Report report = build_report(options);
  std::map<std::string, std::string> listed;
  for (const auto& s : report.suppressed) listed[s.where] = s.reason;
  ASSERT_EQ(listed.count("Overlap, police and ngo"), 1U) << report.html;
  EXPECT_EQ(listed["Overlap, police and ngo"], "count from 1 to 9");
  // The auditor: people on the police list only, the NGO's only, both.
  Auditor auditor(3);
  struct Number {
    std::string where;
    std::vector<int> terms;
    double value;
  };
  const std::vector<Number> numbers = {{"List size, police", {0, 2}, 50},
                                       {"List size, ngo", {1, 2}, 40},
                                       {"Overlap, police and ngo", {2}, 3},
                                       {"MSE, victims on at least one list", {0, 1, 2}, 87}};
  for (const auto& n : numbers) {
    if (listed.count(n.where) == 0) {
      auditor.publish(n.terms, n.value);
      // A shown number is on the page.
      EXPECT_NE(report.html.find(">" + format_number(n.value, 0) + "<"), std::string::npos)
          << n.where;
    }
  }
  for (const auto& n : numbers) {
    if (listed.count(n.where) == 0) continue;
    const auto [low, high] = auditor.range(n.terms);
    EXPECT_GT(high - low, 0.5) << n.where;
  }
  EXPECT_GE(listed.size(), 2U);  // the overlap and a partner

  // What the report did before the lists were a table: the overlap alone
  // hidden, which this auditor solves for.
  Auditor naive(3);
  for (const auto& n : numbers) {
    if (n.where != "Overlap, police and ngo") naive.publish(n.terms, n.value);
  }
  const auto [low, high] = naive.range({2});
  EXPECT_NEAR(low, 3.0, 1e-9);
  EXPECT_NEAR(high, 3.0, 1e-9);
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
