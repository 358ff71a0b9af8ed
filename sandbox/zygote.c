/* zygote: an embedded CPython, warmed once and forked per job (see zygote.h).
 * Ideas taken: Android's zygote (preload in one process, fork per app and
 * specialise the child), CPython's multiprocessing forkserver (a clean
 * process forks workers on request, never the busy parent) and Instagram's
 * gc.freeze() (objects made before the fork are left alone by the
 * collector, so children do not copy their pages). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "zygote.h"

#include "jail.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The reason of the pending Python exception, into errstr; clears it. */
static void py_error(const char *what, char *errstr, size_t errstr_size)
{
    PyObject *type, *value, *tb, *s;

    PyErr_Fetch(&type, &value, &tb);
    s = value ? PyObject_Str(value) : NULL;
    snprintf(errstr, errstr_size, "%s: %s", what, s && PyUnicode_Check(s) ? PyUnicode_AsUTF8(s) : "unknown error");
    Py_XDECREF(s);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    PyErr_Clear();
}

static int count_threads(void)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* Runs a snippet in a scratch namespace (never __main__'s). Returns 0, or
 * -1 with the Python exception pending. */
static int run_private(const char *src)
{
    PyObject *g = PyDict_New(), *r = NULL;

    if (g && PyDict_SetItemString(g, "__builtins__", PyEval_GetBuiltins()) == 0)
        r = PyRun_String(src, Py_file_input, g, g);
    Py_XDECREF(g);
    if (!r)
        return -1;
    Py_DECREF(r);
    return 0;
}

/* The display (zygote.h), in Python: a finder that serves the backend
 * module _execq_display, and wraps matplotlib's import so that its config
 * directory (MPLCONFIGDIR as the import finds it: the host's writable one in
 * the zygote, the read-only /etc/matplotlib in a job) passes its
 * writability check. Run in a private
 * namespace with _dir set; leaves the finder on sys.meta_path. */
static const char display_src[] =
    "import os, sys, importlib.machinery\n"
    "os.environ['MPLBACKEND'] = 'module://_execq_display'\n"
    "if _dir:\n"
    "    os.environ['MPLCONFIGDIR'] = _dir\n"
    "_SRC = '''\n"
    "import io as _io, os as _os\n"
    "from matplotlib.backends.backend_agg import FigureCanvasAgg as FigureCanvas\n"
    "from matplotlib.backend_bases import FigureManagerBase as FigureManager\n"
    "def _emit(data, mime='image/png'):\n"
    "    view = memoryview(b'EXQIMG %s %d\\\\n' % (mime.encode(), len(data)) + data)\n"
    "    while view:\n"
    "        try:\n"
    "            n = _os.write(" JAIL_FD_DISPLAY_STR ", view)\n"
    "        except InterruptedError:\n"
    "            continue\n"
    "        except OSError:\n"
    "            return\n"
    "        view = view[n:]\n"
    "def flush_figures():\n"
    "    from matplotlib._pylab_helpers import Gcf\n"
    "    for m in Gcf.get_all_fig_managers():\n"
    "        b = _io.BytesIO()\n"
    "        m.canvas.figure.savefig(b, format='png', bbox_inches='tight')\n"
    "        _emit(b.getvalue())\n"
    "def show(*args, **kwargs):\n"
    "    import matplotlib.pyplot as plt\n"
    "    flush_figures()\n"
    "    plt.close('all')\n"
    "'''\n"
    "class _ExecqDisplay:   # a finder and loader (importlib.abc would cost 15 ms a start)\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name == '_execq_display':\n"
    "            return importlib.machinery.ModuleSpec(name, self)\n"
    "        if name != 'matplotlib' or not _dir:\n"
    "            return None\n"
    "        spec = None\n"
    "        for f in sys.meta_path:\n"
    "            if f is not self and hasattr(f, 'find_spec'):\n"
    "                spec = f.find_spec(name, path, target)\n"
    "                if spec is not None:\n"
    "                    break\n"
    "        if spec is None or spec.loader is None:\n"
    "            return spec\n"
    "        real = spec.loader.exec_module\n"
    "        def exec_module(module):\n"
    "            acc = os.access\n"
    "            def access(p, mode, *a, **k):\n"
    "                if mode == os.W_OK and os.fspath(p) == os.environ.get('MPLCONFIGDIR'):\n"
    "                    return True\n"
    "                return acc(p, mode, *a, **k)\n"
    "            os.access = access\n"
    "            try:\n"
    "                real(module)\n"
    "                module.get_configdir()\n"
    "                module.get_cachedir()\n"
    "            finally:\n"
    "                os.access = acc\n"
    "        spec.loader.exec_module = exec_module\n"
    "        return spec\n"
    "    def create_module(self, spec):\n"
    "        return None\n"
    "    def exec_module(self, module):\n"
    "        exec(compile(_SRC, '<execq display>', 'exec'), module.__dict__)\n"
    "sys.meta_path.insert(0, _ExecqDisplay())\n";

/* An environment's site-packages (zygote.h): its entries, .pth files
 * included (site.addsitedir), go before the default interpreter's
 * dist-packages, so a version the environment installed wins over the one
 * the host has, and the standard library still comes first. */
static const char env_site_src[] =
    "import sys, site\n"
    "_before = list(sys.path)\n"
    "site.addsitedir(_dir)\n"
    "_new = [p for p in sys.path if p not in _before]\n"
    "_at = next((i for i, p in enumerate(_before) if p.endswith(('dist-packages', 'site-packages'))), len(_before))\n"
    "sys.path[:] = _before[:_at] + _new + _before[_at:]\n";

/* The same for an environment whose code may not run outside a sandbox
 * (zygote.h): the directory on sys.path, its .pth files not read (they
 * may hold code: zyg_after_fork reads them, in the job). */
static const char env_site_later_src[] =
    "import sys\n"
    "_at = next((i for i, p in enumerate(sys.path) if p.endswith(('dist-packages', 'site-packages'))), len(sys.path))\n"
    "sys.path.insert(_at, _dir)\n";
static char site_later[400];   /* that directory, for zyg_after_fork */

/* Runs src (display_src, env_site_src) with _dir = dir in a private
 * namespace. Returns 0, or -1 with the Python exception pending. */
static int run_with_dir(const char *src, const char *dir)
{
    PyObject *g = PyDict_New(), *d = PyUnicode_FromString(dir), *r = NULL;

    if (g && d && PyDict_SetItemString(g, "__builtins__", PyEval_GetBuiltins()) == 0 &&
        PyDict_SetItemString(g, "_dir", d) == 0)
        r = PyRun_String(src, Py_file_input, g, g);
    Py_XDECREF(d);
    Py_XDECREF(g);
    if (!r)
        return -1;
    Py_DECREF(r);
    return 0;
}

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25   /* Linux 6.1; older kernels answer EINVAL and nothing changes */
#endif
#define HUGE (2UL << 20)

/* Backs the zygote's anonymous memory (the heap and the interpreter's
 * arenas, now frozen) with 2 MiB pages where the kernel can. Every job is a
 * fork of this process, and fork(2) and exit(2) walk its page tables: one
 * entry per 2 MiB instead of 512 made a fork and exit of the warm
 * interpreter about half as costly (docs/performance.md). A job that
 * writes into such a page splits it in its own copy only. MADV_COLLAPSE
 * works whatever /sys/kernel/mm/transparent_hugepage/enabled says (unless
 * "never"); a range it cannot collapse stays as it was. Returns the KiB
 * collapsed. */
static long huge_pages(void)
{
    FILE *f = fopen("/proc/self/maps", "re");
    char line[512];
    long kib = 0;

    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned long a, b, off, inode;
        char perms[8], dev[16], path[256] = "";
        if (sscanf(line, "%lx-%lx %7s %lx %15s %lu %255s", &a, &b, perms, &off, dev, &inode, path) < 6)
            continue;
        if (strcmp(perms, "rw-p") != 0 || inode != 0 || (path[0] && strcmp(path, "[heap]") != 0))
            continue;   /* private anonymous read-write only: not files, the stack or vdso */
        a = (a + HUGE - 1) & ~(HUGE - 1);
        b &= ~(HUGE - 1);
        if (b <= a)
            continue;
        madvise((void *)a, b - a, MADV_HUGEPAGE);   /* later faults in it too, where THP is "madvise" */
        if (madvise((void *)a, b - a, MADV_COLLAPSE) == 0)
            kib += (long)((b - a) >> 10);
    }
    fclose(f);
    return kib;
}

