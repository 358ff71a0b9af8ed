/* replies: the API's Kafka side. One thread consumes the results topic
 * (assigned, no group, from the end), finishes the matching waiting calls,
 * sweeps passed deadlines and serves the producer's delivery reports;
 * another keeps a->kafka_ok current for /healthz. */
#ifndef EXECQ_REPLIES_H
#define EXECQ_REPLIES_H

#include <stddef.h>

#include "api.h"

/* Makes a->producer and a->replies, creates the topics, assigns the results
 * topic at its end and starts both threads. Returns 0 once the reply consumer
 * has a position, or -1 with the reason in errstr. */
int replies_start(struct api *a, char *errstr, size_t errstr_size);

/* Stops the threads, flushes the producer (up to 5 s) and destroys both clients. */
void replies_stop(struct api *a);

/* Cancels job id of a sync caller that went away (cancel_on_disconnect):
 * publishes its cancel notice; logs a failure. Any thread. */
void replies_cancel_job(struct api *a, const char *id);

#endif
