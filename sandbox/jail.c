/* jail: from clone() to the job's code (see jail.h).
 *
 * Process tree of one sandbox:
 *   launcher      single-threaded, root; clone()s with all namespaces and
 *     |           CLONE_VM|CLONE_VFORK: the child (jail_spawn) shares its
 *     |           memory while the launcher waits, forks the job process,
 *     |           then execs the launcher's binary as init
 *     `- init     pid 1 of the job's PID namespace (namespace root, a host
 *        |        uid of its slot), holding none of the launcher's memory;
 *        |        builds the root, lets the job process go, then drops every
 *        |        capability and only reaps. When it exits the kernel kills
 *        |        everything left in the namespace: a daemon that
 *        |        double-forks cannot outlive its job.
 *        `- job   pid 2, the sandbox's one copy of the launcher (warm: of the
 *                 zygote); uid 1000, no capabilities, no_new_privs, seccomp;
 *                 made ahead, it waits for one job on the control socket.
 *
 * Everything here runs in children of the launcher, which has one thread,
 * so libc is safe; credentials still change by raw syscalls (glibc's
 * wrappers broadcast to all threads through a lock, which a child of a
 * threaded process could find held forever). Errors travel back on the
 * status pipe as "E<message>". */
#include "jail.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <linux/landlock.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
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

/* Where slot's files are: <dev_dir>/<slot>/<what>, into out. */
static void slot_path(const struct jail_cfg *c, int slot, const char *what, char *out, size_t size)
{
    snprintf(out, size, "%s/%d/%s", c->dev_dir, slot, what);
}

/* Calls fn for each entry of the allow-list (cfg sandbox-paths) with its
 * index, which names the entry's overlay. Returns fn's first non-zero
 * answer, or 0. */
static int each_usr_path(const char *list, int (*fn)(const struct jail_cfg *, int, int, const char *),
                         const struct jail_cfg *c, int slot)
{
    char path[256];
    const char *p = list;
    int i = 0, rc;

    while (*p) {
        size_t n = strcspn(p, ",");
        if (n && n < sizeof(path)) {
            memcpy(path, p, n);
            path[n] = '\0';
            if ((rc = fn(c, slot, i, path)) != 0)
                return rc;
        }
        i++;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* A read-only overlay of host directory src at dst. Why not a bind mount: a
 * bind hands the job the host's own inodes, and an inode carries state that
 * every process opening it shares (flock and POSIX locks, leases, dnotify):
 * a job held locks on os.py and saw other tenants' reads. An overlay has
 * inodes of its own superblock, while reads still go to the host's page
 * cache. With no upper layer it needs two lower ones: the second is an empty
 * directory named relative to the launcher's cwd (its slot files' root), so
 * that mountinfo shows no host path. */
static int overlay_ro(const char *src, const char *dst)
{
    char opts[600];

    snprintf(opts, sizeof(opts), "lowerdir=%s:.empty", src);
    if (mkdir(dst, 0755) < 0 && errno != EEXIST)
        return -1;
    return mount("execq-ro", dst, "overlay", MS_RDONLY | MS_NOSUID | MS_NODEV, opts);
}

/* jail_slot_files' part for one allow-list entry: a directory gets its own
 * overlay at fs/<i>, a file an overlay of its directory there (the sandbox
 * binds just the file from it), a symlink nothing (made again in the root). */
static int slot_usr_path(const struct jail_cfg *c, int slot, int i, const char *path)
{
    char dst[400], what[32], dir[256];
    const char *base = strrchr(path, '/');
    struct stat sb;

    if (lstat(path, &sb) < 0)
        return -1;
    if (S_ISLNK(sb.st_mode))
        return 0;
    snprintf(what, sizeof(what), "fs/%d", i);
    slot_path(c, slot, what, dst, sizeof(dst));
    if (S_ISDIR(sb.st_mode))
        return overlay_ro(path, dst);
    if (!base || base == path || (size_t)(base - path) >= sizeof(dir)) {
        errno = EINVAL;
        return -1;
    }
    memcpy(dir, path, (size_t)(base - path));
    dir[base - path] = '\0';
    return overlay_ro(dir, dst);
}

/* Copies every regular file of host directory src into dst (a new
 * directory): matplotlib's rc file and font cache, small. Returns 0 (also
 * when src is missing: jobs then go without matplotlib) or -1. */
static int copy_dir(const char *src, const char *dst)
{
    DIR *d = opendir(src);
    struct dirent *e;
    char from[1024], to[1024];
    int ret = -1;

    if (!d)
        return 0;
    if (mkdir(dst, 0755) < 0)
        goto out;
    while ((e = readdir(d))) {
        struct stat sb;
        int in, out = -1;
        off_t left = 0;
        if (e->d_name[0] == '.')
            continue;
        snprintf(from, sizeof(from), "%s/%s", src, e->d_name);
        snprintf(to, sizeof(to), "%s/%s", dst, e->d_name);
        in = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (in >= 0 && fstat(in, &sb) == 0 && S_ISREG(sb.st_mode) &&
            (out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444)) >= 0)
            left = sb.st_size;
        while (left > 0) {
            ssize_t k = sendfile(out, in, NULL, (size_t)left);
            if (k <= 0)
                break;
            left -= k;
        }
        if (in >= 0)
            close(in);
        if (out >= 0)
            close(out);
        if (left > 0)
            goto out;
    }
    ret = 0;
out:
    closedir(d);
    return ret;
}

