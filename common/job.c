/* job: JSON codec of the job and result messages (see job.h). cJSON strings
 * are C strings, so raw output is turned into valid NUL-free UTF-8 here and
 * the exact bytes, when they differ, travel as base64 beside it. */
#include "job.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void job_init(struct job *j)
{
    memset(j, 0, sizeof(*j));
}

void job_files_free(struct job_file *f, int n)
{
    for (int i = 0; f && i < n; i++)
        free(f[i].data);
    free(f);
}

void job_release(struct job *j)
{
    free(j->code);
    free(j->stdin_data);
    free(j->requirements);
    job_files_free(j->files, j->nfiles);
    job_init(j);
}

void result_init(struct result *r)
{
    memset(r, 0, sizeof(*r));
    r->session_partition = -1;
    r->env_cold_start_ms = -1;
    r->env_build_ms = -1;
}

int job_requirement_ok(const char *s)
{
    size_t n = strlen(s), i = 0;

    if (n == 0 || n > JOB_REQUIREMENT_MAX || !isalnum((unsigned char)s[0]))
        return 0;
    /* The name: letters, digits, '.', '_', '-'. */
    while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '_' || s[i] == '-'))
        i++;
    /* [extras] */
    if (i < n && s[i] == '[') {
        for (i++; i < n && s[i] != ']'; i++)
            if (!isalnum((unsigned char)s[i]) && s[i] != ',' && s[i] != '_' && s[i] != '-' && s[i] != '.')
                return 0;
        if (i == n)
            return 0;
        i++;
    }
    /* Version specifiers: ==1.2, >=1,<2, ~=3.0, !=1.5.*, ===x */
    for (; i < n; i++) {
        char c = s[i];
        if (!(isalnum((unsigned char)c) || strchr("=<>!~.,*+", c)))
            return 0;
    }
    return 1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int job_requirements_parse(const struct cJSON *v, char **out, char *errstr, size_t errstr_size)
{
    const char *items[JOB_REQUIREMENTS_MAX];
    const cJSON *x;
    size_t n = 0, len = 1;
    char *s;

    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1 || cJSON_GetArraySize(v) > JOB_REQUIREMENTS_MAX) {
        snprintf(errstr, errstr_size, "\"requirements\" must be an array of 1 to %d strings", JOB_REQUIREMENTS_MAX);
        return -1;
    }
    cJSON_ArrayForEach(x, v) {
        if (!cJSON_IsString(x) || !job_requirement_ok(x->valuestring)) {
            snprintf(errstr, errstr_size, "\"requirements\": \"%.60s\" is not a requirement (a name, optional "
                     "[extras] and version specifiers such as ==1.2 or >=1,<2; no option, URL, path, marker or "
                     "space)", cJSON_IsString(x) ? x->valuestring : "(not a string)");
            return -1;
        }
        items[n++] = x->valuestring;
    }
    qsort(items, n, sizeof(items[0]), cmp_str);
    for (size_t i = 0; i < n; i++)
        len += strlen(items[i]) + 1;
    if (!(s = malloc(len))) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    s[0] = '\0';
    for (size_t i = 0, at = 0; i < n; i++) {
        if (i > 0 && strcmp(items[i], items[i - 1]) == 0)
            continue;   /* the same one twice: once */
        at += (size_t)sprintf(s + at, "%s\n", items[i]);
    }
    *out = s;
    return 0;
}

int job_env_name_ok(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n >= JOB_ENV_MAX || !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '_' ||
              name[i] == '-'))
            return 0;
    return 1;
}

void result_release(struct result *r)
{
    free(r->stdout_data);
    free(r->stderr_data);
    job_files_free(r->files, r->nfiles);
    job_files_free(r->images, r->nimages);
    result_init(r);
}

int job_file_name_ok(const char *name)
{
    size_t n = strlen(name), comp = 0;
    int parts = 1;

    if (n == 0 || n > 255 || name[0] == '/' || !job_utf8_valid(name, n))
        return 0;
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '/' || c == '\0') {
            if (comp == 0 || (comp == 1 && name[i - 1] == '.') ||
                (comp == 2 && name[i - 1] == '.' && name[i - 2] == '.'))
                return 0;   /* empty, "." or ".." */
            comp = 0;
            if (c == '/' && ++parts > 8)
                return 0;
            continue;
        }
        if (c < 0x20 || c == 0x7f)
            return 0;
        comp++;
    }
    return 1;
}

const char *result_status_name(enum result_status s)
{
    switch (s) {
    case RESULT_COMPLETED: return "completed";
    case RESULT_EXPIRED: return "expired";
    case RESULT_FAILED: return "failed";
    }
    return "failed";
}

