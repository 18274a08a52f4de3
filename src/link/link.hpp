// Linking agencies' lists of victims into persons, and the capture histories
// that multiple systems estimation needs.
//
// The pipeline, the same for names in clear and for keyed Bloom-filter
// encodings (bloom.hpp):
//
//   1. blocking (blocking.hpp): candidate pairs across lists from several
//      rules, united;
//   2. comparison: each candidate pair gets one agreement level per field
//      (surname, given name, birth date, sex, document number, citizenship);
//   3. u from random pairs: the level frequencies among random cross-list
//      pairs, which are almost all non-matches, start (or fix) the non-match
//      class of
//   4. the Fellegi-Sunter model (fellegi_sunter.hpp) fitted by EM to the
//      candidate pairs, giving each pair a match weight and a posterior;
//   5. a threshold on the posterior chosen for a stated precision;
//   6. clustering of the accepted pairs into persons, strongest link first,
//      refusing any merge that would put two records of one list in one
//      person: an agency's list holds each person once, so such a merge can
//      only come from a chain of links through a wrong one (the guard
//      against chaining);
//   7. capture histories: one 0/1 column per list and a count, the file
//      `vigil mse` reads.
//
// Missed links split a person into several and inflate the MSE estimate;
// false links merge people and deflate it. The threshold trades one for the
// other; the defaults were chosen on simulated worlds (README, "vigil link").
//
// Nothing here prints or logs a name, a date of birth or a document number;
// errors point to a file, line and column.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "link/blocking.hpp"
#include "link/bloom.hpp"
#include "link/compare.hpp"
#include "link/fellegi_sunter.hpp"

namespace vigil::link {

// ---------------------------------------------------------------------------
// Input: agencies' lists

// The identifying fields of one record, as written on the list.
struct PersonRecord {
  std::string record_id;
  std::string surname;
  std::string given_name;
  std::string sex;  // "F", "M" or "" (other spellings are folded on reading)
  std::optional<Date> birth_date;
  std::string document_number;
  std::string citizenship;
};

// Which column holds which field. An empty name means the list does not have
// the field (it is then missing for every record). `full_name`, when set,
// is split with split_name() into surname and given name, for lists that
// keep one name column ("Surname Given Patronymic").
struct ListColumns {
  std::string record_id = "record_id";
  std::string surname = "surname";
  std::string given_name = "given_name";
  std::string full_name;
  std::string sex = "sex";
  std::string birth_date = "birth_date";
  std::string document_number = "document_number";
  std::string citizenship = "citizenship";
};

// How a list writes birth dates with "/": parse_date() reads ISO 8601,
// DD.MM.YYYY and DD/MM/YYYY; `month_first` reads MM/DD/YYYY instead (forms
// filled in English). Single records with day and month swapped are left to
// the comparison, which recognises swaps.
enum class DateOrder { day_first, month_first };

struct AgencyList {
  std::string name;  // the list's name in the outputs: "police", "ngo", ...
  std::string path;
  std::vector<PersonRecord> records;
};

// Reads one list. The record-id column is required and its values must be
// unique and non-empty; the other named columns are optional unless
// `require_all` (then a missing column is an error naming it). A date that
// cannot be read is an error with the file, line and column (the value is
// not quoted). Sex is folded: F/f/female/ж/жен/әйел -> "F", M/m/male/м/муж/
// ер -> "M", empty -> "".
AgencyList read_agency_list(const std::string& path, std::string name,
                            const ListColumns& columns = {}, DateOrder order = DateOrder::day_first,
                            bool require_all = false);

// The list name for a file: its stem ("lists/police.csv" -> "police").
std::string list_name_from_path(const std::string& path);

// ---------------------------------------------------------------------------
// Options

// The fields a pair is compared on. Each is used only when at least one
// list has it.
enum class LinkField { surname, given_name, birth_date, sex, document_number, citizenship };
std::string_view link_field_name(LinkField field);

struct LinkOptions {
  // Blocking rules, by name: "surname_birth_year", "given_surname",
  // "birth_date_surname_initial", "document_number" (see blocking.hpp for the
  // key functions). Rules whose fields no list has are skipped.
  std::vector<std::string> blocking_rules = {"surname_birth_year", "given_surname",
                                             "birth_date_surname_initial", "document_number"};
  std::size_t max_block_size = 5000;
  // Pairs whose posterior match probability is at least this are linked.
  // 0.5 is the Bayes decision when a false link costs as much as a missed
  // one, which is the case for MSE: a missed link adds a person, a false
  // link removes one.
  double min_probability = 0.5;
  // When set, the cut is instead the lowest whose expected precision (mean
  // posterior of the accepted pairs) reaches this (threshold_for_precision):
  // for uses where a false link costs more than a missed one.
  std::optional<double> precision;
  // Random cross-list pairs drawn for u.
  std::size_t random_pairs = 200000;
  std::uint64_t seed = 20240611;
  int threads = 0;  // 0: one per hardware thread; results do not depend on it
  // Called now and then with a stage name ("comparing pairs") and progress;
  // from the calling thread only.
  std::function<void(std::string_view stage, std::size_t done, std::size_t total)> progress;
};

// ---------------------------------------------------------------------------
// Output

struct FieldModel {
  std::string name;
  std::vector<std::string> level_names;  // level 0 (strongest disagreement) first
  std::vector<double> m;
  std::vector<double> u;
  std::vector<double> weight;  // log2(m / u) per level
};

// A candidate pair that someone may want to review: its records (indices
// into LinkResult::records), levels, weight and posterior.
struct ScoredPair {
  std::uint32_t first = 0;
  std::uint32_t second = 0;
  double weight = 0.0;
  double probability = 0.0;
  bool linked = false;  // accepted and kept by the clustering
  std::vector<std::int8_t> levels;
};

struct LinkedRecord {
  std::uint32_t list = 0;
  std::string record_id;
  std::uint32_t person = 0;  // 0-based person index
};

// One rule's EM session for m (see link_lists).
struct RuleSession {
  std::string rule;
  std::size_t pairs = 0;
  double match_proportion = 0.0;  // among the rule's pairs
  int iterations = 0;
  bool converged = false;
};

struct LinkResult {
  std::vector<std::string> list_names;
  std::vector<std::size_t> list_sizes;
  std::vector<LinkedRecord> records;  // lists in order, rows in file order
  std::size_t persons = 0;

