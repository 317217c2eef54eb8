#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <fcntl.h>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "apiserver/apiserver.h"
#include "base/file.h"

namespace cubelet::apiserver {
namespace {

using base::Result;
using base::Status;

constexpr std::chrono::days kCaValidity(3650);
constexpr std::chrono::days kServingValidity(365);
// Re-issuing this long before expiry leaves a restart or two to pick up the new certificate
// before clients start failing.
constexpr std::chrono::days kRenewBefore(30);
// notBefore is set slightly in the past so that a client whose clock lags ours by a few minutes
// does not reject a certificate issued a moment ago (kubeadm backdates for the same reason).
constexpr std::chrono::minutes kBackdate(5);

constexpr mode_t kDirMode = 0700;
constexpr mode_t kKeyMode = 0600;
constexpr mode_t kCertMode = 0644;

template <auto Free>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free_all>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, OpenSslDeleter<GENERAL_NAME_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<GENERAL_NAMES_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;

// Empties OpenSSL's per-thread error queue into one message. Entries left behind would be
// misread by the next TLS call on this thread, which consults the queue (SSL_get_error).
std::string TakeOpenSslErrors() {
  std::string out;
  while (unsigned long err = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "no OpenSSL error recorded" : out;
}

Status OpenSslError(std::string_view what) {
  return base::InternalError("{}: {}", what, TakeOpenSslErrors());
}

std::string JoinPath(const std::string& dir, std::string_view name) {
  std::string path = dir;
  if (!path.ends_with('/')) path += '/';
  path += name;
  return path;
}

// `mkdir -p -m 0700`: missing parents get the default mode, the directory itself 0700 (it holds
// the CA key). An existing directory keeps its mode.
Status MakeDirs(const std::string& dir) {
  for (size_t pos = 1;; ++pos) {
    pos = dir.find('/', pos);
    const bool last = pos == std::string::npos;
    const std::string prefix = last ? dir : dir.substr(0, pos);
    struct stat st {};
    if (::stat(prefix.c_str(), &st) != 0) {
      if (errno != ENOENT) return base::ErrnoError(errno, "stat " + prefix);
      if (::mkdir(prefix.c_str(), last ? kDirMode : 0755) != 0 && errno != EEXIST) {
        return base::ErrnoError(errno, "create directory " + prefix);
      }
    }
    if (last) break;
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return base::ErrnoError(errno, "stat " + dir);
  if (!S_ISDIR(st.st_mode)) return base::InvalidError("{}: not a directory", dir);
  return Status::Ok();
}

// The SANs of a request or a certificate in one comparable form: IPs as their 4 or 16 address
// bytes (how X.509 stores them, so "::1" and "0::1" are the same SAN), in first-seen order
// without duplicates.
struct Sans {
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_bytes;
};

void AddUnique(std::vector<std::string>& list, std::string value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(std::move(value));
}

Result<Sans> RequestedSans(const CertRequest& request) {
  Sans sans;
  for (const std::string& name : request.dns_names) {
    // dNSName is an IA5String (Go's x509 refuses a certificate with a non-ASCII one), and no
    // host name has spaces or control characters.
    const bool printable = std::all_of(name.begin(), name.end(), [](char c) {
      return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
    });
    if (name.empty() || !printable) {
      return base::InvalidError("serving certificate: invalid DNS name \"{}\"", name);
    }
    AddUnique(sans.dns_names, name);
  }
  for (const std::string& ip : request.ips) {
    unsigned char buf[16];
    if (::inet_pton(AF_INET, ip.c_str(), buf) == 1) {
      AddUnique(sans.ip_bytes, std::string(reinterpret_cast<const char*>(buf), 4));
    } else if (::inet_pton(AF_INET6, ip.c_str(), buf) == 1) {
      AddUnique(sans.ip_bytes, std::string(reinterpret_cast<const char*>(buf), 16));
    } else {
      return base::InvalidError("serving certificate: invalid IP address \"{}\"", ip);
    }
  }
  // Go clients ignore the CN, so a certificate without SANs would match no host at all.
  if (sans.dns_names.empty() && sans.ip_bytes.empty()) {
    return base::InvalidError("serving certificate: no IP or DNS names requested");
  }
  return sans;
}

std::string Asn1StringBytes(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

Sans CertSans(const X509* cert) {
  Sans sans;
  GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return sans;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    int type = 0;
    const void* value = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(names.get(), i), &type);
    if (type == GEN_DNS) {
      AddUnique(sans.dns_names, Asn1StringBytes(static_cast<const ASN1_STRING*>(value)));
    } else if (type == GEN_IPADD) {
      AddUnique(sans.ip_bytes, Asn1StringBytes(static_cast<const ASN1_STRING*>(value)));
    }
  }
  return sans;
}

bool Covers(const std::vector<std::string>& have, const std::vector<std::string>& want) {
  return std::all_of(want.begin(), want.end(), [&](const std::string& w) {
    return std::find(have.begin(), have.end(), w) != have.end();
  });
}

// Refuses to prompt on the terminal for an encrypted key (OpenSSL's default without a
// callback); an encrypted key is simply unusable here.
int NoPassphrase(char*, int, int, void*) { return 0; }

X509Ptr ParseCert(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

PkeyPtr ParseKey(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
}

Result<std::string> MemBioContents(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr) return OpenSslError("read PEM buffer");
  return std::string(data, static_cast<size_t>(len));
}

Result<std::string> CertPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return OpenSslError("encode certificate");
  return MemBioContents(bio.get());
}

// PKCS#8 ("BEGIN PRIVATE KEY"), unencrypted: the file mode protects it.
Result<std::string> KeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError("encode private key");
  }
  return MemBioContents(bio.get());
}

