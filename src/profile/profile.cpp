#include "profile/profile.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace vigil::profile {
namespace {

// Years as code_label knows them; a code outside is treated as an unknown year.
constexpr int kMaxYear = 9999;

struct CategoricalSpec {
  Field field;
  FieldKind kind;
  std::string_view name;
  std::string_view label;
  std::int16_t categories;
};

// Category counts come from the enumerations, so a new enumerator shows up
// in the profile without touching this file.
constexpr CategoricalSpec kCategoricals[] = {
    {Field::gender, FieldKind::gender, "gender", "Gender",
     static_cast<std::int16_t>(Gender::trans_nonconforming) + 1},
    {Field::age_band, FieldKind::age_band, "age_band", "Age band",
     static_cast<std::int16_t>(AgeBand::age_48_plus) + 1},
    {Field::majority_status, FieldKind::majority_status, "majority_status", "Majority status",
     static_cast<std::int16_t>(MajorityStatus::minor) + 1},
    {Field::data_source, FieldKind::data_source, "data_source", "Data source",
     static_cast<std::int16_t>(DataSource::hotline) + 1},
    {Field::trafficking_duration, FieldKind::trafficking_duration, "trafficking_duration",
     "Months trafficked", static_cast<std::int16_t>(TraffickingDuration::months_25_plus) + 1},
};
constexpr std::size_t kMaxCategories = 16;
static_assert(std::ranges::all_of(kCategoricals,
                                  [](const CategoricalSpec& spec) {
                                    return spec.categories > 0 &&
                                           static_cast<std::size_t>(spec.categories) <=
                                               kMaxCategories;
                                  }),
              "raise kMaxCategories");

struct GroupSpec {
  FlagGroup group;
  std::string_view label;
};

// Abduction is absent: it is a single yes/no variable, profiled on its own.
constexpr GroupSpec kGroups[] = {
    {FlagGroup::exploitation_type, "Type of exploitation"},
    {FlagGroup::labour_sector, "Labour sector"},
    {FlagGroup::sexual_exploitation, "Type of sexual exploitation"},
    {FlagGroup::means_of_control, "Means of control"},
    {FlagGroup::control_detail, "Means of control (detailed, 2018 layout)"},
    {FlagGroup::recruiter_relation, "Recruiter relation"},
};

constexpr std::string_view kAbductionLabel = "Abduction";

double percent_of(std::int64_t count, std::int64_t denominator) {
  return denominator == 0 ? 0.0
                          : 100.0 * static_cast<double>(count) / static_cast<double>(denominator);
}

CountryTable make_country_table(const std::vector<std::int64_t>& counts, std::int64_t missing,
                                std::size_t top) {
  CountryTable table;
  table.missing = missing;
  for (std::size_t index = 0; index < counts.size(); ++index) {
    if (counts[index] == 0) continue;
    table.known += counts[index];
    table.rows.push_back({CountryCode(static_cast<std::uint16_t>(index)), counts[index], 0.0});
  }
  table.distinct = table.rows.size();
  std::ranges::sort(table.rows, [](const CountryCount& a, const CountryCount& b) {
    if (a.count != b.count) return a.count > b.count;
    return a.country.alpha3() < b.country.alpha3();
  });
  // erase, not resize: CountryCount has no default constructor.
  if (top != 0 && table.rows.size() > top) {
    table.rows.erase(table.rows.begin() + static_cast<std::ptrdiff_t>(top), table.rows.end());
  }
  std::int64_t kept = 0;
  for (auto& row : table.rows) {
    row.percent = percent_of(row.count, table.known);
    kept += row.count;
  }
  table.other = table.known - kept;
  return table;
}

}  // namespace

// Everything add() touches is sized here, once, so that add() never allocates
// and a quarter of a million records are counted in a few milliseconds.
struct ProfileBuilder::State {
  explicit State(const ProfileOptions& opts)
      : options(opts),
        country_count(all_countries().size()),
        windowed(options.from_year.has_value() || options.to_year.has_value()),
        from(options.from_year.value_or(std::numeric_limits<int>::min())),
        to(options.to_year.value_or(std::numeric_limits<int>::max())),
        target(options.country ? static_cast<int>(options.country->index()) : -1),
        years(kMaxYear + 1),
        citizenship(country_count),
        destinations(country_count),
        exploitation(country_count) {
    for (std::size_t slot = 0; slot < std::size(kGroups); ++slot) {
      groups[slot] = group_fields(kGroups[slot].group);
    }
    if (options.country && options.country->index() >= country_count) {
      throw Error(Error::Kind::usage, "profile: unknown country");
    }
    if (options.from_year && options.to_year && *options.from_year > *options.to_year) {
      throw Error(Error::Kind::usage, "profile: the first year of the window is after the last");
    }
  }

