// The messages between the cubelet server and a pod's supervisor, and the files they share.
//
// A message is an ordered list of key/value pairs, encoded as "key=value\n" lines with "\\",
// "\n" and NUL escaped in values. It is plain text on purpose: `cat` of a state file or a
// strace of the socket is readable, and both sides parse it with a few lines of code (the
// supervisor links no JSON library). Lists are repeated keys; a value made of several fields
// joins them with Join() and splits them with Split().
//
// This file is linked into the supervisor: libc and the C++ standard library only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cubelet::runtime::wire {

class Message {
 public:
  void Add(std::string_view key, std::string_view value);
  void AddInt(std::string_view key, int64_t value);
  void AddBool(std::string_view key, bool value) { AddInt(key, value ? 1 : 0); }

  // The first value of `key`, or nullptr.
  const std::string* Find(std::string_view key) const;
  std::string Get(std::string_view key) const;  // "" when absent
  int64_t GetInt(std::string_view key, int64_t fallback = 0) const;
  bool GetBool(std::string_view key) const { return GetInt(key) != 0; }
  std::vector<std::string> GetAll(std::string_view key) const;
  bool Has(std::string_view key) const { return Find(key) != nullptr; }

  std::string Encode() const;
  // Refuses lines without '=' and bad escapes; `error` names the line.
  static bool Decode(std::string_view data, Message* out, std::string* error);

  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// Several fields in one value, separated by the ASCII unit separator (escaped inside fields).
std::string Join(const std::vector<std::string>& fields);
std::vector<std::string> Split(std::string_view value);

// Reads a whole small file; false with errno set on failure.
bool ReadFile(const std::string& path, std::string* out);
// Writes `path` atomically (temporary file, fsync-free rename: the state must survive a crash of
// the writer, not of the machine) with exactly `mode` (the umask does not apply). Returns false
// with errno set.
bool WriteFileAtomic(const std::string& path, std::string_view data, int mode = 0644);

}  // namespace cubelet::runtime::wire
