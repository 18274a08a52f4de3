// The privacy canary: every verb runs on inputs whose identifying fields
// (names in Cyrillic and Latin, birth dates, document numbers, phone
// numbers) hold unique canary strings, and everything vigil prints or
// writes is searched for them: stdout, stderr, the store's files, reports,
// linkage outputs, encoded lists and published releases. A canary found
// anywhere is a leak. Inputs with errors are included, because error
// messages are where values are most tempting to quote.
//
// The only files not searched are the inputs themselves (the canaries'
// home).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "cli/cli_fixture.hpp"

namespace {

using vigil::testing::Cli;
using vigil::testing::Outcome;
using vigil::testing::slurp;

// Canary strings long enough (10+ letters or digits) that no output can
// hold one by chance, base64 of the encoded lists included.
class Canaries {
 public:
  explicit Canaries(std::uint64_t seed) : rng_(seed) {}

  std::string latin_name() { return remember("Kanareyq" + letters(kLatin, 5)); }
  std::string cyrillic_name() { return remember("Канарейщ" + letters(kCyrillic, 4)); }
  std::string document() {
    std::uniform_int_distribution<int> digit(0, 9);
    std::string d = "CNRY";
    for (int i = 0; i < 7; ++i) d += static_cast<char>('0' + digit(rng_));
    return remember(d);
  }
  // A birth date as dd.mm.yyyy, remembered in the forms an output could
  // take (as given, ISO 8601, day and month swapped).
  std::string birth_date() {
    std::uniform_int_distribution<int> day(1, 28), month(1, 12), year(1931, 1949);
    const int d = day(rng_), m = month(rng_), y = year(rng_);
    const std::string text = fmt2(d) + "." + fmt2(m) + "." + std::to_string(y);
    remember(text);
    remember(std::to_string(y) + "-" + fmt2(m) + "-" + fmt2(d));
    remember(fmt2(m) + "." + fmt2(d) + "." + std::to_string(y));
    return text;
  }
  std::string phone() { return remember("+7701" + letters(std::string("0123456789"), 7)); }
  std::string remember(std::string s) {
    all_.push_back(s);
    return s;
  }

  const std::vector<std::string>& all() const { return all_; }

 private:
  static constexpr const char* kLatin = "bcdfghjklmnpqrstvwxz";
  static inline const std::vector<std::string> kCyrillic = {"б", "ж", "з", "щ", "ф", "ц", "ш", "ю",
                                                            "э", "ъ", "ҳ", "қ", "ғ", "ө", "ү", "ң"};
  static std::string fmt2(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }
  std::string letters(const std::string& alphabet, int n) {
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    std::string out;
    for (int i = 0; i < n; ++i) out += alphabet[pick(rng_)];
    return out;
  }
  std::string letters(const std::vector<std::string>& alphabet, int n) {
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    std::string out;
    for (int i = 0; i < n; ++i) out += alphabet[pick(rng_)];
    return out;
  }
  std::mt19937_64 rng_;
  std::vector<std::string> all_;
};

std::string lower_ascii(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

class PrivacyCanary : public Cli {
 protected:
  // Runs a verb and keeps what it printed for the search.
  Outcome run(const std::string& args) {
    Outcome o = vigil(args);
    printed_ += "\n[" + args + "]\n" + o.out + o.err;
    return o;
  }

  // Every canary found in anything printed or any file written (inputs
  // excepted), as "canary in where".
  std::vector<std::string> leaks(const Canaries& canaries, const std::set<std::string>& inputs) {
    std::vector<std::pair<std::string, std::string>> texts{{"stdout/stderr", printed_}};
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.file(""))) {
      if (!entry.is_regular_file()) continue;
      const std::string name = entry.path().filename().string();
      if (inputs.count(name) || name == "stdout.txt" || name == "stderr.txt") continue;
      texts.emplace_back(entry.path().string(), slurp(entry.path().string()));
    }
    std::vector<std::string> found;
    for (const auto& [where, text] : texts) {
      const std::string lowered = lower_ascii(text);
      for (const auto& canary : canaries.all()) {
        if (text.find(canary) != std::string::npos ||
            lowered.find(lower_ascii(canary)) != std::string::npos) {
          found.push_back(canary + " in " + where);
        }
      }
    }
    searched_ = texts.size();
    return found;
  }

  std::string printed_;
  std::size_t searched_ = 0;
};

constexpr const char* kListHeader =
    "record_id,year,surname,given_name,sex,birth_date,citizenship,document_number,"
    "place_of_exploitation,exploitation_type,labour_sector\n";

