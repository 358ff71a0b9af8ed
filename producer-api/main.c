/* execq-api: the HTTP front of execq. Reads the configuration, starts the
 * API (Kafka first, then HTTP) and runs until SIGINT or SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "api.h"
#include "cfg.h"
#include "log.h"
#include "util.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;   /* only a flag: the main loop does the rest */
}

int main(int argc, char **argv)
{
    static struct cfg c;
    static struct api a;
    char errstr[512];
    struct sigaction sa;
    struct rlimit rl;
    int rc;

    rc = cfg_load(&c, CFG_API, argc, argv, errstr, sizeof(errstr));
    if (rc == 1) {
        cfg_print_help("execq-api", CFG_API);
        return 0;
    }
    if (rc < 0) {
        fprintf(stderr, "execq-api: %s\n", errstr);
        return 2;
    }
    log_init("execq-api", log_level_parse(c.log_level) < 0 ? LOG_INFO : log_level_parse(c.log_level));
    log_set_json(strcmp(c.log_format, "json") == 0);
    /* Every waiting call is a socket: allow as many as the hard limit. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (api_start(&a, &c, errstr, sizeof(errstr)) < 0) {
        log_msg(LOG_ERR, "cannot start: %s", errstr);
        api_stop(&a);
        return 1;
    }
    while (!stop_requested)
        usleep(100000);   /* the signal may land on any thread: poll the flag */
    log_msg(LOG_INFO, "stopping");
    util_shutdown_watchdog(20);
    api_stop(&a);
    return 0;
}
