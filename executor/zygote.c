/* zygote: an embedded CPython, warmed once and forked per job (see zygote.h).
 * Ideas taken: Android's zygote (preload in one process, fork per app and
 * specialise the child), CPython's multiprocessing forkserver (a clean
 * process forks workers on request, never the busy parent) and Instagram's
 * gc.freeze() (objects made before the fork are left alone by the
 * collector, so children do not copy their pages). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "zygote.h"

#include <dirent.h>
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

int zyg_init(const char *python, const char *imports, char *errstr, size_t errstr_size)
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
    return 0;
status_fail:
    snprintf(errstr, errstr_size, "python init: %s%s%s", st.func ? st.func : "", st.func ? ": " : "",
             st.err_msg ? st.err_msg : "failed");
    return -1;
}

void zyg_after_fork(void)
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
                    "    _t._name_sequence = None\n") < 0)
        PyErr_Clear();   /* the job still runs; its generators are then the zygote's */
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

void zyg_run(const char *code)
{
    PyCompilerFlags cf = _PyCompilerFlags_INIT;
    PyObject *main_mod, *d, *co, *res = NULL;
    int ex = 0, sigint = 0;

    cf.cf_flags |= PyCF_IGNORE_COOKIE;   /* as -c: the code is UTF-8 text, not a file */
    main_mod = PyImport_AddModule("__main__");   /* borrowed */
    d = main_mod ? PyModule_GetDict(main_mod) : NULL;
    co = d ? Py_CompileStringExFlags(code, "<string>", Py_file_input, &cf, -1) : NULL;
    if (co)
        res = PyEval_EvalCode(co, d, d);
    if (!res) {
        if (PyErr_ExceptionMatches(PyExc_SystemExit)) {
            ex = system_exit_status();
        } else {
            sigint = PyErr_ExceptionMatches(PyExc_KeyboardInterrupt);
            PyErr_Print();
            ex = 1;
        }
    }
    Py_XDECREF(res);
    Py_XDECREF(co);
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
    if (run_private("import sys\n"
                    "for _f in (sys.stdout, sys.stderr):\n"
                    "    try:\n"
                    "        _f.flush()\n"
                    "    except Exception:\n"
                    "        pass\n") < 0)
        PyErr_Clear();
    if (sigint) {
        /* python3 dies of SIGINT on an uncaught KeyboardInterrupt, so its
         * parent sees the signal (exit_sigint in Modules/main.c). */
        signal(SIGINT, SIG_DFL);
        kill(getpid(), SIGINT);
    }
    _exit(ex & 0xff);
}