int jail_slot_files(const struct jail_cfg *c, int slot)
{
    static const struct { const char *name; unsigned maj, min; } devs[] = {
        {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}};
    char p[400];

    slot_path(c, slot, "", p, sizeof(p));
    if (access(p, F_OK) == 0)
        return 0;
    if (mkdir(p, 0755) < 0)
        return -1;
    for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
        slot_path(c, slot, devs[i].name, p, sizeof(p));
        if (!c->nodes_dir[0]) {
            if (mknod(p, S_IFCHR | 0666, makedev(devs[i].maj, devs[i].min)) < 0 || chmod(p, 0666) < 0)
                return -1;
        } else {
            /* A rootless executor's launcher (launcher.h) may make no
             * device node. The host's own (/dev/null) would be one inode
             * for every sandbox, and so its flocks and POSIX locks
             * (fs_shared_inode_locks found it): root made this slot's
             * beforehand (packaging/make-device-nodes, run by
             * execq-rootless-nodes.service), bound here over an empty file. */
            char src[400];
            struct stat sb;
            int fd;
            snprintf(src, sizeof(src), "%s/slot%d/%s", c->nodes_dir, slot, devs[i].name);
            if (stat(src, &sb) < 0 || !S_ISCHR(sb.st_mode) || sb.st_rdev != makedev(devs[i].maj, devs[i].min) ||
                sb.st_nlink != 1) {
                errno = EPERM;
                return -1;
            }
            if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666)) < 0)
                return -1;
            close(fd);
            if (mount(src, p, NULL, MS_BIND, NULL) < 0)
                return -1;
        }
    }
    slot_path(c, slot, "fs", p, sizeof(p));
    if (mkdir(p, 0755) < 0 || each_usr_path(c->usr_paths, slot_usr_path, c, slot) != 0)
        return -1;
    slot_path(c, slot, "fs/etc", p, sizeof(p));
    if (overlay_ro("/etc", p) < 0)
        return -1;
    slot_path(c, slot, "fs/alternatives", p, sizeof(p));
    if (overlay_ro("/etc/alternatives", p) < 0)
        return -1;
    if (c->env_dir[0] == '/') {
        /* From where the launcher has it (launcher_main.c), so that the
         * overlay's options name no host path either. */
        slot_path(c, slot, "fs/env", p, sizeof(p));
        if (overlay_ro(JAIL_ENV_PATH, p) < 0)
            return -1;
    }
    slot_path(c, slot, "mpl", p, sizeof(p));
    return c->mpl_dir[0] == '/' ? copy_dir(c->mpl_dir, p) : 0;
}

/* The job's /usr: only the host paths on the allow-list (cfg sandbox-paths:
 * the interpreter, its standard library, the packages and the shared
 * libraries they load, zoneinfo), each bound read-only from its slot's
 * overlay (jail_slot_files) where it is on the host; a symlink on the list
 * is made again as the same symlink. The rest of the host's /usr
 * (/usr/local, /usr/src, /usr/include, compilers, host tools,
 * documentation) does not exist for the job. */
static const char *usr_root;   /* setup_root's root, for bind_usr_path */

static int bind_usr_path(const struct jail_cfg *c, int slot, int i, const char *path)
{
    const char *R = usr_root;
    char src[600], what[32];
    struct stat sb;

    mkparents(R, path);
    if (lstat(path, &sb) < 0)
        child_fail(path);
    snprintf(what, sizeof(what), "fs/%d", i);
    slot_path(c, slot, what, src, sizeof(src));
    if (S_ISLNK(sb.st_mode)) {
        char target[256];
        ssize_t t = readlink(path, target, sizeof(target) - 1);
        if (t < 0)
            child_fail(path);
        target[t] = '\0';
        xsymlink(target, R, path);
    } else if (S_ISDIR(sb.st_mode)) {
        xmkdir(R, path);
        bind_ro(src, R, path, 0, MS_NOSUID | MS_NODEV);
    } else {
        scat(src, sizeof(src), src, strrchr(path, '/'));
        bind_ro(src, R, path, 1, MS_NOSUID | MS_NODEV);
    }
    return 0;
}

