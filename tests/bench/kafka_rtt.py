"""The floor of one Kafka hop on this machine (issue 26): starts a broker
(conftest's Cluster, nothing else) and runs build/kafka_rtt against it, with
execq's producer settings (acks=all, idempotent) and its fetch wait (100
ms), then acks=1 without idempotence and two other fetch waits. Prints its
lines. Asserts nothing."""
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
        out = subprocess.run([os.path.join(TOP, "build", "kafka_rtt"), c.brokers, f"bench.{c.tag}.rtt",
                              os.environ.get("RTT_N", "300"), "all", "true", "100", "1", "false", "100",
                              "all", "true", "10", "all", "true", "100"],
                             capture_output=True, text=True, timeout=600)
        sys.stderr.write(out.stderr)
        print("\n" + out.stdout, end="")
    finally:
        c.shutdown()


if __name__ == "__main__":
    main()
