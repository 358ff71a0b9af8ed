/* filter: the seccomp allow-list every job runs under (see filter.h).
 * The namespaces, the unprivileged uid and the empty capability sets already
 * stop most of these calls; the filter is the second wall, and it also
 * shrinks the kernel surface untrusted code can reach at all (bpf, io_uring,
 * userfaultfd and perf have each carried local privilege escalations). */
#include "filter.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <unistd.h>

/* The allow-list: every call a job may make, found by tracing what Python,
 * its standard library, numpy and pandas call (scripts/trace-syscalls.sh
 * runs tests/trace/workload.py under strace and prints what this table
 * lacks), plus the calls of the sandbox itself once the filter is loaded
 * (jail.c: init's reaper loop; the job process receiving its job and, in
 * fresh mode, exec'ing). Anything else answers ENOSYS, the kernel's own
 * "no such call", so a call newer than this table (listmount, the
 * *xattrat family, mseal, ...) never reaches the kernel, and libc falls
 * back as it would on an older kernel. Calls with argument checks (clone,
 * socket, ioctl) are in filter_build(). A name libseccomp cannot resolve
 * fails the build of the filter and with it the executor's start: a
 * silently skipped name would be a hole or a broken job. */
struct allowed_call {
    const char *name;
};
static const struct allowed_call allowed[] = {
    /* Memory. */
    {"brk"}, {"mmap"}, {"munmap"}, {"mprotect"}, {"mremap"}, {"madvise"}, {"msync"}, {"mincore"},
    {"mlock"}, {"munlock"}, {"mlock2"}, {"mlockall"}, {"munlockall"},   /* RLIMIT_MEMLOCK is 0 */
    {"get_mempolicy"}, {"membarrier"},   /* memfd_create: filter_build() */
    /* Files: the root is read-only, so writes answer EROFS from the kernel. */
    {"read"}, {"write"}, {"readv"}, {"writev"}, {"pread64"}, {"pwrite64"}, {"preadv"}, {"pwritev"},
    {"preadv2"}, {"pwritev2"}, {"lseek"}, {"open"}, {"openat"}, {"creat"}, {"close"}, {"close_range"},
    {"dup"}, {"dup2"}, {"dup3"}, {"flock"}, {"fsync"}, {"fdatasync"}, {"ftruncate"},
    {"truncate"}, {"fallocate"}, {"fadvise64"}, {"readahead"}, {"sendfile"}, {"copy_file_range"},
    {"splice"}, {"tee"}, {"stat"}, {"fstat"}, {"lstat"}, {"newfstatat"}, {"statx"}, {"statfs"},
    {"fstatfs"}, {"access"}, {"faccessat"}, {"faccessat2"}, {"readlink"}, {"readlinkat"},
    {"getdents"}, {"getdents64"}, {"getcwd"}, {"chdir"}, {"fchdir"}, {"umask"},
    {"mkdir"}, {"mkdirat"}, {"rmdir"}, {"unlink"}, {"unlinkat"}, {"rename"}, {"renameat"},
    {"renameat2"}, {"link"}, {"linkat"}, {"symlink"}, {"symlinkat"}, {"chmod"}, {"fchmod"},
    {"fchmodat"}, {"chown"}, {"fchown"}, {"lchown"}, {"fchownat"}, {"utime"}, {"utimes"},
    {"utimensat"}, {"futimesat"}, {"getxattr"}, {"lgetxattr"}, {"fgetxattr"}, {"listxattr"},
    {"llistxattr"}, {"flistxattr"}, {"setxattr"}, {"lsetxattr"}, {"fsetxattr"}, {"removexattr"},
    {"lremovexattr"}, {"fremovexattr"}, {"pipe"}, {"pipe2"},
    /* Waiting and events. */
    {"select"}, {"pselect6"}, {"poll"}, {"ppoll"}, {"epoll_create"}, {"epoll_create1"},
    {"epoll_ctl"}, {"epoll_wait"}, {"epoll_pwait"}, {"epoll_pwait2"}, {"eventfd"}, {"eventfd2"},
    {"signalfd"}, {"signalfd4"}, {"timerfd_create"}, {"timerfd_settime"}, {"timerfd_gettime"},
    {"futex"}, {"set_robust_list"}, {"get_robust_list"}, {"rseq"}, {"sched_yield"},
    /* Time. */
    {"nanosleep"}, {"clock_nanosleep"}, {"clock_gettime"}, {"clock_getres"}, {"gettimeofday"},
    {"time"}, {"times"}, {"getitimer"}, {"setitimer"}, {"alarm"}, {"timer_create"},
    {"timer_settime"}, {"timer_gettime"}, {"timer_getoverrun"}, {"timer_delete"},
    /* Signals. */
    {"rt_sigaction"}, {"rt_sigprocmask"}, {"rt_sigreturn"}, {"rt_sigpending"}, {"rt_sigsuspend"},
    {"rt_sigtimedwait"}, {"rt_sigqueueinfo"}, {"rt_tgsigqueueinfo"}, {"sigaltstack"}, {"pause"},
    {"kill"}, {"tkill"}, {"tgkill"}, {"restart_syscall"}, {"pidfd_open"}, {"pidfd_send_signal"},
    /* Processes and threads (clone is checked below; clone3 answers ENOSYS). */
    {"fork"}, {"vfork"}, {"execve"}, {"execveat"}, {"exit"}, {"exit_group"}, {"wait4"}, {"waitid"},
    {"set_tid_address"}, {"arch_prctl"}, {"prctl"}, {"getpid"}, {"gettid"}, {"getppid"},
    {"getpgid"}, {"getpgrp"}, {"setpgid"}, {"getsid"}, {"setsid"},
    /* Identity and limits: the job has no capability, so the set* calls
     * can only keep or lower what it has; RLIMIT_RTPRIO and RLIMIT_NICE are
     * 0, so no real-time class and no raised priority. */
    {"getuid"}, {"geteuid"}, {"getgid"}, {"getegid"}, {"getresuid"}, {"getresgid"},
    {"getgroups"}, {"setuid"}, {"setgid"}, {"setreuid"}, {"setregid"}, {"setresuid"},
    {"setresgid"}, {"setgroups"}, {"setfsuid"}, {"setfsgid"}, {"capget"}, {"capset"},
    {"getrlimit"}, {"setrlimit"}, {"prlimit64"}, {"getrusage"}, {"getpriority"}, {"setpriority"},
    {"sched_getaffinity"}, {"sched_setaffinity"}, {"sched_getparam"}, {"sched_setparam"},
    {"sched_getscheduler"}, {"sched_setscheduler"}, {"sched_get_priority_max"},
    {"sched_get_priority_min"}, {"sched_rr_get_interval"}, {"sched_getattr"}, {"sched_setattr"},
    {"getcpu"}, {"uname"}, {"sysinfo"}, {"getrandom"},
    /* Sockets (socket(), socketpair() and setsockopt() are checked in
     * filter_build()): the job's own network namespace, which has only a
     * loopback. */
    {"bind"}, {"listen"}, {"accept"}, {"accept4"}, {"connect"}, {"getsockname"},
    {"getpeername"}, {"sendto"}, {"recvfrom"}, {"sendmsg"}, {"recvmsg"}, {"sendmmsg"},
    {"recvmmsg"}, {"getsockopt"}, {"shutdown"},
};

