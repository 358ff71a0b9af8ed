/* sbx: the executor's side of sandboxes (see sbx.h): one slot each, built
 * ahead by the launcher, handed a job, cleaned up after the result is out.
 *
 * Process tree (see jail.c for inside a sandbox):
 *   executor (threads, Kafka)         never the parent of a sandbox
 *   `- execq-launcher                 one thread; the zygote in warm mode
 *        `- init  pid 1 of a job       one per slot, built ahead
 *             `- job  pid 2, uid 1000  waits for its one job
 *
 * Sandboxes are made ahead of time: after a job, the slot asks the launcher
 * for its next sandbox (namespaces, root, cgroup, job process ready). A job
 * then only sends its code and stdio descriptors to the waiting process
 * over the control socket: the launcher never sees them. The costly part
 * (a fork of a large warm Python, moving a task into a cgroup, which waits
 * for an RCU grace period) is off the job's path. Each sandbox serves
 * exactly one job. */
#include "sbx.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "cg.h"
#include "claim.h"
#include "envs.h"
#include "fdpass.h"
#include "launcher.h"
#include "live.h"
#include "log.h"
#include "outfiles.h"
#include "run.h"
#include "util.h"

/* A slot's sandbox: prepared (its job process waiting) or used (its job
 * ended; killing it and removing the cgroup wait for sbx_cleanup, after
 * the result is out). */
struct sbx_slot {
    struct lnch_box box;     /* box.init 0: no sandbox */
    struct lnch *ln;         /* the launcher (zygote) box came from, or NULL; compared by gen */
    uint64_t gen;            /* that launcher's generation (sbx.ln_gen when it was current; an env's: its gen) */
    int envz;                /* whose: -1 the default zygote, else sbx.envz[envz] */
    int hold;                /* ln is in use: building the box, or the box is running (or about to run) a job */
    struct cg_job *cg;
    int used;
    long memory_mb;          /* current memory limit of cg */
    int scratch;             /* O_PATH root of the job's scratch tmpfs (from init), or -1 */
};

#define SBX_MAX_SLOTS 1024

/* An environment's zygote (envs.h): a launcher of its own, started on the
 * first job that names the environment, in the spawner thread (a
 * launcher dies with the thread that forked it, and job threads come and
 * go); stopped when idle and the zygotes together are over env-zygotes-mb
 * (least recently used first), or due for renewal as the default one is
 * (zygote-max-jobs, zygote-max-age-s), and started again on demand: the
 * jobs that waited for a start report it (env_cold_start_ms). */
struct sbx_envz {
    struct env_spec spec;
    struct lnch *ln;         /* NULL: not running */
    uint64_t gen;            /* bumped at each start: sandboxes of an earlier one are dropped */
    int holders;             /* slots building a sandbox with ln or running a job in one */
    int starting;            /* the spawner is asked to start it, or is starting it */
    char error[256];         /* the last start's failure */
    int64_t used_ms, born_ms;
    long jobs;
    long rss_kb;             /* its launcher's resident memory, measured once ready */
};

struct sbx {
    const struct cfg *cfg;
    /* The launcher, and in warm mode the zygote, every new sandbox comes
     * from. It is made again after --zygote-max-jobs jobs or
     * --zygote-max-age-s seconds (sbx_maintain): the old one, retired,
     * lives on until no slot holds it (slot_unhold). */
    pthread_mutex_t ln_mu;   /* ln, retired, the slots' ln, the counts below */
    struct lnch *ln;
    struct lnch *retired;
    uint64_t ln_gen;         /* ln's generation, from 1; retired's is ln_gen - 1 */
    struct lnch_hello hello; /* what a launcher is started with */
    long ln_jobs;            /* jobs run in sandboxes of ln */
    int64_t ln_born_ms;      /* monotonic */
    int64_t next_renew_ms;   /* after a failed renewal: not before then */
    int renewing;            /* a thread is starting the next launcher */
    long renewals;
    struct sbx_slot slots[SBX_MAX_SLOTS];
    struct cg_layout cg;
    int cg_made;             /* cg_init succeeded: cg_fini at the end */
    struct claim uids;       /* this executor's sandbox uids, held until sbx_free */
    struct envs *envs;       /* sbx_set_envs; NULL: the default interpreter only */
    struct sbx_envz envz[ENVS_MAX];   /* ln_mu, like ln */
    int nenvz;
    pthread_cond_t env_cond; /* an env zygote's start asked for or done */
    pthread_t spawner;       /* starts env zygotes */
    int spawner_started, spawner_stop;
    long env_cold_starts, env_evictions;
    pthread_mutex_t sess_mu; /* sess_refs */
    int sess_refs[SBX_MAX_SLOTS];   /* per session slot: the sessions living in its sandbox (0: free) */
};

/* What the executor's group holds beyond slots x max-memory-mb: the kernel
 * memory of waiting sandboxes and of work in flight. */
#define SBX_RESERVE_MB 64
/* Kernel memory one job may hold that no cgroup counts, beyond v1 TCP
 * buffers: its TIME_WAIT sockets (JAIL_TW_BUCKETS of a few hundred bytes). */
#define SBX_UNCHARGED_MB 1
/* A session's exec interrupted at its deadline (or cancelled) has this long
 * to stop before its sandbox, and the session, is killed. */
#define SBX_SESSION_GRACE_MS 1000

/* A session's sandbox may hold several sessions: the first, and its forks
 * (sbx_session_fork), each a process of its own with its own control
 * socket; the last to end takes the sandbox with it. */
struct sbx_session {
    int slot;                /* the sandbox's slot (s->slots), shared with forks */
    int ctl;                 /* this session's control socket (the first's: the box's) */
    int job_pidfd;           /* its process: interrupted (SIGINT) at an exec's deadline */
    pid_t host_pid;
    struct cg_job *cg;       /* a fork's own group, or NULL: the sandbox's */
    long memory_mb;
    uint32_t cpu_limit_s;    /* RLIMIT_CPU of the whole session (its lifetime's worth) */
    int dead;                /* its process ended: the session is over */
};

/* Per-job state shared by the run.c callbacks. */
struct sbx_job {
    struct sbx_slot *l;
    const struct job *j;
    long timeout_ms;         /* the job's, within the executor's own bound */
    int killed;              /* we killed it (timeout, or leftovers after the end) */
    int lost;                /* init died without a word, and not by our hand */
    struct sbx_session *ss;  /* a session's exec, or NULL */
    struct sbx *s;
    int ended;               /* the session's job process said the exec ended */
};

static const struct lnch_box no_box = {.init = 0, .pidfd = -1, .ctl = -1, .status = -1};
#define NO_SLOT ((struct sbx_slot){.box = no_box, .ln = NULL, .gen = 0, .envz = -1, .hold = 0, .cg = NULL, .scratch = -1})

static int pidfd_kill(int pidfd)
{
    return pidfd >= 0 ? (int)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) : -1;
}

/* With ln_mu held: the retired launcher, taken off s, once no slot holds
 * it (builds a sandbox with it, or runs a job in one of its sandboxes), for
 * the caller to stop, unlocked; else NULL. Sandboxes of it that wait unused
 * die with it: no job starts on a retired zygote (sbx_run rebuilds them). */
static struct lnch *retired_unused(struct sbx *s)
{
    struct lnch *r = s->retired;

    for (int i = 0; r && i < SBX_MAX_SLOTS; i++)
        if (s->slots[i].hold && s->slots[i].envz < 0 && s->slots[i].gen == s->ln_gen - 1)
            return NULL;
    s->retired = NULL;
    return r;
}

/* Lets go of l's launcher: the retired one is stopped if this was its last
 * holder. */
static void slot_unhold(struct sbx *s, struct sbx_slot *l)
{
    struct lnch *stop = NULL;

    pthread_mutex_lock(&s->ln_mu);
    if (l->hold && l->envz >= 0) {
        if (--s->envz[l->envz].holders == 0)
            pthread_cond_broadcast(&s->env_cond);   /* a dead one can be stopped now (envz_acquire) */
        s->envz[l->envz].used_ms = util_mono_ms();
    }
    l->hold = 0;
    if (s->retired && l->envz < 0 && l->gen == s->ln_gen - 1)
        stop = retired_unused(s);
    pthread_mutex_unlock(&s->ln_mu);
    lnch_stop(stop);   /* NULL-safe */
}

/* Claims l's sandbox, built ahead, for a job in environment env (NULL:
 * the default): 1 if it comes from that environment's current launcher
 * (held from now on), 0 if from another, a retired one, or the
 * environment's zygote never ran here. */
static int slot_claim(struct sbx *s, struct sbx_slot *l, const char *env)
{
    int ok, ez = -1;

    pthread_mutex_lock(&s->ln_mu);
    if (!env) {
        ok = l->envz < 0 && l->gen == s->ln_gen;
    } else {
        ez = l->envz;
        ok = ez >= 0 && strcmp(s->envz[ez].spec.name, env) == 0 && s->envz[ez].ln && l->ln == s->envz[ez].ln &&
             l->gen == s->envz[ez].gen;
    }
    if (ok) {
        l->hold = 1;
        if (ez >= 0) {
            s->envz[ez].holders++;
            s->envz[ez].used_ms = util_mono_ms();
        }
    }
    pthread_mutex_unlock(&s->ln_mu);
    return ok;
}