int zyg_init(const char *python, const char *site, int site_later_pth, const char *imports, const char *mpl_dir,
             const char *job_mpl_dir, int huge, long *huge_kib, char *errstr, size_t errstr_size)
{
    PyPreConfig pre;
    PyConfig config;
    PyStatus st;
    wchar_t *argv[] = {L"-c"};
    char list[1024], *save = NULL;
    int threads;

    /* -I: no PYTHON* variables, no user site, no unsafe sys.path[0]. */
    PyPreConfig_InitPythonConfig(&pre);
    pre.isolated = 1;
    pre.use_environment = 0;
    st = Py_PreInitialize(&pre);
    if (PyStatus_Exception(st))
        goto status_fail;
    PyConfig_InitPythonConfig(&config);
    config.isolated = 1;
    config.use_environment = 0;
    config.user_site_directory = 0;
    config.safe_path = 1;
    config.write_bytecode = 0;   /* -B: the root is read-only anyway */
    config.buffered_stdio = 0;   /* -u */
    config.parse_argv = 0;
    config.install_signal_handlers = 1;   /* SIGINT -> KeyboardInterrupt, SIGPIPE ignored, as python3 */
    st = PyConfig_SetBytesString(&config, &config.program_name, python);
    if (!PyStatus_Exception(st))
        st = PyConfig_SetArgv(&config, 1, argv);   /* sys.argv == ['-c'] */
    if (!PyStatus_Exception(st))
        st = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(st))
        goto status_fail;
    if (site[0] && site_later_pth)
        snprintf(site_later, sizeof(site_later), "%s", site);
    if (site[0] && run_with_dir(site_later_pth ? env_site_later_src : env_site_src, site) < 0) {
        py_error("environment's site-packages", errstr, errstr_size);
        return -1;
    }
    if (run_with_dir(display_src, mpl_dir) < 0) {
        py_error("display set-up", errstr, errstr_size);
        return -1;
    }
    snprintf(list, sizeof(list), "%s", imports);
    for (char *name = strtok_r(list, ", ", &save); name; name = strtok_r(NULL, ", ", &save)) {
        PyObject *m = PyImport_ImportModule(name);
        if (!m) {
            char what[160];
            snprintf(what, sizeof(what), "warm import of %s", name);
            py_error(what, errstr, errstr_size);
            return -1;
        }
        Py_DECREF(m);
    }
    if (job_mpl_dir[0] && strcmp(job_mpl_dir, mpl_dir) != 0) {
        /* Where jobs (and their subprocesses) find it in the sandbox. */
        PyObject *os = PyImport_ImportModule("os"), *env = os ? PyObject_GetAttrString(os, "environ") : NULL;
        PyObject *v = PyUnicode_FromString(job_mpl_dir);
        int bad = !env || !v || PyMapping_SetItemString(env, "MPLCONFIGDIR", v) < 0;
        Py_XDECREF(v);
        Py_XDECREF(env);
        Py_XDECREF(os);
        if (bad) {
            py_error("MPLCONFIGDIR", errstr, errstr_size);
            return -1;
        }
    }
    if (!imports[0])
        return 0;   /* fresh mode's own interpreter: nothing will fork from it */
    /* Everything made so far lives as long as the zygote: move it out of
     * the collector's reach so a job's collections never write to (and so
     * copy) the pages it shares with the zygote. */
    if (run_private("import gc\ngc.collect()\ngc.freeze()\n") < 0) {
        py_error("gc.freeze", errstr, errstr_size);
        return -1;
    }
    threads = count_threads();
    if (threads != 1) {
        snprintf(errstr, errstr_size, "the warm Python has %d threads after its imports (a fork copies only one; "
                 "set the library's thread count to 1)", threads);
        return -1;
    }
    if (huge && huge_kib)
        *huge_kib = huge_pages();
    return 0;
