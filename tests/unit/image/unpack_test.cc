// The layer unpacker against tar/tar.gz/tar.zst fixtures built here with libarchive's writer.
// Cases that need root (ownership, device nodes, trusted.* xattrs) skip when not root.
#include "image/unpack.h"

#include <algorithm>
#include <archive_entry.h>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <sched.h>
#include <sstream>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "image/image.h"

namespace cubelet::image {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::HasSubstr;

constexpr time_t kMtime = 1704067200;  // 2024-01-01T00:00:00Z

// ---- fixtures: tar entries and archives ------------------------------------------------------

struct Ent {
  char type = 'f';  // f file, d dir, l symlink, h hard link, c char device, b block, p fifo
  std::string name;
  std::string data;  // file content, or the symlink / hard-link target
  mode_t mode = 0;   // 0: 0644 for files, 0755 for dirs
  int64_t uid = 0;
  int64_t gid = 0;
  time_t mtime = kMtime;
  std::vector<std::pair<std::string, std::string>> xattrs;
  dev_t rdev = 0;
};

Ent Make(char type, std::string name, std::string data, mode_t mode) {
  Ent e;
  e.type = type;
  e.name = std::move(name);
  e.data = std::move(data);
  e.mode = mode;
  return e;
}
Ent File(std::string name, std::string data = "", mode_t mode = 0644) {
  return Make('f', std::move(name), std::move(data), mode);
}
Ent Dir(std::string name, mode_t mode = 0755) { return Make('d', std::move(name), "", mode); }
Ent Sym(std::string name, std::string target) {
  return Make('l', std::move(name), std::move(target), 0777);
}
Ent Hard(std::string name, std::string target) {
  return Make('h', std::move(name), std::move(target), 0644);
}

la_ssize_t AppendToString(archive*, void* out, const void* buf, size_t n) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

void WriteEntry(archive* a, const Ent& e) {
  archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, e.name.c_str());
  archive_entry_set_uid(entry, e.uid);
  archive_entry_set_gid(entry, e.gid);
  archive_entry_set_mtime(entry, e.mtime, 0);
  for (const auto& [name, value] : e.xattrs) {
    archive_entry_xattr_add_entry(entry, name.c_str(), value.data(), value.size());
  }
  mode_t type = AE_IFREG;
  mode_t mode = e.mode != 0 ? e.mode : 0644;
  switch (e.type) {
    case 'd':
      type = AE_IFDIR;
      mode = e.mode != 0 ? e.mode : 0755;
      break;
    case 'l':
      type = AE_IFLNK;
      archive_entry_set_symlink(entry, e.data.c_str());
      break;
    case 'h':
      archive_entry_set_hardlink(entry, e.data.c_str());
      break;
    case 'c':
      type = AE_IFCHR;
      break;
    case 'b':
      type = AE_IFBLK;
      break;
    case 'p':
      type = AE_IFIFO;
      break;
    default:
      archive_entry_set_size(entry, static_cast<la_int64_t>(e.data.size()));
  }
  archive_entry_set_filetype(entry, type);
  archive_entry_set_perm(entry, mode);
  if (e.type == 'c' || e.type == 'b') archive_entry_set_rdev(entry, e.rdev);
  ASSERT_EQ(archive_write_header(a, entry), ARCHIVE_OK) << archive_error_string(a);
  if (e.type == 'f' && !e.data.empty()) {
    ASSERT_EQ(archive_write_data(a, e.data.data(), e.data.size()),
              static_cast<la_ssize_t>(e.data.size()));
  }
  archive_entry_free(entry);
}

// A PAX tar of `ents`, uncompressed (names written as given, "../" and "/" included).
std::string MakeTar(const std::vector<Ent>& ents) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_pax(a);
  archive_write_open(a, &out, nullptr, AppendToString, nullptr);
  for (const Ent& e : ents) WriteEntry(a, e);
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

enum class Codec { kPlain, kGzip, kZstd };

std::string Compress(const std::string& raw, Codec codec) {
  if (codec == Codec::kPlain) return raw;
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_raw(a);
  archive_write_set_bytes_in_last_block(a, 1);  // no zero padding after the compressed stream
  if (codec == Codec::kGzip) archive_write_add_filter_gzip(a);
  if (codec == Codec::kZstd) archive_write_add_filter_zstd(a);
  archive_write_open(a, &out, nullptr, AppendToString, nullptr);
  archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, "data");
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_size(entry, static_cast<la_int64_t>(raw.size()));
  archive_write_header(a, entry);
  archive_write_data(a, raw.data(), raw.size());
  archive_entry_free(entry);
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// ---- file-system helpers ---------------------------------------------------------------------

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary);
  out << data;
}

struct stat Lstat(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p << ": " << std::strerror(errno);
  return st;
}

bool Exists(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0;
}

std::string ReadLink(const fs::path& p) {
  std::error_code ec;
  return fs::read_symlink(p, ec).string();
}

std::string GetXattr(const fs::path& p, const char* name) {
  char buf[256];
  const ssize_t n = ::lgetxattr(p.c_str(), name, buf, sizeof(buf));
  return n < 0 ? std::string("<none>") : std::string(buf, static_cast<size_t>(n));
}

bool IsRoot() { return ::geteuid() == 0; }

