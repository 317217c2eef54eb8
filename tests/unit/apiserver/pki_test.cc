// The API server's CA and serving certificate: what a fresh directory gets, what is reused and
// what is re-issued, checked with OpenSSL's own verifier and the openssl CLI.
#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "apiserver/apiserver.h"

namespace cubelet::apiserver {
namespace {

using std::chrono::days;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// 2024-01-01T00:00:00Z.
const base::TimePoint kNow = base::TimePoint(std::chrono::seconds(1704067200));

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using BasicConstraintsPtr = std::unique_ptr<BASIC_CONSTRAINTS, Deleter<BASIC_CONSTRAINTS_free>>;

X509Ptr ParseCert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

PkeyPtr ParseKey(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

mode_t Mode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

// The certificate's SANs as "DNS:name" and "IP:address" strings.
std::vector<std::string> Sans(X509* cert) {
  std::vector<std::string> out;
  NamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    int type = 0;
    auto* value = static_cast<ASN1_STRING*>(
        GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(names.get(), i), &type));
    const auto* data = ASN1_STRING_get0_data(value);
    const int len = ASN1_STRING_length(value);
    if (type == GEN_DNS) {
      out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(data), len));
    } else if (type == GEN_IPADD) {
      char text[INET6_ADDRSTRLEN] = {};
      ::inet_ntop(len == 4 ? AF_INET : AF_INET6, data, text, sizeof text);
      out.push_back(std::string("IP:") + text);
    } else {
      out.push_back("other:" + std::to_string(type));
    }
  }
  return out;
}

// X509_verify_cert of `cert` against `ca` alone, at `at`, for TLS server use: checks the
// signature, both validity periods, the CA's basicConstraints and serverAuth. Returns the
// X509_V_* result.
int Verify(X509* ca, X509* cert, base::TimePoint at) {
  StorePtr store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca);
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), cert, nullptr);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  X509_STORE_CTX_set_time(
      ctx.get(), 0,
      std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count());
  const int ok = X509_verify_cert(ctx.get());
  const int err = X509_STORE_CTX_get_error(ctx.get());
  ERR_clear_error();
  return ok == 1 ? X509_V_OK : (err == X509_V_OK ? -1 : err);
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pki_test.XXXXXX").string();
    const char* made = ::mkdtemp(tmpl.data());
    path_ = made ? made : "";
  }
  ~TempDir() {
    if (!path_.empty()) std::filesystem::remove_all(path_);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Files {
  std::string ca_crt, ca_key, crt, key;
};

class PkiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tmp_.path().empty());
    // A directory that does not exist yet, to see it created with 0700.
    dir_ = tmp_.path() + "/state/pki";
  }

  std::string Path(const char* name) const { return dir_ + "/" + name; }

  Files ReadAll() const {
    return {ReadFile(Path("ca.crt")), ReadFile(Path("ca.key")), ReadFile(Path("apiserver.crt")),
            ReadFile(Path("apiserver.key"))};
  }

  ServingCerts Ensure(const CertRequest& request, base::TimePoint now) {
    base::Result<ServingCerts> certs = EnsureServingCerts(dir_, request, now);
    EXPECT_TRUE(certs.ok()) << certs.status().ToString();
    return certs.ok() ? *certs : ServingCerts{};
  }

  TempDir tmp_;
  std::string dir_;
  const CertRequest request_{
      .ips = {"127.0.0.1", "10.43.0.1", "::1"},
      .dns_names = {"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                    "kubernetes.default.svc.cluster.local"},
  };
};

TEST_F(PkiTest, FreshDirectoryGetsCaAndServingCert) {
  const ServingCerts certs = Ensure(request_, kNow);

  EXPECT_EQ(Mode(dir_), 0700u);
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    names.push_back(entry.path().filename().string());
  }
  EXPECT_THAT(names, UnorderedElementsAre("ca.crt", "ca.key", "apiserver.crt", "apiserver.key"));
  EXPECT_EQ(Mode(Path("ca.key")), 0600u);
  EXPECT_EQ(Mode(Path("apiserver.key")), 0600u);
  EXPECT_EQ(Mode(Path("ca.crt")), 0644u);
  EXPECT_EQ(Mode(Path("apiserver.crt")), 0644u);

  // What is returned is what is on disk.
  const Files files = ReadAll();
  EXPECT_EQ(certs.ca_cert_pem, files.ca_crt);
  EXPECT_EQ(certs.cert_pem, files.crt);
  EXPECT_EQ(certs.key_pem, files.key);
  EXPECT_THAT(files.key, HasSubstr("-----BEGIN PRIVATE KEY-----"));
}

