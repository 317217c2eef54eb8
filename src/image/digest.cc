#include <fmt/format.h>

#include "image/image.h"
#include "image/sha256.h"

namespace cubelet::image {
namespace {

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

base::Result<Digest> Digest::Parse(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return base::InvalidError("invalid digest {}: missing algorithm", text);
  }
  Digest d{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
  size_t want = 0;
  if (d.algorithm == "sha256") {
    want = 64;
  } else if (d.algorithm == "sha512") {
    want = 128;
  } else {
    return base::InvalidError("unsupported digest algorithm in {}", text);
  }
  if (d.hex.size() != want || !IsLowerHex(d.hex)) {
    return base::InvalidError("invalid digest {}: want {} lowercase hex digits", text, want);
  }
  return d;
}

std::string Sha256Digest(std::string_view bytes) {
  Sha256Hasher hasher;
  hasher.Update(bytes);
  return hasher.Final();
}

std::vector<std::string> ChainIds(const std::vector<std::string>& diff_ids) {
  std::vector<std::string> out;
  for (const std::string& diff : diff_ids) {
    out.push_back(out.empty() ? diff : Sha256Digest(out.back() + " " + diff));
  }
  return out;
}

}  // namespace cubelet::image
