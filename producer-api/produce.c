/* produce: what the API writes to Kafka (see produce.h). */
#include "produce.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "kq.h"
#include "log.h"
#include "util.h"

int produce_kafka_up(struct api *a)
{
    /* Every broker connection down (librdkafka says so within ms of the
     * loss): down now, not after the health thread's two failed rounds,
     * which are kept for one broker of several not answering. Jobs
     * accepted in the milliseconds before wait out the message timeout
     * (--sync-grace-ms) for their answer: purging them would be faster,
     * but leaves gaps in the idempotent producer's sequence, which
     * librdkafka 2.0 can take for a fatal error once the broker is back. */
    return atomic_load(&a->kafka_ok) && !kq_all_brokers_down_since();
}

int produce_account(struct api *a, const char *account, int suspended, int64_t at_ms)
{
    cJSON *o = cJSON_CreateObject();
    char *json;
    rd_kafka_resp_err_t err;

    cJSON_AddNumberToObject(o, "schema_version", 1);
    cJSON_AddStringToObject(o, "account", account);
    cJSON_AddBoolToObject(o, "suspended", suspended);
    cJSON_AddNumberToObject(o, "at_ms", (double)at_ms);
    json = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!json)
        return -1;
    /* Keyed by account on the one partition: compaction keeps the latest. */
    err = kq_produce_to(a->producer, a->cfg->accounts_topic, 0, account, json, "account", "account", NULL, -1, NULL);
    if (err) {
        free(json);
        log_msg(LOG_ERR, "account %s: notice not published: %s", account, rd_kafka_err2str(err));
        return -1;
    }
    return 0;
}

rd_kafka_resp_err_t produce_job(struct api *a, const char *id, const char *kind, char *json)
{
    /* Two lanes: sync calls, whose callers wait, on the jobs topic, which
     * executors always serve first; async and batch jobs on the batch topic. */
    int sync = strcmp(kind, "sync") == 0;
    const char *topic = sync ? a->cfg->jobs_topic : a->cfg->batch_topic;
    /* Round robin over the lane's partitions, not by key: every executor of
     * the group gets an equal share of a batch (a job id's hash spreads 64
     * jobs over 12 partitions as unevenly as dice, and the batch waits for
     * the executor that drew the most). The key stays the job id. */
    int n = atomic_load(sync ? &a->jobs_partitions : &a->batch_partitions);
    int32_t part = n > 0 ? (int32_t)(atomic_fetch_add(&a->next_partition, 1) % (unsigned)n) : RD_KAFKA_PARTITION_UA;
    /* A sync job's result comes back on this API's own partition of the
     * results topic (reply-partition), which only it reads for replies. */
    return kq_produce_to(a->producer, topic, part, id, json, kind, "job", a->cfg->results_topic,
                         sync ? (int32_t)a->reply_partition : -1, NULL);
}

rd_kafka_resp_err_t produce_session(struct api *a, int32_t part, const char *id, char *json)
{
    /* Answered as a sync job is: on this API's reply partition. */
    return kq_produce_to(a->producer, a->cfg->sessions_topic, part, id, json, "sync", "job", a->cfg->results_topic,
                         (int32_t)a->reply_partition, NULL);
}

rd_kafka_resp_err_t produce_cancel(struct api *a, const char *id, int64_t expires_at_ms)
{
    char *json = job_cancel_json(id, expires_at_ms, util_wall_ms());
    rd_kafka_resp_err_t err;

    if (!json)
        return RD_KAFKA_RESP_ERR__FAIL;
    err = kq_produce_to(a->producer, a->cfg->control_topic, 0, id, json, "async", "cancel", NULL, -1, NULL);
    if (err)
        free(json);
    return err;
}
