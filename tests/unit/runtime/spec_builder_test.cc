#include "runtime/spec_builder.h"

#include <algorithm>
#include <csignal>
#include <string>
#include <sys/mount.h>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace cubelet::runtime {
namespace {

using base::Code;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kDefaultPath[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// ---- ResolveUser -------------------------------------------------------------------------------

// An image's /etc/passwd and /etc/group: app is a member of extra, svc of extra and other.
constexpr char kPasswd[] =
    "# comment lines and malformed lines are skipped\n"
    "root:x:0:0:root:/root:/bin/sh\n"
    "broken:x:notanumber:0::/nowhere:/bin/sh\n"
    "short:x\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "app:x:1000:1000:app user:/home/app:/bin/sh\n"
    "svc:x:1001:1001::/srv:/bin/sh\n"
    "nohome:x:1002:1002::::\n";
constexpr char kGroup[] =
    "root:x:0:\n"
    "app:x:1000:\n"
    "extra:x:2000:app,svc\n"
    "other:x:3000:svc\n"
    "svc:x:1001:\n";

base::Result<ResolvedUser> Resolve(std::string_view image_user, const SecurityConfig& sec = {}) {
  return ResolveUser(image_user, sec, kPasswd, kGroup);
}

TEST(ResolveUser, EmptyIsRootWithRootsHome) {
  auto u = Resolve("");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->uid, 0u);
  EXPECT_EQ(u->gid, 0u);
  EXPECT_THAT(u->groups, IsEmpty());
  EXPECT_EQ(u->home, "/root");
}

TEST(ResolveUser, EmptyWithoutPasswdIsRootWithSlashHome) {
  auto u = ResolveUser("", {}, "", "");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->uid, 0u);
  EXPECT_EQ(u->gid, 0u);
  EXPECT_EQ(u->home, "/");
}

TEST(ResolveUser, NameTakesUidGidHomeAndGroupMembership) {
  auto u = Resolve("app");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->uid, 1000u);
  EXPECT_EQ(u->gid, 1000u);
  EXPECT_THAT(u->groups, ElementsAre(2000u));
  EXPECT_EQ(u->home, "/home/app");
}

TEST(ResolveUser, MemberOfSeveralGroupsGetsThemInFileOrder) {
  auto u = Resolve("svc");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->uid, 1001u);
  EXPECT_EQ(u->gid, 1001u);
  EXPECT_THAT(u->groups, ElementsAre(2000u, 3000u));
  EXPECT_EQ(u->home, "/srv");
}

TEST(ResolveUser, NumericUidTakesGidFromPasswd) {
  auto u = Resolve("1000");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->uid, 1000u);
  EXPECT_EQ(u->gid, 1000u);
  EXPECT_THAT(u->groups, ElementsAre(2000u));
  EXPECT_EQ(u->home, "/home/app");
}

TEST(ResolveUser, NumericUidNotInPasswdRunsWithGidZero) {
  auto u = Resolve("4242");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->uid, 4242u);
  EXPECT_EQ(u->gid, 0u);
  EXPECT_THAT(u->groups, IsEmpty());
  EXPECT_EQ(u->home, "/");
}

TEST(ResolveUser, EmptyHomeFieldFallsBackToSlash) {
  auto u = Resolve("nohome");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->uid, 1002u);
  EXPECT_EQ(u->home, "/");
}

TEST(ResolveUser, NumericUidAndGid) {
  auto u = Resolve("1000:2000");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->uid, 1000u);
  EXPECT_EQ(u->gid, 2000u);
}

TEST(ResolveUser, NumericPairNeedsNoPasswd) {
  auto u = ResolveUser("1234:5678", {}, "", "");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->uid, 1234u);
  EXPECT_EQ(u->gid, 5678u);
}

TEST(ResolveUser, NameAndGroupName) {
  auto u = Resolve("app:extra");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->uid, 1000u);
  EXPECT_EQ(u->gid, 2000u);
  EXPECT_EQ(u->home, "/home/app");
}

TEST(ResolveUser, UnknownUserIsAnError) {
  auto u = Resolve("nobody");
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().code(), Code::kInvalid);
  EXPECT_THAT(u.status().message(), HasSubstr("unable to find user nobody"));
}

TEST(ResolveUser, UnknownGroupIsAnError) {
  auto u = Resolve("app:nogroup");
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().code(), Code::kInvalid);
  EXPECT_THAT(u.status().message(), HasSubstr("unable to find group nogroup"));
}

