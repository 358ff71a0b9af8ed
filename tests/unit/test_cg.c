/* Unit tests of executor/cg.c: its file-level pieces against fake v1 and v2
 * hierarchies in a temporary directory, then (as root) the whole life of a
 * job group on the machine's real hierarchy, v1 here and v2 in the guest of
 * `make test-cgroup2` (scripts/guest.sh). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cg.h"
#include "check.h"

static void put(const char *dir, const char *file, const char *content)
{
    char p[512];
    FILE *f;
    snprintf(p, sizeof(p), "%s/%s", dir, file);
    f = fopen(p, "w");
    fputs(content, f);
    fclose(f);
}

static void test_v2(const char *root)
{
    char dir[300], buf[32] = {0};
    struct cg_stats st;
    const char *names[8];
    char values[8][32];
    struct cg_limits lim = {.memory_bytes = 256 << 20, .pids_max = 64, .cpu_quota_us = 100000, .cpu_period_us = 100000};
    size_t n;
    int fd;

    snprintf(dir, sizeof(dir), "%s/v2job", root);
    mkdir(dir, 0755);
    put(dir, "memory.peak", "1048576\n");
    put(dir, "cpu.stat", "usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\n");
    put(dir, "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n");
    put(dir, "cgroup.kill", "");
    CHECK(cg_read_stats_v2(dir, &st) == 0);
    CHECK(st.peak_memory_bytes == 1048576 && st.cpu_time_us == 123456 && st.oom_killed == 1);
    put(dir, "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
    CHECK(cg_read_stats_v2(dir, &st) == 0 && st.oom_killed == 0);
    /* Kernels before 5.19 have no memory.peak: fall back to memory.current. */
    char p[400];
    snprintf(p, sizeof(p), "%s/memory.peak", dir);
    unlink(p);
    put(dir, "memory.current", "4096\n");
    CHECK(cg_read_stats_v2(dir, &st) == 0 && st.peak_memory_bytes == 4096);
    CHECK(cg_kill_v2(dir) == 0);
    snprintf(p, sizeof(p), "%s/cgroup.kill", dir);
    fd = open(p, O_RDONLY);
    CHECK(read(fd, buf, sizeof(buf)) == 1 && buf[0] == '1');
    close(fd);
    n = cg_v2_settings(&lim, names, values, 8);
    CHECK(n == 4);
    CHECK(strcmp(names[0], "memory.max") == 0 && strcmp(values[0], "268435456") == 0);
    CHECK(strcmp(names[1], "memory.swap.max") == 0 && strcmp(values[1], "0") == 0);
    CHECK(strcmp(names[2], "pids.max") == 0 && strcmp(values[2], "64") == 0);
    CHECK(strcmp(names[3], "cpu.max") == 0 && strcmp(values[3], "100000 100000") == 0);
    CHECK(cg_read_stats_v2("/nonexistent", &st) == -1);
}

