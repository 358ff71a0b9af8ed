/* offsets: at-least-once bookkeeping for jobs run out of order. Jobs of one
 * partition finish in any order, but the offset stored for commit only ever
 * moves past a job once it and every earlier job of that partition have had
 * their result acknowledged by Kafka. */
#ifndef EXECQ_OFFSETS_H
#define EXECQ_OFFSETS_H

#include <stdint.h>

struct offsets;

struct offsets *offsets_new(void);
void offsets_free(struct offsets *o);   /* NULL-safe */

/* Forgets every partition (call on any rebalance) and returns the new
 * generation; tickets of older generations are then ignored. */
uint64_t offsets_reset(struct offsets *o);

/* Registers a fetched message; offsets of a partition must come in
 * increasing order. Returns the generation to pass to offsets_done(), or 0
 * on ENOMEM. */
uint64_t offsets_begin(struct offsets *o, int32_t partition, int64_t offset);

/* Marks a message done. Returns the offset to store (next to consume) when
 * the partition's committable point moved, or -1 when it did not. */
int64_t offsets_done(struct offsets *o, int32_t partition, int64_t offset, uint64_t gen);

#endif