TEST(ResolveUser, RunAsUserOverridesTheImageUser) {
  SecurityConfig sec;
  sec.run_as_user = 1001;
  auto u = Resolve("app", sec);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->uid, 1001u);
  EXPECT_EQ(u->gid, 1001u);  // svc's primary group, from passwd
  EXPECT_THAT(u->groups, ElementsAre(2000u, 3000u));
  EXPECT_EQ(u->home, "/srv");
}

TEST(ResolveUser, RunAsUserDropsTheImageGroup) {
  // containerd builds the user string from runAsUser alone when it is set: the image's
  // "user:group" belongs to the image's user and does not apply to another one.
  SecurityConfig sec;
  sec.run_as_user = 1001;
  auto u = Resolve("app:extra", sec);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->uid, 1001u);
  EXPECT_EQ(u->gid, 1001u);
}

TEST(ResolveUser, RunAsUserSkipsTheLookupOfAnUnknownImageUser) {
  SecurityConfig sec;
  sec.run_as_user = 1000;
  auto u = Resolve("ghost:ghosts", sec);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->uid, 1000u);
  EXPECT_EQ(u->gid, 1000u);
}

TEST(ResolveUser, RunAsGroupOverridesGidButKeepsTheUser) {
  SecurityConfig sec;
  sec.run_as_group = 4000;
  auto u = Resolve("app:extra", sec);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->uid, 1000u);
  EXPECT_EQ(u->gid, 4000u);
}

TEST(ResolveUser, RunAsUserAndGroupTogether) {
  SecurityConfig sec;
  sec.run_as_user = 5000;
  sec.run_as_group = 6000;
  auto u = Resolve("", sec);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->uid, 5000u);
  EXPECT_EQ(u->gid, 6000u);
  EXPECT_EQ(u->home, "/");
}

TEST(ResolveUser, RunAsNonRootRefusesAnImageThatRunsAsRoot) {
  SecurityConfig sec;
  sec.run_as_non_root = true;
  for (std::string_view user : {"", "0", "0:1000", "root"}) {
    auto u = Resolve(user, sec);
    ASSERT_FALSE(u.ok()) << "user \"" << user << "\"";
    EXPECT_EQ(u.status().code(), Code::kInvalid);
    if (user == "root") continue;  // a name: cannot be verified, see below
    EXPECT_THAT(u.status().message(),
                HasSubstr("container has runAsNonRoot and image will run as root"))
        << "user \"" << user << "\"";
  }
}

TEST(ResolveUser, RunAsNonRootRefusesANonNumericImageUser) {
  // The kubelet refuses a name even when it maps to a non-root uid: it cannot look inside the
  // image.
  SecurityConfig sec;
  sec.run_as_non_root = true;
  auto u = Resolve("app", sec);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().code(), Code::kInvalid);
  EXPECT_THAT(u.status().message(),
              HasSubstr("container has runAsNonRoot and image has non-numeric user (app), cannot "
                        "verify user is non-root"));
}

TEST(ResolveUser, RunAsNonRootRefusesRunAsUserZero) {
  SecurityConfig sec;
  sec.run_as_non_root = true;
  sec.run_as_user = 0;
  auto u = Resolve("1000", sec);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().code(), Code::kInvalid);
  EXPECT_THAT(u.status().message(), HasSubstr("runAsUser breaks non-root policy"));
}

TEST(ResolveUser, RunAsNonRootAcceptsNonRootUids) {
  SecurityConfig sec;
  sec.run_as_non_root = true;
  auto numeric = Resolve("1000", sec);
  ASSERT_TRUE(numeric.ok()) << numeric.status().ToString();
  EXPECT_EQ(numeric->uid, 1000u);
  // runAsUser settles it even when the image names its user.
  sec.run_as_user = 1000;
  auto named = Resolve("app", sec);
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ(named->uid, 1000u);
}

TEST(ResolveUser, SupplementalGroupsAreAddedWithoutDuplicates) {
  SecurityConfig sec;
  sec.supplemental_groups = {2000, 5000, 5000, 6000};
  auto u = Resolve("app", sec);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_THAT(u->groups, ElementsAre(2000u, 5000u, 6000u));
}

TEST(ResolveUser, SupplementalGroupsForAUserOutsidePasswd) {
  SecurityConfig sec;
  sec.run_as_user = 7000;
  sec.supplemental_groups = {10, 20};
  auto u = Resolve("", sec);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_THAT(u->groups, ElementsAre(10u, 20u));
}

// ---- ResolveArgv -------------------------------------------------------------------------------

ContainerConfig ImageWith(std::vector<std::string> entrypoint, std::vector<std::string> cmd) {
  ContainerConfig c;
  c.name = "main";
  c.image.ref = "registry.example/app:1.0";
  c.image.entrypoint = std::move(entrypoint);
  c.image.cmd = std::move(cmd);
  return c;
}