/* Host-wide kernel state that /proc shows to any process, masked as
 * container runtimes do (runc's maskedPaths): kernel memory and symbol
 * addresses, timers and scheduler internals of every process on the host,
 * the keys of the host's users, hardware. A file gets /dev/null bound over
 * it, a directory an empty read-only tmpfs; a path this kernel lacks is
 * skipped. /proc as a whole is read-only already (sysrq-trigger included). */
static void mask_proc(const char *R, const char *null_dev)
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
        if (mount(null_dev, p, NULL, MS_BIND, NULL) < 0)
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
    if (mount("execq", R, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=256k,nr_inodes=256,mode=0755") < 0)
        child_fail("root tmpfs");
    xmkdir(R, "/usr");
    xmkdir(R, "/etc");
    xmkdir(R, "/dev");
    xmkdir(R, "/proc");
    xsymlink("usr/bin", R, "/bin");
    xsymlink("usr/sbin", R, "/sbin");
    xsymlink("usr/lib", R, "/lib");
    xsymlink("usr/lib64", R, "/lib64");
    usr_root = R;
    each_usr_path(c->usr_paths, bind_usr_path, c, c->slot);
    slot_path(c, c->slot, "mpl", p, sizeof(p));
    if (c->mpl_dir[0] == '/' && access(p, F_OK) == 0) {
        xmkdir(R, JAIL_MPL_DIR);
        bind_ro(p, R, JAIL_MPL_DIR, 0, MS_NOSUID | MS_NODEV | MS_NOEXEC);
    }
    if (c->env_dir[0] == '/') {
        /* The environment, read-only at the path its zygote imported it
         * from (JAIL_ENV_PATH), through this slot's own overlay. Not
         * noexec: its wheels may hold shared libraries the interpreter maps. */
        slot_path(c, c->slot, "fs/env", p, sizeof(p));
        mkparents(R, JAIL_ENV_PATH);
        xmkdir(R, JAIL_ENV_PATH);
        bind_ro(p, R, JAIL_ENV_PATH, 0, MS_NOSUID | MS_NODEV);
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
    slot_path(c, c->slot, "fs/etc/ld.so.cache", p, sizeof(p));
    bind_ro(p, R, "/etc/ld.so.cache", 1, MS_NOSUID | MS_NODEV);
    /* Debian's alternatives: symlinks only (libblas.so.3 -> the chosen BLAS),
     * which numpy needs to load. Nothing secret lives there. */
    xmkdir(R, "/etc/alternatives");
    slot_path(c, c->slot, "fs/alternatives", p, sizeof(p));
    bind_ro(p, R, "/etc/alternatives", 0, MS_NOSUID | MS_NODEV);

    scat(p, sizeof(p), R, "/dev");
    /* nodev: the five devices are bind mounts with their own flags; nothing
     * else on this tmpfs may ever act as a device. */
    if (mount("execq-dev", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=16k,nr_inodes=32,mode=0755") < 0)
        child_fail("dev tmpfs");
    for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
        char src[400], rel[32];
        /* This slot's own nodes (jail_slot_files), never the host's. Device
         * binds keep dev (they are the devices); writes to a device are
         * allowed on a read-only mount, so /dev/null still works. */
        slot_path(c, c->slot, devs[i], src, sizeof(src));
        scat(rel, sizeof(rel), "/dev/", devs[i]);
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
    slot_path(c, c->slot, "null", p, sizeof(p));
    mask_proc(R, p);

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

/* Writes value to a sysctl of the sandbox's own namespaces through the
 * host's /proc (before the root is built), as the namespace root that owns
 * them. */
static void set_sysctl(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, value, strlen(value)) != (ssize_t)strlen(value))
        child_fail(path);
    close(fd);
}

/* Kernel memory of the job's network namespace outside any cgroup: TIME_WAIT
 * sockets are kept by the namespace after their owner closed them, charged
 * to no one (a 32 MiB job held 131,072 of them, about 32 MiB more); the
 * namespace drops them when it dies, and holds at most this many until then.
 * AF_UNIX datagrams waiting on one socket: a short queue. (Socket buffers
 * themselves are charged to the job's memory cgroup: cg.c.) */
static void netns_limits(void)
{
    char v[32];
    snprintf(v, sizeof(v), "%d", JAIL_TW_BUCKETS);
    set_sysctl("/proc/sys/net/ipv4/tcp_max_tw_buckets", v);
    snprintf(v, sizeof(v), "%d", JAIL_UNIX_DGRAM_QLEN);
    set_sysctl("/proc/sys/net/unix/max_dgram_qlen", v);
}

/* Tells the executor a per-job sandbox is built ('r'), handing it the
 * scratch root when there is one. */
static void send_ready(int scratch)
{
    if (fdpass_send(FD_CTL, "r", 1, &scratch, scratch >= 0 ? 1 : 0) != 1)
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

/* Reads a job's header and descriptors (SCM_RIGHTS) from ctl. No
 * MSG_CMSG_CLOEXEC: a descriptor that arrives as 0-2 is dup2()ed onto
 * itself by take_job, which would keep the flag (and fresh mode's exec,
 * or a subprocess of a session's, would then close the job's stdio). EOF
 * means the executor dropped this sandbox (or ended its session): leave
 * quietly. */
static void recv_hdr(int ctl, struct jail_job_hdr *h, int *fds, int *nfds)
{
    ssize_t r;

    errno = 0;
    *nfds = 0;
    r = fdpass_recv(ctl, h, sizeof(*h), MSG_WAITALL, fds, JAIL_JOB_FDS, nfds);
    if (r < 0 && errno == EPROTO)
        child_fail("bad job message");
    if (r != (ssize_t)sizeof(*h))
        _exit(0);
}

/* The rest of a job after its header: puts its descriptors on 0-2 and the
 * display's, and returns its code, NUL-ended, in a static buffer (this
 * process's own copy). */
static char *take_job(int ctl, const struct jail_job_hdr *h, const int *fds, int nfds)
{
    static char code[JAIL_CODE_MAX + 1];
    size_t got = 0;

    if (h->op != JAIL_OP_RUN || nfds != JAIL_JOB_FDS || h->code_len > JAIL_CODE_MAX)
        child_fail("bad job message");
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
        ssize_t n = read(ctl, code + got, h->code_len - got);
        if (n <= 0)
            child_fail("job code");
        got += (size_t)n;
    }
    code[h->code_len] = '\0';
    return code;
}

/* Waits for the one job of a plain sandbox. */
static char *recv_job(struct jail_job_hdr *h)
{
    int fds[JAIL_JOB_FDS], nfds;
    char *code;

    recv_hdr(FD_CTL, h, fds, &nfds);
    code = take_job(FD_CTL, h, fds, nfds);
    close(FD_CTL);
    return code;
}

/* A session's fork request (the header read, its descriptors in fds):
 * returns the control socket this process serves from now on. */
static int session_fork(int ctl, const struct jail_job_hdr *h, int *fds, int nfds)
{
    struct jail_exec_end e = {0};
    pid_t pid;

    for (int i = 1; i < nfds; i++)
        close(fds[i]);
    if (nfds < 1 || h->code_len != 0 || fcntl(fds[0], F_SETFD, FD_CLOEXEC) < 0)
        child_fail("bad fork message");
    pid = zyg_fork(getenv("TMPDIR") != NULL);
    if (pid == 0) {
        close(ctl);
        if (send(fds[0], &e, sizeof(e), MSG_NOSIGNAL) != (ssize_t)sizeof(e))
            _exit(0);
        return fds[0];
    }
    close(fds[0]);
    e.exit_code = pid > 0 ? (int32_t)pid : -1;
    if (send(ctl, &e, sizeof(e), MSG_NOSIGNAL) != (ssize_t)sizeof(e))
        _exit(0);
    return ctl;
}

void jail_session_serve(int ctl)
{
    int first = 1;
    sigset_t none;

    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (;;) {
        struct jail_job_hdr h;
        struct jail_exec_end e;
        int fds[JAIL_JOB_FDS], nfds;
        char *code;

        recv_hdr(ctl, &h, fds, &nfds);
        if (h.op == JAIL_OP_FORK) {
            ctl = session_fork(ctl, &h, fds, nfds);
            continue;
        }
        code = take_job(ctl, &h, fds, nfds);
        /* The kernel's CPU backstop, once: the limit only goes down. The
         * executor's wall clock (interrupt at each exec's deadline, the
         * whole sandbox killed if that does not stop it, and at the
         * session's end) is the real bound. */
        if (first)
            set_limit(RLIMIT_CPU, h.cpu_limit_s, "RLIMIT_CPU");
        first = 0;
        e.exit_code = zyg_exec(code, h.interactive != 0);
        memset(code, 0, h.code_len);
        /* The exec's pipes go (the executor reads them to their end) and
         * /dev/null takes their place: opened on fd 0 as it is freed, so
         * it needs no descriptor the code may have used up (a session
         * that hit RLIMIT_NOFILE goes on), and leaves no other one open. */
        close(0);
        if (open("/dev/null", O_RDWR) == 0) {
            dup2(0, 1);
            dup2(0, 2);
            dup2(0, JAIL_FD_DISPLAY);
        } else {
            close(1);
            close(2);
            close(JAIL_FD_DISPLAY);
        }
        if (send(ctl, &e, sizeof(e), MSG_NOSIGNAL) != (ssize_t)sizeof(e))
            _exit(0);   /* the executor is gone: so is the session */
    }
}

/* Landlock (Linux 5.13+), the second wall behind the mount table, loaded
 * into the job process: it may read what the sandbox holds, write only its
 * devices and its scratch /tmp, execute only the interpreter (fresh mode's
 * exec of the launcher's memfd is not a path Landlock governs), and, on
 * ABI 6+, neither signal nor reach an abstract UNIX socket of anything
 * outside its own domain (init, the host). Where the kernel has no Landlock
 * the walls before it stand alone. */
static void ll_rule(int rs, const char *path, uint64_t access, uint64_t handled)
{
    struct landlock_path_beneath_attr pb = {.allowed_access = access & handled};
    pb.parent_fd = open(path, O_PATH | O_CLOEXEC);   /* follows a symlink: the interpreter's real file */
    if (pb.parent_fd < 0)
        return;   /* nothing there to allow */
    if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0)
        child_fail(path);
    close(pb.parent_fd);
}

/* The ABI's ruleset attribute and the rights newer than Debian 12's
 * headers (the kernel's ABI is stable: these never change). */
#define JAIL_ELF_INTERP "/lib64/ld-linux-x86-64.so.2"   /* x86_64 only, as the filter */
struct ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;   /* ABI 4 */
    uint64_t scoped;               /* ABI 6 */
};
#define LL_FS_TRUNCATE (1ULL << 14)            /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15)           /* ABI 5 */
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LL_SCOPE_SIGNAL (1ULL << 1)

static void landlock(const struct jail_cfg *c)
{
    struct ll_ruleset_attr a = {0};
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    uint64_t rd = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
    uint64_t rw = rd | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
                  LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
                  LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_REFER |
                  LL_FS_TRUNCATE;
    int rs;

    if (abi < 1)
        return;
    a.handled_access_fs = ((uint64_t)LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;   /* ABI 1 */
    if (abi >= 2)
        a.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
    if (abi >= 3)
        a.handled_access_fs |= LL_FS_TRUNCATE;
    if (abi >= 5)
        a.handled_access_fs |= LL_FS_IOCTL_DEV;
    if (abi >= 6)
        a.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
    rs = (int)syscall(SYS_landlock_create_ruleset, &a, abi >= 6 ? sizeof(a) : sizeof(a.handled_access_fs), 0);
    if (rs < 0)
        child_fail("landlock ruleset");
    ll_rule(rs, "/", rd, a.handled_access_fs);
    ll_rule(rs, "/dev", rd | LANDLOCK_ACCESS_FS_WRITE_FILE, a.handled_access_fs);
    /* The kernel opens the ELF interpreter (ld.so) for execution too. */
    ll_rule(rs, c->python, LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE, a.handled_access_fs);
    ll_rule(rs, JAIL_ELF_INTERP, LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE, a.handled_access_fs);
    if (c->scratch_mb > 0)
        ll_rule(rs, "/tmp", rw, a.handled_access_fs);
    if (syscall(SYS_landlock_restrict_self, rs, 0) < 0)
        child_fail("landlock");
    close(rs);
}

/* The sandbox's resource limits, per process: init sets its own and the
 * job process its own (it is not init's fork). */
static void sandbox_limits(const struct jail_cfg *c)
{
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
    /* Queued signals and POSIX timers: the kernel counts them per user of
     * each user namespace and, above it, against the user that made the
     * namespace: root, whose budget every sandbox and every root process of
     * the host share. Left at the host's value, one job queued 96k blocked
     * signals and no other warm job could make its kill timer. Message
     * queues are refused by the filter; their budget is 0 as well. */
    set_limit(RLIMIT_SIGPENDING, JAIL_SIGPENDING, "RLIMIT_SIGPENDING");
    set_limit(RLIMIT_MSGQUEUE, 0, "RLIMIT_MSGQUEUE");
    /* Whatever the executor was started with: no real-time scheduling and
     * no raised nice priority, so a job cannot starve the host. */
    set_limit(RLIMIT_RTPRIO, 0, "RLIMIT_RTPRIO");
    set_limit(RLIMIT_NICE, 0, "RLIMIT_NICE");
}

/* pid 2: becomes the job's unprivileged process ahead of time, then waits
 * for its one job and runs it. Never returns. */
__attribute__((noreturn)) static void job_process(const struct jail_cfg *c, const struct filter *f)
{
    char *argv[] = {"execq-python", JAIL_FRESH_ARG, (char *)c->python, c->mpl_dir[0] ? JAIL_MPL_DIR : "",
                    (char *)c->env_site, NULL};
    struct jail_job_hdr h;
    sigset_t none;
    timer_t kill_timer = 0;
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
    landlock(c);
    if (filter_load(f) < 0)
        child_fail("seccomp");
    /* Scratch space: /tmp is the job's, and HOME with it (fresh mode's
     * environ at exec; warm mode's os.environ in zyg_after_fork). */
    if (c->scratch_mb > 0 && (setenv("HOME", "/tmp", 1) < 0 || setenv("TMPDIR", "/tmp", 1) < 0))
        child_fail("scratch environment");
    if (c->session) {
        /* A session: no kill timer (an exec past its deadline is
         * interrupted by the executor, and the session survives it); the
         * status pipe is init's; then exec after exec, in this process
         * (warm) or in the fresh interpreter, started now, before the
         * first one: a session's execs all find it ready. */
        close(FD_STATUS);
        if (c->warm) {
            zyg_after_fork(c->scratch_mb > 0);
            close(JAIL_FD_SELF);
            jail_session_serve(FD_CTL);
        }
        argv[1] = JAIL_SESSION_ARG;   /* ctl is fd 3 already (JAIL_FD_CTL), kept across the exec */
        if (fcntl(FD_CTL, F_SETFD, 0) < 0)
            _exit(126);
        syscall(SYS_execveat, JAIL_FD_SELF, "", argv, environ, AT_EMPTY_PATH);
        _exit(126);
    }
    if (c->warm) {
        /* The kill timer (armed when the code arrives, below) is made now,
         * before any job is taken: a timer counts against the signal budget
         * (RLIMIT_SIGPENDING), and should it fail the sandbox reports a
         * set-up error, never a run of the job (which is not charged). */
        struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGKILL};
        if (timer_create(CLOCK_MONOTONIC, &ev, &kill_timer) < 0)
            child_fail("kill timer");
        zyg_after_fork(c->scratch_mb > 0);   /* fresh random seeds, Python's at-fork hooks */
    }
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
        struct itimerspec at = {{0, 0}, {(time_t)(h.timeout_ms / 1000), (long)(h.timeout_ms % 1000) * 1000000}};
        if (timer_settime(kill_timer, 0, &at, NULL) < 0)
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

/* Wipes the host paths of c, which the job process has no use for once
 * the root is built; of matplotlib's directory only whether there is one
 * matters: it becomes the job's path. */
static void forget_host_paths(struct jail_cfg *c)
{
    memset(c->root, 0, sizeof(c->root));
    memset(c->dev_dir, 0, sizeof(c->dev_dir));
    if (c->mpl_dir[0]) {
        memset(c->mpl_dir, 0, sizeof(c->mpl_dir));
        snprintf(c->mpl_dir, sizeof(c->mpl_dir), "%s", JAIL_MPL_DIR);
    }
}

/* For init and the job process each, as namespace root. A session keyring
 * of the sandbox's own, owned by its uid, not the launcher's (the host's
 * root session): keyrings are not namespaced; the filter refuses the key
 * calls anyway, and this keeps a job off every host keyring should one get
 * through. Then into the job cgroup ("0": the writer itself). Moving a task
 * waits for an RCU grace period (~10 ms here): done by each process itself,
 * it overlaps the sandbox's set-up and never holds up the launcher. The
 * files were opened by root, whose credentials the kernel checks (open-time
 * credentials, Linux 5.16+). */
static void join_keyring(void)
{
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0)
        child_fail("session keyring");
}

static void join_cgroup(int ncg)
{
    for (int i = 0; i < ncg; i++) {
        if (write(JAIL_FD_CG + i, "0", 1) != 1)
            child_fail("join the job cgroup");
        close(JAIL_FD_CG + i);
    }
}

/* The job process's first steps, in the sandbox's namespaces but still a
 * copy of the launcher: wipe what of the launcher it holds, wait until init
 * has built the root, then do for itself what a fork of init would have
 * inherited, and become the job process. Never returns. */
__attribute__((noreturn)) static void job_start(struct jail_cfg *c, const struct filter *f, int ncg,
                                                const struct jail_wipe *w, int nw)
{
    char b;

    close(JAIL_FD_GO_W);
    for (int i = 0; i < nw; i++)
        memset(w[i].p, 0, w[i].n);
    /* When memory runs out host-wide, a job dies first, never the broker,
     * the API or the executor (init's is set by the launcher). Through the
     * host's /proc, before the root is built; raising it needs no
     * privilege. */
    {
        int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "1000", 4) != 4)
            child_fail("oom_score_adj");
        close(fd);
    }
    /* init builds the root (and with it a /proc of the sandbox) only
     * after this. */
    if (write(JAIL_FD_GO, "r", 1) != 1)
        _exit(127);
    /* Now, not after the go: the move's grace period then overlaps init's
     * work instead of following it. */
    join_cgroup(ncg);
    /* EOF: init failed (it said why on the status pipe) or died. */
    if (read(JAIL_FD_GO, &b, 1) != 1)
        _exit(127);
    close(JAIL_FD_GO);
    /* pivot_root moved this process's root to the new one; its working
     * directory was the launcher's, in the detached host tree. */
    if (chdir("/") < 0)
        child_fail("chdir /");
    set_ids(0, 0, "become namespace root");
    join_keyring();
    sandbox_limits(c);
    if (unshare(CLONE_NEWCGROUP) < 0)
        child_fail("cgroup namespace");
    forget_host_paths(c);
    job_process(c, f);
}

