# group: filesystem
# expect: {"stdout_has": "SAFE"}
# No writable path means no POSIX shared memory either.
try:
    import multiprocessing
    multiprocessing.Semaphore()
    print("LEAK: posix semaphore created")
except (OSError, ImportError) as e:
    print(f"SAFE: semaphore: {e}")
