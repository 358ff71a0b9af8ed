/* test_launcher: 200 warm and 50 fresh sandboxes, one after another, while
 * another thread of this process creates and joins threads without pause.
 * Sandboxes come from the single-threaded launcher, so no clone can inherit
 * a lock a churning thread held (13 of 300 raw clones of the threaded
 * executor once hung in setresuid): none may time out or fail. Needs root,
 * like the executor; builds real sandboxes in a cgroup of its own. */
#include <pthread.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "check.h"
#include "job.h"
#include "log.h"
#include "sbx.h"
#include "util.h"

static volatile int churn_stop;
static long churned;

static void *nothing(void *arg)
{
    return arg;
}

static void *churn(void *arg)
{
    (void)arg;
    while (!churn_stop) {
        pthread_t t;
        if (pthread_create(&t, NULL, nothing, NULL) == 0) {
            pthread_join(t, NULL);
            churned++;
        }
    }
    return NULL;
}

static void run_many(const char *mode, int n)
{
    static struct cfg c;
    char *argv[] = {"test_launcher", NULL};
    char err[512];
    struct sbx *sb;
    int ok = 0, timed_out = 0;

    CHECK(cfg_load(&c, CFG_EXEC, 1, argv, err, sizeof(err)) == 0);
    snprintf(c.cgroup_parent, sizeof(c.cgroup_parent), "execq-unit-%d", (int)getpid());
    snprintf(c.sandbox_root, sizeof(c.sandbox_root), "/run/execq-unit-%d", (int)getpid());
    snprintf(c.sandbox_mode, sizeof(c.sandbox_mode), "%s", mode);
    c.uid_base = 300000 + 1000 * (getpid() % 97);
    c.slots = 2;   /* the test runs slots 0 and 1 (0 would mean "as many as CPUs" to the executor's main) */
    {   /* build/tests/test_launcher -> build/execq-launcher */
        char self[200];
        ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (k > 0) {
            self[k] = '\0';
            *strrchr(self, '/') = '\0';
            snprintf(c.launcher, sizeof(c.launcher), "%s/../execq-launcher", self);
        }
    }
    sb = sbx_new(&c, err, sizeof(err));
    CHECK(sb != NULL);
    if (!sb) {
        fprintf(stderr, "test_launcher: %s\n", err);
        n = 0;   /* nothing to run; still remove what sbx_new made */
    }
    for (int i = 0; i < n; i++) {
        struct job j;
        struct result r;
        char want[32];

        job_init(&j);
        util_uuid(j.id);
        j.code = util_strdup(i == 0 ? "print(' '.join(l.split()[3] for l in open('/proc/self/limits') "
                                      "if l.startswith(('Max nice', 'Max realtime priority'))))"
                                    : "print(6 * 7)");
        j.timeout_ms = 10000;
        j.memory_mb = 256;
        result_init(&r);
        err[0] = '\0';
        snprintf(want, sizeof(want), i == 0 ? "0 0\n" : "42\n");   /* job 0: nice and rtprio limits */
        if (sbx_run(sb, i % 2, &j, &r, NULL, err, sizeof(err)) == 0 && !r.timed_out && r.exit_code == 0 && r.stdout_data &&
            strcmp(r.stdout_data, want) == 0)
            ok++;
        else
            fprintf(stderr, "test_launcher: %s job %d: %s exit %d timed_out %d stdout %s stderr %s\n", mode, i, err,
                    r.exit_code, r.timed_out, r.stdout_data ? r.stdout_data : "", r.stderr_data ? r.stderr_data : "");
        timed_out += r.timed_out;
        sbx_cleanup(sb, i % 2);
        result_release(&r);
        job_release(&j);
    }
    if (sb) {
        printf("test_launcher: %s: %d of %d jobs ran, %d timed out\n", mode, ok, n, timed_out);
        CHECK(ok == n);
        CHECK(timed_out == 0);
    }
    sbx_free(sb);
    {
        const char *ctrls[] = {"memory", "pids", "cpu", "cpuacct", "freezer"};
        char p[400];
        for (int i = 0; i < 5; i++) {
            snprintf(p, sizeof(p), "/sys/fs/cgroup/%s/%s", ctrls[i], c.cgroup_parent);
            rmdir(p);
        }
        snprintf(p, sizeof(p), "%s/root", c.sandbox_root);
        rmdir(p);
        rmdir(c.sandbox_root);
    }
}

int main(void)
{
    pthread_t t;

    log_init("test_launcher", LOG_WARNING);
    if (geteuid() != 0) {
        printf("test_launcher: needs root to build sandboxes\n");
        CHECK(0);
        CHECK_DONE();
    }
    {   /* An executor started with raised priority limits (systemd can
         * do that): the sandboxes must not inherit them (run_many's job 0
         * checks). Raising needs CAP_SYS_RESOURCE, which some containers
         * withhold: then the check only sees the defaults, and says so. */
        struct rlimit rt = {50, 50}, nice = {30, 30};
        if (setrlimit(RLIMIT_RTPRIO, &rt) == 0 && setrlimit(RLIMIT_NICE, &nice) == 0)
            printf("test_launcher: executor's own RLIMIT_RTPRIO 50, RLIMIT_NICE 30\n");
        else
            printf("test_launcher: cannot raise RLIMIT_RTPRIO/NICE here (no CAP_SYS_RESOURCE): "
                   "the jobs' 0 0 is checked against the defaults only\n");
    }
    CHECK(pthread_create(&t, NULL, churn, NULL) == 0);
    run_many("warm", 200);
    run_many("fresh", 50);
    churn_stop = 1;
    pthread_join(t, NULL);
    printf("test_launcher: %ld threads created and joined meanwhile\n", churned);
    CHECK(churned > 100);
    CHECK_DONE();
}
