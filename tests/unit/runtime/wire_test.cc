#include "runtime/shared/wire.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>
#include <sys/mount.h>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/shared/spec.h"

namespace cubelet::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using namespace std::string_literals;  // NUL and unit separators inside literals

// ---- Message -----------------------------------------------------------------------------------

wire::Message RoundTrip(const wire::Message& m) {
  wire::Message out;
  std::string error;
  EXPECT_TRUE(wire::Message::Decode(m.Encode(), &out, &error)) << error;
  return out;
}

TEST(WireMessage, EncodesOneLinePerField) {
  wire::Message m;
  m.Add("op", "start");
  m.AddInt("pid", 42);
  m.AddBool("yes", true);
  m.Add("arg", "a");
  m.Add("arg", "b");
  EXPECT_EQ(m.Encode(), "op=start\npid=42\nyes=1\narg=a\narg=b\n");
}

TEST(WireMessage, RoundTripsAwkwardValues) {
  const std::vector<std::string> values = {
      "",
      "plain",
      "two\nlines\n",
      "back\\slash",
      "trailing\\",
      "\\n is not a newline",
      "nul\0inside"s,
      "\0"s,
      "unit\x1fseparator",
      "key=value=more",
      "\r\t\x7f\xff utf-8 ü",
      "\\\\0\\u",
  };
  wire::Message m;
  for (const auto& v : values) m.Add("v", v);
  std::string encoded = m.Encode();
  // Nothing in a value breaks the line structure.
  EXPECT_EQ(std::count(encoded.begin(), encoded.end(), '\n'), static_cast<long>(values.size()));
  EXPECT_EQ(encoded.find('\0'), std::string::npos);
  wire::Message back = RoundTrip(m);
  EXPECT_EQ(back.GetAll("v"), values);
  EXPECT_EQ(back.fields(), m.fields());
}

TEST(WireMessage, KeepsFieldOrderAndRepeatedKeys) {
  wire::Message m;
  m.Add("b", "1");
  m.Add("a", "2");
  m.Add("b", "3");
  wire::Message back = RoundTrip(m);
  ASSERT_EQ(back.fields().size(), 3u);
  EXPECT_EQ(back.fields()[0], (std::pair<std::string, std::string>("b", "1")));
  EXPECT_EQ(back.fields()[1], (std::pair<std::string, std::string>("a", "2")));
  EXPECT_EQ(back.Get("b"), "1");  // the first
  EXPECT_THAT(back.GetAll("b"), ElementsAre("1", "3"));
  EXPECT_THAT(back.GetAll("missing"), IsEmpty());
}

