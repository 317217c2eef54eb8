// `cubelet image pull|ls|rm|prune`: the image service from the command line.
#include "image/image.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <unistd.h>

#include <fmt/format.h>

#include "base/clock.h"
#include "cli/cli.h"
#include "cli/services.h"

namespace cubelet::cli {
namespace {

std::string HumanBytes(int64_t n) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  return u == 0 ? fmt::format("{}B", n) : fmt::format("{:.3g}{}", v, units[u]);
}

// Progress per layer: redrawn bars on a terminal, one line per finished layer otherwise.
class Progress {
 public:
  Progress(std::ostream& out, bool tty, base::Clock& clock) : out_(out), tty_(tty), clock_(clock) {}

  void Update(const image::Descriptor& d, int64_t done) {
    std::lock_guard lock(mu_);
    const auto now = clock_.Monotonic();
    auto [it, added] = layers_.try_emplace(d.digest, Layer{d.size, 0, now, order_.size()});
    if (added) order_.push_back(d.digest);
    it->second.done = done;
    if (!tty_) {
      if (done == d.size) out_ << "pulled " << d.digest << " (" << HumanBytes(d.size) << ")\n";
      return;
    }
    // Redraw at most every 100 ms, and always at the end of a layer.
    if (done != d.size && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    if (drawn_ > 0) out_ << "\033[" << drawn_ << "A";
    for (const std::string& digest : order_) {
      const Layer& l = layers_[digest];
      const double secs = std::chrono::duration<double>(now - l.started).count() + 1e-9;
      const int width = 30;
      const int filled = l.size > 0 ? static_cast<int>(width * l.done / l.size) : width;
      out_ << "\r\033[K" << digest.substr(7, 12) << " [" << std::string(filled, '=')
           << std::string(width - filled, ' ') << "] " << HumanBytes(l.done) << "/"
           << HumanBytes(l.size) << " " << HumanBytes(static_cast<int64_t>(l.done / secs))
           << "/s\n";
    }
    drawn_ = order_.size();
    out_.flush();
  }

 private:
  struct Layer {
    int64_t size, done;
    base::Duration started;
    size_t index;
  };
  std::ostream& out_;
  bool tty_;
  base::Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Layer> layers_;
  std::vector<std::string> order_;
  size_t drawn_ = 0;
  base::Duration last_draw_{};
};

std::string ReadFile(const std::string& path, bool* ok) {
  std::ifstream in(path);
  *ok = static_cast<bool>(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int Image(const ImageOptions& o, std::ostream& out, std::ostream& err) {
  auto clock = base::NewRealClock();
  auto http = image::NewCurlTransport();
  auto svc = OpenImageService(o.data_dir, o.registry_config, *http, *clock);
  if (!svc.ok()) {
    err << "error: " << svc.status().message() << "\n";
    return 1;
  }
  if (o.verb == "pull") {
    image::PullOptions po;
    po.policy = "Always";
    if (!o.docker_config.empty()) {
      bool ok = false;
      const std::string text = ReadFile(o.docker_config, &ok);
      auto ring =
          ok ? image::Keyring::FromDockerConfig(text)
             : base::Result<image::Keyring>(base::NotFoundError("cannot read {}", o.docker_config));
      if (!ring.ok()) {
        err << "error: " << o.docker_config << ": " << ring.status().message() << "\n";
        return 1;
      }
      po.keyring = std::move(*ring);
    }
    if (!o.platform.empty()) {
      image::Platform p;
      std::stringstream ss(o.platform);
      std::getline(ss, p.os, '/');
      std::getline(ss, p.architecture, '/');
      std::getline(ss, p.variant, '/');
      po.platform = p;
    }
    Progress progress(out, ::isatty(STDOUT_FILENO) == 1 && &out == &std::cout, *clock);
    po.progress = [&](const image::Descriptor& d, int64_t done) { progress.Update(d, done); };
    const auto start = clock->Monotonic();
    auto r = (*svc)->Ensure(o.reference, po);
    if (!r.ok()) {
      err << "error: " << image::FailureReason(r.status()) << ": " << r.status().message() << "\n";
      return 1;
    }
    const double secs = std::chrono::duration<double>(clock->Monotonic() - start).count();
    out << fmt::format("pulled {} ({}) in {:.3f}s\n", r->image.name, r->image.repo_digest, secs);
    return 0;
  }
  if (o.verb == "ls") {
    auto list = (*svc)->List();
    if (!list.ok()) {
      err << "error: " << list.status().message() << "\n";
      return 1;
    }
    out << fmt::format("{:<50} {:<16} {:<15} {}\n", "IMAGE", "TAG", "IMAGE ID", "SIZE");
    for (const image::ImageRecord& r : *list) {
      auto ref = api::ParseImageReference(r.name);
      const std::string repo = ref.ok() ? ref->Name() : r.name;
      const std::string tag = ref.ok() && !ref->tag.empty() ? ref->tag : "<none>";
      out << fmt::format("{:<50} {:<16} {:<15} {}\n", repo, tag, r.config_digest.substr(7, 13),
                         HumanBytes(r.size));
    }
    return 0;
  }
  if (o.verb == "rm") {
    const base::Status s = (*svc)->Remove(o.reference);
    if (!s.ok()) {
      err << "error: " << s.message() << "\n";
      return 1;
    }
    out << "Deleted: " << o.reference << "\n";
    return 0;
  }
  if (o.verb == "prune") {
    // Images used by containers are those of running pods; until the node agent exists no
    // container uses any image, so prune removes every image.
    auto r = (*svc)->Prune({});
    if (!r.ok()) {
      err << "error: " << r.status().message() << "\n";
      return 1;
    }
    for (const std::string& n : r->images_removed) out << "Deleted: " << n << "\n";
    out << "Total reclaimed space: " << HumanBytes(r->bytes_freed) << "\n";
    return 0;
  }
  err << "error: unknown image command " << o.verb << "\n";
  return 1;
}

}  // namespace cubelet::cli