// A fresh temp dir per test, removed afterwards (remove_all never follows symlinks).
class UnpackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "cubelet-unpack.XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    tmp_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(tmp_, ec);
  }

  // A new empty layer directory.
  fs::path NewDir(const std::string& name) {
    const fs::path p = tmp_ / name;
    fs::create_directories(p);
    return p;
  }

  fs::path WriteBlob(const std::string& bytes) {
    const fs::path p = tmp_ / fmt::format("blob{}", blobs_++);
    WriteFile(p, bytes);
    return p;
  }

  base::Result<UnpackResult> Unpack(const std::string& blob, const fs::path& dir,
                                    const std::vector<std::string>& lowers = {},
                                    UnpackOptions options = {}) {
    options.preserve_ownership = options.preserve_ownership && IsRoot();
    return UnpackLayer(WriteBlob(blob).string(), dir.string(), lowers, options);
  }

  // Unpacks `ents` as a plain tar into a new directory named `name`; fails the test on error.
  fs::path UnpackOk(const std::string& name, const std::vector<Ent>& ents,
                    const std::vector<std::string>& lowers = {}) {
    const fs::path dir = NewDir(name);
    auto result = Unpack(MakeTar(ents), dir, lowers);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return dir;
  }

  fs::path tmp_;
  int blobs_ = 0;
};

// ---- regular content -------------------------------------------------------------------------

TEST_F(UnpackTest, RegularTree) {
  const fs::path dir = NewDir("layer");
  Ent owned = File("data/owned", "o\n");
  owned.uid = 1234;
  owned.gid = 5678;
  Ent xattr = File("data/xattr.txt", "x\n");
  xattr.xattrs = {{"user.fixture", "hello"}};
  Ent old = File("data/old", "old\n");
  old.mtime = 1000000000;
  auto result = Unpack(MakeTar({
                           Dir("./data/"),
                           File("data/keep.txt", "keep\n"),
                           File("./data/exec", "#!/bin/sh\n", 0755),
                           File("data/setuid", "s\n", 04755),
                           File("data/setgid", "g\n", 02711),
                           Dir("data/sticky", 01777),
                           Sym("data/rel-link", "keep.txt"),
                           Sym("data/abs-link", "/data/keep.txt"),
                           Sym("data/dangling", "/nowhere"),
                           File("data/hardtarget", "hard\n"),
                           Hard("data/hardlink", "data/hardtarget"),
                           Hard("data/hardlink2", "./data/../data/hardtarget"),
                           owned,
                           xattr,
                           old,
                           File("implicit/parents/file", "deep\n"),
                       }),
                       dir);
  ASSERT_TRUE(result.ok()) << result.status().ToString();

  EXPECT_EQ(ReadFile(dir / "data/keep.txt"), "keep\n");
  EXPECT_EQ(Lstat(dir / "data/keep.txt").st_mode & 07777, 0644u);
  EXPECT_EQ(Lstat(dir / "data/exec").st_mode & 07777, 0755u);
  EXPECT_EQ(Lstat(dir / "data/setuid").st_mode & 07777, 04755u);
  EXPECT_EQ(Lstat(dir / "data/setgid").st_mode & 07777, 02711u);
  EXPECT_EQ(Lstat(dir / "data/sticky").st_mode & 07777, 01777u);
  EXPECT_TRUE(S_ISDIR(Lstat(dir / "data/sticky").st_mode));
  EXPECT_EQ(ReadLink(dir / "data/rel-link"), "keep.txt");
  EXPECT_EQ(ReadLink(dir / "data/abs-link"), "/data/keep.txt");
  EXPECT_EQ(ReadLink(dir / "data/dangling"), "/nowhere");
  EXPECT_EQ(Lstat(dir / "data/hardlink").st_ino, Lstat(dir / "data/hardtarget").st_ino);
  EXPECT_EQ(Lstat(dir / "data/hardlink2").st_ino, Lstat(dir / "data/hardtarget").st_ino);
  EXPECT_EQ(Lstat(dir / "data/hardtarget").st_nlink, 3u);
  EXPECT_EQ(ReadFile(dir / "data/hardlink"), "hard\n");
  EXPECT_EQ(ReadFile(dir / "implicit/parents/file"), "deep\n");
  EXPECT_EQ(Lstat(dir / "implicit/parents").st_mode & 07777, 0755u);
  EXPECT_EQ(Lstat(dir / "data/old").st_mtim.tv_sec, 1000000000);
  EXPECT_EQ(Lstat(dir / "data/keep.txt").st_mtim.tv_sec, kMtime);
  EXPECT_EQ(Lstat(dir / "data/rel-link").st_mtim.tv_sec, kMtime);
  // Set after the directory's children were created.
  EXPECT_EQ(Lstat(dir / "data").st_mtim.tv_sec, kMtime);
  if (IsRoot()) {
    EXPECT_EQ(Lstat(dir / "data/owned").st_uid, 1234u);
    EXPECT_EQ(Lstat(dir / "data/owned").st_gid, 5678u);
  }
  const std::string got = GetXattr(dir / "data/xattr.txt", "user.fixture");
  if (got == "<none>") {
    EXPECT_THAT(result->warnings, Contains(HasSubstr("user.fixture")));
  } else {
    EXPECT_EQ(got, "hello");
  }
}

TEST_F(UnpackTest, SetuidAndCapabilitySurviveChown) {
  if (!IsRoot()) GTEST_SKIP() << "needs root for chown and security.capability";
  // struct vfs_cap_data, revision 2, effective, permitted = CAP_NET_BIND_SERVICE.
  const std::string cap(
      "\x01\x00\x00\x02\x00\x04\x00\x00\x00\x00\x00\x00"
      "\x00\x00\x00\x00\x00\x00\x00\x00",
      20);
  Ent bin = File("bin/ping", "elf", 04755);
  bin.uid = 1000;
  bin.gid = 1000;
  bin.xattrs = {{"security.capability", cap}};
  const fs::path dir = UnpackOk("layer", {bin});
  const struct stat st = Lstat(dir / "bin/ping");
  EXPECT_EQ(st.st_mode & 07777, 04755u);
  EXPECT_EQ(st.st_uid, 1000u);
  char buf[64];
  const ssize_t n = ::lgetxattr((dir / "bin/ping").c_str(), "security.capability", buf, 64);
  ASSERT_EQ(n, 20);
  EXPECT_EQ(std::string(buf, 20), cap);
}

