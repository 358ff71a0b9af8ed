/* launcher: starting execq-launcher and asking it for sandboxes (see
 * launcher.h). Requests are serialised by a mutex: the launcher answers one
 * at a time, in order. */
#include "launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdpass.h"
#include "log.h"
#include "util.h"

/* How long the launcher may take to answer: its start imports numpy and
 * pandas (seconds under sanitizers); a sandbox takes milliseconds. */
#define START_TIMEOUT_MS   120000
#define PREPARE_TIMEOUT_MS 30000

char *const lnch_env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "HOME=/",
                          "USER=sandbox", "OMP_NUM_THREADS=1", "OPENBLAS_NUM_THREADS=1", "MKL_NUM_THREADS=1",
                          NULL};

struct lnch {
    pid_t pid;
    int sock;
    atomic_int dead;       /* reaped: pid is no longer ours to signal */
    pthread_mutex_t mu;    /* one request at a time */
};

static struct lnch_idmap idmap;
static int idmap_on;

void lnch_set_idmap(const struct lnch_idmap *m)
{
    idmap_on = m != NULL;
    if (m)
        idmap = *m;
}

/* Runs newuidmap or newgidmap (tool) for pid: 0 -> own, 1.. -> the
 * sandboxes' ids. Returns 0, or -1 with the reason in errstr. */
static int map_ids(const char *tool, pid_t pid, long own, char *errstr, size_t errstr_size)
{
    char a[4][24], path[64];
    char *argv[] = {path, a[0], "0", a[1], "1", "1", a[2], a[3], NULL};
    char *envp[] = {"PATH=/usr/bin:/bin", NULL};
    int status;
    pid_t p;

    snprintf(path, sizeof(path), "/usr/bin/%s", tool);
    snprintf(a[0], sizeof(a[0]), "%d", (int)pid);
    snprintf(a[1], sizeof(a[1]), "%ld", own);
    snprintf(a[2], sizeof(a[2]), "%ld", idmap.base);
    snprintf(a[3], sizeof(a[3]), "%ld", idmap.count);
    if ((p = fork()) == 0) {
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
            _exit(127);
        syscall(SYS_close_range, 3, ~0U, 0);
        execve(path, argv, envp);
        _exit(127);
    }
    if (p < 0 || waitpid(p, &status, 0) != p || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(errstr, errstr_size, "%s %d 0 %ld 1 1 %ld %ld failed (status %d): is the uidmap package "
                 "installed, and are these ids in the executor user's /etc/subuid and /etc/subgid?",
                 path, (int)pid, own, idmap.base, idmap.count, p < 0 ? -1 : status);
        return -1;
    }
    return 0;
}

/* The executor's half of a rootless launcher's start (lnch_spawn): waits
 * until the child has its user namespace (a byte from it), has it mapped,
 * and lets it go on (a byte to it). */
