/* sse: a streamed answer's events and their reader (see sse.h). */
#include "sse.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "req.h"
#include "util.h"

/* The largest piece of MHD's buffer one read fills (MHD asks for less). */
#define SSE_BLOCK 16384

struct sse {
    pthread_mutex_t mu;
    atomic_int refs;
    char id[37];
    struct MHD_Connection *conn;   /* NULL once the response is gone */
    struct buf out;                /* events queued; out.data[off..len) not read by MHD yet */
    size_t off, cap;
    size_t pos[2];                 /* bytes of stdout, stderr streamed (or said dropped) so far */
    char run[17];                  /* the run the chunks so far came from ("" before the first) */
    int ended;                     /* the result or error is queued: nothing follows it */
    int suspended;                 /* the reader suspended the connection: the next event resumes it */
    int cancel_on_disconnect;      /* the caller's job is cancelled if it goes away first */
    int closed;                    /* the response is gone (sse_response_gone) */
    int64_t last_ms;               /* util_mono_ms of the last event or comment queued */
};

static const char *const stream_names[] = {"stdout", "stderr"};
static struct metric *m_bytes, *m_dropped, *m_streams;

void sse_metrics(void)
{
    m_bytes = metrics_counter("execq_stream_bytes_total", "Bytes of events queued for streamed calls.", NULL);
    m_dropped = metrics_counter("execq_stream_dropped_chunks_total",
                                "Output chunks not streamed because the client was behind (the result has them).",
                                NULL);
    m_streams = metrics_counter("execq_streams_total", "Streamed calls answered (text/event-stream).", NULL);
}

struct sse *sse_new(const char *id, size_t cap, struct MHD_Connection *conn)
{
    struct sse *x = calloc(1, sizeof(*x));

    if (!x)
        return NULL;
    pthread_mutex_init(&x->mu, NULL);
    atomic_init(&x->refs, 1);
    snprintf(x->id, sizeof(x->id), "%s", id);
    x->conn = conn;
    x->cap = cap;
    x->last_ms = util_mono_ms();
    buf_init(&x->out);
    if (m_streams)
        metrics_add(m_streams, 1);
    return x;
}

void sse_cancel_on_disconnect(struct sse *x)
{
    pthread_mutex_lock(&x->mu);
    x->cancel_on_disconnect = 1;
    pthread_mutex_unlock(&x->mu);
}

int sse_peer_gone(struct sse *x)
{
    int gone = 0;

    pthread_mutex_lock(&x->mu);
    if (x->cancel_on_disconnect && x->conn)
        gone = req_conn_gone(x->conn);
    pthread_mutex_unlock(&x->mu);
    return gone;
}

void sse_start_at(struct sse *x, const size_t pos[2])
{
    pthread_mutex_lock(&x->mu);
    x->pos[0] = pos[0];
    x->pos[1] = pos[1];
    pthread_mutex_unlock(&x->mu);
}

void sse_pos(struct sse *x, size_t pos[2])
{
    pthread_mutex_lock(&x->mu);
    pos[0] = x->pos[0];
    pos[1] = x->pos[1];
    pthread_mutex_unlock(&x->mu);
}

int sse_gone(struct sse *x)
{
    int gone;

    pthread_mutex_lock(&x->mu);
    gone = x->closed;
    pthread_mutex_unlock(&x->mu);
    return gone;
}

const char *sse_id(const struct sse *x)
{
    return x->id;
}

struct sse *sse_ref(struct sse *x)
{
    atomic_fetch_add(&x->refs, 1);
    return x;
}

void sse_unref(struct sse *x)
{
    if (!x || atomic_fetch_sub(&x->refs, 1) != 1)
        return;
    buf_release(&x->out);
    pthread_mutex_destroy(&x->mu);
    free(x);
}

/* x->mu held: the reader waits for this event; let it go on. */
static void wake(struct sse *x)
{
    if (x->suspended && x->conn) {
        x->suspended = 0;
        MHD_resume_connection(x->conn);
    }
}