TEST_F(UnpackTest, ReservedAndUnknownXattrsAreSkippedWithWarnings) {
  Ent f = File("f", "x");
  f.xattrs = {{"trusted.overlay.redirect", "/etc"}, {"security.selinux", "x"}};
  const fs::path dir = NewDir("layer");
  auto result = Unpack(MakeTar({f}), dir);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(GetXattr(dir / "f", "trusted.overlay.redirect"), "<none>");
  EXPECT_THAT(result->warnings, Contains(HasSubstr("trusted.overlay.redirect")));
  EXPECT_THAT(result->warnings, Contains(HasSubstr("security.selinux")));
}

TEST_F(UnpackTest, DevicesAndFifos) {
  Ent chr = Make('c', "dev/null", "", 0666);
  chr.rdev = makedev(1, 3);
  const Ent fifo = Make('p', "run/fifo", "", 0600);
  {
    const fs::path dir = NewDir("unprivileged");
    auto result = Unpack(MakeTar({chr, Hard("dev/null2", "dev/null"), fifo}), dir, {},
                         {.preserve_ownership = false});
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_FALSE(Exists(dir / "dev/null"));
    EXPECT_FALSE(Exists(dir / "dev/null2"));
    EXPECT_THAT(result->warnings, Contains(HasSubstr("dev/null")));
    EXPECT_TRUE(S_ISFIFO(Lstat(dir / "run/fifo").st_mode));
  }
  if (!IsRoot()) GTEST_SKIP() << "device nodes need root";
  const fs::path dir = UnpackOk("privileged", {chr, fifo});
  const struct stat st = Lstat(dir / "dev/null");
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
  EXPECT_EQ(st.st_mode & 07777, 0666u);
}

TEST_F(UnpackTest, ReadOnlyDirectoriesGetTheirModeLast) {
  const fs::path dir = UnpackOk("layer", {Dir("ro", 0555), File("ro/f", "x"), Dir("ro/sub", 0500),
                                          File("ro/sub/g", "y"), Dir("./", 0700)});
  EXPECT_EQ(Lstat(dir / "ro").st_mode & 07777, 0555u);
  EXPECT_EQ(Lstat(dir / "ro/sub").st_mode & 07777, 0500u);
  EXPECT_EQ(Lstat(dir / "ro").st_mtim.tv_sec, kMtime);
  EXPECT_EQ(Lstat(dir).st_mode & 07777, 0700u);  // "./" applies to the layer root
  EXPECT_EQ(ReadFile(dir / "ro/sub/g"), "y");
  fs::permissions(dir / "ro/sub", fs::perms::owner_all);  // let TearDown remove it
  fs::permissions(dir / "ro", fs::perms::owner_all);
}

TEST_F(UnpackTest, ReplacesFileWithDirAndDirWithFile) {
  const fs::path dir = UnpackOk("layer", {
                                             File("file-becomes-dir", "was a file\n"),
                                             Dir("file-becomes-dir"),
                                             File("file-becomes-dir/inner.txt", "inner\n"),
                                             Dir("dir-becomes-file"),
                                             Dir("dir-becomes-file/sub", 0700),
                                             File("dir-becomes-file/sub/child", "c\n"),
                                             File("dir-becomes-file", "now a file\n"),
                                             Sym("link-becomes-file", "/etc/passwd"),
                                             File("link-becomes-file", "file\n"),
                                             Dir("dir-stays", 0700),
                                             File("dir-stays/child", "kept\n"),
                                             Dir("dir-stays", 0750),
                                             File("same", "one\n"),
                                             File("same", "two\n"),
                                         });
  EXPECT_TRUE(S_ISDIR(Lstat(dir / "file-becomes-dir").st_mode));
  EXPECT_EQ(ReadFile(dir / "file-becomes-dir/inner.txt"), "inner\n");
  EXPECT_TRUE(S_ISREG(Lstat(dir / "dir-becomes-file").st_mode));
  EXPECT_EQ(ReadFile(dir / "dir-becomes-file"), "now a file\n");
  EXPECT_TRUE(S_ISREG(Lstat(dir / "link-becomes-file").st_mode));
  EXPECT_EQ(ReadFile(dir / "dir-stays/child"), "kept\n");
  EXPECT_EQ(Lstat(dir / "dir-stays").st_mode & 07777, 0750u);
  EXPECT_EQ(ReadFile(dir / "same"), "two\n");
}

// ---- compression and diff_id -----------------------------------------------------------------

std::vector<Ent> SomeEntries() {
  std::vector<Ent> ents = {Dir("etc"), File("etc/hostname", "cubelet\n")};
  std::string big;
  for (int i = 0; i < 20000; ++i) big += fmt::format("line {}\n", i);
  ents.push_back(File("big.txt", big));
  return ents;
}

TEST_F(UnpackTest, DiffIdIsTheSha256OfTheTarForEveryCompression) {
  const std::string tar = MakeTar(SomeEntries());
  const std::string want = Sha256Digest(tar);
  for (Codec codec : {Codec::kPlain, Codec::kGzip, Codec::kZstd}) {
    SCOPED_TRACE(static_cast<int>(codec));
    const fs::path dir = NewDir(fmt::format("layer{}", static_cast<int>(codec)));
    const std::string blob = Compress(tar, codec);
    if (codec != Codec::kPlain) {
      EXPECT_NE(blob, tar);
    }
    auto result = Unpack(blob, dir);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->diff_id, want);
    EXPECT_EQ(result->uncompressed_size, static_cast<int64_t>(tar.size()));
    EXPECT_EQ(ReadFile(dir / "etc/hostname"), "cubelet\n");
    EXPECT_EQ(ReadFile(dir / "big.txt"), SomeEntries()[2].data);
  }
}

