/* sbx: builds one sandbox per job (see sbx.h).
 *
 * Process tree of a job:
 *   executor slot thread
 *     `- init    pid 1 of the job's PID namespace; sets up the mounts, then
 *        |       drops to no capabilities and only reaps. When it exits the
 *        |       kernel kills everything left in the namespace: a daemon that
 *        |       double-forks cannot outlive its job.
 *        `- python  pid 2, uid 1000, no capabilities, no_new_privs, seccomp.
 *
 * Sandboxes are made ahead of time: after a job, the slot's next sandbox
 * is built (namespaces, root, cgroup) and its init waits on a control
 * socket. A job then only sends its code and stdio descriptors, so the
 * costly part (moving a task into a cgroup waits for an RCU grace period)
 * is off the job's path. Each sandbox still serves exactly one job.
 *
 * The child side runs between a raw clone() of a multi-threaded process and
 * execve(): it must not allocate or take locks, so it uses only syscalls and
 * the string helpers below. Errors travel back on a status pipe as
 * "E<message>"; python's wait status as "S<int>". */
#include "sbx.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cg.h"
#include "filter.h"
#include "log.h"
#include "run.h"
#include "util.h"

/* A slot's sandbox: prepared (init waiting for a job) or used (its job
 * ended; reaping init and removing the cgroup wait for sbx_cleanup, after
 * the result is out). */
struct sbx_slot {
    pid_t init;              /* 0: no sandbox */
    struct cg_job *cg;
    int status_r;            /* status pipe, read end: the job's done descriptor */
    int ctl;                 /* control socket to init (sends the job) */
    int used;
    long memory_mb;          /* current memory limit of cg */
};

#define SBX_MAX_SLOTS 1024

struct sbx {
    const struct cfg *cfg;
    struct sbx_slot slots[SBX_MAX_SLOTS];
    struct cg_layout cg;
    struct filter filter;
    char root[300];          /* empty root-owned directory: each job's root is mounted on it */
    char *argv_start;        /* main()'s argv strings, wiped inside sandboxes */
    size_t argv_len;
};

/* Per-job state shared by the run.c callbacks. */
struct sbx_job {
    struct sbx_slot *l;
    const struct job *j;
};

/* Fixed fds inside the child (see child_fds). */
#define FD_CTL    3
#define FD_STATUS 4

/* The largest code: what one argv string may hold (MAX_ARG_STRLEN - 1). */
#define SBX_CODE_MAX 131071

/* ---- child side: syscalls only ---------------------------------------- */

static size_t scat(char *dst, size_t size, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la + lb + 1 > size)
        lb = la < size - 1 ? size - 1 - la : 0, la = la < size - 1 ? la : size - 1;
    memmove(dst, a, la);
    memcpy(dst + la, b, lb);
    dst[la + lb] = '\0';
    return la + lb;
}

/* Reports "E<what>: <errno name>" on the status pipe and exits. */
__attribute__((noreturn)) static void child_fail(const char *what)
{
    char msg[240];
    const char *en = strerrorname_np(errno);   /* a static string */
    size_t n;

    msg[0] = 'E';
    n = 1 + scat(msg + 1, sizeof(msg) - 1, what, ": ");
    n = scat(msg, sizeof(msg), msg, en ? en : "unknown error");
    n = scat(msg, sizeof(msg), msg, "\n");   /* ends the message: a status may follow */
    if (write(FD_STATUS, msg, n) < 0) {
        /* the parent then reports an empty status */
    }
    _exit(127);
}

static void xmkdir(const char *root, const char *rel)
{
    char p[512];
    scat(p, sizeof(p), root, rel);
    if (mkdir(p, 0755) < 0)
        child_fail(rel);
}

static void xsymlink(const char *target, const char *root, const char *rel)
{
    char p[512];
    scat(p, sizeof(p), root, rel);
    if (symlink(target, p) < 0)
        child_fail(rel);
}

static void xwrite_file(const char *root, const char *rel, const char *content)
{
    char p[512];
    int fd;
    scat(p, sizeof(p), root, rel);
    fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content))
        child_fail(rel);
    close(fd);
}

/* In a user namespace the atime flags of a mount are locked: a remount must
 * repeat them or it fails with EPERM, so read them back first. */
static unsigned long locked_flags(const char *path)
{
    struct statvfs sv;
    unsigned long f = 0;

    if (statvfs(path, &sv) < 0)
        child_fail(path);
    if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
    if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
    return f;
}