status_fail:
    snprintf(errstr, errstr_size, "python init: %s%s%s", st.func ? st.func : "", st.func ? ": " : "",
             st.err_msg ? st.err_msg : "failed");
    return -1;
}

pid_t zyg_fork(int scratch)
{
    pid_t pid;

    PyOS_BeforeFork();
    pid = fork();
    if (pid == 0)
        zyg_after_fork(scratch);
    else
        PyOS_AfterFork_Parent();
    return pid;
}

void zyg_after_fork(int scratch)
{
    PyOS_AfterFork_Child();   /* thread state, locks, os.register_at_fork(after_in_child=...) */
    /* random reseeds itself in its at-fork hook; numpy's legacy global
     * generator does not, and tempfile keys its generator on the pid (2 in
     * every job): reseed all from the kernel. */
    if (run_private("import sys\n"
                    "for _n in ('random', 'numpy.random'):\n"
                    "    _m = sys.modules.get(_n)\n"
                    "    if _m is not None:\n"
                    "        _m.seed()\n"
                    "_t = sys.modules.get('tempfile')\n"
                    "if _t is not None:\n"
                    "    _t._name_sequence = None\n"
                    "    _t.tempdir = None\n") < 0)   /* chosen again, in the job's own root */
        PyErr_Clear();   /* the job still runs; its generators are then the zygote's */
    if (scratch && run_private("import os\nos.environ['HOME'] = '/tmp'\nos.environ['TMPDIR'] = '/tmp'\n") < 0)
        PyErr_Clear();
    /* An untrusted environment's .pth files, here in the sandbox. */
    if (site_later[0] && run_with_dir("import site\nsite.addsitedir(_dir)\n", site_later) < 0)
        PyErr_Clear();
}

/* SystemExit's code as python3 turns it into an exit status: None is 0, an
 * int is itself, anything else is printed to stderr and exits 1. Clears
 * the exception. */