TEST_F(UnpackTest, MultiMemberGzipAndMultiFrameZstd) {
  const std::string tar = MakeTar(SomeEntries());
  const std::string a = tar.substr(0, 3000);
  const std::string b = tar.substr(3000);
  // A skippable zstd frame (as zstd:chunked appends) between the two data frames.
  const std::string skippable("\x50\x2a\x4d\x18\x04\x00\x00\x00skip", 12);
  for (const std::string& blob :
       {Compress(a, Codec::kGzip) + Compress(b, Codec::kGzip),
        Compress(a, Codec::kZstd) + skippable + Compress(b, Codec::kZstd)}) {
    const fs::path dir = NewDir(fmt::format("layer{}", blobs_));
    auto result = Unpack(blob, dir);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->diff_id, Sha256Digest(tar));
    EXPECT_EQ(ReadFile(dir / "etc/hostname"), "cubelet\n");
  }
}

TEST_F(UnpackTest, BytesAfterTheEndOfArchiveAreHashed) {
  const std::string tar = MakeTar({File("f", "x")}) + std::string(4096, '\0') + "trailing";
  auto result = Unpack(Compress(tar, Codec::kGzip), NewDir("layer"));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->diff_id, Sha256Digest(tar));
  EXPECT_EQ(result->uncompressed_size, static_cast<int64_t>(tar.size()));
}

TEST_F(UnpackTest, EmptyTarIsAnEmptyLayer) {
  const std::string tar = MakeTar({});
  const fs::path dir = NewDir("layer");
  auto result = Unpack(Compress(tar, Codec::kGzip), dir);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->diff_id, Sha256Digest(tar));
  EXPECT_TRUE(fs::is_empty(dir));
}

// libarchive 3.6 does not check the gzip trailer (CRC32, ISIZE): a blob cut inside the trailer
// or with a wrong CRC but intact deflate data unpacks; the layer digest and the diff_id the
// caller compares with the image config are what catch such blobs.
TEST_F(UnpackTest, CorruptOrTruncatedBlobsFail) {
  const std::string tar = MakeTar(SomeEntries());
  const std::string gz = Compress(tar, Codec::kGzip);
  const std::string zst = Compress(tar, Codec::kZstd);
  std::string flipped = gz;
  flipped[gz.size() / 2] ^= 0x55;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"truncated gzip", gz.substr(0, gz.size() / 2)},
      {"corrupt gzip", flipped},
      {"gzip header only", gz.substr(0, 10)},
      {"truncated zstd", zst.substr(0, zst.size() / 2)},
      {"truncated tar", tar.substr(0, 1000)},
      {"not a tar", std::string(2000, 'x')},
  };
  for (const auto& [what, blob] : cases) {
    SCOPED_TRACE(what);
    auto result = Unpack(blob, NewDir(fmt::format("layer{}", blobs_)));
    EXPECT_FALSE(result.ok());
    if (!result.ok()) {
      EXPECT_FALSE(result.status().message().empty());
    }
  }
}

TEST_F(UnpackTest, MissingBlobOrDirFails) {
  auto missing = UnpackLayer((tmp_ / "nope").string(), NewDir("layer").string(), {}, {});
  EXPECT_EQ(missing.status().code(), base::Code::kNotFound);
  auto no_dir = UnpackLayer(WriteBlob(MakeTar({})).string(), (tmp_ / "nodir").string(), {}, {});
  EXPECT_EQ(no_dir.status().code(), base::Code::kNotFound);
}

TEST_F(UnpackTest, TwoThousandSmallFiles) {
  std::vector<Ent> ents;
  for (int d = 0; d < 20; ++d) {
    ents.push_back(Dir(fmt::format("d{}", d)));
    for (int f = 0; f < 100; ++f) {
      ents.push_back(File(fmt::format("d{}/f{}", d, f), fmt::format("{}-{}\n", d, f)));
    }
  }
  const fs::path dir = NewDir("layer");
  auto result = Unpack(Compress(MakeTar(ents), Codec::kGzip), dir);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) files += entry.is_regular_file();
  EXPECT_EQ(files, 2000u);
  EXPECT_EQ(ReadFile(dir / "d19/f99"), "19-99\n");
}

size_t OpenFds() {
  return static_cast<size_t>(std::distance(fs::directory_iterator("/proc/self/fd"), {}));
}

TEST_F(UnpackTest, NoFileDescriptorLeaksOnSuccessOrFailure) {
  const fs::path lower = UnpackOk("lower", {File("f", "x")});
  const size_t before = OpenFds();
  UnpackOk("ok", {Dir("a"), File("a/b", "x"), Hard("c", "f"), Sym("s", "a"), File("s/d", "y")},
           {lower.string()});
  EXPECT_FALSE(Unpack(MakeTar({File("a", "x"), File("a/b", "y")}), NewDir("fail1")).ok());
  EXPECT_FALSE(
      Unpack(Compress(MakeTar(SomeEntries()), Codec::kGzip).substr(0, 500), NewDir("fail2")).ok());
  EXPECT_EQ(OpenFds(), before);
}

// ---- whiteouts and opaque directories --------------------------------------------------------

