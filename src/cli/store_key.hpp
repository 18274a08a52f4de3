// Keys of encrypted stores, for every verb: from the environment variable
// VIGIL_STORE_KEY, or typed at a prompt on the terminal. Never from a
// command-line argument, which other users can read in the process list and
// which shells keep in their history.
#pragma once

namespace vigil::cli {

// The environment variable that holds the key of the store being opened.
inline constexpr const char* kStoreKeyVariable = "VIGIL_STORE_KEY";

// Whether VIGIL_STORE_KEY is set (even to an empty value, which is refused
// when the key is needed rather than taken to mean "no encryption").
bool store_key_in_environment();

// Installs the store library's key provider: VIGIL_STORE_KEY when set;
// otherwise, when standard input is a terminal, a prompt on standard error
// with echo off (twice when creating a store, to confirm); otherwise an
// Error (store) that says how to supply the key.
void install_store_key_provider();

}  // namespace vigil::cli
