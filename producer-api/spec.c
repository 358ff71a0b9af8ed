/* spec: a job as a caller asks for it (see spec.h): the fields of one job
 * object of a request body, checked and turned into a struct job. Pure:
 * no HTTP, no store, no Kafka, so the fuzzer can drive it. */
#include "spec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Whether the JSON string whose opening quote is at p[i] holds a NUL;
 * *end is set past its closing quote (or to n). */
static int string_has_nul(const char *p, size_t n, size_t i, size_t *end)
{
    int nul = 0;

    for (i++; i < n && p[i] != '"'; i++) {
        if (p[i] == '\0')
            nul = 1;
        else if (p[i] == '\\' && i + 1 < n) {
            if (p[i + 1] == 'u' && i + 5 < n && strncmp(p + i + 2, "0000", 4) == 0)
                nul = 1;
            i++;   /* the escaped character */
        }
    }
    *end = i < n ? i + 1 : n;
    return nul;
}

int spec_nul_where(const char *p, size_t n, char *key, size_t key_size)
{
    size_t i = 0, end, k;

    key[0] = '\0';
    while (i < n) {
        if (p[i] == '\0')
            return 3;
        if (p[i] != '"') {
            i++;
            continue;
        }
        int nul = string_has_nul(p, n, i, &end);
        for (k = end; k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\n' || p[k] == '\r'); k++)
            ;
        if (k < n && p[k] == ':') {   /* a key */
            if (nul)
                return 2;
            size_t len = end - i - 2 < key_size - 1 ? end - i - 2 : key_size - 1;
            memcpy(key, p + i + 1, len);
            key[len] = '\0';
        } else if (nul) {
            return 1;
        }
        i = end;
    }
    return 0;
}

/* "files": [{"name", "content", "encoding": "utf-8" (default) or "base64"}]:
 * input files, placed read-only under /input. Names as job_file_name_ok,
 * distinct, and no name a directory of another. */
static int parse_files(const struct cfg *c, const cJSON *a, struct job *j, struct spec_err *e)
{
    const cJSON *f;
    size_t total = 0;
    int n = 0;

    e->code = "invalid_files";
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > JOB_MAX_FILES) {
        snprintf(e->msg, sizeof(e->msg), "\"files\" must be an array of at most %d objects {\"name\", \"content\", "
                 "\"encoding\"}", JOB_MAX_FILES);
        return -1;
    }
    if (!(j->files = calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(*j->files))))
        abort();
    cJSON_ArrayForEach(f, a) {
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(f, "name");
        const cJSON *ct = cJSON_GetObjectItemCaseSensitive(f, "content");
        const cJSON *enc = cJSON_GetObjectItemCaseSensitive(f, "encoding");
        struct job_file *x = &j->files[n];
        int b64;
        if (!cJSON_IsObject(f) || !cJSON_IsString(nm) || !cJSON_IsString(ct)) {
            snprintf(e->msg, sizeof(e->msg), "files[%d] must be an object with string \"name\" and \"content\"", n);
            return -1;
        }
        if (!job_file_name_ok(nm->valuestring)) {
            snprintf(e->msg, sizeof(e->msg), "files[%d]: \"name\" must be a relative path (no \"..\", \".\" or empty "
                     "parts, no leading \"/\", no control characters, at most 255 bytes and 8 parts)", n);
            return -1;
        }
        if (enc && !cJSON_IsNull(enc) && (!cJSON_IsString(enc) || (strcmp(enc->valuestring, "utf-8") != 0 &&
                                                                   strcmp(enc->valuestring, "base64") != 0))) {
            snprintf(e->msg, sizeof(e->msg), "files[%d]: \"encoding\" must be \"utf-8\" or \"base64\"", n);
            return -1;
        }
        b64 = enc && cJSON_IsString(enc) && strcmp(enc->valuestring, "base64") == 0;
        for (int k = 0; k < n; k++) {
            size_t l1 = strlen(j->files[k].name), l2 = strlen(nm->valuestring);
            const char *s1 = j->files[k].name, *s2 = nm->valuestring;
            if (strcmp(s1, s2) == 0 || (l1 < l2 && strncmp(s1, s2, l1) == 0 && s2[l1] == '/') ||
                (l2 < l1 && strncmp(s1, s2, l2) == 0 && s1[l2] == '/')) {
                snprintf(e->msg, sizeof(e->msg), "files[%d]: \"%.100s\" clashes with files[%d]", n, s2, k);
                return -1;
            }
        }
        snprintf(x->name, sizeof(x->name), "%s", nm->valuestring);
        if (b64) {
            if (!(x->data = (unsigned char *)job_unbase64(ct->valuestring, &x->len))) {
                snprintf(e->msg, sizeof(e->msg), "files[%d]: \"content\" is not base64", n);
                return -1;
            }
        } else {
            x->data = (unsigned char *)util_strdup(ct->valuestring);
            x->len = strlen(ct->valuestring);
        }
        j->nfiles = ++n;
        total += x->len;
        if (total > (size_t)c->max_input_bytes) {
            e->status = 413;
            e->code = "payload_too_large";
            snprintf(e->msg, sizeof(e->msg), "input files are over the limit of %ld bytes together", c->max_input_bytes);
            return -1;
        }
    }
    return 0;
}