static int status_parse(const char *s, enum result_status *out)
{
    for (int i = RESULT_COMPLETED; i <= RESULT_FAILED; i++)
        if (strcmp(s, result_status_name((enum result_status)i)) == 0) {
            *out = (enum result_status)i;
            return 0;
        }
    return -1;
}

static size_t utf8_seq(const unsigned char *p, size_t n);

int job_utf8_valid(const char *p, size_t n)
{
    const unsigned char *u = (const unsigned char *)p;

    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(u + i, n - i);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if invalid. Rejects
 * overlongs, surrogates and code points above U+10FFFF (RFC 3629). */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    if (c >= 0x01 && c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
            return 0;
        if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0))
            return 0;
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
            return 0;
        if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

char *job_text_from_bytes(const char *p, size_t n, int *lossy)
{
    const unsigned char *u = (const unsigned char *)p;
    char *out = malloc(n * 3 + 1), *o = out;   /* each bad byte grows to 3 */
    size_t i = 0;

    if (!out)
        abort();
    *lossy = 0;
    while (i < n) {
        size_t k = utf8_seq(u + i, n - i);
        if (k) {
            memcpy(o, u + i, k);
            o += k;
            i += k;
        } else {
            memcpy(o, "\xef\xbf\xbd", 3);   /* U+FFFD */
            o += 3;
            i++;
            *lossy = 1;
        }
    }
    *o = '\0';
    return out;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *job_base64(const unsigned char *p, size_t n)
{
    char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
    size_t i;

    if (!out)
        abort();
    for (i = 0; i + 2 < n; i += 3) {
        *o++ = b64[p[i] >> 2];
        *o++ = b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
        *o++ = b64[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
        *o++ = b64[p[i + 2] & 63];
    }
    if (i < n) {
        *o++ = b64[p[i] >> 2];
        if (i + 1 < n) {
            *o++ = b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
            *o++ = b64[(p[i + 1] & 15) << 2];
        } else {
            *o++ = b64[(p[i] & 3) << 4];
            *o++ = '=';
        }
        *o++ = '=';
    }
    *o = '\0';
    return out;
}

char *job_unbase64(const char *s, size_t *out_len)
{
    size_t n = strlen(s), o = 0;
    unsigned acc = 0;
    int bits = 0;
    char *out;

    if (n % 4)
        return NULL;
    out = malloc(n / 4 * 3 + 1);
    if (!out)
        abort();
    for (size_t i = 0; i < n; i++) {
        const char *q;
        if (s[i] == '=') {
            /* Padding: the last one or two characters, all of them '='. */
            if (i < n - 2 || (i == n - 2 && s[n - 1] != '='))
                goto bad;
            break;
        }
        q = strchr(b64, s[i]);
        if (!q || !*q)
            goto bad;
        acc = (acc << 6) | (unsigned)(q - b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[o] = '\0';   /* also a C string, for callers that treat it as text */
    *out_len = o;
    return out;
bad:
    free(out);
    return NULL;
}

/* Adds text (and base64 when lossy) for one output stream. */
static void add_output(cJSON *o, const char *name, const char *p, size_t n)
{
    char key[32];
    int lossy;
    char *text = job_text_from_bytes(p ? p : "", p ? n : 0, &lossy);

    cJSON_AddStringToObject(o, name, text);
    free(text);
    if (lossy) {
        char *enc = job_base64((const unsigned char *)p, n);
        snprintf(key, sizeof(key), "%s_base64", name);
        cJSON_AddStringToObject(o, key, enc);
        free(enc);
    }
}

/* Adds key: [{name (or mime_type for images), size, content_base64}]. */
static void add_files(cJSON *o, const char *key, const struct job_file *f, int n, int images)
{
    cJSON *a = cJSON_AddArrayToObject(o, key);

    for (int i = 0; a && i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        char *enc = job_base64(f[i].data ? f[i].data : (const unsigned char *)"", f[i].len);
        cJSON_AddStringToObject(e, images ? "mime_type" : "name", f[i].name);
        cJSON_AddNumberToObject(e, "size", (double)f[i].len);
        cJSON_AddStringToObject(e, "content_base64", enc ? enc : "");
        free(enc);
        cJSON_AddItemToArray(a, e);
    }
}

/* Reads key (as add_files wrote it) into a malloc'd array. Returns 0 (absent:
 * *out NULL, *n 0), or -1 with the reason. Names must pass
 * job_file_name_ok (images: a MIME type "image/..."). */
static int read_files(const cJSON *o, const char *key, int images, struct job_file **out, int *n, char *errstr,
                      size_t errstr_size)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key), *e;
    int count = 0;

    *out = NULL;
    *n = 0;
    if (!a)
        return 0;
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > JOB_MAX_FILES) {
        snprintf(errstr, errstr_size, "\"%s\" must be an array of at most %d objects", key, JOB_MAX_FILES);
        return -1;
    }
    if (!(*out = calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(**out)))) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    cJSON_ArrayForEach(e, a) {
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(e, images ? "mime_type" : "name");
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "content_base64");
        struct job_file *f = &(*out)[count];
        if (!cJSON_IsString(nm) || !cJSON_IsString(c) || strlen(nm->valuestring) >= sizeof(f->name) ||
            (images ? strncmp(nm->valuestring, "image/", 6) != 0 : !job_file_name_ok(nm->valuestring)) ||
            !(f->data = (unsigned char *)job_unbase64(c->valuestring, &f->len))) {
            snprintf(errstr, errstr_size, "\"%s\"[%d]: a %s and base64 \"content_base64\" are required", key, count,
                     images ? "\"mime_type\" image/..." : "valid relative \"name\"");
            job_files_free(*out, count + 1);
            *out = NULL;
            return -1;
        }
        memcpy(f->name, nm->valuestring, strlen(nm->valuestring) + 1);
        count++;
    }
    *n = count;
    return 0;
}

