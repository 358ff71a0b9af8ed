"""Host checks that look at things which come and go while they look.

A slot tears down its last sandbox and builds the next one right after it
answers, so a listing of /proc or of a cgroup directory can name a process
or group that is gone by the time its files are read. That is no leftover:
every reader here treats a vanished entry as absent. And a leftover is only
what stays: settle() reports an entry only if every look during the window
saw it, so a group caught once mid-teardown never fails a test, while one
that outlives the window always does."""
import glob
import os
import time

# The unified hierarchy at /sys/fs/cgroup: the guest of make test-cgroup2
# (this machine runs v1).
CGROUP_V2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")


def read_text(path):
    """The file's text, or None if it (or its directory) vanished."""
    try:
        with open(path) as f:
            return f.read()
    except (FileNotFoundError, ProcessLookupError, NotADirectoryError):
        return None


def proc_status(pid, proc="/proc"):
    """{field: value} of /proc/PID/status, or None if the process is gone."""
    text = read_text(os.path.join(proc, str(pid), "status"))
    if text is None:
        return None
    return dict((k, v.strip()) for k, v in (l.split(":", 1) for l in text.splitlines() if ":" in l))


def procs_of_uids(in_range, proc="/proc"):
    """(pid, uid, ppid) of every process whose real uid satisfies in_range(uid)."""
    out = []
    for d in glob.glob(os.path.join(proc, "[0-9]*")):
        st = proc_status(os.path.basename(d), proc)
        if not st or "Uid" not in st:
            continue
        uid = int(st["Uid"].split()[0])
        if in_range(uid):
            out.append((os.path.basename(d), uid, st.get("PPid", "")))
    return out


def cgroup_tasks(parent_dir):
    """{group path: [task pids]} of the leaf groups under parent_dir (an
    executor's group x<pid> holds its job groups: "x<pid>/slot0-..."; an
    executor group with no job group is a leaf too). A group removed while
    we look is left out (it is gone, not left over)."""
    groups = {}

    def subdirs(d):
        try:
            return [n for n in os.listdir(d) if os.path.isdir(os.path.join(d, n))]
        except (FileNotFoundError, NotADirectoryError):
            return None

    def walk(d, prefix):
        names = subdirs(d)
        for n in names or []:
            sub = os.path.join(d, n)
            children = subdirs(sub)
            if children is None:
                continue   # removed while we looked
            if children:
                walk(sub, prefix + n + "/")
                continue
            tasks = read_text(os.path.join(sub, "tasks"))
            if tasks is None:
                tasks = read_text(os.path.join(sub, "cgroup.procs"))   # cgroup v2
            if tasks is None:
                continue
            groups[prefix + n] = tasks.split()

    walk(parent_dir, "")
    return groups


def settle(look, window_s=5.0, interval_s=0.1, clock=time.monotonic, sleep=time.sleep):
    """Calls look() (which returns a list of hashable findings) until a look
    finds nothing (returns []) or window_s has passed. Returns the findings
    that every look saw: what stayed for the whole window."""
    deadline = clock() + window_s
    stayed = None
    while True:
        found = look()
        stayed = set(found) if stayed is None else stayed & set(found)
        if not stayed:
            return []
        if clock() >= deadline:
            return sorted(stayed)
        sleep(interval_s)
