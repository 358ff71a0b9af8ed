"""The host checks of the adversarial suite against a fake cgroup tree and a
fake clock: a group that vanishes between the listing and the read is not a
leftover and crashes nothing (issue 13's flake); a group that stays for the
whole window is always reported; one that comes and goes is not."""
import os

import hostcheck


def make_group(parent, name, tasks):
    os.makedirs(os.path.join(parent, name))
    with open(os.path.join(parent, name, "tasks"), "w") as f:
        f.write("".join(f"{t}\n" for t in tasks))


def test_group_removed_between_listing_and_read(tmp_path, monkeypatch):
    parent = str(tmp_path / "execq-test-x")
    make_group(parent, "x1-slot0-aaaa", [101])
    make_group(parent, "x1-slot1-bbbb", [102])
    victim = os.path.join(parent, "x1-slot0-aaaa")
    real_isdir = os.path.isdir

    def isdir_then_teardown(d):
        there = real_isdir(d)
        if d == victim and there:   # the slot removes its group right after we saw it
            os.remove(os.path.join(victim, "tasks"))
            os.rmdir(victim)
        return there

    monkeypatch.setattr(os.path, "isdir", isdir_then_teardown)
    assert hostcheck.cgroup_tasks(parent) == {"x1-slot1-bbbb": ["102"]}


def test_job_groups_inside_executor_groups(tmp_path):
    parent = str(tmp_path / "execq-test-y")
    make_group(parent, "x1/slot0-aaaa", [101])
    make_group(parent, "x1/slot1-bbbb", [])
    make_group(parent, "x2", [])   # an executor group with no job group: a leaf
    assert hostcheck.cgroup_tasks(parent) == {"x1/slot0-aaaa": ["101"], "x1/slot1-bbbb": [], "x2": []}


def test_missing_parent_is_empty(tmp_path):
    assert hostcheck.cgroup_tasks(str(tmp_path / "none")) == {}


def test_process_gone_between_listing_and_read(tmp_path):
    proc = tmp_path / "proc"
    (proc / "7").mkdir(parents=True)
    (proc / "7" / "status").write_text("Name:\tpython3\nUid:\t400001\t400001\t400001\t400001\nPPid:\t1\n")
    (proc / "8").mkdir()   # listed, but its status is already gone
    got = hostcheck.procs_of_uids(lambda u: 400000 <= u < 400128, proc=str(proc))
    assert got == [("7", 400001, "1")]


class FakeClock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t

    def sleep(self, s):
        self.t += s


def test_settle_reports_what_stays_for_the_window():
    clk = FakeClock()
    looks = []

    def look():
        looks.append(clk.t)
        return ["memory/x1-slot0-left"]

    assert hostcheck.settle(look, 5, 0.1, clock=clk, sleep=clk.sleep) == ["memory/x1-slot0-left"]
    assert clk.t >= 5 and len(looks) > 10


def test_settle_ignores_groups_caught_mid_teardown():
    clk = FakeClock()
    views = iter([["a", "b"], ["b", "c"], ["c"], []])
    assert hostcheck.settle(lambda: next(views), 5, 0.1, clock=clk, sleep=clk.sleep) == []
    assert clk.t < 1   # stopped as soon as nothing stayed


def test_settle_keeps_a_leftover_among_transients():
    clk = FakeClock()
    n = [0]

    def look():
        n[0] += 1
        return ["stays", f"transient-{n[0]}"]

    assert hostcheck.settle(look, 2, 0.1, clock=clk, sleep=clk.sleep) == ["stays"]