bool IsWhiteout(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

TEST_F(UnpackTest, WhiteoutBecomesCharDevice00) {
  const fs::path dir = UnpackOk("layer", {
                                             Dir("data"),
                                             File("data/.wh.remove-me.txt"),
                                             File("data/.wh.dir-to-remove"),
                                             File("missing-parent/.wh.x"),
                                         });
  EXPECT_TRUE(IsWhiteout(dir / "data/remove-me.txt"));
  EXPECT_TRUE(IsWhiteout(dir / "data/dir-to-remove"));
  EXPECT_TRUE(IsWhiteout(dir / "missing-parent/x"));
  EXPECT_FALSE(Exists(dir / "data/.wh.remove-me.txt"));
}

TEST_F(UnpackTest, OpaqueMarkerBecomesXattrInEitherOrder) {
  if (!IsRoot()) GTEST_SKIP() << "trusted.* xattrs need root";
  const fs::path dir = UnpackOk("layer", {
                                             Dir("opaque"),
                                             File("opaque/.wh..wh..opq"),
                                             File("opaque/new.txt", "new\n"),
                                             Dir("opaque-late"),
                                             File("opaque-late/new.txt", "new\n"),
                                             File("opaque-late/.wh..wh..opq"),
                                             File("implicit/.wh..wh..opq"),
                                             Dir("plain"),
                                         });
  EXPECT_EQ(GetXattr(dir / "opaque", "trusted.overlay.opaque"), "y");
  EXPECT_EQ(GetXattr(dir / "opaque-late", "trusted.overlay.opaque"), "y");
  EXPECT_EQ(GetXattr(dir / "implicit", "trusted.overlay.opaque"), "y");
  EXPECT_EQ(GetXattr(dir / "plain", "trusted.overlay.opaque"), "<none>");
  EXPECT_FALSE(Exists(dir / "opaque/.wh..wh..opq"));
  EXPECT_FALSE(Exists(dir / "opaque-late/.wh..wh..opq"));
  EXPECT_EQ(ReadFile(dir / "opaque-late/new.txt"), "new\n");
}

TEST_F(UnpackTest, SameLayerWhiteoutKeepsTheEntryInBothOrders) {
  const fs::path dir = UnpackOk("layer", {
                                             File("entry-first", "same\n"),
                                             File(".wh.entry-first"),
                                             File(".wh.whiteout-first"),
                                             File("whiteout-first", "same\n"),
                                             File("data/.wh.never-existed"),
                                         });
  EXPECT_EQ(ReadFile(dir / "entry-first"), "same\n");
  EXPECT_EQ(ReadFile(dir / "whiteout-first"), "same\n");
  EXPECT_TRUE(IsWhiteout(dir / "data/never-existed"));
}

TEST_F(UnpackTest, SameLayerWhiteoutOfADirectoryMakesItOpaque) {
  if (!IsRoot()) GTEST_SKIP() << "trusted.* xattrs need root";
  const fs::path dir = UnpackOk("layer", {
                                             Dir("entry-first"),
                                             File("entry-first/f", "1"),
                                             File(".wh.entry-first"),
                                             File(".wh.whiteout-first"),
                                             Dir("whiteout-first"),
                                         });
  EXPECT_EQ(ReadFile(dir / "entry-first/f"), "1");
  EXPECT_EQ(GetXattr(dir / "entry-first", "trusted.overlay.opaque"), "y");
  EXPECT_TRUE(S_ISDIR(Lstat(dir / "whiteout-first").st_mode));
  EXPECT_EQ(GetXattr(dir / "whiteout-first", "trusted.overlay.opaque"), "y");
}

TEST_F(UnpackTest, InvalidWhiteoutsAreRefused) {
  for (const char* name : {".wh.", "a/.wh..", ".wh..wh..opq", "a/.wh.b/c"}) {
    SCOPED_TRACE(name);
    auto result = Unpack(MakeTar({File(name)}), NewDir(fmt::format("layer{}", blobs_)));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), base::Code::kInvalid);
    EXPECT_THAT(result.status().message(), HasSubstr(name));
  }
}

TEST_F(UnpackTest, AufsMetadataIsSkipped) {
  const fs::path dir = NewDir("layer");
  auto result = Unpack(MakeTar({Dir(".wh..wh.plnk"), File(".wh..wh.plnk/123.4", ""),
                                File(".wh..wh.aufs"), File("kept", "k")}),
                       dir);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_FALSE(Exists(dir / ".wh..wh.plnk"));
  EXPECT_FALSE(Exists(dir / ".wh..wh.aufs"));
  EXPECT_EQ(ReadFile(dir / "kept"), "k");
  EXPECT_THAT(result->warnings, Contains(HasSubstr("aufs")));
}