TEST_F(PkiTest, ServingCertVerifiesAgainstCaWithRequestedSans) {
  const ServingCerts certs = Ensure(request_, kNow);
  X509Ptr ca = ParseCert(certs.ca_cert_pem);
  X509Ptr cert = ParseCert(certs.cert_pem);
  PkeyPtr key = ParseKey(certs.key_pem);
  PkeyPtr ca_key = ParseKey(ReadFile(Path("ca.key")));
  ASSERT_TRUE(ca && cert && key && ca_key);

  EXPECT_EQ(Verify(ca.get(), cert.get(), kNow), X509_V_OK);
  // ...and not at the edges of its validity, nor against another CA's key.
  EXPECT_EQ(Verify(ca.get(), cert.get(), kNow - days(1)), X509_V_ERR_CERT_NOT_YET_VALID);
  EXPECT_EQ(Verify(ca.get(), cert.get(), kNow + days(366)), X509_V_ERR_CERT_HAS_EXPIRED);
  EXPECT_EQ(Verify(cert.get(), cert.get(), kNow), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);

  EXPECT_THAT(
      Sans(cert.get()),
      UnorderedElementsAre("IP:127.0.0.1", "IP:10.43.0.1", "IP:::1", "DNS:localhost",
                           "DNS:kubernetes", "DNS:kubernetes.default", "DNS:kubernetes.default.svc",
                           "DNS:kubernetes.default.svc.cluster.local"));
  EXPECT_TRUE(X509_get_extended_key_usage(cert.get()) & XKU_SSL_SERVER);
  EXPECT_FALSE(X509_get_extended_key_usage(cert.get()) & XKU_SSL_CLIENT);
  EXPECT_EQ(X509_get_key_usage(cert.get()), uint32_t{KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT});
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  EXPECT_NE(X509_get0_authority_key_id(cert.get()), nullptr);
  char cn[64] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "kube-apiserver");
  EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(cert.get()), key.get()), 1);

  // The CA: CA:TRUE (critical), certificate signing, a key identifier, 10 years.
  X509_NAME_get_text_by_NID(X509_get_subject_name(ca.get()), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "cubelet-ca");
  int critical = -1;
  BasicConstraintsPtr bc(static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(ca.get(), NID_basic_constraints, &critical, nullptr)));
  ASSERT_TRUE(bc);
  EXPECT_TRUE(bc->ca);
  EXPECT_EQ(critical, 1);
  EXPECT_EQ(X509_get_key_usage(ca.get()),
            uint32_t{KU_KEY_CERT_SIGN | KU_CRL_SIGN | KU_DIGITAL_SIGNATURE});
  EXPECT_NE(X509_get0_subject_key_id(ca.get()), nullptr);
  EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(ca.get()), ca_key.get()), 1);
  EXPECT_EQ(Verify(ca.get(), ca.get(), kNow + days(3640)), X509_V_OK);
  EXPECT_EQ(Verify(ca.get(), ca.get(), kNow + days(3651)), X509_V_ERR_CERT_HAS_EXPIRED);

  // Both keys ECDSA P-256.
  for (EVP_PKEY* k : {key.get(), ca_key.get()}) {
    char group[32] = {};
    EXPECT_TRUE(EVP_PKEY_is_a(k, "EC"));
    EXPECT_EQ(EVP_PKEY_get_group_name(k, group, sizeof group, nullptr), 1);
    EXPECT_STREQ(group, "prime256v1");
  }
}

TEST_F(PkiTest, SecondCallReusesFilesByteForByte) {
  Ensure(request_, kNow);
  const Files before = ReadAll();
  struct stat st_before {};
  ASSERT_EQ(::stat(Path("apiserver.crt").c_str(), &st_before), 0);

  // Later, but outside the renewal window; and with a subset of the SANs, which the certificate
  // still covers.
  const ServingCerts again = Ensure(request_, kNow + days(300));
  const ServingCerts subset = Ensure({.ips = {"127.0.0.1"}, .dns_names = {}}, kNow);

  const Files after = ReadAll();
  EXPECT_EQ(after.ca_crt, before.ca_crt);
  EXPECT_EQ(after.ca_key, before.ca_key);
  EXPECT_EQ(after.crt, before.crt);
  EXPECT_EQ(after.key, before.key);
  EXPECT_EQ(again.cert_pem, before.crt);
  EXPECT_EQ(again.key_pem, before.key);
  EXPECT_EQ(again.ca_cert_pem, before.ca_crt);
  EXPECT_EQ(subset.cert_pem, before.crt);
  struct stat st_after {};
  ASSERT_EQ(::stat(Path("apiserver.crt").c_str(), &st_after), 0);
  EXPECT_EQ(st_after.st_ino, st_before.st_ino) << "rewritten with the same contents";
}

