#include "runtime/shared/wire.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cubelet::runtime::wire {
namespace {

constexpr char kUnitSeparator = '\x1f';

void Escape(std::string_view in, std::string* out, bool unit_separator) {
  for (char c : in) {
    switch (c) {
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\0':
        *out += "\\0";
        break;
      case kUnitSeparator:
        if (unit_separator) {
          *out += "\\u";
          break;
        }
        *out += c;
        break;
      default:
        *out += c;
    }
  }
}

bool Unescape(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\') {
      *out += in[i];
      continue;
    }
    if (++i == in.size()) return false;
    switch (in[i]) {
      case '\\':
        *out += '\\';
        break;
      case 'n':
        *out += '\n';
        break;
      case '0':
        *out += '\0';
        break;
      case 'u':
        *out += kUnitSeparator;
        break;
      default:
        return false;
    }
  }
  return true;
}

}  // namespace

void Message::Add(std::string_view key, std::string_view value) {
  fields_.emplace_back(std::string(key), std::string(value));
}

void Message::AddInt(std::string_view key, int64_t value) { Add(key, std::to_string(value)); }

const std::string* Message::Find(std::string_view key) const {
  for (const auto& [k, v] : fields_) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string Message::Get(std::string_view key) const {
  const std::string* v = Find(key);
  return v ? *v : std::string();
}

int64_t Message::GetInt(std::string_view key, int64_t fallback) const {
  const std::string* v = Find(key);
  if (v == nullptr || v->empty()) return fallback;
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(v->c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return fallback;
  return n;
}

std::vector<std::string> Message::GetAll(std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : fields_) {
    if (k == key) out.push_back(v);
  }
  return out;
}

std::string Message::Encode() const {
  std::string out;
  for (const auto& [k, v] : fields_) {
    out += k;
    out += '=';
    Escape(v, &out, false);
    out += '\n';
  }
  return out;
}

bool Message::Decode(std::string_view data, Message* out, std::string* error) {
  out->fields_.clear();
  size_t line_no = 0;
  while (!data.empty()) {
    ++line_no;
    size_t nl = data.find('\n');
    std::string_view line = data.substr(0, nl);
    data = nl == std::string_view::npos ? std::string_view() : data.substr(nl + 1);
    if (line.empty()) continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      if (error) *error = "line " + std::to_string(line_no) + ": expected key=value";
      return false;
    }
    std::string value;
    if (!Unescape(line.substr(eq + 1), &value)) {
      if (error) *error = "line " + std::to_string(line_no) + ": bad escape";
      return false;
    }
    out->fields_.emplace_back(std::string(line.substr(0, eq)), std::move(value));
  }
  return true;
}

std::string Join(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += kUnitSeparator;
    Escape(fields[i], &out, true);
  }
  return out;
}

std::vector<std::string> Split(std::string_view value) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = value.find(kUnitSeparator, start);
    std::string field;
    std::string_view piece =
        value.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start);
    if (!Unescape(piece, &field)) field.assign(piece);
    out.push_back(std::move(field));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

bool ReadFile(const std::string& path, std::string* out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out->clear();
  char buf[4096];
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      close(fd);
      errno = saved;
      return false;
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return true;
}

bool WriteFileAtomic(const std::string& path, std::string_view data, int mode) {
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return false;
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      close(fd);
      unlink(tmp.c_str());
      errno = saved;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  if (fchmod(fd, static_cast<mode_t>(mode)) != 0 || close(fd) != 0 ||
      rename(tmp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    unlink(tmp.c_str());
    errno = saved;
    return false;
  }
  return true;
}

}  // namespace cubelet::runtime::wire