Result<PkeyPtr> NewKey() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslError("generate P-256 key");
  return key;
}

time_t ToTimeT(base::TimePoint t) {
  return static_cast<time_t>(
      std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count());
}

struct Extension {
  int nid;
  const char* value;  // OpenSSL's config syntax, e.g. "critical,CA:TRUE"
};

struct CertTemplate {
  const char* common_name;
  base::TimePoint not_before;
  base::TimePoint not_after;
  std::vector<Extension> extensions;
  const Sans* sans = nullptr;  // no subjectAltName when null
};

// A certificate for `key` signed by `issuer` with `issuer_key`; self-signed when `issuer` is
// null (then `issuer_key` is `key`).
Result<X509Ptr> IssueCert(const CertTemplate& tmpl, EVP_PKEY* key, X509* issuer,
                          EVP_PKEY* issuer_key) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return OpenSslError("create certificate");
  }

  // A random 128-bit serial (the CA/Browser Forum asks for at least 64 random bits):
  // certificates re-issued by the same CA must never share one, and no counter has to be kept.
  BignumPtr serial(BN_new());
  if (!serial) return OpenSslError("create serial");
  do {
    if (BN_rand(serial.get(), 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1) {
      return OpenSslError("generate serial");
    }
  } while (BN_is_zero(serial.get()));  // serials must be positive
  if (BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return OpenSslError("set serial");
  }

  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(tmpl.common_name), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : subject) != 1) {
    return OpenSslError("set certificate names");
  }
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), ToTimeT(tmpl.not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), ToTimeT(tmpl.not_after)) == nullptr) {
    return OpenSslError("set certificate validity");
  }
  if (X509_set_pubkey(cert.get(), key) != 1) return OpenSslError("set certificate key");

  // The context gives subjectKeyIdentifier the subject's key and authorityKeyIdentifier the
  // issuer's, so it is set up after the public key.
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const Extension& e : tmpl.extensions) {
    ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, e.nid, e.value));
    if (!ext || X509_add_ext(cert.get(), ext.get(), -1) != 1) {
      return OpenSslError(std::string("add extension ") + OBJ_nid2sn(e.nid) + "=" + e.value);
    }
  }

  if (tmpl.sans != nullptr) {
    // Built as GENERAL_NAMEs rather than a "DNS:a,IP:b" config string, so a name can never be
    // misparsed as extension syntax.
    GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
    if (!names) return OpenSslError("create subjectAltName");
    auto add = [&](int type, const std::string& bytes) {
      ASN1_STRING* s =
          ASN1_STRING_type_new(type == GEN_DNS ? V_ASN1_IA5STRING : V_ASN1_OCTET_STRING);
      if (s == nullptr) return false;
      GeneralNamePtr name(GENERAL_NAME_new());
      if (!name || ASN1_STRING_set(s, bytes.data(), static_cast<int>(bytes.size())) != 1) {
        ASN1_STRING_free(s);
        return false;
      }
      GENERAL_NAME_set0_value(name.get(), type, s);  // `name` owns `s` from here
      if (sk_GENERAL_NAME_push(names.get(), name.get()) <= 0) return false;
      name.release();  // now owned by `names`
      return true;
    };
    for (const std::string& dns : tmpl.sans->dns_names) {
      if (!add(GEN_DNS, dns)) return OpenSslError("add DNS SAN " + dns);
    }
    for (const std::string& ip : tmpl.sans->ip_bytes) {
      if (!add(GEN_IPADD, ip)) return OpenSslError("add IP SAN");
    }
    if (X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) !=
        1) {
      return OpenSslError("add subjectAltName");
    }
  }

  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) {
    return OpenSslError("sign certificate");
  }
  return cert;
}