  // -1 for missing and for codes that name no country, so that a corrupt
  // code can never index past the tables.
  int country_of(const CaseRecord& record, Field field) const {
    const auto code = record.code(field);
    if (!code || *code < 0 || static_cast<std::size_t>(*code) >= country_count) return -1;
    return *code;
  }

  ProfileOptions options;
  std::size_t country_count;
  bool windowed;
  int from;
  int to;
  int target;  // the profiled country's index, -1 without one

  std::int64_t records_read = 0;
  std::int64_t excluded_unknown_year = 0;
  std::int64_t excluded_outside_years = 0;
  std::int64_t total = 0;
  std::int64_t domestic = 0;
  std::int64_t foreign = 0;
  std::int64_t origin_unknown = 0;

  std::vector<YearCount> years;
  std::int64_t year_missing = 0;

  std::vector<std::int64_t> citizenship;
  std::int64_t citizenship_missing = 0;
  std::vector<std::int64_t> destinations;
  std::int64_t destinations_missing = 0;
  std::vector<std::int64_t> exploitation;
  std::int64_t exploitation_missing = 0;

  std::array<std::array<std::int64_t, kMaxCategories>, std::size(kCategoricals)> categories{};
  std::array<std::int64_t, std::size(kCategoricals)> categorical_known{};
  std::array<std::span<const Field>, std::size(kGroups)> groups{};
  std::array<std::int64_t, kFieldCount> flag_ones{};
  std::array<std::int64_t, std::size(kGroups)> group_informed{};
  std::array<std::int64_t, 2> abduction{};  // No, Yes
};

ProfileBuilder::ProfileBuilder(ProfileOptions options) : state_(std::make_unique<State>(options)) {}
ProfileBuilder::~ProfileBuilder() = default;
ProfileBuilder::ProfileBuilder(ProfileBuilder&&) noexcept = default;
ProfileBuilder& ProfileBuilder::operator=(ProfileBuilder&&) noexcept = default;

void ProfileBuilder::add(const CaseRecord& record) {
  State& s = *state_;
  ++s.records_read;

  const auto year_code = record.code(Field::year_of_registration);
  const int year = (year_code && *year_code >= 0 && *year_code <= kMaxYear) ? *year_code : -1;
  if (s.windowed) {
    if (year < 0) {
      ++s.excluded_unknown_year;
      return;
    }
    if (year < s.from || year > s.to) {
      ++s.excluded_outside_years;
      return;
    }
  }

  const int citizenship = s.country_of(record, Field::citizenship);
  const int exploited_in = s.country_of(record, Field::country_of_exploitation);

  bool described = true;
  if (s.target >= 0) {
    // The corridors out of the country are counted whatever the perspective:
    // in the exploitation perspective these citizens are not described
    // victims, yet they are the other half of the country's picture.
    if (citizenship == s.target) {
      if (exploited_in < 0) {
        ++s.destinations_missing;
      } else if (exploited_in != s.target) {
        ++s.destinations[static_cast<std::size_t>(exploited_in)];
      }
    }
    described = s.options.perspective == Perspective::exploitation ? exploited_in == s.target
                                                                   : citizenship == s.target;
  }
  if (!described) return;

  ++s.total;
  const bool origin_known = citizenship >= 0 && exploited_in >= 0;
  const bool is_domestic = origin_known && citizenship == exploited_in;
  const bool is_foreign = origin_known && citizenship != exploited_in;
  s.domestic += is_domestic;
  s.foreign += is_foreign;
  s.origin_unknown += !origin_known;

  if (year >= 0) {
    auto& counts = s.years[static_cast<std::size_t>(year)];
    ++counts.total;
    counts.domestic += is_domestic;
    counts.foreign += is_foreign;
  } else {
    ++s.year_missing;
  }

  if (citizenship >= 0) {
    ++s.citizenship[static_cast<std::size_t>(citizenship)];
  } else {
    ++s.citizenship_missing;
  }
  if (exploited_in >= 0) {
    ++s.exploitation[static_cast<std::size_t>(exploited_in)];
  } else {
    ++s.exploitation_missing;
  }

  for (std::size_t index = 0; index < std::size(kCategoricals); ++index) {
    const auto code = record.code(kCategoricals[index].field);
    // Out-of-range codes cannot come through the importer; counting them as
    // missing keeps a corrupt record from writing past the counts.
    if (!code || *code < 0 || *code >= kCategoricals[index].categories) continue;
    ++s.categories[index][static_cast<std::size_t>(*code)];
    ++s.categorical_known[index];
  }

  // CaseRecord::informs, computed in the pass that counts the flags so that
  // each code is read once. The branch is cheap: real flags are mostly
  // missing or 0.
  for (std::size_t slot = 0; slot < std::size(kGroups); ++slot) {
    bool informs = false;
    for (const Field field : s.groups[slot]) {
      if (record.flag(field)) {
        ++s.flag_ones[static_cast<std::size_t>(field)];
        informs = true;
      }
    }
    s.group_informed[slot] += informs;
  }

  const auto abduction = record.code(Field::abduction);
  if (abduction && (*abduction == 0 || *abduction == 1)) {
    ++s.abduction[static_cast<std::size_t>(*abduction)];
  }
}