/* Makes the mount at path read-only with extra flags. A bind mount's flags
 * are per mount point: this never touches the host's mount of the source. */
static void remount_ro(const char *path, unsigned long extra)
{
    if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | extra | locked_flags(path), NULL) < 0)
        child_fail(path);
}

/* Binds host path src at root+rel, read-only, nosuid, and nodev unless a device. */
static void bind_ro(const char *src, const char *root, const char *rel, int is_file, unsigned long extra)
{
    char p[512];
    scat(p, sizeof(p), root, rel);
    if (is_file) {
        int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
        if (fd < 0)
            child_fail(rel);
        close(fd);
    }
    /* Not MS_REC: nothing mounted below src on the host comes along. */
    if (mount(src, p, NULL, MS_BIND, NULL) < 0)
        child_fail(src);
    remount_ro(p, extra);
}

/* The job's root: a small tmpfs holding /usr (read-only bind), a few /etc
 * files we write ourselves, /dev with five harmless devices and a /proc of
 * the job's PID namespace; all read-only once built. Nothing of the host
 * outside /usr is reachable: no /home, /root, /tmp, /var, /run, /sys, no
 * host /etc (no shadow, no keys), no sockets. */
static void setup_root(const char *R)
{
    static const char *devs[] = {"null", "zero", "full", "random", "urandom"};
    char p[512];

    /* Our mounts must not propagate back to the host's namespace. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        child_fail("make / private");
    if (mount("execq", R, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,nr_inodes=64,mode=0755") < 0)
        child_fail("root tmpfs");
    xmkdir(R, "/usr");
    xmkdir(R, "/etc");
    xmkdir(R, "/dev");
    xmkdir(R, "/proc");
    xsymlink("usr/bin", R, "/bin");
    xsymlink("usr/sbin", R, "/sbin");
    xsymlink("usr/lib", R, "/lib");
    xsymlink("usr/lib64", R, "/lib64");
    bind_ro("/usr", R, "/usr", 0, MS_NOSUID | MS_NODEV);
    xwrite_file(R, "/etc/passwd", "root:x:0:0:root:/:/usr/sbin/nologin\n"
                                  "sandbox:x:1000:1000:sandbox:/:/usr/sbin/nologin\n");
    xwrite_file(R, "/etc/group", "root:x:0:\nsandbox:x:1000:\n");
    xwrite_file(R, "/etc/hosts", "127.0.0.1 localhost sandbox\n::1 localhost\n");
    xwrite_file(R, "/etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files\n");
    bind_ro("/etc/ld.so.cache", R, "/etc/ld.so.cache", 1, MS_NOSUID | MS_NODEV);
    /* Debian's alternatives: symlinks only (libblas.so.3 -> the chosen BLAS),
     * which numpy needs to load. Nothing secret lives there. */
    xmkdir(R, "/etc/alternatives");
    bind_ro("/etc/alternatives", R, "/etc/alternatives", 0, MS_NOSUID | MS_NODEV);

    scat(p, sizeof(p), R, "/dev");
    if (mount("execq-dev", p, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=16k,nr_inodes=32,mode=0755") < 0)
        child_fail("dev tmpfs");
    for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
        char src[32], rel[32];
        scat(src, sizeof(src), "/dev/", devs[i]);
        scat(rel, sizeof(rel), "/dev/", devs[i]);
        /* Device binds keep dev (they are the devices); writes to a device
         * are allowed on a read-only mount, so /dev/null still works. */
        bind_ro(src, R, rel, 1, MS_NOSUID | MS_NOEXEC);
    }
    xsymlink("/proc/self/fd", R, "/dev/fd");
    xsymlink("/proc/self/fd/0", R, "/dev/stdin");
    xsymlink("/proc/self/fd/1", R, "/dev/stdout");
    xsymlink("/proc/self/fd/2", R, "/dev/stderr");
    remount_ro(p, MS_NOSUID | MS_NOEXEC);

    /* A fresh procfs of the job's PID namespace: it shows only the job's
     * processes. Read-only, so /proc/sys and friends cannot be written even
     * where the kernel would let a namespace root try. */
    scat(p, sizeof(p), R, "/proc");
    if (mount("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        child_fail("mount proc");
    remount_ro(p, MS_NOSUID | MS_NODEV | MS_NOEXEC);

    /* pivot_root(".", ".") stacks the old root under the new one; the lazy
     * unmount then drops the whole host tree from this namespace. */
    if (chdir(R) < 0)
        child_fail("chdir root");
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        child_fail("pivot_root");
    if (umount2(".", MNT_DETACH) < 0)
        child_fail("detach old root");
    if (chdir("/") < 0)
        child_fail("chdir /");
    remount_ro("/", MS_NOSUID | MS_NODEV | MS_NOEXEC);
}

/* The job's network namespace starts with a downed loopback only. Bring it
 * up so code can talk to itself; nothing else exists to route to. */
static void loopback_up(void)
{
    struct ifreq ifr;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        child_fail("socket for lo");
    memset(&ifr, 0, sizeof(ifr));
    memcpy(ifr.ifr_name, "lo", 3);
    ifr.ifr_flags = IFF_UP | IFF_RUNNING;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
        child_fail("lo up");
    close(fd);
}

static void set_limit(int res, rlim_t v, const char *what)
{
    struct rlimit rl = {v, v};
    if (setrlimit(res, &rl) < 0)
        child_fail(what);
}

/* Empties the bounding and ambient sets, so no later execve can regain a
 * capability. Needs CAP_SETPCAP: call before changing uid. */
static void drop_bounding(void)
{
    for (int cap = 0; cap <= 63; cap++)
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            child_fail("drop bounding set");
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
        child_fail("clear ambient caps");
}

/* Empties the permitted, effective and inheritable sets. */
static void clear_caps(void)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];

    memset(d, 0, sizeof(d));
    if (syscall(SYS_capset, &h, d) < 0)
        child_fail("capset");
}

__attribute__((noreturn)) static void exec_python(const struct sbx *s, char *code)
{
    const struct cfg *c = s->cfg;
    char *argv[] = {"python3", "-I", "-u", "-B", "-c", code, NULL};
    /* The whole environment: nothing of the executor's leaks in. */
    char *envp[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "HOME=/",
                    "USER=sandbox", "OMP_NUM_THREADS=1", "OPENBLAS_NUM_THREADS=1", "MKL_NUM_THREADS=1", NULL};

    /* A new session: no controlling terminal, and no signals to ours. */
    if (setsid() < 0)
        child_fail("setsid");
    drop_bounding();
    if (setresgid(SBX_UID, SBX_UID, SBX_UID) < 0)
        child_fail("setresgid");
    if (setresuid(SBX_UID, SBX_UID, SBX_UID) < 0)
        child_fail("setresuid");
    clear_caps();   /* the uid change cleared them already; make it explicit */
    /* no_new_privs: execve can never grant privileges (setuid bits, file
     * caps), and it lets us load seccomp without CAP_SYS_ADMIN. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        child_fail("no_new_privs");
    if (filter_load(&s->filter) < 0)
        child_fail("seccomp");
    execve(c->python, argv, envp);
    child_fail("execve python");
}

/* Waits for the job: its code length, its stdio descriptors (SCM_RIGHTS)
 * and its code. Puts the descriptors on 0-2 and returns the code, NUL-ended,
 * in a static buffer (this process's own copy: no allocation). EOF means
 * the executor dropped this sandbox unused: leave quietly. */
static char *recv_job(void)
{
    static char code[SBX_CODE_MAX + 1];
    char cbuf[CMSG_SPACE(3 * sizeof(int))];
    uint32_t len = 0;
    struct iovec iov = {&len, sizeof(len)};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
    struct cmsghdr *cm;
    int fds[3];
    size_t got = 0;

    if (recvmsg(FD_CTL, &mh, MSG_WAITALL) != (ssize_t)sizeof(len))
        _exit(0);
    cm = CMSG_FIRSTHDR(&mh);
    if (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(3 * sizeof(int)) || len > SBX_CODE_MAX)
        child_fail("bad job message");
    memcpy(fds, CMSG_DATA(cm), sizeof(fds));
    for (int i = 0; i < 3; i++)
        if (dup2(fds[i], i) < 0)
            child_fail("job stdio");
    for (int i = 0; i < 3; i++)
        if (fds[i] > 2)
            close(fds[i]);
    while (got < len) {
        ssize_t n = read(FD_CTL, code + got, len - got);
        if (n <= 0)
            child_fail("job code");
        got += (size_t)n;
    }
    code[len] = '\0';
    close(FD_CTL);
    return code;
}

/* pid 1 of the job. Never returns. */
__attribute__((noreturn)) static void child_init(const struct sbx *s)
{
    const struct cfg *c = s->cfg;
    char b, *code;
    pid_t py;
    int st;

    /* Wait until the parent has written our uid/gid maps. EOF means it
     * gave up: just leave. */
    if (read(FD_CTL, &b, 1) != 1)
        _exit(127);
    /* Die with the executor: no job outlives the process that answers for it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
        child_fail("become namespace root");
    if (setgroups(0, NULL) < 0)
        child_fail("setgroups");
    setup_root(s->root);
    if (sethostname("sandbox", 7) < 0)
        child_fail("sethostname");
    loopback_up();
    set_limit(RLIMIT_CORE, 0, "RLIMIT_CORE");          /* no core files, no core_pattern pipes */
    set_limit(RLIMIT_NOFILE, 256, "RLIMIT_NOFILE");
    set_limit(RLIMIT_FSIZE, 0, "RLIMIT_FSIZE");        /* no regular file grows */
    set_limit(RLIMIT_NPROC, (rlim_t)c->pids_max, "RLIMIT_NPROC");   /* second line behind pids.max */
    set_limit(RLIMIT_MEMLOCK, 0, "RLIMIT_MEMLOCK");
    /* This process is a copy of the executor: hide what it knew. argv is
     * readable in /proc/1/cmdline by anyone; the rest of its memory is
     * closed by non-dumpable + another uid + no ptrace. */
    if (s->argv_start)
        memset(s->argv_start, 0, s->argv_len);
    /* Meanwhile the parent moved us into the job cgroup (moving a task
     * waits for an RCU grace period, so it overlaps the set-up above).
     * No job code runs before this second byte. */
    if (read(FD_CTL, &b, 1) != 1)
        _exit(127);
    /* After the attach, so /proc/self/cgroup shows "/" and no host path. */
    if (unshare(CLONE_NEWCGROUP) < 0)
        child_fail("cgroup namespace");
    code = recv_job();   /* ready: the sandbox waits here for its one job */
    py = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (py < 0)
        child_fail("fork python");
    if (py == 0)
        exec_python(s, code);
    close(0);
    close(1);
    close(2);
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        child_fail("dumpable");
    drop_bounding();
    clear_caps();
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || filter_load(&s->filter) < 0)
        child_fail("init seccomp");
    /* Reap everything (orphans are re-parented here) until python ends. */
    for (;;) {
        pid_t w = waitpid(-1, &st, 0);
        if (w == py) {
            char msg[1 + sizeof(int)];
            msg[0] = 'S';
            memcpy(msg + 1, &st, sizeof(int));
            if (write(FD_STATUS, msg, sizeof(msg)) < 0) {
                /* parent gone: nothing to tell */
            }
            _exit(0);
        }
        if (w < 0 && errno != EINTR)
            child_fail("waitpid");
    }
}

/* Puts the control socket and status pipe on 3 and 4 and closes every
 * other descriptor this copy of the executor holds (its stdio, Kafka
 * sockets, other jobs' pipes). The job's stdio arrives with the job. */
static void child_fds(int ctl, int status_w)
{
    int src[2] = {ctl, status_w}, tmp[2];

    for (int i = 0; i < 2; i++)
        if ((tmp[i] = fcntl(src[i], F_DUPFD, 5)) < 0)
            _exit(127);
    for (int i = 0; i < 2; i++)
        if (dup2(tmp[i], FD_CTL + i) < 0)
            _exit(127);
    if (syscall(SYS_close_range, 5, ~0U, 0) < 0)
        _exit(127);
    close(0);
    close(1);
    close(2);
    fcntl(FD_STATUS, F_SETFD, FD_CLOEXEC);
    fcntl(FD_CTL, F_SETFD, FD_CLOEXEC);
}

/* ---- parent side --------------------------------------------------------- */

static int write_proc(pid_t pid, const char *file, const char *data, char *errstr, size_t errstr_size)
{
    char p[64];
    int fd, ok;

    snprintf(p, sizeof(p), "/proc/%d/%s", (int)pid, file);
    fd = open(p, O_WRONLY | O_CLOEXEC);
    ok = fd >= 0 && write(fd, data, strlen(data)) == (ssize_t)strlen(data);   /* one write: the kernel needs it whole */
    if (!ok)
        snprintf(errstr, errstr_size, "write %s: %s", p, strerror(errno));
    if (fd >= 0)
        close(fd);
    return ok ? 0 : -1;
}

/* Kills, reaps and removes a slot's sandbox, used or not. */
static void slot_destroy(struct sbx_slot *l)
{
    if (l->init > 0) {
        kill(l->init, SIGKILL);
        waitpid(l->init, NULL, 0);   /* the kernel empties its PID namespace first */
    }
    cg_job_destroy(l->cg);           /* NULL-safe */
    if (l->status_r >= 0)
        close(l->status_r);
    if (l->ctl >= 0)
        close(l->ctl);
    *l = (struct sbx_slot){.init = 0, .cg = NULL, .status_r = -1, .ctl = -1};
}

/* Builds slot's next sandbox up to the point where init waits for a job.
 * Returns 0, or -1 with the reason in errstr. */
static int slot_prepare(struct sbx *s, int slot, char *errstr, size_t errstr_size)
{
    const struct cfg *c = s->cfg;
    struct sbx_slot *l = &s->slots[slot];
    int ctl[2] = {-1, -1}, st[2] = {-1, -1};
    struct cg_limits lim = {
        .memory_bytes = (int64_t)c->memory_mb << 20,
        .pids_max = c->pids_max,
        .cpu_quota_us = c->cpu_percent * 1000,
        .cpu_period_us = 100000,
    };
    char name[64], map[96], id[37];
    long host = c->uid_base + 2L * slot;
    pid_t pid;

    util_uuid(id);
    /* The executor's pid in the name: a later executor can tell the groups
     * of a crashed one (cg_reap_orphans) from those of a live one. */
    snprintf(name, sizeof(name), "x%d-slot%d-%.8s", (int)getpid(), slot, id);
    l->cg = cg_job_create(&s->cg, name, &lim, errstr, errstr_size);
    if (!l->cg)
        return -1;
    l->memory_mb = c->memory_mb;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) < 0 || pipe2(st, O_CLOEXEC) < 0) {
        snprintf(errstr, errstr_size, "socketpair/pipe: %s", strerror(errno));
        goto fail;
    }
    /* All namespaces at once; the child is pid 1 of the new PID namespace. */
    pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |
                                        CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) {
        snprintf(errstr, errstr_size, "clone: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0) {
        child_fds(ctl[1], st[1]);
        child_init(s);
    }
    l->init = pid;
    close(ctl[1]);
    close(st[1]);
    l->ctl = ctl[0];
    l->status_r = st[0];
    ctl[0] = ctl[1] = st[0] = st[1] = -1;
    /* Namespace root is an unprivileged host uid of this slot, the code's
     * uid 1000 the next one: neither is root, nor shared by two slots. */
    snprintf(map, sizeof(map), "0 %ld 1\n%d %ld 1\n", host, SBX_UID, host + 1);
    if (write_proc(pid, "uid_map", map, errstr, errstr_size) < 0 ||
        write_proc(pid, "gid_map", map, errstr, errstr_size) < 0)
        goto fail;
    if (write(l->ctl, "m", 1) != 1)   /* maps done: build the root */
        goto fail_sync;
    if (cg_job_attach(l->cg, pid, errstr, errstr_size) < 0)
        goto fail;
    if (write(l->ctl, "c", 1) != 1)   /* in the cgroup: wait for the job */
        goto fail_sync;
    return 0;
fail_sync:
    snprintf(errstr, errstr_size, "sync: %s", strerror(errno));
fail:
    for (int i = 0; i < 2; i++) {
        if (ctl[i] >= 0) close(ctl[i]);
        if (st[i] >= 0) close(st[i]);
    }
    slot_destroy(l);
    return -1;
}

