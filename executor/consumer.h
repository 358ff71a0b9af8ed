/* consumer: the executor's Kafka loop. One group member on the jobs topic
 * hands each job to a free slot (a thread that runs it in a sandbox),
 * publishes the result to the job's reply topic, and stores the job's offset
 * for commit only once Kafka acknowledged the result (at-least-once). When
 * every slot is busy it takes no job; librdkafka's prefetch is bounded. */
#ifndef EXECQ_CONSUMER_H
#define EXECQ_CONSUMER_H

#include <signal.h>
#include <stddef.h>

#include "cfg.h"
#include "envs.h"
#include "sbx.h"

/* Runs until *stop becomes non-zero, then finishes running jobs, publishes
 * their results and leaves the group (within 60 s, or the process exits).
 * Announces envs' environments on the envs topic meanwhile (envs.h).
 * Returns 0, or -1 with the reason in errstr if Kafka could not be set up.
 * Does not own c, sb or envs. */
int consumer_run(const struct cfg *c, struct sbx *sb, struct envs *envs, volatile sig_atomic_t *stop,
                 char *errstr, size_t errstr_size);

#endif
