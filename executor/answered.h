/* answered: the jobs whose outcome this executor has queued or published.
 * A job message can come back to the executor that ran it: its offset
 * commit was lost (the broker restarted while the result waited), and the
 * partition is fetched again from the committed offset. Running it again,
 * or calling it expired, would put a second outcome on the results topic;
 * the executor looks here first, and only moves the offset on. */
#ifndef EXECQ_ANSWERED_H
#define EXECQ_ANSWERED_H

struct answered;

enum { ANSWERED_NO, ANSWERED_QUEUED, ANSWERED_DELIVERED };

/* Remembers the last `capacity` jobs (older ones are forgotten first). */
struct answered *answered_new(int capacity);
void answered_free(struct answered *a);   /* NULL-safe */

/* Records that job id's outcome was queued for the results topic, or (on its
 * delivery report) acknowledged by Kafka. Thread-safe. */
void answered_queued(struct answered *a, const char *id);
void answered_delivered(struct answered *a, const char *id);

/* ANSWERED_NO, ANSWERED_QUEUED or ANSWERED_DELIVERED. Thread-safe. */
int answered_state(struct answered *a, const char *id);

#endif
