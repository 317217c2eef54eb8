// The layer unpacker: applies one OCI/Docker layer blob to a directory in overlayfs form, so the
// layer store can keep one directory per layer and stack them with overlayfs later.
//
// Private to src/image (the layer store is its only caller).
//
// Security model. The blob is untrusted. Whatever it contains, nothing outside `dir` may be
// created, changed or removed, and no inode outside `dir` may be linked into it. Every path
// (entry name, parent directory, hard-link target) is resolved as if `dir` were "/":
//   1. the name is cleaned lexically ("./" and empty components dropped, a leading "/" removed,
//      ".." clamped at the root), so later steps never see "..";
//   2. the parent directory is opened with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS |
//      RESOLVE_NO_XDEV), so a symlink written by an earlier entry is followed, but only inside
//      `dir` (an absolute or climbing target is re-rooted at `dir`, as the container would see
//      it);
//   3. the entry itself is created with *at calls on that parent fd and one path component,
//      never following a symlink in the last component (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW,
//      linkat without AT_SYMLINK_FOLLOW).
// Symlink targets are stored verbatim: they are only ever interpreted inside the container.
//
// Policy per hostile case (the chosen behaviour is "clamp", as umoci and containerd do, except
// where clamping has no meaning, which is refused):
//   "../escape", "../../etc/x", "a/../../b"  clamped: written as DIR/escape, DIR/etc/x, DIR/b.
//   "/abs/x"                                 clamped: DIR/abs/x.
//   symlink "link" -> "/" or "../../.." then "link/pwned"
//                                            the symlink is kept verbatim; the write follows it
//                                            inside DIR only: DIR/pwned.
//   chains of symlinks, symlinked parents    same: re-rooted at every hop (openat2 does it).
//   hard link "../../../etc/passwd", "/etc/passwd"
//                                            clamped: links DIR/etc/passwd when this layer has
//                                            it. When a lower layer has it, the file is copied
//                                            up into this layer at its real path (what a link(2)
//                                            through an overlayfs mount does) together with the
//                                            lower names of that inode, and the new name links
//                                            to the copy: one inode in the merged view, lower
//                                            layers untouched. When missing, the layer is
//                                            refused ("hard link target not found"). Never a
//                                            host inode.
//   hard link to a directory                 refused.
//   an entry whose name cleans to the root ("..", "/", "./")
//                                            a directory: its attributes apply to DIR itself;
//                                            anything else is refused.
//   parent path through a dangling symlink or a non-directory
//                                            refused (no directory is created at a symlink's
//                                            target).
//   whiteouts ".wh.", ".wh..", ".wh..."      refused (they name no child of their directory).
//   "../.wh.x"                               clamped like any name: whites out DIR/x.
//   ".wh..wh..opq" at the layer root         refused: overlayfs ignores the opaque xattr on a
//                                            layer root, so the layer cannot be represented.
//   ".wh.X" used as a directory ("a/.wh.b/c") refused.
//   ".wh..wh.plnk", ".wh..wh.aufs" (AUFS bookkeeping written by old Docker)
//                                            skipped with a warning.
//   xattrs outside user.*, trusted.*, security.capability, and any trusted.overlay.*
//                                            skipped with a warning (trusted.overlay.* would let
//                                            a layer forge overlayfs redirects/metacopy).
//   sockets                                  skipped with a warning.
//   deeper than kMaxRemoveDepth directories when a tree must be removed
//                                            refused.
//
// Overlay form: ".wh.NAME" becomes a character device 0:0 named NAME; "D/.wh..wh..opq" becomes
// the xattr trusted.overlay.opaque="y" on D (D is created if missing, marker order does not
// matter). Whiteouts only hide lower layers (OCI layer.md): when NAME is also an entry of this
// layer it stays, in either order; when that NAME is a directory it is also marked opaque, since
// the whiteout removed the lower directory's children.
//
// Privileges: trusted.overlay.opaque needs CAP_SYS_ADMIN; without it a layer with an opaque
// directory fails (an unprivileged caller would need overlayfs' "userxattr" form, not done).
//
// Limitations: a missing parent is created in this layer's directory (0755); a symlink to a
// directory that exists only in a lower layer is not followed when writing (as Docker's
// overlay2 driver does: tar writers emit real paths). Hard-link targets are looked up in the
// merged view (this layer, then `lowers` top-most first, honouring whiteouts and opaque
// directories, following symlinks of any layer inside the root).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace cubelet::image {

struct UnpackOptions {
  // Restore uid/gid (lchown) and create device nodes. False when not running as root: files
  // then belong to the caller and character/block devices are skipped with a warning (FIFOs
  // and whiteout devices 0:0 need no privilege and are still created).
  bool preserve_ownership = true;
};

struct UnpackResult {
  std::string diff_id;                // "sha256:..." of the uncompressed tar stream
  int64_t uncompressed_size = 0;      // bytes of the tar stream
  std::vector<std::string> warnings;  // e.g. skipped xattrs or devices, naming the entry
};

// Applies one layer blob (gzip, zstd or plain tar, detected by the magic bytes 1f 8b /
// 28 b5 2f fd, else tar; gzip may be multi-member, zstd multi-frame) into `dir`, an existing
// empty directory, in overlayfs form (see above). `lowers` are the directories of the
// already-unpacked lower layers of the image, top-most first; they are only read, to copy the
// target of a hard link that points into a lower layer (hard-linking across layer directories
// would alias an inode of a shared layer).
//
// The diff_id is computed in the same pass over the decompressed stream (including any bytes
// after the tar end-of-archive marker); it is returned, not verified. On failure `dir` holds a
// partial layer; the caller discards it.
base::Result<UnpackResult> UnpackLayer(const std::string& blob_path, const std::string& dir,
                                       const std::vector<std::string>& lowers,
                                       const UnpackOptions& options);

}  // namespace cubelet::image
