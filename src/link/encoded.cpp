// Privacy-preserving linkage: encoding a list, the encoded file, and linking
// encoded lists.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>

#include "core/error.hpp"
#include "io/csv.hpp"
#include "link/internal.hpp"
#include "link/link.hpp"
#include "link/names.hpp"

namespace vigil::link {

const std::vector<std::string>& encoded_blocking_rules() {
  static const std::vector<std::string> rules = {"surname_birth_year", "given_surname",
                                                 "birth_date_surname_initial", "document_number"};
  return rules;
}

namespace {

constexpr std::string_view kKeyCheckText = "vigil link key check";

// Day and month share one label so that a day can be compared with a month:
// that is how a swapped day and month are recognised without decoding them.
constexpr std::string_view kDayMonthLabel = "birth_day_month";

// Bits in a base64 text: four characters hold three bytes, less one byte
// per padding "=".
std::size_t base64_bits(std::string_view text) {
  std::size_t padding = 0;
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '=' && padding < 2; --i) ++padding;
  const std::size_t bytes = text.size() / 4 * 3;
  return (bytes > padding ? bytes - padding : 0) * 8;
}

std::string two_digits(int v) {
  return v == 0 ? std::string() : fmt::format("{:02d}", v);
}

BloomFilter encode_name(std::string_view name, std::string_view field, const LinkageSecret& secret,
                        const BloomParameters& parameters) {
  const std::string key = name.empty() ? std::string() : phonetic_key(to_latin(name));
  return encode_tokens(padded_bigrams(key), field, secret, parameters);
}

const std::vector<std::string>& header_columns() {
  static const std::vector<std::string> columns = [] {
    std::vector<std::string> c = {"record_id",  "surname_bf",      "given_name_bf",
                                  "birth_year", "birth_month",     "birth_day",
                                  "sex",        "document_number", "citizenship"};
    for (const auto& rule : encoded_blocking_rules()) c.push_back("block_" + rule);
    c.emplace_back("key_check");
    return c;
  }();
  return columns;
}

}  // namespace

EncodedList encode_list(const AgencyList& list, const LinkageSecret& secret,
                        const BloomParameters& parameters) {
  EncodedList out;
  out.name = list.name;
  out.path = list.path;
  out.parameters = parameters;
  out.key_check = keyed_hash(kKeyCheckText, "key_check", secret);
  out.records.reserve(list.records.size());
  // Lists repeat a few thousand names and a few dozen years, sexes and
  // citizenships over 10^5 records: each distinct value is encoded once.
  detail::NameKeyCache names;
  std::unordered_map<std::string, BloomFilter> surname_filters, given_filters;
  const auto name_filter = [&](std::unordered_map<std::string, BloomFilter>& cache,
                               const std::string& raw, std::string_view field) {
    auto [it, inserted] = cache.try_emplace(raw);
    if (inserted) it->second = encode_name(raw, field, secret, parameters);
    return it->second;
  };
  std::map<std::pair<std::string_view, std::string>, std::string> hashes;
  const auto cached_hash = [&](const std::string& value, std::string_view field) {
    auto [it, inserted] = hashes.try_emplace({field, value});
    if (inserted) it->second = keyed_hash(value, field, secret);
    return it->second;
  };
  for (const PersonRecord& r : list.records) {
    EncodedRecord e;
    e.record_id = r.record_id;
    e.surname = name_filter(surname_filters, r.surname, "surname");
    e.given_name = name_filter(given_filters, r.given_name, "given_name");
    if (r.birth_date && r.birth_date->year != 0) {
      e.birth_year = cached_hash(std::to_string(r.birth_date->year), "birth_year");
      e.birth_month = cached_hash(two_digits(r.birth_date->month), kDayMonthLabel);
      e.birth_day = cached_hash(two_digits(r.birth_date->day), kDayMonthLabel);
    }
    e.sex = cached_hash(r.sex, "sex");
    e.document_number = keyed_hash(r.document_number, "document_number", secret);
    e.citizenship = cached_hash(r.citizenship, "citizenship");
    const NameKeys keys = names.keys(r.surname, r.given_name);
    for (const auto& rule : encoded_blocking_rules()) {
      e.blocking_keys.push_back(
          keyed_hash(detail::clear_blocking_key(rule, r, keys), "block:" + rule, secret));
    }
    out.records.push_back(std::move(e));
  }
  return out;
}

