/* spec: a job as a caller asks for it (see spec.h): the fields of one job
 * object of a request body, checked and turned into a struct job. Pure:
 * no HTTP, no store, no Kafka, so the fuzzer can drive it. */
#include "spec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int spec_has_nul(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\0')
            return 1;
        if (p[i] == '\\' && i + 1 < n) {
            if (p[i + 1] == 'u' && i + 5 < n && strncmp(p + i + 2, "0000", 4) == 0)
                return 1;
            i++;   /* skip the escaped character */
        }
    }
    return 0;
}

int spec_parse(const struct cfg *c, const cJSON *o, struct job *j, struct spec_err *e)
{
    const cJSON *v;

    e->status = 400;
    if (!cJSON_IsObject(o)) {
        e->code = "invalid_request";
        snprintf(e->msg, sizeof(e->msg), "a job must be a JSON object");
        return -1;
    }
    v = cJSON_GetObjectItemCaseSensitive(o, "code");
    if (!cJSON_IsString(v)) {
        e->code = "invalid_request";
        snprintf(e->msg, sizeof(e->msg), "%s", v ? "\"code\" must be a string" : "missing \"code\" (the Python source to run)");
        return -1;
    }
    if ((long)strlen(v->valuestring) > c->max_code_bytes) {
        e->status = 413;
        e->code = "payload_too_large";
        snprintf(e->msg, sizeof(e->msg), "\"code\" is over the limit of %ld bytes", c->max_code_bytes);
        return -1;
    }
    j->code = util_strdup(v->valuestring);
    j->timeout_ms = c->default_timeout_ms;
    v = cJSON_GetObjectItemCaseSensitive(o, "timeout");
    if (v && !cJSON_IsNull(v)) {
        double t = cJSON_IsNumber(v) ? v->valuedouble : -1;
        if (!cJSON_IsNumber(v) || !(t > 0) || ceil(t * 1000) > c->max_timeout_ms) {
            e->code = "invalid_timeout";
            snprintf(e->msg, sizeof(e->msg), "\"timeout\" must be a number of seconds greater than 0 and at most %g",
                     (double)c->max_timeout_ms / 1000);
            return -1;
        }
        j->timeout_ms = (long)ceil(t * 1000);
    }
    v = cJSON_GetObjectItemCaseSensitive(o, "stdin");
    if (v && !cJSON_IsNull(v)) {
        if (!cJSON_IsString(v)) {
            e->code = "invalid_request";
            snprintf(e->msg, sizeof(e->msg), "\"stdin\" must be a string");
            return -1;
        }
        j->stdin_data = util_strdup(v->valuestring);
        j->stdin_len = strlen(v->valuestring);
    }
    v = cJSON_GetObjectItemCaseSensitive(o, "stdin_b64");
    if (v && !cJSON_IsNull(v)) {
        /* Any bytes, NUL included, which a JSON string cannot carry here. */
        if (j->stdin_data || !cJSON_IsString(v) || !(j->stdin_data = job_unbase64(v->valuestring, &j->stdin_len))) {
            e->code = "invalid_request";
            snprintf(e->msg, sizeof(e->msg), "%s", j->stdin_data ? "give \"stdin\" or \"stdin_b64\", not both"
                                                              : "\"stdin_b64\" must be a base64 string");
            return -1;
        }
    }
    j->memory_mb = c->memory_mb;
    v = cJSON_GetObjectItemCaseSensitive(o, "memory_mb");
    if (v && !cJSON_IsNull(v)) {
        if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < 16 ||
            v->valuedouble > (double)c->max_memory_mb) {
            e->code = "invalid_memory";
            snprintf(e->msg, sizeof(e->msg), "\"memory_mb\" must be a whole number from 16 to %ld", c->max_memory_mb);
            return -1;
        }
        j->memory_mb = (long)v->valuedouble;
    }
    return 0;
}

int spec_body_check(const char *body, size_t len, struct spec_err *e)
{
    e->status = 400;
    if (spec_has_nul(body, len)) {
        e->code = "invalid_request";
        snprintf(e->msg, sizeof(e->msg), "code and stdin may not contain NUL characters (send binary stdin as "
                                         "stdin_b64)");
        return -1;
    }
    /* JSON text is UTF-8 (RFC 8259); cJSON does not check. Invalid bytes
     * inside a string would reach the interpreter, which cannot decode
     * them: refuse the body before anything is charged. */
    if (!job_utf8_valid(body, len)) {
        e->code = "invalid_json";
        snprintf(e->msg, sizeof(e->msg), "the body is not valid UTF-8");
        return -1;
    }
    return 0;
}