int spec_env(const cJSON *v, char env[JOB_ENV_MAX], struct spec_err *e)
{
    env[0] = '\0';
    e->status = 400;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v) || (strcmp(v->valuestring, "default") != 0 && !job_env_name_ok(v->valuestring))) {
        e->code = "invalid_env";
        snprintf(e->msg, sizeof(e->msg), "\"env\" must be an environment's name as GET /v1/envs lists them "
                 "([a-z0-9][a-z0-9_-]*, at most %d bytes)", JOB_ENV_MAX - 1);
        return -1;
    }
    if (strcmp(v->valuestring, "default") != 0)
        snprintf(env, JOB_ENV_MAX, "%s", v->valuestring);
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
    v = cJSON_GetObjectItemCaseSensitive(o, "scratch_mb");
    if (v && !cJSON_IsNull(v)) {
        if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < 0 ||
            v->valuedouble > (double)c->max_scratch_mb) {
            e->code = "invalid_scratch";
            snprintf(e->msg, sizeof(e->msg), "\"scratch_mb\" must be a whole number from 0 to %ld (MiB of a private "
                     "/tmp, counted against memory_mb)", c->max_scratch_mb);
            return -1;
        }
        j->scratch_mb = (long)v->valuedouble;
    }
    if (spec_env(cJSON_GetObjectItemCaseSensitive(o, "env"), j->env, e) < 0)
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(o, "requirements");
    if (v && !cJSON_IsNull(v)) {
        if (!c->allow_requirements) {
            e->code = "requirements_disabled";
            snprintf(e->msg, sizeof(e->msg), "this server takes no \"requirements\": name one of its environments "
                     "in \"env\" (GET /v1/envs)");
            return -1;
        }
        e->code = "invalid_requirements";
        if (cJSON_IsArray(v) && cJSON_GetArraySize(v) > c->requirements_max) {
            snprintf(e->msg, sizeof(e->msg), "\"requirements\": at most %ld", c->requirements_max);
            return -1;
        }
        if (job_requirements_parse(v, &j->requirements, e->msg, sizeof(e->msg)) < 0)
            return -1;
        if (j->env[0]) {
            e->code = "invalid_requirements";
            snprintf(e->msg, sizeof(e->msg), "\"requirements\" are built over the default environment: give no "
                     "\"env\" with them");
            return -1;
        }
    }
    v = cJSON_GetObjectItemCaseSensitive(o, "stream");
    if (v && !cJSON_IsNull(v)) {
        if (!cJSON_IsBool(v)) {
            e->code = "invalid_request";
            snprintf(e->msg, sizeof(e->msg), "\"stream\" must be true or false");
            return -1;
        }
        j->stream = cJSON_IsTrue(v);
    }
    v = cJSON_GetObjectItemCaseSensitive(o, "files");
    if (v && !cJSON_IsNull(v))
        return parse_files(c, v, j, e);
    return 0;
}

int spec_body_check(const char *body, size_t len, struct spec_err *e)
{
    char key[64];
    int where;

    e->status = 400;
    /* Named where it is: "code and stdin may not contain NUL characters"
     * answered a NUL in an admin body's unknown key before. */
    if ((where = spec_nul_where(body, len, key, sizeof(key))) != 0) {
        e->code = "invalid_request";
        if (where == 2)
            snprintf(e->msg, sizeof(e->msg), "a key of the body contains a NUL character (\\u0000); no key or "
                                             "value may");
        else if (where == 1 && strcmp(key, "stdin") == 0)
            snprintf(e->msg, sizeof(e->msg), "\"stdin\" may not contain NUL characters (send binary stdin as "
                                             "stdin_b64)");
        else if (where == 1 && key[0])
            snprintf(e->msg, sizeof(e->msg), "\"%.60s\" may not contain NUL characters (\\u0000)", key);
        else
            snprintf(e->msg, sizeof(e->msg), "the body may not contain NUL characters (\\u0000)");
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
