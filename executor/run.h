/* run: runs one job's process to completion: feeds stdin, reads stdout,
 * stderr and the display pipe concurrently (each capped, the rest drained and dropped so the job
 * never blocks on a full pipe), enforces the wall-clock timeout and reaps.
 * How the process is made (the sandbox) is sbx.c's business. */
#ifndef EXECQ_RUN_H
#define EXECQ_RUN_H

#include <stddef.h>

#include "job.h"
#include "util.h"

/* The job's display pipe (launcher_proto.h): raw bytes, kept up to a cap. */
struct run_display {
    char *data;               /* malloc'd (the caller frees it), or NULL */
    size_t len;
    int truncated;
};

struct run_spec {
    const char *stdin_data;   /* may be NULL */
    size_t stdin_len;
    long timeout_ms;
    size_t max_output;        /* bytes kept per stream */
    size_t max_display;       /* bytes kept of the display pipe */
    struct run_display *display;   /* filled when the job ran */
    /* Starts the job with fds[0..3] as its stdin/stdout/stderr/display. Returns a
     * descriptor that becomes readable when the job has ended, or -1 with
     * the reason in errstr. The descriptor stays the ctx's to close. */
    int (*spawn)(void *ctx, const int fds[4], char *errstr, size_t errstr_size);
    /* Kills every process of the job (the timeout, and leftovers after it ended). */
    void (*kill_all)(void *ctx);
    /* Called once the done descriptor is readable: sets *status (a wait(2)
     * status) and returns 0, or returns -1 with the reason in errstr when
     * the job never got to run. */
    int (*done)(void *ctx, int *status, char *errstr, size_t errstr_size);
    void *ctx;
    /* Optional, for streamed output (live.h): called while the job runs,
     * after each read and when the time it last asked for comes, with
     * stdout and stderr as kept so far. Returns the util_mono_us time by
     * which it wants to be called again (0: none). Not called once the job
     * has ended: its result follows at once. */
    int64_t (*progress)(void *pctx, const struct buf *const out[2], int64_t now_us);
    void *pctx;
    /* Optional (-1: none): readable when the job was cancelled. It is then
     * killed as at the timeout, and r->cancelled set. Not read here. */
    int cancel_fd;
    /* Optional: a session's exec, whose kill_all (timeout, cancel) only
     * interrupts it (the session lives on). If it has not ended
     * kill_grace_ms later, kill_hard is called (the session with it). */
    void (*kill_hard)(void *ctx);
    long kill_grace_ms;
};

/* Runs the job and fills r's output, exit_code, term_signal, timed_out,
 * cancelled and execution_time_ms. Returns 0 if the job ran, or -1 with the reason in
 * errstr if it could not be started. Reaping is left to the ctx, off the
 * path of the answer. */
int run_job(const struct run_spec *s, struct result *r, char *errstr, size_t errstr_size);

#endif