void write_encoded_list(const EncodedList& list, const std::string& path) {
  // Written beside the target and renamed, so that a failed run never
  // leaves half a file that looks like an encoding.
  const std::string temporary = path + ".partial";
  {
    std::ofstream out(temporary, std::ios::binary);
    if (!out) throw Error(Error::Kind::io, fmt::format("cannot write {}", path));
    io::write_csv_record(out, header_columns());
    std::vector<std::string> row;
    for (const EncodedRecord& e : list.records) {
      row = {e.record_id,  to_base64(e.surname), to_base64(e.given_name),
             e.birth_year, e.birth_month,        e.birth_day,
             e.sex,        e.document_number,    e.citizenship};
      row.insert(row.end(), e.blocking_keys.begin(), e.blocking_keys.end());
      row.push_back(list.key_check);
      io::write_csv_record(out, row);
    }
    out.flush();
    if (!out) throw Error(Error::Kind::io, fmt::format("cannot write {}", path));
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::filesystem::remove(temporary, ec);
    throw Error(Error::Kind::io, fmt::format("cannot write {}", path));
  }
}

EncodedList read_encoded_list(const std::string& path, std::string name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Error::Kind::io, fmt::format("cannot open encoded list {}", path));
  io::CsvReader csv(in, path);
  std::vector<std::string> row;
  if (!csv.next(row) || row != header_columns()) {
    throw input_error({path, 1, 0},
                      "the header of a file written by `vigil link encode` (record_id, "
                      "surname_bf, given_name_bf, ..., key_check)");
  }
  EncodedList list;
  list.name = std::move(name);
  list.path = path;
  list.parameters.bits = 0;
  const std::size_t columns = header_columns().size();
  std::set<std::string> ids;
  while (csv.next(row)) {
    const std::size_t line = csv.record_line();
    if (row.size() != columns) {
      throw input_error({path, line, std::min(row.size(), columns) + 1},
                        fmt::format("{} fields", columns), fmt::format("{} fields", row.size()));
    }
    if (row[0].empty()) throw input_error({path, line, 1}, "a record id (it is empty)");
    if (!ids.insert(row[0]).second) {
      throw input_error({path, line, 1}, "a record id not seen before in the file");
    }
    if (list.key_check.empty()) {
      list.key_check = row.back();
    } else if (row.back() != list.key_check) {
      throw input_error({path, line, columns},
                        "the same key_check on every row: rows encoded with different secrets "
                        "cannot be linked");
    }
    // The filter length follows from the first filled cell.
    for (std::size_t c : {1U, 2U}) {
      if (list.parameters.bits == 0 && !row[c].empty()) list.parameters.bits = base64_bits(row[c]);
    }
    EncodedRecord e;
    e.record_id = row[0];
    try {
      e.surname = from_base64(row[1], list.parameters.bits == 0 ? 64 : list.parameters.bits);
      e.given_name = from_base64(row[2], list.parameters.bits == 0 ? 64 : list.parameters.bits);
    } catch (const Error&) {
      throw input_error({path, line, 2},
                        fmt::format("base64 Bloom filters of {} bits in surname_bf and "
                                    "given_name_bf, as vigil link encode writes them",
                                    list.parameters.bits));
    }
    e.birth_year = row[3];
    e.birth_month = row[4];
    e.birth_day = row[5];
    e.sex = row[6];
    e.document_number = row[7];
    e.citizenship = row[8];
    e.blocking_keys.assign(row.begin() + 9, row.end() - 1);
    list.records.push_back(std::move(e));
  }
  if (list.parameters.bits == 0) list.parameters.bits = 1024;
  return list;
}

