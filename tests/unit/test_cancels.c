/* Unit tests of executor/cancels.c, the executor's set of cancelled jobs
 * read from the control topic, and of the notice's codec (job.c): a notice
 * marks its job until its deadline, a second one of the same job changes
 * nothing (the kill hook runs once), an expired or unreadable one is
 * skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cancels.h"
#include "check.h"
#include "job.h"
#include "util.h"

static int hooked;
static char last[37];

static void on_new(const char *id, void *arg)
{
    (void)arg;
    hooked++;
    snprintf(last, sizeof(last), "%s", id);
}

static void feed(struct cancels *c, const char *json)
{
    rd_kafka_message_t m;
    memset(&m, 0, sizeof(m));
    m.payload = (void *)json;
    m.len = strlen(json);
    cancels_apply(c, &m);
}

int main(void)
{
    const char *a = "0b5c7f52-3f8e-4d6a-9a51-2b1d3c4e5f60", *b = "1b5c7f52-3f8e-4d6a-9a51-2b1d3c4e5f61";
    struct cancels *c = cancels_new(on_new, NULL);
    char id[37], err[160], *json;
    int64_t exp = 0, now = util_wall_ms();

    /* The codec. */
    json = job_cancel_json(a, now + 60000, now);
    CHECK(strstr(json, "\"action\":\"cancel\"") != NULL);
    CHECK(job_cancel_from_json(json, strlen(json), id, &exp, err, sizeof(err)) == 0);
    CHECK(strcmp(id, a) == 0 && exp == now + 60000);
    {
        const char *pause = "{\"schema_version\":1,\"job_id\":\"0b5c7f52-3f8e-4d6a-9a51-2b1d3c4e5f60\","
                            "\"action\":\"pause\",\"expires_at_ms\":1,\"at_ms\":1}";
        CHECK(job_cancel_from_json(pause, strlen(pause), id, &exp, err, sizeof(err)) < 0);
    }
    CHECK(strstr(err, "pause") != NULL);

    CHECK(!cancels_has(c, a));
    feed(c, json);
    CHECK(cancels_has(c, a) && !cancels_has(c, b));
    CHECK(hooked == 1 && strcmp(last, a) == 0);
    feed(c, json);   /* again: nothing new */
    CHECK(hooked == 1);
    free(json);
    /* Past its deadline: no executor would run the job, the notice is moot. */
    json = job_cancel_json(b, now - 1, now - 100);
    feed(c, json);
    CHECK(!cancels_has(c, b) && hooked == 1);
    free(json);
    feed(c, "not json");
    feed(c, "");
    CHECK(hooked == 1 && cancels_has(c, a));
    /* Many: the set holds them all. */
    for (int i = 0; i < 3000; i++) {
        char x[37];
        snprintf(x, sizeof(x), "%08x-3f8e-4d6a-9a51-2b1d3c4e5f60", i);
        json = job_cancel_json(x, now + 60000, now);
        feed(c, json);
        free(json);
    }
    CHECK(hooked == 3001 && cancels_has(c, "00000bb7-3f8e-4d6a-9a51-2b1d3c4e5f60") && cancels_has(c, a));
    cancels_free(c);
    cancels_free(NULL);
    CHECK_DONE();
}
