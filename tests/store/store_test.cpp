#include "store/store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <vector>

#include "core/error.hpp"
#include "store/test_support.hpp"

namespace vigil::store {
namespace {

CaseRecord sample_record(int year) {
  CaseRecord record;
  record.set_code(Field::year_of_registration, static_cast<std::int16_t>(year));
  record.set_code(Field::gender, static_cast<std::int16_t>(Gender::man));
  record.set_code(Field::age_band, static_cast<std::int16_t>(AgeBand::age_48_plus));
  record.set_code(Field::citizenship, static_cast<std::int16_t>(find_country("TJ")->index()));
  record.set_code(Field::labour_construction, 1);
  record.set_code(Field::labour_agriculture, 0);
  return record;
}

std::vector<CaseRecord> all_cases(const CaseStore& store) {
  std::vector<CaseRecord> out;
  store.for_each_case([&out](const CaseRecord& record) { out.push_back(record); });
  return out;
}

TEST(SqliteStore, RecordsRoundTripExactly) {
  const testing::ScratchDir dir;
  const auto path = dir.file("vigil.db");
  {
    auto store = open_sqlite_store(path);
    auto import = store->begin_import("police");
    const auto first = sample_record(2019);
    EXPECT_TRUE(import->insert(first, record_key(first), 0));
    EXPECT_TRUE(import->insert(CaseRecord{}, record_key(CaseRecord{}), 0));
    ImportInfo info;
    info.file_name = "police.csv";
    info.layout = "ctdc-2024";
    info.rows_read = 2;
    info.rows_stored = 2;
    import->commit(info);
  }
  const auto store = open_sqlite_store(path);  // reopened: what is on disk
  const auto cases = all_cases(*store);
  ASSERT_EQ(cases.size(), 2U);
  EXPECT_EQ(cases[0], sample_record(2019));
  EXPECT_EQ(cases[1], CaseRecord{});
  const auto imports = store->imports();
  ASSERT_EQ(imports.size(), 1U);
  EXPECT_EQ(imports[0].source, "police");
  EXPECT_EQ(imports[0].file_name, "police.csv");
  EXPECT_EQ(imports[0].rows_stored, 2);
  EXPECT_EQ(imports[0].imported_at.size(), 20U);  // 2026-11-28T12:00:00Z
}

TEST(SqliteStore, ValuesAreStoredAsReadableLabels) {
  // Analysts query the store with sqlite3 directly: countries as alpha-3,
  // categories as their CTDC labels, flags as 0/1.
  const testing::ScratchDir dir;
  const auto path = dir.file("vigil.db");
  {
    auto store = open_sqlite_store(path);
    auto import = store->begin_import("s");
    const auto record = sample_record(2021);
    import->insert(record, record_key(record), 0);
    import->commit({});
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT year_of_registration, gender, age_band, citizenship, "
                               "labour_construction, labour_agriculture, labour_begging FROM cases",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 2021);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)), "Man");
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 2)), "48+");
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3)), "TJK");
  EXPECT_EQ(sqlite3_column_int(stmt, 4), 1);
  EXPECT_EQ(sqlite3_column_int(stmt, 5), 0);
  EXPECT_EQ(sqlite3_column_type(stmt, 6), SQLITE_NULL);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(SqliteStore, UncommittedImportLeavesNothing) {
  const testing::ScratchDir dir;
  const auto path = dir.file("vigil.db");
  auto store = open_sqlite_store(path);
  {
    auto import = store->begin_import("ngo");
    const auto record = sample_record(2019);
    import->insert(record, record_key(record), 0);
  }  // destroyed without commit
  EXPECT_EQ(store->case_count(), 0);
  EXPECT_TRUE(store->imports().empty());
}

TEST(SqliteStore, SameContentAndOccurrenceFromTheSameSourceIsADuplicate) {
  const testing::ScratchDir dir;
  auto store = open_sqlite_store(dir.file("vigil.db"));
  const auto record = sample_record(2019);
  const auto key = record_key(record);
  auto import = store->begin_import("police");
  EXPECT_TRUE(import->insert(record, key, 0));
  EXPECT_TRUE(import->insert(record, key, 1));   // a second, identical victim
  EXPECT_FALSE(import->insert(record, key, 1));  // the same second victim again
  import->commit({});
  auto other = store->begin_import("ngo");
  EXPECT_TRUE(other->insert(record, key, 0));  // another source: not the same record
  other->commit({});
  EXPECT_EQ(store->case_count(), 3);
}

TEST(SqliteStore, RecordKeyDependsOnContentOnly) {
  EXPECT_EQ(record_key(sample_record(2019)), record_key(sample_record(2019)));
  EXPECT_NE(record_key(sample_record(2019)), record_key(sample_record(2020)));
  EXPECT_NE(record_key(CaseRecord{}), record_key(sample_record(2019)));
}

TEST(SqliteStore, RefusesAFileThatIsNotAStore) {
  const testing::ScratchDir dir;
  const auto path = dir.file("notes.txt");
  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    std::fputs("these are not the records you are looking for, but they are long enough", file);
    std::fclose(file);
  }
  try {
    open_sqlite_store(path);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), Error::Kind::store);
    EXPECT_EQ(std::string(error.what()), "store: " + path + ": file is not a database");
  }
}

}  // namespace
}  // namespace vigil::store
