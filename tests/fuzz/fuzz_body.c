/* libFuzzer target: a request body as the API reads it (producer-api/spec.c):
 * the byte checks, cJSON, then every job object of it, as /v1/exec-python
 * (one object) or /v1/batches ({"jobs": [...]}) would. An accepted job must
 * encode to a job message that parses back. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const struct cfg *c, const cJSON *o)
{
    struct job j, k;
    struct spec_err e;
    char err[256], *json;

    job_init(&j);
    if (spec_parse(c, o, &j, &e) == 0) {
        snprintf(j.id, sizeof(j.id), "00000000-0000-4000-8000-000000000000");
        snprintf(j.kind, sizeof(j.kind), "sync");
        snprintf(j.account, sizeof(j.account), "fuzz");
        json = job_to_json(&j);
        if (!json || job_from_json(&k, json, strlen(json), err, sizeof(err)) < 0)
            abort();
        job_release(&k);
        free(json);
    } else if (!e.code || !e.msg[0] || (e.status != 400 && e.status != 413)) {
        abort();   /* every refusal says why */
    }
    job_release(&j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct cfg c;
    static int loaded;
    struct spec_err e;
    const cJSON *jobs, *item;
    cJSON *o;

    if (!loaded) {
        char *argv[] = {"fuzz"}, err[200];
        if (cfg_load(&c, CFG_API, 1, argv, err, sizeof(err)) < 0)
            abort();
        loaded = 1;
    }
    if (spec_body_check((const char *)data, size, &e) < 0)
        return 0;
    o = cJSON_ParseWithLength((const char *)data, size);
    if (!o)
        return 0;
    jobs = cJSON_GetObjectItemCaseSensitive(o, "jobs");
    if (cJSON_IsArray(jobs)) {
        cJSON_ArrayForEach(item, jobs) one(&c, item);
    } else {
        one(&c, o);
    }
    cJSON_Delete(o);
    return 0;
}
