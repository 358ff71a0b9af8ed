/* sbx_bench: what the sandbox costs. Times print('hello') three ways in one
 * run, interleaved so machine noise hits all alike: the bare interpreter
 * (fork + exec), bwrap with comparable isolation, and execq's sandbox
 * (sbx_run in a sandbox built ahead of time, up to the moment the output and
 * status are in hand, as the executor answers then). The tear-down and the
 * building of the next sandbox, which the executor does after answering,
 * are timed on their own row. Prints medians, p90 and ratios to bare. Needs
 * root (as the executor does). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "job.h"
#include "log.h"
#include "sbx.h"
#include "util.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Runs argv with stdout to a pipe, reads it all, waits. Returns wall µs or -1. */
static double run_cmd(char *const argv[])
{
    int p[2];
    char buf[256];
    double t0 = now_us();
    pid_t pid;
    int st;

    if (pipe(p) < 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    while (read(p[0], buf, sizeof(buf)) > 0) {
    }
    close(p[0]);
    waitpid(pid, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? now_us() - t0 : -1;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof(double), cmp);
    return v[(int)(p * (n - 1))];
}

int main(int argc, char **argv)
{
    static struct cfg c;
    char err[512];
    int n = argc > 1 ? atoi(argv[1]) : 50;
    char *bare[] = {"/usr/bin/python3", "-I", "-u", "-B", "-c", "print('hello')", NULL};
    /* bwrap, as close to execq's sandbox as its flags go: every namespace,
     * read-only /usr, fresh /proc and minimal /dev, no network, no caps. */
    char *bwrap[] = {"/usr/bin/bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                     "--uid", "1000", "--gid", "1000", "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib",
                     "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin", "--proc", "/proc",
                     "--dev", "/dev", "--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache", "--remount-ro", "/",
                     "--", "/usr/bin/python3", "-I", "-u", "-B", "-c", "print('hello')", NULL};
    char *cargv[] = {"sbx_bench", NULL};
    double *t_bare = calloc((size_t)n, sizeof(double)), *t_bwrap = calloc((size_t)n, sizeof(double)),
           *t_sbx = calloc((size_t)n, sizeof(double)), *t_clean = calloc((size_t)n, sizeof(double));
    struct sbx *sb;
    int have_bwrap = access(bwrap[0], X_OK) == 0;

    if (n < 5 || cfg_load(&c, CFG_EXEC, 1, cargv, err, sizeof(err)) < 0)
        return 2;
    snprintf(c.cgroup_parent, sizeof(c.cgroup_parent), "execq-bench");
    snprintf(c.sandbox_root, sizeof(c.sandbox_root), "/run/execq-bench");
    log_init("sbx_bench", LOG_WARNING);
    sb = sbx_new(&c, err, sizeof(err));
    if (!sb) {
        fprintf(stderr, "sbx_bench: %s\n", err);
        return 1;
    }
    for (int i = -3; i < n; i++) {   /* three warm-up rounds */
        struct job j;
        struct result r;
        double t0, tb, tw = 0, ts, tc;

        tb = run_cmd(bare);
        if (have_bwrap)
            tw = run_cmd(bwrap);
        job_init(&j);
        util_uuid(j.id);
        j.code = util_strdup("print('hello')");
        j.timeout_ms = 10000;
        j.memory_mb = 256;
        result_init(&r);
        t0 = now_us();
        if (sbx_run(sb, 0, &j, &r, err, sizeof(err)) < 0 || strcmp(r.stdout_data, "hello\n") != 0) {
            fprintf(stderr, "sbx_bench: sandboxed run failed: %s\n", err);
            return 1;
        }
        ts = now_us() - t0;
        t0 = now_us();
        sbx_cleanup(sb, 0);   /* as the executor does: after the result is out */
        tc = now_us() - t0;
        result_release(&r);
        job_release(&j);
        if (tb < 0 || tw < 0) {
            fprintf(stderr, "sbx_bench: %s run failed\n", tb < 0 ? "bare" : "bwrap");
            return 1;
        }
        if (i >= 0) {
            t_bare[i] = tb;
            t_bwrap[i] = tw;
            t_sbx[i] = ts;
            t_clean[i] = tc;
        }
    }
    double mb = pct(t_bare, n, 0.5), mw = have_bwrap ? pct(t_bwrap, n, 0.5) : 0, ms = pct(t_sbx, n, 0.5);
    printf("print('hello'), %d runs each, interleaved, wall time\n", n);
    printf("%-34s %10s %10s %12s\n", "how", "median ms", "p90 ms", "x bare (p50)");
    printf("%-34s %10.2f %10.2f %12.2f\n", "bare python3 -I -c", mb / 1000, pct(t_bare, n, 0.9) / 1000, 1.0);
    if (have_bwrap)
        printf("%-34s %10.2f %10.2f %12.2f\n", "bwrap --unshare-all (comparable)", mw / 1000,
               pct(t_bwrap, n, 0.9) / 1000, mw / mb);
    printf("%-34s %10.2f %10.2f %12.2f\n", "execq sandbox (sbx_run)", ms / 1000, pct(t_sbx, n, 0.9) / 1000, ms / mb);
    printf("%-34s %10.2f %10.2f %12s\n", "  after it, off the path: tear down + build next", pct(t_clean, n, 0.5) / 1000,
           pct(t_clean, n, 0.9) / 1000, "");
    sbx_free(sb);
    /* The bench's own (now empty) parent group, in whichever hierarchies. */
    for (size_t i = 0; i < 6; i++) {
        static const char *ctrl[] = {"memory", "pids", "cpu", "cpuacct", "freezer", "unified"};
        char p[200];
        snprintf(p, sizeof(p), "/sys/fs/cgroup/%s/%s", ctrl[i], c.cgroup_parent);
        rmdir(p);
    }
    return 0;
}