/* Calls refused with EPERM rather than ENOSYS, each with why: the ones a
 * program may try on purpose, which should read as "not permitted". Any
 * call in neither table answers ENOSYS. */
static const struct { const char *name; const char *why; } denied[] = {
    /* Reading or steering other processes: the way out of any sandbox. */
    {"ptrace", "debug/modify other processes"},
    {"process_vm_readv", "read another process's memory"},
    {"process_vm_writev", "write another process's memory"},
    {"kcmp", "probe other processes' kernel objects"},
    {"pidfd_getfd", "steal another process's file descriptors"},
    /* The mount table is the sandbox's shape: it must not change. */
    {"mount", "remount or overlay the read-only root"},
    {"umount2", "uncover what the sandbox hides"},
    {"pivot_root", "change the root"},
    {"chroot", "classic chroot escapes"},
    {"move_mount", "new mount API"}, {"open_tree", "new mount API"}, {"fsopen", "new mount API"},
    {"fsconfig", "new mount API"}, {"fsmount", "new mount API"}, {"fspick", "new mount API"},
    {"mount_setattr", "new mount API"},
    /* New namespaces give back capabilities (a nested user namespace) and a
     * large attack surface; joining others is a way out. */
    {"unshare", "new namespaces"},
    {"setns", "join other namespaces"},
    /* Kernel surfaces with a long record of local privilege escalations. */
    {"bpf", "eBPF verifier bugs"},
    {"perf_event_open", "perf subsystem bugs, side channels"},
    {"userfaultfd", "turns kernel races into reliable exploits"},
    {"io_uring_setup", "io_uring bugs; also bypasses seccomp for its operations"},
    {"io_uring_enter", "io_uring"}, {"io_uring_register", "io_uring"},
    /* Keyrings are not namespaced: keys could be shared between jobs. */
    {"keyctl", "kernel keyrings"}, {"add_key", "kernel keyrings"}, {"request_key", "kernel keyrings"},
    /* Host-wide budgets a job could drain for every process on the host
     * (docs/security.md, "Host-wide budgets"). */
    {"io_setup", "AIO contexts: fs.aio-max-nr is one host-wide pool"},
    {"io_submit", "AIO"}, {"io_getevents", "AIO"}, {"io_pgetevents", "AIO"}, {"io_cancel", "AIO"},
    {"io_destroy", "AIO"},
    {"inotify_init", "inotify instances are counted against the user that made the namespace, root"},
    {"inotify_init1", "inotify"}, {"inotify_add_watch", "inotify"}, {"inotify_rm_watch", "inotify"},
    {"fanotify_init", "filesystem-wide monitoring"}, {"fanotify_mark", "fanotify"},
    {"shmget", "SysV IPC"}, {"shmat", "SysV IPC"}, {"shmdt", "SysV IPC"}, {"shmctl", "SysV IPC"},
    {"msgget", "SysV IPC"}, {"msgsnd", "SysV IPC"}, {"msgrcv", "SysV IPC"}, {"msgctl", "SysV IPC"},
    {"semget", "SysV IPC"}, {"semop", "SysV IPC"}, {"semtimedop", "SysV IPC"}, {"semctl", "SysV IPC"},
    {"mq_open", "POSIX message queues (RLIMIT_MSGQUEUE, queues_max)"}, {"mq_unlink", "mqueue"},
    {"mq_timedsend", "mqueue"}, {"mq_timedreceive", "mqueue"}, {"mq_notify", "mqueue"},
    {"mq_getsetattr", "mqueue"},
    /* Host-wide controls. */
    {"kexec_load", "replace the kernel"}, {"kexec_file_load", "replace the kernel"},
    {"init_module", "load kernel code"}, {"finit_module", "load kernel code"},
    {"delete_module", "unload kernel code"},
    {"reboot", "host power"}, {"swapon", "host swap"}, {"swapoff", "host swap"},
    {"acct", "process accounting file"}, {"quotactl", "disk quotas"}, {"syslog", "kernel log (addresses)"},
    {"settimeofday", "host clock"}, {"clock_settime", "host clock"}, {"clock_adjtime", "host clock"},
    {"adjtimex", "host clock"}, {"iopl", "raw I/O ports"}, {"ioperm", "raw I/O ports"},
    {"memfd_create", "an anonymous file execveat can run although /tmp is noexec"},
    {"vhangup", "terminals"}, {"uselib", "obsolete loader"}, {"modify_ldt", "16-bit segments (old exploits)"},
    {"sethostname", "the sandbox's name is fixed"}, {"setdomainname", "the sandbox's name is fixed"},
    {"mknod", "device nodes"}, {"mknodat", "device nodes"},
    /* File handles bypass path lookup and with it the mount boundary (the
     * 2014 "shocker" container escape). */
    {"open_by_handle_at", "open files by handle outside the root"},
    {"name_to_handle_at", "make file handles"},
    /* Execution domains can disable ASLR and enable odd ABIs. */
    {"personality", "ASLR off, legacy ABIs"},
    {"vmsplice", "page-cache tricks (Dirty Pipe's family)"},
};

