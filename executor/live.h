/* live: a running job's output as it comes, for streamed calls. run.c
 * tells it what the job has printed so far; it sends the new bytes as
 * chunks (job_output) to the output topic, on the partition of the API
 * that serves the stream. Chunks are coalesced: a stream sends at most one
 * every LIVE_FLUSH_MS (output after a quiet spell goes at once, a busy
 * stream's is gathered), or one as soon as LIVE_CHUNK bytes wait, and a
 * chunk ends on a whole UTF-8 character (a character cut between two
 * writes waits for its rest). It never waits: a chunk
 * the producer cannot queue is dropped (the API sees the gap and says so
 * in the stream; the result still holds every byte within the caps).
 * An async or batch job's chunks go by its id's partition, stored by
 * the API for GET /v1/jobs/{id}/events; by default only once it has run
 * for --live-after-ms, so that the many short jobs cost no chunk at all. */
#ifndef EXECQ_LIVE_H
#define EXECQ_LIVE_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define LIVE_FLUSH_MS 50
#define LIVE_CHUNK 16384

/* One job's stream state: the slot's own, filled by live_begin. */
struct live {
    rd_kafka_t *rk;
    const char *topic;
    int32_t partition;
    char id[37];
    char run[17];             /* this run's id: random, so a run elsewhere is told apart */
    char kind[8];
    size_t sent[2];           /* bytes of stdout, stderr handed on (or dropped) so far */
    int64_t last_sent[2];     /* util_mono_us of the last chunk of stdout, stderr; 0: none yet */
    int64_t not_before_us;    /* util_mono_us before which nothing is sent (0: from the start) */
    long chunks, dropped;     /* this job's, for the log and metrics */
};

/* Starts l for job id (kind: its job-kind header) on topic[partition]
 * (RD_KAFKA_PARTITION_UA: by the job id). Nothing is sent before
 * after_ms have passed (0: from the start); then what was printed so far
 * goes at once, and the rest as it comes. */
void live_begin(struct live *l, rd_kafka_t *rk, const char *topic, int32_t partition, const char *id,
                const char *kind, long after_ms);

/* run.c's progress hook (ctx: a struct live): out[0] and out[1] are stdout
 * and stderr as kept so far. Sends what is due at now_us. Returns the
 * util_mono_us time by which it wants to be called again (0: none). */
int64_t live_progress(void *ctx, const struct buf *const out[2], int64_t now_us);

#endif
