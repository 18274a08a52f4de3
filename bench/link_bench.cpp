// Speed of record linkage at the size of national lists.
//
// What is measured: linking K agencies' lists of N records each (default 4 x
// 100,000) into persons, in clear (vigil::link::link_lists) and privacy-
// preserving (encode_list for each list, then match_encoded_lists), on
// simulated identities. The lists are built in memory, not read from CSV,
// so reading and writing files is not timed.
//
// The data: a population of P persons (default 2.5 N) with names from the
// simulator's pools (kazakh 45%, uzbek 20%, russian 15%, kyrgyz 10%, tajik 5%,
// other 5% with a matching citizenship), 60% women, born 1960-2005. Each
// list is a uniform sample of N of them without replacement (with P = 2.5 N,
// about 40% of a list's persons are on any other list), written with the
// noise rates of the agencies of scenarios/kazakhstan.toml (Latin script,
// typos, swapped day and month, missing given name, birth date, document).
// The true person of each record is kept, so the linkage is also scored
// (pairwise precision, recall and F1 over cross-list record pairs).
//
// Stages are timed through LinkOptions::progress, which the pipeline calls
// with "blocking" before blocking starts and with "comparing random pairs" /
// "comparing candidate pairs" after each chunk of comparisons:
//   preparation     from the call to the "blocking" report: phonetic keys,
//                   blocking keys, term-frequency ids (for encoded lists:
//                   gathering keys and filters)
//   blocking + u    blocking, then drawing and comparing the random pairs for
//                   u (the pipeline reports nothing between the two; the
//                   random pairs are 200,000 against millions of candidates)
//   comparing       the candidate pairs
//   model + clusters  everything after: EM per blocking rule, the prior,
//                   match weights with term frequencies, threshold,
//                   clustering, persons, review pairs
// Comparison speed is candidate pairs over the comparing stage; the
// end-to-end figure is candidate pairs over the whole call. Clear linkage
// runs with --threads T (default 2) and with 1 thread, for the speed-up;
// encoded linkage with T threads. Encoding is timed separately: encode_list
// runs on one thread, list after list (each agency encodes its own list).
// Each stage also shows the process CPU time and cores = cpu / wall: with
// fewer cores busy than threads asked for, other processes were competing
// for the machine (the load average is printed at the start and the end).
//
// Build and run (Release):
//   cmake -S . -B build-release -DVIGIL_BUILD_BENCH=ON -DCMAKE_BUILD_TYPE=Release
//   cmake --build build-release -j2 --target link_bench
//   /usr/bin/time -v ./build-release/bench/link_bench [--records N] [--lists K]
//       [--population P] [--seed S] [--threads T]
#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "link/link.hpp"
#include "link/names.hpp"
#include "simulate/identity.hpp"
#include "simulate/random.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace link = vigil::link;
namespace sim = vigil::simulate;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// 1234567 -> "1,234,567".
std::string grouped(std::size_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string rate(double count, double seconds) {
  if (seconds <= 0.0) return "n/a";
  return grouped(static_cast<std::size_t>(count / seconds)) + " /s";
}

// The machine's 1-minute load average (other processes compete for the cores
// and make the timings slower than on an idle machine); -1 when unknown.
double load_average() {
  double load = -1.0;
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &load) != 1) load = -1.0;
    std::fclose(f);
  }
  return load;
}

// Peak resident set size of the process so far, in MiB.
double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// ---------------------------------------------------------------------------
// Options

struct Options {
  std::size_t records = 100000;
  std::size_t lists = 4;
  std::optional<std::size_t> population;
  std::uint64_t seed = 20240611;
  int threads = 2;
};

constexpr const char* kUsage =
    "usage: link_bench [--records N] [--lists K] [--population P] [--seed S] [--threads T]\n";

template <typename T>
bool parse_number(std::string_view text, T& out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

std::optional<Options> parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) return std::nullopt;
    const std::string_view value = argv[++i];
    bool ok = false;
    if (flag == "--records") {
      ok = parse_number(value, options.records) && options.records >= 2;
    } else if (flag == "--lists") {
      ok = parse_number(value, options.lists) && options.lists >= 2 && options.lists <= 16;
    } else if (flag == "--population") {
      std::size_t p = 0;
      ok = parse_number(value, p) && p > 0;
      options.population = p;
    } else if (flag == "--seed") {
      ok = parse_number(value, options.seed);
    } else if (flag == "--threads") {
      ok = parse_number(value, options.threads) && options.threads >= 1;
    }
    if (!ok) return std::nullopt;
  }
  if (!options.population) options.population = options.records * 5 / 2;
  if (*options.population < options.records) return std::nullopt;
  return options;
}

