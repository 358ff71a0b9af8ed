# group: privilege
# expect: {"stdout_has": "SAFE"}
# setuid-root programs under /usr: nosuid and no_new_privs make them harmless.
import os, subprocess
for prog in (["/usr/bin/su", "-c", "id -u"], ["/usr/bin/sudo", "-n", "id", "-u"], ["/usr/bin/passwd", "-S"],
             ["/usr/bin/newgrp"], ["/usr/bin/mount", "-t", "tmpfs", "x", "/usr"]):
    if not os.path.exists(prog[0]):
        print("SAFE: absent", prog[0])
        continue
    try:
        r = subprocess.run(prog, capture_output=True, text=True, timeout=5, stdin=subprocess.DEVNULL)
        euid_root = r.stdout.strip() == "0"
        print(f"LEAK: {prog[0]} ran as root" if euid_root else f"SAFE: {prog[0]} rc={r.returncode}")
    except (OSError, subprocess.TimeoutExpired) as e:
        print(f"SAFE: {prog[0]}: {e}")