struct Ca {
  X509Ptr cert;
  PkeyPtr key;
  std::string cert_pem;
};

Result<Ca> LoadOrCreateCa(const std::string& dir, base::TimePoint now) {
  const std::string cert_path = JoinPath(dir, "ca.crt");
  const std::string key_path = JoinPath(dir, "ca.key");
  ASSIGN_OR_RETURN(std::optional<std::string> cert_pem, base::ReadFileIfExists(cert_path));
  ASSIGN_OR_RETURN(std::optional<std::string> key_pem, base::ReadFileIfExists(key_path));

  Ca ca;
  if (cert_pem) {
    ca.cert = ParseCert(*cert_pem);
    if (!ca.cert) {
      return base::InvalidError(
          "{}: not a PEM certificate ({}); delete it and ca.key to create a new CA", cert_path,
          TakeOpenSslErrors());
    }
    if (X509_check_ca(ca.cert.get()) == 0) {
      return base::InvalidError("{}: not a CA certificate", cert_path);
    }
    if (!key_pem) {
      return base::NotFoundError("{}: missing while {} exists; delete both to create a new CA",
                                 key_path, cert_path);
    }
    ca.key = ParseKey(*key_pem);
    if (!ca.key) {
      return base::InvalidError("{}: not an unencrypted PEM private key ({})", key_path,
                                TakeOpenSslErrors());
    }
    if (EVP_PKEY_eq(X509_get0_pubkey(ca.cert.get()), ca.key.get()) != 1) {
      ERR_clear_error();
      return base::InvalidError("{}: does not match {}", key_path, cert_path);
    }
    ca.cert_pem = std::move(*cert_pem);
    return ca;
  }

  // No ca.crt: nothing can trust a CA whose certificate was never written, so a ca.key without
  // one (a crash between the two writes below) is simply replaced.
  ASSIGN_OR_RETURN(ca.key, NewKey());
  const CertTemplate tmpl{
      .common_name = "cubelet-ca",
      .not_before = now - kBackdate,
      .not_after = now + kCaValidity,
      .extensions =
          {
              {NID_basic_constraints, "critical,CA:TRUE"},
              {NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"},
              {NID_subject_key_identifier, "hash"},
          },
  };
  ASSIGN_OR_RETURN(ca.cert, IssueCert(tmpl, ca.key.get(), nullptr, ca.key.get()));
  ASSIGN_OR_RETURN(ca.cert_pem, CertPem(ca.cert.get()));
  ASSIGN_OR_RETURN(std::string new_key_pem, KeyPem(ca.key.get()));
  // Key first: a crash in between leaves no ca.crt, which the next start repairs.
  RETURN_IF_ERROR(base::WriteFileAtomic(key_path, new_key_pem, kKeyMode));
  RETURN_IF_ERROR(base::WriteFileAtomic(cert_path, ca.cert_pem, kCertMode));
  return ca;
}

// Whether the existing serving certificate and key can be served as they are.
bool ServingCertUsable(const std::string& cert_pem, const std::string& key_pem, const Ca& ca,
                       const Sans& want, base::TimePoint now) {
  X509Ptr cert = ParseCert(cert_pem);
  PkeyPtr key = ParseKey(key_pem);
  bool usable = cert && key && EVP_PKEY_eq(X509_get0_pubkey(cert.get()), key.get()) == 1 &&
                X509_check_issued(ca.cert.get(), cert.get()) == X509_V_OK &&
                X509_verify(cert.get(), X509_get0_pubkey(ca.cert.get())) == 1;
  if (usable) {
    // ASN1_TIME_cmp_time_t returns -1, 0 or 1 like a comparison, and -2 for a malformed time.
    const int starts = ASN1_TIME_cmp_time_t(X509_get0_notBefore(cert.get()), ToTimeT(now));
    const int ends =
        ASN1_TIME_cmp_time_t(X509_get0_notAfter(cert.get()), ToTimeT(now + kRenewBefore));
    const Sans have = CertSans(cert.get());
    usable = (starts == -1 || starts == 0) && ends == 1 && Covers(have.dns_names, want.dns_names) &&
             Covers(have.ip_bytes, want.ip_bytes);
  }
  // A rejected file is replaced, not reported; its parse errors must not linger in the queue.
  ERR_clear_error();
  return usable;
}

}  // namespace

