/* results: the API's store consumer. A consumer-group member on the results
 * topic that writes every result (sync and async) into the store, refunds
 * jobs that never ran, commits the offset only after the store has the
 * result, and wakes the GETs waiting on it. At start, and every 30 s,
 * it also hands Kafka the accepted jobs it never acknowledged. */
#ifndef EXECQ_RESULTS_H
#define EXECQ_RESULTS_H

#include <stddef.h>

#include "api.h"

/* Republishes unacknowledged jobs, then starts the thread. Returns 0, or
 * -1 with the reason in errstr. */
int results_start(struct api *a, char *errstr, size_t errstr_size);
void results_stop(struct api *a);

/* Counts one job's stored outcome in execq_jobs_total (completed,
 * timed_out, memory_exceeded, failed, expired, lost, queue_unavailable). */
void results_count_outcome(const char *outcome);

/* Notes that Kafka acknowledged job id (a delivery report, on the reply
 * thread): the results thread marks it produced in the store. */
void results_note_produced(struct api *a, const char *id);
/* Writes the marks noted since the last call in one transaction (kept for
 * the next call if the store fails). The results thread calls it as it
 * loops; api_stop once more at the end. */
void results_flush_produced(struct api *a);

#endif
