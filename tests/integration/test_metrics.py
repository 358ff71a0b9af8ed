"""GET /metrics on the API and on each executor (--metrics-addr), parsed
with prometheus_client's own parser (python3-prometheus-client), and the
JSON log format."""
import json
import os
import subprocess
import time
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from conftest import BUILD, free_port


def scrape(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = r.read().decode()
    samples = {}
    families = {}
    for fam in text_string_to_metric_families(text):
        families[fam.name] = fam.type
        for s in fam.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return families, samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_api_metrics_count_jobs_latency_and_credits(cluster, api):
    from test_accounts import signup
    user, _ = signup(api)
    fams, before = scrape(cluster.url + "/metrics")
    for name, kind in (("execq_jobs", "counter"), ("execq_http_request_duration_seconds", "histogram"),
                       ("execq_http_responses", "counter"), ("execq_credits_charged", "counter"),
                       ("execq_credits_refunded", "counter"), ("execq_store_seconds", "histogram"),
                       ("execq_waiting_calls", "gauge"), ("execq_waiting_gets", "gauge"),
                       ("execq_kafka_producer_queue_messages", "gauge"), ("execq_kafka_up", "gauge"),
                       ("execq_held_jobs", "gauge")):
        assert fams.get(name) == kind, (name, fams.get(name))
    assert value(before, "execq_kafka_up") == 1
    for code in ("print(1)", "import time\ntime.sleep(5)"):
        status, body = user.run(code, timeout=0.5)
        assert status == 200, body
    status, _ = user.request("POST", "/v1/exec-python", {"code": 1})   # a 400
    assert status == 400
    # Results are counted when stored, just after the answers: wait for them.
    deadline = time.time() + 20
    while time.time() < deadline:
        _, after = scrape(cluster.url + "/metrics")
        if (value(after, "execq_jobs_total", outcome="completed") >= value(before, "execq_jobs_total", outcome="completed") + 1
                and value(after, "execq_jobs_total", outcome="timed_out") >= value(before, "execq_jobs_total", outcome="timed_out") + 1):
            break
        time.sleep(0.2)
    assert value(after, "execq_jobs_total", outcome="completed") >= value(before, "execq_jobs_total", outcome="completed") + 1
    assert value(after, "execq_jobs_total", outcome="timed_out") >= value(before, "execq_jobs_total", outcome="timed_out") + 1
    assert value(after, "execq_credits_charged_total") >= value(before, "execq_credits_charged_total") + 10
    route = "exec-python"
    assert (value(after, "execq_http_request_duration_seconds_count", route=route)
            >= value(before, "execq_http_request_duration_seconds_count", route=route) + 3)
    assert (value(after, "execq_http_responses_total", route=route, code="400")
            >= value(before, "execq_http_responses_total", route=route, code="400") + 1)
    # The +Inf bucket is the count, and buckets only grow.
    assert (value(after, "execq_http_request_duration_seconds_bucket", route=route, le="+Inf")
            == value(after, "execq_http_request_duration_seconds_count", route=route))
    assert value(after, "execq_store_seconds_count", op="accept") > 0
    # No key needed, and nothing of any account in it.
    assert api.key not in urllib.request.urlopen(cluster.url + "/metrics").read().decode()


def test_executor_metrics(cluster, api):
    status, body = api.run("print(2)")
    assert status == 200, body
    total = {}
    for name, addr in cluster.metrics.items():
        if name not in cluster.procs:
            continue
        fams, s = scrape(f"http://{addr}/metrics")
        for fam, kind in (("execq_executor_jobs", "counter"), ("execq_executor_queue_wait_seconds", "histogram"),
                          ("execq_executor_run_seconds", "histogram"),
                          ("execq_executor_sandbox_prepare_seconds", "histogram"),
                          ("execq_executor_sandbox_failures", "counter"), ("execq_executor_slots", "gauge"),
                          ("execq_executor_busy_slots", "gauge"), ("execq_kafka_producer_queue_messages", "gauge"),
                          ("execq_executor_consumer_lag_messages", "gauge")):
            assert fams.get(fam) == kind, (name, fam)
        assert value(s, "execq_executor_slots") == 2
        total[name] = value(s, "execq_executor_jobs_total", outcome="completed")
        assert value(s, "execq_executor_run_seconds_count") <= value(s, "execq_executor_queue_wait_seconds_count")
        # Only /metrics is served there.
        try:
            urllib.request.urlopen(f"http://{addr}/other", timeout=5)
            raise AssertionError("served a path other than /metrics")
        except urllib.error.HTTPError as e:
            assert e.code == 404
    assert sum(total.values()) >= 1, total


def test_json_logs_carry_the_fields_of_the_text_lines(cluster, api):
    port = free_port()
    extra_db = os.path.join(cluster.dir, "jsonlog.db")
    env = dict(cluster.env, EXECQ_DB_PATH=extra_db, EXECQ_API_GROUP_ID=cluster.env["EXECQ_API_GROUP_ID"] + "-json")
    url = cluster.start_api("api-json", port=port, extra=("--log-format=json",), env=env)
    try:
        status, body = api.__class__(url, api.key).run("print(3)")
        assert status == 200, body
    finally:
        p = cluster.procs.pop("api-json")
        p.terminate()
        p.wait(timeout=30)
    lines = [l for l in cluster.log("api-json").splitlines() if l.strip()]
    objs = [json.loads(l) for l in lines]   # every line is JSON
    assert all({"ts", "level", "prog", "msg"} <= set(o) for o in objs)
    assert any(o["msg"].startswith("listening on") for o in objs)
    # A wrong format is refused at start, named.
    r = subprocess.run([os.path.join(BUILD, "execq-api"), "--log-format=yaml"], capture_output=True, text=True,
                       env=env, timeout=30)
    assert r.returncode != 0 and "log-format" in r.stderr, r.stderr