namespace {

// An encoded record reduced for comparison: filters with their popcounts,
// and keyed hashes turned into integer ids (0 = missing), so that a pair
// costs one pass over each filter and integer compares.
struct PreparedEncoded {
  const BloomFilter* surname = nullptr;
  const BloomFilter* given = nullptr;
  std::uint32_t surname_bits = 0;
  std::uint32_t given_bits = 0;
  std::uint32_t year = 0;
  std::uint32_t month = 0;  // day and month share ids: see kDayMonthLabel
  std::uint32_t day = 0;
  std::uint32_t sex = 0;
  std::uint32_t document = 0;
  std::uint32_t citizenship = 0;
};

std::int8_t dice_level(const BloomFilter& a, std::uint32_t a_bits, const BloomFilter& b,
                       std::uint32_t b_bits) {
  if (a_bits == 0 || b_bits == 0) return kMissingLevel;
  const std::size_t common = common_bits(a, b);
  if (common == a_bits && common == b_bits) return 3;  // the same filter
  const double d = 2.0 * static_cast<double>(common) / static_cast<double>(a_bits + b_bits);
  if (d >= 0.80) return 2;
  if (d >= 0.60) return 1;
  return 0;
}

// The levels of detail::date_levels() from the keyed parts. A year that
// differs counts as one part differing whatever its digits, since hashes
// hide the digits: slightly more forgiving than clear-text comparison.
std::int8_t encoded_date_level(const PreparedEncoded& a, const PreparedEncoded& b) {
  if (a.year == 0 || b.year == 0) return kMissingLevel;
  const bool year = a.year == b.year;
  const bool full = a.month != 0 && a.day != 0 && b.month != 0 && b.day != 0;
  if (!full) return year ? 1 : 0;
  const bool month = a.month == b.month;
  const bool day = a.day == b.day;
  if (year && month && day) return 4;
  if (year && a.day == b.month && a.month == b.day && a.day != a.month) return 3;
  if (static_cast<int>(year) + static_cast<int>(month) + static_cast<int>(day) == 2) return 2;
  return year ? 1 : 0;
}

std::int8_t equal_level(std::uint32_t a, std::uint32_t b) {
  if (a == 0 || b == 0) return kMissingLevel;
  return a == b ? 1 : 0;
}

}  // namespace

