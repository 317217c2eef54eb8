// A streaming SHA-256 hasher printing "sha256:<hex>": the one hash implementation of the image
// module (content store ingests, layer diff_ids, Sha256Digest). Private to src/image.
#pragma once

#include <string>
#include <string_view>

#include <openssl/evp.h>

namespace cubelet::image {

class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  void Update(std::string_view bytes);
  // Starts over, forgetting everything hashed so far.
  void Reset();
  // "sha256:<64 lowercase hex>" of everything since construction or Reset(); the hasher is
  // reset afterwards.
  std::string Final();

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace cubelet::image
