"""What Kafka transactions would cost each result (issue 22, point 2):
starts a broker (conftest's Cluster, nothing else) and runs
build/txn_bench against it. Prints its table. Asserts nothing."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from conftest import Cluster  # noqa: E402
from bench import TOP  # noqa: E402


def main():
    c = Cluster()
    try:
        c.start_kafka()
        topic = f"bench.{c.tag}.txn"
        subprocess.run(["kcat", "-b", c.brokers, "-L", "-t", topic], capture_output=True, timeout=30)
        out = subprocess.run([os.path.join(TOP, "build", "txn_bench"), c.brokers, topic, f"bench-{c.tag}",
                              os.environ.get("TXN_N", "200")], capture_output=True, text=True, timeout=600)
        sys.stderr.write(out.stderr)
        print("\nKafka transactions for results, concurrency 1 (tests/bench/txn.py)")
        print(out.stdout, end="")
    finally:
        c.shutdown()


if __name__ == "__main__":
    main()
