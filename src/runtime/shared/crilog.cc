#include "runtime/shared/crilog.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <tuple>
#include <unistd.h>
#include <utility>

namespace cubelet::runtime {

namespace {

constexpr int64_t kNanosPerSecond = 1000000000;
constexpr int64_t kSecondsPerDay = 86400;
constexpr int kOpenFlags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC;
// Records collected in one Write are written once this many bytes are pending, so a large
// read from a pipe does not make the supervisor hold a copy of all of it.
constexpr size_t kMaxPendingOut = 64 * 1024;
constexpr size_t kReadChunk = 64 * 1024;

std::string ErrnoText(int err) { return std::strerror(err); }

struct Civil {
  int year;
  unsigned month, day, hour, minute, second;
  uint32_t nanos;
};

// Floor division, so that times before 1970 still get a fraction in [0, 1s).
Civil ToCivil(int64_t unix_ns) {
  int64_t secs = unix_ns / kNanosPerSecond;
  int64_t nanos = unix_ns % kNanosPerSecond;
  if (nanos < 0) {
    nanos += kNanosPerSecond;
    --secs;
  }
  int64_t days = secs / kSecondsPerDay;
  int64_t sod = secs % kSecondsPerDay;
  if (sod < 0) {
    sod += kSecondsPerDay;
    --days;
  }
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
  return Civil{static_cast<int>(ymd.year()),         static_cast<unsigned>(ymd.month()),
               static_cast<unsigned>(ymd.day()),     static_cast<unsigned>(sod / 3600),
               static_cast<unsigned>(sod / 60 % 60), static_cast<unsigned>(sod % 60),
               static_cast<uint32_t>(nanos)};
}

char* PutDigits(char* out, uint64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

// `<path>.<YYYYMMDD-HHMMSS>`: the kubelet's rotated-file suffix (it uses local time; UTC here,
// so names do not depend on the node's time zone). Writes 15 characters.
void FormatRotationStamp(int64_t unix_ns, char* out) {
  const Civil c = ToCivil(unix_ns);
  // The int64 nanosecond range keeps the year within 1677..2262: four digits.
  out = PutDigits(out, static_cast<uint64_t>(c.year), 4);
  out = PutDigits(out, c.month, 2);
  out = PutDigits(out, c.day, 2);
  *out++ = '-';
  out = PutDigits(out, c.hour, 2);
  out = PutDigits(out, c.minute, 2);
  PutDigits(out, c.second, 2);
}

// Reads exactly `n` decimal digits at text[*pos].
std::optional<unsigned> TakeDigits(std::string_view text, size_t* pos, size_t n) {
  if (text.size() - *pos < n) return std::nullopt;
  unsigned value = 0;
  for (size_t i = 0; i < n; ++i) {
    const char ch = text[*pos + i];
    if (ch < '0' || ch > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(ch - '0');
  }
  *pos += n;
  return value;
}

bool TakeChar(std::string_view text, size_t* pos, char want) {
  if (*pos >= text.size() || text[*pos] != want) return false;
  ++*pos;
  return true;
}

// Moves the start of a tail cut past continuation bytes, so that it begins on a character.
std::string_view SkipSplitCharacter(std::string_view tail) {
  size_t skip = 0;
  while (skip < 3 && skip < tail.size() &&
         (static_cast<unsigned char>(tail[skip]) & 0xC0) == 0x80) {
    ++skip;
  }
  return tail.substr(skip);
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::string_view CriStreamName(CriStream stream) {
  return stream == CriStream::kStdout ? "stdout" : "stderr";
}

size_t FormatRfc3339Nano(int64_t unix_ns, char* out) {
  const Civil c = ToCivil(unix_ns);
  char* p = out;
  p = PutDigits(p, static_cast<uint64_t>(c.year), 4);
  *p++ = '-';
  p = PutDigits(p, c.month, 2);
  *p++ = '-';
  p = PutDigits(p, c.day, 2);
  *p++ = 'T';
  p = PutDigits(p, c.hour, 2);
  *p++ = ':';
  p = PutDigits(p, c.minute, 2);
  *p++ = ':';
  p = PutDigits(p, c.second, 2);
  if (c.nanos != 0) {
    // RFC3339Nano's ".999999999": as many digits as needed, none when the fraction is zero.
    *p++ = '.';
    p = PutDigits(p, c.nanos, 9);
    while (p[-1] == '0') --p;
  }
  *p++ = 'Z';
  return static_cast<size_t>(p - out);
}

std::string FormatRfc3339Nano(int64_t unix_ns) {
  char buf[kRfc3339NanoMaxLen];
  return std::string(buf, FormatRfc3339Nano(unix_ns, buf));
}

std::optional<int64_t> ParseRfc3339Nano(std::string_view text) {
  size_t pos = 0;
  const auto year = TakeDigits(text, &pos, 4);
  if (!year || !TakeChar(text, &pos, '-')) return std::nullopt;
  const auto month = TakeDigits(text, &pos, 2);
  if (!month || !TakeChar(text, &pos, '-')) return std::nullopt;
  const auto day = TakeDigits(text, &pos, 2);
  if (!day || !TakeChar(text, &pos, 'T')) return std::nullopt;
  const auto hour = TakeDigits(text, &pos, 2);
  if (!hour || !TakeChar(text, &pos, ':')) return std::nullopt;
  const auto minute = TakeDigits(text, &pos, 2);
  if (!minute || !TakeChar(text, &pos, ':')) return std::nullopt;
  const auto second = TakeDigits(text, &pos, 2);
  if (!second) return std::nullopt;
  int64_t nanos = 0;
  if (TakeChar(text, &pos, '.')) {
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 9) nanos = nanos * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 9; ++digits) nanos *= 10;
  }
  int64_t offset_seconds = 0;
  if (!TakeChar(text, &pos, 'Z')) {
    if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-')) return std::nullopt;
    const int64_t sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    const auto off_hour = TakeDigits(text, &pos, 2);
    if (!off_hour || !TakeChar(text, &pos, ':')) return std::nullopt;
    const auto off_minute = TakeDigits(text, &pos, 2);
    if (!off_minute || *off_hour >= 24 || *off_minute >= 60) return std::nullopt;
    offset_seconds = sign * (*off_hour * 3600 + *off_minute * 60);
  }
  if (pos != text.size()) return std::nullopt;
  if (*hour >= 24 || *minute >= 60 || *second >= 60) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(*year)},
                                        std::chrono::month{*month}, std::chrono::day{*day}};
  if (!ymd.ok()) return std::nullopt;
  const int64_t days = std::chrono::sys_days{ymd}.time_since_epoch().count();
  const int64_t secs =
      days * kSecondsPerDay + *hour * 3600 + *minute * 60 + *second - offset_seconds;
  int64_t result;
  if (__builtin_mul_overflow(secs, kNanosPerSecond, &result) ||
      __builtin_add_overflow(result, nanos, &result)) {
    return std::nullopt;
  }
  return result;
}

// ---- CriLogWriter --------------------------------------------------------------------------

CriLogWriter::CriLogWriter(std::string path, int64_t max_size_bytes, int max_files)
    : path_(std::move(path)), max_size_(max_size_bytes), max_files_(std::max(max_files, 1)) {}

CriLogWriter::~CriLogWriter() { Close(); }

bool CriLogWriter::Open(std::string* error) {
  call_errno_ = 0;
  if (fd_ >= 0) return true;
  const int fd = ::open(path_.c_str(), kOpenFlags, 0640);
  if (fd < 0) return Fail(errno, "open", error);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Fail(err, "stat", error);
  }
  fd_ = fd;
  size_ = st.st_size;
  return true;
}

