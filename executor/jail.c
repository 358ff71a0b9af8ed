/* jail: from clone() to the job's code (see jail.h).
 *
 * Process tree of one sandbox:
 *   launcher      single-threaded, root; clone()s init with all namespaces
 *     `- init     pid 1 of the job's PID namespace (namespace root, a host
 *        |        uid of its slot); builds the root, then drops every
 *        |        capability and only reaps. When it exits the kernel kills
 *        |        everything left in the namespace: a daemon that
 *        |        double-forks cannot outlive its job.
 *        `- job   pid 2, uid 1000, no capabilities, no_new_privs, seccomp;
 *                 made ahead, it waits for one job on the control socket.
 *
 * Everything here runs in children of the launcher, which has one thread,
 * so libc is safe; credentials still change by raw syscalls (glibc's
 * wrappers broadcast to all threads through a lock, which a child of a
 * threaded process could find held forever). Errors travel back on the
 * status pipe as "E<message>". */
#include "jail.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "job.h"
#include "zygote.h"

#define FD_CTL    JAIL_FD_CTL
#define FD_STATUS JAIL_FD_STATUS

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

/* Creates root+rel's missing parent directories on the root tmpfs. */
static void mkparents(const char *root, const char *rel)
{
    char dir[512], p[512];
    size_t n = strlen(rel);

    for (size_t i = 1; i < n; i++) {
        if (rel[i] != '/')
            continue;
        memcpy(dir, rel, i);
        dir[i] = '\0';
        scat(p, sizeof(p), root, dir);
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
            child_fail(dir);
    }
}

/* The job's /usr: only the host paths on the allow-list (cfg sandbox-paths:
 * the interpreter, its standard library, the packages and the shared
 * libraries they load, zoneinfo), each bound read-only where it is on the
 * host; a symlink on the list is made again as the same symlink. The rest
 * of the host's /usr (/usr/local, /usr/src, /usr/include, compilers, host
 * tools, documentation) does not exist for the job. */
static void bind_usr(const char *R, const char *list)
{
    char path[256];
    const char *p = list;

    while (*p) {
        size_t n = strcspn(p, ",");
        struct stat sb;
        if (n && n < sizeof(path)) {
            memcpy(path, p, n);
            path[n] = '\0';
            mkparents(R, path);
            if (lstat(path, &sb) < 0)
                child_fail(path);
            if (S_ISLNK(sb.st_mode)) {
                char target[256];
                ssize_t t = readlink(path, target, sizeof(target) - 1);
                if (t < 0)
                    child_fail(path);
                target[t] = '\0';
                xsymlink(target, R, path);
            } else if (S_ISDIR(sb.st_mode)) {
                xmkdir(R, path);
                bind_ro(path, R, path, 0, MS_NOSUID | MS_NODEV);
            } else {
                bind_ro(path, R, path, 1, MS_NOSUID | MS_NODEV);
            }
        }
        p += n;
        if (*p == ',')
            p++;
    }
}

/* Host-wide kernel state that /proc shows to any process, masked as
 * container runtimes do (runc's maskedPaths): kernel memory and symbol
 * addresses, timers and scheduler internals of every process on the host,
 * the keys of the host's users, hardware. A file gets /dev/null bound over
 * it, a directory an empty read-only tmpfs; a path this kernel lacks is
 * skipped. /proc as a whole is read-only already (sysrq-trigger included). */
