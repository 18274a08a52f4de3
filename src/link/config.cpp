// The link configuration file (link.hpp, "Configuration").
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "io/toml_table.hpp"
#include "link/link.hpp"

namespace vigil::link {

namespace {

constexpr std::string_view kHelp = "the README section \"vigil link\"";

const std::vector<std::string>& known_rules() {
  static const std::vector<std::string> rules = {"surname_birth_year", "given_surname",
                                                 "birth_date_surname_initial", "document_number"};
  return rules;
}

}  // namespace

LinkConfig parse_link_config(std::string_view toml_text, const std::string& source_name) {
  const toml::table root = io::parse_toml(toml_text, source_name);
  LinkConfig config;
  io::TomlTableReader top(root, "", source_name, kHelp);
  if (top.find("columns") != nullptr) {
    io::TomlTableReader columns(top.table("columns"), "columns", source_name, kHelp);
    ListColumns& c = config.columns;
    for (auto [key, target] : {std::pair<const char*, std::string*>{"record_id", &c.record_id},
                               {"surname", &c.surname},
                               {"given_name", &c.given_name},
                               {"full_name", &c.full_name},
                               {"sex", &c.sex},
                               {"birth_date", &c.birth_date},
                               {"document_number", &c.document_number},
                               {"citizenship", &c.citizenship}}) {
      *target = columns.string_or(key, *target);
    }
    if (c.record_id.empty()) {
      throw input_error(io::position_of(columns.require("record_id"), source_name),
                        "a column name for record_id (every list needs record ids)");
    }
    columns.finish();
  }
  if (top.find("dates") != nullptr) {
    io::TomlTableReader dates(top.table("dates"), "dates", source_name, kHelp);
    if (dates.find("order") != nullptr) {
      const std::string order = dates.string("order");
      if (order == "day_first") {
        config.date_order = DateOrder::day_first;
      } else if (order == "month_first") {
        config.date_order = DateOrder::month_first;
      } else {
        throw input_error(io::position_of(dates.require("order"), source_name),
                          "\"day_first\" or \"month_first\"", order);
      }
    }
    dates.finish();
  }
  if (top.find("blocking") != nullptr) {
    io::TomlTableReader blocking(top.table("blocking"), "blocking", source_name, kHelp);
    if (const toml::node* node = blocking.find("rules")) {
      const toml::array* array = node->as_array();
      const std::string expected =
          "an array of rule names from surname_birth_year, given_surname, "
          "birth_date_surname_initial, document_number";
      if (array == nullptr || array->empty()) {
        throw input_error(io::position_of(*node, source_name), expected);
      }
      config.options.blocking_rules.clear();
      for (const toml::node& item : *array) {
        const auto* text = item.as_string();
        if (text == nullptr || std::find(known_rules().begin(), known_rules().end(), text->get()) ==
                                   known_rules().end()) {
          throw input_error(io::position_of(item, source_name), expected);
        }
        config.options.blocking_rules.push_back(text->get());
      }
    }
    config.options.max_block_size =
        static_cast<std::size_t>(blocking.find("max_block_size") != nullptr
                                     ? blocking.integer("max_block_size", 0, 100000000)
                                     : static_cast<std::int64_t>(config.options.max_block_size));
    blocking.finish();
  }
  if (top.find("model") != nullptr) {
    io::TomlTableReader model(top.table("model"), "model", source_name, kHelp);
    config.options.min_probability =
        model.number_or("min_probability", config.options.min_probability, 1e-9, 1.0);
    if (model.find("precision") != nullptr) {
      config.options.precision = model.number("precision", 1e-9, 1.0);
    }
    if (model.find("random_pairs") != nullptr) {
      config.options.random_pairs =
          static_cast<std::size_t>(model.integer("random_pairs", 1000, 100000000));
    }
    if (model.find("seed") != nullptr) {
      config.options.seed = static_cast<std::uint64_t>(
          model.integer("seed", 0, std::numeric_limits<std::int64_t>::max()));
    }
    model.finish();
  }
  if (top.find("encoding") != nullptr) {
    io::TomlTableReader encoding(top.table("encoding"), "encoding", source_name, kHelp);
    if (encoding.find("bits") != nullptr) {
      const std::int64_t bits = encoding.integer("bits", 64, 65536);
      if (bits % 64 != 0) {
        throw input_error(io::position_of(encoding.require("bits"), source_name),
                          "a multiple of 64", std::to_string(bits));
      }
      config.encoding.bits = static_cast<std::size_t>(bits);
    }
    if (encoding.find("hashes_per_token") != nullptr) {
      config.encoding.hashes_per_token =
          static_cast<int>(encoding.integer("hashes_per_token", 1, 100));
    }
    encoding.finish();
  }
  top.finish();
  return config;
}

LinkConfig load_link_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Error::Kind::io, fmt::format("cannot open link configuration {}", path));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_link_config(text.str(), path);
}

}  // namespace vigil::link