  // Blocking.
  std::vector<std::string> rule_names;
  CandidatePairs blocking;  // `pairs` cleared after comparison to save memory

  // Model: m from the rules' EM sessions, u from random pairs, and
  // model.match_proportion the share of matches among all cross-list pairs
  // (model.iterations and converged describe its fixed point).
  std::vector<FieldModel> fields;
  FellegiSunterModel model;
  std::vector<RuleSession> rule_sessions;
  std::size_t random_pairs_compared = 0;
  Threshold threshold;
  std::size_t pairs_accepted = 0;
  // Accepted pairs the clustering refused because they would have put two
  // records of one list in one person.
  std::size_t links_refused = 0;
  std::size_t links_kept = 0;
  // Pairs with posterior >= 0.01, strongest first, for clerical review.
  std::vector<ScoredPair> review_pairs;

  // capture_histories[pattern] for pattern 1..2^k - 1 (bit j: list j).
  std::vector<std::int64_t> capture_histories;

  // Readable notes (a model that did not converge, skipped blocks, a field
  // missing from every list). Never quote a value.
  std::vector<std::string> warnings;
};

// Links lists whose identifying fields are in clear. At least two lists, at
// most 16 (the limit of vigil mse). Throws vigil::Error (usage) on fewer
// lists, duplicate list names, or options out of range.
LinkResult link_lists(const std::vector<AgencyList>& lists, const LinkOptions& options = {});

// ---------------------------------------------------------------------------
// Privacy-preserving linkage

// One record as `vigil link encode` writes it: no clear identifying value.
// Names are Bloom filters of the padded bigrams of their phonetic keys (so
// that transliterations meet); birth year, month and day, sex, document
// number and citizenship are keyed hashes (equality is all that is compared,
// and separate parts let a swapped day and month be recognised); blocking
// keys are keyed hashes of the clear keys of blocking.hpp.
struct EncodedRecord {
  std::string record_id;
  BloomFilter surname;
  BloomFilter given_name;
  std::string birth_year;
  std::string birth_month;
  std::string birth_day;
  std::string sex;
  std::string document_number;
  std::string citizenship;
  // In the order of encoded_blocking_rules(); "" where the record has no key.
  std::vector<std::string> blocking_keys;
};

// The blocking rules an encoding carries, by name (as in LinkOptions).
const std::vector<std::string>& encoded_blocking_rules();

struct EncodedList {
  std::string name;
  std::string path;
  // keyed_hash of a fixed text: equal in two files only when they were
  // encoded with the same secret, so that a mismatch is caught before a
  // meaningless linkage.
  std::string key_check;
  BloomParameters parameters;
  std::vector<EncodedRecord> records;
};

EncodedList encode_list(const AgencyList& list, const LinkageSecret& secret,
                        const BloomParameters& parameters = {});

// CSV: record_id, surname_bf, given_name_bf (base64), birth_year, birth_month,
// birth_day, sex, document_number, citizenship, block_<rule>..., key_check.
void write_encoded_list(const EncodedList& list, const std::string& path);
EncodedList read_encoded_list(const std::string& path, std::string name);

// Links encoded lists: as link_lists, names compared by the Dice coefficient
// of their filters. Throws vigil::Error (usage) when the files were encoded
// with different secrets or filter lengths.
LinkResult match_encoded_lists(const std::vector<EncodedList>& lists,
                               const LinkOptions& options = {});

// ---------------------------------------------------------------------------
// Configuration

// What a link configuration file (TOML) sets; every table and key is
// optional, the defaults being those of the structs:
//
//   [columns]                 # the lists' column names
//   record_id = "id"          # and surname, given_name, full_name, sex,
//                             # birth_date, document_number, citizenship
//   [dates]
//   order = "day_first"       # or "month_first" (MM/DD/YYYY)
//   [blocking]
//   rules = ["surname_birth_year", "given_surname"]
//   max_block_size = 5000
//   [model]
//   min_probability = 0.5     # or precision = 0.98
//   random_pairs = 200000
//   seed = 1
//   [encoding]                # vigil link encode
//   bits = 1024
//   hashes_per_token = 20
struct LinkConfig {
  ListColumns columns;
  DateOrder date_order = DateOrder::day_first;
  LinkOptions options;
  BloomParameters encoding;
};

// Reads a configuration; throws vigil::Error (input) with file, line and
// column on an unknown key or a value out of range.
LinkConfig load_link_config(const std::string& path);
LinkConfig parse_link_config(std::string_view toml_text, const std::string& source_name);

// ---------------------------------------------------------------------------
// Writing and checking results

// Writes into `directory` (created if needed):
//   capture_histories.csv  one 0/1 column per list and `count` (vigil mse)
//   persons.csv            list, record_id, person_id
//   review_pairs.csv       pairs with posterior >= 0.01: both records, the
//                          level of each field, weight, posterior, linked
//   linkage.json           blocking counts, model, threshold, warnings
// Returns the paths written.
std::vector<std::string> write_link_result(const LinkResult& result, const std::string& directory);

// Pairwise quality against a known truth (a simulated world's
// truth_links.csv): over all pairs of records on different lists, a true
// positive is a pair put in one person that is one person in truth.
struct LinkageQuality {
  std::size_t true_pairs = 0;       // same person in truth
  std::size_t predicted_pairs = 0;  // same person in the result
  std::size_t true_positives = 0;
  double precision = 0.0;
  double recall = 0.0;
  double f1 = 0.0;
};

// `truth_person[i]` is the true person of result.records[i]. Throws
// vigil::Error (usage) on a size mismatch.
LinkageQuality pairwise_quality(const LinkResult& result,
                                const std::vector<std::int64_t>& truth_person);

// Reads a truth file (list, record_id, person_id) and returns the true
// person of each of result.records, in order. Throws vigil::Error (input)
// when a record is not in the file.
std::vector<std::int64_t> read_truth_persons(const std::string& path, const LinkResult& result);

}  // namespace vigil::link
