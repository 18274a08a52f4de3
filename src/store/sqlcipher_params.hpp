// The SQLCipher parameters of vigil's encrypted stores.
//
// An encrypted file records none of them (it is random-looking bytes from its
// first byte on), so every open must set the values its creation used:
// changing one makes every existing encrypted store unreadable. README
// "Encrypted stores" repeats them for whoever opens a store by hand with the
// sqlcipher shell.
#pragma once

namespace vigil::store::sqlcipher {

// PBKDF2-HMAC-SHA1 rounds from the passphrase to the 256-bit AES key.
// SQLCipher 3's default is 64,000; SQLCipher 4 uses 256,000. Each open pays
// it once (about 0.2 s of one core), and so does every guess of an attacker
// who has the file.
inline constexpr int kKdfIterations = 256000;

// Bytes per page, each with its own IV and HMAC. SQLCipher 3 defaults to
// 1,024; plain SQLite and SQLCipher 4 use 4,096, which also keeps an encrypted
// store's import speed close to a plain one's.
inline constexpr int kPageSize = 4096;

}  // namespace vigil::store::sqlcipher