__attribute__((noreturn)) static void jail_init(struct jail_cfg *c, const struct filter *f, int ncg, pid_t py);

/* jail_spawn's child holds every capability in the sandbox's user
 * namespace, but not as its root: its uid is the launcher's (host root),
 * which the namespace does not map, so an exec would drop them all, and
 * init needs them (it becomes the namespace's root first thing). Raised
 * into the ambient set, they survive the exec (for the namespace only, as
 * before it); init drops every one after building the root. */
static void keep_caps_across_exec(void)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];

    if (syscall(SYS_capget, &h, d) < 0)
        child_fail("capget");
    d[0].inheritable = d[0].permitted;
    d[1].inheritable = d[1].permitted;
    if (syscall(SYS_capset, &h, d) < 0)
        child_fail("capset");
    for (int cap = 0; cap <= 63; cap++)
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0 && errno != EINVAL)
            child_fail("ambient capabilities");
}

/* What jail_spawn hands the exec'd init on JAIL_FD_CFG. */
#define INIT_CFG_MAGIC 0x65786971u   /* "exiq" */
struct init_cfg {
    uint32_t magic;
    int32_t ncg;
    int32_t job;          /* the job process's pid (2) */
    uint32_t ninsns;      /* the filter's instructions that follow */
    struct jail_cfg c;
};