/* A launcher's resident memory in KiB (0 if unknown). */
static long launcher_rss_kb(struct lnch *ln)
{
    char path[64], line[256];
    long kb = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)lnch_pid(ln));
    if (!(f = fopen(path, "re")))
        return 0;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

/* With ln_mu held: stops (into *stop, for the caller to lnch_stop
 * unlocked) idle env zygotes other than keep, least recently used first,
 * until the running ones and need KiB fit in env-zygotes-mb. */
static int evict(struct sbx *s, int keep, long need, struct lnch **stop)
{
    int n = 0;

    for (;;) {
        long sum = need;
        int lru = -1;
        for (int i = 0; i < s->nenvz; i++) {
            const struct sbx_envz *z = &s->envz[i];
            if (!z->ln)
                continue;
            sum += z->rss_kb;
            if (i != keep && z->holders == 0 && !z->starting && (lru < 0 || z->used_ms < s->envz[lru].used_ms))
                lru = i;
        }
        if (sum <= s->cfg->env_zygotes_mb * 1024 || lru < 0)
            return n;
        log_msg(LOG_INFO, "env %s: zygote stopped (%ld MiB; the env zygotes are over env-zygotes-mb %ld)",
                s->envz[lru].spec.name, s->envz[lru].rss_kb >> 10, s->cfg->env_zygotes_mb);
        stop[n++] = s->envz[lru].ln;
        s->envz[lru].ln = NULL;
        s->env_evictions++;
    }
}

/* The spawner thread: starts the env zygotes asked for (starting, no ln),
 * one at a time, and lives as long as s, so their launchers do too. */
static void *spawner_main(void *arg)
{
    struct sbx *s = arg;

    pthread_mutex_lock(&s->ln_mu);
    while (!s->spawner_stop) {
        int i;
        for (i = 0; i < s->nenvz; i++)
            if (s->envz[i].starting && !s->envz[i].ln)
                break;
        if (i == s->nenvz) {
            pthread_cond_wait(&s->env_cond, &s->ln_mu);
            continue;
        }
        {
            struct sbx_envz *z = &s->envz[i];
            struct lnch_hello hello = s->hello;
            struct lnch *ln, *stop[ENVS_MAX];
            char err[256];
            int64_t t0 = util_mono_ms();
            int n;
            snprintf(hello.jail.env_dir, sizeof(hello.jail.env_dir), "%s", z->spec.dir);
            snprintf(hello.jail.env_site, sizeof(hello.jail.env_site), "%s", z->spec.site);
            snprintf(hello.warm_imports, sizeof(hello.warm_imports), "%s", z->spec.imports);
            hello.jail.env_untrusted = z->spec.untrusted;
            pthread_mutex_unlock(&s->ln_mu);
            ln = lnch_start(s->cfg->launcher, &hello, err, sizeof(err));
            pthread_mutex_lock(&s->ln_mu);
            z->starting = 0;
            if (!ln) {
                snprintf(z->error, sizeof(z->error), "%s", err);
                log_msg(LOG_WARNING, "env %s: zygote not started: %s", z->spec.name, err);
                pthread_cond_broadcast(&s->env_cond);
                continue;
            }
            z->ln = ln;
            z->gen++;
            z->jobs = 0;
            z->born_ms = z->used_ms = util_mono_ms();
            z->rss_kb = launcher_rss_kb(ln);
            s->env_cold_starts++;
            log_msg(LOG_INFO, "env %s: zygote started in %lld ms, %ld MiB, launcher pid %d", z->spec.name,
                    (long long)(util_mono_ms() - t0), z->rss_kb >> 10, (int)lnch_pid(ln));
            n = evict(s, i, 0, stop);
            pthread_cond_broadcast(&s->env_cond);
            pthread_mutex_unlock(&s->ln_mu);
            for (int k = 0; k < n; k++)
                lnch_stop(stop[k]);
            pthread_mutex_lock(&s->ln_mu);
        }
    }
    pthread_mutex_unlock(&s->ln_mu);
    return NULL;
}

/* The env zygote for spec, started (and waited for) if it is not running:
 * held for the caller (holders), its generation in *gen, and the time
 * waited for a start in *cold_ms (left alone when it was running).
 * Returns its index, or -1 with the reason in errstr. */
static int envz_acquire(struct sbx *s, const struct env_spec *spec, struct lnch **ln, uint64_t *gen, long *cold_ms,
                        char *errstr, size_t errstr_size)
{
    const struct cfg *c = s->cfg;
    int64_t t0 = util_mono_ms();
    struct lnch *stop[2 * ENVS_MAX + 2];
    int i, n = 0, waited = 0, ret = -1;
    struct sbx_envz *z;

    pthread_mutex_lock(&s->ln_mu);
    for (i = 0; i < s->nenvz && strcmp(s->envz[i].spec.name, spec->name) != 0; i++) {
    }
    if (i == s->nenvz) {
        if (s->nenvz == ENVS_MAX) {
            snprintf(errstr, errstr_size, "more than %d environments", ENVS_MAX);
            goto out;
        }
        memset(&s->envz[i], 0, sizeof(s->envz[i]));
        s->envz[i].spec = *spec;
        s->nenvz++;
    }
    z = &s->envz[i];
    for (;;) {
        if (z->ln && !lnch_alive(z->ln)) {
            /* Stopped (freed) once no slot holds it: their jobs end fast,
             * their sandboxes died with it. */
            if (z->holders > 0) {
                pthread_cond_wait(&s->env_cond, &s->ln_mu);
                continue;
            }
            log_msg(LOG_WARNING, "env %s: its zygote died; starting it again", z->spec.name);
            stop[n++] = z->ln;
            z->ln = NULL;
        }
        /* Due for renewal (every warm job of it shares its layout and
         * hash seed) and idle: made again, as the default one is. */
        if (z->ln && z->holders == 0 && !waited &&
            ((c->zygote_max_jobs && z->jobs >= c->zygote_max_jobs) ||
             (c->zygote_max_age_s && t0 - z->born_ms >= c->zygote_max_age_s * 1000))) {
            log_msg(LOG_INFO, "env %s: zygote made again after %ld jobs", z->spec.name, z->jobs);
            stop[n++] = z->ln;
            z->ln = NULL;
        }
        if (z->ln)
            break;
        if (waited && !z->starting && z->error[0]) {
            snprintf(errstr, errstr_size, "environment %s: its zygote did not start: %s", z->spec.name, z->error);
            goto out;
        }
        if (!z->starting) {
            z->starting = 1;
            z->error[0] = '\0';
            n += evict(s, i, z->rss_kb, stop + n);
            pthread_cond_broadcast(&s->env_cond);
        }
        waited = 1;
        pthread_cond_wait(&s->env_cond, &s->ln_mu);
    }
    z->holders++;
    z->used_ms = util_mono_ms();
    *ln = z->ln;
    *gen = z->gen;
    /* Over the budget (a zygote busy when another started was kept): the
     * idle ones go now, least recently used first. */
    n += evict(s, i, 0, stop + n);
    if (waited)
        *cold_ms = (long)(util_mono_ms() - t0);
    ret = i;
out:
    pthread_mutex_unlock(&s->ln_mu);
    for (int k = 0; k < n; k++)
        lnch_stop(stop[k]);
    return ret;
}

/* Kills and removes a slot's sandbox, used or not. init is the launcher's
 * child, not ours: it is killed through its pidfd (no pid reuse race), and
 * the cgroup goes once init has exited, which the kernel allows only after
 * every other process of its PID namespace is gone. */
static void slot_destroy(struct sbx *s, struct sbx_slot *l)
{
    if (l->box.pidfd >= 0) {
        struct pollfd p = {l->box.pidfd, POLLIN, 0};
        pidfd_kill(l->box.pidfd);
        if (poll(&p, 1, 5000) <= 0)
            log_msg(LOG_WARNING, "init %d still there 5 s after SIGKILL", (int)l->box.init);
        close(l->box.pidfd);
    }
    cg_job_destroy(l->cg);           /* NULL-safe; kills anything left in the group */
    if (l->box.status >= 0)
        close(l->box.status);
    if (l->box.ctl >= 0)
        close(l->box.ctl);
    if (l->scratch >= 0)
        close(l->scratch);
    slot_unhold(s, l);   /* the last holder of a retired zygote: it can go now */
    *l = NO_SLOT;
}

/* Reads one message of a sandbox's status pipe into msg (NUL-ended),
 * riding out EINTR: a signal must not turn a finished job into a killed
 * one. Returns its length, 0 at EOF (init died first), -1 on error. A
 * set-up error ("E<text>") is formatted into errstr. */
static ssize_t status_read(int fd, char *msg, size_t size, char *errstr, size_t errstr_size)
{
    ssize_t n;

    do
        n = read(fd, msg, size - 1);
    while (n < 0 && errno == EINTR);
    msg[n > 0 ? n : 0] = '\0';
    if (n > 0 && msg[0] == 'E') {
        msg[strcspn(msg, "\n")] = '\0';
        snprintf(errstr, errstr_size, "sandbox setup: %s", msg + 1);
    }
    return n;
}

/* A per-job sandbox: sends j's input files to init (launcher_proto.h) and waits for
 * its 'r', which brings the scratch root when there is one. Returns 0, or
 * -1 with the reason in errstr. */
