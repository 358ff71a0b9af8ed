/* log: one line per event on stderr, "ts level prog: message".
 * A level check comes before any formatting, so disabled levels cost a compare. */
#ifndef EXECQ_LOG_H
#define EXECQ_LOG_H

#include <syslog.h>   /* LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG */

extern int log_level;  /* messages above this level are dropped; set once at start */

/* Sets the program name printed on every line; prog must outlive the program. */
void log_init(const char *prog, int level);

/* 1: each line a JSON object instead ({"ts","level","prog","msg"}, plus
 * every key=value token of the message as a field: job, slot, outcome,
 * exit, ran_ms, queued_ms...; numbers as numbers). Set once at start. */
void log_set_json(int on);

/* Parses "error", "warning", "info" or "debug"; returns the level or -1. */
int log_level_parse(const char *name);

void log_write(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_msg(level, ...)                                                    \
    do {                                                                       \
        if ((level) <= log_level)                                              \
            log_write((level), __VA_ARGS__);                                   \
    } while (0)

#endif
