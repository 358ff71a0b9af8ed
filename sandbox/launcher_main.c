/* execq-launcher: builds every sandbox, on request of the executor that
 * started it (see launcher.h). One thread, started clean by execve from an
 * executor that had no thread yet; it never sees a job: the code and stdio
 * travel from the executor straight to the sandbox over the control socket
 * it hands back. In warm mode it holds the zygote's interpreter, so each
 * sandbox is a copy of a Python that has already imported numpy and pandas.
 *
 * fd 3 is the executor's socket; 0-2 are /dev/null. It exits when fd 3
 * closes; its sandboxes' inits die with it (PR_SET_PDEATHSIG). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdpass.h"
#include "filter.h"
#include "jail.h"
#include "job.h"
#include "launcher_proto.h"
#include "zygote.h"

#define SOCK 3

static struct lnch_hello hello;
static char *argv_area;      /* main()'s argv strings: wiped in each sandbox's copy */
static size_t argv_area_len;
static struct filter filter;
static int self_exe = -1;    /* this binary, O_PATH: fresh mode's job process execs it */

/* Runs this binary again from a sealed memfd, once, before anything else:
 * /proc/self/exe of every sandbox process (a copy of the launcher, or in
 * fresh mode an exec of it) then names "/memfd:execq-launcher", no host
 * path, and opens a copy of our own binary, never a host file outside the
 * sandbox root (runc does the same for its own binary). Returns only on
 * failure, with the reason in errstr. */
static void reexec_from_memfd(char **argv, char *errstr, size_t errstr_size)
{
    char link[64];
    ssize_t n = readlink("/proc/self/exe", link, sizeof(link) - 1);
    struct stat sb;
    int src, fd;

    if (n > 0 && (link[n] = '\0', strncmp(link, "/memfd:", 7) == 0)) {
        prctl(PR_SET_NAME, "execq-launcher", 0, 0, 0);
        errstr[0] = '\0';
        return;   /* done already */
    }
    fd = memfd_create("execq-launcher", MFD_CLOEXEC | MFD_ALLOW_SEALING | 0x10 /* MFD_EXEC, 6.3+ */);
    if (fd < 0 && errno == EINVAL)
        fd = memfd_create("execq-launcher", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || src < 0 || fstat(src, &sb) < 0) {
        snprintf(errstr, errstr_size, "copy the launcher into a memfd: %s", strerror(errno));
        return;
    }
    for (off_t left = sb.st_size; left > 0;) {
        ssize_t k = sendfile(fd, src, NULL, (size_t)left);
        if (k <= 0) {
            snprintf(errstr, errstr_size, "copy the launcher into a memfd: %s", strerror(k < 0 ? errno : EIO));
            return;
        }
        left -= k;
    }
    close(src);
    if (fchmod(fd, 0555) < 0 ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
        snprintf(errstr, errstr_size, "seal the launcher's memfd: %s", strerror(errno));
        return;
    }
    syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
    snprintf(errstr, errstr_size, "exec the launcher's memfd: %s", strerror(errno));
}

/* The launcher's own mount namespace, a slave of the host's (the host's
 * later mounts still arrive; nothing of ours leaves), with a tmpfs at
 * hello.jail.dev_dir for the slots' files (jail_slot_files), its cwd from
 * now on, holding the overlays' empty layer. */
static int private_mounts(char *errstr, size_t errstr_size)
{
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
        snprintf(errstr, errstr_size, "own mount namespace: %s", strerror(errno));
        return -1;
    }
    /* An environment's launcher: the environment at JAIL_ENV_PATH, where
     * its zygote imports from and its sandboxes bind it (jail.c). */
    if (hello.jail.env_dir[0] == '/') {
        mkdir(JAIL_ENV_PATH, 0755);
        if (mount(hello.jail.env_dir, JAIL_ENV_PATH, NULL, MS_BIND, NULL) < 0 ||
            mount(NULL, JAIL_ENV_PATH, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0) {
            snprintf(errstr, errstr_size, "the environment at %s: %s", JAIL_ENV_PATH, strerror(errno));
            return -1;
        }
    }
    mkdir(hello.jail.dev_dir, 0755);
    if (mount("execq-dev", hello.jail.dev_dir, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64m,nr_inodes=65536,mode=0755") < 0 ||
        chdir(hello.jail.dev_dir) < 0 || mkdir(".empty", 0755) < 0) {
        snprintf(errstr, errstr_size, "slot files' tmpfs at %.120s: %s", hello.jail.dev_dir, strerror(errno));
        return -1;
    }
    return 0;
}

static int write_file(const char *path, const char *data)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t len = (ssize_t)strlen(data);
    int ok = fd >= 0 && write(fd, data, (size_t)len) == len;   /* one write: the kernel needs it whole */

    if (fd >= 0)
        close(fd);
    return ok ? 0 : -1;
}