static void test_v1(const char *root)
{
    char mem[300], acct[300];
    struct cg_stats st;
    const char *ctrl[8], *names[8];
    char values[8][32];
    struct cg_limits lim = {.memory_bytes = 64 << 20, .pids_max = 10, .cpu_quota_us = 50000, .cpu_period_us = 100000};
    size_t n;

    snprintf(mem, sizeof(mem), "%s/mem", root);
    snprintf(acct, sizeof(acct), "%s/acct", root);
    mkdir(mem, 0755);
    mkdir(acct, 0755);
    put(mem, "memory.max_usage_in_bytes", "8192\n");
    put(mem, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    put(acct, "cpuacct.usage", "5000000\n");
    CHECK(cg_read_stats_v1(mem, acct, &st) == 0);
    CHECK(st.peak_memory_bytes == 8192 && st.cpu_time_us == 5000 && st.oom_killed == 1);
    /* A kernel without the oom_kill counter is an error, not "no OOM". */
    put(mem, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n");
    CHECK(cg_read_stats_v1(mem, acct, &st) == -1);
    n = cg_v1_settings(&lim, 1, 1, ctrl, names, values, 8);
    CHECK(n == 6);
    CHECK(strcmp(names[0], "memory.limit_in_bytes") == 0 && strcmp(names[1], "memory.memsw.limit_in_bytes") == 0);
    CHECK(strcmp(values[1], "67108864") == 0);
    /* socket buffers capped at the memory limit, in their own counter */
    CHECK(strcmp(names[2], "memory.kmem.tcp.limit_in_bytes") == 0 && strcmp(values[2], "67108864") == 0);
    CHECK(strcmp(ctrl[3], "pids") == 0 && strcmp(values[3], "10") == 0);
    CHECK(strcmp(names[5], "cpu.cfs_quota_us") == 0 && strcmp(values[5], "50000") == 0);
    CHECK(cg_v1_settings(&lim, 0, 0, ctrl, names, values, 8) == 4);   /* neither memsw nor kmem.tcp */
    /* No swap accounting: refused unless allowed, and the reason says how. */
    {
        char err[400];
        CHECK(cg_swap_check(mem, 0, err, sizeof(err)) == -1);
        CHECK(strstr(err, "swapaccount=1") && strstr(err, "--allow-uncapped-swap"));
        CHECK(cg_swap_check(mem, 1, err, sizeof(err)) == 0);
        put(mem, "memory.memsw.limit_in_bytes", "9223372036854771712\n");
        CHECK(cg_swap_check(mem, 0, err, sizeof(err)) == 0);
    }
}

/* Forks a child that waits on a pipe until it is in group j, then runs
 * what: 'm' touches 64 MiB, 's' sleeps. Returns its pid. */
static pid_t child_in(struct cg_job *j, char what)
{
    int fds[2];
    char c, err[256];
    pid_t pid;

    if (pipe(fds) < 0)
        return -1;
    if ((pid = fork()) == 0) {
        close(fds[1]);
        if (read(fds[0], &c, 1) != 1)
            _exit(2);
        if (what == 'm') {
            size_t n = 64u << 20;
            char *p = malloc(n);
            for (size_t i = 0; p && i < n; i += 4096)
                p[i] = 1;
            _exit(0);
        }
        pause();
        _exit(0);
    }
    close(fds[0]);
    CHECK(cg_job_attach(j, pid, err, sizeof(err)) == 0);
    CHECK(write(fds[1], "x", 1) == 1);
    close(fds[1]);
    return pid;
}

/* The machine's own hierarchy: an executor's group, a job group with a
 * 16 MiB limit whose child the kernel OOM-kills (and the stats say so),
 * then a sleeping child that cg_job_kill ends (cgroup.kill on v2, the
 * freezer on v1), and nothing left after. */
static void test_real(void)
{
    struct cg_layout l;
    struct cg_limits all = {.memory_bytes = 256 << 20, .pids_max = 64, .cpu_quota_us = 100000, .cpu_period_us = 100000};
    struct cg_limits lim = {.memory_bytes = 16 << 20, .pids_max = 8, .cpu_quota_us = 50000, .cpu_period_us = 100000};
    struct cg_stats st;
    struct cg_job *j;
    char parent[64], err[512], p[700];
    int status;
    pid_t pid;

    if (geteuid() != 0) {
        printf("test_cg: not root, the real hierarchy is not tried\n");
        return;
    }
    snprintf(parent, sizeof(parent), "execq-cgtest-%d", (int)getpid());
    if (cg_init(&l, parent, &all, 1, err, sizeof(err)) < 0) {
        printf("test_cg: cg_init: %s\n", err);
        CHECK(0);
        return;
    }
    printf("test_cg: real cgroup v%d hierarchy\n", (int)l.version);
    CHECK((j = cg_job_create(&l, "job", &lim, err, sizeof(err))) != NULL);
    if (!j) {
        printf("test_cg: cg_job_create: %s\n", err);
        cg_fini(&l);
        return;
    }
    pid = child_in(j, 'm');
    CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK(cg_job_stats(j, &st) == 0);
    CHECK(st.oom_killed == 1);
    CHECK(st.peak_memory_bytes > (8 << 20) && st.peak_memory_bytes <= (16 << 20));
    CHECK(st.cpu_time_us > 0);
    pid = child_in(j, 's');
    cg_job_kill(j);
    CHECK(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    cg_job_destroy(j);
    cg_fini(&l);
    {
        /* Gone from every hierarchy; the shared parent stays for other
         * executors, so the test removes it. */
        const char *mounts[] = {l.unified, l.memory, l.pids, l.cpu, l.cpuacct, l.freezer};
        for (size_t i = l.version == CG_V2 ? 0 : 1; i < (l.version == CG_V2 ? 1u : 6u); i++) {
            snprintf(p, sizeof(p), "%s/%s", mounts[i], l.parent);
            CHECK(access(p, F_OK) < 0);
            snprintf(p, sizeof(p), "%s/%s", mounts[i], parent);
            CHECK(rmdir(p) == 0 || errno == ENOENT);   /* cpu and cpuacct may be one hierarchy */
        }
    }
}

int main(void)
{
    char root[] = "/tmp/execq-cgtest-XXXXXX";
    char cmd[128];

    CHECK(mkdtemp(root) != NULL);
    test_v2(root);
    test_v1(root);
    CHECK(cg_read_keyed("/nonexistent", "x") == -1);
    test_real();
    snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
    CHECK(system(cmd) == 0);
    CHECK_DONE();
}
