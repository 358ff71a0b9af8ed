/* execq-executor: runs jobs from Kafka in sandboxes. Refuses to start unless
 * a probe job ran in a real sandbox: it never runs code unsandboxed. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "cfg.h"
#include "consumer.h"
#include "envs.h"
#include "log.h"
#include "sbx.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;   /* only a flag: the consumer loop checks it */
}

int main(int argc, char **argv)
{
    static struct cfg c;
    char errstr[512];
    struct sigaction sa;
    struct sbx *sb;
    struct envs *envs;
    int rc;

    rc = cfg_load(&c, CFG_EXEC, argc, argv, errstr, sizeof(errstr));
    if (rc == 1) {
        cfg_print_help("execq-executor", CFG_EXEC);
        return 0;
    }
    if (rc < 0) {
        fprintf(stderr, "execq-executor: %s\n", errstr);
        return 2;
    }
    if (c.slots == 0)
        c.slots = sysconf(_SC_NPROCESSORS_ONLN);   /* resolved once: sbx sizes the executor's cgroup by it */
    log_init("execq-executor", log_level_parse(c.log_level) < 0 ? LOG_INFO : log_level_parse(c.log_level));
    log_set_json(strcmp(c.log_format, "json") == 0);
    if (strcmp(c.sandbox, "full") != 0) {
        log_msg(LOG_ERR, "sandbox=%s: the only mode is \"full\"; execq never runs code unsandboxed", c.sandbox);
        return 2;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;   /* the handler only sets a flag; no call needs to see EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Orphans of jobs that escape their init (none should) end up here, not at pid 1. */
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

    sb = sbx_new(&c, errstr, sizeof(errstr));
    if (!sb) {
        log_msg(LOG_ERR, "refusing to start: cannot build a sandbox: %s", errstr);
        return 1;
    }
    /* Environments: declarations checked and the cached ones found (no
     * thread yet: sbx_new has started the launcher); the builds then run
     * in a thread of their own while jobs in the default one run. */
    envs = envs_new(&c, errstr, sizeof(errstr));
    if (!envs) {
        log_msg(LOG_ERR, "refusing to start: environments: %s", errstr);
        sbx_free(sb);
        return 2;
    }
    if (sbx_set_envs(sb, envs, errstr, sizeof(errstr)) < 0 || envs_build_start(envs, errstr, sizeof(errstr)) < 0) {
        log_msg(LOG_ERR, "%s", errstr);
        sbx_free(sb);
        envs_free(envs);
        return 1;
    }
    rc = consumer_run(&c, sb, envs, &stop_requested, errstr, sizeof(errstr));
    if (rc < 0)
        log_msg(LOG_ERR, "%s", errstr);
    sbx_free(sb);
    envs_free(envs);
    log_msg(LOG_INFO, "stopped");
    return rc < 0 ? 1 : 0;
}