bool CriLogWriter::Reopen(std::string* error) {
  Close();
  return Open(error);
}

void CriLogWriter::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  size_ = 0;
}

bool CriLogWriter::Fail(int err, std::string_view what, std::string* error) {
  if (call_errno_ == 0) {
    call_errno_ = err;
    if (error != nullptr) {
      *error = path_;
      *error += ": ";
      *error += what;
      *error += ": ";
      *error += ErrnoText(err);
    }
  }
  errno = err;
  return false;
}

void CriLogWriter::BeginCall(int64_t now_unix_ns, std::string* error) {
  call_errno_ = 0;
  call_error_ = error;
  rotate_failed_ = false;
  now_ = now_unix_ns;
  // Every record of one call carries the time the data was read.
  time_len_ = FormatRfc3339Nano(now_unix_ns, time_);
}

bool CriLogWriter::EndCall() {
  WriteOut();
  call_error_ = nullptr;
  if (call_errno_ != 0) {
    errno = call_errno_;
    return false;
  }
  return true;
}

bool CriLogWriter::Write(CriStream stream, const char* data, size_t len, int64_t now_unix_ns,
                         std::string* error) {
  call_errno_ = 0;
  if (fd_ < 0) return Fail(EBADF, "write", error);
  BeginCall(now_unix_ns, error);
  std::string_view rest(data, len);
  while (true) {
    const size_t newline = rest.find('\n');
    if (newline == std::string_view::npos) {
      AddText(stream, rest, /*line_ends=*/false);
      break;
    }
    AddText(stream, rest.substr(0, newline), /*line_ends=*/true);
    rest.remove_prefix(newline + 1);
  }
  return EndCall();
}

