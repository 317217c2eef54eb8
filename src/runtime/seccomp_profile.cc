// The RuntimeDefault seccomp profile as data: moby's default profile (github.com/moby/profiles,
// seccomp/default.json), which containerd's contrib/seccomp follows. Kept in the profile's order
// and with its conditions so that a diff against a newer upstream version stays readable.
#include <cerrno>
#include <linux/capability.h>
#include <sched.h>

#include "runtime/security.h"

namespace cubelet::runtime::seccomp_profile {
namespace {

// The flags with which clone() creates namespaces (0x7E020000).
constexpr uint64_t kCloneNamespaceFlags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
                                          CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
                                          CLONE_NEWCGROUP;
static_assert(kCloneNamespaceFlags == 0x7E020000);

// The socket(2) domains a container may create: the families current kernels implement,
// except two that are refused on purpose: 38 AF_ALG (the kernel crypto API, attack surface no
// ordinary workload needs) and 40 AF_VSOCK (host/guest sockets, not confined by network
// namespaces on most kernels). The other gaps are families removed from the kernel (some only
// in 7.x): 12 DECnet, 19 ECONET, 20 ATMSVC, 23 IRDA, 25 WANPIPE, 34 ISDN, 37 CAIF. 1..11 (UNIX to
// ROSE) is one contiguous run and becomes one comparison; 0 (AF_UNSPEC) cannot be created.
constexpr uint64_t kSocketDomainRangeEnd = 12;  // domain < 12
constexpr uint64_t kSocketDomains[] = {
    13,  // NETBEUI
    14,  // SECURITY
    15,  // KEY
    16,  // NETLINK
    17,  // PACKET
    18,  // ASH
    21,  // RDS
    22,  // SNA
    24,  // PPPOX
    26,  // LLC
    27,  // IB
    28,  // MPLS
    29,  // CAN
    30,  // TIPC
    31,  // BLUETOOTH
    32,  // IUCV
    33,  // RXRPC
    35,  // PHONET
    36,  // IEEE802154
    39,  // NFC
    41,  // KCM
    42,  // QIPCRTR
    43,  // SMC
    44,  // XDP
    45,  // MCTP
};

Rule Allow(std::vector<std::string_view> names) {
  Rule rule;
  rule.names = std::move(names);
  return rule;
}

Rule AllowWithCap(int cap, std::vector<std::string_view> names) {
  Rule rule = Allow(std::move(names));
  rule.include_cap = cap;
  return rule;
}

Rule AllowOnArches(std::vector<std::string_view> arches, std::vector<std::string_view> names) {
  Rule rule = Allow(std::move(names));
  rule.include_arches = std::move(arches);
  return rule;
}

Rule AllowIfArg(std::string_view name, Arg arg) {
  Rule rule = Allow({name});
  rule.args = {arg};
  return rule;
}

std::vector<Rule> BuildRules() {
  std::vector<Rule> rules;
  rules.push_back(Allow({
      "accept",
      "accept4",
      "access",
      "adjtimex",
      "alarm",
      "bind",
      "brk",
      "cachestat",
      "capget",
      "capset",
      "chdir",
      "chmod",
      "chown",
      "chown32",
      "clock_adjtime",
      "clock_adjtime64",
      "clock_getres",
      "clock_getres_time64",
      "clock_gettime",
      "clock_gettime64",
      "clock_nanosleep",
      "clock_nanosleep_time64",
      "close",
      "close_range",
      "connect",
      "copy_file_range",
      "creat",
      "dup",
      "dup2",
      "dup3",
      "epoll_create",
      "epoll_create1",
      "epoll_ctl",
      "epoll_ctl_old",
      "epoll_pwait",
      "epoll_pwait2",
      "epoll_wait",
      "epoll_wait_old",
      "eventfd",
      "eventfd2",
      "execve",
      "execveat",
      "exit",
      "exit_group",
      "faccessat",
      "faccessat2",
      "fadvise64",
      "fadvise64_64",
      "fallocate",
      "fanotify_mark",
      "fchdir",
      "fchmod",
      "fchmodat",
      "fchmodat2",
      "fchown",
      "fchown32",
      "fchownat",
      "fcntl",
      "fcntl64",
      "fdatasync",
      "fgetxattr",
      "flistxattr",
      "flock",
      "fork",
      "fremovexattr",
      "fsetxattr",
      "fstat",
      "fstat64",
      "fstatat64",
      "fstatfs",
      "fstatfs64",
      "fsync",
      "ftruncate",
      "ftruncate64",
      "futex",
      "futex_requeue",
      "futex_time64",
      "futex_wait",
      "futex_waitv",
      "futex_wake",
      "futimesat",
      "getcpu",
      "getcwd",
      "getdents",
      "getdents64",
      "getegid",
      "getegid32",
      "geteuid",
      "geteuid32",
      "getgid",
      "getgid32",
      "getgroups",
      "getgroups32",
      "getitimer",
      "getpeername",
      "getpgid",
      "getpgrp",
      "getpid",
      "getppid",
      "getpriority",
      "getrandom",
      "getresgid",
      "getresgid32",
      "getresuid",
      "getresuid32",
      "getrlimit",
      "get_robust_list",
      "getrusage",
      "getsid",
      "getsockname",
      "getsockopt",
      "get_thread_area",
      "gettid",
      "gettimeofday",
      "getuid",
      "getuid32",
      "getxattr",
      "getxattrat",
      "inotify_add_watch",
      "inotify_init",
      "inotify_init1",
      "inotify_rm_watch",
      "io_cancel",
      "ioctl",
      "io_destroy",
      "io_getevents",
      "io_pgetevents",
      "io_pgetevents_time64",
      "ioprio_get",
      "ioprio_set",
      "io_setup",
      "io_submit",
      "ipc",
      "kill",
      "landlock_add_rule",
      "landlock_create_ruleset",
      "landlock_restrict_self",
      "lchown",
      "lchown32",
      "lgetxattr",
      "link",
      "linkat",
      "listen",
      "listmount",
      "listxattr",
      "listxattrat",
      "llistxattr",
      "_llseek",
      "lremovexattr",
      "lseek",
      "lsetxattr",
      "lstat",
      "lstat64",
      "madvise",
      "map_shadow_stack",
      "membarrier",
      "memfd_create",
      "memfd_secret",
      "mincore",
      "mkdir",
      "mkdirat",
      "mknod",
      "mknodat",
      "mlock",
      "mlock2",
      "mlockall",
      "mmap",
      "mmap2",
      "mprotect",
      "mq_getsetattr",
      "mq_notify",
      "mq_open",
      "mq_timedreceive",
      "mq_timedreceive_time64",
      "mq_timedsend",
      "mq_timedsend_time64",
      "mq_unlink",
      "mremap",
      "mseal",
      "msgctl",
      "msgget",
      "msgrcv",
      "msgsnd",
      "msync",
      "munlock",
      "munlockall",
      "munmap",
      "name_to_handle_at",
      "nanosleep",
      "newfstatat",
      "_newselect",
      "open",
      "openat",
      "openat2",
      "pause",
      "pidfd_open",
      "pidfd_send_signal",
      "pipe",
      "pipe2",
      "pkey_alloc",
      "pkey_free",
      "pkey_mprotect",
      "poll",
      "ppoll",
      "ppoll_time64",
      "prctl",
      "pread64",
      "preadv",
      "preadv2",
      "prlimit64",
      "process_mrelease",
      "pselect6",
      "pselect6_time64",
      "pwrite64",
      "pwritev",
      "pwritev2",
      "read",
      "readahead",
      "readlink",
      "readlinkat",
      "readv",
      "recv",
      "recvfrom",
      "recvmmsg",
      "recvmmsg_time64",
      "recvmsg",
      "remap_file_pages",
      "removexattr",
      "removexattrat",
      "rename",
      "renameat",
      "renameat2",
      "restart_syscall",
      "riscv_hwprobe",
      "rmdir",
      "rseq",
      "rt_sigaction",
      "rt_sigpending",
      "rt_sigprocmask",
      "rt_sigqueueinfo",
      "rt_sigreturn",
      "rt_sigsuspend",
      "rt_sigtimedwait",
      "rt_sigtimedwait_time64",
      "rt_tgsigqueueinfo",
      "sched_getaffinity",
      "sched_getattr",
      "sched_getparam",
      "sched_get_priority_max",
      "sched_get_priority_min",
      "sched_getscheduler",
      "sched_rr_get_interval",
      "sched_rr_get_interval_time64",
      "sched_setaffinity",
      "sched_setattr",
      "sched_setparam",
      "sched_setscheduler",
      "sched_yield",
      "seccomp",
      "select",
      "semctl",
      "semget",
      "semop",
      "semtimedop",
      "semtimedop_time64",
      "send",
      "sendfile",
      "sendfile64",
      "sendmmsg",
      "sendmsg",
      "sendto",
      "setfsgid",
      "setfsgid32",
      "setfsuid",
      "setfsuid32",
      "setgid",
      "setgid32",
      "setgroups",
      "setgroups32",
      "setitimer",
      "setpgid",
      "setpriority",
      "setregid",
      "setregid32",
      "setresgid",
      "setresgid32",
      "setresuid",
      "setresuid32",
      "setreuid",
      "setreuid32",
      "setrlimit",
      "set_robust_list",
      "setsid",
      "setsockopt",
      "set_thread_area",
      "set_tid_address",
      "setuid",
      "setuid32",
      "setxattr",
      "setxattrat",
      "shmat",
      "shmctl",
      "shmdt",
      "shmget",
      "shutdown",
      "sigaltstack",
      "signalfd",
      "signalfd4",
      "sigprocmask",
      "sigreturn",
      "socketcall",
      "socketpair",
      "splice",
      "stat",
      "stat64",
      "statfs",
      "statfs64",
      "statmount",
      "statx",
      "symlink",
      "symlinkat",
      "sync",
      "sync_file_range",
      "syncfs",
      "sysinfo",
      "tee",
      "tgkill",
      "time",
      "timer_create",
      "timer_delete",
      "timer_getoverrun",
      "timer_gettime",
      "timer_gettime64",
      "timer_settime",
      "timer_settime64",
      "timerfd_create",
      "timerfd_gettime",
      "timerfd_gettime64",
      "timerfd_settime",
      "timerfd_settime64",
      "times",
      "tkill",
      "truncate",
      "truncate64",
      "ugetrlimit",
      "umask",
      "uname",
      "unlink",
      "unlinkat",
      "uretprobe",
      "utime",
      "utimensat",
      "utimensat_time64",
      "utimes",
      "vfork",
      "vmsplice",
      "wait4",
      "waitid",
      "waitpid",
      "write",
      "writev",
  }));

  // Before 4.8 a seccomp filter could be bypassed with ptrace, so tracing is only safe after.
  Rule ptrace = Allow({"process_vm_readv", "process_vm_writev", "ptrace"});
  ptrace.min_kernel_major = 4;
  ptrace.min_kernel_minor = 8;
  rules.push_back(std::move(ptrace));

  // socket(2) by domain. Where the socket arguments sit behind socketcall(2)'s pointer (old
  // 32-bit ABIs) seccomp cannot see them; socketcall is allowed above, as upstream does.
  rules.push_back(AllowIfArg("socket", {0, Op::kLt, kSocketDomainRangeEnd, 0}));
  for (uint64_t domain : kSocketDomains) {
    rules.push_back(AllowIfArg("socket", {0, Op::kEq, domain, 0}));
  }

  // personality(2) only for the harmless personas (PER_LINUX, PER_LINUX32, with or without
  // UNAME26) and the 0xffffffff query; others disable ASLR or change the ABI.
  for (uint64_t persona : {0x0ULL, 0x0008ULL, 0x20000ULL, 0x20008ULL, 0xffffffffULL}) {
    rules.push_back(AllowIfArg("personality", {0, Op::kEq, persona, 0}));
  }

  rules.push_back(AllowOnArches({"ppc64le"}, {"sync_file_range2", "swapcontext"}));
  rules.push_back(
      AllowOnArches({"arm", "arm64"}, {"arm_fadvise64_64", "arm_sync_file_range",
                                       "sync_file_range2", "breakpoint", "cacheflush", "set_tls"}));
  rules.push_back(AllowOnArches({"amd64", "x32"}, {"arch_prctl"}));
  rules.push_back(AllowOnArches({"amd64", "x32", "x86"}, {"modify_ldt"}));
  rules.push_back(AllowOnArches(
      {"s390", "s390x"}, {"s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"}));
  rules.push_back(AllowOnArches({"riscv64"}, {"riscv_flush_icache"}));

  rules.push_back(AllowWithCap(CAP_DAC_READ_SEARCH, {"open_by_handle_at"}));
  rules.push_back(AllowWithCap(CAP_SYS_ADMIN, {
                                                  "bpf",
                                                  "clone",
                                                  "clone3",
                                                  "fanotify_init",
                                                  "fsconfig",
                                                  "fsmount",
                                                  "fsopen",
                                                  "fspick",
                                                  "lookup_dcookie",
                                                  "lsm_get_self_attr",
                                                  "lsm_list_modules",
                                                  "lsm_set_self_attr",
                                                  "mount",
                                                  "mount_setattr",
                                                  "move_mount",
                                                  "open_tree",
                                                  "perf_event_open",
                                                  "quotactl",
                                                  "quotactl_fd",
                                                  "setdomainname",
                                                  "sethostname",
                                                  "setns",
                                                  "syslog",
                                                  "umount",
                                                  "umount2",
                                                  "unshare",
                                              }));

  // Without CAP_SYS_ADMIN, clone(2) may not create namespaces. s390 swaps clone's first two
  // arguments, so the flags are argument 1 there.
  Rule clone = AllowIfArg("clone", {0, Op::kMaskedEq, kCloneNamespaceFlags, 0});
  clone.exclude_cap = CAP_SYS_ADMIN;
  clone.exclude_arches = {"s390", "s390x"};
  rules.push_back(std::move(clone));
  Rule clone_s390 = AllowIfArg("clone", {1, Op::kMaskedEq, kCloneNamespaceFlags, 0});
  clone_s390.include_arches = {"s390", "s390x"};
  clone_s390.exclude_cap = CAP_SYS_ADMIN;
  rules.push_back(std::move(clone_s390));
  // clone3 passes its flags in memory, out of the filter's reach, so it is refused; ENOSYS
  // rather than EPERM makes glibc (posix_spawn, pthread_create) fall back to clone.
  Rule clone3 = Allow({"clone3"});
  clone3.errno_ret = ENOSYS;
  clone3.exclude_cap = CAP_SYS_ADMIN;
  rules.push_back(std::move(clone3));

  rules.push_back(AllowWithCap(CAP_SYS_BOOT, {"reboot"}));
  rules.push_back(AllowWithCap(CAP_SYS_CHROOT, {"chroot"}));
  rules.push_back(AllowWithCap(CAP_SYS_MODULE, {"delete_module", "init_module", "finit_module"}));
  rules.push_back(AllowWithCap(CAP_SYS_PACCT, {"acct"}));
  rules.push_back(
      AllowWithCap(CAP_SYS_PTRACE, {"kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv",
                                    "process_vm_writev", "ptrace"}));
  rules.push_back(AllowWithCap(CAP_SYS_RAWIO, {"iopl", "ioperm"}));
  rules.push_back(
      AllowWithCap(CAP_SYS_TIME, {"settimeofday", "stime", "clock_settime", "clock_settime64"}));
  rules.push_back(AllowWithCap(CAP_SYS_TTY_CONFIG, {"vhangup"}));
  rules.push_back(AllowWithCap(
      CAP_SYS_NICE, {"get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"}));
  rules.push_back(AllowWithCap(CAP_SYSLOG, {"syslog"}));
  rules.push_back(AllowWithCap(CAP_BPF, {"bpf"}));
  rules.push_back(AllowWithCap(CAP_PERFMON, {"perf_event_open"}));
  return rules;
}

}  // namespace

const std::vector<Rule>& RuntimeDefaultRules() {
  static const std::vector<Rule>* const rules = new std::vector<Rule>(BuildRules());
  return *rules;
}

}  // namespace cubelet::runtime::seccomp_profile
