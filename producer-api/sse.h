/* sse: one streamed answer (Server-Sent Events, text/event-stream) of a
 * running job. Events, each with an id "<stdout bytes>.<stderr bytes>"
 * (how far the client has been sent each stream) and one line of JSON data:
 *   event: stdout | stderr   {"offset": N, "text": "..."} or {"offset": N, "base64": "..."}
 *   event: dropped           {"stream": "stdout", "offset": N, "bytes": M}: these bytes
 *                            were not streamed (the client was behind, or a chunk was lost);
 *                            the result holds them
 *   event: restart           {"run": "..."}: the job is running again from its start (its
 *                            executor was lost); output events start over at offset 0
 *   event: result            the result object, exactly as the non-streamed answer's body
 *   event: error             the non-streamed error body, plus "http_status"
 * and a comment line (": keep-alive") when the stream was idle for a while.
 * Before the result, whatever output the chunks did not bring is sent from
 * the result itself, so the stdout events put together are the result's
 * stdout, byte for byte.
 *
 * Threads: the reply thread feeds it (sse_chunk, sse_result, sse_end,
 * sse_keepalive); MHD's thread reads it through the response. A reader
 * with nothing to send suspends the connection; the next event resumes it.
 * What waits for a slow client is capped: past the cap a chunk is dropped
 * (and a dropped event says so later); the end is never dropped.
 *
 * References: one each for the request, the response and the table of
 * open streams; the last sse_unref frees it. */
#ifndef EXECQ_SSE_H
#define EXECQ_SSE_H

#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

#include "job.h"

struct sse;

/* Makes a stream for job id on conn, holding up to cap bytes for the
 * client, with one reference (the caller's). Returns NULL on ENOMEM. */
struct sse *sse_new(const char *id, size_t cap, struct MHD_Connection *conn);
/* The caller asked for its job to be cancelled if it goes away first. */
void sse_cancel_on_disconnect(struct sse *x);
/* 1 if so and the caller's connection is closed (req_conn_gone). */
int sse_peer_gone(struct sse *x);

/* Starts the stream past pos[0] bytes of stdout and pos[1] of stderr (a
 * client resuming with Last-Event-ID). Before any event. */
void sse_start_at(struct sse *x, const size_t pos[2]);
/* How far each stream has been sent: pos[0] stdout, pos[1] stderr. */
void sse_pos(struct sse *x, size_t pos[2]);
/* 1 once the stream's response is gone (the client left, or the answer
 * ended), else 0. */
int sse_gone(struct sse *x);

/* The job's id. */
const char *sse_id(const struct sse *x);
/* Takes one more reference. Returns x. */
struct sse *sse_ref(struct sse *x);
/* Drops one. NULL-safe. */
void sse_unref(struct sse *x);

/* The response reading from x (status 200, text/event-stream), taking a
 * reference the caller gives it (dropped with the response, or at once on
 * ENOMEM, when NULL is returned). Call once. */
struct MHD_Response *sse_response(struct sse *x);

/* One chunk of output (job_output). Returns 1 if queued, 0 if dropped (the
 * client is behind), of no use (already sent) or the stream has ended. */
int sse_chunk(struct sse *x, const struct job_output *o);

/* Ends the stream with r: its output the client has not been sent yet,
 * then event result (completed) or error (expired, failed). */
void sse_result(struct sse *x, const struct result *r);
/* Ends the stream with a stored result (the body GET /v1/jobs/{id} has
 * as "result"): as sse_result, the output from it first when the job ran. */
void sse_result_stored(struct sse *x, const char *json);
/* Ends the stream with status and body (taken; malloc'd JSON): event
 * result for 200, else event error. Ignored once ended. */
void sse_end(struct sse *x, unsigned status, char *body);

/* The response's reader (MHD_ContentReaderCallback; cls: x): up to max
 * bytes of what is queued, else MHD_CONTENT_READER_END_OF_STREAM once
 * ended, else 0 after suspending the connection (a later event resumes
 * it; without a connection, as in the unit tests, it only returns 0). */
ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max);

/* Sends a comment line if nothing was queued for idle_ms. */
void sse_keepalive(struct sse *x, int64_t now_ms, int64_t idle_ms);

/* Registers the metrics (execq_stream_*). Once, before any stream. */
void sse_metrics(void);

#endif