TEST_F(PkiTest, NewSanReissuesServingCertButKeepsCa) {
  Ensure(request_, kNow);
  const Files before = ReadAll();

  CertRequest more = request_;
  more.dns_names.push_back("node-1");
  more.ips.push_back("192.168.1.10");
  const ServingCerts certs = Ensure(more, kNow);

  const Files after = ReadAll();
  EXPECT_EQ(after.ca_crt, before.ca_crt);
  EXPECT_EQ(after.ca_key, before.ca_key);
  EXPECT_NE(after.crt, before.crt);
  EXPECT_NE(after.key, before.key) << "a re-issued certificate gets a new key";

  X509Ptr ca = ParseCert(after.ca_crt);
  X509Ptr old_cert = ParseCert(before.crt);
  X509Ptr cert = ParseCert(after.crt);
  ASSERT_TRUE(ca && old_cert && cert);
  EXPECT_EQ(Verify(ca.get(), cert.get(), kNow), X509_V_OK);
  const std::vector<std::string> sans = Sans(cert.get());
  EXPECT_THAT(sans, ::testing::Contains("DNS:node-1"));
  EXPECT_THAT(sans, ::testing::Contains("IP:192.168.1.10"));
  EXPECT_EQ(sans.size(), 10u);
  EXPECT_NE(
      ASN1_INTEGER_cmp(X509_get0_serialNumber(cert.get()), X509_get0_serialNumber(old_cert.get())),
      0);
}

TEST_F(PkiTest, EquivalentIpSpellingAndDuplicatesAreOneSan) {
  Ensure({.ips = {"::1", "0:0::1", "127.0.0.1", "127.0.0.1"}, .dns_names = {"a", "a"}}, kNow);
  X509Ptr cert = ParseCert(ReadFile(Path("apiserver.crt")));
  ASSERT_TRUE(cert);
  EXPECT_THAT(Sans(cert.get()), ElementsAre("DNS:a", "IP:::1", "IP:127.0.0.1"));
}

TEST_F(PkiTest, CorruptServingCertIsReissued) {
  Ensure(request_, kNow);
  const Files before = ReadAll();
  WriteFile(Path("apiserver.crt"), "-----BEGIN CERTIFICATE-----\ngarbage\n");

  ERR_clear_error();
  const ServingCerts certs = Ensure(request_, kNow);
  // Rejecting the garbage must not leave parse errors behind for the next TLS call.
  EXPECT_EQ(ERR_peek_error(), 0u);
  const Files after = ReadAll();
  EXPECT_EQ(after.ca_crt, before.ca_crt);
  EXPECT_EQ(certs.cert_pem, after.crt);
  X509Ptr ca = ParseCert(after.ca_crt);
  X509Ptr cert = ParseCert(after.crt);
  ASSERT_TRUE(ca && cert);
  EXPECT_EQ(Verify(ca.get(), cert.get(), kNow), X509_V_OK);
}

TEST_F(PkiTest, MismatchedServingKeyIsReissued) {
  Ensure(request_, kNow);
  // The CA's key in place of the serving key: parsable, but not the certificate's.
  const Files before = ReadAll();
  WriteFile(Path("apiserver.key"), before.ca_key);

  const ServingCerts certs = Ensure(request_, kNow);
  X509Ptr cert = ParseCert(certs.cert_pem);
  PkeyPtr key = ParseKey(certs.key_pem);
  ASSERT_TRUE(cert && key);
  EXPECT_NE(certs.cert_pem, before.crt);
  EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(cert.get()), key.get()), 1);
}

TEST_F(PkiTest, CertFromAnotherCaIsReissued) {
  Ensure(request_, kNow);
  const Files first = ReadAll();
  // A new CA (as if ca.crt and ca.key were deleted) leaves the old serving cert orphaned.
  std::filesystem::remove(Path("ca.crt"));
  std::filesystem::remove(Path("ca.key"));

  const ServingCerts certs = Ensure(request_, kNow);
  EXPECT_NE(certs.ca_cert_pem, first.ca_crt);
  EXPECT_NE(certs.cert_pem, first.crt);
  X509Ptr ca = ParseCert(certs.ca_cert_pem);
  X509Ptr cert = ParseCert(certs.cert_pem);
  ASSERT_TRUE(ca && cert);
  EXPECT_EQ(Verify(ca.get(), cert.get(), kNow), X509_V_OK);
}