// ---------------------------------------------------------------------------
// Simulated lists

struct Community {
  sim::NamePool pool;
  std::string_view citizenship;
};

// Draws the citizenship (and with it the name pool) of one person.
Community draw_community(sim::Rng& rng) {
  static constexpr std::array<double, 6> kWeights = {0.45, 0.20, 0.15, 0.10, 0.05, 0.05};
  static constexpr std::array<std::string_view, 6> kCitizenships = {"KAZ", "UZB", "RUS",
                                                                    "KGZ", "TJK", ""};
  // "Other": countries with a pool of their own (UKR, CHN) and without one
  // (their names come from the Russian pool).
  static constexpr std::array<std::string_view, 6> kOther = {"UKR", "CHN", "BLR",
                                                             "AZE", "TKM", "TUR"};
  const std::size_t c = rng.categorical(kWeights);
  const std::string_view citizenship =
      c + 1 < kCitizenships.size() ? kCitizenships[c] : kOther[rng.below(kOther.size())];
  return {sim::name_pool_for(citizenship), citizenship};
}

struct Person {
  sim::Identity identity;
  std::string citizenship;
};

std::vector<Person> draw_population(std::size_t size, const sim::Rng& root) {
  sim::Rng rng = root.substream(1);
  std::vector<Person> people;
  people.reserve(size);
  for (std::size_t p = 0; p < size; ++p) {
    const Community community = draw_community(rng);
    const sim::Sex sex = rng.bernoulli(0.6) ? sim::Sex::female : sim::Sex::male;
    const int birth_year = 1960 + static_cast<int>(rng.below(2005 - 1960 + 1));
    people.push_back(
        {sim::draw_identity(community.pool, sex, birth_year, community.citizenship, rng),
         std::string(community.citizenship)});
  }
  return people;
}

struct Agency {
  std::string_view name;
  sim::NoiseRates noise;
};

// The agencies of scenarios/kazakhstan.toml and their noise rates (latin
// script, typo, day/month swap, missing given name, birth date, document).
const std::array<Agency, 5> kAgencies = {{
    {"police", {0.05, 0.03, 0.02, 0.01, 0.02, 0.10}},
    {"labour_inspectorate", {0.10, 0.04, 0.03, 0.02, 0.05, 0.15}},
    {"migration_service", {0.40, 0.03, 0.05, 0.01, 0.01, 0.02}},
    {"ngo", {0.15, 0.06, 0.06, 0.04, 0.10, 0.40}},
    {"iom", {0.50, 0.02, 0.03, 0.01, 0.03, 0.05}},
}};

struct SimulatedLists {
  std::vector<link::AgencyList> lists;
  // The true person of every record, lists in order, rows in order: the
  // order of LinkResult::records.
  std::vector<std::int64_t> truth;
  std::size_t true_persons = 0;  // distinct persons on at least one list
  std::size_t true_cross_pairs = 0;
};

link::PersonRecord to_person_record(const sim::RecordedIdentity& recorded,
                                    const std::string& citizenship, std::string record_id) {
  // As read_agency_list reads a CSV row: names normalised, the date parsed,
  // sex folded (the simulator writes "F"/"M"), citizenship in capitals.
  link::PersonRecord record;
  record.record_id = std::move(record_id);
  record.surname = link::normalise_name(recorded.surname);
  record.given_name = link::normalise_name(recorded.given_name);
  record.sex = recorded.sex == "F" || recorded.sex == "M" ? recorded.sex : std::string();
  record.birth_date = link::parse_date(recorded.birth_date);
  record.document_number = recorded.document_number;
  record.citizenship = citizenship;
  return record;
}

