"""``Experiment``: the original exprag's recording API.

Under ``exprag run`` (EXPRAG_RUN_ID set) it writes into the run that wraps the process. Started
any other way, it starts the exprag binary beside the process (``exprag __experiment``), which
records the git state and writes the run file; records reach it over a pipe, and it ends the
run when the experiment finishes, when the process exits, or when the process dies silently.
"""

import atexit
import errno
import json
import os
import stat
import subprocess
import sys
import threading
import traceback
import weakref

from . import _binary
from ._channel import Channel, flush_all

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

try:
    from json.encoder import c_make_encoder, encode_basestring
except ImportError:  # no C accelerator (PyPy)
    c_make_encoder = None


def _make_encoder():
    """json's C encoder, made once instead of on every call (as JSONEncoder.encode does)."""
    if c_make_encoder is None:
        return None
    return c_make_encoder({}, _ENCODER.default, encode_basestring, None, ":", ",", False, False, True)


_c_encode = _make_encoder()


def _encode(value):
    """Compact JSON text of value, as ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))``."""
    global _c_encode
    if _c_encode is None:
        return _ENCODER.encode(value)
    try:
        return "".join(_c_encode(value, 0))
    except BaseException:
        _c_encode = _make_encoder()  # a failed call may leave its circular-reference markers behind
        raise
MAX_DEPTH = 100
# exprag keeps no record line longer than 64 MiB (with its "EXPRAG::" when it shares stdout).
_MAX_LINE_BYTES = 64 * 1024 * 1024 - len("EXPRAG::")
STATUSES = ("ok", "failed", "interrupted", "killed")


def _check_depth(text):
    """exprag keeps records at most MAX_DEPTH containers deep: deeper is refused here, as the original did."""
    if text.count("{") + text.count("[") <= MAX_DEPTH:
        return
    depth = 0
    in_string = False
    escaped = False
    for c in text:
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "{[":
            depth += 1
            if depth > MAX_DEPTH:
                raise ValueError(f"recursion limit exceeded: a value may nest at most {MAX_DEPTH} containers deep")
        elif c in "}]":
            depth -= 1


def _record_line(value, note):
    """The protocol line for one tracked value (see the README's EXPRAG_FD)."""
    text = _encode(value)
    if len(text) > 100:
        _check_depth(text)
    # The protocol's reserved keys, tested one by one (the cheapest test in a hot loop).
    if type(value) is dict and not (("$note" in value) or ("$meta" in value) or ("$value" in value) or ("$params" in value)):
        if note is None:
            return text.encode()
        if len(text) > 2:
            return (text[:-1] + ',"$note":' + _encode(note) + "}").encode()
    elif note is None and not isinstance(value, dict):
        return text.encode()
    # Anything else travels as $value: a dict holding reserved keys stays data, a scalar gets its note.
    tail = "}" if note is None else ',"$note":' + _encode(note) + "}"
    return ('{"$value":' + text + tail).encode()


def _metadata_object(metadata):
    """Metadata as exprag stores it: a JSON object (another value is kept under "value")."""
    if metadata is None:
        return None
    text = _encode(metadata)
    _check_depth(text)
    text.encode()  # lone surrogates raise here, before anything starts
    parsed = json.loads(text)
    return parsed if isinstance(parsed, dict) else {"value": parsed}


def _type_error(argument, value, expected):
    return TypeError(f"argument '{argument}': '{type(value).__name__}' object is not {expected}")


class _ExitState:
    """How the interpreter is ending: the exception it died of, or the code the main thread gave sys.exit."""

    exit_code = None
    installed = False

    @classmethod
    def install(cls):
        if cls.installed:
            return
        cls.installed = True
        previous_exit = sys.exit

        def exit(code=None):
            cls.said(code)
            previous_exit(code)

        sys.exit = exit
        # The site module's exit() and quit() raise SystemExit themselves.
        import builtins

        for name in ("exit", "quit"):
            quitter = getattr(builtins, name, None)
            if callable(quitter):
                setattr(builtins, name, _Quitter(quitter, cls))
        _install_os_exit()

    @classmethod
    def said(cls, code):
        # sys.exit in another thread ends that thread only.
        if threading.current_thread() is threading.main_thread():
            cls.exit_code = code

    @classmethod
    def ending(cls):
        """The (status, exit_code, signal, error) the process is ending with."""
        # The interpreter keeps the exception it printed as uncaught (whoever's excepthook printed it);
        # a session that goes on after an error it shows (a REPL, IPython, a kernel) ended by choice.
        died_of = getattr(sys, "last_exc", None) or getattr(sys, "last_value", None)
        if died_of is not None and not _interactive():
            return _status_of(died_of)
        return _exit_status(cls.exit_code)


