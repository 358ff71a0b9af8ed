# group: privilege
# expect: {"stdout_has": "SAFE", "lines_safe": 36}
# The seccomp filter is an allow-list: system calls newer than it (listmount,
# statmount, the *xattrat family, file_getattr, lsm_*, mseal, cachestat, ...)
# and old ones no job needs (modify_ldt, AIO, inotify, SysV IPC) never reach
# the kernel. Called with invalid arguments, the kernel would answer EBADF,
# EINVAL or EFAULT; the filter answers ENOSYS (unknown) or EPERM (named).
import ctypes, errno, os, socket
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
canaries = {"openat2": 437, "process_madvise": 440, "quotactl_fd": 443, "landlock_create_ruleset": 444,
            "landlock_add_rule": 445, "landlock_restrict_self": 446, "memfd_secret": 447,
            "process_mrelease": 448, "futex_waitv": 449, "set_mempolicy_home_node": 450, "cachestat": 451,
            "fchmodat2": 452, "map_shadow_stack": 453, "futex_wake": 454, "futex_wait": 455,
            "futex_requeue": 456, "statmount": 457, "listmount": 458, "lsm_get_self_attr": 459,
            "lsm_set_self_attr": 460, "lsm_list_modules": 461, "mseal": 462, "setxattrat": 463,
            "getxattrat": 464, "listxattrat": 465, "removexattrat": 466, "open_tree_attr": 467,
            "file_getattr": 468, "file_setattr": 469}
named = {"modify_ldt": 154, "io_setup": 206, "inotify_init1": 294, "shmget": 29, "msgget": 68,
         "semget": 64, "mq_open": 240}
minus1 = [ctypes.c_long(-1)] * 6
for name, nr in canaries.items():
    r = libc.syscall(ctypes.c_long(nr), *minus1)
    e = ctypes.get_errno()
    print(f"SAFE: {name}: ENOSYS" if r == -1 and e == errno.ENOSYS else f"LEAK: {name} answered {r} {errno.errorcode.get(e)}")
for name, nr in named.items():
    r = libc.syscall(ctypes.c_long(nr), *minus1)
    e = ctypes.get_errno()
    print(f"SAFE: {name}: EPERM" if r == -1 and e == errno.EPERM else f"LEAK: {name} answered {r} {errno.errorcode.get(e)}")
# Netlink: only NETLINK_ROUTE (interfaces, addresses) is a job's business.
for proto, pname in ((9, "NETLINK_AUDIT"), (15, "NETLINK_KOBJECT_UEVENT"), (12, "NETLINK_NETFILTER"),
                     (6, "NETLINK_XFRM"), (4, "NETLINK_SOCK_DIAG")):
    try:
        socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, proto).close()
        print(f"LEAK: netlink {pname} opened")
    except OSError as e:
        print(f"SAFE: netlink {pname}: {errno.errorcode.get(e.errno)}")
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)   # NETLINK_ROUTE stays usable
s.close()
print("route ok", [n for _, n in socket.if_nameindex()])