/* Returns a malloc'd unformatted print of o and deletes o. */
static char *print_and_free(cJSON *o)
{
    char *s = cJSON_PrintUnformatted(o);   /* allocated with cJSON's malloc (the default: malloc) */
    cJSON_Delete(o);
    return s;
}

char *job_to_json(const struct job *j)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddNumberToObject(o, "schema_version", JOB_SCHEMA_VERSION);
    cJSON_AddStringToObject(o, "job_id", j->id);
    cJSON_AddStringToObject(o, "kind", j->kind);
    cJSON_AddStringToObject(o, "account", j->account);
    if (j->batch_id[0])
        cJSON_AddStringToObject(o, "batch_id", j->batch_id);
    if (j->env[0])
        cJSON_AddStringToObject(o, "env", j->env);
    if (j->requirements) {
        cJSON *a = cJSON_AddArrayToObject(o, "requirements");
        for (const char *p = j->requirements; *p; p += strcspn(p, "\n") + 1) {
            char one[JOB_REQUIREMENT_MAX + 1];
            snprintf(one, sizeof(one), "%.*s", (int)strcspn(p, "\n"), p);
            cJSON_AddItemToArray(a, cJSON_CreateString(one));
        }
    }
    cJSON_AddStringToObject(o, "code", j->code);
    if (j->stdin_data && job_utf8_valid(j->stdin_data, j->stdin_len)) {
        cJSON_AddStringToObject(o, "stdin", j->stdin_data);
    } else if (j->stdin_data) {
        /* Bytes JSON text cannot carry (NUL, not UTF-8): base64. */
        char *b = job_base64((const unsigned char *)j->stdin_data, j->stdin_len);
        cJSON_AddStringToObject(o, "stdin_b64", b);
        free(b);
    }
    cJSON_AddNumberToObject(o, "timeout_ms", (double)j->timeout_ms);
    cJSON_AddNumberToObject(o, "memory_mb", (double)j->memory_mb);
    if (j->scratch_mb > 0)
        cJSON_AddNumberToObject(o, "scratch_mb", (double)j->scratch_mb);
    if (j->nfiles > 0)
        add_files(o, "files", j->files, j->nfiles, 0);
    cJSON_AddNumberToObject(o, "credits", (double)j->credits);
    cJSON_AddNumberToObject(o, "submitted_at_ms", (double)j->submitted_at_ms);
    cJSON_AddNumberToObject(o, "expires_at_ms", (double)j->expires_at_ms);
    if (j->stream)
        cJSON_AddBoolToObject(o, "stream", 1);
    if (j->session_id[0]) {
        cJSON *x = cJSON_AddObjectToObject(o, "session");
        cJSON_AddStringToObject(x, "id", j->session_id);
        cJSON_AddStringToObject(x, "op", j->session_op);
        if (j->session_executor[0])
            cJSON_AddStringToObject(x, "executor", j->session_executor);
        if (j->session_new_id[0])
            cJSON_AddStringToObject(x, "new_id", j->session_new_id);
        if (j->session_interactive)
            cJSON_AddBoolToObject(x, "interactive", 1);
        if (strcmp(j->session_op, "create") == 0 || strcmp(j->session_op, "fork") == 0) {
            cJSON_AddNumberToObject(x, "idle_timeout_s", (double)j->session_idle_s);
            cJSON_AddNumberToObject(x, "max_lifetime_s", (double)j->session_lifetime_s);
            if (j->session_hops)
                cJSON_AddNumberToObject(x, "hops", j->session_hops);
        }
    }
    return print_and_free(o);
}