def _interactive():
    import builtins

    # IPython, and so a Jupyter kernel, sets __IPYTHON__; a plain prompt sets ps1.
    return hasattr(sys, "ps1") or sys.flags.interactive or getattr(builtins, "__IPYTHON__", False)


_real_os_exit = os._exit


def _install_os_exit():
    """os._exit skips atexit: the records still batched, and the runs this process started, end first."""
    if os._exit is not _real_os_exit:
        return

    def _exit(*args, **kwargs):
        code = args[0] if args else kwargs.get("status", 0)

        def end():
            try:
                _end_live(*_exit_status(code, "os._exit"))
            except BaseException:
                pass

        # Never blocks for long, even called from a signal handler while this thread holds a lock
        # the ending needs: past the wait the process exits as os._exit does, those records lost.
        try:
            ending = threading.Thread(target=end, daemon=True)
            ending.start()
            ending.join(_OS_EXIT_WAIT_S)
        except BaseException:
            pass  # no thread to be had (the interpreter shutting down): exit all the same
        _real_os_exit(*args, **kwargs)

    os._exit = _exit


_OS_EXIT_WAIT_S = 10


class _Quitter:
    """exit() or quit(), which says the code it was given to _ExitState first."""

    def __init__(self, quitter, state):
        self._quitter = quitter
        self._state = state

    def __repr__(self):
        return repr(self._quitter)

    def __call__(self, code=None):
        self._state.said(code)
        self._quitter(code)


def _exit_status(code, call="sys.exit"):
    """The (status, exit_code, signal, error) of sys.exit(code), or of os._exit(code)."""
    if code is None or code == 0:
        return "ok", 0, None, None
    if isinstance(code, int):
        return "failed", code & 0xFF, None, f"{call}({code})"
    return "failed", 1, None, str(code)


def _status_of(exception):
    if isinstance(exception, SystemExit):
        return _exit_status(exception.code)
    if isinstance(exception, KeyboardInterrupt):
        return "interrupted", 130, "SIGINT", "KeyboardInterrupt"
    # The traceback's last line, as run_end keeps a wrapped command's last line of stderr.
    lines = [line for line in "".join(traceback.format_exception_only(type(exception), exception)).splitlines() if line.strip()]
    error = lines[-1].strip() if lines else type(exception).__name__
    return "failed", 1, None, error


# The standalone experiments not yet finished, ended at exit with the way the process ends. One
# nobody holds any longer can record nothing more: its run ends ok when it is collected.
_live = weakref.WeakSet()
_live_lock = threading.Lock()


def _fresh_live_lock():
    # A fork while another thread held it must not leave the child a lock nobody will release.
    global _live_lock
    _live_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_live_lock)


def _end_live(*status):
    with _live_lock:
        live = [e for e in _live if e._pid == os.getpid()]
    for experiment in live:
        try:
            experiment._end(*status)
        except Exception:
            pass
    flush_all()


def _at_exit():
    _end_live(*_ExitState.ending())


atexit.register(_at_exit)


def _end_collected(recorder, pid):
    if os.getpid() != pid:  # a forked child's copy going away ends nothing
        return

    def end():
        try:
            recorder.end("ok", 0, None, None)
        except Exception:
            pass

    # A collection runs this on whichever thread it interrupts, the flusher's in the middle of a
    # write among them: the run is ended from a thread of its own, which the interpreter waits for.
    try:
        threading.Thread(target=end, name="exprag-end").start()
    except BaseException:
        end()  # no thread to be had (the interpreter shutting down)