void jail_spawn(struct jail_cfg *c, const struct filter *f, int ncg, const struct jail_wipe *w, int nw, int exec_init)
{
    struct init_cfg ic;   /* made after the fork and wiped before the exec: no job process's copy holds it */
    char *argv[] = {"", NULL}, *envp[] = {NULL};
    int go[2], cfg[2];
    size_t flen = (size_t)f->len * sizeof(f->insns[0]);
    pid_t py;

    if (!exec_init) {
        /* A copy of a small launcher (fresh mode): init as before this
         * round, forking the job process once the root is built; the
         * launcher's state wiped in its copy. */
        for (int i = 0; i < nw; i++)
            memset(w[i].p, 0, w[i].n);
        jail_init(c, f, ncg, -1);
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go) < 0 || dup3(go[0], JAIL_FD_GO, O_CLOEXEC) < 0 ||
        dup3(go[1], JAIL_FD_GO_W, 0) < 0)
        child_fail("go socket");
    close(go[0]);
    close(go[1]);
    py = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (py < 0)
        child_fail("fork the job process");
    if (py == 0)
        job_start(c, f, ncg, w, nw);
    /* Still sharing the launcher's memory (CLONE_VM, which waits for this
     * exec): write nothing of it. init's own image from here. */
    ic.magic = INIT_CFG_MAGIC;   /* field by field: a compound literal would leave a copy on this stack */
    ic.ncg = ncg;
    ic.job = py;
    ic.ninsns = f->len;
    memcpy(&ic.c, c, sizeof(ic.c));
    if (pipe2(cfg, O_CLOEXEC) < 0 || sizeof(ic) + flen > 65536 ||
        write(cfg[1], &ic, sizeof(ic)) != (ssize_t)sizeof(ic) ||
        write(cfg[1], f->insns, flen) != (ssize_t)flen || dup3(cfg[0], JAIL_FD_CFG, 0) < 0)
        child_fail("init's configuration");
    /* This stack is the launcher's memory, which the next sandbox's job
     * process copies: leave no path of this one in it. */
    explicit_bzero(&ic, sizeof(ic));
    for (int fd = JAIL_FD_CTL; fd < JAIL_FD_CG + ncg; fd++)   /* kept across the exec */
        if (fcntl(fd, F_SETFD, 0) < 0)
            child_fail("descriptors");
    keep_caps_across_exec();
    syscall(SYS_execveat, JAIL_FD_SELF, "", argv, envp, AT_EMPTY_PATH);
    child_fail("exec init");
}

