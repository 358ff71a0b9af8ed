# group: filesystem
# expect: {"stdout_has": "SAFE", "lines_safe": 14}
# A job sees only the parts of /usr its interpreter needs (cfg sandbox-paths):
# not the host's own tools, toolchains, configuration or sources. Before,
# all of the host's /usr was bound, /usr/local and /usr/src included.
# In a job of an environment (issue 27), /usr/local is that environment's
# virtual environment, read-only, and nothing of the host's /usr/local.
import os
env = os.path.exists("/usr/local/execq-env.json")
for p in ("/usr/local", "/usr/src", "/usr/include", "/usr/sbin", "/usr/games", "/usr/share/doc",
          "/usr/bin/gcc", "/usr/bin/cc", "/usr/bin/sudo", "/usr/bin/apt-get", "/usr/bin/sh", "/usr/lib/jvm",
          "/usr/lib/gcc", "/usr/libexec"):
    if p == "/usr/local" and env:
        have = sorted(os.listdir(p))
        ok = have == ["bin", "execq-env.json", "include", "lib", "lib64", "pyvenv.cfg"]
        print("SAFE: /usr/local is the environment" if ok else f"LEAK: /usr/local holds {have}")
        continue
    print(f"LEAK: {p} is visible" if os.path.lexists(p) else f"SAFE: no {p}")
print(sorted(os.listdir("/usr")), sorted(os.listdir("/usr/bin")))