_wrapping_channel = None


def _wrapping_run():
    """The channel to the run that wraps this process (exprag run), or None outside one."""
    global _wrapping_channel
    run_id = os.environ.get("EXPRAG_RUN_ID")
    if not run_id:
        return None
    if _wrapping_channel is not None and _wrapping_channel[0] == os.getpid():
        return run_id, _wrapping_channel[1]
    fd_text = os.environ.get("EXPRAG_FD")
    if fd_text is None:
        # No record descriptor on this platform: magic lines on stdout, which exprag run reads.
        channel = Channel(1, prefix=b"EXPRAG::", shared=True)
    else:
        try:
            # The run's own pipe (EXPRAG_FD_ID, device:inode), not a file of this process's that
            # took the descriptor in a subprocess that did not inherit it.
            st = os.fstat(int(fd_text))
            expected = os.environ.get("EXPRAG_FD_ID")
            if expected is not None and expected != f"{st.st_dev}:{st.st_ino}":
                return None
            if not stat.S_ISFIFO(st.st_mode):
                return None
        except (OSError, ValueError):
            # Inherited from a run whose pipe this process did not get (a Jupyter kernel started
            # inside one): not part of that run, so a run of its own.
            return None
        channel = Channel(int(fd_text), shared=True)
    _wrapping_channel = (os.getpid(), channel)
    return run_id, channel


def _cwd():
    """The current folder; None when it was deleted."""
    try:
        return os.getcwd()
    except OSError:
        return None


