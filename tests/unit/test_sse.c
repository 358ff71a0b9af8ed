/* Unit tests of producer-api/sse.c, a streamed call's events: the frames
 * and their ids, text and base64 chunks, chunks repeated or out of order,
 * the cap on what waits for a slow client (chunks dropped, then a dropped
 * event naming the bytes), a run that starts over, and the end: the output
 * the chunks did not bring comes from the result, so the stdout events put
 * together are the result's stdout. No MHD connection: the reader is called
 * directly, as MHD would call it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "job.h"
#include "sse.h"
#include "util.h"

#define ID "0b5c7f52-3f8e-4d6a-9a51-2b1d3c4e5f60"

struct ev {
    char event[16];
    char id[48];
    cJSON *data;
};

/* Reads everything queued (in pieces of 7 bytes: frames cross reads) and
 * splits it into events; comments are counted. Returns the count. */
static int drain(struct sse *x, struct ev *evs, int max, int *comments, int *ended)
{
    struct buf all;
    char piece[7];
    ssize_t n;
    int count = 0;
    char *p, *save = NULL;

    buf_init(&all);
    *ended = 0;
    while ((n = sse_read(x, 0, piece, sizeof(piece))) > 0)
        buf_append(&all, piece, (size_t)n);
    *ended = n == MHD_CONTENT_READER_END_OF_STREAM;
    if (comments)
        *comments = 0;
    for (p = all.data ? strtok_r(all.data, "\n", &save) : NULL; p; p = strtok_r(NULL, "\n", &save)) {
        if (p[0] == ':' && comments) {
            (*comments)++;
        } else if (strncmp(p, "event: ", 7) == 0 && count < max) {
            memset(&evs[count], 0, sizeof(evs[count]));
            snprintf(evs[count].event, sizeof(evs[count].event), "%s", p + 7);
        } else if (strncmp(p, "id: ", 4) == 0 && count < max) {
            snprintf(evs[count].id, sizeof(evs[count].id), "%s", p + 4);
        } else if (strncmp(p, "data: ", 6) == 0 && count < max) {
            evs[count++].data = cJSON_Parse(p + 6);
        }
    }
    buf_release(&all);
    return count;
}

static void release(struct ev *evs, int n)
{
    for (int i = 0; i < n; i++)
        cJSON_Delete(evs[i].data);
}

