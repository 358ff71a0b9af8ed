/* produce: what the API writes to Kafka (jobs, account notices) and
 * whether Kafka takes it now. Handlers and the Kafka threads call it;
 * the producer itself is made by api.c at start. */
#ifndef EXECQ_PRODUCE_H
#define EXECQ_PRODUCE_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

#include "api.h"

/* Whether Kafka takes jobs: the health thread's checks pass and no
 * producer has seen every broker connection down since. */
int produce_kafka_up(struct api *a);

/* Produces a job message (json: taken, freed by librdkafka) to its lane's
 * topic: sync jobs to the jobs topic, async and batch ones to the batch
 * topic, round robin over the partitions. Returns 0 or the librdkafka
 * error (json is then still the caller's). */
rd_kafka_resp_err_t produce_job(struct api *a, const char *id, const char *kind, char *json);

/* Publishes account's state (suspended or not) as of at_ms (when it was
 * set: executors keep the newest notice of an account, so a re-sent older
 * one never undoes a later change) to the accounts topic, where every
 * executor reads it. Returns 0 or -1 (logged). */
int produce_account(struct api *a, const char *account, int suspended, int64_t at_ms);

/* Publishes a cancel of job id to the control topic, which every executor
 * reads: the job does not run, or is killed where it runs. expires_at_ms:
 * when the notice stops mattering (no executor would run the job then).
 * Returns 0 or the librdkafka error. */
/* A session's exec or end (json, taken as produce_job does) to partition
 * part of the sessions topic, where the executor holding it reads. */
rd_kafka_resp_err_t produce_session(struct api *a, int32_t part, const char *id, char *json);
rd_kafka_resp_err_t produce_cancel(struct api *a, const char *id, int64_t expires_at_ms);

#endif
