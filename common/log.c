/* log: stderr logging with a cheap level check (see log.h). One write(2) per
 * line so lines of concurrent threads never interleave. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

int log_level = LOG_INFO;
static const char *log_prog = "execq";
static int log_json;

void log_set_json(int on)
{
    log_json = on;
}

/* Appends s to out at *n as the inside of a JSON string (RFC 8259 escapes). */
static void json_str(char *out, size_t size, int *n, const char *s, size_t len)
{
    for (size_t i = 0; i < len && *n < (int)size - 8; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\')
            *n += snprintf(out + *n, size - (size_t)*n, "\\%c", ch);
        else if (ch < 0x20)
            *n += snprintf(out + *n, size - (size_t)*n, "\\u%04x", ch);
        else
            out[(*n)++] = (char)ch;
    }
}

/* 1 if s[0..len) is a JSON number as written by %d/%ld (an optional minus, digits). */
static int is_int(const char *s, size_t len)
{
    size_t i = s[0] == '-';
    if (len <= i || len - i > 18)
        return 0;
    for (; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* The JSON line of one message: the fixed fields, then its key=value tokens. */
static int json_line(char *out, size_t size, const char *ts, const char *tag, const char *msg)
{
    int n = snprintf(out, size, "{\"ts\":\"%s\",\"level\":\"%s\",\"prog\":\"%s\",\"msg\":\"", ts, tag, log_prog);

    json_str(out, size, &n, msg, strlen(msg));
    n += snprintf(out + n, size - (size_t)n, "\"");
    for (const char *p = msg; *p && n < (int)size - 64;) {
        size_t klen = strspn(p, "abcdefghijklmnopqrstuvwxyz_"), vlen;
        if (klen == 0 || p[klen] != '=' || (p != msg && p[-1] != ' ')) {
            p += klen ? klen : 1;
            continue;
        }
        vlen = strcspn(p + klen + 1, " ,;");
        if (vlen && (klen != 3 || strncmp(p, "msg", 3) != 0) && (klen != 2 || strncmp(p, "ts", 2) != 0)) {
            n += snprintf(out + n, size - (size_t)n, ",\"%.*s\":", (int)klen, p);
            if (is_int(p + klen + 1, vlen)) {
                n += snprintf(out + n, size - (size_t)n, "%.*s", (int)vlen, p + klen + 1);
            } else {
                out[n++] = '"';
                json_str(out, size, &n, p + klen + 1, vlen);
                out[n++] = '"';
            }
        }
        p += klen + 1 + vlen;
    }
    n += snprintf(out + n, size - (size_t)n, "}");
    return n;
}

void log_init(const char *prog, int level)
{
    log_prog = prog;
    log_level = level;
}

int log_level_parse(const char *name)
{
    static const struct { const char *name; int level; } names[] = {
        {"error", LOG_ERR}, {"warning", LOG_WARNING}, {"info", LOG_INFO}, {"debug", LOG_DEBUG},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcasecmp(name, names[i].name) == 0)
            return names[i].level;
    return -1;
}

void log_write(int level, const char *fmt, ...)
{
    static const char *tags[] = {"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug"};
    char line[2048], msg[1536], when[64];
    struct timespec ts;
    struct tm tm;
    va_list ap;
    int n;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (log_json)
        n = json_line(line, sizeof(line) - 2, when, tags[level & 7], msg);
    else
        n = snprintf(line, sizeof(line), "%s %s %s: %s", when, tags[level & 7], log_prog, msg);
    if (n > (int)sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    if (write(STDERR_FILENO, line, (size_t)n) < 0) {
        /* nowhere left to report it */
    }
}
