// Helpers shared by the publish sources; not part of the public interface.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"

namespace vigil::publish::detail {

// The worker count for a `threads` option: the option when positive, every
// core otherwise.
inline std::size_t worker_count(int threads) {
  return threads > 0 ? static_cast<std::size_t>(threads)
                     : std::max<std::size_t>(1, std::thread::hardware_concurrency());
}

// Runs fn(worker) for worker in [0, workers), the calling thread being worker
// 0, and rethrows the first exception once all have finished (so that no
// thread outlives the data it works on).
template <typename Fn>
void on_workers(std::size_t workers, const Fn& fn) {
  if (workers <= 1) {
    fn(std::size_t{0});
    return;
  }
  std::vector<std::exception_ptr> errors(workers);
  {
    std::vector<std::jthread> pool;
    pool.reserve(workers - 1);
    for (std::size_t worker = 1; worker < workers; ++worker) {
      pool.emplace_back([&fn, &errors, worker] {
        try {
          fn(worker);
        } catch (...) {
          errors[worker] = std::current_exception();
        }
      });
    }
    try {
      fn(std::size_t{0});
    } catch (...) {
      errors[0] = std::current_exception();
    }
  }
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

// Runs task(index) for index in [0, tasks) on up to `threads` threads, each
// taking the next index from a shared counter (tasks of uneven cost balance
// themselves); rethrows the first exception once all have stopped.
template <typename Task>
void parallel_tasks(std::size_t tasks, std::size_t threads, const Task& task) {
  const std::size_t workers = std::min(threads, tasks);
  if (workers <= 1) {
    for (std::size_t index = 0; index < tasks; ++index) task(index);
    return;
  }
  std::atomic<std::size_t> next{0};
  on_workers(workers, [&](std::size_t) {
    try {
      for (std::size_t index = next++; index < tasks; index = next++) task(index);
    } catch (...) {
      next = tasks;  // the others stop at their next task
      throw;
    }
  });
}

// Removes leading and trailing spaces in place: cells are compared as
// written, but "KAZ " and "KAZ" are one value.
inline void trim_spaces(std::string& text) {
  const std::size_t last = text.find_last_not_of(' ');
  if (last == std::string::npos) {
    text.clear();
    return;
  }
  text.erase(last + 1);
  text.erase(0, text.find_first_not_of(' '));
}

// The privacy model's parameters that check and anonymise share: at least
// one quasi-identifier, k >= 1, and l >= 1 with a sensitive column when set.
inline void validate_model(const std::vector<std::string>& quasi_identifiers,
                           const std::vector<std::string>& sensitive, std::size_t k,
                           const std::optional<std::size_t>& l) {
  if (quasi_identifiers.empty()) {
    throw Error(Error::Kind::usage, "name at least one quasi-identifier column");
  }
  if (k == 0) throw Error(Error::Kind::usage, "k must be at least 1");
  if (l) {
    if (*l == 0) throw Error(Error::Kind::usage, "l must be at least 1");
    if (sensitive.empty()) {
      throw Error(Error::Kind::usage,
                  fmt::format("l-diversity (l = {}) needs at least one sensitive column", *l));
    }
  }
}

}  // namespace vigil::publish::detail
