/* jail: what runs inside one new sandbox, from clone() to the job's code.
 * pid 1 (init) builds the read-only root, drops every capability and then
 * only reaps; pid 2 drops to the job's uid and waits for its one job, then
 * runs it: fresh mode execve()s python3, warm mode runs it in the zygote's
 * interpreter it was forked with (zygote.h). Both run in children of the
 * single-threaded launcher (launcher_main.c), never of the executor. */
#ifndef EXECQ_JAIL_H
#define EXECQ_JAIL_H

#include <stdint.h>

#include "filter.h"
#include "launcher_proto.h"

/* The uid the code runs as inside the sandbox. */
#define JAIL_UID 1000

/* Descriptors of init and the job process until the job arrives. */
#define JAIL_FD_CTL    3   /* control socket from the executor */
#define JAIL_FD_STATUS 4   /* status pipe to the executor */
#define JAIL_FD_SELF   5   /* the launcher's binary (O_PATH): fresh mode's job process execs it */
#define JAIL_FD_CG     6   /* 6.. : the job cgroup's task files, opened by the launcher (root) */
#define JAIL_MAX_CG    5

/* The job's own descriptor for figures (zygote.h's display protocol): the
 * write end of a pipe the executor reads, like stdout. */
#define JAIL_FD_DISPLAY 9
#define JAIL_FD_DISPLAY_STR "9"

/* Between jail_spawn and the job process, and into the exec'd init. */
#define JAIL_FD_GO     11  /* a socket: the job process says 'r' (done with the host's /proc), init 'g' (the root is built) */
#define JAIL_FD_GO_W   12  /* init's end */
#define JAIL_FD_CFG    13  /* init's configuration (jail_init_main) */

/* A region of the launcher's memory the job process wipes in its copy. */
struct jail_wipe {
    void *p;
    size_t n;
};

/* The child of clone(CLONE_VM|CLONE_VFORK|CLONE_NEWUSER|NEWNS|NEWPID|NEWNET|
 * NEWIPC|NEWUTS), on a stack of its own, sharing the launcher's memory
 * while the launcher waits: it is pid 1 of the job. It forks the job process
 * (pid 2, a copy of the launcher: in warm mode, of the zygote), then execs
 * the launcher's binary as init (jail_init_main), so init never holds a copy
 * of the launcher's memory: one copy of the zygote per job, not two. Without
 * exec_init (fresh mode, whose launcher is small: a fork of it costs less
 * than an exec) the child is a plain clone, a copy, and goes on as init,
 * which forks the job process once the root is built.
 * Needs ctl and status on JAIL_FD_CTL/JAIL_FD_STATUS, ncg task files of the
 * job cgroup from JAIL_FD_CG on, JAIL_FD_SELF (the launcher's binary) and no
 * other descriptor. Protocol on ctl: 'm' (uid/gid maps written) from the
 * launcher, then the job from the executor. init and the job process each
 * move themselves into the job cgroup (through the root-opened task files:
 * the kernel checks the opener's credentials) before anything else. The job
 * process wipes w in its copy and waits for init's go on JAIL_FD_GO. init
 * exits when the job process has ended, or as soon as ctl's other end closes
 * (the executor is gone or dropped the sandbox): the kernel then kills
 * everything left in the PID namespace. Never returns. */
__attribute__((noreturn)) void jail_spawn(struct jail_cfg *c, const struct filter *f, int ncg,
                                          const struct jail_wipe *w, int nw, int exec_init);

/* The launcher binary's main() when it is pid 1 (jail_spawn's exec): init,
 * with its configuration read from JAIL_FD_CFG. Never returns. */
__attribute__((noreturn)) void jail_init_main(void);

/* In the launcher (root, its own mount namespace, cwd c->dev_dir): makes
 * slot's files under c->dev_dir if not made yet. Returns 0, or -1 with
 * errno set. */
int jail_slot_files(const struct jail_cfg *c, int slot);

/* Puts ctl, status_w, self_exe and the ncg descriptors of cg on
 * JAIL_FD_CTL, JAIL_FD_STATUS, JAIL_FD_SELF and JAIL_FD_CG.. and closes every other descriptor of the
 * calling process. Call first in the clone child. */
void jail_child_fds(int ctl, int status_w, int self_exe, const int *cg, int ncg);

/* argv[1] of the launcher binary when fresh mode's job process execs it:
 * argv = {"execq-python", JAIL_FRESH_ARG, python, JAIL_MPL_DIR or "", env_site or "", NULL}, the code on fd 3.
 * So the code never travels in argv (where host users see it in ps). */
#define JAIL_FRESH_ARG "--code-fd=3"
/* The same for a session's job process: ctl on fd 3 (JAIL_FD_CTL), and
 * execs come on it (jail_session_serve). */
#define JAIL_SESSION_ARG "--session-fd=3"

/* A session's job process, its interpreter ready (warm: the zygote's fork
 * after zyg_after_fork; fresh: the exec'd interpreter after zyg_init):
 * takes execs on ctl one after another, runs each with zyg_exec and
 * answers each with a jail_exec_end (launcher_proto.h). Leaves when ctl
 * closes. Never returns. */
__attribute__((noreturn)) void jail_session_serve(int ctl);

#endif
