#include "image/sha256.h"

#include <fmt/format.h>

namespace cubelet::image {

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) { Reset(); }

Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(ctx_); }

void Sha256Hasher::Update(std::string_view bytes) {
  EVP_DigestUpdate(ctx_, bytes.data(), bytes.size());
}

void Sha256Hasher::Reset() { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }

std::string Sha256Hasher::Final() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_, md, &len);
  std::string out = "sha256:";
  for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", md[i]);
  Reset();
  return out;
}

}  // namespace cubelet::image