bool CriLogWriter::Flush(CriStream stream, int64_t now_unix_ns, std::string* error) {
  call_errno_ = 0;
  std::string& held = held_[Index(stream)];
  if (held.empty()) return true;
  if (fd_ < 0) return Fail(EBADF, "write", error);
  BeginCall(now_unix_ns, error);
  AddRecord(stream, /*partial=*/true, held);
  held.clear();
  return EndCall();
}

void CriLogWriter::AddText(CriStream stream, std::string_view piece, bool line_ends) {
  std::string& held = held_[Index(stream)];
  if (line_ends) {
    // "\r\n" ends a line as "\n" does; the "\r" may have arrived in an earlier call.
    if (!piece.empty()) {
      if (piece.back() == '\r') piece.remove_suffix(1);
    } else if (!held.empty() && held.back() == '\r') {
      held.pop_back();
    }
  }
  // The line so far is held + piece; held never exceeds kCriMaxLineContent, because a line
  // that grows past it is cut into a "P" record as soon as the next byte shows it continues.
  if (!held.empty()) {
    if (held.size() + piece.size() <= kCriMaxLineContent) {
      held.append(piece);
      if (line_ends) {
        AddRecord(stream, /*partial=*/false, held);
        held.clear();
      }
      return;
    }
    const size_t take = kCriMaxLineContent - held.size();
    held.append(piece.substr(0, take));
    piece.remove_prefix(take);
    AddRecord(stream, /*partial=*/true, held);
    held.clear();
  }
  while (piece.size() > kCriMaxLineContent) {
    AddRecord(stream, /*partial=*/true, piece.substr(0, kCriMaxLineContent));
    piece.remove_prefix(kCriMaxLineContent);
  }
  if (line_ends) {
    AddRecord(stream, /*partial=*/false, piece);
  } else {
    held.assign(piece);
  }
}