/* Field readers: return 0, or -1 with the reason. */
static int get_str(const cJSON *o, const char *name, int required, const char **out,
                   char *errstr, size_t errstr_size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    *out = NULL;
    if (!v) {
        if (!required)
            return 0;
        snprintf(errstr, errstr_size, "missing \"%s\"", name);
        return -1;
    }
    if (!cJSON_IsString(v)) {
        snprintf(errstr, errstr_size, "\"%s\" must be a string", name);
        return -1;
    }
    *out = v->valuestring;
    return 0;
}

static int get_num(const cJSON *o, const char *name, int required, double min, double max,
                   double *out, char *errstr, size_t errstr_size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!v) {
        if (!required)
            return 0;
        snprintf(errstr, errstr_size, "missing \"%s\"", name);
        return -1;
    }
    if (!cJSON_IsNumber(v) || v->valuedouble < min || v->valuedouble > max) {
        snprintf(errstr, errstr_size, "\"%s\" must be a number from %.0f to %.0f", name, min, max);
        return -1;
    }
    *out = v->valuedouble;
    return 0;
}

static int copy_str(char *dst, size_t size, const char *src, const char *name, char *errstr,
                    size_t errstr_size)
{
    if (strlen(src) >= size) {
        snprintf(errstr, errstr_size, "\"%s\" too long", name);
        return -1;
    }
    memcpy(dst, src, strlen(src) + 1);
    return 0;
}

/* Reads string field name into the fixed buffer dst (left as is when
 * absent and not required). Returns 0, or -1 with the reason. */
static int get_fixed(const cJSON *o, const char *name, int required, char *dst, size_t size, char *errstr,
                     size_t errstr_size)
{
    const char *s;

    if (get_str(o, name, required, &s, errstr, errstr_size) < 0)
        return -1;
    return s ? copy_str(dst, size, s, name, errstr, errstr_size) : 0;
}

/* Parses what every message starts with: a JSON object of a known
 * schema_version with a valid job_id (copied into id). Returns the object
 * (the caller deletes it), or NULL with the reason in errstr. */
