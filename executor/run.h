/* run: runs one job's process to completion: feeds stdin, reads stdout and
 * stderr concurrently (each capped, the rest drained and dropped so the job
 * never blocks on a full pipe), enforces the wall-clock timeout and reaps.
 * How the process is made (the sandbox) is sbx.c's business. */
#ifndef EXECQ_RUN_H
#define EXECQ_RUN_H

#include <stddef.h>
#include <sys/types.h>

#include "job.h"

struct run_spec {
    const char *stdin_data;   /* may be NULL */
    size_t stdin_len;
    long timeout_ms;
    size_t max_output;        /* bytes kept per stream */
    /* Starts the process with fds[0..2] as its stdin/stdout/stderr. Returns
     * its pid (a child of the caller), or -1 with the reason in errstr. */
    pid_t (*spawn)(void *ctx, const int fds[3], char *errstr, size_t errstr_size);
    /* Kills every process of the job (the timeout and cleanup). */
    void (*kill_all)(void *ctx, pid_t pid);
    /* Called once the spawned process is reaped: may replace *status with
     * the job's real one, or return -1 with the reason when the process
     * never got to run the job. */
    int (*reaped)(void *ctx, int *status, char *errstr, size_t errstr_size);
    void *ctx;
};

/* Runs the job and fills r's output, exit_code, term_signal, timed_out,
 * execution_time_ms, cpu_time_ms and peak_memory_kb (from the child's
 * rusage; the cgroup may refine them). Returns 0 if the process ran, or -1
 * with the reason in errstr if it could not be started. */
int run_job(const struct run_spec *s, struct result *r, char *errstr, size_t errstr_size);

#endif