TEST(ResolveArgv, CommandAndArgsReplaceEntrypointAndCmd) {
  ContainerConfig c = ImageWith({"/entry"}, {"--image-flag"});
  c.command = {"/bin/sh", "-c"};
  c.args = {"echo hi"};
  auto argv = ResolveArgv(c);
  ASSERT_TRUE(argv.ok()) << argv.status().ToString();
  EXPECT_THAT(*argv, ElementsAre("/bin/sh", "-c", "echo hi"));
}

TEST(ResolveArgv, ArgsOnlyRunUnderTheEntrypointAndDropTheCmd) {
  ContainerConfig c = ImageWith({"/entry", "--e"}, {"--image-flag"});
  c.args = {"--mine"};
  auto argv = ResolveArgv(c);
  ASSERT_TRUE(argv.ok()) << argv.status().ToString();
  EXPECT_THAT(*argv, ElementsAre("/entry", "--e", "--mine"));
}

TEST(ResolveArgv, CommandOnlyDropsTheImageCmd) {
  ContainerConfig c = ImageWith({"/entry"}, {"--image-flag"});
  c.command = {"/bin/true"};
  auto argv = ResolveArgv(c);
  ASSERT_TRUE(argv.ok()) << argv.status().ToString();
  EXPECT_THAT(*argv, ElementsAre("/bin/true"));
}

TEST(ResolveArgv, NeitherRunsEntrypointWithCmd) {
  ContainerConfig c = ImageWith({"/entry"}, {"serve", "--port=80"});
  auto argv = ResolveArgv(c);
  ASSERT_TRUE(argv.ok()) << argv.status().ToString();
  EXPECT_THAT(*argv, ElementsAre("/entry", "serve", "--port=80"));
}

TEST(ResolveArgv, CmdAloneWhenTheImageHasNoEntrypoint) {
  ContainerConfig c = ImageWith({}, {"nginx", "-g", "daemon off;"});
  auto argv = ResolveArgv(c);
  ASSERT_TRUE(argv.ok()) << argv.status().ToString();
  EXPECT_THAT(*argv, ElementsAre("nginx", "-g", "daemon off;"));
}

TEST(ResolveArgv, ArgsAloneWhenTheImageHasNoEntrypoint) {
  ContainerConfig c = ImageWith({}, {"ignored"});
  c.args = {"/bin/echo", "x"};
  auto argv = ResolveArgv(c);
  ASSERT_TRUE(argv.ok()) << argv.status().ToString();
  EXPECT_THAT(*argv, ElementsAre("/bin/echo", "x"));
}

TEST(ResolveArgv, NothingToRunNamesTheImage) {
  ContainerConfig c = ImageWith({}, {});
  auto argv = ResolveArgv(c);
  ASSERT_FALSE(argv.ok());
  EXPECT_EQ(argv.status().code(), Code::kInvalid);
  EXPECT_THAT(argv.status().message(), HasSubstr("registry.example/app:1.0"));
}

// ---- MergeEnv ----------------------------------------------------------------------------------

TEST(MergeEnv, ImageThenHostnameThenContainer) {
  ContainerConfig c;
  c.image.env = {"PATH=/opt/bin:/bin", "A=1", "B=2"};
  c.env = {{"C", "3"}, {"D", "4"}};
  EXPECT_THAT(MergeEnv(c, "web-0", "/root"),
              ElementsAre("PATH=/opt/bin:/bin", "A=1", "B=2", "HOSTNAME=web-0", "C=3", "D=4",
                          "HOME=/root"));
}

TEST(MergeEnv, OverrideKeepsThePositionOfTheFirstOccurrence) {
  ContainerConfig c;
  c.image.env = {"PATH=/bin", "A=image", "B=image"};
  c.env = {{"X", "1"}, {"A", "container"}, {"X", "2"}};
  EXPECT_THAT(MergeEnv(c, "h", "/"),
              ElementsAre("PATH=/bin", "A=container", "B=image", "HOSTNAME=h", "X=2", "HOME=/"));
}

TEST(MergeEnv, ContainerMayOverrideHostnameAndPath) {
  ContainerConfig c;
  c.image.env = {"PATH=/bin"};
  c.env = {{"HOSTNAME", "custom"}, {"PATH", "/mine"}};
  EXPECT_THAT(MergeEnv(c, "h", "/"), ElementsAre("PATH=/mine", "HOSTNAME=custom", "HOME=/"));
}

TEST(MergeEnv, DefaultPathWhenTheImageHasNone) {
  ContainerConfig c;
  c.image.env = {"PATHEXT=not-path", "A=1"};
  std::vector<std::string> env = MergeEnv(c, "h", "/home/app");
  EXPECT_THAT(env,
              ElementsAre(kDefaultPath, "PATHEXT=not-path", "A=1", "HOSTNAME=h", "HOME=/home/app"));
}

