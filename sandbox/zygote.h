/* zygote: the warm Python of warm mode. The launcher starts an embedded
 * CPython configured as `python3 -I -u -B -c` would be, imports the modules
 * jobs use most, and never runs a job's code itself: every job is a fork of
 * it (through jail.c) that runs its code as __main__ and exits. */
#ifndef EXECQ_ZYGOTE_H
#define EXECQ_ZYGOTE_H

#include <stddef.h>

/* Display: figures come back with the result the way Jupyter returns
 * display data. Every job's interpreter has matplotlib's backend set to
 * module://_execq_display (Agg drawing; plt.show() sends each open figure
 * as a PNG and closes it, and figures still open when the code ends are
 * sent then). Images go to JAIL_FD_DISPLAY as "EXQIMG <mime> <len>" and a
 * newline, then len bytes, on a pipe the executor caps like stdout
 * (outfiles.h parses it). mpl_dir is matplotlib's config and font cache
 * directory the imports use (the zygote's is the host's, writable;
 * job_mpl_dir is where jobs see it, MPLCONFIGDIR once the imports are
 * done), read-only in the sandbox: the interpreter lets matplotlib's
 * import take it as its own (it would otherwise insist on a writable one,
 * which a job without scratch space does not have). */

/* Starts the interpreter (program name python, used for sys.executable),
 * sets up the display above, and imports the comma-separated modules. Fails if any import fails or if the
 * process then has more than one thread (a fork would copy a lock another
 * thread holds). With no imports (fresh mode's interpreter, which nothing
 * forks from) it only starts the interpreter. Returns 0, or -1 with the reason in errstr. Call once, in
 * the launcher, before any fork. */
int zyg_init(const char *python, const char *site, int site_later_pth, const char *imports, const char *mpl_dir,
             const char *job_mpl_dir, int huge, long *huge_kib, char *errstr, size_t errstr_size);
/* site: an environment's site-packages directory ("" for the default
 * interpreter), put on sys.path ahead of the host's dist-packages, with
 * its .pth files read (site.addsitedir: a .pth line may run code).
 * site_later_pth: an environment none of whose code may run outside a
 * sandbox (a job's own requirements): only the directory goes on sys.path
 * here, and zyg_after_fork reads its .pth files in the job process. */
/* huge: after the imports, back the warm interpreter's anonymous memory
 * with 2 MiB pages where the kernel can (MADV_COLLAPSE), so that each job's
 * fork and exit walk far fewer page-table entries; *huge_kib gets how much. */

/* In the forked job process, before its job: Python's own after-fork work
 * (thread state, os.register_at_fork hooks) and new seeds for every random
 * generator the zygote imported (random, numpy.random), drawn from the
 * kernel, so no two jobs share a sequence. */
void zyg_after_fork(int scratch);   /* scratch: HOME and TMPDIR are /tmp in os.environ */

/* Runs code as `python3 -c` would, in __main__ (the fork's own copy of the
 * zygote's untouched one, so each job's globals start fresh), then exits
 * the process with python3's exit status: 0, 1 on an uncaught exception,
 * SystemExit's code, death by SIGINT on an uncaught KeyboardInterrupt,
 * 120 if finalization fails. Figures still open at the end are displayed. */
__attribute__((noreturn)) void zyg_run(const char *code);

/* A session's exec: runs code in the same __main__ as the execs before it
 * (globals, imports, open files and threads stay; interactive: one
 * statement compiled as python3's prompt does, an expression's value
 * printed by sys.displayhook), displays the figures
 * left open, flushes stdout and stderr and gives stdin a fresh reader.
 * Returns the exit status python3 would have (0, 1 on an uncaught
 * exception, KeyboardInterrupt included, SystemExit's code); the process
 * and the interpreter go on. */
int zyg_exec(const char *code, int interactive);

/* A session's fork: fork(2) with Python's before- and after-fork work and,
 * in the child, zyg_after_fork's new seeds. Returns as fork does. */
#include <sys/types.h>
pid_t zyg_fork(int scratch);

#endif
