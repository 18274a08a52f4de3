// Generalisation hierarchies: how a quasi-identifier's values are coarsened
// when a table is k-anonymised by global recoding (anonymise.hpp).
//
// A hierarchy maps each original value of a column to a generalisation at
// each level 0..height(): level 0 is the value itself, each level above
// merges groups of the level below, and the top level merges everything
// into one value, "*" (a suppressed cell). Kazakhstan -> Central Asia ->
// Asia -> *; 27-29 -> 18-29 -> Adult (18+) -> *. This is the
// value-generalisation hierarchy of Sweeney (2002, "Achieving k-anonymity
// privacy protection using generalization and suppression", IJUFKS
// 10(5):571-588) and the form ARX reads from CSV files: one row per
// original value, one column per level.
//
// Missing values (an empty cell) are not generalised: they stay missing at
// every level below the top and become the top value ("*") at the top, so
// that a missing age never looks like a known age group.
//
// Built in: countries by UN M49 region and CTDC age bands (both compiled in
// from data/hierarchies/, see data/README.md), calendar years by period
// (arithmetic), and plain suppression for any other column.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "publish/check.hpp"

namespace vigil::publish {

namespace detail {
class HierarchyBuilder;
}

class Hierarchy {
 public:
  // The suppression hierarchy (value -> "*"), as suppression_hierarchy().
  Hierarchy() = default;

  // A short description for messages and reports ("UN M49 regions", or the
  // file a hierarchy was read from).
  const std::string& name() const { return name_; }
  // The number of levels above the values themselves; the top level is
  // height() and holds a single value.
  std::size_t height() const { return level_names_.size() - 1; }
  // height() + 1 names, level_names()[0] naming the values themselves
  // ("country", "sub_region", "region", "*").
  const std::vector<std::string>& level_names() const { return level_names_; }
  // The single value of the top level: "*" unless a hierarchy file's last
  // level already names one value for everything.
  const std::string& top() const { return top_; }
  // Whether `value` has a place in the hierarchy. Missing ("") always has.
  bool covers(std::string_view value) const;
  // `value` generalised to `level` (0..height()): the value itself at level
  // 0, its group's label above, top() at the top; "" stays "" below the
  // top. nullopt when the hierarchy does not cover the value or the level
  // is above height().
  std::optional<std::string> generalise(std::string_view value, std::size_t level) const;
  // How many original values the hierarchy lists; 0 for an open hierarchy
  // (suppression_hierarchy), which covers every value.
  std::size_t size() const { return leaves_.size(); }

 private:
  friend class detail::HierarchyBuilder;
  // How a table's cell is matched to a listed value.
  enum class Matching : std::uint8_t {
    exact,    // as written (after trimming spaces)
    dashes,   // "-", "--", en and em dashes alike, spaces ignored
    country,  // alpha-2 or alpha-3 code, any case (core/country.hpp)
    any,      // every value (open hierarchy)
  };
  // The listed value `value` matches, or nullopt.
  std::optional<std::size_t> find(std::string_view value) const;

  std::string name_ = "suppression";
  std::vector<std::string> level_names_ = {"value", "*"};
  std::string top_ = "*";
  Matching matching_ = Matching::any;
  std::vector<std::string> leaves_;
  // labels_[level - 1][group]: the group labels of levels 1..height() - 1;
  // paths_[leaf * (height() - 1) + level - 1]: the leaf's group there.
  std::vector<std::vector<std::string>> labels_;
  std::vector<std::uint32_t> paths_;
  std::unordered_map<std::string, std::uint32_t> index_;  // matching key -> leaf
};

// Reads an ARX-style hierarchy file: a header row naming the levels (e.g.
// `country,sub_region,region`), then one row per original value, `value,
// level1, level2, ...`. A top level "*" (named "*") is added unless the last
// column already holds one value for every row. Cells are trimmed of
// surrounding spaces and matched exactly. Throws vigil::Error (io) when the
// file cannot be read, (input) with file:line:column on: an empty file or
// header, a row whose field count differs from the header's, an empty cell,
// a value listed twice, a group that generalises to two different groups at
// the next level (which would not be a hierarchy: two children of one
// level-i group must share their level-(i + 1) group), and a file with no
// value rows.
Hierarchy read_hierarchy_csv(const std::string& path);

// The same from rows held in memory (for callers that build hierarchies and
// for tests): `level_names` names the columns of each row. Throws
// vigil::Error (usage) on the conditions read_hierarchy_csv reports, with
// "row N, level M" in place of a file position.
Hierarchy make_hierarchy(std::string name, std::vector<std::string> level_names,
                         const std::vector<std::vector<std::string>>& rows);

// Country -> UN M49 sub-region -> M49 region -> "*", built from
// data/hierarchies/un_m49.csv (UN Statistics Division, M49 standard;
// compiled in). Values are ISO 3166-1 alpha-3 or alpha-2 codes in any case.
// Every country of all_countries() is covered; those without an M49 region
// (Antarctica) generalise to "*" at every level above 0.
Hierarchy country_hierarchy();

// CTDC age band -> age group (0-17, 18-29, 30-47, 48+) -> minor/adult -> "*",
// built from data/hierarchies/ctdc_age_band.csv (compiled in). Bands are
// matched with any dash CTDC files use ("27-29", "27--29", "27–29",
// "27—29").
Hierarchy age_band_hierarchy();

// Calendar year -> 5-year period -> decade -> "*", periods aligned to
// multiples of their length and written "2015-2019", "2010-2019". Covers
// the 4-digit years among `values` (others are left uncovered). There is no
// 2-year level: periods of 2 and 5 years cannot both be aligned and nested
// (2014-2015 straddles 2010-2014 and 2015-2019).
Hierarchy year_hierarchy(const std::vector<std::string>& values);

// Value -> "*": all or nothing, for a column without a better hierarchy.
// Covers every value.
Hierarchy suppression_hierarchy();

// The built-in hierarchy that fits a column: country_hierarchy() when every
// non-missing value is a country code, age_band_hierarchy() when every one
// is a CTDC age band, year_hierarchy() when every one is a 4-digit year,
// suppression_hierarchy() otherwise (and for a column with no value).
Hierarchy default_hierarchy(const CategoricalTable& table, std::size_t column);

// A hierarchy applied to one column of a table: per level, the distinct
// generalised values and each original code's generalised code (0 stays 0,
// missing, below the top; codes count from 1 in order of the original
// codes). codes[0] is the identity and labels[0] the column's own values.
struct ColumnGeneralisation {
  std::vector<std::vector<std::string>> labels;   // per level
  std::vector<std::vector<std::uint32_t>> codes;  // per level, per original code
};

// Throws vigil::Error (input) naming the column, the hierarchy and how many
// of the column's values it does not cover (quoting one, shortened).
ColumnGeneralisation generalise_column(const Hierarchy& hierarchy, const CategoricalTable& table,
                                       std::size_t column);

}  // namespace vigil::publish