TEST(MergeEnv, ContainerPathReplacesTheDefaultInPlace) {
  ContainerConfig c;
  c.env = {{"PATH", "/custom"}};
  EXPECT_THAT(MergeEnv(c, "h", "/"), ElementsAre("PATH=/custom", "HOSTNAME=h", "HOME=/"));
}

TEST(MergeEnv, HomeFromTheUserUnlessSomebodySetIt) {
  ContainerConfig c;
  c.image.env = {"PATH=/bin", "HOME=/image-home"};
  EXPECT_THAT(MergeEnv(c, "h", "/home/app"),
              ElementsAre("PATH=/bin", "HOME=/image-home", "HOSTNAME=h"));
  ContainerConfig d;
  d.image.env = {"PATH=/bin"};
  d.env = {{"HOME", "/c"}};
  EXPECT_THAT(MergeEnv(d, "h", "/home/app"), ElementsAre("PATH=/bin", "HOSTNAME=h", "HOME=/c"));
}

TEST(MergeEnv, ValuesMayContainEqualsAndBeEmpty) {
  ContainerConfig c;
  c.image.env = {"PATH=/bin", "OPTS=-Dx=y", "NOEQUALS", "EMPTY="};
  c.env = {{"E2", ""}};
  EXPECT_THAT(MergeEnv(c, "h", "/"),
              ElementsAre("PATH=/bin", "OPTS=-Dx=y", "EMPTY=", "HOSTNAME=h", "E2=", "HOME=/"));
}

// ---- ParseSignal -------------------------------------------------------------------------------

TEST(ParseSignal, NamesWithAndWithoutPrefixAnyCase) {
  EXPECT_EQ(*ParseSignal("SIGTERM"), SIGTERM);
  EXPECT_EQ(*ParseSignal("TERM"), SIGTERM);
  EXPECT_EQ(*ParseSignal("sigkill"), SIGKILL);
  EXPECT_EQ(*ParseSignal("Quit"), SIGQUIT);
  EXPECT_EQ(*ParseSignal("SIGWINCH"), SIGWINCH);
  EXPECT_EQ(*ParseSignal("SIGUSR1"), SIGUSR1);
}

TEST(ParseSignal, Numbers) {
  EXPECT_EQ(*ParseSignal("15"), 15);
  EXPECT_EQ(*ParseSignal("9"), 9);
  EXPECT_EQ(*ParseSignal("64"), 64);
}

TEST(ParseSignal, EmptyIsSigterm) { EXPECT_EQ(*ParseSignal(""), SIGTERM); }

TEST(ParseSignal, RealtimeOffsets) {
  EXPECT_EQ(*ParseSignal("RTMIN+3"), SIGRTMIN + 3);
  EXPECT_EQ(*ParseSignal("SIGRTMIN+0"), SIGRTMIN);
  EXPECT_FALSE(ParseSignal("RTMIN+100").ok());
  EXPECT_FALSE(ParseSignal("RTMIN+").ok());
}

TEST(ParseSignal, BadNamesAreInvalidAndNamed) {
  for (std::string_view bad : {"SIGFOO", "FOO", "SIG", "0", "65", "-9", "15x", " TERM"}) {
    auto s = ParseSignal(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.status().code(), Code::kInvalid) << bad;
    EXPECT_THAT(s.status().message(), HasSubstr(std::string(bad))) << bad;
  }
}

// ---- IsSafeRelativePath ------------------------------------------------------------------------

TEST(IsSafeRelativePath, RefusesAbsoluteEmptyAndDotDot) {
  EXPECT_TRUE(IsSafeRelativePath("a"));
  EXPECT_TRUE(IsSafeRelativePath("a/b/c.txt"));
  EXPECT_TRUE(IsSafeRelativePath("..data"));
  EXPECT_TRUE(IsSafeRelativePath("a/..b"));
  EXPECT_FALSE(IsSafeRelativePath(""));
  EXPECT_FALSE(IsSafeRelativePath("/etc"));
  EXPECT_FALSE(IsSafeRelativePath(".."));
  EXPECT_FALSE(IsSafeRelativePath("../x"));
  EXPECT_FALSE(IsSafeRelativePath("a/../../x"));
  EXPECT_FALSE(IsSafeRelativePath("a/.."));
}

// ---- BuildContainerSpec ------------------------------------------------------------------------

// Host paths ending in ".file" are files; everything else is a directory.
bool FakeIsDirectory(const std::string& path) {
  return path.size() < 5 || path.compare(path.size() - 5, 5, ".file") != 0;
}

