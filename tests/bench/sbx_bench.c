/* sbx_bench: what the sandbox costs. Times two jobs (print('hello'), and a
 * numpy+pandas DataFrame sum) four ways in one run, interleaved so machine
 * noise hits all alike: the bare interpreter (fork + exec), bwrap with
 * comparable isolation, and execq's sandbox in warm and in fresh mode
 * (sbx_run in a sandbox built ahead of time, up to the moment the output and
 * status are in hand, as the executor answers then), with the job's CPU
 * time (its cgroup). The tear-down and the building of the next sandbox,
 * which the executor does after answering, are timed on their own rows.
 * Prints medians, p90 and ratios to bare. Needs root (as the executor). */
#include <signal.h>
#include <sys/resource.h>
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

/* Runs argv with stdout to a pipe, reads it all, waits. Returns wall µs or
 * -1; adds the child's CPU µs to *cpu. */
static double run_cmd(char *const argv[], double *cpu)
{
    struct rusage ru;
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
    wait4(pid, &st, 0, &ru);
    *cpu += ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec;
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

#define NCODES 2
#define NWAYS  4   /* bare, bwrap, warm, fresh */

static const char *codes[NCODES] = {
    "print('hello')",
    "import numpy as np, pandas as pd\n"
    "df = pd.DataFrame({'a': np.arange(100), 'b': np.ones(100)})\n"
    "print(int(df.sum().sum()))",
};
static const char *wants[NCODES] = {"hello\n", "5050\n"};
static const char *code_names[NCODES] = {"print('hello')", "numpy+pandas DataFrame sum"};

static struct sbx *start(struct cfg *c, const char *mode, long uid_base)
{
    char err[512], *cargv[] = {"sbx_bench", NULL};
    struct sbx *sb;

    if (cfg_load(c, CFG_EXEC, 1, cargv, err, sizeof(err)) < 0)
        return NULL;
    snprintf(c->cgroup_parent, sizeof(c->cgroup_parent), "execq-bench-%s", mode);
    snprintf(c->sandbox_root, sizeof(c->sandbox_root), "/run/execq-bench-%s", mode);
    snprintf(c->sandbox_mode, sizeof(c->sandbox_mode), "%s", mode);
    c->uid_base = uid_base;
    c->slots = 1;   /* the bench runs slot 0 only (0 would mean "as many as CPUs" to the executor's main) */
    sb = sbx_new(c, err, sizeof(err));
    if (!sb)
        fprintf(stderr, "sbx_bench: %s: %s\n", mode, err);
    return sb;
}

static void stop(struct sbx *sb, const struct cfg *c)
{
    char p[300];
    sbx_free(sb);
    /* The bench's own (now empty) parent group, in whichever hierarchies. */
    for (size_t i = 0; i < 6; i++) {
        static const char *ctrl[] = {"memory", "pids", "cpu", "cpuacct", "freezer", "unified"};
        snprintf(p, sizeof(p), "/sys/fs/cgroup/%s/%s", ctrl[i], c->cgroup_parent);
        rmdir(p);
    }
    snprintf(p, sizeof(p), "%s/root", c->sandbox_root);
    rmdir(p);
    rmdir(c->sandbox_root);
}

/* One sandboxed run; returns wall µs (or -1), adds CPU µs and clean-up µs. */
static double run_sbx(struct sbx *sb, int k, double *cpu, double *clean)
{
    char err[512];
    struct job j;
    struct result r;
    double t0, t;

    job_init(&j);
    util_uuid(j.id);
    j.code = util_strdup(codes[k]);
    j.timeout_ms = 10000;
    j.memory_mb = 256;
    result_init(&r);
    t0 = now_us();
    if (sbx_run(sb, 0, &j, &r, NULL, err, sizeof(err)) < 0 || !r.stdout_data || strcmp(r.stdout_data, wants[k]) != 0) {
        fprintf(stderr, "sbx_bench: sandboxed run failed: %s %s\n", err, r.stderr_data ? r.stderr_data : "");
        return -1;
    }
    t = now_us() - t0;
    *cpu += r.cpu_time_ms * 1000.0;
    t0 = now_us();
    sbx_cleanup(sb, 0);   /* as the executor does: after the result is out */
    *clean += now_us() - t0;
    result_release(&r);
    job_release(&j);
    return t;
}

int main(int argc, char **argv)
{
    static struct cfg cw, cf;
    int n = argc > 1 ? atoi(argv[1]) : 50;
    static const char *way_names[NWAYS] = {"bare python3 -I -c", "bwrap --unshare-all (comparable)",
                                           "execq warm (sbx_run)", "execq fresh (sbx_run)"};
    double *t[NCODES][NWAYS], cpu[NCODES][NWAYS] = {{0}}, clean[NCODES][NWAYS] = {{0}};
    struct sbx *warm, *fresh;
    int have_bwrap = access("/usr/bin/bwrap", X_OK) == 0;

    if (n < 5)
        return 2;
    log_init("sbx_bench", LOG_WARNING);
    warm = start(&cw, "warm", 700000);
    fresh = start(&cf, "fresh", 710000);
    if (!warm || !fresh)
        return 1;
    for (int k = 0; k < NCODES; k++)
        for (int w = 0; w < NWAYS; w++)
            t[k][w] = calloc((size_t)n, sizeof(double));
    for (int i = -3; i < n; i++) {   /* three warm-up rounds */
        for (int k = 0; k < NCODES; k++) {
            char *bare[] = {"/usr/bin/python3", "-I", "-u", "-B", "-c", (char *)codes[k], NULL};
            /* bwrap, as close to execq's sandbox as its flags go: every
             * namespace, read-only /usr, fresh /proc and minimal /dev, no
             * network, no caps. */
            char *bwrap[] = {"/usr/bin/bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop",
                             "ALL", "--uid", "1000", "--gid", "1000", "--ro-bind", "/usr", "/usr", "--symlink",
                             "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
                             "--proc", "/proc", "--dev", "/dev", "--ro-bind", "/etc/ld.so.cache",
                             "/etc/ld.so.cache", "--ro-bind", "/etc/alternatives", "/etc/alternatives",
                             "--remount-ro", "/", "--setenv", "OPENBLAS_NUM_THREADS", "1", "--",
                             "/usr/bin/python3", "-I", "-u", "-B", "-c", (char *)codes[k], NULL};
            double v[NWAYS], c0[NWAYS], dummy = 0;
            for (int w = 0; w < NWAYS; w++)
                c0[w] = cpu[k][w];
            v[0] = run_cmd(bare, &cpu[k][0]);
            v[1] = have_bwrap ? run_cmd(bwrap, &cpu[k][1]) : 0;
            v[2] = run_sbx(warm, k, &cpu[k][2], i >= 0 ? &clean[k][2] : &dummy);
            v[3] = run_sbx(fresh, k, &cpu[k][3], i >= 0 ? &clean[k][3] : &dummy);
            for (int w = 0; w < NWAYS; w++) {
                if (v[w] < 0) {
                    fprintf(stderr, "sbx_bench: %s failed\n", way_names[w]);
                    return 1;
                }
                if (i >= 0)
                    t[k][w][i] = v[w];
                else
                    cpu[k][w] = c0[w];   /* warm-up rounds do not count */
            }
        }
    }
    printf("sandbox only, %d runs each, interleaved; wall time to output + status in hand, CPU of the job\n", n);
    printf("%-44s %10s %10s %12s %12s\n", "how", "median ms", "p90 ms", "x bare (p50)", "CPU ms/job");
    for (int k = 0; k < NCODES; k++) {
        double mb = pct(t[k][0], n, 0.5);
        printf("%s\n", code_names[k]);
        for (int w = 0; w < NWAYS; w++) {
            if (w == 1 && !have_bwrap)
                continue;
            double m = pct(t[k][w], n, 0.5);
            char cpu_s[32] = "n/a";   /* bwrap's rusage misses the python it runs in its own PID namespace */
            if (w != 1)
                snprintf(cpu_s, sizeof(cpu_s), "%.1f", cpu[k][w] / n / 1000);
            printf("  %-42s %10.2f %10.2f %12.2f %12s\n", way_names[w], m / 1000, pct(t[k][w], n, 0.9) / 1000,
                   m / mb, cpu_s);
        }
        printf("  %-42s %10.2f %10s %12s\n", "warm: after it, off the path: next sandbox", clean[k][2] / n / 1000,
               "(mean)", "");
        printf("  %-42s %10.2f %10s %12s\n", "fresh: after it, off the path: next sandbox", clean[k][3] / n / 1000,
               "(mean)", "");
    }
    stop(warm, &cw);
    stop(fresh, &cf);
    return 0;
}
