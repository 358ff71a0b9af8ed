# group: resources
# expect: {"stdout_has": "SAFE"}
# Leaves 40 unreaped children and exits: init reaps them, nothing lingers.
import os
for _ in range(40):
    if os.fork() == 0:
        os._exit(0)
print("SAFE: exiting with zombies")
