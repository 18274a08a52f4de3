// Linkage quality, and what linkage errors do to MSE, on simulated worlds.
//
// For each seed: simulate a world, write its lists, link them in clear
// (vigil link) and encoded (vigil link encode + match), and compare with the
// world's true identities: pairwise precision, recall and F1 over cross-list
// record pairs, the number of persons, and the MSE estimate (main effects and
// SparseMSE stepwise) from the linked capture histories against the same
// estimate from the true histories. The difference of the two estimates is
// the error caused by linkage alone; the error of MSE itself is a separate
// matter (bench/mse_coverage.cpp).
//
// Usage: link_eval [--scenario NAME|FILE] [--seeds N] [--first-seed S]
//                  [--first-year Y] [--last-year Y] [--precision P]
//                  [--mode clear|encoded|both]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "link/link.hpp"
#include "mse/mse.hpp"
#include "simulate/simulate.hpp"

namespace {

struct Estimates {
  double main = NAN;
  double stepwise = NAN;
};

Estimates estimate(const vigil::mse::CaptureHistories& table) {
  Estimates e;
  const auto main = vigil::mse::fit_log_linear(table, vigil::mse::LogLinearModel{});
  if (main.exists) e.main = main.total;
  const auto stepwise = vigil::mse::select_stepwise(table);
  if (stepwise.exists) e.stepwise = stepwise.total;
  return e;
}

struct Summary {
  int runs = 0;
  double precision = 0, recall = 0, f1 = 0, main_error = 0, stepwise_error = 0, seconds = 0;
};

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::string scenario_name = "kazakhstan";
  int seeds = 5;
  std::uint64_t first_seed = 1;
  std::optional<int> first_year;
  std::optional<int> last_year;
  std::string mode = "both";
  vigil::link::LinkOptions options;
  for (int index = 1; index + 1 < argc; index += 2) {
    const std::string option = argv[index];
    const std::string value = argv[index + 1];
    if (option == "--scenario") {
      scenario_name = value;
    } else if (option == "--seeds") {
      seeds = std::stoi(value);
    } else if (option == "--first-seed") {
      first_seed = std::stoull(value);
    } else if (option == "--first-year") {
      first_year = std::stoi(value);
    } else if (option == "--last-year") {
      last_year = std::stoi(value);
    } else if (option == "--precision") {
      options.precision = std::stod(value);
    } else if (option == "--mode") {
      mode = value;
    } else {
      std::fprintf(stderr, "unknown option %s\n", option.c_str());
      return 2;
    }
  }
  try {
    const auto scenario = vigil::simulate::load_scenario(scenario_name);
    const fs::path scratch = fs::temp_directory_path() / "vigil_link_eval";
    const vigil::link::LinkageSecret secret("link_eval shared secret, not for real use");
    std::printf("%-8s %4s %7s %7s %9s %9s %7s %9s %9s %9s %9s %9s %7s\n", "mode", "seed", "records",
                "persons", "linked", "precision", "recall", "F1", "main_true", "main_link",
                "step_true", "step_link", "seconds");
    Summary clear_summary, encoded_summary;
    for (int s = 0; s < seeds; ++s) {
      vigil::simulate::SimulateOptions sim;
      sim.seed = first_seed + static_cast<std::uint64_t>(s);
      sim.first_year = first_year;
      sim.last_year = last_year;
      const auto world = vigil::simulate::simulate_world(scenario, sim);
      fs::remove_all(scratch);
      vigil::simulate::write_world(world, scratch.string());
      std::vector<vigil::link::AgencyList> lists;
      for (const auto& agency : scenario.agencies) {
        const std::string path = (scratch / "lists" / (agency.id + ".csv")).string();
        lists.push_back(vigil::link::read_agency_list(path, agency.id));
      }
      std::ifstream truth_in(scratch / "capture_histories.csv");
      const auto truth_table =
          vigil::mse::read_capture_histories(truth_in, "capture_histories.csv");
      const Estimates truth = estimate(truth_table);
      std::size_t records = 0;
      for (const auto& l : lists) records += l.records.size();

      const auto run = [&](const char* label, Summary& summary, auto&& link) {
        const auto start = std::chrono::steady_clock::now();
        const vigil::link::LinkResult result = link();
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const auto persons =
            vigil::link::read_truth_persons((scratch / "truth_links.csv").string(), result);
        const auto q = vigil::link::pairwise_quality(result, persons);
        if (const char* dump = std::getenv("LINK_EVAL_DUMP")) {
          vigil::link::write_link_result(result, std::string(dump) + "/" + label);
        }
        const vigil::mse::CaptureHistories linked_table(result.list_names,
                                                        result.capture_histories);
        const Estimates linked = estimate(linked_table);
        std::printf("%-8s %4llu %7zu %7lld %9zu %9.4f %7.4f %9.4f %9.0f %9.0f %9.0f %9.0f %7.2f\n",
                    label, static_cast<unsigned long long>(*sim.seed), records,
                    static_cast<long long>(truth_table.observed()), result.persons, q.precision,
                    q.recall, q.f1, truth.main, linked.main, truth.stepwise, linked.stepwise,
                    seconds);
        ++summary.runs;
        summary.precision += q.precision;
        summary.recall += q.recall;
        summary.f1 += q.f1;
        summary.main_error += (linked.main - truth.main) / truth.main;
        summary.stepwise_error += (linked.stepwise - truth.stepwise) / truth.stepwise;
        summary.seconds += seconds;
      };
      if (mode == "clear" || mode == "both") {
        run("clear", clear_summary, [&] { return vigil::link::link_lists(lists, options); });
      }
      if (mode == "encoded" || mode == "both") {
        run("encoded", encoded_summary, [&] {
          std::vector<vigil::link::EncodedList> encoded;
          for (const auto& l : lists) encoded.push_back(vigil::link::encode_list(l, secret));
          return vigil::link::match_encoded_lists(encoded, options);
        });
      }
    }
    fs::remove_all(scratch);
    std::printf("\nmeans over seeds (MSE error = linked estimate / true-linkage estimate - 1)\n");
    std::printf("%-8s %9s %7s %7s %12s %12s %8s\n", "mode", "precision", "recall", "F1",
                "main_error", "step_error", "seconds");
    for (const auto& [label, s] :
         {std::pair{"clear", clear_summary}, std::pair{"encoded", encoded_summary}}) {
      if (s.runs == 0) continue;
      std::printf("%-8s %9.4f %7.4f %7.4f %+11.2f%% %+11.2f%% %8.2f\n", label, s.precision / s.runs,
                  s.recall / s.runs, s.f1 / s.runs, 100 * s.main_error / s.runs,
                  100 * s.stepwise_error / s.runs, s.seconds / s.runs);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "link_eval: %s\n", e.what());
    return 1;
  }
  return 0;
}