Profile ProfileBuilder::finish() const {
  const State& s = *state_;
  Profile profile;
  profile.options = s.options;
  profile.records_read = s.records_read;
  profile.excluded_unknown_year = s.excluded_unknown_year;
  profile.excluded_outside_years = s.excluded_outside_years;
  profile.total = s.total;
  profile.domestic = s.domestic;
  profile.foreign = s.foreign;
  profile.origin_unknown = s.origin_unknown;
  if (s.foreign != 0) {
    profile.domestic_foreign_ratio =
        static_cast<double>(s.domestic) / static_cast<double>(s.foreign);
  }
  if (s.domestic + s.foreign != 0) {
    profile.international_percent = percent_of(s.foreign, s.domestic + s.foreign);
  }
  for (std::size_t year = 0; year < s.years.size(); ++year) {
    if (s.years[year].total != 0) profile.by_year.emplace(static_cast<int>(year), s.years[year]);
  }
  profile.year_missing = s.year_missing;

  profile.citizenship = make_country_table(s.citizenship, s.citizenship_missing, s.options.top);
  profile.destinations_abroad =
      make_country_table(s.destinations, s.destinations_missing, s.options.top);
  profile.exploitation_countries =
      make_country_table(s.exploitation, s.exploitation_missing, s.options.top);

  for (std::size_t index = 0; index < std::size(kCategoricals); ++index) {
    const auto& spec = kCategoricals[index];
    Distribution distribution{.name = std::string(spec.name),
                              .label = std::string(spec.label),
                              .multiple_response = false,
                              .counts = {},
                              .denominator = s.categorical_known[index],
                              .missing = s.total - s.categorical_known[index]};
    for (std::int16_t code = 0; code < spec.categories; ++code) {
      const std::string text(code_label(spec.kind, code));
      const auto count = s.categories[index][static_cast<std::size_t>(code)];
      distribution.counts.push_back(
          {text, text, count, percent_of(count, distribution.denominator)});
    }
    profile.variables.push_back(std::move(distribution));
  }

  for (std::size_t index = 0; index < std::size(kGroups); ++index) {
    const auto& spec = kGroups[index];
    Distribution distribution{.name = std::string(group_name(spec.group)),
                              .label = std::string(spec.label),
                              .multiple_response = true,
                              .counts = {},
                              .denominator = s.group_informed[index],
                              .missing = s.total - s.group_informed[index]};
    for (const Field field : group_fields(spec.group)) {
      const auto& info = field_info(field);
      const auto count = s.flag_ones[static_cast<std::size_t>(field)];
      distribution.counts.push_back({std::string(info.name), std::string(info.label), count,
                                     percent_of(count, distribution.denominator)});
    }
    profile.variables.push_back(std::move(distribution));
  }

  const std::int64_t abduction_known = s.abduction[0] + s.abduction[1];
  Distribution abduction{.name = std::string(group_name(FlagGroup::abduction)),
                         .label = std::string(kAbductionLabel),
                         .multiple_response = false,
                         .counts = {},
                         .denominator = abduction_known,
                         .missing = s.total - abduction_known};
  abduction.counts.push_back(
      {"0", "No", s.abduction[0], percent_of(s.abduction[0], abduction_known)});
  abduction.counts.push_back(
      {"1", "Yes", s.abduction[1], percent_of(s.abduction[1], abduction_known)});
  profile.variables.push_back(std::move(abduction));
  return profile;
}

Profile compute_profile(std::span<const CaseRecord> records, const ProfileOptions& options) {
  ProfileBuilder builder(options);
  for (const auto& record : records) builder.add(record);
  return builder.finish();
}

}  // namespace vigil::profile
