#include "store/import.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "core/error.hpp"
#include "store/test_support.hpp"

namespace vigil::store {
namespace {

constexpr const char* kHeader =
    "yearOfRegistration,gender,citizenship,CountryOfExploitation,"
    "isForcedLabour,typeOfLabourConstruction\n";

// `rows` valid records in which many rows repeat (as CTDC data do): the
// content cycles through 7 x 2 x 3 = 42 combinations.
std::string make_csv(int rows) {
  static const char* const kCitizenships[] = {"UZ", "KG", "TJ"};
  std::string text = kHeader;
  for (int row = 0; row < rows; ++row) {
    text += std::to_string(2010 + row % 7) + "," + (row % 2 == 0 ? "Female" : "Male") + "," +
            kCitizenships[row % 3] + ",KZ,1," + (row % 5 == 0 ? "1" : "-99") + "\n";
  }
  return text;
}

ImportSummary import_text(CaseStore& store, const std::string& text, const std::string& name,
                          const ImportOptions& options = {}) {
  std::istringstream in(text);
  return import_case_stream(store, in, name, text.size(), options);
}

TEST(Import, StoresEveryRowAndReportsCounts) {
  const testing::ScratchDir dir;
  auto store = open_sqlite_store(dir.file("vigil.db"));
  const auto summary = import_text(*store, make_csv(1000), "/data/police.csv");
  EXPECT_EQ(summary.info.source, "police.csv");  // default source: the file name
  EXPECT_EQ(summary.info.file_name, "police.csv");
  // Only names common to both CTDC layouts: reported as the current one.
  EXPECT_EQ(summary.info.layout, "ctdc-2024");
  EXPECT_EQ(summary.info.rows_read, 1000);
  EXPECT_EQ(summary.info.rows_stored, 1000);  // identical rows are distinct victims
  EXPECT_EQ(summary.info.rows_duplicate, 0);
  EXPECT_EQ(store->case_count(), 1000);
}

TEST(Import, ReimportingTheSameFileStoresNothing) {
  const testing::ScratchDir dir;
  auto store = open_sqlite_store(dir.file("vigil.db"));
  const std::string text = make_csv(500);
  import_text(*store, text, "police.csv");
  const auto again = import_text(*store, text, "police.csv");
  EXPECT_EQ(again.info.rows_read, 500);
  EXPECT_EQ(again.info.rows_stored, 0);
  EXPECT_EQ(again.info.rows_duplicate, 500);
  EXPECT_EQ(store->case_count(), 500);
  EXPECT_EQ(store->imports().size(), 2U);  // both imports are logged
}

TEST(Import, ALongerExportOfTheSameSourceAddsOnlyTheNewRecords) {
  const testing::ScratchDir dir;
  auto store = open_sqlite_store(dir.file("vigil.db"));
  import_text(*store, make_csv(300), "export-2023.csv", {.source = "ngo", .progress = {}});
  const auto later =
      import_text(*store, make_csv(450), "export-2024.csv", {.source = "ngo", .progress = {}});
  EXPECT_EQ(later.info.rows_stored, 150);
  EXPECT_EQ(later.info.rows_duplicate, 300);
  EXPECT_EQ(store->case_count(), 450);
  // The same rows from another source are other records.
  const auto other =
      import_text(*store, make_csv(300), "police.csv", {.source = "police", .progress = {}});
  EXPECT_EQ(other.info.rows_stored, 300);
  EXPECT_EQ(store->case_count(), 750);
}

TEST(Import, ABadRowAtTheEndOfALargeFileLeavesTheStoreUnchanged) {
  const testing::ScratchDir dir;
  const auto path = dir.file("vigil.db");
  auto store = open_sqlite_store(path);
  import_text(*store, make_csv(100), "earlier.csv");
  constexpr int kRows = 100000;
  const std::string text = make_csv(kRows) + "2019,Femal,UZ,KZ,1,1\n";
  try {
    import_text(*store, text, "big.csv");
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "big.csv:100002:2: expected a gender (Woman/Female, Man/Male, "
              "Trans/Transgender/NonConforming), got \"Femal\"");
  }
  EXPECT_EQ(store->case_count(), 100);
  EXPECT_EQ(store->imports().size(), 1U);
  store.reset();
  EXPECT_EQ(open_sqlite_store(path)->case_count(), 100);  // and so on disk
}

TEST(Import, ReportsProgressUpToTheWholeFile) {
  const testing::ScratchDir dir;
  auto store = open_sqlite_store(dir.file("vigil.db"));
  const std::string text = make_csv(20000);
  std::uint64_t last_done = 0;
  int calls = 0;
  ImportOptions options;
  options.progress = [&](std::uint64_t done, std::uint64_t total) {
    EXPECT_EQ(total, text.size());
    EXPECT_GE(done, last_done);
    last_done = done;
    ++calls;
  };
  import_text(*store, text, "progress.csv", options);
  EXPECT_GT(calls, 1);
  EXPECT_EQ(last_done, text.size());
}

TEST(Import, MissingFileIsAnIoError) {
  const testing::ScratchDir dir;
  auto store = open_sqlite_store(dir.file("vigil.db"));
  const auto missing = dir.file("absent.csv");
  try {
    import_case_file(*store, missing);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), Error::Kind::io);
    EXPECT_EQ(std::string(error.what()), missing + ": cannot open the file for reading");
  }
}

}  // namespace
}  // namespace vigil::store
