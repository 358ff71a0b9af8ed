/* execq-hooks: delivers callbacks (docs/webhooks.md). A member of its own
 * consumer group on the results topic, which tells it when something may
 * have ended; the store says what did (a job's stored result, whoever
 * stored it: a run, or the API's lost, cancelled, never queued), and has
 * the callback kept with it. Each ended subject with a callback becomes
 * one event (made once, whichever daemon sees it first), which deliver.c
 * sends until a receiver takes it or its deadline passes. Any number of
 * these daemons share one store: each claims events with a lease. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "cfg.h"
#include "deliver.h"
#include "events.h"
#include "kq.h"
#include "log.h"
#include "metrics.h"
#include "scrape.h"
#include "store.h"
#include "util.h"

#define MAKE_MAX 200           /* subjects turned into events per store transaction */
#define SWEEP_MS 1000          /* the store is looked at this often without a doorbell */
#define STATS_MS 2000

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

struct hooks {
    const struct cfg *c;
    struct deliver *d;
    rd_kafka_t *consumer;
    atomic_int doorbell;       /* a result came: look at the store */
    pthread_t thread;
};

/* The results topic: every result of an async or batch job rings the
 * doorbell (sync calls' replies, on the APIs' partitions, are read past).
 * Offsets are stored as read: the store, not the topic, holds what is owed. */
static void *consume(void *arg)
{
    struct hooks *h = arg;

    while (!stop_requested) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(h->consumer, 200);
        char kind[16];
        if (!m)
            continue;
        if (!m->err) {
            if (kq_header(m, KQ_H_KIND, kind, sizeof(kind)) < 0 || strcmp(kind, "sync") != 0) {
                atomic_store(&h->doorbell, 1);
                deliver_wakeup(h->d);
            }
            rd_kafka_offset_store(m->rkt, m->partition, m->offset);
        } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            log_msg(LOG_WARNING, "results topic: %s", rd_kafka_message_errstr(m));
        }
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

static struct metric *m_backlog, *m_oldest, *m_dead, *m_made;

static void stats(struct store *s)
{
    long pending = 0, dead = 0;
    int64_t oldest = 0;

    if (store_hook_stats(s, &pending, &oldest, &dead) < 0)
        return;
    metrics_set(m_backlog, (double)pending);
    metrics_set(m_oldest, oldest ? (util_wall_ms() - oldest) / 1000.0 : 0);
    metrics_set(m_dead, (double)dead);
}

static int probe(const struct cfg *c, const char *url)
{
    char out[512];
    int rc = deliver_probe(c, url, "whsec_probe", out, sizeof(out));

    printf("%s: %s\n", url, out);
    return rc;
}

