/* cancels: the cancelled job ids with their deadlines (see cancels.h),
 * in a pending table (pending.h): an entry's data is its deadline
 * (malloc'd), and entries past it are dropped as new ones come. */
#include "cancels.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "job.h"
#include "log.h"
#include "pending.h"
#include "util.h"

/* Cancels kept at most: a million notices a day would be odd. */
#define CANCELS_MAX (1u << 20)
/* New notices between two sweeps of expired ones. */
#define SWEEP_EVERY 1024

struct cancels {
    struct pending *set;     /* job id -> int64_t * (its deadline, util_wall_ms) */
    atomic_uint since_sweep;
    void (*on_new)(const char *id, void *arg);
    void *arg;
};

struct cancels *cancels_new(void (*on_new)(const char *id, void *arg), void *arg)
{
    struct cancels *c = calloc(1, sizeof(*c));

    if (!c || !(c->set = pending_new(CANCELS_MAX, 1))) {
        free(c);
        return NULL;
    }
    c->on_new = on_new;
    c->arg = arg;
    return c;
}

static void drop(void *data, void *arg)
{
    (void)arg;
    free(data);
}

void cancels_free(struct cancels *c)
{
    if (!c)
        return;
    pending_expire(c->set, INT64_MAX, drop, NULL);
    pending_free(c->set);
    free(c);
}

void cancels_apply(void *arg, const rd_kafka_message_t *m)
{
    struct cancels *c = arg;
    char id[37], errstr[160];
    int64_t expires, now = util_wall_ms(), *at;

    if (job_cancel_from_json(m->payload, m->len, id, &expires, errstr, sizeof(errstr)) < 0) {
        log_msg(LOG_WARNING, "control topic: an unreadable notice at offset %lld skipped: %s", (long long)m->offset,
                errstr);
        return;
    }
    if (expires < now)
        return;   /* its job would not run any more anyway */
    if (atomic_fetch_add(&c->since_sweep, 1) + 1 >= SWEEP_EVERY) {
        atomic_store(&c->since_sweep, 0);
        pending_expire(c->set, now - 1, drop, NULL);
    }
    if (!(at = malloc(sizeof(*at))))
        return;
    *at = expires;
    /* Refused when the id is there already: a notice seen again. */
    if (pending_add(c->set, id, at, expires) < 0) {
        free(at);
        return;
    }
    log_msg(LOG_INFO, "job=%s cancelled", id);
    c->on_new(id, c->arg);
}

static void read_deadline(void *data, void *arg)
{
    *(int64_t *)arg = *(const int64_t *)data;
}

int cancels_has(struct cancels *c, const char *id)
{
    int64_t at = 0;

    return c && pending_find(c->set, id, read_deadline, &at) && at >= util_wall_ms();
}
