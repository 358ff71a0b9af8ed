/* metrics: Prometheus metrics of one process, rendered in the text
 * exposition format (version 0.0.4) for GET /metrics. One registry per
 * process; series are registered at start (never freed: they live as long
 * as the process) and updated from any thread without a lock on the hot
 * path (counters and histogram buckets are atomics).
 *
 * A series is a name plus a fixed label set, e.g.
 *   metrics_counter("execq_jobs_total", "Jobs by outcome.", "outcome=\"completed\"")
 * Series of one name share HELP and TYPE; register them with the same help. */
#ifndef EXECQ_METRICS_H
#define EXECQ_METRICS_H

#include <stddef.h>

struct metric;

/* Returns the series (the same one when name and labels were registered
 * before), or NULL when the registry is full (METRICS_MAX) or out of
 * memory; every update function accepts NULL and does nothing. labels may
 * be NULL or "" for none. */
struct metric *metrics_counter(const char *name, const char *help, const char *labels);
struct metric *metrics_gauge(const char *name, const char *help, const char *labels);
/* bounds: the buckets' upper bounds, increasing (+Inf is added); copied. */
struct metric *metrics_histogram(const char *name, const char *help, const char *labels, const double *bounds,
                                 int nbounds);
/* A gauge read at scrape time: fn(arg) is called from the scraping thread. */
struct metric *metrics_gauge_fn(const char *name, const char *help, const char *labels, double (*fn)(void *),
                                void *arg);

void metrics_add(struct metric *m, double v);      /* counter or gauge: += v (v >= 0 for counters) */
void metrics_set(struct metric *m, double v);      /* gauge: = v */
void metrics_observe(struct metric *m, double v);  /* histogram: one observation */

/* Bucket bounds in seconds for latencies from 1 ms to 60 s. */
extern const double metrics_latency_bounds[];
extern const int metrics_latency_nbounds;

/* Returns the whole exposition as a malloc'd string (the caller frees it),
 * or NULL on ENOMEM. */
char *metrics_render(void);

/* The Content-Type of metrics_render()'s text. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