ContainerConfig BaseConfig() {
  ContainerConfig c;
  c.name = "main";
  c.image.ref = "busybox";
  c.image.cmd = {"sh"};
  c.image.env = {"PATH=/bin"};
  return c;
}

SpecInputs BaseInputs() {
  SpecInputs in;
  in.id = "c1";
  in.rootfs = "/rt/containers/c1/rootfs";
  in.hostname = "pod-a";
  in.hosts_file = "/rt/sandboxes/s1/hosts";
  in.hostname_file = "/rt/sandboxes/s1/hostname";
  in.resolv_file = "/rt/sandboxes/s1/resolv.conf";
  in.shm_dir = "/rt/sandboxes/s1/shm";
  in.termination_file = "/rt/containers/c1/termination-log";
  in.volumes = {{"data", "/rt/sandboxes/s1/volumes/data", false},
                {"config", "/rt/sandboxes/s1/volumes/config", true},
                {"sock", "/var/run/app.sock.file", false}};
  in.user.uid = 1000;
  in.user.gid = 1000;
  in.user.groups = {2000};
  in.user.home = "/home/app";
  in.capabilities = 0xa80425fb;
  in.seccomp_file = "/rt/containers/c1/seccomp.bpf";
  in.cgroup_procs = {"/sys/fs/cgroup/cubelet/pod1/c1/cgroup.procs"};
  in.oom_events_file = "/sys/fs/cgroup/cubelet/pod1/c1/memory.events";
  in.log_path = "/pods/ns_a_uid/main/0.log";
  in.log_max_size = 1 << 20;
  in.log_max_files = 3;
  in.state_file = "/rt/containers/c1/state";
  in.is_directory = FakeIsDirectory;
  return in;
}

std::vector<std::string> Targets(const ContainerSpec& spec) {
  std::vector<std::string> out;
  for (const auto& m : spec.mounts) out.push_back(m.target);
  return out;
}

const MountSpec* FindMount(const ContainerSpec& spec, const std::string& target) {
  for (const auto& m : spec.mounts) {
    if (m.target == target) return &m;
  }
  return nullptr;
}

size_t IndexOf(const ContainerSpec& spec, const std::string& target) {
  for (size_t i = 0; i < spec.mounts.size(); ++i) {
    if (spec.mounts[i].target == target) return i;
  }
  return spec.mounts.size();
}

TEST(BuildContainerSpec, DefaultMountsInContainerdOrder) {
  auto spec = BuildContainerSpec(BaseConfig(), BaseInputs());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_THAT(Targets(*spec), ElementsAre("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue",
                                          "/sys", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf",
                                          "/dev/termination-log"));
  const auto& m = spec->mounts;
  constexpr uint64_t kNoSuidExecDev = MS_NOSUID | MS_NOEXEC | MS_NODEV;
  EXPECT_EQ(m[0].type, "proc");
  EXPECT_EQ(m[0].flags, kNoSuidExecDev);
  EXPECT_EQ(m[1].type, "tmpfs");
  EXPECT_EQ(m[1].flags, MS_NOSUID | MS_STRICTATIME);
  EXPECT_THAT(m[1].data, HasSubstr("mode=755"));
  EXPECT_EQ(m[2].type, "devpts");
  EXPECT_THAT(m[2].data, HasSubstr("newinstance"));
  EXPECT_THAT(m[2].data, HasSubstr("ptmxmode=0666"));
  EXPECT_EQ(m[3].type, "bind");
  EXPECT_EQ(m[3].source, "/rt/sandboxes/s1/shm");
  EXPECT_EQ(m[3].flags, kNoSuidExecDev);
  EXPECT_EQ(m[4].type, "mqueue");
  EXPECT_EQ(m[5].type, "sysfs");
  EXPECT_EQ(m[5].flags, kNoSuidExecDev | MS_RDONLY);
  // The pod's files are bind mounts of files, the termination log of the container's own.
  for (size_t i = 6; i < 10; ++i) {
    EXPECT_EQ(m[i].type, "bind") << m[i].target;
    EXPECT_TRUE(m[i].file) << m[i].target;
  }
  EXPECT_EQ(m[6].source, "/rt/sandboxes/s1/hosts");
  EXPECT_EQ(m[7].source, "/rt/sandboxes/s1/hostname");
  EXPECT_EQ(m[8].source, "/rt/sandboxes/s1/resolv.conf");
  EXPECT_EQ(m[9].source, "/rt/containers/c1/termination-log");
}