static void reply(const struct lnch_rep *rep, const int *fds, int nfds)
{
    if (fdpass_send(SOCK, rep, sizeof(*rep), fds, nfds) < 0)
        _exit(1);   /* the executor is gone */
}

/* Answers "<what><detail>: <errno text>". */
static void fail_reply(const char *what, const char *detail)
{
    struct lnch_rep rep = {0};
    snprintf(rep.err, sizeof(rep.err), "%s%s: %s", what, detail, strerror(errno));
    reply(&rep, NULL, 0);
}

/* What the clone child of prepare() gets; it lives on the launcher's stack,
 * which the child shares (CLONE_VM) while the launcher waits for its exec. */
struct spawn_arg {
    struct jail_cfg jc;
    int ntasks, ctl, st, cg[LNCH_MAX_TASK_FILES];
    struct jail_wipe wipe[6];
};

/* The stack jail_spawn runs on, and with it the warm job's code: the job
 * process is a copy of this memory and keeps running on its copy of this
 * stack. The size of a main thread's (RLIMIT_STACK's 8 MiB), a guard page
 * under it; made once, touched only where used. */
#define SPAWN_STACK (8UL << 20)
static char *spawn_stack;

static int spawn_child(void *p)
{
    struct spawn_arg *a = p;
    sigset_t chld;

    /* SIGCHLD stays blocked through init's exec (its signalfd picks up a
     * job that ended early); the job process clears it before the code. */
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_SETMASK, &chld, NULL);
    jail_child_fds(a->ctl, a->st, self_exe, a->cg, a->ntasks);
    jail_spawn(&a->jc, &filter, a->ntasks, a->wipe, 6, a->jc.warm);
}

/* Zeroes the stack below the caller's frame: what earlier calls left there
 * (the slot's paths, the cgroup files' names) would otherwise be in every
 * job process's copy of this memory. */
__attribute__((noinline)) static void scrub_stack(void)
{
    char junk[256 << 10];
    explicit_bzero(junk, sizeof(junk));
    __asm__ volatile("" : : "r"(junk) : "memory");
}