/* ioctl requests a job may make: terminal queries (isatty, the window
 * size), non-blocking and close-on-exec flags, bytes ready to read, and
 * the read-only interface queries of the job's own loopback. Any other
 * answers ENOSYS, as an unknown call does. TIOCSTI and
 * TIOCLINUX (keystrokes into a terminal) are never among them. */
static const unsigned long allowed_ioctls[] = {
    TCGETS, TIOCGWINSZ, TIOCGPGRP, FIONREAD, FIONBIO, FIOCLEX, FIONCLEX, FIOASYNC,
    SIOCGIFCONF, SIOCGIFNAME, SIOCGIFINDEX, SIOCGIFFLAGS, SIOCGIFADDR, SIOCGIFHWADDR,
    SIOCGIFMTU, SIOCGIFNETMASK, SIOCGIFBRDADDR, SIOCGSTAMP, SIOCGSTAMPNS,
};

/* fcntl commands a job may use: descriptor flags and duplication, file
 * status flags, record locks (POSIX and open-file-description; private to
 * the sandbox, since every inode a job can open is: docs/security.md), the
 * owner and signal of async I/O (its own processes only), pipe sizes and
 * memfd seals. Refused with EPERM: F_NOTIFY (dnotify: it reported every
 * read other tenants and the host made in a shared directory) and the
 * leases (F_SETLEASE/F_GETLEASE: another holder's open would wait on us).
 * Any other command keeps the default, ENOSYS. */
