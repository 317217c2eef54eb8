// The API server's TLS material: a cluster CA and a serving certificate it signs, kept as PEM
// files in a directory. kubectl (client-go) refuses to send a bearer token over plain http, so
// the API server serves HTTPS like kube-apiserver's secure port, and the kubeconfig carries the
// CA as certificate-authority-data.
//
// Keys are ECDSA P-256: Go's crypto/tls, Python's ssl and curl all accept them, and they are
// cheap to generate on every re-issue.
#pragma once

#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace cubelet::apiserver {

struct ServingCerts {
  std::string ca_cert_pem;  // the cluster CA (kubeconfig certificate-authority-data)
  std::string cert_pem;     // the API server's certificate, signed by the CA
  std::string key_pem;      // its private key (PKCS#8)
};

struct CertRequest {
  // IP SANs, e.g. "127.0.0.1", the listen address, the node IP, "10.43.0.1"; IPv4 or IPv6.
  std::vector<std::string> ips = {};
  // DNS SANs, e.g. "localhost", the host name, "kubernetes", "kubernetes.default",
  // "kubernetes.default.svc", "kubernetes.default.svc.cluster.local".
  std::vector<std::string> dns_names = {};
};

// Loads <dir>/ca.crt, ca.key, apiserver.crt and apiserver.key, creating the directory (0700)
// and whatever is missing:
//   - the CA (10 years, CN "cubelet-ca") when ca.crt is missing. A ca.crt without a usable
//     ca.key is an error rather than a new CA: replacing the trust root would silently break
//     every kubeconfig that carries the old one.
//   - the serving certificate (1 year, CN "kube-apiserver", exactly the requested SANs, a new
//     key) when apiserver.crt or apiserver.key is missing or unparsable, the two do not match,
//     the certificate is not signed by the current CA, is not yet valid at `now`, expires
//     within 30 days of `now`, or lacks any requested SAN. Extra SANs do not trigger a re-issue.
// Files are written atomically (temporary file, fsync, rename); keys are 0600, certificates
// 0644. Errors name the file involved. An empty request (no SANs) or an unparsable IP is
// Invalid.
base::Result<ServingCerts> EnsureServingCerts(const std::string& dir, const CertRequest& request,
                                              base::TimePoint now);

}  // namespace cubelet::apiserver
