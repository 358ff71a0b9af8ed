/* session: the sessions this executor holds (sbx.h's session sandboxes)
 * and the partition of the sessions topic their execs come on.
 *
 * A session is made by a "create" job on the jobs topic, which any
 * executor may take (consumer.c hands it to sessions_create). Its result
 * names this executor and the partition of the sessions topic it reads
 * (its instance id's hash, fixed across restarts); the API stores both and
 * sends each exec and end there, naming this executor. A partition may be
 * shared by executors whose ids hash alike: each takes only what names it.
 *
 * Each session has a thread that runs its execs in order (the queue is
 * bounded), publishes each result to its caller's reply partition as a
 * sync job's, and ends the session at its idle timeout (counted from the
 * end of the last exec), its lifetime, an "end" message, or when its job
 * process ends. An exec or end for a session this executor does not hold
 * (it ended, or the executor restarted: the partition is read back ten
 * minutes at start) is answered "lost": failed, not charged; one read
 * back that the executor's previous run answered before it died (its
 * result is on the results topic) is not answered twice. */
#ifndef EXECQ_SESSION_H
#define EXECQ_SESSION_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "cfg.h"
#include "job.h"
#include "sbx.h"

struct sessions;

/* Starts the reader of this executor's partition (instance: its static
 * member id; executor_id: what results name). producer publishes results
 * (its delivery callback must accept a NULL opaque); lb (may be NULL)
 * finds, for an exec read back at start, whether the executor's previous
 * run answered it already (then it is not answered again). Returns NULL
 * with the reason in errstr. */
struct lookback;
struct sessions *sessions_new(const struct cfg *c, struct sbx *sb, rd_kafka_t *producer, struct lookback *lb,
                              const char *instance, const char *executor_id, char *errstr, size_t errstr_size);

/* A create job (j->session_op "create"): makes the session and fills r
 * (completed, with its partition; or failed with the reason: no room, or
 * no sandbox; r->session_full when no room, ss NULL included: an executor
 * with --session-slots 0). Slot thread. */
void sessions_create(struct sessions *ss, const struct job *j, struct result *r);

/* Open sessions (a metric). Any thread. */
long sessions_open(struct sessions *ss);
/* Why a session ended (execq_executor_sessions_ended_total{why}). */
enum { SESSION_END_IDLE, SESSION_END_LIFETIME, SESSION_END_DELETED, SESSION_END_DIED, SESSION_END_N };

/* Exec id was cancelled (POST /v1/jobs/{id}/cancel, or its caller went
 * away with cancel_on_disconnect): if a session runs it now, it is
 * interrupted (KeyboardInterrupt; cancelled, charged), the session lives
 * on. One not started yet is answered unrun when its turn comes. Any
 * thread. */
void sessions_cancel(struct sessions *ss, const char *id);

/* Ends every session and stops the reader. NULL-safe. */
void sessions_free(struct sessions *ss);

#endif