static const unsigned long allowed_fcntls[] = {
    0 /* F_DUPFD */, 1 /* F_GETFD */, 2 /* F_SETFD */, 3 /* F_GETFL */, 4 /* F_SETFL */,
    5 /* F_GETLK */, 6 /* F_SETLK */, 7 /* F_SETLKW */, 8 /* F_SETOWN */, 9 /* F_GETOWN */,
    10 /* F_SETSIG */, 11 /* F_GETSIG */, 15 /* F_SETOWN_EX */, 16 /* F_GETOWN_EX */,
    36 /* F_OFD_GETLK */, 37 /* F_OFD_SETLK */, 38 /* F_OFD_SETLKW */, 1030 /* F_DUPFD_CLOEXEC */,
    1031 /* F_SETPIPE_SZ */, 1032 /* F_GETPIPE_SZ */, 1033 /* F_ADD_SEALS */, 1034 /* F_GET_SEALS */,
};
static const unsigned long denied_fcntls[] = {1024 /* F_SETLEASE */, 1025 /* F_GETLEASE */, 1026 /* F_NOTIFY */};

/* setsockopt options refused (EPERM), as {level, option}: the ones that load
 * code into the kernel. Classic BPF socket filters (SO_ATTACH_FILTER, the
 * reuseport ones) go through the BPF JIT that refusing bpf() keeps out;
 * SO_ATTACH_BPF takes an eBPF program (bpf() is refused, but the check costs
 * nothing); TCP_ULP loads an upper-layer protocol (kTLS, espintcp) and its
 * module. Every other option of every level is allowed: the kernel checks
 * the privileged ones (SO_MARK, SO_BINDTODEVICE, ...) against capabilities
 * the job does not have. */
#define SETSOCKOPT_MAX 128   /* options are enumerated up to here; larger ones are allowed */
static const struct { int level, opt; } denied_sockopts[] = {
    {SOL_SOCKET, 26 /* SO_ATTACH_FILTER */}, {SOL_SOCKET, 50 /* SO_ATTACH_BPF */},
    {SOL_SOCKET, 51 /* SO_ATTACH_REUSEPORT_CBPF */}, {SOL_SOCKET, 52 /* SO_ATTACH_REUSEPORT_EBPF */},
    {SOL_SOCKET, 44 /* SO_LOCK_FILTER */}, {IPPROTO_TCP, 31 /* TCP_ULP */},
};

static int sockopt_denied(int level, int opt)
{
    for (size_t i = 0; i < sizeof(denied_sockopts) / sizeof(denied_sockopts[0]); i++)
        if (denied_sockopts[i].level == level && denied_sockopts[i].opt == opt)
            return 1;
    return 0;
}

/* socket() in AF_INET/AF_INET6: TCP and UDP only (protocol 0 picks one of
 * them for SOCK_STREAM/SOCK_DGRAM). MPTCP, UDP-Lite, SCTP and ICMP "ping"
 * sockets are each a kernel protocol of their own with a record of bugs;
 * raw sockets need a capability the job lacks. Protocols 1..255 other than
 * these, and anything larger, answer EPROTONOSUPPORT. */
