"""The pipe records travel on: EXPRAG_FD under ``exprag run``, or the recorder's stdin.

Records are batched: a batch goes out when it holds 64 KiB, when asked (finish, exit), and at
least every 50 ms from a background thread, so a record waits at most that long. On a pipe other
processes may write to as well (EXPRAG_FD, which a run's subprocesses can inherit; any pipe once
this process forked) every write is whole lines the pipe takes at once (at most PIPE_BUF bytes,
save a longer line alone), so no line is cut into by another writer's. The background thread
does the writing even when the main thread asks for it, so a KeyboardInterrupt there never
leaves half a line on the pipe.

A forked child starts with none of its parent's pending records and writes each record as it is
tracked: such a child (multiprocessing's) usually ends with os._exit, which flushes nothing.
"""

import os
import sys
import threading
import time
import weakref

try:
    from select import PIPE_BUF
except ImportError:  # Windows: its pipes promise nothing; a line at a time
    PIPE_BUF = 512

BATCH_BYTES = 65536
_FLUSH_SECONDS = 0.05
# How long the main thread waits for the background thread before it writes itself (a thread
# that stopped answering: the interpreter is shutting down).
_HANDOVER_SECONDS = 5.0

_channels = weakref.WeakSet()
_flusher = None
_flusher_pid = None
# Rounds of the background thread: the main thread's batch is out once a round that began after
# it asked has ended.
_rounds = threading.Condition()
_rounds_begun = 0
_rounds_ended = 0
_asked = False
_forked = False


class ChannelClosed(OSError):
    pass


class Channel:
    __slots__ = ("fd", "parts", "size", "limit", "shared", "lock", "flushing", "error", "prefix", "__weakref__")

    def __init__(self, fd, prefix=b"", shared=False):
        self.fd = fd
        # Other processes may write to this pipe too: writes of at most PIPE_BUF bytes.
        self.shared = shared or _forked
        self.parts = []
        self.size = 0
        # A batch goes out once it holds this many bytes; 0 (a forked child): every record at once.
        self.limit = 0 if _forked else BATCH_BYTES
        # Re-entrant: a signal handler's track(), or a finalizer a collection runs, may come on the
        # thread that holds it (see _flush_locked).
        self.lock = threading.RLock()
        self.flushing = False
        self.error = None
        # b"EXPRAG::" when records share stdout with the program's output (no EXPRAG_FD).
        self.prefix = prefix
        _channels.add(self)
        if not _forked:
            _start_flusher()

    def send(self, line):
        """Queues one record line (bytes, without newline)."""
        if self.error is not None:
            raise self.error
        with self.lock:
            self.parts.append(line)
            self.size += len(line)
            full = self.size >= self.limit
        if full:
            self.flush()

    def flush(self):
        if not _handed_over():
            with self.lock:
                self._flush_locked()
        if self.error is not None:
            raise self.error

    def _flush_locked(self):
        # Entered again on this thread while it writes (a signal handler's track(), a finalizer run
        # by a collection): what that queued goes out after this write, never inside a line of it.
        if self.flushing:
            return
        self.flushing = True
        try:
            while self.parts and self.error is None:
                self.size = 0
                parts = self.parts
                self.parts = []
                if self.prefix:
                    data = b"".join(self.prefix + p + b"\n" for p in parts)
                    sys.stdout.flush()  # the program's own output before, so a record starts a line
                else:
                    data = b"\n".join(parts) + b"\n"
                try:
                    _write_lines(self.fd, data, PIPE_BUF if self.shared else len(data))
                except OSError as error:
                    self.error = ChannelClosed(error.errno, f"exprag: records can no longer be sent to the run ({error.strerror})")
        finally:
            self.flushing = False

    def close(self):
        try:
            self.flush()
        finally:
            _channels.discard(self)


def _write_lines(fd, data, most):
    """Writes ``data`` (whole lines) in pieces of whole lines of at most ``most`` bytes each."""
    start = 0
    end = len(data)
    view = memoryview(data)
    while start < end:
        stop = end
        if end - start > most:
            stop = data.rfind(b"\n", start, start + most) + 1
            if stop <= start:  # a line longer than that: alone, as the pipe takes it
                stop = data.index(b"\n", start) + 1
        piece = view[start:stop]
        while piece:
            piece = piece[os.write(fd, piece) :]
        start = stop


def _flush_round():
    for channel in list(_channels):
        if channel.parts:
            with channel.lock:
                channel._flush_locked()


def _flush_all():
    global _asked, _rounds_begun, _rounds_ended
    while True:
        with _rounds:
            if not _asked:
                _rounds.wait(_FLUSH_SECONDS)
            _asked = False
            _rounds_begun += 1
            this_round = _rounds_begun
        try:
            _flush_round()
        finally:
            with _rounds:
                _rounds_ended = this_round
                _rounds.notify_all()


def _handed_over():
    """On the main thread: has the background thread write every pending batch, and waits for it.
    False where there is no such thread (elsewhere, a forked child) or it stopped answering."""
    global _asked
    if _flusher is None or _flusher_pid != os.getpid() or threading.current_thread() is not threading.main_thread():
        return False
    deadline = time.monotonic() + _HANDOVER_SECONDS
    with _rounds:
        wanted = _rounds_begun + 1
        _asked = True
        _rounds.notify_all()
        while _rounds_ended < wanted:
            left = deadline - time.monotonic()
            if left <= 0 or not _flusher.is_alive():
                return False
            _rounds.wait(left)
    return True


def _start_flusher():
    global _flusher, _flusher_pid
    if _flusher is not None and _flusher_pid == os.getpid():
        return
    _flusher_pid = os.getpid()
    _flusher = threading.Thread(target=_flush_all, name="exprag-flush", daemon=True)
    _flusher.start()


def flush_all():
    if _handed_over():
        return
    for channel in list(_channels):
        try:
            channel.flush()
        except OSError:
            pass


def _before_fork():
    # No lock is held by another thread at the fork: the child gets them free.
    _rounds.acquire()
    for channel in list(_channels):
        channel.lock.acquire()
        channel.shared = True  # the child may write to it too


def _after_fork_in_parent():
    for channel in list(_channels):
        channel.lock.release()
    _rounds.release()


def _after_fork_in_child():
    global _rounds, _flusher, _flusher_pid, _forked, _asked, _rounds_begun, _rounds_ended
    _forked = True
    _flusher = None
    _flusher_pid = None
    _rounds = threading.Condition()
    _asked = False
    _rounds_begun = _rounds_ended = 0
    for channel in list(_channels):
        channel.lock = threading.RLock()
        channel.flushing = False
        # The parent sends what it had queued: the child would send it twice.
        channel.parts = []
        channel.size = 0
        channel.limit = 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child)
