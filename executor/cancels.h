/* cancels: the jobs cancelled (POST /v1/jobs/{id}/cancel), as the control
 * topic's notices say (suspended.c reads it, from its start). A job that
 * reaches a slot after its cancel fails without running (refunded); one
 * running when its cancel comes is killed (cancelled, charged: it ran).
 * A notice is kept until its job's deadline (expires_at_ms), after which
 * no executor would run the job anyway. */
#ifndef EXECQ_CANCELS_H
#define EXECQ_CANCELS_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

struct cancels;

/* Makes an empty set; on_new(id, arg) is called for each new cancel (on
 * the reader's thread), to kill the job where it runs. NULL on ENOMEM. */
struct cancels *cancels_new(void (*on_new)(const char *id, void *arg), void *arg);
void cancels_free(struct cancels *c);   /* NULL-safe */

/* suspended_start's control callback (arg: a struct cancels): one notice. */
void cancels_apply(void *arg, const rd_kafka_message_t *m);

/* 1 if job id was cancelled (and its deadline has not passed), else 0. Any thread. */
int cancels_has(struct cancels *c, const char *id);

#endif