static int system_exit_status(void)
{
    PyObject *type, *value, *tb, *code;
    int ex;

    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    code = value ? PyObject_GetAttrString(value, "code") : NULL;
    if (!code || code == Py_None) {
        ex = 0;
    } else if (PyLong_Check(code)) {
        ex = (int)PyLong_AsLong(code);
    } else {
        PyObject *f = PySys_GetObject("stderr");   /* borrowed */
        if (f && f != Py_None && PyFile_WriteObject(code, f, Py_PRINT_RAW) == 0)
            PyFile_WriteString("\n", f);
        ex = 1;
    }
    PyErr_Clear();
    Py_XDECREF(code);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return ex;
}

/* Runs code in __main__ and displays the figures left open. Returns the
 * exit status python3 would have so far (0, 1, SystemExit's code) and sets
 * *sigint on an uncaught KeyboardInterrupt. */
static int exec_code(const char *code, int interactive, int *sigint)
{
    PyCompilerFlags cf = _PyCompilerFlags_INIT;
    PyObject *main_mod, *d, *co, *res = NULL;
    int ex = 0;

    *sigint = 0;
    cf.cf_flags |= PyCF_IGNORE_COOKIE;   /* as -c: the code is UTF-8 text, not a file */
    /* The display pipe is the job's, not its children's. */
    fcntl(JAIL_FD_DISPLAY, F_SETFD, FD_CLOEXEC);
    main_mod = PyImport_AddModule("__main__");   /* borrowed */
    d = main_mod ? PyModule_GetDict(main_mod) : NULL;
    co = d ? Py_CompileStringExFlags(code, interactive ? "<stdin>" : "<string>",
                                     interactive ? Py_single_input : Py_file_input, &cf, -1)
           : NULL;
    if (co)
        res = PyEval_EvalCode(co, d, d);
    if (!res) {
        if (PyErr_ExceptionMatches(PyExc_SystemExit)) {
            ex = system_exit_status();
        } else {
            *sigint = PyErr_ExceptionMatches(PyExc_KeyboardInterrupt);
            PyErr_Print();
            ex = 1;
        }
    }
    Py_XDECREF(res);
    Py_XDECREF(co);
    /* Figures left open are displayed, as a notebook cell's are: now,
     * before the atexit handler pyplot registers closes them all. */
    if (run_private("import sys\n"
                    "_h = sys.modules.get('matplotlib._pylab_helpers')\n"
                    "if _h is not None and _h.Gcf.get_all_fig_managers():\n"
                    "    import _execq_display\n"
                    "    _execq_display.flush_figures()\n") < 0)
        PyErr_Print();
    return ex;
}

static void flush_stdio(void)
{
    if (run_private("import sys\n"
                    "for _f in (sys.stdout, sys.stderr):\n"
                    "    try:\n"
                    "        _f.flush()\n"
                    "    except Exception:\n"
                    "        pass\n") < 0)
        PyErr_Clear();
}

int zyg_exec(const char *code, int interactive)
{
    int sigint, ex = exec_code(code, interactive, &sigint);

    flush_stdio();
    /* The next exec's stdin is another pipe on fd 0: a fresh reader, with
     * nothing this one read ahead. The old reader owned fd 0 and closes it
     * as it goes (the caller puts /dev/null there next). */
    if (run_private("import sys\n"
                    "_o = sys.stdin\n"
                    "sys.stdin = sys.__stdin__ = open(0, 'r', closefd=False, encoding=getattr(_o, 'encoding', None),\n"
                    "                                 errors=getattr(_o, 'errors', None))\n"
                    "del _o\n") < 0)
        PyErr_Clear();
    return ex & 0xff;
}

void zyg_run(const char *code)
{
    int ex, sigint;

    ex = exec_code(code, 0, &sigint);
    /* What python3's exit does that a job can observe: wait for its
     * non-daemon threads, run its atexit handlers, flush stdout and stderr.
     * The full Py_FinalizeEx (tearing down every module numpy and pandas
     * loaded, tens of ms) changes nothing the job can see once it has
     * exited, so, like a forked multiprocessing worker, the process leaves
     * with _exit after these steps. A SystemExit raised inside them counts
     * as python3 counts it. */
    if (run_private("import sys\n"
                    "_t = sys.modules.get('threading')\n"
                    "if _t is not None:\n"
                    "    _t._shutdown()\n"
                    "import atexit\n"
                    "atexit._run_exitfuncs()\n") < 0) {
        if (PyErr_ExceptionMatches(PyExc_SystemExit))
            ex = system_exit_status();
        else
            PyErr_Print();
    }
    flush_stdio();
    if (sigint) {
        /* python3 dies of SIGINT on an uncaught KeyboardInterrupt, so its
         * parent sees the signal (exit_sigint in Modules/main.c). */
        signal(SIGINT, SIG_DFL);
        kill(getpid(), SIGINT);
    }
    _exit(ex & 0xff);
}
