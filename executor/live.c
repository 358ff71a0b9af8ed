/* live: streamed output chunks (see live.h). */
#include "live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "kq.h"
#include "log.h"

void live_begin(struct live *l, rd_kafka_t *rk, const char *topic, int32_t partition, const char *id,
                const char *kind, long after_ms)
{
    memset(l, 0, sizeof(*l));
    l->rk = rk;
    l->topic = topic;
    l->partition = partition;
    snprintf(l->id, sizeof(l->id), "%s", id);
    snprintf(l->kind, sizeof(l->kind), "%s", kind);
    if (after_ms > 0)
        l->not_before_us = util_mono_us() + (int64_t)after_ms * 1000;
    {
        unsigned char r[8];
        util_random(r, sizeof(r));
        for (int i = 0; i < 8; i++)
            snprintf(l->run + 2 * i, 3, "%02x", r[i]);
    }
}

/* How much of p[0..n) is whole UTF-8 characters: all but a sequence at
 * its end that the bytes do not complete yet (its rest may come with the
 * next read). Bytes that are not UTF-8 at all count as whole. */
static size_t whole(const char *p, size_t n)
{
    for (size_t back = 1; back <= 3 && back <= n; back++) {
        unsigned char c = (unsigned char)p[n - back];
        size_t need;
        if ((c & 0xC0) == 0x80)
            continue;   /* a continuation byte: look further back */
        need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
        return need > back ? n - back : n;
    }
    return n;
}

/* Sends bytes [l->sent[k], end) of stream k, in chunks of LIVE_CHUNK at most. */
static void send_upto(struct live *l, int k, const struct buf *b, size_t end)
{
    while (l->sent[k] < end) {
        size_t n = end - l->sent[k] > LIVE_CHUNK ? LIVE_CHUNK : end - l->sent[k];
        char *json;
        rd_kafka_resp_err_t err;

        if (n < end - l->sent[k])
            n = whole(b->data + l->sent[k], n);   /* never 0: n is LIVE_CHUNK here */
        json = job_output_json(l->id, l->run, (enum job_stream)k, l->sent[k], b->data + l->sent[k], n);
        err = json ? kq_produce_to(l->rk, l->topic, l->partition, l->id, json, l->kind, "output", NULL, -1, NULL)
                   : RD_KAFKA_RESP_ERR__FAIL;
        if (err) {
            free(json);
            l->dropped++;
            if (l->dropped == 1)
                log_msg(LOG_WARNING, "job=%s output chunk dropped: %s", l->id, rd_kafka_err2str(err));
        } else {
            l->chunks++;
        }
        l->sent[k] += n;   /* dropped or not: the stream moves on */
    }
}

int64_t live_progress(void *ctx, const struct buf *const out[2], int64_t now_us)
{
    struct live *l = ctx;
    int64_t next = 0;

    if (now_us < l->not_before_us)
        return l->not_before_us;
    for (int k = 0; k < 2; k++) {
        const struct buf *b = out[k];
        /* Whole characters only: a trailing partial one waits for its rest
         * (or for the result, which has every byte). */
        size_t ready = b->len > l->sent[k] ? whole(b->data + l->sent[k], b->len - l->sent[k]) : 0;
        /* At most one chunk per LIVE_FLUSH_MS: output after a quiet spell
         * goes at once, a busy stream's is gathered. */
        int64_t due = l->last_sent[k] ? l->last_sent[k] + LIVE_FLUSH_MS * 1000 : now_us;

        if (!ready)
            continue;
        if (ready >= LIVE_CHUNK || now_us >= due) {
            send_upto(l, k, b, l->sent[k] + ready);
            l->last_sent[k] = now_us;
            continue;
        }
        if (!next || due < next)
            next = due;
    }
    return next;
}