static struct job_output chunk(const char *run, enum job_stream k, size_t off, const char *p, size_t n)
{
    struct job_output o;
    memset(&o, 0, sizeof(o));
    snprintf(o.id, sizeof(o.id), "%s", ID);
    snprintf(o.run, sizeof(o.run), "%s", run);
    o.stream = k;
    o.offset = off;
    o.data = (char *)p;
    o.len = n;
    return o;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static void test_frames_and_the_end_from_the_result(void)
{
    struct sse *x = sse_new(ID, 1 << 20, NULL);
    struct ev evs[16];
    struct job_output o;
    struct result r;
    int n, comments, ended;

    o = chunk("00000000000000aa", JOB_STDOUT, 0, "hello\n", 6);
    CHECK(sse_chunk(x, &o) == 1);
    o = chunk("00000000000000aa", JOB_STDERR, 0, "\xff\xfe", 2);   /* not UTF-8: base64 */
    CHECK(sse_chunk(x, &o) == 1);
    o = chunk("00000000000000aa", JOB_STDOUT, 0, "hello\n", 6);     /* again: nothing new */
    CHECK(sse_chunk(x, &o) == 0);
    o = chunk("00000000000000aa", JOB_STDOUT, 3, "lo\nwor", 6);     /* overlapping: the new part only */
    CHECK(sse_chunk(x, &o) == 1);
    n = drain(x, evs, 16, &comments, &ended);
    CHECK(n == 3 && !ended && comments == 0);
    CHECK(strcmp(evs[0].event, "stdout") == 0 && strcmp(str(evs[0].data, "text"), "hello\n") == 0);
    CHECK(num(evs[0].data, "offset") == 0 && strcmp(evs[0].id, "6.0") == 0);
    CHECK(strcmp(evs[1].event, "stderr") == 0 && strcmp(str(evs[1].data, "base64"), "//4=") == 0);
    CHECK(strcmp(evs[1].id, "6.2") == 0);
    CHECK(strcmp(evs[2].event, "stdout") == 0 && strcmp(str(evs[2].data, "text"), "wor") == 0);
    CHECK(num(evs[2].data, "offset") == 6 && strcmp(evs[2].id, "9.2") == 0);
    release(evs, n);
    CHECK(sse_read(x, 0, (char[8]){0}, 8) == 0);   /* nothing queued, not ended: wait */

    /* The result brings what the chunks did not: "ld\n" of stdout. */
    result_init(&r);
    snprintf(r.id, sizeof(r.id), "%s", ID);
    r.status = RESULT_COMPLETED;
    r.stdout_data = util_strdup("hello\nworld\n");
    r.stdout_len = 12;
    r.stderr_data = malloc(2);
    memcpy(r.stderr_data, "\xff\xfe", 2);
    r.stderr_len = 2;
    sse_result(x, &r);
    n = drain(x, evs, 16, &comments, &ended);
    CHECK(n == 2 && ended);
    CHECK(strcmp(evs[0].event, "stdout") == 0 && strcmp(str(evs[0].data, "text"), "ld\n") == 0);
    CHECK(num(evs[0].data, "offset") == 9);
    CHECK(strcmp(evs[1].event, "result") == 0 && strcmp(str(evs[1].data, "stdout"), "hello\nworld\n") == 0);
    CHECK(strcmp(str(evs[1].data, "job_id"), ID) == 0 && strcmp(evs[1].id, "12.2") == 0);
    release(evs, n);
    /* Nothing after the end. */
    o = chunk("00000000000000aa", JOB_STDOUT, 12, "late", 4);
    CHECK(sse_chunk(x, &o) == 0);
    sse_end(x, 504, util_strdup("{}"));
    CHECK(sse_read(x, 0, (char[8]){0}, 8) == MHD_CONTENT_READER_END_OF_STREAM);
    result_release(&r);
    sse_unref(x);
}

static void test_a_slow_client_loses_chunks_never_the_end(void)
{
    struct sse *x = sse_new(ID, 64 * 1024, NULL);
    static char big[16384];
    struct ev evs[64];
    struct job_output o;
    size_t off = 0;
    int queued = 0, dropped = 0, n, ended, gap = 0;

    memset(big, 'a', sizeof(big));
    /* The client reads nothing: past the cap, chunks are dropped. */
    for (int i = 0; i < 10; i++, off += sizeof(big)) {
        o = chunk("00000000000000bb", JOB_STDOUT, off, big, sizeof(big));
        if (sse_chunk(x, &o))
            queued++;
        else
            dropped++;
    }
    CHECK(queued >= 2 && queued <= 4 && dropped == 10 - queued);
    n = drain(x, evs, 64, NULL, &ended);
    CHECK(n == queued && !ended);
    release(evs, n);
    /* It caught up: the next chunk comes after a dropped event naming the gap. */
    o = chunk("00000000000000bb", JOB_STDOUT, off, "tail", 4);
    CHECK(sse_chunk(x, &o) == 1);
    n = drain(x, evs, 64, NULL, &ended);
    CHECK(n == 2);
    if (n == 2) {
        CHECK(strcmp(evs[0].event, "dropped") == 0 && strcmp(str(evs[0].data, "stream"), "stdout") == 0);
        CHECK(num(evs[0].data, "offset") == (double)(queued * sizeof(big)));
        gap = (int)num(evs[0].data, "bytes");
        CHECK(gap == (int)(dropped * sizeof(big)));
        {
            char want[48];   /* the dropped event's id counts the gap: the client knows where it stands */
            snprintf(want, sizeof(want), "%zu.0", off);
            CHECK(strcmp(evs[0].id, want) == 0);
        }
        CHECK(strcmp(evs[1].event, "stdout") == 0 && num(evs[1].data, "offset") == (double)off);
    }
    release(evs, n);
    /* The end is never dropped, whatever waits. */
    for (int i = 0; i < 8; i++) {
        o = chunk("00000000000000bb", JOB_STDOUT, off + 4 + i * sizeof(big), big, sizeof(big));
        sse_chunk(x, &o);
    }
    sse_end(x, 504, util_strdup("{\"ok\":false,\"error\":{\"code\":\"no_result\",\"message\":\"m\"}}"));
    n = drain(x, evs, 64, NULL, &ended);
    CHECK(ended && n >= 1 && strcmp(evs[n - 1].event, "error") == 0);
    if (n >= 1) {
        CHECK(num(evs[n - 1].data, "http_status") == 504);
        CHECK(strcmp(str(cJSON_GetObjectItemCaseSensitive(evs[n - 1].data, "error"), "code"), "no_result") == 0);
    }
    release(evs, n);
    sse_unref(x);
}

static void test_a_run_started_over_and_keepalive(void)
{
    struct sse *x = sse_new(ID, 1 << 20, NULL);
    struct ev evs[8];
    struct job_output o;
    int n, comments, ended;

    o = chunk("00000000000000cc", JOB_STDOUT, 0, "first run\n", 10);
    sse_chunk(x, &o);
    o = chunk("00000000000000dd", JOB_STDOUT, 0, "second\n", 7);
    CHECK(sse_chunk(x, &o) == 1);
    n = drain(x, evs, 8, &comments, &ended);
    CHECK(n == 3);
    if (n == 3) {
        CHECK(strcmp(evs[1].event, "restart") == 0 && strcmp(str(evs[1].data, "run"), "00000000000000dd") == 0);
        CHECK(strcmp(evs[1].id, "0.0") == 0);
        CHECK(strcmp(str(evs[2].data, "text"), "second\n") == 0 && num(evs[2].data, "offset") == 0);
    }
    release(evs, n);
    sse_keepalive(x, util_mono_ms(), 60000);   /* not idle yet */
    sse_keepalive(x, util_mono_ms() + 61000, 60000);
    n = drain(x, evs, 8, &comments, &ended);
    CHECK(n == 0 && comments == 1 && !ended);
    sse_unref(x);
}

/* A followed job (follow.c): resumed past a position (Last-Event-ID), its
 * output so far from chunks, its end from the stored result: the rest of
 * stdout (from stdout_base64 when the text is lossy) and stderr, then the
 * result as stored. A stored error ends with an error event and its status. */
static void test_resumed_and_ended_from_a_stored_result(void)
{
    struct sse *x = sse_new(ID, 1 << 20, NULL);
    struct ev evs[8];
    struct job_output o;
    size_t pos[2] = {4, 0};
    int n, ended;

    sse_start_at(x, pos);
    o = chunk("00000000000000ee", JOB_STDOUT, 0, "one\ntwo\n", 8);
    CHECK(sse_chunk(x, &o) == 1);
    sse_pos(x, pos);
    CHECK(pos[0] == 8 && pos[1] == 0);
    sse_result_stored(x, "{\"ok\":true,\"stdout\":\"one\\ntwo\\n\\ufffd\",\"stdout_base64\":\"b25lCnR3bwr/\","
                         "\"stderr\":\"e\"}");
    n = drain(x, evs, 8, NULL, &ended);
    CHECK(n == 4 && ended);
    if (n == 4) {
        CHECK(strcmp(str(evs[0].data, "text"), "two\n") == 0 && num(evs[0].data, "offset") == 4);
        CHECK(strcmp(evs[1].event, "stdout") == 0 && strcmp(str(evs[1].data, "base64"), "/w==") == 0);
        CHECK(strcmp(evs[2].event, "stderr") == 0 && strcmp(str(evs[2].data, "text"), "e") == 0);
        CHECK(strcmp(evs[3].event, "result") == 0 && strcmp(evs[3].id, "9.1") == 0 &&
              strcmp(str(evs[3].data, "stderr"), "e") == 0);
    }
    release(evs, n);
    CHECK(sse_gone(x) == 0);   /* no response: the reader is ours */
    sse_unref(x);

    x = sse_new(ID, 1 << 20, NULL);
    sse_result_stored(x, "{\"ok\":false,\"error\":{\"code\":\"cancelled\",\"message\":\"m\"}}");
    n = drain(x, evs, 8, NULL, &ended);
    CHECK(n == 1 && ended && strcmp(evs[0].event, "error") == 0 && num(evs[0].data, "http_status") == 409);
    release(evs, n);
    sse_unref(x);
}

int main(void)
{
    test_resumed_and_ended_from_a_stored_result();
    test_frames_and_the_end_from_the_result();
    test_a_slow_client_loses_chunks_never_the_end();
    test_a_run_started_over_and_keepalive();
    CHECK_DONE();
}