static int map_launcher(pid_t pid, int from_child, int to_child, char *errstr, size_t errstr_size)
{
    char c = 0;

    if (read(from_child, &c, 1) != 1) {
        snprintf(errstr, errstr_size, "the launcher could not make its user namespace (a rootless executor "
                 "needs unprivileged user namespaces: sysctl kernel.unprivileged_userns_clone=1)");
        return -1;
    }
    if (map_ids("newuidmap", pid, idmap.uid, errstr, errstr_size) < 0 ||
        map_ids("newgidmap", pid, idmap.gid, errstr, errstr_size) < 0)
        return -1;
    if (write(to_child, "g", 1) != 1) {
        snprintf(errstr, errstr_size, "start the sandbox launcher: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Receives one reply with up to 3 descriptors. Returns the number of
 * descriptors (fds filled), or -1 with the reason in errstr. */
static int recv_reply(int sock, int timeout_ms, struct lnch_rep *rep, int fds[3], char *errstr, size_t errstr_size)
{
    struct pollfd p = {sock, POLLIN, 0};
    ssize_t n;
    int nfds = 0;

    if (poll(&p, 1, timeout_ms) <= 0) {
        snprintf(errstr, errstr_size, "the sandbox launcher did not answer within %d ms", timeout_ms);
        return -1;
    }
    n = fdpass_recv(sock, rep, sizeof(*rep), MSG_CMSG_CLOEXEC, fds, 3, &nfds);
    if (n != (ssize_t)sizeof(*rep)) {
        snprintf(errstr, errstr_size, "the sandbox launcher is gone (%s)", n < 0 ? strerror(errno) : "closed");
        for (int i = 0; i < nfds; i++)
            close(fds[i]);
        return -1;
    }
    rep->err[sizeof(rep->err) - 1] = '\0';
    return nfds;
}

struct lnch *lnch_spawn(const char *launcher, const struct lnch_hello *hello, char *errstr, size_t errstr_size)
{
    struct lnch *l = calloc(1, sizeof(*l));
    char self[512], path[600];
    int sv[2] = {-1, -1}, sync[2] = {-1, -1}, go[2] = {-1, -1};
    ssize_t n;

    if (!l) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    l->sock = -1;
    pthread_mutex_init(&l->mu, NULL);
    if (launcher && launcher[0]) {
        snprintf(path, sizeof(path), "%s", launcher);
    } else {
        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0) {
            snprintf(errstr, errstr_size, "readlink /proc/self/exe: %s", strerror(errno));
            goto fail;
        }
        self[n] = '\0';
        snprintf(path, sizeof(path), "%s/execq-launcher", dirname(self));
    }
    if (access(path, X_OK) < 0) {
        snprintf(errstr, errstr_size, "%s: %s (it is built and installed beside execq-executor)", path,
                 strerror(errno));
        goto fail;
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        snprintf(errstr, errstr_size, "socketpair: %s", strerror(errno));
        goto fail;
    }
    if (idmap_on && (pipe2(sync, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)) {
        snprintf(errstr, errstr_size, "pipe: %s", strerror(errno));
        goto fail;
    }
    /* From the executor's main thread (launcher.h): only async-signal-safe
     * calls in the child before execve, so other threads' locks never matter. */
    l->pid = fork();
    if (l->pid < 0) {
        snprintf(errstr, errstr_size, "fork: %s", strerror(errno));
        goto fail;
    }
    if (l->pid == 0) {
        char *argv[] = {"execq-launcher", NULL};
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        char c = 0;
        /* Dies with the executor; no credential change follows, so it holds. */
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        /* Rootless: a user namespace of its own, mapped by the executor
         * (map_ids) while this waits; then it is root there. */
        if (idmap_on && (unshare(CLONE_NEWUSER) < 0 || write(sync[1], "u", 1) != 1 || read(go[0], &c, 1) != 1 ||
                         c != 'g' || prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0))
            _exit(126);
        if (null < 0 || dup2(sv[1], 3) != 3 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
            _exit(127);
        syscall(SYS_close_range, 4, ~0U, 0);
        signal(SIGPIPE, SIG_DFL);   /* the executor ignores it; execve keeps ignored signals */
        execve(path, argv, lnch_env);
        _exit(127);
    }
    close(sv[1]);
    sv[1] = -1;
    if (idmap_on) {
        int rc;
        close(sync[1]);   /* the child's ends: a read sees EOF if it dies */
        close(go[0]);
        rc = map_launcher(l->pid, sync[0], go[1], errstr, errstr_size);
        close(sync[0]);
        close(go[1]);
        sync[0] = sync[1] = go[0] = go[1] = -1;
        if (rc < 0)
            goto fail;
    }
    l->sock = sv[0];
    sv[0] = -1;
    if (send(l->sock, hello, sizeof(*hello), MSG_NOSIGNAL) != (ssize_t)sizeof(*hello)) {
        snprintf(errstr, errstr_size, "start the sandbox launcher: %s", strerror(errno));
        goto fail;
    }
    return l;
fail:
    if (sv[0] >= 0) close(sv[0]);
    if (sv[1] >= 0) close(sv[1]);
    for (int i = 0; i < 2; i++) {
        if (sync[i] >= 0) close(sync[i]);
        if (go[i] >= 0) close(go[i]);
    }
    lnch_stop(l);
    return NULL;
}

int lnch_ready(struct lnch *l, char *errstr, size_t errstr_size)
{
    struct lnch_rep rep;
    int fds[3], nfds = recv_reply(l->sock, START_TIMEOUT_MS, &rep, fds, errstr, errstr_size);

    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    if (nfds < 0)
        return -1;
    if (!rep.ok) {
        snprintf(errstr, errstr_size, "sandbox launcher: %s", rep.err);
        return -1;
    }
    if (rep.huge_kib > 0)
        log_msg(LOG_INFO, "zygote ready: %lld MiB of its memory in 2 MiB pages", (long long)(rep.huge_kib >> 10));
    return 0;
}

struct lnch *lnch_start(const char *launcher, const struct lnch_hello *hello, char *errstr, size_t errstr_size)
{
    struct lnch *l = lnch_spawn(launcher, hello, errstr, errstr_size);

    if (l && lnch_ready(l, errstr, errstr_size) < 0) {
        lnch_stop(l);
        return NULL;
    }
    return l;
}

int lnch_prepare(struct lnch *l, const struct lnch_req *rq, struct lnch_box *box, char *errstr, size_t errstr_size)
{
    struct lnch_rep rep;
    int fds[3], nfds, ret = -1;

    if (rq->ntasks < 1 || rq->ntasks > LNCH_MAX_TASK_FILES) {
        snprintf(errstr, errstr_size, "%d task files", rq->ntasks);
        return -1;
    }
    pthread_mutex_lock(&l->mu);
    if (atomic_load(&l->dead)) {
        snprintf(errstr, errstr_size, "the sandbox launcher is gone");
        nfds = -1;
    } else if (send(l->sock, rq, sizeof(*rq), MSG_NOSIGNAL) != (ssize_t)sizeof(*rq)) {
        snprintf(errstr, errstr_size, "the sandbox launcher is gone (%s)", strerror(errno));
        nfds = -1;
    } else {
        nfds = recv_reply(l->sock, PREPARE_TIMEOUT_MS, &rep, fds, errstr, errstr_size);
    }
    if (nfds < 0 && !atomic_load(&l->dead)) {
        /* No answer, or a broken socket: a late answer would be taken for
         * the next request's. End the launcher (its sandboxes die with it);
         * lnch_alive() then says so and the executor stops. */
        kill(l->pid, SIGKILL);
        waitpid(l->pid, NULL, 0);   /* ECHILD if lnch_alive reaped it first */
        atomic_store(&l->dead, 1);
    }
    pthread_mutex_unlock(&l->mu);
    if (nfds < 0)
        return -1;
    if (!rep.ok || nfds != 3) {
        snprintf(errstr, errstr_size, "sandbox launcher: %s", rep.ok ? "reply without descriptors" : rep.err);
        goto out;
    }
    *box = (struct lnch_box){.init = rep.pid, .ctl = fds[0], .status = fds[1], .pidfd = fds[2]};
    nfds = 0;
    ret = 0;
out:
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    return ret;
}

/* No lock: the main loop asks every 200 ms and must not wait behind a
 * sandbox being built. Whoever reaps the launcher sets dead. */
int lnch_alive(struct lnch *l)
{
    if (!atomic_load(&l->dead) && waitpid(l->pid, NULL, WNOHANG) == l->pid)
        atomic_store(&l->dead, 1);
    return !atomic_load(&l->dead);
}

pid_t lnch_pid(const struct lnch *l)
{
    return l->pid;
}

void lnch_stop(struct lnch *l)
{
    if (!l)
        return;
    if (l->sock >= 0)
        close(l->sock);   /* the launcher exits on EOF */
    if (l->pid > 0 && !atomic_load(&l->dead)) {
        int st;
        for (int i = 0; i < 300 && waitpid(l->pid, &st, WNOHANG) == 0; i++)
            util_sleep_ms(10);
        if (waitpid(l->pid, &st, WNOHANG) == 0) {
            kill(l->pid, SIGKILL);
            waitpid(l->pid, &st, 0);
        }
    }
    pthread_mutex_destroy(&l->mu);
    free(l);
}