int main(int argc, char **argv)
{
    static struct cfg c;
    static struct hooks h;
    char errstr[512], owner[160], host[64];
    struct store *s = NULL;
    struct scrape *sc = NULL;
    struct events_cfg ec;
    struct sigaction sa;
    rd_kafka_topic_partition_list_t *topics;
    int64_t last_sweep = 0, last_stats = 0, recheck = 0;
    int rechecks = 0;
    int rc = 1, started = 0;

    /* --probe URL: one signed test POST under these rules, then exit. */
    if (argc >= 3 && strcmp(argv[1], "--probe") == 0) {
        if (cfg_load(&c, CFG_HOOKS, argc - 2, argv + 2, errstr, sizeof(errstr)) < 0) {
            fprintf(stderr, "execq-hooks: %s\n", errstr);
            return 2;
        }
        log_init("execq-hooks", LOG_WARNING);
        return probe(&c, argv[2]);
    }
    rc = cfg_load(&c, CFG_HOOKS, argc, argv, errstr, sizeof(errstr));
    if (rc == 1) {
        cfg_print_help("execq-hooks", CFG_HOOKS);
        printf("\n  --probe URL  sends one signed test event to URL under these rules and exits (0: delivered)\n");
        return 0;
    }
    if (rc < 0) {
        fprintf(stderr, "execq-hooks: %s\n", errstr);
        return 2;
    }
    rc = 1;
    log_init("execq-hooks", log_level_parse(c.log_level) < 0 ? LOG_INFO : log_level_parse(c.log_level));
    log_set_json(strcmp(c.log_format, "json") == 0);
    if (c.hooks_lease_ms <= c.hooks_timeout_ms) {
        log_msg(LOG_ERR, "hooks-lease-ms (%ld) must be above hooks-timeout-ms (%ld)", c.hooks_lease_ms,
                c.hooks_timeout_ms);
        return 2;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (gethostname(host, sizeof(host)) < 0)
        snprintf(host, sizeof(host), "host");
    host[sizeof(host) - 1] = '\0';
    if (c.hooks_name[0])
        snprintf(owner, sizeof(owner), "%s", c.hooks_name);
    else
        snprintf(owner, sizeof(owner), "%s-hooks", host);
    if (store_open(&s, c.db_url[0] ? c.db_url : c.db_path, errstr, sizeof(errstr)) < 0) {
        log_msg(LOG_ERR, "store: %s", errstr);
        goto out;
    }
    m_backlog = metrics_gauge("execq_hook_backlog", "Events not delivered yet (pending, retries included).", "");
    m_oldest = metrics_gauge("execq_hook_oldest_pending_seconds", "Age of the oldest pending event.", "");
    m_dead = metrics_gauge("execq_hook_dead_letters", "Events given up on (dead-lettered), as the store holds them.",
                           "");
    m_made = metrics_counter("execq_hook_events_total", "Events made by this daemon (one per subject and type).", "");
    if (!(h.d = deliver_new(&c, s, owner, errstr, sizeof(errstr)))) {
        log_msg(LOG_ERR, "%s", errstr);
        goto out;
    }
    if (c.metrics_addr[0] && !(sc = scrape_start(c.metrics_addr, errstr, sizeof(errstr)))) {
        log_msg(LOG_ERR, "metrics: %s", errstr);
        goto out;
    }
    /* A restart takes back its own leases at once: they were in flight
     * when it died, and sending them again is the at-least-once rule. */
    {
        long back = store_hook_unclaim(s, owner);
        if (back > 0)
            log_msg(LOG_INFO, "took back %ld event(s) this daemon held when it stopped", back);
    }
    h.c = &c;
    if (!(h.consumer = kq_consumer_new(&c, c.hooks_group_id, NULL, NULL, NULL, 0, errstr, sizeof(errstr)))) {
        log_msg(LOG_ERR, "results consumer: %s", errstr);
        goto out;
    }
    topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, c.results_topic, RD_KAFKA_PARTITION_UA);
    if (rd_kafka_subscribe(h.consumer, topics)) {
        rd_kafka_topic_partition_list_destroy(topics);
        log_msg(LOG_ERR, "cannot subscribe to %s", c.results_topic);
        goto out;
    }
    rd_kafka_topic_partition_list_destroy(topics);
    if (pthread_create(&h.thread, NULL, consume, &h) != 0) {
        log_msg(LOG_ERR, "cannot start the results thread");
        goto out;
    }
    started = 1;
    ec.public_url = c.public_url;
    ec.max_body = (size_t)c.hooks_max_body_kb * 1024;
    log_msg(LOG_INFO, "delivering as %s (group %s on %s; at most %ld at once, %ld per destination)", owner,
            c.hooks_group_id, c.results_topic, c.hooks_max_inflight, c.hooks_per_destination);
    while (!stop_requested) {
        int64_t now = util_mono_ms();
        int rang = atomic_exchange(&h.doorbell, 0);
        /* A result read from the topic may not be stored by the API yet
         * (it stores them in batches): the store is looked at when it
         * rings, again 100 ms later and 400 ms after that. */
        if (rang || (recheck && now >= recheck) || now - last_sweep >= SWEEP_MS) {
            long made;
            rechecks = rang ? 2 : rechecks > 0 ? rechecks - 1 : 0;
            recheck = rechecks == 2 ? now + 100 : rechecks == 1 ? now + 400 : 0;
            last_sweep = now;
            while ((made = store_hook_make(s, util_wall_ms(), c.hooks_give_up_s * 1000LL, MAKE_MAX, events_make,
                                           &ec)) > 0) {
                metrics_add(m_made, (double)made);
                deliver_poke(h.d);
                if (made < MAKE_MAX / 2)
                    break;
            }
        }
        if (now - last_stats >= STATS_MS) {
            last_stats = now;
            stats(s);
        }
        deliver_round(h.d, 1, 100);
    }
    /* Stopping: no new claims; what is in flight ends (or times out). */
    log_msg(LOG_INFO, "stopping: finishing the callbacks in flight");
    {
        int64_t until = util_mono_ms() + c.hooks_timeout_ms + 1000;
        while (deliver_round(h.d, 0, 100) > 0 && util_mono_ms() < until) {
        }
    }
    rc = 0;
out:
    stop_requested = 1;
    if (started)
        pthread_join(h.thread, NULL);
    if (h.consumer) {
        rd_kafka_consumer_close(h.consumer);
        rd_kafka_destroy(h.consumer);
    }
    if (h.d && s)
        store_hook_unclaim(s, owner);   /* what did not finish goes back now, not at lease end */
    deliver_free(h.d);
    scrape_stop(sc);
    store_close(s);
    return rc;
}