class _Recorder:
    """A running ``exprag __experiment``: it owns the run file of a standalone experiment."""

    def __init__(self, name, metadata):
        binary = _binary.find_binary()
        if not binary:
            raise _binary.missing_binary_error("the exprag binary was not found (not beside this package, EXPRAG_BIN unset, not on PATH)")
        cwd = _cwd()
        store = os.environ.get("EXPRAG_DIR", "")
        if cwd is None and not os.path.isabs(store):
            raise FileNotFoundError(
                "exprag: the current folder was deleted, so the run has no store to go to; change folder, or set EXPRAG_DIR to an absolute path"
            )
        hello = {
            "name": name,
            "metadata": metadata,
            "pid": os.getpid(),
            "ppid": os.getppid(),
            "argv": list(getattr(sys, "orig_argv", None) or [sys.executable, *sys.argv]),
            "cwd": cwd,
        }
        try:
            self.process = subprocess.Popen(
                [binary, "__experiment"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                start_new_session=True,
                close_fds=True,
                # The binary cannot start in a folder that was deleted.
                cwd=None if cwd is not None else "/",
            )
        except OSError as error:
            if error.errno in (errno.EMFILE, errno.ENFILE, errno.ENOMEM, errno.EAGAIN):
                # Out of descriptors, memory or processes: nothing to do with how exprag is installed.
                raise OSError(error.errno, f"exprag: cannot start the recorder of a new run ({error.strerror})") from None
            raise _binary.missing_binary_error(f"cannot start the exprag binary {binary} ({error.strerror or error})") from None
        try:
            self.process.stdin.write(json.dumps(hello, ensure_ascii=False).encode("utf-8", "surrogateescape") + b"\n")
            self.process.stdin.flush()
        except OSError:
            pass
        try:
            reply_line = self.process.stdout.readline()
        except BaseException as interrupted:
            # Stopped (Ctrl-C) while the run was being opened: it ends as the process does.
            self._send_end(*_status_of(interrupted))
            raise
        self.process.stdout.close()
        try:
            reply = json.loads(reply_line)
        except ValueError:
            reply = None
        if not isinstance(reply, dict) or not isinstance(reply.get("run_id"), str):
            code = self.process.wait()
            if isinstance(reply, dict) and isinstance(reply.get("error"), str):
                raise OSError(f"exprag: {reply['error']}")
            raise _binary.missing_binary_error(
                f"the exprag binary {binary} did not start a run (exit {code}); it may be broken or older than this package"
            )
        self.run_id = reply["run_id"]
        self.path = reply["path"]
        self.channel = Channel(self.process.stdin.fileno())

    def _send_end(self, status, exit_code, signal, error):
        end = {"status": status, "exit_code": exit_code, "signal": signal}
        if error is not None:
            end["error"] = error
        line = b"!end " + json.dumps(end, ensure_ascii=False).encode("utf-8", "surrogateescape")
        try:
            channel = getattr(self, "channel", None)
            if channel is not None:
                channel.send(line)
                channel.close()
            else:
                os.write(self.process.stdin.fileno(), line + b"\n")
        except OSError:
            pass
        try:
            self.process.stdin.close()
        except OSError:
            pass

    def end(self, status, exit_code, signal, error):
        self._send_end(status, exit_code, signal, error)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            sys.stderr.write(f"exprag: the recorder of run {self.run_id} did not end within 60 s\n")


class Experiment:
    """One run of an experiment: ``Experiment(name, metadata=None)``, then ``track(value, note=None)``."""

    __slots__ = ("_name", "_run_id", "_path", "_channel", "_recorder", "_pid", "_finished", "_collected", "__weakref__")

    def __init__(self, name, metadata=None):
        if not isinstance(name, str):
            raise _type_error("name", name, "a str")
        if not name.strip():
            raise ValueError("experiment name cannot be empty")
        converted = _metadata_object(metadata)
        self._name = name
        self._pid = os.getpid()
        self._finished = False
        wrapping = _wrapping_run()
        if wrapping is not None:
            self._run_id, self._channel = wrapping
            self._recorder = None
            store = os.environ.get("EXPRAG_DIR") or ".exprag"
            self._path = os.path.join(store, "runs", f"{self._run_id}.jsonl")
            # The wrapping run already started: the metadata joins it as a meta record.
            meta = converted if converted is not None else {}
            self._channel.send(('{"$meta":' + _encode(meta) + ',"$note":' + _encode(f"Experiment({name!r})") + "}").encode())
            _install_os_exit()
            return
        _ExitState.install()
        self._recorder = _Recorder(name, converted)
        self._run_id = self._recorder.run_id
        self._path = self._recorder.path
        self._channel = self._recorder.channel
        self._collected = weakref.finalize(self, _end_collected, self._recorder, self._pid)
        # At exit the run ends as the process does (_at_exit), not ok.
        self._collected.atexit = False
        with _live_lock:
            _live.add(self)

    @property
    def run_id(self):
        return self._run_id

    @property
    def name(self):
        return self._name

    @property
    def path(self):
        return self._path

    def track(self, value, note=None):
        """Records ``value`` (any JSON-able value) with an optional note; returns None."""
        if note is not None and not isinstance(note, str):
            raise _type_error("note", note, "a str")
        if self._finished:
            raise RuntimeError(f"experiment {self._name!r} (run {self._run_id}) has finished: start another Experiment to record more")
        line = _record_line(value, note)
        if len(line) > _MAX_LINE_BYTES:
            raise ValueError(f"a record may be at most 64 MiB of JSON; this one is {len(line)} bytes")
        channel = self._channel
        if channel.error is not None:
            raise channel.error
        with channel.lock:
            channel.parts.append(line)
            channel.size += len(line)
            full = channel.size >= channel.limit
        if full:
            channel.flush()

    def finish(self, status=None):
        """Ends the run (``ok`` unless told otherwise: ``failed``, ``interrupted``, ``killed``). Idempotent."""
        if status is None:
            status = "ok"
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
        if self._finished:
            return
        codes = {"ok": 0, "failed": 1, "interrupted": 130, "killed": 137}
        self._end(status, codes[status], "SIGINT" if status == "interrupted" else None, None)

    def _end(self, status, exit_code, signal, error):
        if self._finished:
            return
        self._finished = True
        if self._recorder is None:
            self._channel.flush()
            return
        self._collected.detach()
        with _live_lock:
            _live.discard(self)
        self._recorder.end(status, exit_code, signal, error)

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if value is None and kind is None:
            self._end("ok", 0, None, None)
        else:
            self._end(*_status_of(value if value is not None else kind()))
        return False

    def __reduce__(self):
        raise TypeError("cannot pickle 'Experiment' object")


__all__ = ["Experiment"]
