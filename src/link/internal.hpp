// What clear-text and encoded linkage share: everything after the records
// have been reduced to blocking keys and a comparison function.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "link/link.hpp"

namespace vigil::link::detail {

struct ComparedField {
  LinkField field;
  std::vector<std::string> level_names;  // level 0 first
};

// The records of all lists, reduced to what the pipeline needs.
struct LinkageProblem {
  std::vector<std::string> list_names;
  std::vector<std::size_t> list_sizes;
  std::vector<RecordRef> records;
  std::vector<std::string> record_ids;  // per record
  std::vector<BlockingRule> rules;
  std::vector<ComparedField> fields;
  // Writes fields.size() levels for the pair (a, b). Must be safe to call
  // from several threads at once.
  std::function<void(std::uint32_t a, std::uint32_t b, std::int8_t* levels)> compare;
  std::vector<std::string> warnings;
  // Fields whose exact agreement is weighed by the value's frequency (all
  // of `fields` exact at once): an id per record for its value (equal ids,
  // equal values; 0 = missing). Applied in order; see adjusted_weights.
  struct TermFrequency {
    std::vector<LinkField> fields;
    std::vector<std::uint32_t> value_of_record;
  };
  std::vector<TermFrequency> term_frequencies;
  // Set by run_linkage once blocking is done.
  const std::vector<std::pair<std::uint32_t, std::uint32_t>>* candidate_pairs = nullptr;
};

// Numbers distinct values 1, 2, ... in order of first appearance; "" is 0.
class ValueIds {
 public:
  std::uint32_t id(const std::string& value) {
    if (value.empty()) return 0;
    return ids_.try_emplace(value, static_cast<std::uint32_t>(ids_.size() + 1)).first->second;
  }

 private:
  std::unordered_map<std::string, std::uint32_t> ids_;
};

// The term-frequency entries both modes use: the full name, then the
// surname and the given name alone (see adjusted_weights in link.cpp). `add`
// takes each record's two name values in record order ("" when missing).
class NameFrequencies {
 public:
  void add(const std::string& surname, const std::string& given) {
    full_.value_of_record.push_back(
        surname.empty() || given.empty()
            ? 0
            : full_ids_.id(std::string(surname).append("|").append(given)));
    surname_.value_of_record.push_back(surname_ids_.id(surname));
    given_.value_of_record.push_back(given_ids_.id(given));
  }
  std::vector<LinkageProblem::TermFrequency> take() {
    return {std::move(full_), std::move(surname_), std::move(given_)};
  }

 private:
  LinkageProblem::TermFrequency full_{{LinkField::surname, LinkField::given_name}, {}};
  LinkageProblem::TermFrequency surname_{{LinkField::surname}, {}};
  LinkageProblem::TermFrequency given_{{LinkField::given_name}, {}};
  ValueIds full_ids_, surname_ids_, given_ids_;
};

// Adds `rule` to the problem, or a warning when it keys no record.
void add_blocking_rule(LinkageProblem& problem, BlockingRule rule);

LinkResult run_linkage(LinkageProblem problem, const LinkOptions& options);

// Checks the list count and names shared by both modes.
void check_list_names(const std::vector<std::string>& names);

int thread_count(int requested);

// The clear blocking key of `r` under a rule of LinkOptions::blocking_rules;
// "" when the rule cannot key the record. Throws on an unknown rule.
std::string clear_blocking_key(const std::string& rule, const PersonRecord& r,
                               const NameKeys& keys);

// Phonetic keys of names, computed once per distinct spelling: lists repeat
// a few thousand spellings over 10^5 records, and transliteration through
// ICU would otherwise dominate the preparation.
class NameKeyCache {
 public:
  // phonetic_key(to_latin(surname)), for comparisons.
  const std::string& surname_phonetic(const std::string& surname);
  // name_keys(surname, given), for blocking (its `given` is also the given
  // name's phonetic key used in comparisons).
  NameKeys keys(const std::string& surname, const std::string& given);

 private:
  std::unordered_map<std::string, std::string> surname_phonetic_;
  std::unordered_map<std::string, std::string> surname_stem_;
  std::unordered_map<std::string, std::string> given_phonetic_;
};

// Adds to problem.fields (in the order of `candidates`) the fields filled
// on two lists or more, with a warning for each other one, and returns them.
std::vector<LinkField> select_fields(
    LinkageProblem& problem,
    const std::vector<std::pair<LinkField, std::vector<std::string>>>& candidates,
    const std::map<LinkField, std::set<std::uint32_t>>& lists_filling);

// Level names shared by both modes.
const std::vector<std::string>& date_levels();

}  // namespace vigil::link::detail
