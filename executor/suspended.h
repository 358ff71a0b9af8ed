/* suspended: the accounts an operator has suspended, as the accounts topic
 * says (--accounts-topic: compacted, keyed by account id, the API writes a
 * notice at each suspension and reinstatement, and every suspension again
 * at its start). A thread of its own reads the topic from its start, with
 * no consumer group, so every executor sees every notice. A job of a
 * suspended account that reaches an executor fails without running; the
 * API refunds it. The same reader reads the control topic (cancel notices,
 * one partition, kept two days) from its start and hands each message to
 * a callback (cancels.h). */
#ifndef EXECQ_SUSPENDED_H
#define EXECQ_SUSPENDED_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "cfg.h"

struct suspended;

/* Starts the reader and waits (up to 10 s) until it has read both topics
 * as far as they reached at start: an executor knows the suspensions and
 * the cancels before its first job. on_control(control_arg, m) gets each
 * control topic message (on the reader's thread). Returns it, or NULL with
 * the reason in errstr. */
struct suspended *suspended_start(const struct cfg *c, void (*on_control)(void *arg, const rd_kafka_message_t *m),
                                  void *control_arg, char *errstr, size_t errstr_size);
/* 1 if account is suspended now, 0 if not. Any thread. */
int suspended_has(struct suspended *s, const char *account);
/* Accounts suspended now (the metric). */
long suspended_count(struct suspended *s);
void suspended_stop(struct suspended *s);   /* NULL-safe; joins the thread */

#endif