/* Queues one event (x->mu held); data is one line of JSON. */
static void put_event(struct sse *x, const char *event, const char *data)
{
    char head[96];
    size_t before = x->out.len;
    int n = snprintf(head, sizeof(head), "event: %s\nid: %zu.%zu\ndata: ", event, x->pos[0], x->pos[1]);

    if (buf_append(&x->out, head, (size_t)n) < 0 || buf_append(&x->out, data, strlen(data)) < 0 ||
        buf_append(&x->out, "\n\n", 2) < 0) {
        x->out.len = before;   /* out of memory: the event is lost, the stream goes on */
        return;
    }
    x->last_ms = util_mono_ms();
    if (m_bytes)
        metrics_add(m_bytes, (double)(x->out.len - before));
    wake(x);
}

/* The data of an output event: {"offset", "text" or "base64"}. Malloc'd. */
static char *output_data(size_t offset, const char *p, size_t n)
{
    cJSON *o = cJSON_CreateObject();
    char *s;

    cJSON_AddNumberToObject(o, "offset", (double)offset);
    job_add_chunk(o, p, n);
    s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

/* Streams bytes [off, off + n) of stream k (x->mu held): a dropped event
 * first when they start past what was sent. With room (0: never mind the
 * cap), only if the events fit in it. Returns 1 if queued, 0 if not. */
static int put_output(struct sse *x, int k, size_t off, const char *p, size_t n, int room)
{
    char *data, gap[128] = "";
    size_t queued = x->out.len - x->off, need;

    if (off + n <= x->pos[k])
        return 0;   /* sent already */
    if (off < x->pos[k]) {
        p += x->pos[k] - off;
        n -= x->pos[k] - off;
        off = x->pos[k];
    }
    if (off > x->pos[k])
        snprintf(gap, sizeof(gap), "{\"stream\":\"%s\",\"offset\":%zu,\"bytes\":%zu}", stream_names[k], x->pos[k],
                 off - x->pos[k]);
    data = output_data(off, p, n);
    if (!data)
        return 0;
    need = strlen(data) + strlen(gap) + 256;
    if (room && queued + need > x->cap) {
        free(data);
        return 0;
    }
    if (gap[0]) {
        x->pos[k] = off;   /* its id says the gap is accounted for */
        put_event(x, "dropped", gap);
    }
    x->pos[k] = off + n;
    put_event(x, stream_names[k], data);
    free(data);
    return 1;
}

int sse_chunk(struct sse *x, const struct job_output *o)
{
    int k = o->stream == JOB_STDERR, ok = 0;

    pthread_mutex_lock(&x->mu);
    if (!x->ended && x->run[0] && strcmp(o->run, x->run) != 0) {
        /* Run again from the start elsewhere (its executor was lost): the
         * output starts over, and so do the positions. */
        char data[64];
        snprintf(data, sizeof(data), "{\"run\":\"%s\"}", o->run);
        x->pos[0] = x->pos[1] = 0;
        put_event(x, "restart", data);
    }
    if (!x->ended)
        snprintf(x->run, sizeof(x->run), "%s", o->run);
    if (!x->ended && o->offset + o->len > x->pos[k]) {
        ok = put_output(x, k, o->offset, o->data, o->len, 1);
        if (!ok && m_dropped)
            metrics_add(m_dropped, 1);
    }
    pthread_mutex_unlock(&x->mu);
    return ok;
}

/* Queues the final event (x->mu held). Takes body. */
static void put_end(struct sse *x, unsigned status, char *body)
{
    if (status == MHD_HTTP_OK) {
        put_event(x, "result", body ? body : "{}");
    } else {
        cJSON *o = body ? cJSON_Parse(body) : NULL;
        char *s;
        if (!cJSON_IsObject(o)) {
            cJSON_Delete(o);
            o = cJSON_CreateObject();
        }
        cJSON_AddNumberToObject(o, "http_status", status);
        s = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        put_event(x, "error", s ? s : "{}");
        free(s);
    }
    free(body);
    x->ended = 1;
    wake(x);
}

/* Streams what the client has not been sent of stream k's whole output
 * p[0..n) (x->mu held), past the cap: the end is never dropped. */
static void put_rest(struct sse *x, int k, const char *p, size_t n)
{
    if (p && n > x->pos[k])
        put_output(x, k, x->pos[k], p + x->pos[k], n - x->pos[k], 0);
}

void sse_result(struct sse *x, const struct result *r)
{
    const char *p[2] = {r->stdout_data, r->stderr_data};
    size_t n[2] = {r->stdout_len, r->stderr_len};
    unsigned status = MHD_HTTP_OK;
    char *body = NULL;

    pthread_mutex_lock(&x->mu);
    if (!x->ended) {
        if (r->status == RESULT_COMPLETED)
            for (int k = 0; k < 2; k++)
                put_rest(x, k, p[k], n[k]);
        body = req_result_body(r, &status);
        put_end(x, status, body);
    }
    pthread_mutex_unlock(&x->mu);
}

void sse_result_stored(struct sse *x, const char *json)
{
    cJSON *o = cJSON_Parse(json);
    unsigned status = req_stored_status(o);

    pthread_mutex_lock(&x->mu);
    if (!x->ended) {
        for (int k = 0; k < 2 && status == MHD_HTTP_OK; k++) {
            char name[24];
            const cJSON *b64, *text;
            char *bytes = NULL;
            size_t n = 0;
            snprintf(name, sizeof(name), "%s_base64", stream_names[k]);
            b64 = cJSON_GetObjectItemCaseSensitive(o, name);
            text = cJSON_GetObjectItemCaseSensitive(o, stream_names[k]);
            if (cJSON_IsString(b64))
                bytes = job_unbase64(b64->valuestring, &n);
            else if (cJSON_IsString(text) && (bytes = util_strdup(text->valuestring)))
                n = strlen(bytes);
            put_rest(x, k, bytes, n);
            free(bytes);
        }
        put_end(x, status, util_strdup(json));
    }
    pthread_mutex_unlock(&x->mu);
    cJSON_Delete(o);
}

void sse_end(struct sse *x, unsigned status, char *body)
{
    pthread_mutex_lock(&x->mu);
    if (x->ended)
        free(body);
    else
        put_end(x, status, body);
    pthread_mutex_unlock(&x->mu);
}

void sse_keepalive(struct sse *x, int64_t now_ms, int64_t idle_ms)
{
    static const char comment[] = ": keep-alive\n\n";

    pthread_mutex_lock(&x->mu);
    if (!x->ended && now_ms - x->last_ms >= idle_ms && buf_append(&x->out, comment, sizeof(comment) - 1) == 0) {
        x->last_ms = now_ms;
        wake(x);
    }
    pthread_mutex_unlock(&x->mu);
}

ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct sse *x = cls;
    ssize_t n = 0;

    (void)pos;
    pthread_mutex_lock(&x->mu);
    if (x->off < x->out.len) {
        size_t k = x->out.len - x->off;
        if (k > max)
            k = max;
        memcpy(buf, x->out.data + x->off, k);
        x->off += k;
        if (x->off == x->out.len)
            x->off = x->out.len = 0;   /* all read: the buffer starts over */
        n = (ssize_t)k;
    } else if (x->ended) {
        n = MHD_CONTENT_READER_END_OF_STREAM;
    } else if (x->conn) {
        /* Nothing yet: returning 0 alone would make MHD call again at once. */
        x->suspended = 1;
        MHD_suspend_connection(x->conn);
    }
    pthread_mutex_unlock(&x->mu);
    return n;
}

static void sse_response_gone(void *cls)
{
    struct sse *x = cls;

    pthread_mutex_lock(&x->mu);
    x->conn = NULL;
    x->suspended = 0;
    x->closed = 1;
    pthread_mutex_unlock(&x->mu);
    sse_unref(x);
}

struct MHD_Response *sse_response(struct sse *x)
{
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SSE_BLOCK, sse_read, x,
                                                                  sse_response_gone);

    if (!resp) {
        pthread_mutex_lock(&x->mu);
        x->closed = 1;   /* never answered: whoever follows it lets go */
        pthread_mutex_unlock(&x->mu);
        sse_unref(x);
        return NULL;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream; charset=utf-8");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");   /* nginx: pass events on as they come */
    return resp;
}