LinkResult match_encoded_lists(const std::vector<EncodedList>& lists, const LinkOptions& options) {
  detail::LinkageProblem problem;
  for (const auto& list : lists) problem.list_names.push_back(list.name);
  detail::check_list_names(problem.list_names);
  for (const auto& list : lists) {
    if (list.key_check != lists.front().key_check) {
      throw Error(Error::Kind::usage,
                  fmt::format("link match: {} and {} were encoded with different secrets (their "
                              "key_check differs); every agency must encode with the same secret "
                              "file",
                              lists.front().path, list.path));
    }
    if (list.parameters.bits != lists.front().parameters.bits) {
      throw Error(Error::Kind::usage,
                  fmt::format("link match: {} has {}-bit filters and {} has {}-bit ones; encode "
                              "every list with the same --bits",
                              lists.front().path, lists.front().parameters.bits, list.path,
                              list.parameters.bits));
    }
  }

  std::vector<const EncodedRecord*> record_of;
  auto records = std::make_shared<std::vector<PreparedEncoded>>();
  detail::ValueIds year_ids, day_month_ids, sex_ids, document_ids, citizenship_ids;
  detail::NameFrequencies name_frequencies;
  std::map<LinkField, std::set<std::uint32_t>> filled;
  for (std::uint32_t l = 0; l < lists.size(); ++l) {
    problem.list_sizes.push_back(lists[l].records.size());
    for (std::uint32_t row = 0; row < lists[l].records.size(); ++row) {
      const EncodedRecord& e = lists[l].records[row];
      problem.records.push_back({l, row});
      problem.record_ids.push_back(e.record_id);
      record_of.push_back(&e);
      records->push_back(
          {&e.surname, &e.given_name, static_cast<std::uint32_t>(e.surname.popcount()),
           static_cast<std::uint32_t>(e.given_name.popcount()), year_ids.id(e.birth_year),
           day_month_ids.id(e.birth_month), day_month_ids.id(e.birth_day), sex_ids.id(e.sex),
           document_ids.id(e.document_number), citizenship_ids.id(e.citizenship)});
      // Equal filters come from equal names, so a filter's bytes identify
      // its value for counting.
      const std::string surname = to_base64(e.surname);
      const std::string given = to_base64(e.given_name);
      name_frequencies.add(surname, given);
      if (!e.surname.empty()) filled[LinkField::surname].insert(l);
      if (!e.given_name.empty()) filled[LinkField::given_name].insert(l);
      if (!e.birth_year.empty()) filled[LinkField::birth_date].insert(l);
      if (!e.sex.empty()) filled[LinkField::sex].insert(l);
      if (!e.document_number.empty()) filled[LinkField::document_number].insert(l);
      if (!e.citizenship.empty()) filled[LinkField::citizenship].insert(l);
    }
  }
  const std::vector<std::string> name_levels = {"differ", "similar (Dice >= 0.60)",
                                                "close (Dice >= 0.80)", "same encoding"};
  const std::vector<std::pair<LinkField, std::vector<std::string>>> candidates = {
      {LinkField::surname, name_levels},
      {LinkField::given_name, name_levels},
      {LinkField::birth_date, detail::date_levels()},
      {LinkField::sex, {"differ", "same"}},
      {LinkField::document_number, {"differ", "same"}},
      {LinkField::citizenship, {"differ", "same"}},
  };
  const std::vector<LinkField> used = detail::select_fields(problem, candidates, filled);
  for (const auto& rule : options.blocking_rules) {
    const auto it =
        std::find(encoded_blocking_rules().begin(), encoded_blocking_rules().end(), rule);
    if (it == encoded_blocking_rules().end()) {
      throw Error(Error::Kind::usage,
                  fmt::format("link match: unknown blocking rule \"{}\"; encoded files carry "
                              "surname_birth_year, given_surname, birth_date_surname_initial and "
                              "document_number",
                              rule));
    }
    const auto index = static_cast<std::size_t>(it - encoded_blocking_rules().begin());
    BlockingRule blocking{rule, {}};
    for (const auto* e : record_of) {
      blocking.keys.push_back(e->blocking_keys[index]);
    }
    detail::add_blocking_rule(problem, std::move(blocking));
  }

  problem.term_frequencies = name_frequencies.take();
  problem.compare = [records, used](std::uint32_t a, std::uint32_t b, std::int8_t* levels) {
    const PreparedEncoded& x = (*records)[a];
    const PreparedEncoded& y = (*records)[b];
    for (std::size_t f = 0; f < used.size(); ++f) {
      std::int8_t level = kMissingLevel;
      switch (used[f]) {
        case LinkField::surname:
          level = dice_level(*x.surname, x.surname_bits, *y.surname, y.surname_bits);
          break;
        case LinkField::given_name:
          level = dice_level(*x.given, x.given_bits, *y.given, y.given_bits);
          break;
        case LinkField::birth_date:
          level = encoded_date_level(x, y);
          break;
        case LinkField::sex:
          level = equal_level(x.sex, y.sex);
          break;
        case LinkField::document_number:
          level = equal_level(x.document, y.document);
          break;
        case LinkField::citizenship:
          level = equal_level(x.citizenship, y.citizenship);
          break;
      }
      levels[f] = level;
    }
  };
  return detail::run_linkage(std::move(problem), options);
}

}  // namespace vigil::link