static int slot_send_inputs(struct sbx_slot *l, const struct job *j, char *errstr, size_t errstr_size)
{
    char c = 0;
    struct pollfd p = {l->box.ctl, POLLIN, 0};
    int nfds = 0;

    for (int i = 0; i < j->nfiles; i++) {
        struct jail_input_hdr h = {(uint32_t)strlen(j->files[i].name), (uint32_t)j->files[i].len};
        if (util_send_all(l->box.ctl, &h, sizeof(h)) < 0 ||
            util_send_all(l->box.ctl, j->files[i].name, h.name_len) < 0 ||
            util_send_all(l->box.ctl, j->files[i].data, j->files[i].len) < 0)
            goto fail;
    }
    if (poll(&p, 1, 10000) != 1)
        goto fail;
    if (fdpass_recv(l->box.ctl, &c, 1, MSG_CMSG_CLOEXEC, &l->scratch, 1, &nfds) != 1 || c != 'r') {
        if (nfds == 1) {
            close(l->scratch);
            l->scratch = -1;
        }
        goto fail;
    }
    if ((j->scratch_mb > 0) != (l->scratch >= 0)) {
        errno = EPROTO;
        goto fail;
    }
    return 0;
fail:
    {
        /* init's own words when it failed (a status message "E..."), else errno's. */
        char msg[240];
        struct pollfd q = {l->box.status, POLLIN, 0};
        int e = errno ? errno : EPROTO;
        if (poll(&q, 1, 100) != 1 || status_read(l->box.status, msg, sizeof(msg), errstr, errstr_size) <= 0 ||
            msg[0] != 'E')
            snprintf(errstr, errstr_size, "sandbox setup: %s", strerror(e));
    }
    return -1;
}

/* Has the launcher build slot's next sandbox, up to the point where its job
 * process waits for a job: a plain one ahead of time (j NULL), or one with
 * j's scratch space and input files. keep: the slot goes on holding the
 * launcher (a job runs in the box next). env: the environment's zygote
 * builds it (started if need be: the wait into *cold_ms), NULL the
 * default one. Returns 0, or -1 with the reason in errstr. */
static int slot_prepare(struct sbx *s, int slot, const struct job *j, int keep, int session,
                        const struct env_spec *env, long *cold_ms, char *errstr, size_t errstr_size)
{
    const struct cfg *c = s->cfg;
    struct sbx_slot *l = &s->slots[slot];
    struct cg_limits lim = {
        .memory_bytes = (int64_t)c->memory_mb << 20,
        .pids_max = c->pids_max,
        .cpu_quota_us = c->cpu_percent * 1000,
        .cpu_period_us = 100000,
    };
    struct lnch_req rq;
    char name[64], id[37];
    struct lnch *eln = NULL;
    uint64_t egen = 0;
    int ez = -1;

    /* First the env's zygote, which may take a start: nothing to undo yet. */
    if (env && (ez = envz_acquire(s, env, &eln, &egen, cold_ms, errstr, errstr_size)) < 0)
        return -1;
    util_uuid(id);
    /* Under the executor's group x<pid>: a later executor can tell the
     * groups of a crashed one (cg_reap_orphans) from those of a live one. */
    snprintf(name, sizeof(name), "slot%d-%.8s", slot, id);
    l->cg = cg_job_create(&s->cg, name, &lim, errstr, errstr_size);
    if (!l->cg) {
        if (ez >= 0) {
            pthread_mutex_lock(&s->ln_mu);
            s->envz[ez].holders--;
            pthread_mutex_unlock(&s->ln_mu);
        }
        return -1;
    }
    l->memory_mb = c->memory_mb;
    memset(&rq, 0, sizeof(rq));
    rq.slot = slot;
    rq.ntasks = cg_job_task_files(l->cg, rq.task_files, LNCH_MAX_TASK_FILES);
    rq.session = session;
    if (j) {
        rq.scratch_mb = (int32_t)j->scratch_mb;
        rq.ninputs = j->nfiles;
        for (int i = 0; i < j->nfiles; i++)
            rq.input_bytes += (int64_t)j->files[i].len;
    }
    pthread_mutex_lock(&s->ln_mu);
    l->ln = ez >= 0 ? eln : s->ln;   /* held: it cannot be retired and stopped under us */
    l->gen = ez >= 0 ? egen : s->ln_gen;
    l->envz = ez;
    l->hold = 1;                     /* an env's: envz_acquire counted the holder */
    pthread_mutex_unlock(&s->ln_mu);
    if (lnch_prepare(l->ln, &rq, &l->box, errstr, errstr_size) < 0 ||
        (j && slot_send_inputs(l, j, errstr, errstr_size) < 0)) {
        slot_destroy(s, l);
        return -1;
    }
    if (!keep)
        slot_unhold(s, l);
    return 0;
}

/* run.c's spawn: hands the job (header and stdio over SCM_RIGHTS, then the
 * code) to the waiting job process. Returns the done descriptor. */
static int sbx_spawn(void *ctx, const int fds[4], char *errstr, size_t errstr_size)
{
    struct sbx_job *x = ctx;
    struct jail_job_hdr h = {
        .code_len = (uint32_t)strlen(x->j->code),
        /* The kernel's backstop if everything above it failed: CPU seconds
         * past the wall-clock timeout (CPU never runs ahead of the wall on
         * one thread; a job's threads each count against it). */
        .cpu_limit_s = (uint32_t)((x->timeout_ms + 999) / 1000 + 1),
        .timeout_ms = (uint32_t)x->timeout_ms,
    };

    x->l->used = 1;
    if (fdpass_send(x->l->box.ctl, &h, sizeof(h), fds, JAIL_JOB_FDS) != (ssize_t)sizeof(h) ||
        util_send_all(x->l->box.ctl, x->j->code, h.code_len) < 0)
        goto fail;
    return x->l->box.status;
fail:
    snprintf(errstr, errstr_size, "hand the job to the sandbox: %s", strerror(errno));
    return -1;
}

static void sbx_kill(void *ctx)
{
    struct sbx_job *x = ctx;
    x->killed = 1;
    pidfd_kill(x->l->box.pidfd);   /* init: the kernel then kills the whole PID namespace */
    cg_job_kill(x->l->cg);         /* and anything in the cgroup, whatever happened */
}

/* The status pipe spoke: the job process's wait status ("S"), a set-up
 * error ("E"), or EOF because init died first (killed at the timeout, by
 * the OOM killer or with the executor): then the job counts as killed. */
static int sbx_done(void *ctx, int *status, char *errstr, size_t errstr_size)
{
    struct sbx_job *x = ctx;
    char msg[256];
    ssize_t n = status_read(x->l->box.status, msg, sizeof(msg), errstr, errstr_size);

    if (n > 0 && msg[0] == 'E')
        return -1;
    if (n == (ssize_t)(1 + sizeof(int)) && msg[0] == 'S') {
        memcpy(status, msg + 1, sizeof(int));
    } else {
        *status = SIGKILL;   /* as wait(2) reports a SIGKILL death */
        x->lost = !x->killed;
    }
    return 0;
}

/* After init died unbidden: whether the launcher died (its sandboxes die
 * with it, PR_SET_PDEATHSIG), looking once more shortly after, since init
 * is signalled while the launcher is still exiting. */
static int launcher_gone(struct sbx *s)
{
    if (sbx_broken(s))
        return 1;
    util_sleep_ms(50);
    return sbx_broken(s);
}

void sbx_cleanup(struct sbx *s, int slot)
{
    struct sbx_slot *l = &s->slots[slot];
    char errstr[256];

    struct env_spec env;
    int ez, running = 0;

    if (!l->used)
        return;
    /* The next sandbox from the zygote of the environment the last job
     * used, if it is still running: the next job likely names it too. */
    pthread_mutex_lock(&s->ln_mu);
    ez = l->envz;
    if (ez >= 0 && s->envz[ez].ln && !s->envz[ez].starting) {
        env = s->envz[ez].spec;
        running = 1;
    }
    pthread_mutex_unlock(&s->ln_mu);
    slot_destroy(s, l);
    if (slot_prepare(s, slot, NULL, 0, 0, running ? &env : NULL, &(long){0}, errstr, sizeof(errstr)) < 0)
        log_msg(LOG_WARNING, "slot=%d next sandbox not prepared ahead: %s", slot, errstr);
}