static void mask_proc(const char *R)
{
    static const char *files[] = {"/proc/kcore", "/proc/kallsyms", "/proc/keys", "/proc/key-users",
                                  "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                                  "/proc/latency_stats", "/proc/sysrq-trigger", "/proc/kpagecount",
                                  "/proc/kpageflags", "/proc/kpagecgroup", "/proc/vmallocinfo", "/proc/slabinfo",
                                  "/proc/interrupts", "/proc/softirqs", "/proc/modules", "/proc/buddyinfo",
                                  "/proc/pagetypeinfo", "/proc/zoneinfo", "/proc/iomem", "/proc/ioports",
                                  "/proc/lock_stat", "/proc/locks",
                                  /* host-wide activity counters: other tenants' I/O, paging,
                                   * scheduling and the host's disks and swap (a side channel
                                   * on what other jobs do, and host layout) */
                                  "/proc/diskstats", "/proc/partitions", "/proc/swaps", "/proc/vmstat",
                                  "/proc/schedstat", "/proc/sys/kernel/random/boot_id"};
    static const char *dirs[] = {"/proc/acpi", "/proc/scsi", "/proc/asound", "/proc/bus", "/proc/irq",
                                 "/proc/driver", "/proc/fs", "/proc/tty", "/proc/sys/fs/binfmt_misc",
                                 "/proc/pressure"};
    char p[512];
    struct stat sb;

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        scat(p, sizeof(p), R, files[i]);
        if (lstat(p, &sb) < 0)
            continue;
        if (mount("/dev/null", p, NULL, MS_BIND, NULL) < 0)
            child_fail(files[i]);
        remount_ro(p, MS_NOSUID | MS_NOEXEC);
    }
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        scat(p, sizeof(p), R, dirs[i]);
        if (lstat(p, &sb) < 0 || !S_ISDIR(sb.st_mode))
            continue;
        if (mount("execq-masked", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  "size=0,nr_inodes=1,mode=0555") < 0)
            child_fail(dirs[i]);
    }
}

/* Reads exactly n bytes from ctl (the executor's input files). */
static void read_ctl(void *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(FD_CTL, (char *)p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            errno = r == 0 ? EPIPE : errno;
            child_fail("read input files");
        }
        got += (size_t)r;
    }
}

/* /input: a tmpfs just big enough, the job's input files written into it
 * from ctl (directories made as their names need), then read-only. Done by
 * init before the job process exists; the host never writes there. */
