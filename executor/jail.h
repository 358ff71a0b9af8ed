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

/* The uid the code runs as inside the sandbox. */
#define JAIL_UID 1000

/* The largest code a job may carry (the kernel's limit on one argv string,
 * which fresh mode hands python3). */
#define JAIL_CODE_MAX 131071

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

/* Where a job sees matplotlib's config and font cache (jail_cfg.mpl_dir). */
#define JAIL_MPL_DIR "/etc/matplotlib"

/* What a sandbox is built from; copied into the launcher at its start. */
struct jail_cfg {
    int32_t warm;             /* 1: run jobs in the zygote's interpreter */
    int32_t pids_max;         /* RLIMIT_NPROC, a second line behind pids.max */
    char python[256];         /* fresh mode's interpreter (also warm's sys.executable) */
    char root[300];           /* empty root-owned directory each job's root is mounted on */
    char usr_paths[1024];     /* comma-separated host paths under /usr bound read-only (sbx.c checks them) */
    char mpl_dir[300];        /* host directory of matplotlib's config and font cache, copied into each
                               * sandbox at JAIL_MPL_DIR ("" or missing: none) */
    char dev_dir[300];        /* where the launcher keeps each slot's files (JAIL_DEV_SUBDIR of the sandbox root) */
    /* Per sandbox (the launcher fills them from its request): a job that
     * asks for scratch space or input files gets a sandbox built for it. */
    int32_t scratch_mb;       /* 0: no writable path; N: a private N MiB tmpfs at /tmp with /tmp/out */
    int32_t ninputs;          /* input files that follow on ctl (JAIL_INPUT_*), placed read-only under /input */
    int64_t input_bytes;      /* their size together */
    int32_t slot;             /* whose files (jail_slot_files) the sandbox gets */
};

/* The launcher's own mount namespace holds, at this path (under the
 * sandbox root), a tmpfs with one directory per slot: the host files a
 * sandbox sees, each through a read-only overlay the launcher mounted for
 * that slot, device nodes it made for it, and a copy of matplotlib's
 * config (jail_slot_files). A sandbox binds its slot's, never the host's
 * own inodes, so no inode a job can lock is shared with another slot's,
 * another executor's or the host's processes; a slot's jobs run one after
 * another, and a lock dies with its holder. Built once per slot: a sandbox
 * costs bind mounts only. */
#define JAIL_DEV_SUBDIR "dev"

/* Kernel budgets each sandbox gets (jail.c): queued signals and POSIX timers
 * (RLIMIT_SIGPENDING, counted per user namespace and, above it, against the
 * host root's own budget), TIME_WAIT sockets and queued AF_UNIX datagrams of
 * its network namespace. */
#define JAIL_SIGPENDING 256
#define JAIL_TW_BUCKETS 256
#define JAIL_UNIX_DGRAM_QLEN 16

/* Input files on ctl, after the launcher's 'm', when ninputs > 0: for each,
 * a struct jail_input_hdr, the name (name_len bytes, no NUL) and the data.
 * Then, for any per-job sandbox, init answers on ctl with one byte 'r' once
 * its root is built; with scratch space, the message carries (SCM_RIGHTS)
 * an O_PATH descriptor of the scratch tmpfs's root, which the executor reads
 * /tmp/out through after the job (outfiles.h). */
struct jail_input_hdr {
    uint32_t name_len;        /* 1..255 */
    uint32_t data_len;
};

/* The job message on the control socket: this header, with the job's three
 * stdio descriptors attached (SCM_RIGHTS), then code_len bytes of code. */
struct jail_job_hdr {
    uint32_t code_len;
    uint32_t cpu_limit_s;     /* RLIMIT_CPU of the job process: the kernel's backstop of the timeout */
    uint32_t timeout_ms;      /* warm mode: a kernel timer SIGKILLs the job process then */
};
/* With the header: 4 descriptors (stdin, stdout, stderr, display). */
#define JAIL_JOB_FDS 4

/* Status pipe messages: 'E' + text + '\n' when the set-up failed, or 'S' + an
 * int wait status when the job process ended. */

/* The child of clone(CLONE_NEWUSER|NEWNS|NEWPID|NEWNET|NEWIPC|NEWUTS): it is
 * pid 1 of the job. Needs ctl and status on JAIL_FD_CTL/JAIL_FD_STATUS, ncg
 * task files of the job cgroup from JAIL_FD_CG on, and no other descriptor.
 * JAIL_FD_SELF is the launcher's own binary. Protocol on ctl: 'm' (uid/gid maps written) from the launcher, then the job
 * from the executor. init moves itself into the job cgroup (through the
 * root-opened task files: the kernel checks the opener's credentials) before
 * anything else, so every process of the sandbox is in it from birth. Exits
 * when the job process has ended, or as soon as ctl's other end closes (the
 * executor is gone or dropped the sandbox): the kernel then kills
 * everything left in the PID namespace. Never returns. */
__attribute__((noreturn)) void jail_init(struct jail_cfg *c, const struct filter *f, int ncg);

/* In the launcher (root, its own mount namespace, cwd c->dev_dir): makes
 * slot's files under c->dev_dir if not made yet. Returns 0, or -1 with
 * errno set. */
int jail_slot_files(const struct jail_cfg *c, int slot);

/* Puts ctl, status_w, self_exe and the ncg descriptors of cg on
 * JAIL_FD_CTL, JAIL_FD_STATUS, JAIL_FD_SELF and JAIL_FD_CG.. and closes every other descriptor of the
 * calling process. Call first in the clone child. */
void jail_child_fds(int ctl, int status_w, int self_exe, const int *cg, int ncg);

/* argv[1] of the launcher binary when fresh mode's job process execs it:
 * argv = {"execq-python", JAIL_FRESH_ARG, python, JAIL_MPL_DIR or "", NULL}, the code on fd 3.
 * So the code never travels in argv (where host users see it in ps). */
#define JAIL_FRESH_ARG "--code-fd=3"

#endif