static cJSON *parse_envelope(const char *json, size_t len, const char *what, char id[37], char *errstr,
                             size_t errstr_size)
{
    cJSON *o = cJSON_ParseWithLength(json, len);
    const char *s;
    double d = 0;

    if (!cJSON_IsObject(o)) {
        snprintf(errstr, errstr_size, "%s is not a JSON object", what);
        goto fail;
    }
    if (get_num(o, "schema_version", 1, 1, JOB_SCHEMA_VERSION, &d, errstr, errstr_size) < 0 ||
        get_str(o, "job_id", 1, &s, errstr, errstr_size) < 0)
        goto fail;
    if (!util_id_valid(s)) {
        snprintf(errstr, errstr_size, "\"job_id\" is not a job id");
        goto fail;
    }
    memcpy(id, s, 37);
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

int job_from_json(struct job *j, const char *json, size_t len, char *errstr, size_t errstr_size)
{
    cJSON *o;
    const char *s;
    double d = 0;
    int ret = -1;

    job_init(j);
    if (!(o = parse_envelope(json, len, "job", j->id, errstr, errstr_size)))
        goto out;
    if (get_fixed(o, "kind", 1, j->kind, sizeof(j->kind), errstr, errstr_size) < 0)
        goto out;
    if (get_fixed(o, "account", 1, j->account, sizeof(j->account), errstr, errstr_size) < 0)
        goto out;
    if (get_fixed(o, "batch_id", 0, j->batch_id, sizeof(j->batch_id), errstr, errstr_size) < 0)
        goto out;
    if (get_fixed(o, "env", 0, j->env, sizeof(j->env), errstr, errstr_size) < 0)
        goto out;
    if (j->env[0] && !job_env_name_ok(j->env)) {
        snprintf(errstr, errstr_size, "\"env\" is not an environment name");
        goto out;
    }
    if (job_requirements_parse(cJSON_GetObjectItemCaseSensitive(o, "requirements"), &j->requirements, errstr,
                               errstr_size) < 0)
        goto out;
    if (get_str(o, "code", 1, &s, errstr, errstr_size) < 0)
        goto out;
    j->code = util_strdup(s);
    if (get_str(o, "stdin", 0, &s, errstr, errstr_size) < 0)
        goto out;
    if (s) {
        j->stdin_data = util_strdup(s);
        j->stdin_len = strlen(s);
    }
    if (get_str(o, "stdin_b64", 0, &s, errstr, errstr_size) < 0)
        goto out;
    if (s) {
        if (j->stdin_data) {
            snprintf(errstr, errstr_size, "stdin and stdin_b64 are exclusive");
            goto out;
        }
        if (!(j->stdin_data = job_unbase64(s, &j->stdin_len))) {
            snprintf(errstr, errstr_size, "stdin_b64 is not base64");
            goto out;
        }
    }
    if (get_num(o, "timeout_ms", 1, 1, 3600000, &d, errstr, errstr_size) < 0)
        goto out;
    j->timeout_ms = (long)d;
    if (get_num(o, "memory_mb", 1, 1, 1 << 20, &d, errstr, errstr_size) < 0)
        goto out;
    j->memory_mb = (long)d;
    d = 0;
    if (get_num(o, "scratch_mb", 0, 0, JOB_MAX_SCRATCH_MB, &d, errstr, errstr_size) < 0)
        goto out;
    j->scratch_mb = (long)d;
    if (read_files(o, "files", 0, &j->files, &j->nfiles, errstr, errstr_size) < 0)
        goto out;
    {
        size_t total = 0;
        for (int i = 0; i < j->nfiles; i++)
            total += j->files[i].len;
        if (total > (size_t)JOB_MAX_INPUT_MB << 20) {
            snprintf(errstr, errstr_size, "input files over %d MiB", JOB_MAX_INPUT_MB);
            goto out;
        }
    }
    if (get_num(o, "credits", 1, 0, 1e9, &d, errstr, errstr_size) < 0)
        goto out;
    j->credits = (long)d;
    if (get_num(o, "submitted_at_ms", 1, 0, 1e15, &d, errstr, errstr_size) < 0)
        goto out;
    j->submitted_at_ms = (int64_t)d;
    if (get_num(o, "expires_at_ms", 1, 0, 1e15, &d, errstr, errstr_size) < 0)
        goto out;
    j->expires_at_ms = (int64_t)d;
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "stream");
        if (v && !cJSON_IsBool(v)) {
            snprintf(errstr, errstr_size, "\"stream\" must be a boolean");
            goto out;
        }
        j->stream = cJSON_IsTrue(v);
    }
    {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, "session");
        if (x) {
            if (!cJSON_IsObject(x) || get_fixed(x, "id", 1, j->session_id, sizeof(j->session_id), errstr,
                                                errstr_size) < 0 ||
                get_fixed(x, "op", 1, j->session_op, sizeof(j->session_op), errstr, errstr_size) < 0 ||
                get_fixed(x, "executor", 0, j->session_executor, sizeof(j->session_executor), errstr,
                          errstr_size) < 0)
                goto bad_session;
            if (!util_id_valid(j->session_id) ||
                (strcmp(j->session_op, "create") != 0 && strcmp(j->session_op, "exec") != 0 &&
                 strcmp(j->session_op, "end") != 0 && strcmp(j->session_op, "fork") != 0))
                goto bad_session;
            if (get_fixed(x, "new_id", 0, j->session_new_id, sizeof(j->session_new_id), errstr, errstr_size) < 0)
                goto out;
            if (strcmp(j->session_op, "fork") == 0 && !util_id_valid(j->session_new_id))
                goto bad_session;
            j->session_interactive = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "interactive"));
            if (strcmp(j->session_op, "create") == 0 || strcmp(j->session_op, "fork") == 0) {
                if (get_num(x, "idle_timeout_s", 1, 1, 86400, &d, errstr, errstr_size) < 0)
                    goto out;
                j->session_idle_s = (long)d;
                if (get_num(x, "max_lifetime_s", 1, 1, 7 * 86400, &d, errstr, errstr_size) < 0)
                    goto out;
                j->session_lifetime_s = (long)d;
                d = 0;
                if (get_num(x, "hops", 0, 0, SESSION_MAX_HOPS, &d, errstr, errstr_size) < 0)
                    goto out;
                j->session_hops = (int)d;
            }
        }
    }
    ret = 0;
    goto out;
bad_session:
    snprintf(errstr, errstr_size, "\"session\" must be {\"id\": a job id, \"op\": create, exec, fork (with "
             "\"new_id\") or end}");
out:
    cJSON_Delete(o);   /* NULL-safe */
    if (ret < 0)
        job_release(j);
    return ret;
}

static const char *const stream_names[] = {"stdout", "stderr"};

char *job_output_json(const char *id, const char *run, enum job_stream stream, size_t offset, const char *p,
                      size_t n)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddNumberToObject(o, "schema_version", JOB_SCHEMA_VERSION);
    cJSON_AddStringToObject(o, "job_id", id);
    cJSON_AddStringToObject(o, "run", run);
    cJSON_AddStringToObject(o, "stream", stream_names[stream]);
    cJSON_AddNumberToObject(o, "offset", (double)offset);
    job_add_chunk(o, p, n);
    return print_and_free(o);
}

