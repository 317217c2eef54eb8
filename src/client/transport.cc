// The transport-independent parts of the HTTP seam.
#include <algorithm>
#include <cctype>

#include "client/client.h"

namespace cubelet::client {

void CancelSignal::Cancel() {
  cancelled_.store(true);
  // Under the lock, so a transport that clears its waker knows no wake-up is still running
  // against the resource it is about to free.
  std::lock_guard lock(mu_);
  if (wake_) wake_();
}

void CancelSignal::SetWaker(std::function<void()> wake) {
  std::lock_guard lock(mu_);
  wake_ = std::move(wake);
  if (wake_ && cancelled_.load()) wake_();
}

std::string HttpResponse::Header(std::string_view name) const {
  auto same = [](std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
      return std::tolower(static_cast<unsigned char>(x)) ==
             std::tolower(static_cast<unsigned char>(y));
    });
  };
  for (const auto& [k, v] : headers) {
    if (same(k, name)) return v;
  }
  return {};
}

}  // namespace cubelet::client