void CriLogWriter::AddRecord(CriStream stream, bool partial, std::string_view content) {
  const std::string_view name = CriStreamName(stream);
  const size_t record_len = time_len_ + 1 + name.size() + 3 + content.size() + 1;
  if (max_size_ > 0 && !rotate_failed_) {
    const int64_t pending = size_ + static_cast<int64_t>(out_.size());
    // Rotate before the file would pass max_size_, so that files stay within it unless a
    // single record is larger.
    if (pending > 0 && pending + static_cast<int64_t>(record_len) > max_size_) {
      WriteOut();
      if (!Rotate()) rotate_failed_ = true;
    }
  }
  out_.append(time_, time_len_);
  out_ += ' ';
  out_ += name;
  out_ += ' ';
  out_ += partial ? 'P' : 'F';
  out_ += ' ';
  out_ += content;
  out_ += '\n';
  if (out_.size() >= kMaxPendingOut) WriteOut();
}

void CriLogWriter::WriteOut() {
  size_t done = 0;
  while (done < out_.size()) {
    const ssize_t n = ::write(fd_, out_.data() + done, out_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      Fail(errno, "write", call_error_);
      break;
    }
    done += static_cast<size_t>(n);
    size_ += n;
  }
  out_.clear();
  // Every pod's supervisor holds one writer per container: memory kept after a burst of output
  // is paid per pod, so a large buffer is returned instead of kept for the next burst.
  if (out_.capacity() > 8 * 1024) out_ = std::string();
}

bool CriLogWriter::Rotate() {
  char stamp[15];
  FormatRotationStamp(now_, stamp);
  std::string target = path_;
  target += '.';
  target.append(stamp, sizeof(stamp));
  const size_t base_len = target.size();
  struct stat st;
  // Two rotations within one second would share a name; rename(2) would replace the first.
  for (int n = 1; ::lstat(target.c_str(), &st) == 0; ++n) {
    target.resize(base_len);
    target += '.';
    target += std::to_string(n);
  }
  // ENOENT: someone removed the file; starting a new one is all that is left to do.
  if (::rename(path_.c_str(), target.c_str()) != 0 && errno != ENOENT) {
    return Fail(errno, "rotate", call_error_);
  }
  // Until the new file is open, records keep going to the old descriptor, i.e. into the
  // rotated file, rather than being lost.
  const int fd = ::open(path_.c_str(), kOpenFlags, 0640);
  if (fd < 0) return Fail(errno, "open after rotation", call_error_);
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Fail(err, "stat after rotation", call_error_);
  }
  ::close(fd_);
  fd_ = fd;
  size_ = st.st_size;
  // The kubelet also gzips all rotated files but the newest; they stay plain here, which keeps
  // compression out of the supervisor and lets every file be read the same way.
  const std::vector<std::string> rotated = ListRotatedCriLogs(path_);
  const size_t keep = static_cast<size_t>(max_files_ - 1);
  for (size_t i = 0; i + keep < rotated.size(); ++i) {
    if (::unlink(rotated[i].c_str()) != 0 && errno != ENOENT) {
      Fail(errno, "remove old rotated log", call_error_);
    }
  }
  return true;
}

std::vector<std::string> ListRotatedCriLogs(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string_view base = slash == std::string::npos
                                    ? std::string_view(path)
                                    : std::string_view(path).substr(slash + 1);
  std::vector<std::tuple<std::string, unsigned, std::string>> found;  // stamp, n, suffix
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return {};
  while (const struct dirent* entry = ::readdir(d)) {
    const std::string_view name = entry->d_name;
    if (name.size() <= base.size() + 1 || name.substr(0, base.size()) != base ||
        name[base.size()] != '.') {
      continue;
    }
    const std::string_view suffix = name.substr(base.size() + 1);
    size_t pos = 0;
    if (!TakeDigits(suffix, &pos, 8) || !TakeChar(suffix, &pos, '-') ||
        !TakeDigits(suffix, &pos, 6)) {
      continue;
    }
    unsigned n = 0;
    if (pos < suffix.size()) {
      if (!TakeChar(suffix, &pos, '.')) continue;
      const std::string_view number = suffix.substr(pos);
      if (number.empty() || number.size() > 9 || number[0] == '0') continue;
      const auto value = TakeDigits(suffix, &pos, number.size());
      if (!value) continue;
      n = *value;
    }
    found.emplace_back(std::string(suffix.substr(0, 15)), n, std::string(name.substr(base.size())));
  }
  ::closedir(d);
  std::sort(found.begin(), found.end());
  std::vector<std::string> result;
  result.reserve(found.size());
  for (const auto& entry : found) result.push_back(path + std::get<2>(entry));
  return result;
}

