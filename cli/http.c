/* http: see http.h. */
#include "http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

struct buf {
    char *p;
    size_t len, cap;
};

static size_t on_body(char *data, size_t size, size_t n, void *opaque)
{
    struct buf *b = opaque;
    size_t add = size * n;

    if (b->len + add + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 16384);
        char *p;
        while (cap < b->len + add + 1)
            cap *= 2;
        if (!(p = realloc(b->p, cap)))
            return 0;   /* curl fails the transfer: CURLE_WRITE_ERROR */
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, add);
    b->len += add;
    b->p[b->len] = '\0';
    return add;
}

/* Copies the value of header "name: value" in line into out, trimmed. */
static int header_value(const char *line, size_t len, const char *name, char *out, size_t out_size)
{
    size_t nl = strlen(name), i, j;

    if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return -1;
    for (i = nl + 1; i < len && isspace((unsigned char)line[i]); i++)
        ;
    for (j = len; j > i && isspace((unsigned char)line[j - 1]); j--)
        ;
    snprintf(out, out_size, "%.*s", (int)(j - i), line + i);
    return 0;
}

static size_t on_header(char *data, size_t size, size_t n, void *opaque)
{
    struct http_answer *a = opaque;
    char v[64];

    if (header_value(data, size * n, "X-Job-Id", a->job_id, sizeof(a->job_id)) == 0)
        return size * n;
    if (header_value(data, size * n, "Retry-After", v, sizeof(v)) == 0)
        a->retry_after_s = strtol(v, NULL, 10);
    return size * n;
}

int http_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

int http_request(const struct http *h, const char *method, const char *path, const char *body, const char *idem,
                 struct http_answer *a, char *errstr, size_t errstr_size)
{
    CURL *c = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    struct buf b = {0};
    char url[2048], line[512];
    CURLcode rc;
    int ret = -1;

    memset(a, 0, sizeof(*a));
    if (!c) {
        snprintf(errstr, errstr_size, "cannot start libcurl");
        goto out;
    }
    snprintf(url, sizeof(url), "%s%s", h->url, path);
    if (h->key[0]) {
        snprintf(line, sizeof(line), "Authorization: Bearer %s", h->key);
        hdrs = curl_slist_append(hdrs, line);
    }
    if (idem) {
        snprintf(line, sizeof(line), "Idempotency-Key: %s", idem);
        hdrs = curl_slist_append(hdrs, line);
    }
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    hdrs = curl_slist_append(hdrs, "Expect:");   /* no 100-continue round trip */
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "execq-cli/1");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, h->timeout_s);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);   /* not copied: body outlives the call */
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    } else if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
    rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        snprintf(errstr, errstr_size, "%s %s: %s", method, url, curl_easy_strerror(rc));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
    a->body = b.p ? cJSON_ParseWithLength(b.p, b.len) : NULL;
    ret = 0;
out:
    free(b.p);
    curl_slist_free_all(hdrs);
    if (c)
        curl_easy_cleanup(c);
    return ret;
}

char *http_escape(const char *s)
{
    CURL *c = curl_easy_init();
    char *e = c ? curl_easy_escape(c, s, 0) : NULL, *copy = e ? strdup(e) : NULL;

    curl_free(e);
    if (c)
        curl_easy_cleanup(c);
    return copy;
}

void http_answer_release(struct http_answer *a)
{
    cJSON_Delete(a->body);   /* NULL-safe */
    a->body = NULL;
}

void http_error_text(const struct http_answer *a, char *out, size_t out_size)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(a->body, "error");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(e, "code");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");

    if (cJSON_IsString(code))
        snprintf(out, out_size, "%s: %s (HTTP %ld)", code->valuestring,
                 cJSON_IsString(msg) ? msg->valuestring : "", a->status);
    else
        snprintf(out, out_size, "HTTP %ld with no error in the body", a->status);
}
