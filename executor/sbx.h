/* sbx: the sandbox one job runs in. Each job gets fresh user, PID, mount,
 * network, IPC, UTS and cgroup namespaces, a read-only root holding only
 * /usr, a private /proc and a minimal /dev, its own loopback and nothing
 * else, a cgroup with memory/pids/CPU limits, rlimits, an allowlisted
 * environment, no capabilities, no_new_privs and a seccomp filter. A
 * sandbox serves one job and is gone when it ends. */
#ifndef EXECQ_SBX_H
#define EXECQ_SBX_H

#include <stddef.h>

#include "cfg.h"
#include "job.h"

struct live;

/* What watches a running job from outside; each part optional. */
struct sbx_watch {
    struct live *live;        /* its output as it comes (live.h), or NULL */
    int cancel_fd;            /* readable once the job is cancelled: it is killed (run.h); -1: none */
};

struct sbx;

/* Checks that sandboxes can be made here (root, namespaces, cgroup
 * controllers), starts the sandbox launcher (launcher.h; call before any
 * thread exists) and runs a probe job in a real sandbox. Returns the
 * handle, or NULL with the reason in errstr: the executor must then refuse
 * to start. */
struct sbx *sbx_new(const struct cfg *c, char *errstr, size_t errstr_size);

/* 1 if no sandbox can be made any more (the launcher has died): the
 * executor then stops taking jobs and leaves them to others. */
int sbx_broken(struct sbx *s);

/* The current launcher's pid, or -1. Thread-safe. */
int sbx_launcher_pid(struct sbx *s);

/* Warm mode: makes the zygote again, in a thread of its own, once the
 * current one has run --zygote-max-jobs jobs or lived --zygote-max-age-s
 * seconds: every warm job shares its zygote's address-space layout and str
 * hash seed, so this bounds how long one layout serves. Once the new zygote
 * is ready no job starts on the old one: a sandbox it built ahead is
 * dropped and rebuilt when its slot's next job comes; the old one stops as
 * soon as no job runs in a sandbox of its. Call every few hundred ms from the main loop (its thread: the
 * new launcher is forked there); cheap when nothing is due. */
void sbx_maintain(struct sbx *s);

/* Environments (envs.h): jobs and sessions that name one run in
 * sandboxes of its own zygote. Call once, from the main thread, after
 * sbx_new; starts the thread env zygotes are started from. Returns 0, or
 * -1 with the reason. */
struct envs;
int sbx_set_envs(struct sbx *s, struct envs *e, char *errstr, size_t errstr_size);
/* Env zygotes running and their memory, started so far, stopped to fit
 * env-zygotes-mb so far (metrics). */
void sbx_env_stats(struct sbx *s, long *running, long *rss_mb, long *cold_starts, long *evictions);

/* The current zygote's jobs and age, and renewals so far (metrics). */
void sbx_zygote_stats(struct sbx *s, long *jobs, double *age_s, long *renewals);
void sbx_free(struct sbx *s);   /* NULL-safe */

/* Runs j in a new sandbox as slot (0..slots-1; slots run at once) and fills
 * r (output, exit status, timing, peak memory, CPU time, memory_exceeded).
 * Returns as soon as the code has ended, leaving what is left of the
 * sandbox for sbx_cleanup(). Returns 0 if the code ran, or -1 with the
 * reason in errstr if no sandbox could be made (nothing ran) or the
 * launcher died under the job (sbx_broken() then says so: the job has no
 * result of its own). w (may be NULL) streams the output as it comes and
 * cancels the job. Thread-safe across different slots. */
int sbx_run(struct sbx *s, int slot, const struct job *j, struct result *r, const struct sbx_watch *w,
            char *errstr, size_t errstr_size);

/* Sessions (session.h): a sandbox whose one interpreter runs exec after
 * exec, each with its own stdio, timeout and result; globals, imports,
 * open files and /tmp stay. It takes a free session slot (its own uids,
 * slot files and cgroup at j->memory_mb, with j->scratch_mb of /tmp; the
 * caller keeps the sessions within session-slots) and holds its launcher
 * until it ends.
 * sbx_session_new builds it for lifetime_s seconds at most (its CPU
 * backstop); returns NULL with the reason in errstr. sbx_session_exec runs
 * j->code (stdin, timeout) in it and fills r as sbx_run does; at the
 * deadline or a cancel the exec is interrupted (KeyboardInterrupt) and,
 * if it has not stopped 1 s later, the session is killed (at once if it
 * stopped itself: SIGSTOP). Returns 0 if
 * the exec ran (sbx_session_dead() then says whether the session
 * survived it), -1 with the reason if it could not (the session is gone).
 * One exec at a time per session; different sessions in parallel. */
struct sbx_session;
struct sbx_session *sbx_session_new(struct sbx *s, const struct job *j, long lifetime_s, char *errstr,
                                    size_t errstr_size);
/* A fork of parent (between its execs): a new session whose process is a
 * copy-on-write copy of parent's, with everything its interpreter holds,
 * in its own cgroup (parent's memory limit; pages already shared stay
 * charged to parent's), in parent's sandbox (the same namespaces and
 * uid: a fork of a session with scratch space would share its /tmp, which
 * session.c refuses). The two never see each other's later changes to
 * memory. Returns NULL with the reason in errstr. */
struct sbx_session *sbx_session_fork(struct sbx *s, struct sbx_session *parent, char *errstr, size_t errstr_size);
int sbx_session_exec(struct sbx *s, struct sbx_session *ss, const struct job *j, struct result *r,
                     const struct sbx_watch *w, char *errstr, size_t errstr_size);
int sbx_session_dead(const struct sbx_session *ss);
void sbx_session_end(struct sbx *s, struct sbx_session *ss);   /* kills it; NULL-safe */

/* Kills what is left of slot's last sandbox, reaps it and removes its
 * cgroup. Call after the result is published; sbx_run does it too if not. */
void sbx_cleanup(struct sbx *s, int slot);

/* The host paths under /usr a job sees (cfg sandbox-paths, comma-separated):
 * sbx_check_paths() returns 0, or -1 with the reason in errstr when an
 * entry is not a plain absolute path under /usr/, does not exist, or lies
 * inside another entry. sbx_path_allowed() returns 1 if path is an entry or
 * lies inside one. */
int sbx_check_paths(const char *list, char *errstr, size_t errstr_size);
int sbx_path_allowed(const char *list, const char *path);


#endif