/* run.c's spawn: hands the job (code, then stdio over SCM_RIGHTS) to the
 * waiting init. Returns the done descriptor. */
static int sbx_spawn(void *ctx, const int fds[3], char *errstr, size_t errstr_size)
{
    struct sbx_job *x = ctx;
    uint32_t len = (uint32_t)strlen(x->j->code);
    char cbuf[CMSG_SPACE(3 * sizeof(int))];
    struct iovec iov = {&len, sizeof(len)};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    size_t off = 0;

    memset(cbuf, 0, sizeof(cbuf));
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(3 * sizeof(int));
    memcpy(CMSG_DATA(cm), fds, 3 * sizeof(int));
    if (sendmsg(x->l->ctl, &mh, MSG_NOSIGNAL) != (ssize_t)sizeof(len))
        goto fail;
    while (off < len) {
        ssize_t n = send(x->l->ctl, x->j->code + off, len - off, MSG_NOSIGNAL);
        if (n <= 0)
            goto fail;
        off += (size_t)n;
    }
    x->l->used = 1;
    return x->l->status_r;
fail:
    snprintf(errstr, errstr_size, "hand the job to the sandbox: %s", strerror(errno));
    x->l->used = 1;
    return -1;
}

static void sbx_kill(void *ctx)
{
    struct sbx_job *x = ctx;
    if (x->l->init > 0)
        kill(x->l->init, SIGKILL);   /* init: the kernel then kills the whole PID namespace */
    cg_job_kill(x->l->cg);           /* and anything in the cgroup, whatever happened */
}

