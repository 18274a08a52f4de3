// Release folders: written whole or not at all, with verifiable digests,
// and cases from the store read as the CTDC file they came from.
#include "publish/release.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/digest.hpp"
#include "core/error.hpp"
#include "store/import.hpp"
#include "store/store.hpp"
#include "store/test_support.hpp"

namespace vigil::publish {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::vector<std::string>> rows_of(const CategoricalTable& t) {
  std::vector<std::vector<std::string>> rows(t.rows());
  for (std::size_t r = 0; r < t.rows(); ++r) {
    for (std::size_t c = 0; c < t.columns.size(); ++c) rows[r].push_back(t.cell(c, r));
  }
  return rows;
}

TEST(Release, CasesFromTheStoreReadAsTheCtdcFileTheyCameFrom) {
  // The example is in the CTDC 2024 layout, written by vigil's own writer:
  // importing it and reading the store back gives the same rows, in order.
  const std::string file = std::string(VIGIL_EXAMPLES_DIR) + "/ctdc_synthetic_kz.csv";
  const testing::ScratchDir dir;
  auto store = store::open_sqlite_store(dir.file("vigil.db"));
  store::import_case_file(*store, file);
  const CategoricalTable from_store = cases_table(*store, "vigil.db");
  const CategoricalTable from_file = read_categorical_csv(file);
  ASSERT_EQ(from_store.columns, from_file.columns);
  ASSERT_EQ(from_store.rows(), 3000U);
  EXPECT_EQ(rows_of(from_store), rows_of(from_file));
  EXPECT_EQ(from_store.source, "vigil.db");
}

TEST(Release, WritesEveryFileAndADigestListSha256sumAccepts) {
  const testing::ScratchDir dir;
  const std::string out = dir.file("release");
  write_release(out,
                {{"data.csv", "a,b\n1,2\n"}, {"PRIVACY.md", "# x\n"}, {"extra/notes.txt", "abc"}},
                false);
  EXPECT_EQ(read_text(fs::path(out) / "data.csv"), "a,b\n1,2\n");
  EXPECT_EQ(read_text(fs::path(out) / "extra/notes.txt"), "abc");
  // FIPS 180-2, appendix B.1: SHA-256("abc").
  const std::string abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  const std::string sums = read_text(fs::path(out) / "SHA256SUMS");
  EXPECT_EQ(sums, fmt::format("{}  PRIVACY.md\n{}  data.csv\n{}  extra/notes.txt\n",
                              sha256_hex("# x\n"), sha256_hex("a,b\n1,2\n"), abc));
  // No temporary folder is left beside the release.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.file(""))) ++entries;
  EXPECT_EQ(entries, 1U);
  // GNU coreutils agrees with the list, when it is there to ask.
  if (std::system("command -v sha256sum >/dev/null 2>&1") == 0) {
    EXPECT_EQ(std::system(("cd '" + out + "' && sha256sum --quiet -c SHA256SUMS").c_str()), 0);
  }
}

TEST(Release, RefusesAnExistingFolderUnlessToldToReplaceIt) {
  const testing::ScratchDir dir;
  const std::string out = dir.file("release");
  write_release(out, {{"data.csv", "old\n"}, {"old-only.txt", "x"}}, false);
  try {
    write_release(out, {{"data.csv", "new\n"}}, false);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::usage);
    EXPECT_NE(std::string(e.what()).find("--replace"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_text(fs::path(out) / "data.csv"), "old\n");
  write_release(out, {{"data.csv", "new\n"}}, true);
  EXPECT_EQ(read_text(fs::path(out) / "data.csv"), "new\n");
  EXPECT_FALSE(fs::exists(fs::path(out) / "old-only.txt"));  // replaced as a whole
}

TEST(Release, AFailedWriteLeavesNothingBehind) {
  const testing::ScratchDir dir;
  const std::string out = dir.file("release");
  // "a" is a file, so "a/b" cannot be created: the write fails half-way.
  EXPECT_THROW(write_release(out, {{"data.csv", "1\n"}, {"a", "x"}, {"a/b", "y"}}, false), Error);
  EXPECT_FALSE(fs::exists(out));
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.file(""))) ++entries;
  EXPECT_EQ(entries, 0U);
}

TEST(Release, RejectsFileNamesThatEscapeTheFolder) {
  const testing::ScratchDir dir;
  for (const char* name : {"", "/etc/x", "../x", "a/../../x", "a/b/c", "SHA256SUMS"}) {
    EXPECT_THROW(write_release(dir.file("r"), {{name, "x"}}, false), Error) << name;
  }
  EXPECT_THROW(write_release(dir.file("r"), {{"x", "1"}, {"x", "2"}}, false), Error);
  EXPECT_FALSE(fs::exists(dir.file("r")));
}

TEST(Release, PrivacyStatementNamesItsSourceAndParameters) {
  PrivacyStatement s;
  s.title = "Privacy statement: test";
  s.released = "Counts.";
  s.method = "Suppression.";
  s.guarantees = {"No count below 10 is shown."};
  s.limits = {"Nothing protects against a wrong threshold."};
  s.parameters = {{"Smallest shown count", "10"}};
  s.source = ReleaseSource{"csv", "/data/cases.csv", "abc123", 42};
  s.created_by = "vigil test";
  const std::string md = render_privacy_statement(s);
  EXPECT_NE(md.find("# Privacy statement: test"), std::string::npos);
  EXPECT_NE(md.find("- No count below 10 is shown."), std::string::npos);
  EXPECT_NE(md.find("| Smallest shown count | 10 |"), std::string::npos);
  EXPECT_NE(md.find("The 42 records of the file `cases.csv` (SHA-256 `abc123`)"),
            std::string::npos);
  EXPECT_EQ(md.find("/data/"), std::string::npos);  // no local path in a published text
}

}  // namespace
}  // namespace vigil::publish
