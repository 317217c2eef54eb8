#include "store/continue_token.h"

#include <nlohmann/json.hpp>

namespace cubelet::store {
namespace {

constexpr std::string_view kVersion = "meta.k8s.io/v1";
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64UrlEncode(std::string_view in) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  if (i + 1 == in.size()) {
    const uint32_t n = uint8_t(in[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
  } else if (i + 2 == in.size()) {
    const uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

// Strict RawURLEncoding: no padding, no other characters, no stray trailing bits.
bool Base64UrlDecode(std::string_view in, std::string* out) {
  if (in.size() % 4 == 1) return false;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return (acc & ((1u << bits) - 1)) == 0;
}

base::Status NotValid(std::string_view why) {
  return base::InvalidError("continue key is not valid: {}", why);
}

}  // namespace

std::string EncodeContinueToken(const ContinueToken& token) {
  nlohmann::ordered_json j;
  j["v"] = kVersion;
  j["rv"] = token.rv;
  j["start"] = token.namespace_ + "/" + token.name + std::string(1, '\0');
  return Base64UrlEncode(j.dump());
}

base::Result<ContinueToken> DecodeContinueToken(std::string_view text) {
  std::string raw;
  if (!Base64UrlDecode(text, &raw)) return NotValid("illegal base64 data");
  nlohmann::json j = nlohmann::json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("v") || !j["v"].is_string() || !j.contains("rv") ||
      !j["rv"].is_number_integer() || !j.contains("start") || !j["start"].is_string()) {
    return NotValid("not a continue token");
  }
  if (j["v"].get<std::string>() != kVersion) {
    return NotValid("server does not recognize this encoded version");
  }
  ContinueToken token;
  token.rv = j["rv"].get<int64_t>();
  if (token.rv <= 0) {
    return NotValid("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  }
  std::string start = j["start"].get<std::string>();
  const size_t slash = start.find('/');
  if (start.empty() || start.back() != '\0' || slash == std::string::npos) {
    return NotValid("the start key is not a key of this store");
  }
  start.pop_back();
  token.namespace_ = start.substr(0, slash);
  token.name = start.substr(slash + 1);
  if (token.name.empty() || token.name.find('/') != std::string::npos) {
    return NotValid("the start key is not a key of this store");
  }
  return token;
}

}  // namespace cubelet::store