/* Builds one sandbox up to its waiting job process and hands it over. */
static void prepare(const struct lnch_req *rq)
{
    int ctl[2] = {-1, -1}, st[2] = {-1, -1}, pidfd = -1, cg[LNCH_MAX_TASK_FILES];
    long host = (long)hello.uid_base + 2L * rq->slot;
    char map[96], path[64];
    struct lnch_rep rep = {0};
    pid_t pid = -1;

    if (rq->slot < 0 || rq->slot >= 1024 || rq->ntasks < 1 || rq->ntasks > LNCH_MAX_TASK_FILES ||
        rq->scratch_mb < 0 || rq->scratch_mb > JOB_MAX_SCRATCH_MB || rq->ninputs < 0 || rq->ninputs > JOB_MAX_FILES ||
        rq->input_bytes < 0 || rq->input_bytes > ((int64_t)JOB_MAX_INPUT_MB << 20)) {
        errno = EINVAL;
        fail_reply("bad request", "");
        return;
    }
    for (int i = 0; i < rq->ntasks; i++)
        if (!memchr(rq->task_files[i], '\0', sizeof(rq->task_files[i])) ||
            strncmp(rq->task_files[i], "/sys/fs/cgroup/", 15) != 0 || strstr(rq->task_files[i], "..")) {
            errno = EINVAL;
            fail_reply("task file not under /sys/fs/cgroup", "");
            return;
        }
    for (int i = 0; i < LNCH_MAX_TASK_FILES; i++)
        cg[i] = -1;
    if (jail_slot_files(&hello.jail, rq->slot) < 0) {
        fail_reply("files of the slot", "");
        return;
    }
    /* Opened here, as root; init writes itself into them (jail.h). */
    for (int i = 0; i < rq->ntasks; i++)
        if ((cg[i] = open(rq->task_files[i], O_WRONLY | O_CLOEXEC)) < 0) {
            fail_reply("open ", rq->task_files[i]);
            goto out;
        }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) < 0 || pipe2(st, O_CLOEXEC) < 0) {
        fail_reply("socketpair/pipe", "");
        goto out;
    }
    /* All namespaces at once; the child is pid 1 of the new PID namespace.
     * Warm mode, CLONE_VM|CLONE_VFORK: it shares this memory (the zygote),
     * no copy, and this thread waits until it has forked the job process
     * and exec'd init. Fresh mode: a copy of this small process, which goes
     * on as init (jail_spawn). */
    {
        struct spawn_arg a = {.jc = hello.jail, .ntasks = rq->ntasks, .ctl = ctl[1], .st = st[1]};
        a.jc.scratch_mb = rq->scratch_mb;
        a.jc.ninputs = rq->ninputs;
        a.jc.input_bytes = rq->input_bytes;
        a.jc.slot = rq->slot;
        a.jc.session = rq->session ? 1 : 0;
        memcpy(a.cg, cg, sizeof(a.cg));
        /* Everything of the executor the job process's copy of this memory
         * holds and the sandbox does not need: the request (the cgroup
         * path names the executor's pid and the slot), the hello (the
         * sandbox root), the last paths written, main()'s argv (its
         * /proc/<pid>/cmdline), and this argument itself. */
        a.wipe[0] = (struct jail_wipe){(void *)rq, sizeof(*rq)};
        a.wipe[1] = (struct jail_wipe){&hello, sizeof(hello)};
        a.wipe[2] = (struct jail_wipe){map, sizeof(map)};
        a.wipe[3] = (struct jail_wipe){path, sizeof(path)};
        a.wipe[4] = (struct jail_wipe){argv_area, argv_area_len};
        a.wipe[5] = (struct jail_wipe){a.cg, sizeof(a.cg)};   /* descriptor numbers; jc is wiped by jail_spawn */
        scrub_stack();
        pid = clone(spawn_child, spawn_stack + SPAWN_STACK,
                    (hello.jail.warm ? CLONE_VM | CLONE_VFORK : 0) | CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID |
                        CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD, &a);
        memset(&a, 0, sizeof(a));
    }
    if (pid < 0) {
        fail_reply("clone", "");
        goto out;
    }
    close(ctl[1]);
    close(st[1]);
    ctl[1] = st[1] = -1;
    /* Namespace root is an unprivileged host uid of this slot, the code's
     * uid 1000 the next one: neither is root, nor shared by two slots. */
    snprintf(map, sizeof(map), "0 %ld 1\n%d %ld 1\n", host, JAIL_UID, host + 1);
    snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
    if (write_file(path, map) < 0) {
        fail_reply("write ", path);
        goto out;
    }
    snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
    if (write_file(path, map) < 0) {
        fail_reply("write ", path);
        goto out;
    }
    /* When memory runs out host-wide, a job dies first, never the broker,
     * the API or the executor; the job process inherits it from init. */
    snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
    if (write_file(path, "1000") < 0) {
        fail_reply("write ", path);
        goto out;
    }
    if (send(ctl[0], "m", 1, MSG_NOSIGNAL) != 1) {   /* maps done: build the root */
        fail_reply("sync", "");
        goto out;
    }
    pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) {
        fail_reply("pidfd_open", "");
        goto out;
    }
    rep.ok = 1;
    rep.pid = pid;
    {
        int fds[3] = {ctl[0], st[0], pidfd};
        reply(&rep, fds, 3);
    }
    pid = -1;   /* the executor owns the sandbox now */
out:
    if (pid > 0)
        kill(pid, SIGKILL);   /* reaped by the loop */
    for (int i = 0; i < 2; i++) {
        if (ctl[i] >= 0) close(ctl[i]);
        if (st[i] >= 0) close(st[i]);
    }
    if (pidfd >= 0)
        close(pidfd);
    for (int i = 0; i < LNCH_MAX_TASK_FILES; i++)
        if (cg[i] >= 0)
            close(cg[i]);
}

/* Fresh mode's job: this binary exec'd by the job process inside its
 * sandbox (jail.c), already uid 1000 under seccomp, with the code on fd 3.
 * A cold interpreter, configured and ended exactly as the zygote's jobs. */
__attribute__((noreturn)) static void run_fresh(const char *python, const char *mpl_dir, const char *site)
{
    char errstr[240];
    static char code[JAIL_CODE_MAX + 1];
    size_t off = 0;
    ssize_t n;

    while (off < JAIL_CODE_MAX && (n = read(3, code + off, JAIL_CODE_MAX - off)) > 0)
        off += (size_t)n;
    code[off] = '\0';
    close(3);
    if (zyg_init(python, site, 0, "", mpl_dir, mpl_dir, 0, NULL, errstr, sizeof(errstr)) < 0) {   /* in the sandbox */
        dprintf(2, "execq: %s\n", errstr);
        _exit(120);
    }
    zyg_run(code);
}

/* Fresh mode's session: the same cold interpreter, started once, then
 * exec after exec from ctl on fd 3 (jail_session_serve). */