// ---- Reading -------------------------------------------------------------------------------

std::optional<CriRecord> ParseCriLine(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  CriRecord record;
  size_t space = line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  record.time_text = line.substr(0, space);
  const auto ns = ParseRfc3339Nano(record.time_text);
  if (!ns) return std::nullopt;
  record.unix_ns = *ns;
  line.remove_prefix(space + 1);

  space = line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view stream = line.substr(0, space);
  if (stream == "stdout") {
    record.stream = CriStream::kStdout;
  } else if (stream == "stderr") {
    record.stream = CriStream::kStderr;
  } else {
    return std::nullopt;
  }
  line.remove_prefix(space + 1);

  space = line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view tags = line.substr(0, space);
  record.partial = tags.substr(0, tags.find(':')) == "P";
  record.content = line.substr(space + 1);
  return record;
}

CriLogParser::CriLogParser(const CriLogReadOptions& options, CriLogSink sink, int64_t skip_lines)
    : options_(options),
      sink_(std::move(sink)),
      skip_(skip_lines),
      remaining_(options.limit_bytes.value_or(-1)),
      // A limit of zero or less leaves nothing to pass on; only counting goes on regardless.
      done_(sink_ && options.limit_bytes && *options.limit_bytes <= 0) {}

bool CriLogParser::Add(std::string_view bytes) {
  if (done_) return false;
  size_t start = 0;
  for (size_t newline; (newline = bytes.find('\n', start)) != std::string_view::npos;
       start = newline + 1) {
    std::string_view line = bytes.substr(start, newline - start);
    if (!held_.empty()) {
      held_ += line;
      line = held_;
    }
    const bool more = OnLine(line);
    held_.clear();
    if (!more) {
      done_ = true;
      return false;
    }
  }
  // What follows the last newline is a record still being written: kept for the next call.
  held_.append(bytes.substr(start));
  return true;
}

bool CriLogParser::OnLine(std::string_view line) {
  const auto record = ParseCriLine(line);
  if (!record) return true;
  if ((options_.streams == CriStreamFilter::kStdout && record->stream != CriStream::kStdout) ||
      (options_.streams == CriStreamFilter::kStderr && record->stream != CriStream::kStderr)) {
    return true;
  }
  Pending& p = pending_[record->stream == CriStream::kStdout ? 0 : 1];
  if (!p.open) {
    p.open = true;
    p.seq = next_seq_++;
    p.selected = !options_.since_unix_ns || record->unix_ns >= *options_.since_unix_ns;
    p.time_text.assign(record->time_text);
    p.content.clear();
  }
  // Content beyond the byte limit would be cut anyway; not keeping it bounds the memory a
  // huge joined line takes.
  if (sink_ && p.selected &&
      (remaining_ < 0 || p.content.size() < static_cast<size_t>(remaining_))) {
    p.content += record->content;
  }
  if (record->partial) return true;
  return EndLine(record->stream, /*newline=*/true);
}

bool CriLogParser::Finish() {
  if (done_) return false;
  Pending& out = pending_[0];
  Pending& err = pending_[1];
  const bool out_first = !err.open || (out.open && out.seq < err.seq);
  const CriStream order[2] = {out_first ? CriStream::kStdout : CriStream::kStderr,
                              out_first ? CriStream::kStderr : CriStream::kStdout};
  for (const CriStream stream : order) {
    if (pending_[stream == CriStream::kStdout ? 0 : 1].open &&
        !EndLine(stream, /*newline=*/false)) {
      done_ = true;
      return false;
    }
  }
  return true;
}

