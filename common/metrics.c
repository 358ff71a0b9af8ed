/* metrics: see metrics.h. Values are doubles kept as bits in atomics, so
 * an update is a compare-and-swap loop and a scrape never blocks it. */
#include "metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define METRICS_MAX 256
#define METRICS_MAX_BOUNDS 24

enum kind { COUNTER, GAUGE, HISTOGRAM, GAUGE_FN };

struct metric {
    enum kind kind;
    char name[96];
    char help[200];
    char labels[160];
    _Atomic uint64_t value;                       /* double bits: counter, gauge; histogram sum */
    double bounds[METRICS_MAX_BOUNDS];
    int nbounds;
    _Atomic uint64_t buckets[METRICS_MAX_BOUNDS + 1];   /* per bucket, not cumulative; last is +Inf */
    double (*fn)(void *);
    void *arg;
};

static struct metric *registry[METRICS_MAX];
static int nregistry;
static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;

const double metrics_latency_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                         0.5,   1,      2.5,   5,    10,    30,    60};
const int metrics_latency_nbounds = (int)(sizeof(metrics_latency_bounds) / sizeof(metrics_latency_bounds[0]));

static double bits_to_double(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof(d));
    return d;
}

static uint64_t double_to_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof(b));
    return b;
}

static struct metric *add(enum kind kind, const char *name, const char *help, const char *labels,
                          const double *bounds, int nbounds, double (*fn)(void *), void *arg)
{
    struct metric *m = NULL;

    if (!labels)
        labels = "";
    if (nbounds > METRICS_MAX_BOUNDS)
        return NULL;
    pthread_mutex_lock(&registry_mu);
    for (int i = 0; i < nregistry; i++)
        if (strcmp(registry[i]->name, name) == 0 && strcmp(registry[i]->labels, labels) == 0) {
            m = registry[i];
            goto out;
        }
    if (nregistry == METRICS_MAX || !(m = calloc(1, sizeof(*m))))
        goto out;
    m->kind = kind;
    snprintf(m->name, sizeof(m->name), "%s", name);
    snprintf(m->help, sizeof(m->help), "%s", help);
    snprintf(m->labels, sizeof(m->labels), "%s", labels);
    atomic_init(&m->value, double_to_bits(0));
    for (int i = 0; i < nbounds; i++)
        m->bounds[i] = bounds[i];
    m->nbounds = nbounds;
    m->fn = fn;
    m->arg = arg;
    registry[nregistry++] = m;
out:
    pthread_mutex_unlock(&registry_mu);
    return m;
}

struct metric *metrics_counter(const char *name, const char *help, const char *labels)
{
    return add(COUNTER, name, help, labels, NULL, 0, NULL, NULL);
}

struct metric *metrics_gauge(const char *name, const char *help, const char *labels)
{
    return add(GAUGE, name, help, labels, NULL, 0, NULL, NULL);
}

struct metric *metrics_histogram(const char *name, const char *help, const char *labels, const double *bounds,
                                 int nbounds)
{
    return add(HISTOGRAM, name, help, labels, bounds, nbounds, NULL, NULL);
}

struct metric *metrics_gauge_fn(const char *name, const char *help, const char *labels, double (*fn)(void *),
                                void *arg)
{
    return add(GAUGE_FN, name, help, labels, NULL, 0, fn, arg);
}

static void value_add(_Atomic uint64_t *v, double d)
{
    uint64_t old = atomic_load(v);
    while (!atomic_compare_exchange_weak(v, &old, double_to_bits(bits_to_double(old) + d)))
        ;
}

void metrics_add(struct metric *m, double v)
{
    if (m && (m->kind == GAUGE || (m->kind == COUNTER && v >= 0)))
        value_add(&m->value, v);
}

void metrics_set(struct metric *m, double v)
{
    if (m && m->kind == GAUGE)
        atomic_store(&m->value, double_to_bits(v));
}

void metrics_observe(struct metric *m, double v)
{
    int i = 0;

    if (!m || m->kind != HISTOGRAM || isnan(v))
        return;
    while (i < m->nbounds && v > m->bounds[i])
        i++;
    atomic_fetch_add(&m->buckets[i], 1);
    value_add(&m->value, v);
}

/* Appends "name{labels[,extra]} value\n". */
static int line(struct buf *b, const char *name, const char *suffix, const char *labels, const char *extra,
                double v)
{
    char s[512], num[40];
    int with = labels[0] || (extra && extra[0]);

    if (isinf(v))
        snprintf(num, sizeof(num), "%s", v > 0 ? "+Inf" : "-Inf");
    else
        snprintf(num, sizeof(num), "%.17g", v);
    snprintf(s, sizeof(s), "%s%s%s%s%s%s%s %s\n", name, suffix, with ? "{" : "", labels,
             labels[0] && extra && extra[0] ? "," : "", extra ? extra : "", with ? "}" : "", num);
    return buf_append(b, s, strlen(s));
}

char *metrics_render(void)
{
    struct buf b;
    int n, ok = 1;

    buf_init(&b);
    pthread_mutex_lock(&registry_mu);
    n = nregistry;
    pthread_mutex_unlock(&registry_mu);   /* entries are never removed or moved */
    for (int i = 0; i < n && ok; i++) {
        struct metric *m = registry[i];
        int first = 1;
        char head[700];
        /* HELP and TYPE once per name, with all its series after them. */
        for (int k = 0; k < i; k++)
            if (strcmp(registry[k]->name, m->name) == 0)
                first = 0;
        if (!first)
            continue;
        snprintf(head, sizeof(head), "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name,
                 m->kind == COUNTER ? "counter" : m->kind == HISTOGRAM ? "histogram" : "gauge");
        ok = buf_append(&b, head, strlen(head)) == 0;
        for (int k = i; k < n && ok; k++) {
            struct metric *s = registry[k];
            if (strcmp(s->name, m->name) != 0)
                continue;
            if (s->kind == HISTOGRAM) {
                uint64_t cum = 0;
                char le[48];
                for (int j = 0; j <= s->nbounds && ok; j++) {
                    cum += atomic_load(&s->buckets[j]);
                    if (j < s->nbounds)
                        snprintf(le, sizeof(le), "le=\"%g\"", s->bounds[j]);
                    else
                        snprintf(le, sizeof(le), "le=\"+Inf\"");
                    ok = line(&b, s->name, "_bucket", s->labels, le, (double)cum) == 0;
                }
                ok = ok && line(&b, s->name, "_sum", s->labels, NULL, bits_to_double(atomic_load(&s->value))) == 0;
                ok = ok && line(&b, s->name, "_count", s->labels, NULL, (double)cum) == 0;
            } else {
                double v = s->kind == GAUGE_FN ? s->fn(s->arg) : bits_to_double(atomic_load(&s->value));
                ok = line(&b, s->name, "", s->labels, NULL, v) == 0;
            }
        }
    }
    if (!ok || (!b.data && buf_append(&b, "", 0) < 0) || !b.data) {
        buf_release(&b);
        return NULL;
    }
    return b.data;   /* the caller owns it now */
}