static void setup_inputs(const char *R, const struct jail_cfg *c)
{
    char p[512], opts[96], name[256];
    int64_t total = 0;

    scat(p, sizeof(p), R, "/input");
    xmkdir(R, "/input");
    /* Each file and directory takes whole pages: room for every one. */
    snprintf(opts, sizeof(opts), "size=%lldk,nr_inodes=%d,mode=0755",
             (long long)((c->input_bytes >> 10) + 8LL * 4 * (c->ninputs + 1) + 64), 9 * c->ninputs + 16);
    if (mount("execq-input", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
        child_fail("input tmpfs");
    for (int i = 0; i < c->ninputs; i++) {
        struct jail_input_hdr h;
        char path[512], chunk[65536];
        uint32_t left;
        int fd;
        read_ctl(&h, sizeof(h));
        if (h.name_len < 1 || h.name_len > 255 || (total += h.data_len) > c->input_bytes) {
            errno = EINVAL;
            child_fail("input file header");
        }
        read_ctl(name, h.name_len);
        name[h.name_len] = '\0';
        /* The API's check again (the job came over Kafka): relative, no
         * "." or ".." part, no control character. */
        if (strlen(name) != h.name_len || !job_file_name_ok(name)) {
            errno = EINVAL;
            child_fail("input file name");
        }
        scat(path, sizeof(path), "/input/", name);
        mkparents(R, path);
        scat(p, sizeof(p), R, path);
        fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
        if (fd < 0)
            child_fail("create input file");
        for (left = h.data_len; left > 0;) {
            size_t n = left < sizeof(chunk) ? left : sizeof(chunk);
            read_ctl(chunk, n);
            if (write(fd, chunk, n) != (ssize_t)n)
                child_fail("write input file");
            left -= (uint32_t)n;
        }
        close(fd);
    }
    scat(p, sizeof(p), R, "/input");
    remount_ro(p, MS_NOSUID | MS_NODEV | MS_NOEXEC);
}

/* /tmp: the job's private scratch space, a tmpfs of scratch_mb MiB (its
 * pages are charged to the job's memory cgroup, like any of its memory),
 * with /tmp/out for files to return. Returns an O_PATH descriptor of its
 * root for the executor. */
static int setup_scratch(const char *R, const struct jail_cfg *c)
{
    char p[512], opts[96];
    int fd, inodes = 1024 + 16 * c->scratch_mb;

    xmkdir(R, "/tmp");
    scat(p, sizeof(p), R, "/tmp");
    snprintf(opts, sizeof(opts), "size=%dm,nr_inodes=%d,mode=1777", c->scratch_mb, inodes > 65536 ? 65536 : inodes);
    if (mount("execq-scratch", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
        child_fail("scratch tmpfs");
    xmkdir(R, "/tmp/out");
    scat(p, sizeof(p), R, "/tmp/out");
    if (chown(p, JAIL_UID, JAIL_UID) < 0)
        child_fail("chown /tmp/out");
    scat(p, sizeof(p), R, "/tmp");
    if ((fd = open(p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        child_fail("open scratch");
    return fd;
}

/* The job's root: a small tmpfs holding the allowed parts of /usr
 * (read-only binds, bind_usr), a few /etc
 * files we write ourselves, /dev with five harmless devices and a /proc of
 * the job's PID namespace; all read-only once built. Nothing of the host
 * outside those parts of /usr is reachable: no /home, /root, /tmp, /var, /run, /sys, no
 * host /etc (no shadow, no keys), no sockets. */
static int setup_root(const struct jail_cfg *c)
{
    const char *R = c->root;
    int scratch = -1;
    static const char *devs[] = {"null", "zero", "full", "random", "urandom"};
    char p[512];

    /* Our mounts must not propagate back to the host's namespace. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        child_fail("make / private");
    if (mount("execq", R, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,nr_inodes=256,mode=0755") < 0)
        child_fail("root tmpfs");
    xmkdir(R, "/usr");
    xmkdir(R, "/etc");
    xmkdir(R, "/dev");
    xmkdir(R, "/proc");
    xsymlink("usr/bin", R, "/bin");
    xsymlink("usr/sbin", R, "/sbin");
    xsymlink("usr/lib", R, "/lib");
    xsymlink("usr/lib64", R, "/lib64");
    bind_usr(R, c->usr_paths);
    if (c->mpl_dir[0] == '/') {
        struct stat sb;
        if (lstat(c->mpl_dir, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            xmkdir(R, JAIL_MPL_DIR);
            bind_ro(c->mpl_dir, R, JAIL_MPL_DIR, 0, MS_NOSUID | MS_NODEV | MS_NOEXEC);
        }
    }
    if (c->ninputs > 0)
        setup_inputs(R, c);
    if (c->scratch_mb > 0)
        scratch = setup_scratch(R, c);
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
    /* nodev: the five devices are bind mounts with their own flags; nothing
     * else on this tmpfs may ever act as a device. */
    if (mount("execq-dev", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=16k,nr_inodes=32,mode=0755") < 0)
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
    remount_ro(p, MS_NOSUID | MS_NODEV | MS_NOEXEC);

    /* A fresh procfs of the job's PID namespace: it shows only the job's
     * processes. Read-only, so /proc/sys and friends cannot be written even
     * where the kernel would let a namespace root try. */
    scat(p, sizeof(p), R, "/proc");
    if (mount("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        child_fail("mount proc");
    remount_ro(p, MS_NOSUID | MS_NODEV | MS_NOEXEC);
    mask_proc(R);

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
    return scratch;
}

/* Tells the executor a per-job sandbox is built ('r'), handing it the
 * scratch root when there is one. */
static void send_ready(int scratch)
{
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {"r", 1};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

    if (scratch >= 0) {
        struct cmsghdr *cm;
        memset(cbuf, 0, sizeof(cbuf));
        mh.msg_control = cbuf;
        mh.msg_controllen = sizeof(cbuf);
        cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &scratch, sizeof(int));
    }
    if (sendmsg(FD_CTL, &mh, MSG_NOSIGNAL) != 1)
        child_fail("ready");
    if (scratch >= 0)
        close(scratch);
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

/* Raw credential calls: see the file comment. */
static void set_ids(uid_t uid, gid_t gid, const char *what)
{
    if (syscall(SYS_setgroups, 0, NULL) < 0 || syscall(SYS_setresgid, gid, gid, gid) < 0 ||
        syscall(SYS_setresuid, uid, uid, uid) < 0)
        child_fail(what);
}

/* Waits for the job: its header, its stdio descriptors (SCM_RIGHTS) and its
 * code. Puts the descriptors on 0-2 and returns the code, NUL-ended, in a
 * static buffer (this process's own copy). EOF means the executor dropped
 * this sandbox unused: leave quietly. */
static char *recv_job(struct jail_job_hdr *h)
{
    static char code[JAIL_CODE_MAX + 1];
    char cbuf[CMSG_SPACE(JAIL_JOB_FDS * sizeof(int))];
    struct iovec iov = {h, sizeof(*h)};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
    struct cmsghdr *cm;
    int fds[JAIL_JOB_FDS];
    size_t got = 0;

    if (recvmsg(FD_CTL, &mh, MSG_WAITALL) != (ssize_t)sizeof(*h))
        _exit(0);
    cm = CMSG_FIRSTHDR(&mh);
    if (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(JAIL_JOB_FDS * sizeof(int)) ||
        h->code_len > JAIL_CODE_MAX)
        child_fail("bad job message");
    memcpy(fds, CMSG_DATA(cm), sizeof(fds));
    for (int i = 0; i < 3; i++)
        if (dup2(fds[i], i) < 0)   /* dup2 clears close-on-exec on 0-2 */
            child_fail("job stdio");
    /* The display pipe, kept across fresh mode's exec; the runner marks it
     * close-on-exec for the job's own children (zygote.c). */
    if (dup2(fds[3], JAIL_FD_DISPLAY) < 0)
        child_fail("job display");
    for (int i = 0; i < JAIL_JOB_FDS; i++)
        if (fds[i] > 2 && fds[i] != JAIL_FD_DISPLAY)
            close(fds[i]);
    while (got < h->code_len) {
        ssize_t n = read(FD_CTL, code + got, h->code_len - got);
        if (n <= 0)
            child_fail("job code");
        got += (size_t)n;
    }
    code[h->code_len] = '\0';
    close(FD_CTL);
    return code;
}

/* pid 2: becomes the job's unprivileged process ahead of time, then waits
 * for its one job and runs it. Never returns. */
__attribute__((noreturn)) static void job_process(const struct jail_cfg *c, const struct filter *f)
{
    char *argv[] = {"execq-python", JAIL_FRESH_ARG, (char *)c->python, c->mpl_dir[0] ? JAIL_MPL_DIR : "", NULL};
    struct jail_job_hdr h;
    sigset_t none;
    char *code;

    /* A new session: no controlling terminal, and no signals to ours. */
    if (setsid() < 0)
        child_fail("setsid");
    drop_bounding();
    set_ids(JAIL_UID, JAIL_UID, "become the job's uid");
    clear_caps();   /* the uid change cleared them already; make it explicit */
    /* no_new_privs: execve can never grant privileges (setuid bits, file
     * caps), and it lets us load seccomp without CAP_SYS_ADMIN. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        child_fail("no_new_privs");
    if (filter_load(f) < 0)
        child_fail("seccomp");
    /* Scratch space: /tmp is the job's, and HOME with it (fresh mode's
     * environ at exec; warm mode's os.environ in zyg_after_fork). */
    if (c->scratch_mb > 0 && (setenv("HOME", "/tmp", 1) < 0 || setenv("TMPDIR", "/tmp", 1) < 0))
        child_fail("scratch environment");
    if (c->warm)
        zyg_after_fork(c->scratch_mb > 0);   /* fresh random seeds, Python's at-fork hooks */
    /* Ready: everything above happened before any tenant's byte arrived. */
    code = recv_job(&h);
    set_limit(RLIMIT_CPU, h.cpu_limit_s, "RLIMIT_CPU");
    /* The status pipe is init's to write: the job gets no descriptor but its
     * stdio (warm mode execs nothing, so close-on-exec is no help). */
    close(FD_STATUS);
    /* init blocks SIGCHLD for its signalfd; the job starts with none blocked,
     * as python3 started from a shell would. */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (c->warm) {
        /* The timeout's sharp edge, in the kernel: a timer of this process
         * that SIGKILLs it from the timer interrupt, needing no thread of
         * the executor to be scheduled first (on a busy host that took a
         * millisecond, and a warm job's next line slipped in). Armed as the
         * code arrives, so it fires just after the executor's own deadline,
         * whose kill still ends everything else of the job (and this one,
         * should the code delete the timer). */
        struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGKILL};
        struct itimerspec at = {{0, 0}, {(time_t)(h.timeout_ms / 1000), (long)(h.timeout_ms % 1000) * 1000000}};
        timer_t t;
        if (timer_create(CLOCK_MONOTONIC, &ev, &t) < 0 || timer_settime(t, 0, &at, NULL) < 0)
            _exit(126);
        close(JAIL_FD_SELF);
        zyg_run(code);
    }
    /* Fresh mode: a new process image, the launcher's own binary in its
     * fresh-Python mode (launcher_main.c), with the code on fd 3, a pipe,
     * never in argv: a host user's ps shows argv. (Not a memfd: writing one
     * counts against RLIMIT_FSIZE, which is 0.) No shell, no path lookup:
     * the binary is the descriptor the launcher opened. */
    {
        int pp[2];
        size_t len = strlen(code), off = 0;
        if (pipe2(pp, O_CLOEXEC) < 0)
            _exit(126);
        if (len >= 65536 && fcntl(pp[1], F_SETPIPE_SZ, (int)len + 1) < 0)   /* it all fits: no reader yet */
            _exit(126);
        while (off < len) {
            ssize_t w = write(pp[1], code + off, len - off);
            if (w <= 0)
                _exit(126);
            off += (size_t)w;
        }
        close(pp[1]);
        /* On fd 3 and kept across exec (dup2 onto itself would keep the
         * close-on-exec flag, so clear it explicitly). */
        if (dup2(pp[0], 3) != 3 || fcntl(3, F_SETFD, 0) < 0)
            _exit(126);
        if (pp[0] != 3)
            close(pp[0]);
    }
    syscall(SYS_execveat, JAIL_FD_SELF, "", argv, environ, AT_EMPTY_PATH);   /* environ: lnch_env */
    _exit(126);
}

void jail_init(const struct jail_cfg *c, const struct filter *f, int ncg)
{
    sigset_t chld;
    char b;
    pid_t py, launcher = getppid();
    int st, sfd, scratch;

    /* Wait until the launcher has written our uid/gid maps. EOF means it
     * gave up: just leave. */
    if (read(FD_CTL, &b, 1) != 1)
        _exit(127);
    set_ids(0, 0, "become namespace root");
    /* Die with the launcher. Set after the credential change, which would
     * clear it; and if the launcher died before this line, leave now. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != launcher)
        _exit(127);
    /* A session keyring of this sandbox's own, owned by its uid: the job
     * inherits it, not the launcher's (the host's root session). Keyrings
     * are not namespaced; the filter refuses the key calls anyway, and this
     * keeps a job off every host keyring should one get through. */
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0)
        child_fail("session keyring");
    /* Into the job cgroup before anything else ("0": the writer itself).
     * Moving a task waits for an RCU grace period (~10 ms here): done here,
     * it overlaps this sandbox's own set-up and never holds up the
     * launcher. The files were opened by root, whose credentials the kernel
     * checks (open-time credentials, Linux 5.16+). */
    for (int i = 0; i < ncg; i++) {
        if (write(JAIL_FD_CG + i, "0", 1) != 1)
            child_fail("join the job cgroup");
        close(JAIL_FD_CG + i);
    }
    scratch = setup_root(c);
    if (sethostname("sandbox", 7) < 0)
        child_fail("sethostname");
    loopback_up();
    /* RLIMIT_CORE 1, not 0: a core_pattern that pipes to a helper runs that
     * helper, as host root, whatever the limit, except for exactly 1, which
     * the kernel reads as "never pipe" (fs/coredump.c); and one byte is
     * below any core file's minimum, so no file is written either. */
    set_limit(RLIMIT_CORE, 1, "RLIMIT_CORE");
    set_limit(RLIMIT_NOFILE, 256, "RLIMIT_NOFILE");
    /* No regular file grows, except on the scratch tmpfs, which is capped
     * by its size anyway (this also stops a sparse file beyond it). */
    set_limit(RLIMIT_FSIZE, c->scratch_mb > 0 ? (rlim_t)c->scratch_mb << 20 : 0, "RLIMIT_FSIZE");
    set_limit(RLIMIT_NPROC, (rlim_t)c->pids_max, "RLIMIT_NPROC");   /* second line behind pids.max */
    set_limit(RLIMIT_MEMLOCK, 0, "RLIMIT_MEMLOCK");
    /* Whatever the executor was started with: no real-time scheduling and
     * no raised nice priority, so a job cannot starve the host. */
    set_limit(RLIMIT_RTPRIO, 0, "RLIMIT_RTPRIO");
    set_limit(RLIMIT_NICE, 0, "RLIMIT_NICE");
    /* After the attach, so /proc/self/cgroup shows "/" and no host path. */
    if (unshare(CLONE_NEWCGROUP) < 0)
        child_fail("cgroup namespace");
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0 || (sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
        child_fail("signalfd");
    py = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (py < 0)
        child_fail("fork the job process");
    if (py == 0) {
        close(sfd);
        if (scratch >= 0)
            close(scratch);
        job_process(c, f);
    }
    if (c->scratch_mb > 0 || c->ninputs > 0)
        send_ready(scratch);
    close(JAIL_FD_SELF);   /* the job process's, not init's */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        child_fail("dumpable");
    drop_bounding();
    clear_caps();
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || filter_load(f) < 0)
        child_fail("init seccomp");
    /* Reap everything (orphans are re-parented here) until the job process
     * ends; leave at once if the executor's end of ctl closes. ctl is only
     * watched for hang-up (events 0): its data is the job process's. */
    for (;;) {
        struct pollfd p[2] = {{FD_CTL, 0, 0}, {sfd, POLLIN, 0}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            child_fail("poll");
        }
        if (p[0].revents & (POLLHUP | POLLERR | POLLNVAL))
            _exit(0);   /* the namespace dies with us */
        if (p[1].revents) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof(si)) > 0) {
            }
            for (;;) {
                pid_t w = waitpid(-1, &st, WNOHANG);
                if (w <= 0)
                    break;
                if (w == py) {
                    char msg[1 + sizeof(int)];
                    msg[0] = 'S';
                    memcpy(msg + 1, &st, sizeof(int));
                    if (write(FD_STATUS, msg, sizeof(msg)) < 0) {
                        /* executor gone: nothing to tell */
                    }
                    _exit(0);
                }
            }
        }
    }
}

void jail_child_fds(int ctl, int status_w, int self_exe, const int *cg, int ncg)
{
    int src[3 + JAIL_MAX_CG], tmp[3 + JAIL_MAX_CG], n = 3 + ncg;

    src[0] = ctl;
    src[1] = status_w;
    src[2] = self_exe;
    for (int i = 0; i < ncg; i++)
        src[3 + i] = cg[i];
    /* Out of the way first (above every target), then into place. */
    for (int i = 0; i < n; i++)
        if ((tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, FD_CTL + n)) < 0)
            _exit(127);
    for (int i = 0; i < n; i++)
        if (dup3(tmp[i], FD_CTL + i, O_CLOEXEC) < 0)
            _exit(127);
    if (syscall(SYS_close_range, FD_CTL + n, ~0U, 0) < 0)
        _exit(127);
    close(0);
    close(1);
    close(2);
}