int sbx_run(struct sbx *s, int slot, const struct job *j, struct result *r, const struct sbx_watch *w,
            char *errstr, size_t errstr_size)
{
    struct sbx_slot *l;
    struct sbx_job x;
    struct run_display dsp = {NULL, 0, 0};
    int per_job = j->scratch_mb > 0 || j->nfiles > 0;
    long mem_mb = j->memory_mb < s->cfg->max_memory_mb ? j->memory_mb : s->cfg->max_memory_mb;
    long timeout = j->timeout_ms;
    struct run_spec spec = {
        .stdin_data = j->stdin_data,
        .stdin_len = j->stdin_data ? j->stdin_len : 0,
        .max_output = (size_t)s->cfg->max_output_bytes,
        /* the images' bytes, and room for their headers */
        .max_display = s->cfg->max_images_bytes ? (size_t)s->cfg->max_images_bytes + 64 * JOB_MAX_FILES : 0,
        .display = &dsp,
        .spawn = sbx_spawn,
        .kill_all = sbx_kill,
        .done = sbx_done,
        .ctx = &x,
        .progress = w && w->live ? live_progress : NULL,
        .pctx = w ? w->live : NULL,
        .cancel_fd = w ? w->cancel_fd : -1,
    };
    struct cg_stats st;
    struct env_spec env;
    long cold_ms = -1, built_ms = -1;
    int ret, have_env = 0;

    if (slot < 0 || slot >= SBX_MAX_SLOTS) {
        snprintf(errstr, errstr_size, "slot %d out of range", slot);
        return -1;
    }
    if (strlen(j->code) > JAIL_CODE_MAX) {
        snprintf(errstr, errstr_size, "code over %d bytes", JAIL_CODE_MAX);
        return -1;
    }
    l = &s->slots[slot];
    x = (struct sbx_job){.l = l, .j = j};
    sbx_cleanup(s, slot);   /* in case the caller did not */
    if (j->scratch_mb > s->cfg->max_scratch_mb) {
        snprintf(errstr, errstr_size, "scratch_mb %ld over this executor's max-scratch-mb %ld", j->scratch_mb,
                 s->cfg->max_scratch_mb);
        return -1;
    }
    /* Its environment: one the operator declared, or its own requirements
     * (built now if this executor has not yet). */
    if (j->requirements) {
        if (envs_adhoc(s->envs, j, &env, &built_ms, errstr, errstr_size) < 0)
            return -1;
        have_env = 1;
    } else if (j->env[0]) {
        if (envs_get(s->envs, j->env, &env, errstr, errstr_size) < 0)
            return -1;
        have_env = 1;
    }
    if (per_job && l->box.init)
        slot_destroy(s, l);   /* the plain sandbox built ahead: this job needs its own */
    else if (l->box.init && !slot_claim(s, l, have_env ? env.name : NULL))
        slot_destroy(s, l);   /* built ahead by a zygote since retired, or another environment's */
    if (!l->box.init && slot_prepare(s, slot, per_job ? j : NULL, 1, 0, have_env ? &env : NULL, &cold_ms, errstr,
                                     errstr_size) < 0)
        return -1;
    /* The executor enforces its own bounds too: the job came over Kafka. */
    spec.timeout_ms = timeout > 3600000 ? 3600000 : timeout;
    x.timeout_ms = spec.timeout_ms;
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
    pthread_mutex_lock(&s->ln_mu);
    if (l->envz >= 0)
        s->envz[l->envz].jobs++;
    else if (l->gen == s->ln_gen)
        s->ln_jobs++;
    pthread_mutex_unlock(&s->ln_mu);
    snprintf(r->env, sizeof(r->env), "%s", have_env ? env.name : "");
    r->env_cold_start_ms = cold_ms;
    r->env_build_ms = built_ms;
    if (ret == 0 && cg_job_stats(l->cg, &st) == 0) {
        r->peak_memory_kb = (long)(st.peak_memory_bytes / 1024);
        r->cpu_time_ms = (long)(st.cpu_time_us / 1000);
        /* The job's own death by its memory limit: an OOM kill in its
         * cgroup that took the job process itself (exit -9, not our
         * timeout). A child killed while the job went on to exit 0 is the
         * job's business, not a label it can put on its run. */
        r->memory_exceeded = st.oom_killed && !r->timed_out && r->exit_code == -SIGKILL;
    }
    if (ret == 0 && outf_images(dsp.data, dsp.len, dsp.truncated, &r->images, &r->nimages, &r->images_truncated) < 0)
        r->images_truncated = 1;
    free(dsp.data);
    if (ret == 0 && l->scratch >= 0) {
        /* /tmp/out, once every process of the job is gone: init has
         * exited (the kernel killed the rest of its PID namespace first),
         * so nothing changes under the walk. */
        struct pollfd p = {l->box.pidfd, POLLIN, 0};
        if (poll(&p, 1, 5000) == 1 &&
            outf_collect(l->scratch, (size_t)s->cfg->max_files_bytes, &r->files, &r->nfiles, &r->files_truncated) < 0)
            log_msg(LOG_WARNING, "job=%s output files: %s", j->id, strerror(errno));
        close(l->scratch);   /* the tmpfs goes with the last reference */
        l->scratch = -1;
    }
    /* Killed neither by us nor by the memory limit: if the launcher died,
     * this is no result of the job's, but a sandbox that went away. */
    if (ret == 0 && x.lost && !r->memory_exceeded && launcher_gone(s)) {
        snprintf(errstr, errstr_size, "the sandbox launcher died while the job ran");
        return -1;
    }
    if (ret == 0 && x.lost && !r->memory_exceeded && l->envz >= 0 && !lnch_alive(l->ln)) {
        snprintf(errstr, errstr_size, "environment %s: its zygote died while the job ran", env.name);
        return -1;
    }
    return ret;
}

/* The host pid of child nspid (its pid inside the sandbox) of host
 * process parent, found through parent's children files and each child's
 * NSpid; its pidfd is taken while it is still listed there, so it names
 * that process and no later holder of the pid. nspid 0: the first child.
 * Returns the pidfd, or -1. */
static int child_pidfd(pid_t parent, pid_t nspid, pid_t *host)
{
    char path[64], buf[4096];
    int fd = -1;

    snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)parent, (int)parent);
    for (int pass = 0; pass < 2; pass++) {
        FILE *f = fopen(path, "re");
        char *p = buf, *end;
        long pid = 0;
        if (!f)
            break;
        buf[0] = '\0';
        if (!fgets(buf, sizeof(buf), f))
            buf[0] = '\0';
        fclose(f);
        for (long c; (c = strtol(p, &end, 10)) > 0; p = end) {
            char st[64], line[256];
            FILE *g;
            long ns = -1;
            if (nspid == 0) {
                pid = c;
                break;
            }
            snprintf(st, sizeof(st), "/proc/%ld/status", c);
            if (!(g = fopen(st, "re")))
                continue;
            while (fgets(line, sizeof(line), g))
                if (strncmp(line, "NSpid:", 6) == 0) {
                    char *q = strrchr(line, '\t');
                    ns = strtol(q ? q + 1 : line + 6, NULL, 10);
                    break;
                }
            fclose(g);
            if (ns == nspid) {
                pid = c;
                break;
            }
        }
        if (pass == 0) {
            if (pid <= 0 || (fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0)) < 0)
                break;
            *host = (pid_t)pid;
        } else if (pid != *host) {
            close(fd);
            fd = -1;
        }
    }
    return fd;
}

/* With sess_mu held: the sessions living in slot's sandbox. */
static int slot_sessions(struct sbx *s, int slot)
{
    return s->sess_refs[slot - (int)s->cfg->slots];
}

struct sbx_session *sbx_session_new(struct sbx *s, const struct job *j, long lifetime_s, char *errstr,
                                    size_t errstr_size)
{
    struct sbx_session *ss;
    struct sbx_slot *l;
    struct env_spec env;
    int slot = -1;
    long mem_mb = j->memory_mb < s->cfg->max_memory_mb ? j->memory_mb : s->cfg->max_memory_mb;

    if (j->scratch_mb > s->cfg->max_scratch_mb) {
        snprintf(errstr, errstr_size, "scratch_mb %ld over this executor's max-scratch-mb %ld", j->scratch_mb,
                 s->cfg->max_scratch_mb);
        return NULL;
    }
    if (!(ss = calloc(1, sizeof(*ss)))) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    /* A sandbox slot no session lives in (the caller keeps the count of
     * sessions within session-slots, so one is free). */
    pthread_mutex_lock(&s->sess_mu);
    for (int k = 0; k < s->cfg->session_slots && slot < 0; k++)
        if (s->sess_refs[k] == 0) {
            s->sess_refs[k] = 1;
            slot = (int)s->cfg->slots + k;
        }
    pthread_mutex_unlock(&s->sess_mu);
    if (slot < 0) {
        snprintf(errstr, errstr_size, "no free session sandbox");
        free(ss);
        return NULL;
    }
    ss->slot = slot;
    ss->ctl = -1;
    ss->job_pidfd = -1;
    ss->memory_mb = mem_mb;
    /* CPU never runs ahead of the wall on one thread; two cores' worth. */
    ss->cpu_limit_s = (uint32_t)(2 * lifetime_s + 60);
    l = &s->slots[slot];
    if (j->env[0] && envs_get(s->envs, j->env, &env, errstr, errstr_size) < 0)
        goto fail;
    if (slot_prepare(s, slot, j, 1, 1, j->env[0] ? &env : NULL, &(long){0}, errstr, errstr_size) < 0)
        goto fail;
    l->used = 1;
    ss->ctl = l->box.ctl;
    if (mem_mb != l->memory_mb) {
        if (cg_job_set_memory(l->cg, (int64_t)mem_mb << 20, (int64_t)l->memory_mb << 20) < 0) {
            snprintf(errstr, errstr_size, "set memory limit: %s", strerror(errno));
            goto fail;
        }
        l->memory_mb = mem_mb;
    }
    /* Its /tmp lives with its mount namespace; no output files are
     * collected from a session (the walk needs every process gone). */
    if (l->scratch >= 0) {
        close(l->scratch);
        l->scratch = -1;
    }
    if ((ss->job_pidfd = child_pidfd(l->box.init, 0, &ss->host_pid)) < 0) {
        snprintf(errstr, errstr_size, "the session's job process is not there: %s", strerror(errno));
        goto fail;
    }
    return ss;
fail:
    slot_destroy(s, l);
    pthread_mutex_lock(&s->sess_mu);
    s->sess_refs[slot - (int)s->cfg->slots] = 0;
    pthread_mutex_unlock(&s->sess_mu);
    free(ss);
    return NULL;
}

