// The demo report in a real browser: headless Chromium renders it to PNG and
// PDF, and the test checks that the page fetched nothing, logged no console
// error, and that every chart has a title and labelled axes in the DOM the
// browser built. scripts/setup installs Chromium (Debian `chromium`).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "store/test_support.hpp"

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The URLs of the requests a page started, from a Chromium net log. A
// request made by the page has the page as its initiator (a file://
// document's opaque origin, "null"); Chromium's own background services
// (component updates, the account check), which no switch of this version
// turns off, have none ("not an origin") and are not the page's doing.
std::vector<std::string> page_requests(const std::string& net_log) {
  const auto net = nlohmann::json::parse(net_log);
  int start_job = -1;
  for (const auto& [name, value] : net["constants"]["logEventTypes"].items()) {
    if (name == "URL_REQUEST_START_JOB") start_job = value.get<int>();
  }
  EXPECT_GE(start_job, 0);
  std::vector<std::string> urls;
  for (const auto& event : net["events"]) {
    if (event.value("type", -1) != start_job || !event.contains("params")) continue;
    const auto& params = event["params"];
    if (!params.contains("url")) continue;  // the end of a job, not its start
    if (params.value("initiator", "") == "not an origin") continue;
    urls.push_back(params["url"].get<std::string>());
  }
  return urls;
}

class Browser : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new vigil::testing::ScratchDir;
    const std::string vigil = std::string("'") + VIGIL_BINARY + "'";
    const std::string d = "'" + dir_->file("") + "'";
    // The demo's report, on the demo's default world.
    const std::string commands =
        "cd " + d + " && " + vigil + " simulate --out world >/dev/null && " + vigil +
        " link world/lists/police.csv world/lists/labour_inspectorate.csv "
        "world/lists/migration_service.csv world/lists/ngo.csv world/lists/iom.csv --out linked "
        ">/dev/null && " +
        vigil + " simulate --scenario '" + VIGIL_SCENARIOS_DIR +
        "/kazakhstan_regions.toml' --seed 2024 --out regions_world >/dev/null && " + vigil +
        " report --world world --histories linked/capture_histories.csv --country KZ "
        "--index-config '" +
        VIGIL_EXAMPLES_DIR +
        "/index/kazakhstan_regions.toml' --index-data regions_world/regions.csv -o report.html "
        "2>report.log";
    ASSERT_EQ(run(commands), 0) << slurp(dir_->file("report.log"));
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  // Runs headless Chromium on the report with `flags`; returns its exit code.
  static int chromium(const std::string& flags, const std::string& stdout_file,
                      const std::string& stderr_file) {
    const std::string command =
        "cd '" + dir_->file("") +
        "' && timeout 120 chromium --headless --no-sandbox --disable-gpu "
        "--disable-background-networking --disable-component-update --disable-sync "
        "--disable-default-apps --no-first-run --no-default-browser-check "
        "--disable-dev-shm-usage --user-data-dir=profile " +
        flags + " 'file://" + dir_->file("report.html") + "' >'" + stdout_file + "' 2>'" +
        stderr_file + "'";
    return run(command);
  }

  static vigil::testing::ScratchDir* dir_;
};

vigil::testing::ScratchDir* Browser::dir_ = nullptr;

TEST_F(Browser, RendersToPngAndPdf) {
  ASSERT_EQ(run("command -v chromium >/dev/null"), 0)
      << "Chromium is not installed: run scripts/setup";
  EXPECT_EQ(chromium("--window-size=1280,6000 --screenshot=report.png", dir_->file("png.out"),
                     dir_->file("png.err")),
            0)
      << slurp(dir_->file("png.err"));
  const std::string png = slurp(dir_->file("report.png"));
  ASSERT_GT(png.size(), 20000U) << slurp(dir_->file("png.err"));
  EXPECT_EQ(png.substr(1, 3), "PNG");

  EXPECT_EQ(chromium("--no-pdf-header-footer --print-to-pdf=report.pdf", dir_->file("pdf.out"),
                     dir_->file("pdf.err")),
            0)
      << slurp(dir_->file("pdf.err"));
  const std::string pdf = slurp(dir_->file("report.pdf"));
  ASSERT_GT(pdf.size(), 20000U) << slurp(dir_->file("pdf.err"));
  EXPECT_EQ(pdf.substr(0, 5), "%PDF-");
}

