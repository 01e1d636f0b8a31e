"""The pipe records travel on: EXPRAG_FD under ``exprag run``, or the recorder's stdin.

Records are batched: a batch goes out when it holds 64 KiB, when asked (finish, exit), and at
least every 50 ms from a background thread, so a record waits at most that long.
"""

import os
import sys
import threading
import time
import weakref

BATCH_BYTES = 65536
_FLUSH_SECONDS = 0.05

_channels = weakref.WeakSet()
_flusher = None
_flusher_pid = None


class ChannelClosed(OSError):
    pass


class Channel:
    __slots__ = ("fd", "parts", "size", "lock", "error", "prefix", "__weakref__")

    def __init__(self, fd, prefix=b""):
        self.fd = fd
        self.parts = []
        self.size = 0
        self.lock = threading.Lock()
        self.error = None
        # b"EXPRAG::" when records share stdout with the program's output (no EXPRAG_FD).
        self.prefix = prefix
        _channels.add(self)
        _start_flusher()

    def send(self, line):
        """Queues one record line (bytes, without newline)."""
        if self.error is not None:
            raise self.error
        with self.lock:
            self.parts.append(line)
            self.size += len(line)
            if self.size >= BATCH_BYTES:
                self._flush_locked()

    def flush(self):
        with self.lock:
            self._flush_locked()
        if self.error is not None:
            raise self.error

    def _flush_locked(self):
        if not self.parts or self.error is not None:
            return
        if self.prefix:
            data = b"".join(self.prefix + p + b"\n" for p in self.parts)
            sys.stdout.flush()  # the program's own output before, so a record starts a line
        else:
            data = b"\n".join(self.parts) + b"\n"
        self.parts = []
        self.size = 0
        view = memoryview(data)
        try:
            while view:
                written = os.write(self.fd, view)
                view = view[written:]
        except OSError as error:
            self.error = ChannelClosed(
                error.errno, f"exprag: records can no longer be sent to the run ({error.strerror})"
            )

    def close(self):
        try:
            self.flush()
        finally:
            _channels.discard(self)


def _flush_all():
    while True:
        time.sleep(_FLUSH_SECONDS)
        for channel in list(_channels):
            if channel.parts:
                with channel.lock:
                    channel._flush_locked()


def _start_flusher():
    global _flusher, _flusher_pid
    if _flusher is not None and _flusher_pid == os.getpid():
        return
    _flusher_pid = os.getpid()
    _flusher = threading.Thread(target=_flush_all, name="exprag-flush", daemon=True)
    _flusher.start()


def flush_all():
    for channel in list(_channels):
        try:
            channel.flush()
        except OSError:
            pass
