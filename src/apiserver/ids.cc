// Identifiers the API server invents: object UIDs and generateName suffixes.
#include <array>
#include <cstdint>
#include <random>

#include <fmt/format.h>

#include "apiserver/registry.h"

namespace cubelet::apiserver {
namespace {

std::mt19937_64& Engine() {
  // One engine per thread, seeded from the kernel: UIDs must not repeat across restarts.
  thread_local std::mt19937_64 engine = [] {
    std::random_device rd;
    std::seed_seq seed{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seed);
  }();
  return engine;
}

}  // namespace

std::string NewUid() {
  std::array<uint8_t, 16> b;
  for (size_t i = 0; i < b.size(); i += 8) {
    uint64_t r = Engine()();
    for (size_t j = 0; j < 8; ++j) b[i + j] = static_cast<uint8_t>(r >> (8 * j));
  }
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  return fmt::format(
      "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-"
      "{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
      b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
      b[15]);
}

std::string RandomSuffix() {
  // k8s.io/apimachinery/pkg/util/rand: consonants and digits that cannot spell words or be
  // mistaken for each other.
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::uniform_int_distribution<size_t> pick(0, kAlphabet.size() - 1);
  std::string out;
  for (int i = 0; i < 5; ++i) out += kAlphabet[pick(Engine())];
  return out;
}

}  // namespace cubelet::apiserver