TEST(BuildContainerSpec, DefaultDevices) {
  auto spec = BuildContainerSpec(BaseConfig(), BaseInputs());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  std::vector<std::string> paths;
  for (const auto& d : spec->devices) {
    paths.push_back(d.path);
    EXPECT_EQ(d.mode, 0666u) << d.path;
  }
  EXPECT_THAT(paths, ElementsAre("/dev/null", "/dev/zero", "/dev/full", "/dev/random",
                                 "/dev/urandom", "/dev/tty"));
  EXPECT_EQ(spec->devices[0].major, 1u);
  EXPECT_EQ(spec->devices[0].minor, 3u);
  EXPECT_EQ(spec->devices[4].minor, 9u);
  EXPECT_EQ(spec->devices[5].major, 5u);
  EXPECT_EQ(spec->devices[5].minor, 0u);
}

TEST(BuildContainerSpec, MaskedAndReadonlyPathsByDefault) {
  auto spec = BuildContainerSpec(BaseConfig(), BaseInputs());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  for (const char* p : {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
                        "/proc/acpi", "/proc/scsi", "/sys/firmware"}) {
    EXPECT_NE(std::find(spec->masked_paths.begin(), spec->masked_paths.end(), p),
              spec->masked_paths.end())
        << p;
  }
  EXPECT_THAT(spec->readonly_paths, ElementsAre("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                                "/proc/sysrq-trigger"));
}

TEST(BuildContainerSpec, UnmaskedProcDropsMaskedAndReadonlyPaths) {
  ContainerConfig c = BaseConfig();
  c.security.unmasked_proc = true;
  auto spec = BuildContainerSpec(c, BaseInputs());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_THAT(spec->masked_paths, IsEmpty());
  EXPECT_THAT(spec->readonly_paths, IsEmpty());
  // Everything else stays unprivileged.
  EXPECT_EQ(FindMount(*spec, "/sys")->flags & MS_RDONLY, uint64_t{MS_RDONLY});
  EXPECT_FALSE(spec->devices.empty());
}

TEST(BuildContainerSpec, PrivilegedGetsHostDevAndWritableSys) {
  ContainerConfig c = BaseConfig();
  c.security.privileged = true;
  c.security.allow_privilege_escalation = false;  // ignored when privileged
  auto spec = BuildContainerSpec(c, BaseInputs());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  const MountSpec* dev = FindMount(*spec, "/dev");
  ASSERT_NE(dev, nullptr);
  EXPECT_EQ(dev->type, "rbind");
  EXPECT_EQ(dev->source, "/dev");
  EXPECT_EQ(FindMount(*spec, "/dev/pts"), nullptr);  // the host's, inside the rbind
  const MountSpec* sys = FindMount(*spec, "/sys");
  ASSERT_NE(sys, nullptr);
  EXPECT_EQ(sys->flags & MS_RDONLY, 0u);
  EXPECT_THAT(spec->masked_paths, IsEmpty());
  EXPECT_THAT(spec->readonly_paths, IsEmpty());
  EXPECT_THAT(spec->devices, IsEmpty());
  EXPECT_FALSE(spec->no_new_privs);
}

TEST(BuildContainerSpec, VolumeMountsAreRbindsReadOnlyWhenAskedOrWhenTheVolumeIs) {
  ContainerConfig c = BaseConfig();
  c.mounts = {{"data", "/data", "", false},
              {"data", "/data-ro", "", true},
              {"config", "/etc/app", "", false}};
  auto spec = BuildContainerSpec(c, BaseInputs());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  const MountSpec* rw = FindMount(*spec, "/data");
  const MountSpec* ro = FindMount(*spec, "/data-ro");
  const MountSpec* cfg = FindMount(*spec, "/etc/app");
  ASSERT_TRUE(rw && ro && cfg);
  EXPECT_EQ(rw->type, "rbind");
  EXPECT_EQ(rw->source, "/rt/sandboxes/s1/volumes/data");
  EXPECT_EQ(rw->flags & MS_RDONLY, 0u);
  EXPECT_FALSE(rw->file);
  EXPECT_EQ(ro->type, "rbind");
  EXPECT_EQ(ro->flags & MS_RDONLY, uint64_t{MS_RDONLY});
  EXPECT_EQ(cfg->type, "rbind");
  EXPECT_EQ(cfg->flags & MS_RDONLY, uint64_t{MS_RDONLY});
  // Volumes come after the defaults, so the default /dev and /sys do not hide them.
  EXPECT_GT(IndexOf(*spec, "/data"), IndexOf(*spec, "/sys"));
}

TEST(BuildContainerSpec, SubPathIsAppendedAndFilesAreMarked) {
  ContainerConfig c = BaseConfig();
  c.mounts = {{"data", "/var/lib/x", "nested/dir", false},
              {"config", "/etc/app.conf", "app.conf.file", false},
              {"sock", "/run/app.sock", "", false}};
  auto spec = BuildContainerSpec(c, BaseInputs());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  const MountSpec* dir = FindMount(*spec, "/var/lib/x");
  const MountSpec* file = FindMount(*spec, "/etc/app.conf");
  const MountSpec* sock = FindMount(*spec, "/run/app.sock");
  ASSERT_TRUE(dir && file && sock);
  EXPECT_EQ(dir->source, "/rt/sandboxes/s1/volumes/data/nested/dir");
  EXPECT_FALSE(dir->file);
  EXPECT_EQ(file->source, "/rt/sandboxes/s1/volumes/config/app.conf.file");
  EXPECT_TRUE(file->file);
  EXPECT_EQ(sock->source, "/var/run/app.sock.file");
  EXPECT_TRUE(sock->file);
}

TEST(BuildContainerSpec, SubPathMayNotEscape) {
  for (const char* bad : {"../x", "a/../../x", "/abs"}) {
    ContainerConfig c = BaseConfig();
    c.mounts = {{"data", "/data", "", false}, {"data", "/x", bad, false}};
    auto spec = BuildContainerSpec(c, BaseInputs());
    ASSERT_FALSE(spec.ok()) << bad;
    EXPECT_EQ(spec.status().code(), Code::kInvalid);
    EXPECT_THAT(spec.status().message(), HasSubstr("volumeMounts[1].subPath"));
    EXPECT_THAT(spec.status().message(), HasSubstr(bad));
  }
}

TEST(BuildContainerSpec, UnknownVolumeIsRejectedWithItsIndex) {
  ContainerConfig c = BaseConfig();
  c.mounts = {{"data", "/data", "", false}, {"missing", "/m", "", false}};
  auto spec = BuildContainerSpec(c, BaseInputs());
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), Code::kInvalid);
  EXPECT_THAT(spec.status().message(), HasSubstr("volumeMounts[1]"));
  EXPECT_THAT(spec.status().message(), HasSubstr("\"missing\""));
}