bool CriLogParser::EndLine(CriStream stream, bool newline) {
  Pending& p = pending_[stream == CriStream::kStdout ? 0 : 1];
  p.open = false;
  if (!p.selected) return true;
  const int64_t index = lines_++;
  if (!sink_ || index < skip_) return true;
  text_.clear();
  if (options_.timestamps) {
    text_ += p.time_text;
    text_ += ' ';
  }
  text_ += p.content;
  if (newline) text_ += '\n';
  if (remaining_ >= 0) {
    if (text_.size() > static_cast<size_t>(remaining_)) text_.resize(remaining_);
    remaining_ -= static_cast<int64_t>(text_.size());
  }
  if (!sink_(stream, text_)) return false;
  return remaining_ != 0;
}

namespace {

// Feeds the bytes of `fd` up to `limit` (-1: to EOF) to the parser, then ends the file. *end
// is where the last complete line ended; *stopped is set when the parser wanted no more.
bool ScanFile(int fd, const std::string& path, int64_t limit, CriLogParser* parser,
              std::vector<char>* buffer, int64_t* end, bool* stopped, std::string* error) {
  int64_t offset = 0;
  *end = 0;
  while (limit < 0 || offset < limit) {
    size_t want = buffer->size();
    if (limit >= 0) want = std::min<size_t>(want, static_cast<size_t>(limit - offset));
    const ssize_t n = ::pread(fd, buffer->data(), want, offset);
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      *error = path + ": read: " + ErrnoText(err);
      return false;
    }
    if (n == 0) break;
    offset += n;
    if (!parser->Add(std::string_view(buffer->data(), static_cast<size_t>(n)))) {
      *stopped = true;
      return true;
    }
    *end = offset - static_cast<int64_t>(parser->held());
  }
  // What follows the last newline is a record still being written (or cut short): left for
  // the next read of the log.
  parser->EndFile();
  return true;
}

bool ReadCriLogFiles(const std::vector<std::string>& paths, size_t first_required,
                     const CriLogReadOptions& options, const CriLogSink& sink, std::string* error) {
  std::vector<Fd> files;
  std::vector<const std::string*> names;
  for (size_t i = 0; i < paths.size(); ++i) {
    const int fd = ::open(paths[i].c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      if (err == ENOENT && i < first_required) continue;  // rotated away meanwhile
      *error = paths[i] + ": open: " + ErrnoText(err);
      return false;
    }
    files.emplace_back(fd);
    names.push_back(&paths[i]);
  }
  if ((options.tail_lines && *options.tail_lines == 0) ||
      (options.limit_bytes && *options.limit_bytes <= 0)) {
    return true;
  }
  std::vector<char> buffer(kReadChunk);
  std::vector<int64_t> ends(files.size(), -1);
  int64_t skip = 0;
  bool stopped = false;
  if (options.tail_lines && *options.tail_lines > 0) {
    // Count the lines first, then skip all but the last N on the second pass. Reading twice
    // keeps memory to one line per stream, whatever N is; the second pass stops where the
    // first did, so lines written in between do not shift the count.
    CriLogParser counter(options, nullptr);
    for (size_t i = 0; i < files.size(); ++i) {
      if (!ScanFile(files[i].get(), *names[i], -1, &counter, &buffer, &ends[i], &stopped, error)) {
        return false;
      }
    }
    counter.Finish();
    skip = std::max<int64_t>(0, counter.lines() - *options.tail_lines);
  }
  CriLogParser joiner(options, sink, skip);
  for (size_t i = 0; i < files.size(); ++i) {
    int64_t end = 0;
    if (!ScanFile(files[i].get(), *names[i], ends[i], &joiner, &buffer, &end, &stopped, error)) {
      return false;
    }
    if (stopped) return true;
  }
  joiner.Finish();
  return true;
}

