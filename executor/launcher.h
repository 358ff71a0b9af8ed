/* launcher: the executor's end of the sandbox launcher. The launcher is a
 * separate, single-threaded program (execq-launcher, sandbox/launcher_main.c) that
 * the executor starts before any Kafka thread exists; every sandbox process
 * descends from it and none from the executor, so no Kafka message, no
 * other job's code or output and no executor environment is ever mapped in
 * a sandbox. In warm mode it is also the zygote (sandbox/zygote.h). What
 * crosses between the two is in launcher_proto.h. */
#ifndef EXECQ_LAUNCHER_H
#define EXECQ_LAUNCHER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "launcher_proto.h"

/* A sandbox built up to the point where its job process waits for a job. */
struct lnch_box {
    pid_t init;   /* pid 1 of the job, a child of the launcher (not of the executor) */
    int pidfd;    /* init's pidfd: signals without pid reuse races; readable once init exited */
    int ctl;      /* control socket: the job goes here; closing it ends the sandbox */
    int status;   /* status pipe, read end (launcher_proto.h's messages) */
};

struct lnch;

/* The whole environment of the launcher, the zygote and so of every job:
 * nothing of the executor's environment ever reaches a sandbox. */
extern char *const lnch_env[];

/* A rootless executor's id map (sbx.c, issue 28): each launcher starts in
 * a user namespace of its own, where id 0 is the executor's user and ids
 * 1..count are the host ids base..base+count-1 (the sandboxes', from the
 * user's /etc/subuid and /etc/subgid ranges), written by the setuid
 * newuidmap and newgidmap as rootless podman has them written. Inside it
 * the launcher holds every capability, over those ids only. */
struct lnch_idmap {
    long uid, gid;     /* the executor's own */
    long base, count;  /* the sandboxes' host ids */
};

/* Sets the map every launcher started from now on gets (NULL: none, an
 * executor running as root). Called once, before the first launcher. */
void lnch_set_idmap(const struct lnch_idmap *m);

/* Starts execq-launcher (path, or if empty the one beside the calling
 * binary) with hello and waits until it is ready (the warm imports done).
 * Returns the handle, or NULL with the reason in errstr. Call from the
 * main thread: the launcher's parent-death signal follows the thread that
 * forked it, and so would kill it with a thread that ends. */
struct lnch *lnch_start(const char *path, const struct lnch_hello *hello, char *errstr, size_t errstr_size);

/* lnch_start in two halves: lnch_spawn starts it (from the main thread, as
 * above) without waiting; lnch_ready (any thread) waits until it is ready,
 * returning 0, or -1 with the reason (then lnch_stop it). */
struct lnch *lnch_spawn(const char *path, const struct lnch_hello *hello, char *errstr, size_t errstr_size);
int lnch_ready(struct lnch *l, char *errstr, size_t errstr_size);

/* Asks for a sandbox for rq's slot, already moved into the cgroup whose
 * task files rq names, with rq's scratch space and input files (which the
 * caller then sends on box->ctl: launcher_proto.h). Thread-safe (one request at a time). Fills box, whose
 * descriptors the caller then owns. Returns 0, or -1 with the reason. */
int lnch_prepare(struct lnch *l, const struct lnch_req *rq, struct lnch_box *box, char *errstr, size_t errstr_size);

/* 1 while the launcher runs; 0 once it has exited (it is then reaped).
 * Thread-safe. Without a launcher no sandbox can be made: the executor
 * must stop and leave its jobs to others. */
int lnch_alive(struct lnch *l);

/* The launcher's pid (tests and logs). */
pid_t lnch_pid(const struct lnch *l);

/* Closes the socket (the launcher then exits, and every sandbox with it)
 * and reaps the launcher. NULL-safe. */
void lnch_stop(struct lnch *l);

#endif