static int inet_rules(scmp_filter_ctx ctx, int af)
{
    int rc;

    for (int p = 0; p <= 255; p++) {
        int ok = p == 0 || p == IPPROTO_TCP || p == IPPROTO_UDP;
        if (!ok && p > IPPROTO_UDP)
            break;   /* the GT rule below */
        if ((rc = seccomp_rule_add(ctx, ok ? SCMP_ACT_ALLOW : SCMP_ACT_ERRNO(EPROTONOSUPPORT), SCMP_SYS(socket), 2,
                                   SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)af), SCMP_A2(SCMP_CMP_EQ, (scmp_datum_t)p))) < 0)
            return rc;
    }
    return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPROTONOSUPPORT), SCMP_SYS(socket), 2, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)af),
                            SCMP_A2(SCMP_CMP_GT, (scmp_datum_t)IPPROTO_UDP));
}

/* Address families refused by socket(): only UNIX, IPv4, IPv6 and netlink
 * (all confined by the job's own network namespace) stay, and of netlink
 * only NETLINK_ROUTE (what getifaddrs and if_nameindex use); the other
 * netlink protocols reach kernel subsystems (audit, xfrm, netfilter,
 * uevents) that a job never needs. AF_PACKET reads and forges frames,
 * AF_VSOCK reaches the hypervisor, and the rest (AF_ALG, AF_KEY, AF_RDS,
 * AF_TIPC, ...) are rarely used and often buggy. */
static int family_allowed(int af)
{
    return af == AF_UNIX || af == AF_INET || af == AF_INET6 || af == AF_NETLINK;
}

#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | \
                  CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME)

/* Resolves a name or fails: returns the number, or -1 with errstr set. */
static int resolve(const char *name, char *errstr, size_t errstr_size)
{
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR || nr < 0) {
        snprintf(errstr, errstr_size, "seccomp: libseccomp cannot resolve the system call \"%s\"", name);
        return -1;
    }
    return nr;
}

