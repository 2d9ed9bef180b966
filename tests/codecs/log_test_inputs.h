// Generated log-like inputs for the log codec tests: a structured log, and the adversarial cases
// the codec must restore byte for byte.
#pragma once

#include <cstdint>
#include <random>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "kolmo/bytes.h"

namespace kolmo::testing {

inline Bytes to_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

// Concatenation by appending (gcc 12 warns falsely on chains of std::string operator+).
inline std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (const std::string_view p : parts) out.append(p);
  return out;
}

// Timestamped lines from a handful of templates with numeric, hex, IP and word parameters.
inline std::string structured_log(std::size_t lines, std::uint64_t seed, const char* eol = "\n") {
  std::mt19937_64 rng(seed);
  static const char* const kUsers[] = {"root", "admin", "guest", "oracle", "test"};
  static const char* const kLevels[] = {"INFO", "WARN", "ERROR", "DEBUG"};
  std::string out;
  std::uint64_t t = 1700000000;
  for (std::size_t i = 0; i < lines; ++i) {
    t += rng() % 3;
    char head[96];
    std::snprintf(head, sizeof head, "2023-11-%02u %02u:%02u:%02u,%03u %s [worker-%u] ",
                  static_cast<unsigned>(14 + t / 86400 % 10), static_cast<unsigned>(t / 3600 % 24),
                  static_cast<unsigned>(t / 60 % 60), static_cast<unsigned>(t % 60),
                  static_cast<unsigned>(rng() % 1000), kLevels[rng() % 4],
                  static_cast<unsigned>(rng() % 8));
    out += head;
    char body[160];
    switch (rng() % 4) {
      case 0:
        std::snprintf(body, sizeof body, "Accepted password for %s from 10.0.%u.%u port %u ssh2",
                      kUsers[rng() % 5], static_cast<unsigned>(rng() % 256),
                      static_cast<unsigned>(rng() % 256), static_cast<unsigned>(1024 + rng() % 60000));
        break;
      case 1:
        std::snprintf(body, sizeof body, "Received block blk_%lld of size %u from /10.1.%u.%u",
                      static_cast<long long>(rng()), static_cast<unsigned>(rng() % 67108864),
                      static_cast<unsigned>(rng() % 256), static_cast<unsigned>(rng() % 256));
        break;
      case 2:
        std::snprintf(body, sizeof body, "session %016llx closed after %u ms",
                      static_cast<unsigned long long>(rng()), static_cast<unsigned>(rng() % 5000));
        break;
      default:
        std::snprintf(body, sizeof body, "Connection reset by peer");
        break;
    }
    out += body;
    out += eol;
  }
  return out;
}

// Each case names what it exercises.
inline std::vector<std::pair<std::string, Bytes>> adversarial_logs() {
  std::vector<std::pair<std::string, Bytes>> cases;
  auto add = [&](std::string name, std::string text) { cases.emplace_back(std::move(name), to_bytes(text)); };
  add("empty", "");
  add("one byte", "a");
  add("only newlines", "\n\n\n");
  add("lone CR", "\r");
  add("CR before final missing newline", "x 1\r\nx 2\r");
  add("missing final newline", cat({structured_log(50, 1), "tail without newline 42"}));
  add("CRLF", structured_log(200, 2, "\r\n"));
  std::string mixed = structured_log(100, 3);
  for (std::size_t i = 0; i < mixed.size(); i += 97) {
    if (mixed[i] == '\n') mixed.insert(mixed.begin() + static_cast<std::ptrdiff_t>(i), '\r');
  }
  add("mixed terminators", mixed);
  std::string multi;
  for (int i = 0; i < 40; ++i) {
    multi += cat({"2023-01-01 10:00:", std::to_string(10 + i), " ERROR Exception in thread main\n"});
    multi += cat({"java.lang.NullPointerException: null\n\tat com.example.Foo.bar(Foo.java:",
                  std::to_string(40 + i), ")\n\tat com.example.Main.main(Main.java:12)\n"});
  }
  add("multi-line events", multi);
  std::string non_utf8 = structured_log(60, 4);
  for (std::size_t i = 5; i < non_utf8.size(); i += 31) {
    if (non_utf8[i] != '\n') non_utf8[i] = static_cast<char>(0x80 + i % 120);
  }
  add("non-UTF-8 bytes", non_utf8);
  std::string low;
  for (int i = 0; i < 50; ++i) {
    low += cat({"id \x01", std::to_string(i), "\x02 x", std::string_view("\0y 7\0", 5), " end\n"});
  }
  add("bytes below 3 in tokens", low);
  add("very long line", cat({structured_log(20, 5), std::string(300000, 'x'), " 123\n", structured_log(20, 6)}));
  std::string digits;
  for (int i = 0; i < 60; ++i) {
    digits += cat({"n ", std::string(static_cast<std::size_t>(i), '9'), " 000", std::to_string(i),
                   " 18446744073709551615 99999999999999999999 0 00\n"});
  }
  add("long digit runs and leading zeros", digits);
  std::string many_tokens;
  for (int l = 0; l < 20; ++l) {
    for (int t = 0; t < 300; ++t) many_tokens += cat({"t", std::to_string(t % 7), " "});
    many_tokens += "\n";
  }
  add("more tokens than a template holds", many_tokens);
  add("spaces everywhere", cat({"  a  b   \n \n  \n", structured_log(30, 7), "   \n"}));
  std::mt19937 rng(8);
  std::string junk = structured_log(100, 9);
  std::string noise(4000, '\0');
  for (auto& c : noise) c = static_cast<char>(rng());
  junk.insert(junk.size() / 2, noise);
  add("binary junk in the middle", junk);
  std::string pure(20000, '\0');
  for (auto& c : pure) c = static_cast<char>(rng());
  add("random bytes", pure);
  add("structured", structured_log(3000, 10));
  return cases;
}

}  // namespace kolmo::testing