struct sbx_session *sbx_session_fork(struct sbx *s, struct sbx_session *parent, char *errstr, size_t errstr_size)
{
    struct sbx_session *ss = calloc(1, sizeof(*ss));
    struct jail_job_hdr h = {.op = JAIL_OP_FORK};
    struct jail_exec_end e;
    struct cg_limits lim = {
        .memory_bytes = (int64_t)parent->memory_mb << 20,
        .pids_max = s->cfg->pids_max,
        .cpu_quota_us = s->cfg->cpu_percent * 1000,
        .cpu_period_us = 100000,
    };
    char name[64], id[37];
    int sp[2] = {-1, -1};
    struct pollfd p;
    pid_t nspid;

    if (!ss) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    *ss = *parent;
    ss->ctl = ss->job_pidfd = -1;
    ss->cg = NULL;
    if (parent->dead) {
        snprintf(errstr, errstr_size, "the session has ended");
        goto fail;
    }
    util_uuid(id);
    snprintf(name, sizeof(name), "fork%d-%.8s", parent->slot, id);
    if (!(ss->cg = cg_job_create(&s->cg, name, &lim, errstr, errstr_size)))
        goto fail;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
        snprintf(errstr, errstr_size, "socketpair: %s", strerror(errno));
        goto fail;
    }
    /* The parent answers on its socket with the child's pid inside the
     * sandbox; the child on the new one once it is ready. */
    if (fdpass_send(parent->ctl, &h, sizeof(h), &sp[1], 1) != (ssize_t)sizeof(h)) {
        snprintf(errstr, errstr_size, "hand the fork to the session: %s", strerror(errno));
        goto fail;
    }
    close(sp[1]);
    sp[1] = -1;
    p = (struct pollfd){parent->ctl, POLLIN, 0};
    if (poll(&p, 1, 10000) != 1 || recv(parent->ctl, &e, sizeof(e), MSG_WAITALL) != (ssize_t)sizeof(e) ||
        e.exit_code <= 0) {
        snprintf(errstr, errstr_size, "the session did not fork");
        goto fail;
    }
    nspid = (pid_t)e.exit_code;
    ss->ctl = sp[0];
    sp[0] = -1;
    p = (struct pollfd){ss->ctl, POLLIN, 0};
    if (poll(&p, 1, 10000) != 1 || recv(ss->ctl, &e, sizeof(e), MSG_WAITALL) != (ssize_t)sizeof(e)) {
        snprintf(errstr, errstr_size, "the fork did not start");
        goto fail;
    }
    /* The child is the parent's now; it waits on its socket, one thread,
     * until the executor says more: into its own group before that. */
    if ((ss->job_pidfd = child_pidfd(parent->host_pid, nspid, &ss->host_pid)) < 0)
        goto gone;
    if (cg_job_attach(ss->cg, ss->host_pid, errstr, errstr_size) < 0)
        goto fail;
    pthread_mutex_lock(&s->sess_mu);
    s->sess_refs[parent->slot - (int)s->cfg->slots]++;
    pthread_mutex_unlock(&s->sess_mu);
    return ss;
gone:
    snprintf(errstr, errstr_size, "the fork is not there: %s", strerror(errno));
fail:
    if (sp[0] >= 0)
        close(sp[0]);
    if (sp[1] >= 0)
        close(sp[1]);
    if (ss->job_pidfd >= 0) {
        pidfd_kill(ss->job_pidfd);
        close(ss->job_pidfd);
    }
    if (ss->ctl >= 0)
        close(ss->ctl);
    cg_job_destroy(ss->cg);
    free(ss);
    return NULL;
}

/* run.c's spawn for an exec: the job on the session's socket, as for a
 * job; its end comes back there (a jail_exec_end), or the socket closes
 * when the session's process ended. */
static int session_spawn(void *ctx, const int fds[4], char *errstr, size_t errstr_size)
{
    struct sbx_job *x = ctx;
    struct jail_job_hdr h = {
        .code_len = (uint32_t)strlen(x->j->code),
        .cpu_limit_s = x->ss->cpu_limit_s,
        .op = JAIL_OP_RUN,
        .interactive = x->j->session_interactive ? 1 : 0,
    };

    if (fdpass_send(x->ss->ctl, &h, sizeof(h), fds, JAIL_JOB_FDS) != (ssize_t)sizeof(h) ||
        util_send_all(x->ss->ctl, x->j->code, h.code_len) < 0) {
        snprintf(errstr, errstr_size, "hand the exec to the session: %s", strerror(errno));
        return -1;
    }
    return x->ss->ctl;
}

static void session_kill(void *ctx);

/* 1 if host process pid is stopped (SIGSTOP and the like): a signal
 * other than SIGKILL waits until it is continued. */
static int stopped(pid_t pid)
{
    char path[64], buf[512], *p;
    FILE *f;
    int yes = 0;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if ((f = fopen(path, "re"))) {
        if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && p[1] == ' ')
            yes = p[2] == 'T' || p[2] == 't';
        fclose(f);
    }
    return yes;
}

/* The deadline or a cancel: KeyboardInterrupt in the exec (Python's own
 * SIGINT handler), the session lives on. Never once the exec ended. A
 * process that stopped itself would only take it once continued: it is
 * killed at once, the session with it. */
static void session_interrupt(void *ctx)
{
    struct sbx_job *x = ctx;
    if (x->ended || x->ss->dead)
        return;
    if (stopped(x->ss->host_pid))
        session_kill(ctx);
    else
        syscall(SYS_pidfd_send_signal, x->ss->job_pidfd, SIGINT, NULL, 0);
}

/* The exec did not stop within the grace: the session's process goes
 * (the whole sandbox, when no other session lives in it). */
static void session_kill(void *ctx)
{
    struct sbx_job *x = ctx;
    struct sbx *s = x->s;
    int alone;

    x->killed = 1;
    x->ss->dead = 1;
    pthread_mutex_lock(&s->sess_mu);
    alone = slot_sessions(s, x->ss->slot) == 1;
    pthread_mutex_unlock(&s->sess_mu);
    pidfd_kill(x->ss->job_pidfd);
    if (x->ss->cg)
        cg_job_kill(x->ss->cg);
    if (alone) {
        pidfd_kill(x->l->box.pidfd);
        cg_job_kill(x->l->cg);
    }
}

static int session_done(void *ctx, int *status, char *errstr, size_t errstr_size)
{
    struct sbx_job *x = ctx;
    struct jail_exec_end e;
    ssize_t n;

    do
        n = recv(x->ss->ctl, &e, sizeof(e), MSG_WAITALL);
    while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof(e)) {
        int code = e.exit_code < 0 || e.exit_code > 255 ? 255 : e.exit_code;
        x->ended = 1;
        *status = code << 8;   /* as wait(2) reports an exit */
        return 0;
    }
    /* The socket closed: the session's process ended. The first
     * session's exit status comes from init on the status pipe; a fork's
     * is not known (its parent, the first process, reaps it, not init): it
     * counts as killed. */
    x->ss->dead = 1;
    if (x->ss->cg) {
        *status = SIGKILL;
        return 0;
    }
    return sbx_done(ctx, status, errstr, errstr_size);
}

int sbx_session_exec(struct sbx *s, struct sbx_session *ss, const struct job *j, struct result *r,
                     const struct sbx_watch *w, char *errstr, size_t errstr_size)
{
    struct sbx_slot *l = &s->slots[ss->slot];
    struct sbx_job x = {.l = l, .j = j, .ss = ss, .s = s};
    struct cg_job *cg = ss->cg ? ss->cg : l->cg;
    struct run_display dsp = {NULL, 0, 0};
    struct run_spec spec = {
        .stdin_data = j->stdin_data,
        .stdin_len = j->stdin_data ? j->stdin_len : 0,
        .timeout_ms = j->timeout_ms > 3600000 ? 3600000 : j->timeout_ms,
        .max_output = (size_t)s->cfg->max_output_bytes,
        .max_display = s->cfg->max_images_bytes ? (size_t)s->cfg->max_images_bytes + 64 * JOB_MAX_FILES : 0,
        .display = &dsp,
        .spawn = session_spawn,
        .kill_all = session_interrupt,
        .done = session_done,
        .ctx = &x,
        .progress = w && w->live ? live_progress : NULL,
        .pctx = w ? w->live : NULL,
        .cancel_fd = w ? w->cancel_fd : -1,
        .kill_hard = session_kill,
        .kill_grace_ms = SBX_SESSION_GRACE_MS,
    };
    struct cg_stats st;
    int ret;

    if (ss->dead) {
        snprintf(errstr, errstr_size, "the session has ended");
        return -1;
    }
    if (strlen(j->code) > JAIL_CODE_MAX) {
        snprintf(errstr, errstr_size, "code over %d bytes", JAIL_CODE_MAX);
        return -1;
    }
    x.timeout_ms = spec.timeout_ms;
    cg_job_reset_stats(cg);
    ret = run_job(&spec, r, errstr, errstr_size);
    if (ret == 0 && cg_job_stats(cg, &st) == 0) {
        r->peak_memory_kb = (long)(st.peak_memory_bytes / 1024);
        r->cpu_time_ms = (long)(st.cpu_time_us / 1000);
        r->memory_exceeded = st.oom_killed && ss->dead && !r->timed_out && r->exit_code == -SIGKILL;
    }
    if (ret == 0 && outf_images(dsp.data, dsp.len, dsp.truncated, &r->images, &r->nimages, &r->images_truncated) < 0)
        r->images_truncated = 1;
    free(dsp.data);
    if (ret == 0 && x.lost && !r->memory_exceeded && launcher_gone(s)) {
        snprintf(errstr, errstr_size, "the sandbox launcher died while the exec ran");
        ss->dead = 1;
        return -1;
    }
    return ret;
}