int filter_build(struct filter *f, char *errstr, size_t errstr_size)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(ENOSYS));
    FILE *tmp = NULL;
    long size;
    int nr, rc = 0, ret = -1;

    memset(f, 0, sizeof(*f));
    if (!ctx) {
        snprintf(errstr, errstr_size, "seccomp_init failed");
        return -1;
    }
    /* A syscall of another ABI (int 0x80 i386, x32) kills the process:
     * the tables are x86_64 numbers and mean nothing there. */
    if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0)
        goto fail;
    for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
        if ((nr = resolve(allowed[i].name, errstr, errstr_size)) < 0)
            goto out;
        if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) < 0)
            goto fail;
    }
    for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
        if ((nr = resolve(denied[i].name, errstr, errstr_size)) < 0)
            goto out;
        if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0)) < 0)
            goto fail;
    }
    /* clone: threads and fork are fine, namespace flags are not. */
    if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                               SCMP_A0(SCMP_CMP_MASKED_EQ, NS_FLAGS, 0))) < 0)
        goto fail;
    for (unsigned bit = 0; bit < 64; bit++) {
        unsigned long flag = 1ul << bit;
        if (!(NS_FLAGS & flag))
            continue;
        if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                   SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag))) < 0)
            goto fail;
    }
    /* clone3 passes flags in memory seccomp cannot read: it keeps the
     * default ENOSYS, so libc falls back to clone, which the rule above
     * checks. */
    for (size_t i = 0; i < sizeof(allowed_ioctls) / sizeof(allowed_ioctls[0]); i++)
        if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                                   SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, allowed_ioctls[i]))) < 0)
            goto fail;
    /* TIOCSTI and TIOCLINUX (keystrokes into a terminal) answer EPERM. */
    for (unsigned long i = 0; i <= 1; i++)
        if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                                   SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, i == 0 ? TIOCSTI : TIOCLINUX))) < 0)
            goto fail;
    /* Any other request keeps the default, ENOSYS. (libseccomp cannot
     * express "none of these" beside rules that allow: an unconditional
     * ENOTTY rule would win over them all.) */
    for (int af = 0; af <= AF_MAX; af++) {
        if (!family_allowed(af))
            rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
                                  SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)af));
        else if (af == AF_NETLINK)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)af),
                                  SCMP_A2(SCMP_CMP_EQ, NETLINK_ROUTE));
        else if (af == AF_INET || af == AF_INET6)
            rc = inet_rules(ctx, af);
        else
            rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)af));
        if (rc < 0)
            goto fail;
    }
    /* socketpair: AF_UNIX only (every other family's socketpair code is
     * reached before it answers EOPNOTSUPP: AF_VSOCK, AF_TIPC, netlink). */
    if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socketpair), 1, SCMP_A0(SCMP_CMP_EQ, AF_UNIX))) < 0 ||
        (rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socketpair), 1,
                               SCMP_A0(SCMP_CMP_NE, AF_UNIX))) < 0)
        goto fail;
    /* fcntl: the commands above (the kernel's cmd is an unsigned int). */
    for (size_t i = 0; i < sizeof(allowed_fcntls) / sizeof(allowed_fcntls[0]); i++)
        if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
                                   SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, allowed_fcntls[i]))) < 0)
            goto fail;
    for (size_t i = 0; i < sizeof(denied_fcntls) / sizeof(denied_fcntls[0]); i++)
        if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(fcntl), 1,
                                   SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, denied_fcntls[i]))) < 0)
            goto fail;
    /* setsockopt: at SOL_SOCKET and IPPROTO_TCP every option up to
     * SETSOCKOPT_MAX but the denied ones (libseccomp takes one comparison
     * per argument and refuses overlapping rules, so options are
     * enumerated); at the other levels a job uses (IP, UDP, IPv6, ICMPv6,
     * netlink) any option. Full 64-bit comparisons: a value with stray upper
     * bits (which the kernel would truncate to an int) matches no allow. */
    {
        static const int levels[] = {SOL_SOCKET, IPPROTO_TCP};
        static const int other_levels[] = {IPPROTO_IP, IPPROTO_UDP, IPPROTO_IPV6, IPPROTO_ICMPV6, 270 /* SOL_NETLINK */};
        for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
            scmp_datum_t lv = (scmp_datum_t)levels[i];
            for (int opt = 0; opt <= SETSOCKOPT_MAX; opt++)
                if ((rc = seccomp_rule_add(ctx, sockopt_denied(levels[i], opt) ? SCMP_ACT_ERRNO(EPERM) : SCMP_ACT_ALLOW,
                                           SCMP_SYS(setsockopt), 2, SCMP_A1(SCMP_CMP_EQ, lv),
                                           SCMP_A2(SCMP_CMP_EQ, (scmp_datum_t)opt))) < 0)
                    goto fail;
            if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOPROTOOPT), SCMP_SYS(setsockopt), 2,
                                       SCMP_A1(SCMP_CMP_EQ, lv), SCMP_A2(SCMP_CMP_GT, (scmp_datum_t)SETSOCKOPT_MAX))) < 0)
                goto fail;
        }
        for (size_t i = 0; i < sizeof(other_levels) / sizeof(other_levels[0]); i++)
            if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 1,
                                       SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)other_levels[i]))) < 0)
                goto fail;
    }
    if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPROTONOSUPPORT), SCMP_SYS(socket), 2,
                               SCMP_A0(SCMP_CMP_EQ, AF_NETLINK), SCMP_A2(SCMP_CMP_NE, NETLINK_ROUTE))) < 0 ||
        (rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
                               SCMP_A0(SCMP_CMP_GT, (scmp_datum_t)AF_MAX))) < 0)
        goto fail;

    /* Export the BPF once; children load it with a bare prctl(). */
    tmp = tmpfile();
    if (!tmp || (rc = seccomp_export_bpf(ctx, fileno(tmp))) < 0)
        goto fail;
    size = lseek(fileno(tmp), 0, SEEK_END);
    if (size <= 0 || size % (long)sizeof(struct sock_filter) || size / (long)sizeof(struct sock_filter) > 65535) {
        snprintf(errstr, errstr_size, "seccomp export: bad size %ld", size);
        goto out;
    }
    f->insns = malloc((size_t)size);
    if (!f->insns || pread(fileno(tmp), f->insns, (size_t)size, 0) != size) {
        snprintf(errstr, errstr_size, "seccomp export: read failed");
        free(f->insns);
        f->insns = NULL;
        goto out;
    }
    f->len = (unsigned short)(size / (long)sizeof(struct sock_filter));
    ret = 0;
    goto out;
fail:
    snprintf(errstr, errstr_size, "libseccomp: %s", strerror(rc < 0 ? -rc : errno));
out:
    if (tmp)
        fclose(tmp);
    seccomp_release(ctx);
    return ret;
}

void filter_release(struct filter *f)
{
    free(f->insns);
    memset(f, 0, sizeof(*f));
}

int filter_load(const struct filter *f)
{
    struct sock_fprog prog = {.len = f->len, .filter = f->insns};
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}
