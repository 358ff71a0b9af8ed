/* submit: the routes that make jobs. POST /v1/exec-python (a sync call:
 * stored and charged, produced, its connection suspended until replies.c
 * finishes it), POST /v1/jobs (async) and POST /v1/batches, each with its
 * Idempotency-Key. */
#ifndef EXECQ_SUBMIT_H
#define EXECQ_SUBMIT_H

#include "api.h"

struct api_req;

/* The handlers: each sets r's answer, or suspends r (a sync call) to be
 * resumed when its result comes back. */
void submit_exec(struct api *a, struct api_req *r);
void submit_job(struct api *a, struct api_req *r);
void submit_batch(struct api *a, struct api_req *r);

/* Marks job id, accepted and charged but never handed to Kafka, failed
 * (queue_unavailable, why) and refunded, and wakes whoever waits for it. */
void submit_fail_unqueued(struct api *a, const char *id, const char *why);

#endif