TEST(WireMessage, Accessors) {
  wire::Message m;
  m.Add("s", "text");
  m.Add("empty", "");
  m.AddInt("neg", -999);
  m.AddInt("max", std::numeric_limits<int64_t>::max());
  m.AddInt("min", std::numeric_limits<int64_t>::min());
  m.Add("notint", "12abc");
  m.AddBool("f", false);
  m.AddBool("t", true);
  wire::Message back = RoundTrip(m);
  EXPECT_TRUE(back.Has("empty"));
  EXPECT_FALSE(back.Has("nope"));
  EXPECT_EQ(back.Find("nope"), nullptr);
  ASSERT_NE(back.Find("s"), nullptr);
  EXPECT_EQ(*back.Find("s"), "text");
  EXPECT_EQ(back.Get("nope"), "");
  EXPECT_EQ(back.GetInt("neg"), -999);
  EXPECT_EQ(back.GetInt("max"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(back.GetInt("min"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(back.GetInt("notint", 7), 7);
  EXPECT_EQ(back.GetInt("empty", 7), 7);
  EXPECT_EQ(back.GetInt("nope", 7), 7);
  EXPECT_EQ(back.GetInt("s"), 0);
  EXPECT_FALSE(back.GetBool("f"));
  EXPECT_TRUE(back.GetBool("t"));
  EXPECT_FALSE(back.GetBool("nope"));
}

TEST(WireMessage, DecodeToleratesBlankLinesAndAMissingFinalNewline) {
  wire::Message m;
  std::string error;
  ASSERT_TRUE(wire::Message::Decode("a=1\n\nb=2", &m, &error)) << error;
  EXPECT_EQ(m.Get("a"), "1");
  EXPECT_EQ(m.Get("b"), "2");
  ASSERT_TRUE(wire::Message::Decode("", &m, &error)) << error;
  EXPECT_THAT(m.fields(), IsEmpty());  // the earlier fields are gone
}

TEST(WireMessage, DecodeErrorsNameTheLine) {
  struct Case {
    std::string data;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {"a=1\nnoequals\n", "line 2: expected key=value"},
           {"=value\n", "line 1: expected key=value"},
           {"a=1\n\nb\n", "line 3: expected key=value"},
           {"a=1\nb=bad\\x\n", "line 2: bad escape"},
           {"a=trailing\\", "line 1: bad escape"},
       }) {
    wire::Message m;
    std::string error;
    EXPECT_FALSE(wire::Message::Decode(c.data, &m, &error)) << c.data;
    EXPECT_EQ(error, c.error) << c.data;
  }
  // A null error pointer is allowed.
  wire::Message m;
  EXPECT_FALSE(wire::Message::Decode("junk", &m, nullptr));
}

// ---- Join / Split ------------------------------------------------------------------------------

TEST(WireJoin, RoundTripsFieldsIncludingEmptyOnes) {
  const std::vector<std::vector<std::string>> cases = {
      {"a", "b", "c"},
      {"a", "", "c"},
      {"", "x"},
      {"x", ""},
      {"", ""},
      {"", "", ""},
      {""},
      {"only"},
      {"has\x1fseparator", "back\\slash", "new\nline", "nul\0"s, "\\u literal"},
  };
  for (const auto& fields : cases) {
    EXPECT_EQ(wire::Split(wire::Join(fields)), fields) << ::testing::PrintToString(fields);
  }
}

TEST(WireJoin, SeparatorInsideAFieldDoesNotSplitIt) {
  std::string joined =
      wire::Join({"a\x1f"
                  "b",
                  "c"});
  EXPECT_EQ(std::count(joined.begin(), joined.end(), '\x1f'), 1);
  EXPECT_THAT(wire::Split(joined), ElementsAre("a\x1f"
                                               "b",
                                               "c"));
}

TEST(WireJoin, SurvivesAMessageRoundTrip) {
  std::vector<std::string> fields = {"/src dir",
                                     "",
                                     "new\nline",
                                     "a\x1f"
                                     "b",
                                     "\\",
                                     "nul\0"s};
  wire::Message m;
  m.Add("mount", wire::Join(fields));
  wire::Message back = RoundTrip(m);
  EXPECT_EQ(wire::Split(back.Get("mount")), fields);
}

// ---- ContainerSpec -----------------------------------------------------------------------------

ContainerSpec FullSpec() {
  ContainerSpec s;
  s.id = "0123abcd";
  s.rootfs = "/var/lib/cubelet/runtime/containers/0123abcd/rootfs";
  s.new_pid_ns = false;  // not the default, so a dropped field shows
  s.mounts = {
      {"proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, "", false},
      {"tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", false},
      {"/host/with space", "/etc/hosts", "bind", 0, "", true},
      {"/vol\x1fodd\nname", "/data", "rbind", MS_RDONLY | (uint64_t{1} << 40), "a=b,c", false},
      {"", "/empty-source", "tmpfs", 0, "", false},
  };
  s.devices = {{"/dev/null", 1, 3, 0666}, {"/dev/tty", 5, 0, 0620}};
  s.masked_paths = {"/proc/kcore", "/sys/firmware"};
  s.readonly_paths = {"/proc/sys"};
  s.readonly_rootfs = true;
  s.argv = {"/bin/sh", "-c", "echo 'a\nb' \\ done", ""};
  s.env = {"PATH=/bin", "MULTI=line1\nline2", "EMPTY=", "NUL=a\0b"s};
  s.cwd = "/work dir";
  s.uid = 4294967294u;
  s.gid = 65534;
  s.groups = {10, 4294967295u};
  s.capabilities = 0xffffffffffffffffULL;
  s.no_new_privs = true;
  s.seccomp_file = "/x/seccomp.bpf";
  s.oom_score_adj = -998;
  s.cgroup_procs = {"/sys/fs/cgroup/a/cgroup.procs", "/sys/fs/cgroup/memory/a/cgroup.procs"};
  s.oom_events_file = "/sys/fs/cgroup/a/memory.events";
  s.log_path = "/pods/ns_n_uid/c/0.log";
  s.log_max_size = int64_t{5} << 32;
  s.log_max_files = 7;
  s.state_file = "/x/state";
  return s;
}

void ExpectSpecEq(const ContainerSpec& a, const ContainerSpec& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.rootfs, b.rootfs);
  EXPECT_EQ(a.new_pid_ns, b.new_pid_ns);
  ASSERT_EQ(a.mounts.size(), b.mounts.size());
  for (size_t i = 0; i < a.mounts.size(); ++i) {
    SCOPED_TRACE("mount " + std::to_string(i));
    EXPECT_EQ(a.mounts[i].source, b.mounts[i].source);
    EXPECT_EQ(a.mounts[i].target, b.mounts[i].target);
    EXPECT_EQ(a.mounts[i].type, b.mounts[i].type);
    EXPECT_EQ(a.mounts[i].flags, b.mounts[i].flags);
    EXPECT_EQ(a.mounts[i].data, b.mounts[i].data);
    EXPECT_EQ(a.mounts[i].file, b.mounts[i].file);
  }
  ASSERT_EQ(a.devices.size(), b.devices.size());
  for (size_t i = 0; i < a.devices.size(); ++i) {
    SCOPED_TRACE("device " + std::to_string(i));
    EXPECT_EQ(a.devices[i].path, b.devices[i].path);
    EXPECT_EQ(a.devices[i].major, b.devices[i].major);
    EXPECT_EQ(a.devices[i].minor, b.devices[i].minor);
    EXPECT_EQ(a.devices[i].mode, b.devices[i].mode);
  }
  EXPECT_EQ(a.masked_paths, b.masked_paths);
  EXPECT_EQ(a.readonly_paths, b.readonly_paths);
  EXPECT_EQ(a.readonly_rootfs, b.readonly_rootfs);
  EXPECT_EQ(a.argv, b.argv);
  EXPECT_EQ(a.env, b.env);
  EXPECT_EQ(a.cwd, b.cwd);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.gid, b.gid);
  EXPECT_EQ(a.groups, b.groups);
  EXPECT_EQ(a.capabilities, b.capabilities);
  EXPECT_EQ(a.no_new_privs, b.no_new_privs);
  EXPECT_EQ(a.seccomp_file, b.seccomp_file);
  EXPECT_EQ(a.oom_score_adj, b.oom_score_adj);
  EXPECT_EQ(a.cgroup_procs, b.cgroup_procs);
  EXPECT_EQ(a.oom_events_file, b.oom_events_file);
  EXPECT_EQ(a.log_path, b.log_path);
  EXPECT_EQ(a.log_max_size, b.log_max_size);
  EXPECT_EQ(a.log_max_files, b.log_max_files);
  EXPECT_EQ(a.state_file, b.state_file);
}

// Through the text, as the spec travels from the server to the supervisor.
bool DecodeText(const std::string& text, ContainerSpec* spec, std::string* error) {
  wire::Message m;
  if (!wire::Message::Decode(text, &m, error)) return false;
  return DecodeSpec(m, spec, error);
}

TEST(WireSpec, RoundTripsEveryField) {
  ContainerSpec in = FullSpec();
  ContainerSpec out;
  std::string error;
  ASSERT_TRUE(DecodeText(EncodeSpec(in).Encode(), &out, &error)) << error;
  ExpectSpecEq(out, in);
}

TEST(WireSpec, RoundTripsTheOtherBooleanValues) {
  ContainerSpec in = FullSpec();
  in.new_pid_ns = true;
  in.readonly_rootfs = false;
  in.no_new_privs = false;
  in.mounts[2].file = false;
  in.mounts[0].file = true;
  ContainerSpec out;
  std::string error;
  ASSERT_TRUE(DecodeText(EncodeSpec(in).Encode(), &out, &error)) << error;
  ExpectSpecEq(out, in);
}

TEST(WireSpec, RoundTripsAMinimalSpec) {
  ContainerSpec in;
  in.id = "c";
  in.rootfs = "/r";
  in.argv = {"/pause"};
  ContainerSpec out = FullSpec();  // overwritten entirely
  std::string error;
  ASSERT_TRUE(DecodeText(EncodeSpec(in).Encode(), &out, &error)) << error;
  ExpectSpecEq(out, in);
}

TEST(WireSpec, DecodeRejectsASpecWithoutIdRootfsOrArgv) {
  for (const char* drop : {"id", "rootfs", "arg"}) {
    wire::Message full = EncodeSpec(FullSpec());
    wire::Message m;
    for (const auto& [k, v] : full.fields()) {
      if (k != drop) m.Add(k, v);
    }
    ContainerSpec out;
    std::string error;
    EXPECT_FALSE(DecodeSpec(m, &out, &error)) << drop;
    EXPECT_THAT(error, HasSubstr("id, rootfs and at least one arg")) << drop;
  }
}

TEST(WireSpec, DecodeRejectsMalformedMountsAndDevices) {
  {
    wire::Message m = EncodeSpec(FullSpec());
    m.Add("mount", wire::Join({"src", "/dst", "bind"}));
    ContainerSpec out;
    std::string error;
    EXPECT_FALSE(DecodeSpec(m, &out, &error));
    EXPECT_THAT(error, HasSubstr("mount"));
  }
  {
    wire::Message m = EncodeSpec(FullSpec());
    m.Add("device", wire::Join({"/dev/x", "1"}));
    ContainerSpec out;
    std::string error;
    EXPECT_FALSE(DecodeSpec(m, &out, &error));
    EXPECT_THAT(error, HasSubstr("device"));
  }
}

TEST(WireSpec, MissingCwdMeansRoot) {
  wire::Message full = EncodeSpec(FullSpec());
  wire::Message m;
  for (const auto& [k, v] : full.fields()) {
    if (k != "cwd") m.Add(k, v);
  }
  ContainerSpec out;
  std::string error;
  ASSERT_TRUE(DecodeSpec(m, &out, &error)) << error;
  EXPECT_EQ(out.cwd, "/");
}

// ---- Records -----------------------------------------------------------------------------------

void ExpectRecordEq(const ContainerRecord& a, const ContainerRecord& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.pid, b.pid);
  EXPECT_EQ(a.started_ns, b.started_ns);
  EXPECT_EQ(a.finished_ns, b.finished_ns);
  EXPECT_EQ(a.exit_code, b.exit_code);
  EXPECT_EQ(a.signal, b.signal);
  EXPECT_EQ(a.oom_killed, b.oom_killed);
  EXPECT_EQ(a.error, b.error);
}

ContainerRecord DecodeRecordText(const std::string& text) {
  wire::Message m;
  std::string error;
  EXPECT_TRUE(wire::Message::Decode(text, &m, &error)) << error;
  return DecodeRecord(m);
}

TEST(WireRecord, RoundTripsAnExit) {
  ContainerRecord r;
  r.id = "abc";
  r.state = ContainerRecord::kExited;
  r.pid = 4321;
  r.started_ns = 1700000000123456789;
  r.finished_ns = 1700000005987654321;
  r.exit_code = 137;
  r.signal = 9;
  r.oom_killed = true;
  ExpectRecordEq(DecodeRecordText(EncodeRecord(r).Encode()), r);
}

TEST(WireRecord, RoundTripsAStartFailureWithItsError) {
  ContainerRecord r;
  r.id = "abc";
  r.state = ContainerRecord::kStartFailed;
  r.exit_code = 128;
  r.error = "exec \"/app\": no such file or directory\nsecond line";
  ExpectRecordEq(DecodeRecordText(EncodeRecord(r).Encode()), r);
}

TEST(WireRecord, RunningRecordHasNoErrorField) {
  ContainerRecord r;
  r.id = "abc";
  r.pid = 10;
  wire::Message m = EncodeRecord(r);
  EXPECT_FALSE(m.Has("error"));
  ExpectRecordEq(DecodeRecordText(m.Encode()), r);
}

TEST(WireRecord, MissingStateMeansRunning) {
  ContainerRecord r = DecodeRecordText("id=x\npid=5\n");
  EXPECT_EQ(r.state, ContainerRecord::kRunning);
  EXPECT_EQ(r.pid, 5);
  EXPECT_FALSE(r.oom_killed);
}

TEST(WireSupervisorConfig, RoundTrips) {
  SupervisorConfig c;
  c.hostname = "web-0";
  c.share_pid = true;
  c.cgroup_procs = {"/a/cgroup.procs", "/b/cgroup.procs"};
  wire::Message m;
  std::string error;
  ASSERT_TRUE(wire::Message::Decode(EncodeSupervisorConfig(c).Encode(), &m, &error)) << error;
  SupervisorConfig back = DecodeSupervisorConfig(m);
  EXPECT_EQ(back.hostname, c.hostname);
  EXPECT_EQ(back.share_pid, c.share_pid);
  EXPECT_EQ(back.cgroup_procs, c.cgroup_procs);
}

// ---- Files -------------------------------------------------------------------------------------

TEST(WireFiles, WriteAtomicThenRead) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "wire_test.XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  std::string path = tmpl + "/state";
  ASSERT_TRUE(wire::WriteFileAtomic(path, "first"));
  ASSERT_TRUE(wire::WriteFileAtomic(path, "second\0binary"s));
  std::string data;
  ASSERT_TRUE(wire::ReadFile(path, &data));
  EXPECT_EQ(data, "second\0binary"s);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));

  errno = 0;
  EXPECT_FALSE(wire::ReadFile(tmpl + "/missing", &data));
  EXPECT_EQ(errno, ENOENT);
  EXPECT_FALSE(wire::WriteFileAtomic(tmpl + "/no/such/dir/file", "x"));
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace cubelet::runtime
