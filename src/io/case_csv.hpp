// Reading case records from CSV files in the layouts agencies publish.
//
// Recognised layouts (by their header, case-insensitively):
//   - ctdc_2018: CTDC's 2018 "Global Dataset" and the k-anonymised "Global
//     K-anon Dataset" (k = 11): 63 columns (yearOfRegistration, Datasource,
//     meansOfControlDebtBondage, ...), ISO alpha-2 countries, -99 for missing,
//     age bands written "18--20". Some exports cut column names at 32
//     characters ("meansOfControlPsychoactiveSubsta") and use ';' as the
//     separator: both are accepted (a cut name is matched when it is the
//     unique prefix of a known name and at least 24 characters long).
//   - ctdc_2024: the 2024 "Global Synthetic Dataset" (27 columns,
//     meansDebtBondageEarnings, traffickMonths, ...), ISO alpha-3 countries,
//     empty or NULL for missing, age bands written with an en or em dash.
//     The names of the 2021 synthetic release (meansOfControlOther,
//     typeOfLabourOther, typeOfSexOther) are accepted too.
//   - htcds: exports that follow IOM's Human Trafficking Case Data Standard
//     field names, with or without their table prefix (prs_Gender,
//     prs_Nationality, vic_MethodsOfControl, vic_TypeOfLabourExploitation,
//     vic_TypeOfSexExploitation, vic_MethodOfRecruitment, plus the CTDC
//     concepts the standard leaves to the organisation: YearOfRegistration,
//     CountryOfExploitation, AgeBroad). Multi-select picklists hold value
//     names separated by ';' or '|'.
//
// The layout is the one most of the header's names belong to; a header made
// only of names common to both CTDC layouts is reported as ctdc_2024.
//
// In every layout, a value is missing when it is empty, "-99", "NULL" or
// "NA" (except in country columns, where "NA" is Namibia). Countries may be
// given as alpha-2 or alpha-3 codes. Flags accept
// 0/1 and true/false. Columns that only restate others (the *Concatenated
// text columns, RecruiterRelationship, *NotSpecified and
// recruiterRelationUnknown, which mark the absence of information) are
// validated where they are flags and not stored.
//
// Identifying columns (HTCDS FirstName, MiddleName, SecondName, LastName,
// Birthdate, Email, phone and mailing-address fields) are recognised and
// dropped on reading: their values are never validated, stored or quoted in
// a message. Columns that are not recognised at all are ignored and listed
// in ignored_columns(), so that nothing is dropped silently.
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/case_record.hpp"
#include "io/csv.hpp"

namespace vigil::io {

enum class CaseLayout { ctdc_2018, ctdc_2024, htcds };

// "ctdc-2018", "ctdc-2024", "htcds".
std::string_view layout_name(CaseLayout layout);

// Whether a column name names an identifying field (a name, a birth date, a
// contact, a document or identity number) in any layout vigil knows, in any
// case and with or without underscores, spaces or hyphens. `vigil import`
// drops such columns unread, and `vigil publish` refuses to release them.
bool is_identifying_column(std::string_view header);

class CaseCsvReader {
 public:
  // Reads and maps the header at once; throws vigil::Error (input) naming
  // file and line 1 when no column is recognised or a field is named twice.
  CaseCsvReader(std::istream& in, std::string source_name, CsvOptions options = {});
  ~CaseCsvReader();
  CaseCsvReader(const CaseCsvReader&) = delete;
  CaseCsvReader& operator=(const CaseCsvReader&) = delete;

  // Reads and validates the next record. Returns false at end of input.
  // Throws vigil::Error (input) "file:line:column: expected ..., got ..." on
  // the first invalid value, or on a record with the wrong number of fields.
  bool next(CaseRecord& record);

  CaseLayout layout() const noexcept;
  char delimiter() const noexcept;
  // The line on which the record last returned starts.
  std::size_t record_line() const noexcept;
  std::uint64_t bytes_read() const noexcept;
  // Header names that matched nothing and were skipped.
  const std::vector<std::string>& ignored_columns() const noexcept;
  // Header names recognised as identifying and dropped.
  const std::vector<std::string>& identifying_columns() const noexcept;
  // The record fields that this file's columns fill; the others stay missing.
  const std::vector<Field>& mapped_fields() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Writes records in the CTDC 2024 Global Synthetic Dataset layout, as CTDC
// publishes it: the 27 variables in the codebook's order, ISO alpha-3
// countries, flags as 1 or empty, age bands and durations with an em dash
// ("18—20", "0—12 (0-1 yr)"), empty for missing. Variables the layout does
// not have (data source, the 2018 fine-grained flags...) are not written.
void write_ctdc_2024_header(std::ostream& out);
void write_ctdc_2024_record(std::ostream& out, const CaseRecord& record);

}  // namespace vigil::io