TEST_F(PkiTest, ExpiringServingCertIsReissued) {
  Ensure(request_, kNow);
  const Files before = ReadAll();

  // 360 days in, the 365-day certificate has 5 left: inside the 30-day renewal window.
  const base::TimePoint later = kNow + days(360);
  const ServingCerts certs = Ensure(request_, later);
  const Files after = ReadAll();
  EXPECT_EQ(after.ca_crt, before.ca_crt);
  EXPECT_NE(after.crt, before.crt);
  X509Ptr ca = ParseCert(after.ca_crt);
  X509Ptr cert = ParseCert(after.crt);
  ASSERT_TRUE(ca && cert);
  EXPECT_EQ(Verify(ca.get(), cert.get(), later + days(364)), X509_V_OK);
  EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_get0_notAfter(cert.get()),
                                 std::chrono::duration_cast<std::chrono::seconds>(
                                     (later + days(365)).time_since_epoch())
                                     .count()),
            0);
}

// A clock that jumped back (a host booted before NTP caught up, say) would otherwise serve a
// certificate that every client rejects as not yet valid.
TEST_F(PkiTest, NotYetValidServingCertIsReissued) {
  Ensure(request_, kNow);
  const Files before = ReadAll();

  const base::TimePoint earlier = kNow - days(1);
  Ensure(request_, earlier);
  const Files after = ReadAll();
  EXPECT_EQ(after.ca_crt, before.ca_crt);
  EXPECT_NE(after.crt, before.crt);
  X509Ptr ca = ParseCert(after.ca_crt);
  X509Ptr cert = ParseCert(after.crt);
  ASSERT_TRUE(ca && cert);
  EXPECT_EQ(
      ASN1_TIME_cmp_time_t(
          X509_get0_notBefore(cert.get()),
          std::chrono::duration_cast<std::chrono::seconds>(earlier.time_since_epoch()).count()),
      -1);
}

TEST_F(PkiTest, CaCertWithoutKeyIsAnErrorNamingTheFile) {
  Ensure(request_, kNow);
  const std::string ca_crt = ReadFile(Path("ca.crt"));
  std::filesystem::remove(Path("ca.key"));

  base::Result<ServingCerts> certs = EnsureServingCerts(dir_, request_, kNow);
  ASSERT_FALSE(certs.ok());
  EXPECT_EQ(certs.status().code(), base::Code::kNotFound);
  EXPECT_THAT(certs.status().message(), HasSubstr(Path("ca.key")));
  EXPECT_EQ(ReadFile(Path("ca.crt")), ca_crt) << "the trust root must not be replaced";
}

TEST_F(PkiTest, CorruptCaIsAnErrorNamingTheFile) {
  Ensure(request_, kNow);
  WriteFile(Path("ca.crt"), "not a certificate");

  ERR_clear_error();
  base::Result<ServingCerts> certs = EnsureServingCerts(dir_, request_, kNow);
  ASSERT_FALSE(certs.ok());
  EXPECT_EQ(certs.status().code(), base::Code::kInvalid);
  EXPECT_THAT(certs.status().message(), HasSubstr(Path("ca.crt")));
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST_F(PkiTest, BadRequestsAreInvalid) {
  base::Result<ServingCerts> bad_ip =
      EnsureServingCerts(dir_, {.ips = {"10.0.0.300"}, .dns_names = {"localhost"}}, kNow);
  ASSERT_FALSE(bad_ip.ok());
  EXPECT_EQ(bad_ip.status().code(), base::Code::kInvalid);
  EXPECT_THAT(bad_ip.status().message(), HasSubstr("10.0.0.300"));

  base::Result<ServingCerts> empty = EnsureServingCerts(dir_, {}, kNow);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), base::Code::kInvalid);
  EXPECT_FALSE(std::filesystem::exists(dir_)) << "nothing written for a bad request";
}

TEST_F(PkiTest, DirectoryThatIsAFileIsAnError) {
  std::filesystem::create_directories(tmp_.path() + "/state");
  WriteFile(dir_, "");
  base::Result<ServingCerts> certs = EnsureServingCerts(dir_, request_, kNow);
  ASSERT_FALSE(certs.ok());
  EXPECT_THAT(certs.status().message(), HasSubstr(dir_));
}

// The files as the openssl CLI (and so any OpenSSL-based client) sees them, at the real time.
TEST_F(PkiTest, OpensslCliVerifiesServingCert) {
  Ensure(request_, std::chrono::system_clock::now());
  const std::string command =
      "openssl verify -purpose sslserver -verify_hostname "
      "kubernetes.default.svc -CAfile " +
      Path("ca.crt") + " " + Path("apiserver.crt") + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buf[256];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) output.append(buf, n);
  const int status = ::pclose(pipe);
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, Path("apiserver.crt") + ": OK\n");

  // The same check fails for a host the certificate does not name, so the above means something.
  const std::string wrong_host =
      "openssl verify -purpose sslserver -verify_hostname example.com "
      "-CAfile " +
      Path("ca.crt") + " " + Path("apiserver.crt") + " >/dev/null 2>&1";
  EXPECT_NE(std::system(wrong_host.c_str()), 0);
}

}  // namespace
}  // namespace cubelet::apiserver