// "path type [content or target]" for every node of a tree, sorted.
std::vector<std::string> Listing(const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string rel = entry.path().lexically_relative(root).string();
    const struct stat st = Lstat(entry.path());
    if (S_ISDIR(st.st_mode)) {
      out.push_back(rel + " d");
    } else if (S_ISLNK(st.st_mode)) {
      out.push_back(rel + " l " + ReadLink(entry.path()));
    } else if (S_ISREG(st.st_mode)) {
      std::string data = ReadFile(entry.path());
      if (data.ends_with('\n')) data.pop_back();
      out.push_back(rel + " f " + data);
    } else {
      out.push_back(rel + " other");
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The "whiteout" image of registry-examples/mkoci.py (without its busybox layer), stacked with
// overlayfs as the layer store will stack it: the merged view must be its EXPECTED.txt.
TEST_F(UnpackTest, OverlayMergeOfTheWhiteoutFixture) {
  if (!IsRoot()) GTEST_SKIP() << "mounting overlayfs needs root";
  const fs::path base = UnpackOk("base", {Dir("data"),
                                          File("data/keep.txt", "keep\n"),
                                          File("data/changed.txt", "old\n"),
                                          File("data/remove-me.txt", "remove\n"),
                                          Dir("data/dir-to-remove"),
                                          File("data/dir-to-remove/a.txt", "a\n"),
                                          Dir("opaque"),
                                          File("opaque/old1", "1\n"),
                                          File("opaque/old2", "2\n"),
                                          Dir("opaque/sub"),
                                          File("opaque/sub/old3", "3\n"),
                                          File("file-becomes-dir", "was a file\n"),
                                          Dir("dir-becomes-file"),
                                          File("dir-becomes-file/child", "child\n"),
                                          Dir("opaque-late"),
                                          File("opaque-late/old", "old\n"),
                                          Dir("opaque-late/olddir"),
                                          File("opaque-late/olddir/x", "x\n"),
                                          Dir("recreated"),
                                          File("recreated/old", "o\n")});
  const fs::path top = UnpackOk("top",
                                {Dir("data"),
                                 File("data/changed.txt", "new\n"),
                                 File("data/.wh.remove-me.txt"),
                                 File("data/.wh.dir-to-remove"),
                                 Dir("opaque"),
                                 File("opaque/.wh..wh..opq"),
                                 File("opaque/new.txt", "new\n"),
                                 Dir("file-becomes-dir"),
                                 File("file-becomes-dir/inner.txt", "inner\n"),
                                 File("dir-becomes-file", "now a file\n"),
                                 File("data/hardtarget", "hard\n"),
                                 Hard("data/hardlink", "data/hardtarget"),
                                 Hard("data/keep-copy", "data/keep.txt"),
                                 Sym("data/rel-link", "keep.txt"),
                                 Sym("data/abs-link", "/data/keep.txt"),
                                 Dir("opaque-late"),
                                 File("opaque-late/new.txt", "new\n"),
                                 File("opaque-late/.wh..wh..opq"),
                                 File("data/same-layer.txt", "same\n"),
                                 File("data/.wh.same-layer.txt"),
                                 File("data/.wh.never-existed"),
                                 File(".wh.recreated"),
                                 Dir("recreated"),
                                 File("recreated/new", "n\n")},
                                {base.string()});
  const fs::path merged = NewDir("merged");
  const fs::path listing = tmp_ / "listing";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {  // a private mount namespace, so nothing leaks if the test dies
    if (::unshare(CLONE_NEWNS) != 0 ||
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      ::_exit(77);
    }
    const std::string opts = "lowerdir=" + top.string() + ":" + base.string();
    if (::mount("overlay", merged.c_str(), "overlay", MS_RDONLY, opts.c_str()) != 0) ::_exit(77);
    std::ofstream out(listing);
    for (const std::string& line : Listing(merged)) out << line << "\n";
    out.close();
    ::_exit(0);
  }
  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFEXITED(wstatus));
  if (WEXITSTATUS(wstatus) == 77) GTEST_SKIP() << "cannot mount overlayfs here";
  ASSERT_EQ(WEXITSTATUS(wstatus), 0);
  std::vector<std::string> got;
  std::istringstream in(ReadFile(listing));
  for (std::string line; std::getline(in, line);) got.push_back(line);
  EXPECT_THAT(got, ::testing::ElementsAre(
                       "data d", "data/abs-link l /data/keep.txt", "data/changed.txt f new",
                       "data/hardlink f hard", "data/hardtarget f hard", "data/keep-copy f keep",
                       "data/keep.txt f keep", "data/rel-link l keep.txt",
                       "data/same-layer.txt f same", "dir-becomes-file f now a file",
                       "file-becomes-dir d", "file-becomes-dir/inner.txt f inner", "opaque d",
                       "opaque-late d", "opaque-late/new.txt f new", "opaque/new.txt f new",
                       "recreated d", "recreated/new f n"));
}

// ---- hard links into lower layers ------------------------------------------------------------

TEST_F(UnpackTest, HardLinkIntoALowerLayerIsCopied) {
  Ent target = File("data/target", "lower content\n", 04750);
  target.mtime = 1000000000;
  const fs::path lower = UnpackOk("lower", {Dir("data"), target, Sym("data/sym", "target")});
  const struct stat before = Lstat(lower / "data/target");
  const fs::path upper =
      UnpackOk("upper",
               {Hard("data/copy", "data/target"), Hard("copy-of-sym", "/data/sym"),
                File("local", "l"), Hard("local-link", "local")},
               {lower.string()});
  const struct stat copy = Lstat(upper / "data/copy");
  EXPECT_NE(copy.st_ino, before.st_ino);
  EXPECT_EQ(ReadFile(upper / "data/copy"), "lower content\n");
  EXPECT_EQ(copy.st_mode & 07777, 04750u);
  EXPECT_EQ(copy.st_mtim.tv_sec, 1000000000);
  EXPECT_EQ(ReadLink(upper / "copy-of-sym"), "target");
  EXPECT_EQ(Lstat(upper / "local-link").st_ino, Lstat(upper / "local").st_ino);
  // The lower layer is untouched.
  const struct stat after = Lstat(lower / "data/target");
  EXPECT_EQ(after.st_ino, before.st_ino);
  EXPECT_EQ(after.st_nlink, 1u);
  EXPECT_EQ(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
}

TEST_F(UnpackTest, HardLinkLookupHonoursWhiteoutsOpaqueDirsAndSymlinksOfLowers) {
  const fs::path bottom =
      UnpackOk("bottom", {File("gone", "1"), Dir("opq"), File("opq/old", "2"),
                          File("top-wins", "bottom"), Dir("real"), File("real/f", "via symlink")});
  std::vector<Ent> middle_ents = {File(".wh.gone"), File("top-wins", "middle"),
                                  Sym("link", "../../real")};
  if (IsRoot()) middle_ents.push_back(File("opq/.wh..wh..opq"));
  const fs::path middle = UnpackOk("middle", middle_ents, {bottom.string()});
  const std::vector<std::string> lowers = {middle.string(), bottom.string()};

  const fs::path upper = UnpackOk("upper", {Hard("a", "top-wins"), Hard("b", "link/f")}, lowers);
  EXPECT_EQ(ReadFile(upper / "a"), "middle");
  EXPECT_EQ(ReadFile(upper / "b"), "via symlink");

  auto gone = Unpack(MakeTar({Hard("x", "gone")}), NewDir("u2"), lowers);
  EXPECT_EQ(gone.status().code(), base::Code::kNotFound);
  EXPECT_THAT(gone.status().message(), HasSubstr("x: hard link target gone not found"));
  if (IsRoot()) {
    auto hidden = Unpack(MakeTar({Hard("x", "opq/old")}), NewDir("u3"), lowers);
    EXPECT_EQ(hidden.status().code(), base::Code::kNotFound);
  }
}

TEST_F(UnpackTest, HardLinkToADirectoryOrNothingFails) {
  auto to_dir = Unpack(MakeTar({Dir("d"), Hard("x", "d")}), NewDir("l1"));
  EXPECT_EQ(to_dir.status().code(), base::Code::kInvalid);
  EXPECT_THAT(to_dir.status().message(), HasSubstr("x: hard link target d is a directory"));
  auto to_root = Unpack(MakeTar({Hard("x", "../")}), NewDir("l2"));
  EXPECT_FALSE(to_root.ok());
  auto missing = Unpack(MakeTar({Hard("x", "nothing")}), NewDir("l3"));
  EXPECT_EQ(missing.status().code(), base::Code::kNotFound);
}

TEST_F(UnpackTest, HardLinkToASymlinkLinksTheSymlink) {
  const fs::path dir = UnpackOk("layer", {File("f", "x"), Sym("s", "f"), Hard("h", "s")});
  EXPECT_EQ(ReadLink(dir / "h"), "f");
  EXPECT_EQ(Lstat(dir / "h").st_ino, Lstat(dir / "s").st_ino);
}

// ---- hostile layers --------------------------------------------------------------------------

// Names, types, sizes, modes, mtimes and link counts of a tree, without following symlinks.
std::map<std::string, std::string> Snapshot(const fs::path& root, const fs::path& exclude) {
  std::map<std::string, std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    if (it->path() == exclude) {
      it.disable_recursion_pending();
      continue;
    }
    struct stat st {};
    ::lstat(it->path().c_str(), &st);
    out[it->path().string()] =
        fmt::format("{:o} {} {}.{} {} {}", st.st_mode, st.st_size, st.st_mtim.tv_sec,
                    st.st_mtim.tv_nsec, st.st_nlink, ReadLink(it->path()));
  }
  return out;
}

// Host paths a naive unpacker would touch.
std::map<std::string, std::string> HostSnapshot() {
  std::map<std::string, std::string> out;
  for (const char* p : {"/etc/passwd", "/etc/x", "/abs", "/pwned", "/escape", "/b", "/x",
                        "/tmp/pwned", "/tmp/f", "/outside"}) {
    struct stat st {};
    out[p] = ::lstat(p, &st) != 0
                 ? "absent"
                 : fmt::format("{:o} {} {}.{} {} {}", st.st_mode, st.st_size, st.st_mtim.tv_sec,
                               st.st_mtim.tv_nsec, st.st_nlink, st.st_ctim.tv_sec);
  }
  return out;
}

struct HostileCase {
  std::string what;
  std::vector<Ent> ents;
  bool ok;  // the documented policy: clamp (ok) or refuse
  std::function<void(const fs::path& layer)> check;
};

std::vector<HostileCase> HostileCases() {
  auto content = [](std::string rel, std::string want) {
    return [rel, want](const fs::path& layer) { EXPECT_EQ(ReadFile(layer / rel), want) << rel; };
  };
  auto nothing = [](const fs::path&) {};
  Ent etc_passwd = File("etc/passwd", "root:x:0:0::/root:/bin/sh\n");
  return {
      {"leading ../", {File("../escape", "e")}, true, content("escape", "e")},
      {"../../etc/x", {File("../../etc/x", "e")}, true, content("etc/x", "e")},
      {"absolute name", {File("/abs/x", "e")}, true, content("abs/x", "e")},
      {"a/../../b", {Dir("a"), File("a/../../b", "e")}, true, content("b", "e")},
      {"symlink to / then write through it",
       {Sym("link", "/"), File("link/pwned", "p")},
       true,
       [](const fs::path& layer) {
         EXPECT_EQ(ReadFile(layer / "pwned"), "p");
         EXPECT_EQ(ReadLink(layer / "link"), "/");
       }},
      {"symlink climbing out then write through it",
       {Sym("link", "../../.."), File("link/pwned", "p")},
       true,
       content("pwned", "p")},
      {"absolute symlink to a dir then write through it",
       {Dir("tmp"), Sym("abslink", "/tmp"), File("abslink/f", "a")},
       true,
       content("tmp/f", "a")},
      {"chain of two symlinks",
       {Dir("real"), Sym("l2", "../../../real"), Sym("l1", "/l2"), File("l1/pwned", "p")},
       true,
       content("real/pwned", "p")},
      {"chain of symlinks climbing to the root",
       {Sym("l2", "../../../.."), Sym("l1", "l2/.."), File("l1/pwned", "p")},
       true,
       content("pwned", "p")},
      {"symlinked parent dir pointing outside (dangling inside)",
       {Sym("d", "../../../outside"), File("d/f", "e")},
       false,
       nothing},
      {"symlinked parent dir pointing at a host dir (dangling inside)",
       {Sym("d", "/tmp"), File("d/pwned", "e")},
       false,
       nothing},
      {"symlinked parent dir, deeper",
       {Dir("a"), Sym("a/up", "../.."), Dir("a/up/sub"), File("a/up/sub/f", "x")},
       true,
       content("sub/f", "x")},
      {"file replaces a symlink to a host file",
       {Sym("s", "/etc/passwd"), File("s", "mine")},
       true,
       [](const fs::path& layer) {
         EXPECT_TRUE(S_ISREG(Lstat(layer / "s").st_mode));
         EXPECT_EQ(ReadFile(layer / "s"), "mine");
       }},
      {"dir replaces a symlink pointing outside",
       {Sym("s", "../../outside"), Dir("s"), File("s/f", "x")},
       true,
       content("s/f", "x")},
      {"hard link ../../../etc/passwd is clamped",
       {etc_passwd, Hard("hl", "../../../etc/passwd")},
       true,
       [](const fs::path& layer) {
         EXPECT_EQ(Lstat(layer / "hl").st_ino, Lstat(layer / "etc/passwd").st_ino);
       }},
      {"hard link /etc/passwd is clamped", {etc_passwd, Hard("hl", "/etc/passwd")}, true, nothing},
      {"hard link /etc/passwd without one in the layer",
       {Hard("hl", "/etc/passwd")},
       false,
       nothing},
      {"hard link through a symlink to /",
       {etc_passwd, Sym("root", "/"), Hard("hl", "root/../etc/passwd")},
       true,
       [](const fs::path& layer) {
         EXPECT_EQ(Lstat(layer / "hl").st_ino, Lstat(layer / "etc/passwd").st_ino);
       }},
      {"hard link through a symlink to a host dir",
       {Sym("etc2", "/etc"), Hard("hl", "etc2/passwd")},
       false,
       nothing},
      {"whiteout .wh..", {File(".wh..")}, false, nothing},
      {"whiteout ../.wh.x is clamped",
       {File("../.wh.x")},
       true,
       [](const fs::path& layer) { EXPECT_TRUE(IsWhiteout(layer / "x")); }},
      {"whiteout through a symlink climbing out",
       {Sym("l", "../../.."), File("l/.wh.outside")},
       true,
       [](const fs::path& layer) { EXPECT_TRUE(IsWhiteout(layer / "outside")); }},
      {"opaque marker at the root through ..", {File("../.wh..wh..opq")}, false, nothing},
      {"file named ..", {File("..", "x")}, false, nothing},
      {"symlink named /", {Sym("/", "/etc")}, false, nothing},
      {"dir named ../ changes only the layer root",
       {Dir("../", 0700)},
       true,
       [](const fs::path& layer) { EXPECT_EQ(Lstat(layer).st_mode & 07777, 0700u); }},
  };
}

TEST_F(UnpackTest, HostileLayersNeverWriteOutside) {
  // The layer lives four levels down, so "../" chains land inside tmp_ where the snapshot sees
  // them; sentinels sit beside it.
  fs::create_directories(tmp_ / "outside/dir");
  WriteFile(tmp_ / "outside/file", "sentinel");
  WriteFile(tmp_ / "outside/dir/file2", "sentinel2");
  fs::create_directories(tmp_ / "x/y/z");
  WriteFile(tmp_ / "x/y/z/sibling", "sibling");
  const std::map<std::string, std::string> host_before = HostSnapshot();
  for (const auto& [name, state] : host_before) {
    if (name != "/etc/passwd" && state != "absent") GTEST_SKIP() << name << " exists on host";
  }
  int n = 0;
  for (const HostileCase& c : HostileCases()) {
    SCOPED_TRACE(c.what);
    for (Codec codec : {Codec::kPlain, Codec::kGzip}) {
      const fs::path layer = tmp_ / "x/y/z" / fmt::format("layer{}", n++);
      const std::string blob = Compress(MakeTar(c.ents), codec);
      const fs::path blob_path = WriteBlob(blob);
      fs::create_directory(layer);
      const auto before = Snapshot(tmp_, layer);
      UnpackOptions options;
      options.preserve_ownership = IsRoot();
      auto result = UnpackLayer(blob_path.string(), layer.string(), {}, options);
      EXPECT_EQ(result.ok(), c.ok) << result.status().ToString();
      if (!result.ok()) {
        EXPECT_FALSE(result.status().message().empty());
      }
      EXPECT_EQ(Snapshot(tmp_, layer), before);
      EXPECT_EQ(HostSnapshot(), host_before);
      if (result.ok() && c.ok) c.check(layer);
    }
  }
}

TEST_F(UnpackTest, HostileHardLinkIntoLowerStaysInLowers) {
  // A lower layer holding a symlink to the host's /etc must not let a hard link copy the host
  // file: lookups in lowers re-root symlinks too.
  const fs::path lower = UnpackOk("lower", {Sym("etc2", "/etc"), Sym("up", "../../../..")});
  const auto host_before = HostSnapshot();
  for (const char* target : {"etc2/passwd", "up/etc/passwd", "../../../../etc/passwd"}) {
    SCOPED_TRACE(target);
    auto result =
        Unpack(MakeTar({Hard("hl", target)}), NewDir(fmt::format("u{}", blobs_)), {lower.string()});
    EXPECT_EQ(result.status().code(), base::Code::kNotFound);
  }
  EXPECT_EQ(HostSnapshot(), host_before);
}

}  // namespace
}  // namespace cubelet::image