Result<ServingCerts> EnsureServingCerts(const std::string& dir, const CertRequest& request,
                                        base::TimePoint now) {
  if (dir.empty()) return base::InvalidError("certificate directory: empty path");
  ASSIGN_OR_RETURN(const Sans sans, RequestedSans(request));
  RETURN_IF_ERROR(MakeDirs(dir));
  ASSIGN_OR_RETURN(Ca ca, LoadOrCreateCa(dir, now));

  const std::string cert_path = JoinPath(dir, "apiserver.crt");
  const std::string key_path = JoinPath(dir, "apiserver.key");
  ASSIGN_OR_RETURN(std::optional<std::string> cert_pem, base::ReadFileIfExists(cert_path));
  ASSIGN_OR_RETURN(std::optional<std::string> key_pem, base::ReadFileIfExists(key_path));
  if (cert_pem && key_pem && ServingCertUsable(*cert_pem, *key_pem, ca, sans, now)) {
    return ServingCerts{std::move(ca.cert_pem), std::move(*cert_pem), std::move(*key_pem)};
  }

  // A fresh key with every certificate, so a key that leaked with an old certificate dies with
  // it.
  ASSIGN_OR_RETURN(PkeyPtr key, NewKey());
  const CertTemplate tmpl{
      .common_name = "kube-apiserver",
      .not_before = now - kBackdate,
      .not_after = now + kServingValidity,
      .extensions =
          {
              {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
              {NID_ext_key_usage, "serverAuth"},
              {NID_authority_key_identifier, "keyid:always"},
          },
      .sans = &sans,
  };
  ASSIGN_OR_RETURN(X509Ptr cert, IssueCert(tmpl, key.get(), ca.cert.get(), ca.key.get()));
  ServingCerts out;
  out.ca_cert_pem = std::move(ca.cert_pem);
  ASSIGN_OR_RETURN(out.cert_pem, CertPem(cert.get()));
  ASSIGN_OR_RETURN(out.key_pem, KeyPem(key.get()));
  // Key first: a crash in between leaves a certificate that does not match the key, which the
  // next start re-issues.
  RETURN_IF_ERROR(base::WriteFileAtomic(key_path, out.key_pem, kKeyMode));
  RETURN_IF_ERROR(base::WriteFileAtomic(cert_path, out.cert_pem, kCertMode));
  return out;
}

}  // namespace cubelet::apiserver
