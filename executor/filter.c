/* filter: a deny-list over a default-allow seccomp policy (see filter.h).
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
#include <sched.h>
#include <unistd.h>

/* Calls refused with EPERM, each with why. */
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
    /* Host-wide controls. */
    {"kexec_load", "replace the kernel"}, {"kexec_file_load", "replace the kernel"},
    {"init_module", "load kernel code"}, {"finit_module", "load kernel code"},
    {"delete_module", "unload kernel code"},
    {"reboot", "host power"}, {"swapon", "host swap"}, {"swapoff", "host swap"},
    {"acct", "process accounting file"}, {"quotactl", "disk quotas"}, {"syslog", "kernel log (addresses)"},
    {"settimeofday", "host clock"}, {"clock_settime", "host clock"}, {"clock_adjtime", "host clock"},
    {"adjtimex", "host clock"}, {"iopl", "raw I/O ports"}, {"ioperm", "raw I/O ports"},
    {"vhangup", "terminals"}, {"uselib", "obsolete loader"}, {"lookup_dcookie", "profiling cookies"},
    {"fanotify_init", "filesystem-wide monitoring"},
    /* File handles bypass path lookup and with it the mount boundary (the
     * 2014 "shocker" container escape). */
    {"open_by_handle_at", "open files by handle outside the root"},
    {"name_to_handle_at", "make file handles"},
    /* Execution domains can disable ASLR and enable odd ABIs. */
    {"personality", "ASLR off, legacy ABIs"},
};

/* Address families refused by socket(): only UNIX, IPv4, IPv6 and netlink
 * (all confined by the job's own network namespace) stay. AF_PACKET reads
 * and forges frames, AF_VSOCK reaches the hypervisor, and the rest (AF_ALG,
 * AF_KEY, AF_RDS, AF_TIPC, ...) are rarely used and often buggy. */
static int family_allowed(int af)
{
    return af == AF_UNIX || af == AF_INET || af == AF_INET6 || af == AF_NETLINK;
}

#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | \
                  CLONE_NEWNET | CLONE_NEWCGROUP)

int filter_build(struct filter *f, char *errstr, size_t errstr_size)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    FILE *tmp = NULL;
    long size;
    int rc, ret = -1;

    memset(f, 0, sizeof(*f));
    if (!ctx) {
        snprintf(errstr, errstr_size, "seccomp_init failed");
        return -1;
    }
    /* A syscall of another ABI (int 0x80 i386, x32) kills the process:
     * a deny-list written for x86_64 numbers means nothing there. */
    if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0)
        goto fail;
    for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
        int nr = seccomp_syscall_resolve_name(denied[i].name);
        if (nr == __NR_SCMP_ERROR)
            continue;   /* not on this architecture */
        if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0)) < 0)
            goto fail;
    }
    /* clone: threads and fork are fine, namespace flags are not. */
    for (unsigned bit = 0; bit < 32; bit++) {
        unsigned long flag = 1ul << bit;
        if (!(NS_FLAGS & flag))
            continue;
        if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                   SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag))) < 0)
            goto fail;
    }
    /* clone3 passes flags in memory seccomp cannot read: answer ENOSYS so
     * libc falls back to clone, which the rule above checks. */
    if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) < 0)
        goto fail;
    /* TIOCSTI and TIOCLINUX push keystrokes into a terminal: the classic way
     * out of su/sudo sessions. Jobs have no terminal; refuse anyway. */
    if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                               SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI))) < 0 ||
        (rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                               SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX))) < 0)
        goto fail;
    for (int af = 0; af <= AF_MAX; af++)
        if (!family_allowed(af) &&
            (rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
                                   SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)af))) < 0)
            goto fail;
    if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
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
