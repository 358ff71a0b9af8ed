/* suspended: the accounts an operator has suspended, as the accounts topic
 * says (--accounts-topic: compacted, keyed by account id, the API writes a
 * notice at each suspension and reinstatement, and every suspension again
 * at its start). A thread of its own reads the topic from its start, with
 * no consumer group, so every executor sees every notice. A job of a
 * suspended account that reaches an executor fails without running; the
 * API refunds it. */
#ifndef EXECQ_SUSPENDED_H
#define EXECQ_SUSPENDED_H

#include <stddef.h>

#include "cfg.h"

struct suspended;

/* Starts the reader and waits (up to 10 s) until it has read the topic as
 * far as it reached at start: an executor knows the suspensions before its
 * first job. Returns it, or NULL with the reason in errstr. */
struct suspended *suspended_start(const struct cfg *c, char *errstr, size_t errstr_size);
/* 1 if account is suspended now, 0 if not. Any thread. */
int suspended_has(struct suspended *s, const char *account);
/* Accounts suspended now (the metric). */
long suspended_count(struct suspended *s);
void suspended_stop(struct suspended *s);   /* NULL-safe; joins the thread */

#endif
