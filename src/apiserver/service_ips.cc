// ServiceIps: the ClusterIP range of Services.
#include <arpa/inet.h>
#include <charconv>
#include <random>
#include <set>

#include "apiserver/registry.h"

namespace cubelet::apiserver {
namespace {

std::optional<uint32_t> ParseIpv4(std::string_view text) {
  in_addr addr{};
  std::string s(text);
  if (inet_pton(AF_INET, s.c_str(), &addr) != 1) return std::nullopt;
  return ntohl(addr.s_addr);
}

std::string FormatIpv4(uint32_t ip) {
  in_addr addr{htonl(ip)};
  char buf[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &addr, buf, sizeof buf);
  return buf;
}

}  // namespace

base::Result<ServiceIps> ServiceIps::Parse(std::string_view cidr) {
  size_t slash = cidr.find('/');
  int bits = -1;
  if (slash != std::string_view::npos) {
    std::string_view b = cidr.substr(slash + 1);
    auto [p, ec] = std::from_chars(b.data(), b.data() + b.size(), bits);
    if (ec != std::errc() || p != b.data() + b.size()) bits = -1;
  }
  std::optional<uint32_t> ip = ParseIpv4(cidr.substr(0, slash));
  if (!ip || bits < 1 || bits > 29) {
    return base::InvalidError("service CIDR {:?}: want an IPv4 CIDR of at least 8 addresses",
                              std::string(cidr));
  }
  ServiceIps out;
  out.cidr_ = std::string(cidr);
  out.size_ = uint32_t{1} << (32 - bits);
  out.base_ = *ip & ~(out.size_ - 1);
  return out;
}

std::string ServiceIps::First() const { return FormatIpv4(base_ + 1); }

bool ServiceIps::Contains(std::string_view ip) const {
  std::optional<uint32_t> v = ParseIpv4(ip);
  return v && *v > base_ && *v < base_ + size_ - 1;
}

base::Result<std::string> ServiceIps::Pick(const std::vector<std::string>& used) const {
  std::set<uint32_t> taken;
  for (const std::string& u : used) {
    if (std::optional<uint32_t> v = ParseIpv4(u)) taken.insert(*v);
  }
  // Usable: base+1 .. base+size-2; base+1 is the kubernetes service's. Start at a random
  // offset and walk, so allocation stays O(range) in the worst case and addresses spread.
  const uint32_t first = base_ + 2, count = size_ - 3;
  thread_local std::mt19937 rng{std::random_device{}()};
  uint32_t start = std::uniform_int_distribution<uint32_t>(0, count - 1)(rng);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t ip = first + (start + i) % count;
    if (!taken.contains(ip)) return FormatIpv4(ip);
  }
  return base::Error(base::Code::kResourceExhausted,
                     "failed to allocate a serviceIP: range {} is full", cidr_);
}

}  // namespace cubelet::apiserver