void job_add_chunk(struct cJSON *o, const char *p, size_t n)
{
    if (job_utf8_valid(p, n)) {
        char *t = malloc(n + 1);
        if (!t)
            abort();
        memcpy(t, p, n);
        t[n] = '\0';
        cJSON_AddStringToObject(o, "text", t);
        free(t);
    } else {
        char *b = job_base64((const unsigned char *)p, n);
        cJSON_AddStringToObject(o, "base64", b);
        free(b);
    }
}

int job_output_from_json(struct job_output *out, const char *json, size_t len, char *errstr, size_t errstr_size)
{
    const char *s = NULL, *text = NULL, *enc = NULL;
    double d = 0;
    int ret = -1;
    cJSON *o;

    memset(out, 0, sizeof(*out));
    if (!(o = parse_envelope(json, len, "output chunk", out->id, errstr, errstr_size)))
        return -1;
    if (get_fixed(o, "run", 1, out->run, sizeof(out->run), errstr, errstr_size) < 0 ||
        get_str(o, "stream", 1, &s, errstr, errstr_size) < 0 ||
        get_num(o, "offset", 1, 0, 1e12, &d, errstr, errstr_size) < 0 ||
        get_str(o, "text", 0, &text, errstr, errstr_size) < 0 || get_str(o, "base64", 0, &enc, errstr, errstr_size) < 0)
        goto out;
    if (strcmp(s, "stdout") != 0 && strcmp(s, "stderr") != 0) {
        snprintf(errstr, errstr_size, "\"stream\" is neither stdout nor stderr");
        goto out;
    }
    out->stream = strcmp(s, "stdout") == 0 ? JOB_STDOUT : JOB_STDERR;
    out->offset = (size_t)d;
    if (!text == !enc) {
        snprintf(errstr, errstr_size, "a chunk has \"text\" or \"base64\", one of them");
        goto out;
    }
    if (text) {
        out->len = strlen(text);
        out->data = util_strdup(text);
    } else if (!(out->data = job_unbase64(enc, &out->len))) {
        snprintf(errstr, errstr_size, "\"base64\" is not base64");
        goto out;
    }
    ret = 0;
out:
    cJSON_Delete(o);
    if (ret < 0)
        job_output_release(out);
    return ret;
}

void job_output_release(struct job_output *o)
{
    free(o->data);
    o->data = NULL;
    o->len = 0;
}

/* Fields shared by the Kafka and HTTP views. */
static void add_common(cJSON *o, const struct result *r)
{
    add_output(o, "stdout", r->stdout_data, r->stdout_len);
    add_output(o, "stderr", r->stderr_data, r->stderr_len);
    cJSON_AddNumberToObject(o, "exit_code", r->exit_code);
    cJSON_AddNumberToObject(o, "execution_time_ms", (double)r->execution_time_ms);
    cJSON_AddBoolToObject(o, "timed_out", r->timed_out);
    cJSON_AddNumberToObject(o, "credits_used", (double)r->credits);
    cJSON_AddStringToObject(o, "job_id", r->id);
    cJSON_AddNumberToObject(o, "cpu_time_ms", (double)r->cpu_time_ms);
    cJSON_AddNumberToObject(o, "peak_memory_kb", (double)r->peak_memory_kb);
    cJSON_AddBoolToObject(o, "memory_exceeded", r->memory_exceeded);
    cJSON_AddBoolToObject(o, "stdout_truncated", r->stdout_truncated);
    cJSON_AddBoolToObject(o, "stderr_truncated", r->stderr_truncated);
    if (r->term_signal)
        cJSON_AddNumberToObject(o, "signal", r->term_signal);
    if (r->cancelled)
        cJSON_AddBoolToObject(o, "cancelled", 1);   /* only when so: other results stay as they were */
    if (r->env[0])
        cJSON_AddStringToObject(o, "env", r->env);   /* only a non-default one */
    if (r->env_cold_start_ms >= 0)
        cJSON_AddNumberToObject(o, "env_cold_start_ms", (double)r->env_cold_start_ms);
    if (r->env_build_ms >= 0)
        cJSON_AddNumberToObject(o, "env_build_ms", (double)r->env_build_ms);
    if (r->session_id[0]) {
        cJSON *x = cJSON_AddObjectToObject(o, "session");
        cJSON_AddStringToObject(x, "id", r->session_id);
        if (r->session_op[0])
            cJSON_AddStringToObject(x, "op", r->session_op);
        if (r->session_partition >= 0)
            cJSON_AddNumberToObject(x, "partition", r->session_partition);
        if (r->session_executor[0])
            cJSON_AddStringToObject(x, "executor", r->session_executor);
        cJSON_AddBoolToObject(x, "lost", r->session_lost);
        cJSON_AddBoolToObject(x, "ended", r->session_ended);
    }
    if (r->nfiles > 0 || r->files_truncated) {
        add_files(o, "files", r->files, r->nfiles, 0);
        cJSON_AddBoolToObject(o, "files_truncated", r->files_truncated);
    }
    if (r->nimages > 0 || r->images_truncated) {
        add_files(o, "images", r->images, r->nimages, 1);
        cJSON_AddBoolToObject(o, "images_truncated", r->images_truncated);
    }
}

