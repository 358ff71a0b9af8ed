/* api: the HTTP server (libmicrohttpd): its state, shared by every module
 * of the API, and its start and stop. api.c is the daemon (threads, the
 * route table, the request lifecycle); the routes are in submit.c,
 * query.c, follow.c, accounts.c and admin.c, which answer through req.h and write
 * to Kafka through produce.h, never through api.c. */
#ifndef EXECQ_API_H
#define EXECQ_API_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>

#include "cfg.h"
#include "job.h"
#include "pending.h"
#include "quota.h"
#include "store.h"

struct api_req;

struct api {
    const struct cfg *cfg;
    struct MHD_Daemon *mhd;
    rd_kafka_t *producer;       /* jobs out; delivery reports served by replies.c */
    rd_kafka_t *replies;        /* results in, group-less, assigned at the end */
    struct pending *pending;    /* job id -> struct api_req * (sync calls) */
    struct pending *waiters;    /* job or batch id -> struct api_req * (GETs with ?wait=) */
    struct pending *streams;    /* job id -> struct sse * (streamed sync calls; the entry holds a reference) */
    struct pending *follows;    /* job id -> follower (GET /v1/jobs/{id}/events; follow.c owns them) */
    struct follow *follow;      /* follow.c's thread */
    struct store *store;
    rd_kafka_t *results;        /* results in, group: stores every result, commits after */
    pthread_t reply_thread, health_thread, results_thread;
    atomic_int kafka_ok;        /* the health thread's checks answered (read it through produce_kafka_up) */
    atomic_int jobs_partitions; /* of the jobs and batch topics (the health thread keeps them; 0: by key) */
    atomic_int batch_partitions;
    atomic_uint next_partition; /* round robin of produce_job */
    atomic_int reply_ready;     /* the reply consumer has a position */
    int reply_partition;        /* of the results topic: this API's sync replies (cfg, or claimed) */
    char reply_owner[320];      /* the lease's owner when claimed, else "" */
    atomic_int stopping;
    atomic_int wakes_unhandled; /* waiting GETs req_wake resumed that the HTTP thread has not handled yet */
    struct store_limits limits; /* per-account async/batch limits, from cfg */
    char admin_token[256];      /* the operator token; "" = no admin API */
    struct quota *rate;        /* per-account request rate and own limits */
    struct envlist *envlist;    /* the executors' environments (GET /v1/envs, a job's "env") */
    /* Jobs Kafka acknowledged, to mark produced in the store: noted by the
     * reply thread's delivery reports, written by the results thread (no
     * store call on the reply path). */
    pthread_mutex_t produced_mu;
    char (*produced)[37];
    size_t nproduced, produced_cap;
};

/* Connects to Kafka, creates topics, assigns the reply consumer, then starts
 * the reply and health threads and the HTTP daemon (served only once the
 * reply consumer has a position). Returns 0, or -1 with the reason. */
int api_start(struct api *a, const struct cfg *c, char *errstr, size_t errstr_size);

/* Answers every waiting call with 503, stops HTTP and the threads, flushes
 * the producer and frees everything. */
void api_stop(struct api *a);

#endif