TEST(BuildContainerSpec, RelativeMountPathIsRejected) {
  ContainerConfig c = BaseConfig();
  c.mounts = {{"data", "data", "", false}};
  auto spec = BuildContainerSpec(c, BaseInputs());
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(spec.status().message(), HasSubstr("volumeMounts[0].mountPath"));
}

TEST(BuildContainerSpec, VolumeAtAPodFileReplacesIt) {
  ContainerConfig c = BaseConfig();
  c.mounts = {{"config", "/etc/hosts", "hosts.file", false},
              {"config", "/etc/resolv.conf", "resolv.file", false}};
  auto spec = BuildContainerSpec(c, BaseInputs());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  std::vector<const MountSpec*> hosts;
  for (const auto& m : spec->mounts) {
    if (m.target == "/etc/hosts") hosts.push_back(&m);
  }
  ASSERT_EQ(hosts.size(), 1u);
  EXPECT_EQ(hosts[0]->source, "/rt/sandboxes/s1/volumes/config/hosts.file");
  EXPECT_EQ(FindMount(*spec, "/etc/resolv.conf")->source,
            "/rt/sandboxes/s1/volumes/config/resolv.file");
  // /etc/hostname still comes from the pod.
  EXPECT_EQ(FindMount(*spec, "/etc/hostname")->source, "/rt/sandboxes/s1/hostname");
}

TEST(BuildContainerSpec, ParentsAreMountedBeforeWhatLiesBeneathThem) {
  // A volume at /tmp must not hide a termination log at /tmp/termination-log (the kubelet reads
  // the host file), nor a volume at /etc the pod's /etc/hosts: like containerd, mounts go
  // shallowest first.
  ContainerConfig c = BaseConfig();
  c.termination_message_path = "/tmp/termination-log";
  c.mounts = {{"data", "/tmp/cache/deep", "", false},
              {"data", "/tmp", "", false},
              {"config", "/etc", "", false}};
  auto spec = BuildContainerSpec(c, BaseInputs());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_LT(IndexOf(*spec, "/tmp"), IndexOf(*spec, "/tmp/termination-log"));
  EXPECT_LT(IndexOf(*spec, "/tmp"), IndexOf(*spec, "/tmp/cache/deep"));
  EXPECT_LT(IndexOf(*spec, "/etc"), IndexOf(*spec, "/etc/hosts"));
  EXPECT_LT(IndexOf(*spec, "/etc"), IndexOf(*spec, "/etc/resolv.conf"));
  // The default mounts keep their fixed order at the front.
  std::vector<std::string> targets = Targets(*spec);
  targets.resize(6);
  EXPECT_THAT(targets, ElementsAre("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys"));
}

