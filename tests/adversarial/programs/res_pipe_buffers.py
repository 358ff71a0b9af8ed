# group: resources
# request: {"memory_mb": 64}
# expect: {"memory_exceeded": true}
# Pipe buffers are kernel memory too: 120 pipes of 1 MiB each (pipe-max-size)
# filled to the brim would hold 120 MiB; they are charged to the job's memory
# limit, so the job ends at its 64 MiB, not the host.
import fcntl, os
pipes = []
for _ in range(120):
    r, w = os.pipe()
    fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 1 << 20)
    os.set_blocking(w, False)
    try:
        while True:
            os.write(w, b"z" * 65536)
    except BlockingIOError:
        pass
    pipes.append((r, w))
print("LEAK: 120 MiB of pipe buffers held within a 64 MiB limit")
