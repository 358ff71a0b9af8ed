/* Unit tests of sandbox/filter.c: a child loads the filter and every
 * refused call answers with the documented errno. (Only refused calls, or
 * harmless ones, are made, with invalid arguments: safe outside a sandbox.) */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <string.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "filter.h"

/* x86_64 numbers, so the test needs no new kernel headers: openat2,
 * process_madvise, quotactl_fd, landlock x3, memfd_secret, process_mrelease,
 * futex_waitv, set_mempolicy_home_node, cachestat, fchmodat2,
 * map_shadow_stack, futex_wake/wait/requeue, statmount, listmount, lsm x3,
 * mseal, setxattrat, getxattrat, listxattrat, removexattrat,
 * open_tree_attr, file_getattr, file_setattr, and two not yet assigned. */
static const long canaries[] = {437, 440, 443, 444, 445, 446, 447, 448, 449, 450, 451, 452, 453, 454,
                                455, 456, 457, 458, 459, 460, 461, 462, 463, 464, 465, 466, 467, 468,
                                469, 470, 471};

/* Each probe returns 1 if refused as expected. */
static int probe(int which)
{
    errno = 0;
    switch (which) {
    case 0: return unshare(CLONE_NEWUSER) < 0 && errno == EPERM;
    case 1: return socket(AF_PACKET, SOCK_RAW, 0) < 0 && errno == EAFNOSUPPORT;
    case 2: return socket(40 /* AF_VSOCK */, SOCK_STREAM, 0) < 0 && errno == EAFNOSUPPORT;
    case 3: return syscall(SYS_clone3, NULL, 0) < 0 && errno == ENOSYS;
    case 4: return ptrace(PTRACE_TRACEME, 0, 0, 0) < 0 && errno == EPERM;
    case 5: return syscall(SYS_bpf, 0, NULL, 0) < 0 && errno == EPERM;
    case 6: return syscall(SYS_io_uring_setup, 1, NULL) < 0 && errno == EPERM;
    case 7: return syscall(SYS_keyctl, 0, 0, 0, 0, 0) < 0 && errno == EPERM;
    case 8: return ioctl(0, TIOCSTI, "x") < 0 && errno == EPERM;
    case 9: return syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0) < 0 && errno == EPERM;
    case 10: return syscall(SYS_userfaultfd, 0) < 0 && errno == EPERM;
    case 11: { int s = socket(AF_INET, SOCK_STREAM, 0); if (s >= 0) close(s); return s >= 0; }  /* allowed */
    case 12: { int s = socket(AF_UNIX, SOCK_STREAM, 0); if (s >= 0) close(s); return s >= 0; }  /* allowed */
    case 13: { int s = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE); if (s >= 0) close(s); return s >= 0; }
    case 14: return socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT) < 0 && errno == EPROTONOSUPPORT;
    case 15: return socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT) < 0 && errno == EPROTONOSUPPORT;
    case 16: return syscall(SYS_modify_ldt, 0, NULL, 0) < 0 && errno == EPERM;
    case 17: { unsigned long ctx = 0; return syscall(SYS_io_setup, 1, &ctx) < 0 && errno == EPERM; }
    case 18: return syscall(SYS_inotify_init1, 0) < 0 && errno == EPERM;
    case 19: return syscall(SYS_shmget, 0, 4096, 0) < 0 && errno == EPERM;
    case 20: { int n; return ioctl(0, FIONREAD, &n) == 0 || errno == ENOTTY; }   /* allowed: the kernel answers */
    case 21: return ioctl(0, 0x40045431 /* TIOCSPTLCK */, NULL) < 0 && errno == ENOSYS;
    case 22: return syscall(SYS_clone, 0x80 /* CLONE_NEWTIME */ | SIGCHLD, 0, 0, 0, 0) < 0 && errno == EPERM;
    /* Issue 20: socketpair AF_UNIX only, TCP/UDP only in INET, fcntl and
     * setsockopt checked, no memfd. */
    case 24: { int sv[2]; return socketpair(AF_INET, SOCK_STREAM, 0, sv) < 0 && errno == EAFNOSUPPORT; }
    case 25: { int sv[2]; return socketpair(40 /* AF_VSOCK */, SOCK_STREAM, 0, sv) < 0 && errno == EAFNOSUPPORT; }
    case 26: { int sv[2]; if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) return 0; close(sv[0]); close(sv[1]); return 1; }
    case 27: return socket(AF_INET, SOCK_STREAM, 262 /* MPTCP */) < 0 && errno == EPROTONOSUPPORT;
    case 28: return socket(AF_INET6, SOCK_DGRAM, 136 /* UDP-Lite */) < 0 && errno == EPROTONOSUPPORT;
    case 29: return socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP) < 0 && errno == EPROTONOSUPPORT;
    case 30: { int s = socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP); if (s >= 0) close(s); return s >= 0; }
    case 31: return fcntl(0, 1026 /* F_NOTIFY */, 0) < 0 && errno == EPERM;
    case 32: return fcntl(0, 1024 /* F_SETLEASE */, F_RDLCK) < 0 && errno == EPERM;
    case 33: return fcntl(0, F_GETFD) >= 0 || errno == EBADF;   /* allowed: the kernel answers */
    case 34: return fcntl(0, 1035 /* F_GET_RW_HINT */, NULL) < 0 && errno == ENOSYS;
    case 35: {
        int s = socket(AF_INET, SOCK_DGRAM, 0), one = 1, ok;
        struct sock_fprog prog = {0, NULL};
        ok = s >= 0 && setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
             setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0 && errno == EPERM &&
             setsockopt(s, SOL_SOCKET, 51 /* SO_ATTACH_REUSEPORT_CBPF */, &prog, sizeof(prog)) < 0 && errno == EPERM &&
             setsockopt(s, IPPROTO_TCP, 31 /* TCP_ULP */, "tls", 3) < 0 && errno == EPERM &&
             setsockopt(s, SOL_SOCKET, 1000, &one, sizeof(one)) < 0 && errno == ENOPROTOOPT;
        if (s >= 0)
            close(s);
        return ok;
    }
    case 36: return syscall(SYS_memfd_create, "x", 0) < 0 && errno == EPERM;
    case 23:
        /* The canaries: calls newer than the allow-list (Linux 5.x-6.x),
         * with invalid arguments. Reaching the kernel would answer EBADF,
         * EINVAL or EFAULT; the filter answers ENOSYS. */
        for (size_t i = 0; i < sizeof(canaries) / sizeof(canaries[0]); i++) {
            long r = syscall(canaries[i], -1L, -1L, -1L, -1L, -1L, -1L);
            if (!(r < 0 && errno == ENOSYS)) {
                fprintf(stderr, "canary %ld answered %ld, %s\n", canaries[i], r, strerrorname_np(errno));
                return 0;
            }
        }
        return 1;
    }
    return 0;
}

int main(void)
{
    struct filter f;
    char err[200];

    CHECK(filter_build(&f, err, sizeof(err)) == 0);
    CHECK(f.len > 20);
    for (int which = 0; which <= 36; which++) {
        pid_t pid = fork();
        int st = 0;
        if (pid == 0) {
            if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || filter_load(&f) < 0)
                _exit(2);
            _exit(probe(which) ? 0 : 1);
        }
        waitpid(pid, &st, 0);
        if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
            fprintf(stderr, "probe %d: status %d\n", which, st);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    /* An x32 syscall (number | 0x40000000): the filter must not let the
     * other ABI through; the process dies by SIGSYS. */
    {
        pid_t pid = fork();
        int st = 0;
        if (pid == 0) {
            if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || filter_load(&f) < 0)
                _exit(2);
            syscall(0x40000000 | SYS_getpid);
            _exit(0);
        }
        waitpid(pid, &st, 0);
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
    }
    filter_release(&f);
    CHECK_DONE();
}