/* The status pipe spoke: python's wait status ("S"), a set-up error ("E"),
 * or EOF because init died first (killed at the timeout, by the OOM killer
 * or with the executor): then the job counts as killed. */
static int sbx_done(void *ctx, int *status, char *errstr, size_t errstr_size)
{
    struct sbx_job *x = ctx;
    char msg[256];
    ssize_t n = read(x->l->status_r, msg, sizeof(msg) - 1);

    if (n > 0 && msg[0] == 'E') {
        msg[n] = '\0';
        msg[strcspn(msg, "\n")] = '\0';
        snprintf(errstr, errstr_size, "sandbox setup: %s", msg + 1);
        return -1;
    }
    if (n == (ssize_t)(1 + sizeof(int)) && msg[0] == 'S')
        memcpy(status, msg + 1, sizeof(int));
    else
        *status = SIGKILL;   /* as wait(2) reports a SIGKILL death */
    return 0;
}

void sbx_cleanup(struct sbx *s, int slot)
{
    struct sbx_slot *l = &s->slots[slot];
    char errstr[256];

    if (!l->used)
        return;
    slot_destroy(l);
    if (slot_prepare(s, slot, errstr, sizeof(errstr)) < 0)
        log_msg(LOG_WARNING, "slot=%d next sandbox not prepared ahead: %s", slot, errstr);
}

