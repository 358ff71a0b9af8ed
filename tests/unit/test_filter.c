/* Unit tests of executor/filter.c: a child loads the filter and every
 * refused call answers with the documented errno. (Only refused calls are
 * made, so this is safe outside a sandbox.) */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "filter.h"

/* Each probe returns 1 if refused as expected. */
static int probe(int which)
{
    errno = 0;
    switch (which) {
    case 0: return unshare(CLONE_NEWUSER) < 0 && errno == EPERM;
    case 1: return socket(AF_PACKET, SOCK_RAW, 0) < 0 && errno == EAFNOSUPPORT;
    case 2: return socket(40 /* AF_VSOCK */, SOCK_STREAM, 0) < 0 && errno == EAFNOSUPPORT;
    case 3: return syscall(SYS_clone3, NULL, 0) < 0 && errno == ENOSYS;
    case 4: return ptrace(PTRACE_TRACEME, 0, 0, 0) < 0 && errno == EPERM;
    case 5: return syscall(SYS_bpf, 0, NULL, 0) < 0 && errno == EPERM;
    case 6: return syscall(SYS_io_uring_setup, 1, NULL) < 0 && errno == EPERM;
    case 7: return syscall(SYS_keyctl, 0, 0, 0, 0, 0) < 0 && errno == EPERM;
    case 8: return ioctl(0, TIOCSTI, "x") < 0 && errno == EPERM;
    case 9: return syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0) < 0 && errno == EPERM;
    case 10: return syscall(SYS_userfaultfd, 0) < 0 && errno == EPERM;
    case 11: { int s = socket(AF_INET, SOCK_STREAM, 0); if (s >= 0) close(s); return s >= 0; }  /* allowed */
    case 12: { int s = socket(AF_UNIX, SOCK_STREAM, 0); if (s >= 0) close(s); return s >= 0; }  /* allowed */
    }
    return 0;
}

int main(void)
{
    struct filter f;
    char err[200];

    CHECK(filter_build(&f, err, sizeof(err)) == 0);
    CHECK(f.len > 20);
    for (int which = 0; which <= 12; which++) {
        pid_t pid = fork();
        int st = 0;
        if (pid == 0) {
            if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || filter_load(&f) < 0)
                _exit(2);
            _exit(probe(which) ? 0 : 1);
        }
        waitpid(pid, &st, 0);
        if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
            fprintf(stderr, "probe %d: status %d\n", which, st);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    /* An x32 syscall (number | 0x40000000): the filter must not let the
     * other ABI through; the process dies by SIGSYS. */
    {
        pid_t pid = fork();
        int st = 0;
        if (pid == 0) {
            if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || filter_load(&f) < 0)
                _exit(2);
            syscall(0x40000000 | SYS_getpid);
            _exit(0);
        }
        waitpid(pid, &st, 0);
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
    }
    filter_release(&f);
    CHECK_DONE();
}
