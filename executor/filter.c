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
    {"get_mempolicy"}, {"membarrier"}, {"memfd_create"},   /* memfd: RLIMIT_FSIZE 0, memcg-charged */
    /* Files: the root is read-only, so writes answer EROFS from the kernel. */
    {"read"}, {"write"}, {"readv"}, {"writev"}, {"pread64"}, {"pwrite64"}, {"preadv"}, {"pwritev"},
    {"preadv2"}, {"pwritev2"}, {"lseek"}, {"open"}, {"openat"}, {"creat"}, {"close"}, {"close_range"},
    {"dup"}, {"dup2"}, {"dup3"}, {"fcntl"}, {"flock"}, {"fsync"}, {"fdatasync"}, {"ftruncate"},
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
    /* Sockets (socket() itself is checked below): the job's own network
     * namespace, which has only a loopback. */
    {"socketpair"}, {"bind"}, {"listen"}, {"accept"}, {"accept4"}, {"connect"}, {"getsockname"},
    {"getpeername"}, {"sendto"}, {"recvfrom"}, {"sendmsg"}, {"recvmsg"}, {"sendmmsg"},
    {"recvmmsg"}, {"setsockopt"}, {"getsockopt"}, {"shutdown"},
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
        else
            rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)af));
        if (rc < 0)
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