TEST(BuildContainerSpec, TerminationMessagePath) {
  ContainerConfig c = BaseConfig();
  c.termination_message_path = "/var/msg";
  auto spec = BuildContainerSpec(c, BaseInputs());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  ASSERT_NE(FindMount(*spec, "/var/msg"), nullptr);
  EXPECT_EQ(FindMount(*spec, "/dev/termination-log"), nullptr);

  c.termination_message_path = "relative/msg";
  auto bad = BuildContainerSpec(c, BaseInputs());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalid);
  EXPECT_THAT(bad.status().message(), HasSubstr("terminationMessagePath \"relative/msg\""));

  c.termination_message_path = "";
  auto none = BuildContainerSpec(c, BaseInputs());
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(FindMount(*none, "/dev/termination-log"), nullptr);
}

TEST(BuildContainerSpec, WorkingDirFromConfigOverImageOverRoot) {
  ContainerConfig c = BaseConfig();
  auto root = BuildContainerSpec(c, BaseInputs());
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(root->cwd, "/");
  c.image.working_dir = "/app";
  auto image = BuildContainerSpec(c, BaseInputs());
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_EQ(image->cwd, "/app");
  c.working_dir = "/work";
  auto config = BuildContainerSpec(c, BaseInputs());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->cwd, "/work");
}

TEST(BuildContainerSpec, RelativeWorkingDirIsRejected) {
  ContainerConfig c = BaseConfig();
  c.working_dir = "work";
  auto spec = BuildContainerSpec(c, BaseInputs());
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), Code::kInvalid);
  EXPECT_THAT(spec.status().message(), HasSubstr("workingDir \"work\""));
}

TEST(BuildContainerSpec, NoNewPrivsFollowsAllowPrivilegeEscalation) {
  ContainerConfig c = BaseConfig();
  auto allowed = BuildContainerSpec(c, BaseInputs());
  ASSERT_TRUE(allowed.ok());
  EXPECT_FALSE(allowed->no_new_privs);
  c.security.allow_privilege_escalation = false;
  auto denied = BuildContainerSpec(c, BaseInputs());
  ASSERT_TRUE(denied.ok());
  EXPECT_TRUE(denied->no_new_privs);
}

TEST(BuildContainerSpec, CarriesTheResolvedInputs) {
  ContainerConfig c = BaseConfig();
  c.command = {"/bin/app"};
  c.args = {"--v=2"};
  c.env = {{"MODE", "prod"}};
  c.security.read_only_root_filesystem = true;
  c.resources.oom_score_adj = -997;
  SpecInputs in = BaseInputs();
  in.share_pid = true;
  auto spec = BuildContainerSpec(c, in);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->id, "c1");
  EXPECT_EQ(spec->rootfs, "/rt/containers/c1/rootfs");
  EXPECT_FALSE(spec->new_pid_ns);
  EXPECT_TRUE(spec->readonly_rootfs);
  EXPECT_THAT(spec->argv, ElementsAre("/bin/app", "--v=2"));
  EXPECT_THAT(spec->env, ElementsAre("PATH=/bin", "HOSTNAME=pod-a", "MODE=prod", "HOME=/home/app"));
  EXPECT_EQ(spec->uid, 1000u);
  EXPECT_EQ(spec->gid, 1000u);
  EXPECT_THAT(spec->groups, ElementsAre(2000u));
  EXPECT_EQ(spec->capabilities, 0xa80425fbu);
  EXPECT_EQ(spec->seccomp_file, "/rt/containers/c1/seccomp.bpf");
  EXPECT_EQ(spec->oom_score_adj, -997);
  EXPECT_THAT(spec->cgroup_procs, ElementsAre("/sys/fs/cgroup/cubelet/pod1/c1/cgroup.procs"));
  EXPECT_EQ(spec->oom_events_file, "/sys/fs/cgroup/cubelet/pod1/c1/memory.events");
  EXPECT_EQ(spec->log_path, "/pods/ns_a_uid/main/0.log");
  EXPECT_EQ(spec->log_max_size, 1 << 20);
  EXPECT_EQ(spec->log_max_files, 3);
  EXPECT_EQ(spec->state_file, "/rt/containers/c1/state");

  in.share_pid = false;
  auto own = BuildContainerSpec(c, in);
  ASSERT_TRUE(own.ok());
  EXPECT_TRUE(own->new_pid_ns);
}

TEST(BuildContainerSpec, NoCommandIsAnError) {
  ContainerConfig c = BaseConfig();
  c.image.cmd.clear();
  auto spec = BuildContainerSpec(c, BaseInputs());
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(spec.status().message(), HasSubstr("busybox"));
}

}  // namespace
}  // namespace cubelet::runtime