SimulatedLists simulate_lists(const Options& options) {
  const sim::Rng root(options.seed);
  const std::vector<Person> people = draw_population(*options.population, root);
  SimulatedLists out;
  std::vector<std::uint32_t> order(people.size());
  std::vector<std::uint8_t> lists_of_person(people.size(), 0);
  std::vector<std::uint32_t> on_lists(people.size(), 0);
  for (std::size_t j = 0; j < options.lists; ++j) {
    sim::Rng rng = root.substream(100 + j);
    const Agency& agency = kAgencies[j % kAgencies.size()];
    link::AgencyList list;
    list.name = j < kAgencies.size() ? std::string(agency.name) : fmt::format("list{}", j + 1);
    list.path = list.name + " (in memory)";
    list.records.reserve(options.records);
    // A uniform sample without replacement: a partial Fisher-Yates shuffle.
    for (std::size_t p = 0; p < order.size(); ++p) order[p] = static_cast<std::uint32_t>(p);
    for (std::size_t row = 0; row < options.records; ++row) {
      const std::size_t pick = row + rng.below(order.size() - row);
      std::swap(order[row], order[pick]);
      const std::uint32_t person = order[row];
      const sim::RecordedIdentity recorded =
          sim::record_identity(people[person].identity, agency.noise, rng);
      list.records.push_back(
          to_person_record(recorded, people[person].citizenship, fmt::format("R{:07d}", row + 1)));
      out.truth.push_back(person);
      ++on_lists[person];
    }
    out.lists.push_back(std::move(list));
  }
  for (const std::uint32_t n : on_lists) {
    if (n > 0) ++out.true_persons;
    out.true_cross_pairs += static_cast<std::size_t>(n) * (n - 1) / 2;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Timing a linkage

// User + system CPU seconds of the whole process (all threads) so far.
double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec);
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// An instant: wall clock and process CPU time.
struct Mark {
  Clock::time_point wall;
  double cpu = 0.0;
  static Mark now() { return {Clock::now(), process_cpu_seconds()}; }
};

// A stage: wall seconds and CPU seconds; cpu / wall is the number of cores
// the stage kept busy (at most the thread count, less when other processes
// take the cores).
struct Span {
  double wall = 0.0;
  double cpu = 0.0;
  double cores() const { return wall > 0.0 ? cpu / wall : 0.0; }
};

Span between(const std::optional<Mark>& from, const std::optional<Mark>& to) {
  if (!from || !to) return {};
  return {seconds_between(from->wall, to->wall), to->cpu - from->cpu};
}

struct StageTimes {
  std::optional<Mark> start;
  std::optional<Mark> blocking_start;
  std::optional<Mark> random_end;
  std::optional<Mark> candidates_end;
  std::optional<Mark> end;

  Span preparation() const { return between(start, blocking_start); }
  Span blocking_and_u() const { return between(blocking_start, random_end); }
  Span comparing() const { return between(random_end, candidates_end); }
  Span modelling() const { return between(candidates_end, end); }
  Span total() const { return between(start, end); }
};

// Returns the options with a progress callback that fills `times`.
link::LinkOptions timed_options(int threads, StageTimes& times) {
  link::LinkOptions options;
  options.threads = threads;
  options.progress = [&times](std::string_view stage, std::size_t done, std::size_t total) {
    if (stage == "blocking") {
      if (!times.blocking_start) times.blocking_start = Mark::now();
    } else if (stage == "comparing random pairs") {
      if (done == total) times.random_end = Mark::now();
    } else if (stage == "comparing candidate pairs") {
      if (done == total) times.candidates_end = Mark::now();
    }
  };
  return options;
}

struct RunSummary {
  std::string label;
  StageTimes times;
  std::size_t candidate_pairs = 0;
  std::size_t persons = 0;
  link::LinkageQuality quality;
};

void check_record_order(const link::LinkResult& result,
                        const std::vector<link::AgencyList>& lists) {
  std::size_t i = 0;
  for (std::uint32_t l = 0; l < lists.size(); ++l) {
    for (const auto& record : lists[l].records) {
      if (i >= result.records.size() || result.records[i].list != l ||
          result.records[i].record_id != record.record_id) {
        throw std::runtime_error("result.records is not in list and row order");
      }
      ++i;
    }
  }
}

RunSummary report(const std::string& label, const link::LinkResult& result, const StageTimes& times,
                  const SimulatedLists& data) {
  check_record_order(result, data.lists);
  const auto quality_start = Clock::now();
  const link::LinkageQuality quality = link::pairwise_quality(result, data.truth);
  const double quality_seconds = seconds_since(quality_start);

  const std::size_t candidates = result.blocking.union_size;
  const std::size_t randoms = result.random_pairs_compared;
  fmt::print("\n== {} ==\n", label);
  fmt::print("{:<34}{} ({} lists)\n", "records", grouped(result.records.size()),
             result.list_names.size());
  fmt::print("{:<34}{} of {} comparable (reduction ratio {:.6f})\n", "candidate pairs (union)",
             grouped(candidates), grouped(result.blocking.comparable_pairs),
             result.blocking.reduction_ratio);
  for (std::size_t r = 0; r < result.rule_names.size(); ++r) {
    fmt::print("  {:<32}{} pairs, largest block {}\n", result.rule_names[r],
               grouped(result.blocking.pairs_per_rule[r]),
               grouped(result.blocking.largest_block_per_rule[r]));
  }
  fmt::print("{:<34}{}\n", "blocks skipped (> max_block_size)",
             result.blocking.skipped_blocks.size());
  fmt::print("{:<34}{}\n", "random pairs compared (for u)", grouped(randoms));
  fmt::print("{:<34}{:>8}{:>9}{:>7}\n", "stages", "wall s", "cpu s", "cores");
  const auto stage = [](std::string_view name, const Span& span) {
    fmt::print("  {:<32}{:8.2f}{:9.2f}{:7.2f}\n", name, span.wall, span.cpu, span.cores());
  };
  stage("preparation (keys)", times.preparation());
  stage("blocking + random pairs (u)", times.blocking_and_u());
  stage("comparing candidate pairs", times.comparing());
  stage("modelling + clustering", times.modelling());
  stage("total", times.total());
  fmt::print("{:<34}{}\n", "compared per second (comparing)",
             rate(static_cast<double>(candidates), times.comparing().wall));
  fmt::print("{:<34}{}\n", "  (cand.+random)/(blocking+u+cmp.)",
             rate(static_cast<double>(candidates + randoms),
                  times.comparing().wall + times.blocking_and_u().wall));
  fmt::print("{:<34}{}\n", "candidate pairs per total second",
             rate(static_cast<double>(candidates), times.total().wall));
  fmt::print("{:<34}{:.4f} (expected precision {:.4f}, recall {:.4f})\n", "threshold (posterior)",
             result.threshold.probability, result.threshold.expected_precision,
             result.threshold.expected_recall);
  fmt::print("{:<34}{} accepted, {} kept, {} refused by the one-record-per-list guard\n", "links",
             grouped(result.pairs_accepted), grouped(result.links_kept),
             grouped(result.links_refused));
  fmt::print(
      "{:<34}{} (true {}; {:+.2f}%)\n", "persons found", grouped(result.persons),
      grouped(data.true_persons),
      100.0 * (static_cast<double>(result.persons) / static_cast<double>(data.true_persons) - 1.0));
  fmt::print("{:<34}precision {:.4f}, recall {:.4f}, F1 {:.4f}\n", "pairwise quality",
             quality.precision, quality.recall, quality.f1);
  fmt::print("{:<34}{} true, {} predicted, {} both ({:.2f} s to score)\n", "  cross-list pairs",
             grouped(quality.true_pairs), grouped(quality.predicted_pairs),
             grouped(quality.true_positives), quality_seconds);
  fmt::print("{:<34}{}\n", "review pairs (posterior >= 0.01)", grouped(result.review_pairs.size()));
  fmt::print("{:<34}{}\n", "warnings", result.warnings.size());
  for (std::size_t w = 0; w < result.warnings.size() && w < 5; ++w) {
    fmt::print("  - {}\n", result.warnings[w]);
  }
  fmt::print("{:<34}{:.0f} MiB\n", "peak RSS so far", peak_rss_mib());
  std::fflush(stdout);
  return {label, times, candidates, result.persons, quality};
}

RunSummary run_clear(const SimulatedLists& data, int threads) {
  StageTimes times;
  const link::LinkOptions options = timed_options(threads, times);
  times.start = Mark::now();
  const link::LinkResult result = link::link_lists(data.lists, options);
  times.end = Mark::now();
  return report(
      fmt::format("clear-text linkage (link_lists), {} thread{}", threads, threads == 1 ? "" : "s"),
      result, times, data);
}

RunSummary run_encoded(const SimulatedLists& data, int threads) {
  // A fixed secret: the benchmark measures speed, not secrecy.
  const link::LinkageSecret secret(fmt::format("link_bench secret {:016x}", data.lists.size()));
  std::vector<link::EncodedList> encoded;
  std::vector<double> encode_seconds;
  std::size_t records = 0;
  const auto encode_start = Clock::now();
  for (const auto& list : data.lists) {
    const auto start = Clock::now();
    encoded.push_back(link::encode_list(list, secret));
    encode_seconds.push_back(seconds_since(start));
    records += list.records.size();
  }
  const double encode_total = seconds_since(encode_start);

  StageTimes times;
  const link::LinkOptions options = timed_options(threads, times);
  times.start = Mark::now();
  const link::LinkResult result = link::match_encoded_lists(encoded, options);
  times.end = Mark::now();
  RunSummary summary =
      report(fmt::format("privacy-preserving linkage (encode_list + match_encoded_lists), "
                         "{} thread{}",
                         threads, threads == 1 ? "" : "s"),
             result, times, data);
  fmt::print("{:<34}{:.2f} s for {} records, {} (one thread)\n", "encoding (encode_list)",
             encode_total, grouped(records), rate(static_cast<double>(records), encode_total));
  for (std::size_t l = 0; l < encoded.size(); ++l) {
    fmt::print("  {:<32}{:.2f} s\n", encoded[l].name, encode_seconds[l]);
  }
  fmt::print("{:<34}{:.2f} s\n", "encoding + matching", encode_total + times.total().wall);
  std::fflush(stdout);
  return summary;
}

void print_speedup(const RunSummary& one, const RunSummary& many, int threads) {
  fmt::print("\n== clear-text linkage: {} threads against 1 ==\n", threads);
  fmt::print("{:<30}{:>14}{:>14}{:>10}\n", "stage: wall s (cores)", "1 thread",
             fmt::format("{} threads", threads), "speed-up");
  const auto row = [](std::string_view name, const Span& a, const Span& b) {
    fmt::print("{:<30}{:>8.2f} ({:.2f}){:>8.2f} ({:.2f}){:>9.2f}x\n", name, a.wall, a.cores(),
               b.wall, b.cores(), b.wall > 0.0 ? a.wall / b.wall : 0.0);
  };
  row("preparation (keys)", one.times.preparation(), many.times.preparation());
  row("blocking + random pairs (u)", one.times.blocking_and_u(), many.times.blocking_and_u());
  row("comparing candidate pairs", one.times.comparing(), many.times.comparing());
  row("modelling + clustering", one.times.modelling(), many.times.modelling());
  row("total", one.times.total(), many.times.total());
  fmt::print(
      "{:<30}{}\n", "same persons with 1 thread",
      one.persons == many.persons && one.quality.predicted_pairs == many.quality.predicted_pairs
          ? "yes"
          : "NO");
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<Options> parsed = parse_options(argc, argv);
  if (!parsed) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const Options& options = *parsed;
  try {
    fmt::print("link_bench: {} lists x {} records from a population of {}, seed {}, threads {}\n",
               options.lists, grouped(options.records), grouped(*options.population), options.seed,
               options.threads);
    fmt::print("{:<34}{:.2f} (1-minute load average; 0 on an idle machine)\n", "machine load",
               load_average());
    const auto simulate_start = Clock::now();
    const SimulatedLists data = simulate_lists(options);
    fmt::print("{:<34}{:.2f} s\n", "simulating the lists", seconds_since(simulate_start));
    fmt::print("{:<34}{}\n", "true persons on the lists", grouped(data.true_persons));
    fmt::print("{:<34}{}\n", "true cross-list pairs", grouped(data.true_cross_pairs));
    {
      // Overlap of the first two lists, as a check of the sampling.
      std::set<std::int64_t> first(
          data.truth.begin(), data.truth.begin() + static_cast<std::ptrdiff_t>(options.records));
      std::size_t shared = 0;
      for (std::size_t i = options.records; i < 2 * options.records; ++i) {
        shared += first.count(data.truth[i]);
      }
      fmt::print("{:<34}{:.1f}% of {}'s persons are on {}\n", "overlap",
                 100.0 * static_cast<double>(shared) / static_cast<double>(options.records),
                 data.lists[1].name, data.lists[0].name);
    }
    std::fflush(stdout);

    const RunSummary clear_many = run_clear(data, options.threads);
    if (options.threads > 1) {
      const RunSummary clear_one = run_clear(data, 1);
      print_speedup(clear_one, clear_many, options.threads);
    }
    run_encoded(data, options.threads);
    fmt::print("\n{:<34}{:.0f} MiB\n", "peak RSS", peak_rss_mib());
    fmt::print("{:<34}{:.2f}\n", "machine load at the end", load_average());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "link_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
