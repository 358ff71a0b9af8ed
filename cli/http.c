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

/* An SSE parser fed by libcurl (the stream's bytes, in any pieces). */
struct sse_in {
    int active;                    /* the answer is text/event-stream */
    struct buf line, event, data;
    char *last;                    /* data of the last event (malloc'd) */
    int (*on_event)(void *ctx, const char *event, const char *data);
    void *ctx;
    int stopped;
    char id[48];                   /* the id field of the event being read */
    char *last_id;                 /* the caller's: sent as Last-Event-ID, then the last event's id */
};

static int buf_put(struct buf *b, const char *p, size_t n)
{
    return on_body((char *)p, 1, n, b) == n ? 0 : -1;
}

/* One whole line of the stream (no newline): a field, or the blank line
 * that ends an event. */
static void sse_line(struct sse_in *in, const char *l, size_t n)
{
    if (n == 0) {
        if (in->data.len) {
            if (in->last_id && in->id[0])
                memcpy(in->last_id, in->id, sizeof(in->id));
            free(in->last);
            in->last = strdup(in->data.p);
            if (in->on_event && in->on_event(in->ctx, in->event.len ? in->event.p : "message", in->data.p) < 0)
                in->stopped = 1;
        }
        in->event.len = in->data.len = 0;
        if (in->event.p)
            in->event.p[0] = '\0';
        if (in->data.p)
            in->data.p[0] = '\0';
        return;
    }
    if (l[0] == ':')
        return;   /* a comment: keep-alive */
    if (n >= 6 && strncmp(l, "event:", 6) == 0) {
        size_t skip = n > 6 && l[6] == ' ' ? 7 : 6;
        in->event.len = 0;
        buf_put(&in->event, l + skip, n - skip);
    } else if (n >= 3 && strncmp(l, "id:", 3) == 0) {
        size_t skip = n > 3 && l[3] == ' ' ? 4 : 3;
        snprintf(in->id, sizeof(in->id), "%.*s", (int)(n - skip), l + skip);
    } else if (n >= 5 && strncmp(l, "data:", 5) == 0) {
        size_t skip = n > 5 && l[5] == ' ' ? 6 : 5;
        if (in->data.len)
            buf_put(&in->data, "\n", 1);
        buf_put(&in->data, l + skip, n - skip);
    }
}

static size_t on_stream(char *p, size_t size, size_t n, void *opaque)
{
    struct sse_in *in = opaque;
    size_t len = size * n;

    for (size_t i = 0; i < len && !in->stopped; i++) {
        if (p[i] == '\n') {
            size_t l = in->line.len;
            if (l && in->line.p[l - 1] == '\r')
                l--;
            sse_line(in, in->line.p ? in->line.p : "", l);
            in->line.len = 0;
        } else if (buf_put(&in->line, p + i, 1) < 0) {
            return 0;
        }
    }
    return in->stopped ? 0 : len;
}

struct body_sink {
    struct buf plain;
    struct sse_in sse;
};

/* The body goes to the SSE parser once the answer said text/event-stream. */
static size_t on_any_body(char *p, size_t size, size_t n, void *opaque)
{
    struct body_sink *s = opaque;
    return s->sse.active ? on_stream(p, size, n, &s->sse) : on_body(p, size, n, &s->plain);
}

struct header_sink {
    struct http_answer *a;
    struct sse_in *sse;            /* NULL: no streaming asked */
};

static size_t on_header_any(char *data, size_t size, size_t n, void *opaque)
{
    struct header_sink *hs = opaque;
    char v[128];

    if (hs->sse && header_value(data, size * n, "Content-Type", v, sizeof(v)) == 0)
        hs->sse->active = strncmp(v, "text/event-stream", 17) == 0;
    return on_header(data, size, n, hs->a);
}

/* Set from a signal handler (http_interrupt); checked by libcurl's
 * progress callback, which it calls at least once a second. */
static volatile sig_atomic_t *interrupt_flag;

void http_interrupt(volatile sig_atomic_t *flag)
{
    interrupt_flag = flag;
}

static int on_progress(void *p, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)p, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return interrupt_flag && *interrupt_flag ? 1 : 0;   /* non-zero: the transfer ends (ABORTED_BY_CALLBACK) */
}

static int perform(const struct http *h, const char *method, const char *path, const char *body, const char *idem,
                   struct sse_in *sse, struct http_answer *a, char *errstr, size_t errstr_size)
{
    CURL *c = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    struct body_sink sink = {0};
    struct header_sink hs = {a, sse ? &sink.sse : NULL};   /* the parser the body goes to */
    char url[2048], line[512];
    CURLcode rc;
    int ret = -1;

    memset(a, 0, sizeof(*a));
    if (sse)
        sink.sse = *sse;
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
    if (sse)
        hdrs = curl_slist_append(hdrs, "Accept: text/event-stream, application/json");
    if (sse && sse->last_id && sse->last_id[0]) {
        snprintf(line, sizeof(line), "Last-Event-ID: %s", sse->last_id);
        hdrs = curl_slist_append(hdrs, line);
    }
    hdrs = curl_slist_append(hdrs, "Expect:");   /* no 100-continue round trip */
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "execq-cli/1");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, h->timeout_s);
    if (h->timeout_s == 0) {
        /* No end set (a followed job): given up only when nothing at all,
         * not even a keep-alive comment, came for a minute. */
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    }
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);   /* not copied: body outlives the call */
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    } else if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_any_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header_any);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &hs);
    if (interrupt_flag) {
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    }
    rc = curl_easy_perform(c);
    if (rc != CURLE_OK && !(sink.sse.stopped && rc == CURLE_WRITE_ERROR)) {
        snprintf(errstr, errstr_size, "%s %s: %s", method, url, curl_easy_strerror(rc));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
    if (sink.sse.active)
        a->body = sink.sse.last ? cJSON_Parse(sink.sse.last) : NULL;
    else
        a->body = sink.plain.p ? cJSON_ParseWithLength(sink.plain.p, sink.plain.len) : NULL;
    ret = sink.sse.stopped ? -1 : 0;
    if (sink.sse.stopped)
        snprintf(errstr, errstr_size, "stopped");
out:
    free(sink.plain.p);
    free(sink.sse.line.p);
    free(sink.sse.event.p);
    free(sink.sse.data.p);
    free(sink.sse.last);
    curl_slist_free_all(hdrs);
    if (c)
        curl_easy_cleanup(c);
    return ret;
}

int http_request(const struct http *h, const char *method, const char *path, const char *body, const char *idem,
                 struct http_answer *a, char *errstr, size_t errstr_size)
{
    return perform(h, method, path, body, idem, NULL, a, errstr, errstr_size);
}

int http_stream(const struct http *h, const char *path, const char *body,
                int (*on_event)(void *ctx, const char *event, const char *data), void *ctx, struct http_answer *a,
                char *errstr, size_t errstr_size)
{
    struct sse_in in = {0};

    in.on_event = on_event;
    in.ctx = ctx;
    return perform(h, "POST", path, body, NULL, &in, a, errstr, errstr_size);
}

int http_follow(const struct http *h, const char *path, char last_id[48],
                int (*on_event)(void *ctx, const char *event, const char *data), void *ctx, struct http_answer *a,
                char *errstr, size_t errstr_size)
{
    struct sse_in in = {0};

    in.on_event = on_event;
    in.ctx = ctx;
    in.last_id = last_id;
    return perform(h, "GET", path, NULL, NULL, &in, a, errstr, errstr_size);
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