TEST_F(Browser, MakesNoNetworkRequestAndLogsNoConsoleError) {
  ASSERT_EQ(run("command -v chromium >/dev/null"), 0)
      << "Chromium is not installed: run scripts/setup";
  ASSERT_EQ(chromium("--enable-logging=stderr --v=0 --log-net-log=net.json "
                     "--net-log-capture-mode=Everything --dump-dom",
                     dir_->file("dom.html"), dir_->file("console.txt")),
            0)
      << slurp(dir_->file("console.txt"));
  const std::string net_text = slurp(dir_->file("net.json"));
  ASSERT_FALSE(net_text.empty()) << "Chromium wrote no net log";
  for (const auto& url : page_requests(net_text)) {
    EXPECT_EQ(url.rfind("file://", 0), 0U) << "the page requested " << url;
  }
  // Console messages are logged as "CONSOLE(...)" lines; a CSP violation (an
  // attempt to fetch) and any script error would show there.
  const std::string console = slurp(dir_->file("console.txt"));
  std::istringstream lines(console);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_EQ(line.find("CONSOLE"), std::string::npos) << line;
    EXPECT_EQ(line.find("Content Security Policy"), std::string::npos) << line;
  }

  // Every chart in the DOM the browser built has a title and both axis labels.
  const std::string dom = slurp(dir_->file("dom.html"));
  ASSERT_NE(dom.find("</html>"), std::string::npos) << "no DOM dumped";
  // Plain searches, not std::regex: libstdc++'s matcher recurses once per
  // character of a lazy [\s\S]*? and overflows the stack on a long chart
  // (found by scripts/test --sanitize).
  int charts = 0;
  for (std::size_t at = dom.find("<svg"); at != std::string::npos; at = dom.find("<svg", at + 1)) {
    const std::size_t tag_end = dom.find('>', at);
    ASSERT_NE(tag_end, std::string::npos);
    if (dom.substr(at, tag_end - at).find("class=\"chart\"") == std::string::npos) continue;
    const std::size_t end = dom.find("</svg>", tag_end);
    ASSERT_NE(end, std::string::npos) << "an unclosed chart";
    ++charts;
    const std::string chart = dom.substr(at, end - at);
    std::string title;
    if (const std::size_t open = chart.find("<title"); open != std::string::npos) {
      const std::size_t text = chart.find('>', open) + 1;
      title = chart.substr(text, chart.find("</title>", text) - text);
    }
    EXPECT_FALSE(title.empty()) << chart.substr(0, 200);
    EXPECT_NE(chart.find("axis-label x"), std::string::npos) << title;
    EXPECT_NE(chart.find("axis-label y"), std::string::npos) << title;
  }
  EXPECT_GE(charts, 8);
}

// The check above can fail: a page that loads an image from a server is
// caught (the server does not exist; the attempt is what is logged).
TEST_F(Browser, TheNetworkCheckCatchesAPageThatFetches) {
  ASSERT_EQ(run("command -v chromium >/dev/null"), 0)
      << "Chromium is not installed: run scripts/setup";
  std::ofstream(dir_->file("fetching.html"))
      << "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>t</title></head><body>"
         "<img src=\"http://127.0.0.1:9/x.png\" alt=\"\"></body></html>";
  const std::string command =
      "cd '" + dir_->file("") +
      "' && timeout 120 chromium --headless --no-sandbox --disable-gpu "
      "--disable-background-networking --no-first-run --user-data-dir=profile2 "
      "--log-net-log=canary.json --dump-dom 'file://" +
      dir_->file("fetching.html") + "' >/dev/null 2>&1";
  ASSERT_EQ(run(command), 0);
  const auto urls = page_requests(slurp(dir_->file("canary.json")));
  EXPECT_NE(std::find(urls.begin(), urls.end(), "http://127.0.0.1:9/x.png"), urls.end());
}

}  // namespace