__attribute__((noreturn)) static void run_fresh_session(const char *python, const char *mpl_dir, const char *site)
{
    char errstr[240];

    fcntl(3, F_SETFD, FD_CLOEXEC);
    /* Python makes sys.stdin/stdout/stderr from 0-2 at its start (None
     * when closed): /dev/null there now, each exec's pipes later. */
    for (int fd = 0; fd < 3; fd++) {
        int n = open("/dev/null", O_RDWR);
        if (n != fd)
            _exit(120);
    }
    if (zyg_init(python, site, 0, "", mpl_dir, mpl_dir, 0, NULL, errstr, sizeof(errstr)) < 0) {   /* in the sandbox */
        dprintf(2, "execq: %s\n", errstr);
        _exit(120);
    }
    jail_session_serve(3);
}

int main(int argc, char **argv)
{
    struct lnch_rep rep = {0};
    char errstr[240];
    long huge_kib = 0;
    sigset_t chld;
    int sfd;

    if (getpid() == 1)
        jail_init_main();   /* a sandbox's init, exec'd by jail_spawn */
    if (argc == 5 && strcmp(argv[1], JAIL_FRESH_ARG) == 0)
        run_fresh(argv[2], argv[3], argv[4]);
    if (argc == 5 && strcmp(argv[1], JAIL_SESSION_ARG) == 0)
        run_fresh_session(argv[2], argv[3], argv[4]);
    argv_area = argv[0];
    argv_area_len = strlen(argv[0]);
    if (argc != 1 || fcntl(SOCK, F_GETFD) < 0) {
        fprintf(stderr, "execq-launcher is started by execq-executor, never by hand\n");
        return 2;
    }
    reexec_from_memfd(argv, errstr, sizeof(errstr));
    if (recv(SOCK, &hello, sizeof(hello), 0) != (ssize_t)sizeof(hello))
        _exit(1);
    if (errstr[0])
        goto fail;
    hello.warm_imports[sizeof(hello.warm_imports) - 1] = '\0';
    hello.jail.python[sizeof(hello.jail.python) - 1] = '\0';
    hello.jail.mpl_dir[sizeof(hello.jail.mpl_dir) - 1] = '\0';
    hello.jail.dev_dir[sizeof(hello.jail.dev_dir) - 1] = '\0';
    hello.jail.env_dir[sizeof(hello.jail.env_dir) - 1] = '\0';
    hello.jail.env_site[sizeof(hello.jail.env_site) - 1] = '\0';
    self_exe = open("/proc/self/exe", O_PATH | O_CLOEXEC);
    if (self_exe < 0) {
        snprintf(errstr, sizeof(errstr), "open /proc/self/exe: %s", strerror(errno));
        goto fail;
    }
    if (private_mounts(errstr, sizeof(errstr)) < 0)
        goto fail;
    if (filter_build(&filter, errstr, sizeof(errstr)) < 0)
        goto fail;
    spawn_stack = mmap(NULL, SPAWN_STACK + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                       -1, 0);
    if (spawn_stack == MAP_FAILED || mprotect(spawn_stack, 4096, PROT_NONE) < 0) {
        snprintf(errstr, sizeof(errstr), "spawn stack: %s", strerror(errno));
        goto fail;
    }
    spawn_stack += 4096;
    if (hello.jail.warm && zyg_init(hello.jail.python, hello.jail.env_site, hello.jail.env_untrusted,
                                    hello.jail.env_untrusted ? "" : hello.warm_imports, hello.jail.mpl_dir,
                                    hello.jail.mpl_dir[0] ? JAIL_MPL_DIR : "", hello.zygote_huge_pages,
                                    &huge_kib, errstr, sizeof(errstr)) < 0)
        goto fail;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0 || (sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
        snprintf(errstr, sizeof(errstr), "signalfd: %s", strerror(errno));
        goto fail;
    }
    rep.ok = 1;
    rep.pid = getpid();
    rep.huge_kib = huge_kib;
    reply(&rep, NULL, 0);
    for (;;) {
        struct pollfd p[2] = {{SOCK, POLLIN, 0}, {sfd, POLLIN, 0}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            _exit(1);
        }
        if (p[1].revents) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof(si)) > 0) {
            }
            while (waitpid(-1, NULL, WNOHANG) > 0) {
            }
        }
        if (p[0].revents & POLLIN) {
            struct lnch_req rq;
            ssize_t n = recv(SOCK, &rq, sizeof(rq), 0);
            if (n == 0)
                _exit(0);   /* the executor closed us: sandboxes die with us */
            if (n != (ssize_t)sizeof(rq)) {
                errno = EPROTO;
                fail_reply("bad request", "");
                continue;
            }
            prepare(&rq);
        } else if (p[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
            _exit(0);
        }
    }
fail:
    snprintf(rep.err, sizeof(rep.err), "%s", errstr);
    reply(&rep, NULL, 0);
    _exit(1);
}