TEST_F(PrivacyCanary, NoIdentifyingValueReachesAnyOutputOfAnyVerb) {
  Canaries canaries(20261128);
  std::set<std::string> inputs;

  // Three agencies' lists of 300 persons; each person is on each list with
  // probability 0.6, spelt the same way everywhere (half in Cyrillic).
  std::mt19937_64 rng(5);
  std::bernoulli_distribution on_list(0.6);
  std::vector<std::string> lists = {kListHeader, kListHeader, kListHeader};
  for (int person = 0; person < 300; ++person) {
    const bool cyrillic = person % 2 == 0;
    const std::string surname = cyrillic ? canaries.cyrillic_name() : canaries.latin_name();
    const std::string given = cyrillic ? canaries.cyrillic_name() : canaries.latin_name();
    const std::string birth = canaries.birth_date();
    const std::string document = canaries.document();
    const char* citizenship = person % 3 == 0 ? "UZB" : "KAZ";
    for (std::size_t l = 0; l < lists.size(); ++l) {
      if (!on_list(rng)) continue;
      lists[l] += "r" + std::to_string(l) + "-" + std::to_string(person) + ",2020," + surname +
                  "," + given + "," + (person % 4 == 0 ? "M" : "F") + "," + birth + "," +
                  citizenship + "," + document + ",Almaty,labour,construction\n";
    }
  }
  for (std::size_t l = 0; l < lists.size(); ++l) {
    const std::string name = "agency" + std::to_string(l) + ".csv";
    write_file(name, lists[l]);
    inputs.insert(name);
  }
  write_file("link.secret", "c2VjcmV0LWZvci10aGUtY2FuYXJ5LXRlc3Qtb25seQ==\n");
  inputs.insert("link.secret");

  // A CTDC case file carrying identifying columns, which import must drop
  // unread and publish must never copy.
  const std::string examples = std::string(VIGIL_EXAMPLES_DIR) + "/ctdc_synthetic_kz.csv";
  const std::string ctdc = slurp(examples);
  const std::size_t header_end = ctdc.find('\n');
  std::string cases = ctdc.substr(0, header_end) + ",FullName,DateOfBirth,Phone\n";
  std::size_t pos = header_end + 1;
  for (int row = 0; row < 400 && pos < ctdc.size(); ++row) {
    const std::size_t end = ctdc.find('\n', pos);
    cases += ctdc.substr(pos, end - pos) + "," + canaries.cyrillic_name() + " " +
             canaries.latin_name() + "," + canaries.birth_date() + "," + canaries.phone() + "\n";
    pos = end + 1;
  }
  write_file("cases.csv", cases);
  inputs.insert("cases.csv");
  // The same with a bad year in a row whose identifying cells hold canaries.
  std::string bad = cases;
  const std::size_t row5 = [&] {
    std::size_t p = 0;
    for (int i = 0; i < 5; ++i) p = bad.find('\n', p) + 1;
    return p;
  }();
  bad.replace(row5, 4, "19x9");
  write_file("bad_cases.csv", bad);
  inputs.insert("bad_cases.csv");
  // A list whose birth date and document number are malformed.
  write_file("bad_list.csv", std::string(kListHeader) + "x-1,2020," + canaries.latin_name() + "," +
                                 canaries.cyrillic_name() + ",F," +
                                 canaries.remember("31.02.1937") + ",KAZ," + canaries.document() +
                                 "ZZ,Almaty,labour,\n");
  inputs.insert("bad_list.csv");

  // Every verb that reads identifying fields, or files that hold them.
  EXPECT_EQ(run("import cases.csv --db vigil.db").exit_code, 0);
  EXPECT_EQ(run("import bad_cases.csv --db vigil.db").exit_code, 1);
  EXPECT_EQ(run("profile --db vigil.db").exit_code, 0);
  EXPECT_EQ(run("profile --db vigil.db --format json").exit_code, 0);
  EXPECT_EQ(run("link agency0.csv agency1.csv agency2.csv --out linked").exit_code, 0);
  run("link agency0.csv bad_list.csv --out linked_bad");
  for (int l = 0; l < 3; ++l) {
    const std::string a = "agency" + std::to_string(l);
    EXPECT_EQ(run("link encode " + a + ".csv --secret-file link.secret --out " + a + ".enc.csv")
                  .exit_code,
              0);
  }
  run("link encode bad_list.csv --secret-file link.secret --out bad_list.enc.csv");
  EXPECT_EQ(
      run("link match agency0.enc.csv agency1.enc.csv agency2.enc.csv --out matched").exit_code, 0);
  EXPECT_EQ(run("mse linked/capture_histories.csv").exit_code, 0);
  EXPECT_EQ(
      run("report --db vigil.db --histories linked/capture_histories.csv -o report.html").exit_code,
      0);
  EXPECT_EQ(run("report --cases cases.csv --min-cell 3 -o report_csv.html").exit_code, 0);
  run("publish check cases.csv --quasi gender,ageBroad,citizenship --k 5");
  run("publish check cases.csv --quasi gender,ageBroad,citizenship --k 5 --format json");
  EXPECT_EQ(
      run("publish anonymise cases.csv --quasi gender,ageBroad,citizenship,yearOfRegistration "
          "--sensitive isForcedLabour --k 5 --out release-k5")
          .exit_code,
      0);
  EXPECT_EQ(run("publish anonymise --db vigil.db --quasi gender,ageBroad,citizenship --k 11 "
                "--format json --out release-db")
                .exit_code,
            0);
  run("publish anonymise cases.csv --quasi gender --keep FullName,DateOfBirth --out refused");
  EXPECT_EQ(
      run("publish table cases.csv --by citizenship,CountryOfExploitation --out table").exit_code,
      0);
  EXPECT_EQ(run("publish synthesize cases.csv --columns gender,ageBroad,citizenship --out syn "
                "--evaluation syn-evaluation.csv")
                .exit_code,
            0);

  // The search itself must be able to fail: a file written with a canary
  // is found.
  const std::string probe = canaries.all().front();
  write_file("probe.txt", "x" + probe + "x");
  const auto with_probe = leaks(canaries, inputs);
  ASSERT_EQ(with_probe.size(), 1U);
  EXPECT_NE(with_probe.front().find("probe.txt"), std::string::npos);
  std::filesystem::remove(dir_.file("probe.txt"));

  const auto found = leaks(canaries, inputs);
  EXPECT_TRUE(found.empty()) << found.size() << " leaks, first: " << found.front();
  EXPECT_GE(searched_, 15U);  // the outputs above were written and searched
  EXPECT_GE(canaries.all().size(), 1000U);
}

}  // namespace
