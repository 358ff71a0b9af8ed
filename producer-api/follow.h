/* follow: GET /v1/jobs/{id}/events, a job followed as Server-Sent Events
 * (sse.h) from the store, so that any API serves any job: the output it
 * has printed so far (store_output.c: chunks the results thread stores
 * as they come), then its result. A job that has ended gets its output
 * and result at once. Last-Event-ID ("<stdout bytes>.<stderr bytes>", the
 * events' ids) resumes past what a dropped client had.
 *
 * Threads: the handler (HTTP thread) answers and lists the follower; the
 * follow thread looks at a follower's job whenever follow_wake names it
 * (the results thread stored a chunk or a result; on a shared store, any
 * API did) and every second besides, and drops it once its stream has
 * ended or its client has gone. */
#ifndef EXECQ_FOLLOW_H
#define EXECQ_FOLLOW_H

#include "api.h"

/* Starts the follow thread. Returns 0, or -1 with the reason in errstr. */
int follow_start(struct api *a, char *errstr, size_t errstr_size);
/* Stops the thread (once) and ends every follower's stream (503
 * shutting_down): call it again for followers a handler added meanwhile.
 * Returns the streams ended. follow_free frees what is left, after HTTP
 * has stopped. */
size_t follow_stop(struct api *a);
void follow_free(struct api *a);

/* Job id has new output or a result: its followers look now. NULL: every
 * follower looks (wakes may have been missed). Any thread. */
void follow_wake(struct api *a, const char *id);

/* Registers the metrics (execq_follows_open). */
void follow_metrics(struct api *a);

#endif
