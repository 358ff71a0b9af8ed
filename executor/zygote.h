/* zygote: the warm Python of warm mode. The launcher starts an embedded
 * CPython configured as `python3 -I -u -B -c` would be, imports the modules
 * jobs use most, and never runs a job's code itself: every job is a fork of
 * it (through jail.c) that runs its code as __main__ and exits. */
#ifndef EXECQ_ZYGOTE_H
#define EXECQ_ZYGOTE_H

#include <stddef.h>

/* Starts the interpreter (program name python, used for sys.executable) and
 * imports the comma-separated modules. Fails if any import fails or if the
 * process then has more than one thread (a fork would copy a lock another
 * thread holds). With no imports (fresh mode's interpreter, which nothing
 * forks from) it only starts the interpreter. Returns 0, or -1 with the reason in errstr. Call once, in
 * the launcher, before any fork. */
int zyg_init(const char *python, const char *imports, char *errstr, size_t errstr_size);

/* In the forked job process, before its job: Python's own after-fork work
 * (thread state, os.register_at_fork hooks) and new seeds for every random
 * generator the zygote imported (random, numpy.random), drawn from the
 * kernel, so no two jobs share a sequence. */
void zyg_after_fork(void);

/* Runs code as `python3 -c` would, in __main__ (the fork's own copy of the
 * zygote's untouched one, so each job's globals start fresh), then exits
 * the process with python3's exit status: 0, 1 on an uncaught exception,
 * SystemExit's code, death by SIGINT on an uncaught KeyboardInterrupt,
 * 120 if finalization fails. */
__attribute__((noreturn)) void zyg_run(const char *code);

#endif