int sbx_session_dead(const struct sbx_session *ss)
{
    return ss->dead;
}

void sbx_session_end(struct sbx *s, struct sbx_session *ss)
{
    int last;

    if (!ss)
        return;
    /* The last one's slot stays taken until its sandbox is gone: only
     * then may sbx_session_new build another there. */
    pthread_mutex_lock(&s->sess_mu);
    last = s->sess_refs[ss->slot - (int)s->cfg->slots] == 1;
    if (!last)
        s->sess_refs[ss->slot - (int)s->cfg->slots]--;
    pthread_mutex_unlock(&s->sess_mu);
    /* Its own process first (the others of the sandbox live on). */
    if (ss->job_pidfd >= 0) {
        struct pollfd p = {ss->job_pidfd, POLLIN, 0};
        pidfd_kill(ss->job_pidfd);
        if (poll(&p, 1, 5000) <= 0)
            log_msg(LOG_WARNING, "a session's process still there 5 s after SIGKILL");
        close(ss->job_pidfd);
    }
    if (ss->cg) {
        cg_job_destroy(ss->cg);   /* kills what is left in its group */
        close(ss->ctl);
    }
    if (last) {
        slot_destroy(s, &s->slots[ss->slot]);   /* the first's socket is the box's */
        pthread_mutex_lock(&s->sess_mu);
        s->sess_refs[ss->slot - (int)s->cfg->slots] = 0;
        pthread_mutex_unlock(&s->sess_mu);
    }
    free(ss);
}

int sbx_broken(struct sbx *s)
{
    struct lnch *ln;

    pthread_mutex_lock(&s->ln_mu);
    ln = s->ln;
    pthread_mutex_unlock(&s->ln_mu);
    return !ln || !lnch_alive(ln);
}

int sbx_launcher_pid(struct sbx *s)
{
    int pid;

    pthread_mutex_lock(&s->ln_mu);
    pid = s->ln ? (int)lnch_pid(s->ln) : -1;
    pthread_mutex_unlock(&s->ln_mu);
    return pid;
}

/* The renewal thread: waits for the next launcher, which the main thread
 * started (its zygote imports take a second or two, off every request's
 * path: slots keep using the current one meanwhile), then makes it
 * current. */
struct renewal {
    struct sbx *s;
    struct lnch *next;       /* spawned by the main thread, not ready yet */
    int64_t t0;
};

static void *renew_main(void *arg)
{
    struct renewal *rn = arg;
    struct sbx *s = rn->s;
    char errstr[256];
    int64_t t0 = rn->t0, jobs, age;
    struct lnch *next = rn->next, *stop = NULL;

    free(rn);
    if (lnch_ready(next, errstr, sizeof(errstr)) < 0) {
        lnch_stop(next);
        next = NULL;
    }

    pthread_mutex_lock(&s->ln_mu);
    jobs = s->ln_jobs;
    age = (util_mono_ms() - s->ln_born_ms) / 1000;
    if (!next) {
        s->next_renew_ms = util_mono_ms() + 60000;
    } else {
        s->retired = s->ln;
        s->ln = next;
        s->ln_gen++;
        s->ln_jobs = 0;
        s->ln_born_ms = util_mono_ms();
        s->renewals++;
        stop = retired_unused(s);
    }
    pthread_mutex_unlock(&s->ln_mu);
    if (!next)
        log_msg(LOG_WARNING, "zygote not made again (trying again in 60 s): %s", errstr);
    else
        log_msg(LOG_INFO, "zygote made again after %lld jobs and %lld s: launcher pid %d (%lld ms)", (long long)jobs,
                (long long)age, (int)lnch_pid(next), (long long)(util_mono_ms() - t0));
    lnch_stop(stop);
    __atomic_store_n(&s->renewing, 0, __ATOMIC_RELEASE);
    return NULL;
}

void sbx_maintain(struct sbx *s)
{
    const struct cfg *c = s->cfg;
    int64_t now = util_mono_ms();
    int due;
    pthread_t t;
    pthread_attr_t a;
    struct renewal *rn;
    char errstr[256];

    if (!s->hello.jail.warm || (!c->zygote_max_jobs && !c->zygote_max_age_s))
        return;   /* fresh mode: every job is a new exec, with its own layout and seed */
    pthread_mutex_lock(&s->ln_mu);
    due = !s->renewing && !s->retired && now >= s->next_renew_ms &&
          ((c->zygote_max_jobs && s->ln_jobs >= c->zygote_max_jobs) ||
           (c->zygote_max_age_s && now - s->ln_born_ms >= c->zygote_max_age_s * 1000));
    if (due)
        s->renewing = 1;
    pthread_mutex_unlock(&s->ln_mu);
    if (!due)
        return;
    rn = malloc(sizeof(*rn));
    if (rn) {
        *rn = (struct renewal){s, lnch_spawn(c->launcher, &s->hello, errstr, sizeof(errstr)), now};
        if (!rn->next)
            log_msg(LOG_WARNING, "zygote not made again (trying again in 60 s): %s", errstr);
    }
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    if (!rn || !rn->next || pthread_create(&t, &a, renew_main, rn) != 0) {
        if (rn) {
            lnch_stop(rn->next);
            free(rn);
        }
        pthread_mutex_lock(&s->ln_mu);
        s->next_renew_ms = now + 60000;
        pthread_mutex_unlock(&s->ln_mu);
        __atomic_store_n(&s->renewing, 0, __ATOMIC_RELEASE);
    }
    pthread_attr_destroy(&a);
}

int sbx_set_envs(struct sbx *s, struct envs *e, char *errstr, size_t errstr_size)
{
    s->envs = e;
    if (!s->spawner_started) {
        if (pthread_create(&s->spawner, NULL, spawner_main, s) != 0) {
            snprintf(errstr, errstr_size, "cannot start the env zygotes' spawner");
            return -1;
        }
        s->spawner_started = 1;
    }
    return 0;
}

void sbx_env_stats(struct sbx *s, long *running, long *rss_mb, long *cold_starts, long *evictions)
{
    pthread_mutex_lock(&s->ln_mu);
    *running = *rss_mb = 0;
    for (int i = 0; i < s->nenvz; i++)
        if (s->envz[i].ln) {
            (*running)++;
            *rss_mb += s->envz[i].rss_kb >> 10;
        }
    *cold_starts = s->env_cold_starts;
    *evictions = s->env_evictions;
    pthread_mutex_unlock(&s->ln_mu);
}

void sbx_zygote_stats(struct sbx *s, long *jobs, double *age_s, long *renewals)
{
    pthread_mutex_lock(&s->ln_mu);
    *jobs = s->ln_jobs;
    *age_s = (util_mono_ms() - s->ln_born_ms) / 1000.0;
    *renewals = s->renewals;
    pthread_mutex_unlock(&s->ln_mu);
}