CriLogSink AppendTo(std::string* out) {
  return [out](CriStream, std::string_view text) {
    out->append(text);
    return true;
  };
}

std::vector<std::string> LogSet(const std::string& path) {
  std::vector<std::string> paths = ListRotatedCriLogs(path);
  paths.push_back(path);
  return paths;
}

}  // namespace

bool ReadCriLog(const std::string& path, const CriLogReadOptions& options, const CriLogSink& sink,
                std::string* error) {
  return ReadCriLogFiles({path}, 0, options, sink, error);
}

bool ReadCriLog(const std::string& path, const CriLogReadOptions& options, std::string* out,
                std::string* error) {
  return ReadCriLog(path, options, AppendTo(out), error);
}

bool ReadCriLogSet(const std::string& path, const CriLogReadOptions& options,
                   const CriLogSink& sink, std::string* error) {
  const std::vector<std::string> paths = LogSet(path);
  return ReadCriLogFiles(paths, paths.size() - 1, options, sink, error);
}

bool ReadCriLogSet(const std::string& path, const CriLogReadOptions& options, std::string* out,
                   std::string* error) {
  return ReadCriLogSet(path, options, AppendTo(out), error);
}

// ---- Termination message -------------------------------------------------------------------

std::string ReadTerminationMessage(const std::string& host_file_path, const std::string& log_path,
                                   bool fallback_to_logs_on_error, int exit_code) {
  if (!host_file_path.empty()) {
    // O_NONBLOCK: whatever the container left there, opening must not wait for a writer.
    Fd fd(::open(host_file_path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW));
    const int open_errno = errno;
    if (fd.get() < 0 && open_errno != ENOENT) {
      return "cannot read the termination message file " + host_file_path + ": " +
             ErrnoText(open_errno);
    }
    struct stat st;
    if (fd.get() >= 0 && ::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      // The end of the file: what a container wrote last explains its exit best.
      const int64_t size = st.st_size;
      const int64_t start = std::max<int64_t>(0, size - int64_t{kMaxTerminationMessageBytes});
      std::string text(static_cast<size_t>(size - start), '\0');
      size_t got = 0;
      while (got < text.size()) {
        const ssize_t n = ::pread(fd.get(), text.data() + got, text.size() - got,
                                  start + static_cast<int64_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          const int err = errno;
          return "cannot read the termination message file " + host_file_path + ": " +
                 ErrnoText(err);
        }
        if (n == 0) break;  // truncated meanwhile
        got += static_cast<size_t>(n);
      }
      text.resize(got);
      if (!text.empty()) {
        if (start > 0) return std::string(SkipSplitCharacter(text));
        return text;
      }
    }
  }
  if (!fallback_to_logs_on_error || exit_code == 0 || log_path.empty()) return "";

  struct stat st;
  if (::stat(log_path.c_str(), &st) != 0 && errno == ENOENT) return "";
  CriLogReadOptions options;
  options.tail_lines = kMaxTerminationMessageLogLines;
  std::string tail;
  bool cut = false;
  // Keeps only the end of the output, so very long lines do not pile up here.
  auto sink = [&tail, &cut](CriStream, std::string_view text) {
    tail.append(text);
    if (tail.size() > 2 * kMaxTerminationMessageLogBytes) {
      tail.erase(0, tail.size() - kMaxTerminationMessageLogBytes);
      cut = true;
    }
    return true;
  };
  std::string error;
  if (!ReadCriLog(log_path, options, sink, &error)) {
    return "cannot read the termination message from the log: " + error;
  }
  if (tail.size() > kMaxTerminationMessageLogBytes) {
    tail.erase(0, tail.size() - kMaxTerminationMessageLogBytes);
    cut = true;
  }
  if (cut) return std::string(SkipSplitCharacter(tail));
  return tail;
}

}  // namespace cubelet::runtime
