/* lookback: has any executor already published an outcome of this job?
 * Asked before an executor calls a job "expired": a job fetched again after
 * its runner's offset commit was lost (the broker went away while results
 * waited) can land on another executor of the group once the broker is
 * back. The runner's "completed" is on the results topic by then (or soon:
 * see docs/results-topic.md), and an "expired" after it would be a second
 * outcome. Every result key read on the way goes into the answered set, so
 * a burst of such jobs reads each stretch of a partition once. */
#ifndef EXECQ_LOOKBACK_H
#define EXECQ_LOOKBACK_H

#include <stdint.h>

#include "answered.h"
#include "cfg.h"

struct lookback;

/* A consumer of no group. Returns NULL with the reason in errstr. */
struct lookback *lookback_new(const struct cfg *c, struct answered *seen, char *errstr, size_t errstr_size);
void lookback_free(struct lookback *l);   /* NULL-safe */

/* Reads topic's partition (RD_KAFKA_PARTITION_UA: the one the producer's
 * default partitioner gives id's key) from the first message written at
 * or after since_ms to its end. Returns 1 if a result keyed id is there, 0
 * if not, -1 if Kafka could not say within timeout_ms. Thread-safe (one
 * read at a time). */
int lookback_find(struct lookback *l, const char *topic, int32_t partition, const char *id, int64_t since_ms,
                  int timeout_ms);

#endif
