// Helpers of `cubelet server`, separate for unit tests.
#pragma once

#include <memory>
#include <string>

#include "apiserver/apiserver.h"
#include "base/status.h"

namespace cubelet::cli {

// The API's bearer token, kept in `path` (created with 64 random hex digits, mode 0600, when
// missing) so that kubeconfigs stay valid across restarts.
base::Result<std::string> LoadOrCreateToken(const std::string& path);

// The kubeconfig for `server_url`, trusting the cluster CA, with the token as its user's
// credential.
std::string KubeconfigYaml(const std::string& server_url, const std::string& ca_pem,
                           const std::string& token);

}  // namespace cubelet::cli
