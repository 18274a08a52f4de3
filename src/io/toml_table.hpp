// Reading TOML configuration files (scenarios, index configurations) with
// errors that name the file, line and column, and with every key checked:
// a misspelt key is an error, never a silently ignored setting.
//
// Header-only: it needs toml++ (Debian's libtomlplusplus-dev), which only
// the libraries that read TOML link.
#pragma once

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cmath>
#include <cstdint>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/country.hpp"
#include "core/error.hpp"

namespace vigil::io {

inline SourcePosition position_of(const toml::node& node, const std::string& source) {
  const auto& where = node.source().begin;
  return {source, static_cast<std::size_t>(where.line), static_cast<std::size_t>(where.column)};
}

// Reads one TOML table, remembering which keys were used so that a misspelt
// key is an error rather than a silently ignored setting.
class TomlTableReader {
 public:
  TomlTableReader(const toml::table& table, std::string path, const std::string& source,
                  std::string_view help = "the README")
      : table_(table), path_(std::move(path)), source_(source), help_(help) {}

  ~TomlTableReader() = default;
  TomlTableReader(const TomlTableReader&) = delete;
  TomlTableReader& operator=(const TomlTableReader&) = delete;

  const toml::node* find(std::string_view key) {
    used_.insert(std::string(key));
    return table_.get(key);
  }

  const toml::node& require(std::string_view key) {
    const toml::node* node = find(key);
    if (node == nullptr) {
      throw input_error(position_of(table_, source_),
                        fmt::format("[{}] needs the key \"{}\"", path_, key));
    }
    return *node;
  }

  double number(std::string_view key, double low, double high) {
    return check_number(require(key), key, low, high);
  }
  double number_or(std::string_view key, double fallback, double low, double high) {
    const toml::node* node = find(key);
    return node == nullptr ? fallback : check_number(*node, key, low, high);
  }
  std::int64_t integer(std::string_view key, std::int64_t low, std::int64_t high) {
    const toml::node& node = require(key);
    // Only an integer node is read: toml++'s value<int64_t>() converts a
    // float such as 1e308 to int64 before checking its range, which is
    // undefined behaviour (found by fuzz/toml_config).
    const toml::value<std::int64_t>* integer = node.as_integer();
    if (integer == nullptr || integer->get() < low || integer->get() > high) {
      throw input_error(position_of(node, source_),
                        fmt::format("an integer from {} to {} for {}.{}", low, high, path_, key),
                        describe(node));
    }
    return integer->get();
  }
  std::string string(std::string_view key) {
    const toml::node& node = require(key);
    if (!node.is_string()) {
      throw input_error(position_of(node, source_), fmt::format("a string for {}.{}", path_, key),
                        describe(node));
    }
    return std::string(*node.value<std::string_view>());
  }
  std::string string_or(std::string_view key, const std::string& fallback) {
    return find(key) == nullptr ? fallback : string(key);
  }
  std::string country(std::string_view key) {
    const toml::node& node = require(key);
    const std::string code = string(key);
    const auto found = find_country(code);
    if (code.size() != 3 || !found) {
      throw input_error(position_of(node, source_),
                        fmt::format("an ISO 3166-1 alpha-3 country code for {}.{}", path_, key),
                        code);
    }
    return std::string(found->alpha3());
  }
  // An array of `size` non-negative weights, not all zero.
  std::vector<double> weights(std::string_view key, std::size_t size) {
    const toml::node& node = require(key);
    const toml::array* array = node.as_array();
    const std::string expected =
        fmt::format("an array of {} non-negative numbers, not all 0, for {}.{}", size, path_, key);
    if (array == nullptr || array->size() != size) {
      throw input_error(position_of(node, source_), expected, describe(node));
    }
    std::vector<double> out;
    double total = 0;
    for (const auto& item : *array) {
      const auto value = item.value<double>();
      if (!value || *value < 0 || !std::isfinite(*value)) {
        throw input_error(position_of(item, source_), expected, describe(item));
      }
      out.push_back(*value);
      total += *value;
    }
    if (total <= 0) throw input_error(position_of(node, source_), expected, "all zero");
    return out;
  }
  const toml::table& table(std::string_view key) {
    const toml::node& node = require(key);
    if (!node.is_table()) {
      throw input_error(position_of(node, source_), fmt::format("a table [{}.{}]", path_, key),
                        describe(node));
    }
    return *node.as_table();
  }
  const toml::array& array_of_tables(std::string_view key) {
    const toml::node& node = require(key);
    if (!node.is_array_of_tables()) {
      throw input_error(position_of(node, source_),
                        fmt::format("an array of tables [[{}.{}]]", path_, key), describe(node));
    }
    return *node.as_array();
  }
  // Every key of the table must have been read.
  void finish() const {
    for (const auto& [key, node] : table_) {
      if (used_.count(std::string(key.str())) == 0) {
        const auto& where = key.source().begin;
        throw input_error(SourcePosition{source_, static_cast<std::size_t>(where.line),
                                         static_cast<std::size_t>(where.column)},
                          fmt::format("unknown key \"{}\" in [{}]; see {} for the keys it takes",
                                      key.str(), path_, help_));
      }
    }
  }
  const std::string& path() const { return path_; }
  const std::string& source() const { return source_; }
  const std::string& help() const { return help_; }

 private:
  static std::string describe(const toml::node& node) {
    std::ostringstream text;
    if (node.is_table()) return "a table";
    if (node.is_array()) return "an array";
    node.visit([&text](const auto& value) { text << value; });
    return text.str();
  }
  double check_number(const toml::node& node, std::string_view key, double low, double high) {
    const auto value = node.value<double>();
    if (!(node.is_number()) || !value || !std::isfinite(*value) || *value < low || *value > high) {
      throw input_error(position_of(node, source_),
                        fmt::format("a number from {} to {} for {}.{}", low, high, path_, key),
                        describe(node));
    }
    return *value;
  }

  const toml::table& table_;
  std::string path_;
  const std::string& source_;
  std::string help_;
  std::set<std::string> used_;
};

// Parses TOML text, turning a syntax error into vigil::Error (input) with
// the position.
inline toml::table parse_toml(std::string_view text, const std::string& source_name) {
  try {
    return toml::parse(text, source_name);
  } catch (const toml::parse_error& error) {
    const auto& where = error.source().begin;
    throw input_error(
        {source_name, static_cast<std::size_t>(where.line), static_cast<std::size_t>(where.column)},
        fmt::format("invalid TOML: {}", error.description()));
  }
}

}  // namespace vigil::io