int sbx_run(struct sbx *s, int slot, const struct job *j, struct result *r, char *errstr, size_t errstr_size)
{
    struct sbx_slot *l;
    struct sbx_job x;
    long mem_mb = j->memory_mb < s->cfg->max_memory_mb ? j->memory_mb : s->cfg->max_memory_mb;
    long timeout = j->timeout_ms;
    struct run_spec spec = {
        .stdin_data = j->stdin_data,
        .stdin_len = j->stdin_data ? strlen(j->stdin_data) : 0,
        .max_output = (size_t)s->cfg->max_output_bytes,
        .spawn = sbx_spawn,
        .kill_all = sbx_kill,
        .done = sbx_done,
        .ctx = &x,
    };
    struct cg_stats st;
    int ret;

    if (slot < 0 || slot >= SBX_MAX_SLOTS) {
        snprintf(errstr, errstr_size, "slot %d out of range", slot);
        return -1;
    }
    if (strlen(j->code) > SBX_CODE_MAX) {
        snprintf(errstr, errstr_size, "code over %d bytes", SBX_CODE_MAX);
        return -1;
    }
    l = &s->slots[slot];
    x = (struct sbx_job){.l = l, .j = j};
    sbx_cleanup(s, slot);   /* in case the caller did not */
    if (!l->init && slot_prepare(s, slot, errstr, errstr_size) < 0)
        return -1;
    /* The executor enforces its own bounds too: the job came over Kafka. */
    spec.timeout_ms = timeout > 3600000 ? 3600000 : timeout;
    if (mem_mb != l->memory_mb) {
        if (cg_job_set_memory(l->cg, (int64_t)mem_mb << 20, (int64_t)l->memory_mb << 20) < 0) {
            snprintf(errstr, errstr_size, "set memory limit: %s", strerror(errno));
            l->used = 1;
            return -1;
        }
        l->memory_mb = mem_mb;
    }
    cg_job_reset_stats(l->cg);   /* count the job, not the sandbox's set-up */
    ret = run_job(&spec, r, errstr, errstr_size);
    l->used = 1;
    if (ret == 0 && cg_job_stats(l->cg, &st) == 0) {
        r->peak_memory_kb = (long)(st.peak_memory_bytes / 1024);
        r->cpu_time_ms = (long)(st.cpu_time_us / 1000);
        r->memory_exceeded = st.oom_killed;
    }
    return ret;
}

