/* scrape: the executor's GET /metrics (Prometheus text format, see
 * metrics.h) on --metrics-addr, served by libmicrohttpd's own thread. */
#ifndef EXECQ_SCRAPE_H
#define EXECQ_SCRAPE_H

#include <stddef.h>

struct scrape;

/* Listens on addr ("host:port", IPv4 or a name that resolves to one).
 * Returns the server (stop it with scrape_stop), or NULL with the reason
 * in errstr. */
struct scrape *scrape_start(const char *addr, char *errstr, size_t errstr_size);

/* Stops and frees s; NULL-safe. */
void scrape_stop(struct scrape *s);

#endif
