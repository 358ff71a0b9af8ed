# group: privilege
# expect: {"stdout_has": "SAFE"}
import fcntl, os, termios
for fd in (0, 1, 2):
    try:
        fcntl.ioctl(fd, termios.TIOCSTI, b"x")
        print("LEAK: TIOCSTI on", fd)
    except OSError as e:
        print(f"SAFE: TIOCSTI {fd}: {e.strerror}")
try:
    os.open("/dev/tty", os.O_RDWR)
    print("LEAK: has a terminal")
except OSError as e:
    print(f"SAFE: no tty: {e.strerror}")
