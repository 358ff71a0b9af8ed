"""AsyncClient against the real stack: the same operations as coroutines,
streams and batch results as async iterators."""
import asyncio

import pytest

import execq

from conftest import ADMIN, KEY, URL

PRINTER = "import time\nfor i in range(3):\n    print(i, flush=True)\n    time.sleep(0.2)\n"


def run(coro):
    return asyncio.run(coro)


def test_exec_stream_and_errors():
    async def main():
        async with execq.AsyncClient(KEY, URL) as c:
            r = await c.exec_python("print(6 * 7)")
            assert r.stdout == "42\n" and r.credits_used == 5
            s = await c.exec_python(PRINTER, stream=True)
            out = "".join([e.text async for e in s if e.event == "stdout"])
            assert out == "0\n1\n2\n" and s.result.stdout == out and s.job_id == s.result.job_id
            with pytest.raises(execq.InvalidTimeout):
                await c.exec_python("1", timeout=0)
            with pytest.raises(execq.NotFound):
                await c.get("00000000-0000-4000-8000-000000000000")
            # many at once: the client is one connection pool
            rs = await asyncio.gather(*(c.exec_python(f"print({i})") for i in range(20)))
            assert [x.stdout for x in rs] == [f"{i}\n" for i in range(20)]
    run(main())


def test_jobs_follow_cancel_and_batches():
    async def main():
        async with execq.AsyncClient(KEY, URL) as c:
            j = await c.submit(PRINTER, stream=True)
            f = c.follow(j.job_id)
            assert "".join([e.text async for e in f if e.event == "stdout"]) == "0\n1\n2\n"
            assert (await f.final()).exit_code == 0
            assert (await c.wait(j.job_id)).stdout == "0\n1\n2\n"
            slow = await c.submit("import time\nprint('up', flush=True)\ntime.sleep(20)", timeout=25)
            while (await c.get(slow.job_id)).status != "running":
                await asyncio.sleep(0.1)
            assert (await c.cancel(slow.job_id)).status == "cancelling"
            assert (await c.wait(slow.job_id, timeout=20)).cancelled
            progress = []
            b = c.run_batch([f"print({i})" for i in range(120)], page_size=50, on_progress=progress.append)
            items = [i async for i in b]
            assert sorted(i.index for i in items) == list(range(120))
            assert all(i.result.stdout == f"{i.index}\n" for i in items)
            assert progress[-1].completed == 120 and len(b.batch_ids) == 3
            page = await c.get_batch(b.batch_ids[0], limit=10)
            assert page.size == 50 and page.next_offset == 10
    run(main())


def test_sessions_and_fork():
    async def main():
        async with execq.AsyncClient(KEY, URL) as c:
            s = await c.signup()
        async with execq.AsyncClient(s.api_key, URL) as c:
            async with await c.session() as sess:
                await sess.exec("state = [1, 2]")
                fork = await sess.fork()
                await fork.exec("state.append(3)")
                assert (await sess.exec("print(state)")).stdout == "[1, 2]\n"
                assert (await fork.exec("print(state)")).stdout == "[1, 2, 3]\n"
                st = await sess.stream("print('a', flush=True)")
                assert "".join([e.text async for e in st]) == "a\n"
                assert {x.session_id for x in await c.sessions()} >= {sess.id, fork.id}
                assert (await fork.info()).state == "open"
                await fork.close()
            with pytest.raises(execq.NotFound):
                await c.get_session(sess.id)
    run(main())


def test_account_keys_health(flaky_proxy):
    async def main():
        async with execq.AsyncClient(KEY, URL) as c:
            s = await c.signup()
            assert (await c.health())["ok"] is True
            assert "execq_" in await c.metrics()
            assert (await c.openapi())["info"]["title"]
            assert any(e.name == "default" for e in await c.envs())
        proxy = flaky_proxy("/v1/exec-python", ["lost_answer", "cut"])
        async with execq.AsyncClient(s.api_key, proxy.url, backoff_s=0.05) as c:
            r = await c.exec_python("print('once')")
            assert r.stdout == "once\n"
            a = await c.account()
            assert a.runs == 1 and a.balance == 495, a     # three attempts, one job, one charge
            k = await c.rotate_key(grace_s=0)
            assert c.api_key == k.api_key and (await c.account()).account_id == s.account_id
    run(main())


@pytest.mark.skipif(not ADMIN, reason="needs EXECQ_ADMIN_TOKEN")
def test_admin():
    async def main():
        async with execq.AsyncClient(KEY, URL, admin_token=ADMIN) as c:
            s = await c.signup()
            adm = c.admin
            await adm.grant(s.account_id, 5, "async sdk test")
            assert (await adm.account(s.account_id))["balance"] == 505
            await adm.set_limits(s.account_id, "async sdk test", max_queued=3)
            await adm.suspend(s.account_id, "async sdk test")
            await adm.reinstate(s.account_id, "async sdk test")
            assert (await adm.usage(s.account_id))["account_id"] == s.account_id
            assert len((await adm.audit(s.account_id))["audit"]) == 4
            k = await adm.new_key(s.account_id, "async sdk test")
            await adm.revoke_keys(s.account_id, "async sdk test")
            assert k["api_key"] != s.api_key
            assert (await adm.accounts(q=s.account_id))["accounts"][0]["account_id"] == s.account_id
    run(main())