char *result_to_json(const struct result *r)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddNumberToObject(o, "schema_version", JOB_SCHEMA_VERSION);
    cJSON_AddStringToObject(o, "status", result_status_name(r->status));
    add_common(o, r);
    cJSON_AddStringToObject(o, "account", r->account);
    if (r->batch_id[0])
        cJSON_AddStringToObject(o, "batch_id", r->batch_id);
    cJSON_AddStringToObject(o, "executor", r->executor);
    cJSON_AddNumberToObject(o, "finished_at_ms", (double)r->finished_at_ms);
    if (r->error[0])
        cJSON_AddStringToObject(o, "error", r->error);
    return print_and_free(o);
}

char *job_started_json(const char *job_id, const char *executor, int64_t at_ms)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddNumberToObject(o, "schema_version", JOB_SCHEMA_VERSION);
    cJSON_AddStringToObject(o, "job_id", job_id);
    cJSON_AddStringToObject(o, "status", "running");
    cJSON_AddStringToObject(o, "executor", executor);
    cJSON_AddNumberToObject(o, "started_at_ms", (double)at_ms);
    return print_and_free(o);
}

char *job_cancel_json(const char *job_id, int64_t expires_at_ms, int64_t at_ms)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddNumberToObject(o, "schema_version", JOB_SCHEMA_VERSION);
    cJSON_AddStringToObject(o, "job_id", job_id);
    cJSON_AddStringToObject(o, "action", "cancel");
    cJSON_AddNumberToObject(o, "expires_at_ms", (double)expires_at_ms);
    cJSON_AddNumberToObject(o, "at_ms", (double)at_ms);
    return print_and_free(o);
}

int job_cancel_from_json(const char *json, size_t len, char id[37], int64_t *expires_at_ms, char *errstr,
                         size_t errstr_size)
{
    const char *action = NULL;
    double d = 0;
    int ret = -1;
    cJSON *o = parse_envelope(json, len, "control notice", id, errstr, errstr_size);

    if (!o)
        return -1;
    if (get_str(o, "action", 1, &action, errstr, errstr_size) < 0 ||
        get_num(o, "expires_at_ms", 1, 0, 1e15, &d, errstr, errstr_size) < 0)
        goto out;
    if (strcmp(action, "cancel") != 0) {
        snprintf(errstr, errstr_size, "unknown action \"%.40s\"", action);
        goto out;
    }
    *expires_at_ms = (int64_t)d;
    ret = 0;
out:
    cJSON_Delete(o);
    return ret;
}

char *result_to_http_json(const struct result *r)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddBoolToObject(o, "ok", 1);
    add_common(o, r);
    cJSON_AddStringToObject(o, "_engine", "real");
    return print_and_free(o);
}

/* Reads one output stream back: exact bytes from _base64 when present. */
static int read_output(const cJSON *o, const char *name, char **data, size_t *len,
                       char *errstr, size_t errstr_size)
{
    char key[32];
    const char *s, *enc;

    if (get_str(o, name, 1, &s, errstr, errstr_size) < 0)
        return -1;
    snprintf(key, sizeof(key), "%s_base64", name);
    if (get_str(o, key, 0, &enc, errstr, errstr_size) < 0)
        return -1;
    if (enc) {
        *data = job_unbase64(enc, len);
        if (!*data) {
            snprintf(errstr, errstr_size, "\"%s\" is not base64", key);
            return -1;
        }
        return 0;
    }
    *data = util_strdup(s);
    *len = strlen(s);
    return 0;
}

static int get_bool(const cJSON *o, const char *name, int *out, char *errstr, size_t errstr_size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!cJSON_IsBool(v)) {
        snprintf(errstr, errstr_size, "\"%s\" must be a boolean", name);
        return -1;
    }
    *out = cJSON_IsTrue(v);
    return 0;
}

