// Helpers shared by the linkage tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"

namespace vigil::link::testing_support {

// The message of the vigil::Error of `kind` that `call` throws; "" and a
// failure when it throws nothing or another kind.
template <typename Call>
std::string error_message(Call call, Error::Kind kind) {
  try {
    call();
    ADD_FAILURE() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    return e.what();
  }
  return {};
}

}  // namespace vigil::link::testing_support