int sbx_path_allowed(const char *list, const char *path)
{
    size_t pl = strlen(path);
    const char *p = list;

    while (*p) {
        size_t n = strcspn(p, ",");
        if (n && n <= pl && memcmp(p, path, n) == 0 && (path[n] == '\0' || path[n] == '/'))
            return 1;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

int sbx_check_paths(const char *list, char *errstr, size_t errstr_size)
{
    const char *p = list;
    char path[256];

    if (!*list) {
        snprintf(errstr, errstr_size, "sandbox-paths is empty: the job needs at least its interpreter");
        return -1;
    }
    while (*p) {
        size_t n = strcspn(p, ",");
        struct stat sb;
        const char *q;
        if (n == 0 || n >= sizeof(path)) {
            snprintf(errstr, errstr_size, "sandbox-paths: an empty or overlong entry in \"%s\"", list);
            return -1;
        }
        memcpy(path, p, n);
        path[n] = '\0';
        if (strncmp(path, "/usr/", 5) != 0 || strstr(path, "//") || strstr(path, "/./") || strstr(path, "/../") ||
            path[n - 1] == '/' || (n >= 3 && strcmp(path + n - 3, "/..") == 0) ||
            (n >= 2 && strcmp(path + n - 2, "/.") == 0)) {
            snprintf(errstr, errstr_size, "sandbox-paths: \"%s\" must be a plain absolute path under /usr/", path);
            return -1;
        }
        if (lstat(path, &sb) < 0) {
            snprintf(errstr, errstr_size, "sandbox-paths: %s: %s", path, strerror(errno));
            return -1;
        }
        /* No entry inside another: the inner one would be bound into a
         * read-only bind (and is on the list already). */
        for (q = list; *q;) {
            size_t m = strcspn(q, ",");
            if (q != p && m > 0 && m < n && memcmp(q, path, m) == 0 && path[m] == '/') {
                snprintf(errstr, errstr_size, "sandbox-paths: %s is inside %.*s, already on the list", path, (int)m, q);
                return -1;
            }
            q += m;
            if (*q == ',')
                q++;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* MemTotal, in bytes, or -1. */
static int64_t host_memory_bytes(void)
{
    char line[256];
    long long kb = -1;
    FILE *f = fopen("/proc/meminfo", "re");

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "MemTotal: %lld kB", &kb) == 1)
            break;
    fclose(f);
    return kb < 0 ? -1 : (int64_t)kb << 10;
}

/* Runs the host's python (--python, as root, on the host: our own fixed
 * code only) with -I -c code and environment envp; its standard output
 * into out (size bytes, NUL-ended; NULL: discarded), stdin and stderr
 * /dev/null. Returns 0 when it exited 0, else -1 (out then ""). */
static int host_python(const struct cfg *c, const char *code, char *const envp[], char *out, size_t size)
{
    char *argv[] = {(char *)c->python, "-I", "-c", (char *)code, NULL};
    int fd[2] = {-1, -1}, st = -1;
    size_t n = 0;
    ssize_t k;
    pid_t pid;

    if (out && (size == 0 || pipe2(fd, O_CLOEXEC) < 0))
        return -1;
    pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(out ? fd[1] : null, 1);
        dup2(null, 2);
        execve(c->python, argv, envp);
        _exit(127);
    }
    if (out) {
        close(fd[1]);
        while (pid > 0 && n + 1 < size && (k = read(fd[0], out + n, size - 1 - n)) > 0)
            n += (size_t)k;
        out[n] = '\0';
        close(fd[0]);
    }
    if (pid > 0)
        waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        if (out)
            out[0] = '\0';
        return -1;
    }
    return 0;
}

/* matplotlib's config, rc file and font cache for every job: <sandbox-root>/matplotlib,
 * built here once by the job's interpreter (as root, on the host, our own
 * fixed code), then bound read-only into each sandbox at JAIL_MPL_DIR.
 * Without matplotlib, dir stays "" and jobs simply cannot import it. */
static void mpl_cache(const struct cfg *c, char *dir, size_t size)
{
    char path[PATH_MAX], real[PATH_MAX], env_dir[PATH_MAX + 16];
    char *envp[] = {env_dir, "MPLBACKEND=Agg", "HOME=/nonexistent", "PATH=/usr/bin:/bin", NULL};

    dir[0] = '\0';
    snprintf(path, sizeof(path), "%s/matplotlib", c->sandbox_root);
    mkdir(path, 0755);
    if (!realpath(path, real) || strlen(real) >= size)
        return;
    snprintf(env_dir, sizeof(env_dir), "MPLCONFIGDIR=%s", real);
    /* The font cache, and the rc file beside it: Debian's lives in /etc,
     * which jobs do not see. */
    if (host_python(c,
                    "import os, shutil, matplotlib, matplotlib.font_manager\n"
                    "rc, here = matplotlib.matplotlib_fname(), os.path.join(os.environ['MPLCONFIGDIR'], 'matplotlibrc')\n"
                    "if os.path.abspath(rc) != here:\n"
                    "    shutil.copyfile(rc, here)\n",
                    envp, NULL, 0) < 0) {
        log_msg(LOG_INFO, "matplotlib not importable by %s: jobs go without it", c->python);
        return;
    }
    snprintf(dir, size, "%s", real);
}

struct sbx *sbx_new(const struct cfg *c, char *errstr, size_t errstr_size)
{
    struct sbx *s = calloc(1, sizeof(*s));
    struct lnch_hello hello;
    struct stat sb;
    struct job probe;
    struct result r;
    struct passwd *pw;
    struct claim_owner owner = {NULL, -1};   /* rootless: the executor's user */
    char err2[256], owner_name[64], lock[300];
    long nids = 2 * (c->slots + c->session_slots);   /* two host uids a slot: namespace root, code */
    int rc, warm;

    if (!s) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    s->cfg = c;
    s->uids.fd = -1;
    pthread_mutex_init(&s->ln_mu, NULL);
    pthread_cond_init(&s->env_cond, NULL);
    pthread_mutex_init(&s->sess_mu, NULL);
    for (int i = 0; i < SBX_MAX_SLOTS; i++)
        s->slots[i] = NO_SLOT;
    if (geteuid() != 0) {
        /* Rootless (issue 28): the sandboxes' ids come from this user's
         * subordinate ranges, mapped into each launcher's own user
         * namespace (launcher.h); its cgroup is the one delegated to it. */
        pw = getpwuid(geteuid());
        if (!pw) {
            snprintf(errstr, errstr_size, "a rootless executor's uid %d has no passwd entry", (int)geteuid());
            goto fail;
        }
        snprintf(owner_name, sizeof(owner_name), "%s", pw->pw_name);
        owner = (struct claim_owner){owner_name, (long)geteuid()};
        if (strcmp(c->cgroup_parent, CG_DELEGATED) != 0) {
            snprintf(errstr, errstr_size, "not running as root: a rootless executor needs cgroup v2 and a group of "
                     "its own, --cgroup-parent=%s under systemd's Delegate=yes (packaging/systemd/"
                     "execq-executor-rootless.service); or run it as root", CG_DELEGATED);
            goto fail;
        }
        if (c->envs[0] || c->envs_dir[0] || c->allow_requirements) {
            snprintf(errstr, errstr_size, "not running as root: environments (--env, --envs-dir, "
                     "--allow-requirements) are built as --env-build-uid and made root's, which a rootless "
                     "executor cannot do; it serves the default environment only");
            goto fail;
        }
    }
    if (strcmp(c->sandbox_mode, "warm") != 0 && strcmp(c->sandbox_mode, "fresh") != 0) {
        snprintf(errstr, errstr_size, "sandbox-mode=%s: warm or fresh", c->sandbox_mode);
        goto fail;
    }
    warm = strcmp(c->sandbox_mode, "warm") == 0;
    if (sbx_check_paths(c->sandbox_paths, errstr, errstr_size) < 0)
        goto fail;
    if (c->python[0] != '/' || strncmp(c->python, "/usr/", 5) != 0 || access(c->python, X_OK) < 0 ||
        !sbx_path_allowed(c->sandbox_paths, c->python)) {
        snprintf(errstr, errstr_size, "python %s: must be an executable on sandbox-paths (only they are in the "
                 "sandbox)", c->python);
        goto fail;
    }
    {
        /* Both modes run the interpreter the launcher embeds; --python names
         * it (sys.executable, and what jobs may start as a subprocess). */
        char real[PATH_MAX];
        const char *base;
        if (!realpath(c->python, real) || !(base = strrchr(real, '/')) || strncmp(base + 1, "python3", 7) != 0) {
            snprintf(errstr, errstr_size, "python %s: not a python3 interpreter", c->python);
            goto fail;
        }
    }
    if (c->slots + c->session_slots > SBX_MAX_SLOTS) {
        snprintf(errstr, errstr_size, "slots (%ld) + session-slots (%ld) over %d", c->slots, c->session_slots,
                 SBX_MAX_SLOTS);
        goto fail;
    }
    /* Session slots come after the job slots: their own uids, files and groups. */
    memset(&hello, 0, sizeof(hello));
    mkdir(c->sandbox_root, 0755);
    if (owner.name)
        snprintf(lock, sizeof(lock), "%s/%s", c->sandbox_root, CLAIM_LOCK_NAME);
    if (claim_uids(&s->uids, c->uid_base, nids, owner.name ? lock : CLAIM_LOCK_PATH, "/etc/subuid", "/etc/subgid",
                   owner.name ? &owner : NULL, errstr, errstr_size) < 0)
        goto fail;
    if (owner.name) {
        struct lnch_idmap m = {(long)geteuid(), (long)getegid(), c->uid_base, nids};
        char node[600];
        /* Each slot's own device nodes, made by root beforehand (jail.c). */
        snprintf(hello.jail.nodes_dir, sizeof(hello.jail.nodes_dir), "%s/%s/%ld", c->sandbox_root, JAIL_NODES_SUBDIR,
                 c->uid_base);   /* this executor's own: two never share a node (make-device-nodes) */
        snprintf(node, sizeof(node), "%s/slot%ld/urandom", hello.jail.nodes_dir, nids / 2 - 1);
        if (stat(node, &sb) < 0 || !S_ISCHR(sb.st_mode)) {
            snprintf(errstr, errstr_size, "rootless: no device nodes for slot %ld in %s (a user namespace may make "
                     "none): root makes them before the executor starts, with EXECQ_UID_BASE=%ld "
                     "/usr/lib/execq/make-device-nodes %s/%s (execq-rootless-nodes.service)",
                     nids / 2 - 1, hello.jail.nodes_dir, c->uid_base, c->sandbox_root,
                     JAIL_NODES_SUBDIR);
            goto fail;
        }
        lnch_set_idmap(&m);
        log_msg(LOG_INFO, "rootless: as %s, sandbox ids %ld..%ld from /etc/subuid and /etc/subgid (newuidmap)",
                owner.name, m.base, m.base + m.count - 1);
    }
    /* The mount point: ours (root's, or a rootless executor's user's), not a
     * symlink, so nothing can redirect it. */
    snprintf(hello.jail.root, sizeof(hello.jail.root), "%s/root", c->sandbox_root);
    mkdir(hello.jail.root, 0755);
    if (lstat(hello.jail.root, &sb) < 0 || !S_ISDIR(sb.st_mode) || sb.st_uid != geteuid() || (sb.st_mode & 022)) {
        snprintf(errstr, errstr_size, "%s must be a directory of the executor's user (%s) not writable by others",
                 hello.jail.root, owner.name ? owner.name : "root");
        goto fail;
    }
    {
        /* Every slot at its largest limit, together, plus a reserve for what
         * the kernel charges outside a job's own use (page tables, sockets
         * in flight): the executor's group cap. It must fit beside what the
         * host keeps for itself, or a full house would starve the broker. */
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        int64_t host = host_memory_bytes();
        struct cg_limits all = {
            .memory_bytes = ((int64_t)c->slots * c->max_memory_mb + c->session_memory_mb + SBX_RESERVE_MB) << 20,
            .cpu_quota_us = (c->jobs_cpu_percent ? c->jobs_cpu_percent : (ncpu * 100 - 50 > 50 ? ncpu * 100 - 50 : 50)) * 1000,
            .cpu_period_us = 100000,
        };
        /* And what a job may hold that no memory limit counts (docs/security.md,
         * "What a sandbox shares"): on cgroup v1 its TCP buffers, capped at
         * its memory limit beside it (memory.kmem.tcp); its network
         * namespace's TIME_WAIT sockets (JAIL_TW_BUCKETS, well under 1 MiB). */
        int v1 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) != 0;
        struct rlimit sigpending;
        /* Every sandbox's queued signals and timers count, above its own
         * RLIMIT_SIGPENDING, against the budget of root, who made its user
         * namespace (jail.c): all slots together must leave root at least
         * half of it. */
        if (getrlimit(RLIMIT_SIGPENDING, &sigpending) == 0 && sigpending.rlim_cur != RLIM_INFINITY &&
            (rlim_t)(c->slots + c->session_slots) * JAIL_SIGPENDING > sigpending.rlim_cur / 2) {
            snprintf(errstr, errstr_size, "slots + session-slots (%ld) x %d queued signals a job may hold is over "
                     "half of root's RLIMIT_SIGPENDING (%llu), which every sandbox and root itself share: fewer slots",
                     c->slots + c->session_slots, JAIL_SIGPENDING, (unsigned long long)sigpending.rlim_cur);
            goto fail;
        }
        int64_t beside = ((int64_t)c->slots * ((v1 ? c->max_memory_mb : 0) + SBX_UNCHARGED_MB) +
                          (v1 ? c->session_memory_mb : 0) + c->session_slots * SBX_UNCHARGED_MB) << 20;
        if (host < 0 || all.memory_bytes + beside > host - ((int64_t)c->host_reserve_mb << 20)) {
            snprintf(errstr, errstr_size, "slots (%ld) x max-memory-mb (%ld) + session-memory-mb (%ld) + %d MiB = %lld "
                     "MiB, with %lld MiB the jobs may hold beside their limits (%s), does not fit in this host's %lld "
                     "MiB less host-reserve-mb (%ld): fewer slots or a smaller max-memory-mb",
                     c->slots, c->max_memory_mb, c->session_memory_mb, SBX_RESERVE_MB,
                     (long long)(all.memory_bytes >> 20),
                     (long long)(beside >> 20), v1 ? "cgroup v1 TCP buffers, TIME_WAIT sockets" : "TIME_WAIT sockets",
                     (long long)(host >> 20), c->host_reserve_mb);
            goto fail;
        }
        if (cg_init(&s->cg, c->cgroup_parent, &all, (int)c->allow_uncapped_swap, errstr, errstr_size) < 0)
            goto fail;
        s->cg_made = 1;
    }
    {
        int n = cg_reap_orphans(&s->cg);
        if (n)
            log_msg(LOG_INFO, "removed %d cgroup(s) left by executors that are gone", n);
    }
    {
        /* Jobs never reach a core_pattern pipe helper (RLIMIT_CORE 1, see
         * jail.c); say which helper the host has, so it is on record. */
        char pat[256] = "";
        FILE *f = fopen("/proc/sys/kernel/core_pattern", "re");
        if (f && fgets(pat, sizeof(pat), f) && pat[0] == '|')
            log_msg(LOG_INFO, "core_pattern pipes to %.*s; sandboxes run with RLIMIT_CORE=1, which the kernel "
                              "never pipes", (int)strcspn(pat + 1, "\n"), pat + 1);
        if (f)
            fclose(f);
    }
    mpl_cache(c, hello.jail.mpl_dir, sizeof(hello.jail.mpl_dir));
    snprintf(hello.jail.dev_dir, sizeof(hello.jail.dev_dir), "%s/%s", c->sandbox_root, JAIL_DEV_SUBDIR);
    hello.jail.warm = warm;
    hello.jail.pids_max = (int32_t)c->pids_max;
    snprintf(hello.jail.usr_paths, sizeof(hello.jail.usr_paths), "%s", c->sandbox_paths);
    snprintf(hello.jail.python, sizeof(hello.jail.python), "%s", c->python);
    /* In the launcher's own user namespace when rootless: ids 1.. there. */
    hello.uid_base = owner.name ? 1 : c->uid_base;
    hello.zygote_huge_pages = (int32_t)c->zygote_huge_pages;
    snprintf(hello.warm_imports, sizeof(hello.warm_imports), "%s", c->warm_imports);
    s->hello = hello;
    s->ln = lnch_start(c->launcher, &hello, errstr, errstr_size);
    if (!s->ln)
        goto fail;
    s->ln_gen = 1;
    s->ln_born_ms = util_mono_ms();
    /* Prove it: a real job in a real sandbox must see itself as uid 1000 in
     * its own PID namespace with a read-only root and no network. */
    job_init(&probe);
    util_uuid(probe.id);
    probe.code = util_strdup(
        "import os, socket, sys\n"
        "assert os.getuid() == 1000 and os.getpid() == 2, (os.getuid(), os.getpid())\n"
        "try:\n    open('/probe', 'w')\nexcept OSError:\n    pass\nelse:\n    raise SystemExit('root is writable')\n"
        "assert [n for _, n in socket.if_nameindex()] == ['lo'], 'network interfaces present'\n"
        "print('sandbox ok')\n"
        "print(sys.version)\n");
    probe.timeout_ms = 10000;
    probe.memory_mb = c->memory_mb;
    result_init(&r);
    rc = sbx_run(s, 0, &probe, &r, NULL, err2, sizeof(err2));
    sbx_cleanup(s, 0);
    if (rc < 0) {
        snprintf(errstr, errstr_size, "probe job: %s", err2);
        job_release(&probe);
        goto fail;
    }
    if (r.exit_code != 0 || !r.stdout_data || strncmp(r.stdout_data, "sandbox ok\n", 11) != 0) {
        snprintf(errstr, errstr_size, "probe job failed (exit %d): %.200s", r.exit_code,
                 r.stderr_data ? r.stderr_data : "");
        result_release(&r);
        job_release(&probe);
        goto fail;
    }
    {
        /* The launcher links libpython statically: after an OS upgrade of
         * python3 it still runs the old interpreter core, with the new
         * standard library files (CPython's own test_re failed so). Jobs
         * run only with the host's own build. */
        char host[256], *embedded = r.stdout_data + 11, *envp[] = {"PATH=/usr/bin:/bin", NULL};
        embedded[strcspn(embedded, "\n")] = '\0';
        host_python(c, "import sys; sys.stdout.write(sys.version)", envp, host, sizeof(host));
        if (strcmp(host, embedded) != 0) {
            snprintf(errstr, errstr_size,
                     "the launcher embeds Python \"%.80s\" but %s is \"%.80s\": python3 changed since the build (an "
                     "OS upgrade?); relink the launcher with `make` (it depends on libpython) and start again",
                     embedded, c->python, host[0] ? host : "(cannot be run)");
            result_release(&r);
            job_release(&probe);
            goto fail;
        }
    }
    log_msg(LOG_INFO, "sandbox ready: %s mode, launcher pid %d, cgroup v%d under %s, probe job %ld ms",
            c->sandbox_mode, sbx_launcher_pid(s), (int)s->cg.version, s->cg.top, r.execution_time_ms);
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
        slot_destroy(s, &s->slots[i]);
    if (s->renewing)   /* the thread owns s until it is done */
        log_msg(LOG_INFO, "waiting for the zygote being made to finish");
    while (__atomic_load_n(&s->renewing, __ATOMIC_ACQUIRE))
        util_sleep_ms(20);
    lnch_stop(s->retired);
    lnch_stop(s->ln);
    if (s->spawner_started) {
        pthread_mutex_lock(&s->ln_mu);
        s->spawner_stop = 1;
        pthread_cond_broadcast(&s->env_cond);
        pthread_mutex_unlock(&s->ln_mu);
        pthread_join(s->spawner, NULL);
    }
    for (int i = 0; i < s->nenvz; i++)
        lnch_stop(s->envz[i].ln);
    pthread_cond_destroy(&s->env_cond);
    pthread_mutex_destroy(&s->ln_mu);
    pthread_mutex_destroy(&s->sess_mu);
    if (s->cg_made)
        cg_fini(&s->cg);
    claim_release(&s->uids);
    free(s);
}
