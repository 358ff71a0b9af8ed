# group: filesystem
# expect: {"stdout_has": "SAFE"}
# Reads host secrets: /etc/shadow, ssh keys, root's home; /etc/passwd is ours.
import os
for p in ("/etc/shadow", "/etc/gshadow", "/root/.ssh/id_rsa", "/etc/ssh/ssh_host_rsa_key", "/root/.bash_history",
          "/etc/sudoers", "/var/lib/dpkg/status"):
    try:
        open(p).read()
        print("LEAK: read", p)
    except OSError as e:
        print(f"SAFE: {p}: {e.strerror}")
users = [l.split(":")[0] for l in open("/etc/passwd")]
print("SAFE: passwd is the sandbox's" if users == ["root", "sandbox"] else f"LEAK: passwd {users}")