int result_from_json(struct result *r, const char *json, size_t len, char *errstr, size_t errstr_size)
{
    cJSON *o;
    const char *s;
    double d = 0;
    int ret = -1;

    result_init(r);
    if (!(o = parse_envelope(json, len, "result", r->id, errstr, errstr_size)))
        goto out;
    if (get_str(o, "status", 1, &s, errstr, errstr_size) < 0)
        goto out;
    if (status_parse(s, &r->status) < 0) {
        snprintf(errstr, errstr_size, "unknown status \"%s\"", s);
        goto out;
    }
    if (read_output(o, "stdout", &r->stdout_data, &r->stdout_len, errstr, errstr_size) < 0 ||
        read_output(o, "stderr", &r->stderr_data, &r->stderr_len, errstr, errstr_size) < 0)
        goto out;
    if (get_num(o, "exit_code", 1, -255, 255, &d, errstr, errstr_size) < 0)
        goto out;
    r->exit_code = (int)d;
    if (get_num(o, "execution_time_ms", 1, 0, 1e12, &d, errstr, errstr_size) < 0)
        goto out;
    r->execution_time_ms = (long)d;
    if (get_num(o, "cpu_time_ms", 1, 0, 1e12, &d, errstr, errstr_size) < 0)
        goto out;
    r->cpu_time_ms = (long)d;
    if (get_num(o, "peak_memory_kb", 1, 0, 1e12, &d, errstr, errstr_size) < 0)
        goto out;
    r->peak_memory_kb = (long)d;
    if (get_num(o, "credits_used", 1, 0, 1e9, &d, errstr, errstr_size) < 0)
        goto out;
    r->credits = (long)d;
    if (get_num(o, "signal", 0, 0, 64, &d, errstr, errstr_size) < 0)
        goto out;
    r->term_signal = cJSON_GetObjectItemCaseSensitive(o, "signal") ? (int)d : 0;
    if (get_bool(o, "timed_out", &r->timed_out, errstr, errstr_size) < 0 ||
        get_bool(o, "memory_exceeded", &r->memory_exceeded, errstr, errstr_size) < 0 ||
        get_bool(o, "stdout_truncated", &r->stdout_truncated, errstr, errstr_size) < 0 ||
        get_bool(o, "stderr_truncated", &r->stderr_truncated, errstr, errstr_size) < 0)
        goto out;
    if (get_fixed(o, "executor", 1, r->executor, sizeof(r->executor), errstr, errstr_size) < 0)
        goto out;
    if (read_files(o, "files", 0, &r->files, &r->nfiles, errstr, errstr_size) < 0 ||
        read_files(o, "images", 1, &r->images, &r->nimages, errstr, errstr_size) < 0)
        goto out;
    r->files_truncated = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "files_truncated"));
    r->cancelled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "cancelled"));
    r->images_truncated = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "images_truncated"));
    {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, "session");
        if (x) {
            if (!cJSON_IsObject(x) ||
                get_fixed(x, "id", 1, r->session_id, sizeof(r->session_id), errstr, errstr_size) < 0)
                goto out;
            d = -1;
            if (get_num(x, "partition", 0, 0, 100000, &d, errstr, errstr_size) < 0)
                goto out;
            r->session_partition = cJSON_GetObjectItemCaseSensitive(x, "partition") ? (int)d : -1;
            if (get_fixed(x, "op", 0, r->session_op, sizeof(r->session_op), errstr, errstr_size) < 0)
                goto out;
            if (get_fixed(x, "executor", 0, r->session_executor, sizeof(r->session_executor), errstr,
                          errstr_size) < 0)
                goto out;
            r->session_lost = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "lost"));
            r->session_ended = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "ended"));
        }
    }
    /* Optional when reading: results of executors older than the field. */
    if (get_fixed(o, "account", 0, r->account, sizeof(r->account), errstr, errstr_size) < 0)
        goto out;
    if (get_fixed(o, "env", 0, r->env, sizeof(r->env), errstr, errstr_size) < 0)
        goto out;
    d = -1;
    if (get_num(o, "env_cold_start_ms", 0, 0, 1e9, &d, errstr, errstr_size) < 0)
        goto out;
    r->env_cold_start_ms = cJSON_GetObjectItemCaseSensitive(o, "env_cold_start_ms") ? (long)d : -1;
    d = -1;
    if (get_num(o, "env_build_ms", 0, 0, 1e9, &d, errstr, errstr_size) < 0)
        goto out;
    r->env_build_ms = cJSON_GetObjectItemCaseSensitive(o, "env_build_ms") ? (long)d : -1;
    if (get_fixed(o, "batch_id", 0, r->batch_id, sizeof(r->batch_id), errstr, errstr_size) < 0)
        goto out;
    if (get_str(o, "error", 0, &s, errstr, errstr_size) < 0)
        goto out;
    if (s)
        snprintf(r->error, sizeof(r->error), "%s", s);
    if (get_num(o, "finished_at_ms", 1, 0, 1e15, &d, errstr, errstr_size) < 0)
        goto out;
    r->finished_at_ms = (int64_t)d;
    ret = 0;
out:
    cJSON_Delete(o);
    if (ret < 0)
        result_release(r);
    return ret;
}