void jail_init_main(void)
{
    static struct init_cfg ic;
    struct filter f = {0};

    if (fcntl(JAIL_FD_CFG, F_GETFD) < 0 || read(JAIL_FD_CFG, &ic, sizeof(ic)) != (ssize_t)sizeof(ic) ||
        ic.magic != INIT_CFG_MAGIC || ic.ncg < 0 || ic.ncg > JAIL_MAX_CG || ic.ninsns == 0 || ic.ninsns > 4096)
        _exit(127);
    f.len = (unsigned short)ic.ninsns;
    f.insns = calloc(ic.ninsns, sizeof(f.insns[0]));
    if (!f.insns || read(JAIL_FD_CFG, f.insns, ic.ninsns * sizeof(f.insns[0])) !=
                        (ssize_t)(ic.ninsns * sizeof(f.insns[0])))
        _exit(127);
    close(JAIL_FD_CFG);
    jail_init(&ic.c, &f, ic.ncg, ic.job);
}

__attribute__((noreturn)) static void jail_init(struct jail_cfg *c, const struct filter *f, int ncg, pid_t py)
{
    sigset_t chld;
    char b;
    pid_t launcher = getppid();
    int st, sfd, scratch;

    /* Wait until the launcher has written our uid/gid maps. EOF means it
     * gave up: just leave. */
    if (read(FD_CTL, &b, 1) != 1)
        _exit(127);
    /* ... and for the job process's first steps through the host's /proc. */
    if (py > 0 && (read(JAIL_FD_GO_W, &b, 1) != 1 || b != 'r'))
        _exit(127);
    set_ids(0, 0, "become namespace root");
    /* Die with the launcher. Set after the credential change, which would
     * clear it; and if the launcher died before this line, leave now. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != launcher)
        _exit(127);
    join_keyring();
    join_cgroup(ncg);
    netns_limits();
    scratch = setup_root(c);
    forget_host_paths(c);   /* fresh mode's job process is a copy of this one */
    if (sethostname("sandbox", 7) < 0)
        child_fail("sethostname");
    loopback_up();
    sandbox_limits(c);
    /* After the attach, so /proc/self/cgroup shows "/" and no host path. */
    if (unshare(CLONE_NEWCGROUP) < 0)
        child_fail("cgroup namespace");
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0 || (sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
        child_fail("signalfd");
    if (py > 0) {
        /* The root is built: the job process (jail_spawn's fork) may go on. */
        if (write(JAIL_FD_GO_W, "g", 1) != 1)
            child_fail("let the job process go");
        close(JAIL_FD_GO_W);
    } else {
        /* Fresh mode: the job process is a fork of this init, now. */
        py = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
        if (py < 0)
            child_fail("fork the job process");
        if (py == 0) {
            close(sfd);
            if (scratch >= 0)
                close(scratch);
            job_process(c, f);
        }
    }
    if (c->scratch_mb > 0 || c->ninputs > 0 || c->session)
        send_ready(scratch);
    /* A session's sandbox may hold several sessions (forks of the first,
     * each with its own control socket): init ends when the last of its
     * processes does, or with the launcher (PR_SET_PDEATHSIG), or when
     * the executor kills it; the first control socket is its job
     * process's alone, so that process's end closes it. */
    if (c->session)
        close(FD_CTL);
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
        struct pollfd p[2] = {{c->session ? -1 : FD_CTL, 0, 0}, {sfd, POLLIN, 0}};
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
                if (w < 0 && errno == ECHILD && c->session)
                    _exit(0);   /* the last session of this sandbox ended */
                if (w <= 0)
                    break;
                if (w == py) {
                    char msg[1 + sizeof(int)];
                    msg[0] = 'S';
                    memcpy(msg + 1, &st, sizeof(int));
                    if (write(FD_STATUS, msg, sizeof(msg)) < 0) {
                        /* executor gone: nothing to tell */
                    }
                    if (!c->session)
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