struct sbx *sbx_new(const struct cfg *c, char **argv, char *errstr, size_t errstr_size)
{
    struct sbx *s = calloc(1, sizeof(*s));
    struct stat sb;
    struct job probe;
    struct result r;
    char err2[256];
    int rc;

    if (!s) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    s->cfg = c;
    for (int i = 0; i < SBX_MAX_SLOTS; i++)
        s->slots[i] = (struct sbx_slot){.init = 0, .cg = NULL, .status_r = -1, .ctl = -1};
    if (geteuid() != 0) {
        snprintf(errstr, errstr_size, "the executor must run as root to build sandboxes (it drops to "
                                      "unprivileged uids inside each)");
        goto fail;
    }
    if (c->python[0] != '/' || strncmp(c->python, "/usr/", 5) != 0 || access(c->python, X_OK) < 0) {
        snprintf(errstr, errstr_size, "python %s: must be an executable under /usr (only /usr is in the sandbox)",
                 c->python);
        goto fail;
    }
    /* The mount point: root-owned, not a symlink, so nothing can redirect it. */
    mkdir(c->sandbox_root, 0755);
    snprintf(s->root, sizeof(s->root), "%s/root", c->sandbox_root);
    mkdir(s->root, 0755);
    if (lstat(s->root, &sb) < 0 || !S_ISDIR(sb.st_mode) || sb.st_uid != 0 || (sb.st_mode & 022)) {
        snprintf(errstr, errstr_size, "%s must be a root-owned directory not writable by others", s->root);
        goto fail;
    }
    if (argv && argv[0]) {
        char **a = argv;
        while (a[1])
            a++;
        s->argv_start = argv[0];
        s->argv_len = (size_t)(a[0] + strlen(a[0]) - argv[0]);
    }
    if (cg_init(&s->cg, c->cgroup_parent, errstr, errstr_size) < 0)
        goto fail;
    {
        int n = cg_reap_orphans(&s->cg);
        if (n)
            log_msg(LOG_INFO, "removed %d job cgroup(s) left by executors that are gone", n);
    }
    if (filter_build(&s->filter, errstr, errstr_size) < 0)
        goto fail;
    /* Prove it: a real job in a real sandbox must see itself as uid 1000 in
     * its own PID namespace with a read-only root and no network. */
    job_init(&probe);
    util_uuid(probe.id);
    probe.code = util_strdup(
        "import os, socket\n"
        "assert os.getuid() == 1000 and os.getpid() == 2, (os.getuid(), os.getpid())\n"
        "try:\n    open('/probe', 'w')\nexcept OSError:\n    pass\nelse:\n    raise SystemExit('root is writable')\n"
        "assert [n for _, n in socket.if_nameindex()] == ['lo'], 'network interfaces present'\n"
        "print('sandbox ok')\n");
    probe.timeout_ms = 10000;
    probe.memory_mb = c->memory_mb;
    result_init(&r);
    rc = sbx_run(s, 0, &probe, &r, err2, sizeof(err2));
    sbx_cleanup(s, 0);
    if (rc < 0) {
        snprintf(errstr, errstr_size, "probe job: %s", err2);
        job_release(&probe);
        goto fail;
    }
    if (r.exit_code != 0 || !r.stdout_data || strcmp(r.stdout_data, "sandbox ok\n") != 0) {
        snprintf(errstr, errstr_size, "probe job failed (exit %d): %.200s", r.exit_code,
                 r.stderr_data ? r.stderr_data : "");
        result_release(&r);
        job_release(&probe);
        goto fail;
    }
    log_msg(LOG_INFO, "sandbox ready: cgroup v%d under %s, probe job %ld ms", (int)s->cg.version,
            c->cgroup_parent, r.execution_time_ms);
    result_release(&r);
    job_release(&probe);
    return s;
fail:
    sbx_free(s);
    return NULL;
}

void sbx_free(struct sbx *s)
{
    if (!s)
        return;
    for (int i = 0; i < SBX_MAX_SLOTS; i++)
        slot_destroy(&s->slots[i]);
    filter_release(&s->filter);
    free(s);
}
