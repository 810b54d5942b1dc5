"""Exclusive locks on output files, held across processes (private helper of write_root).

A writer of ``dir/name`` holds an OS lock on the sidecar file ``dir/.name.sklhep-lock``
(:func:`fcntl.flock` on POSIX, :func:`msvcrt.locking` on Windows) and a per-path
:class:`threading.Lock` (for threads of one process, which POSIX record locks emulating
``flock`` on NFS would not separate). The kernel drops the OS lock when its holder dies,
however it dies, so a lock file left by a killed process never blocks.

On POSIX the holder deletes the lock file before it unlocks it. A waiter that then gets the
lock on the deleted file sees that the path no longer names the file it locked and tries
again, so that two writers never hold locks on two different files for one path.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import random
import socket
import stat
import sys
import threading
import time
import warnings
from collections.abc import Iterator

__all__ = ["hidden_name", "lock_path", "locked"]

#: Suffix of the sidecar lock file: ``.scores.root.sklhep-lock`` for ``scores.root``.
LOCK_SUFFIX = ".sklhep-lock"

#: errno values with which a filesystem says that it does not support locks (NFS without
#: a lock manager, Lustre mounted without ``flock``, some FUSE filesystems).
_UNSUPPORTED = frozenset(
    getattr(errno, name)
    for name in ("ENOLCK", "EOPNOTSUPP", "ENOTSUP", "ENOSYS", "EINVAL")
    if hasattr(errno, name)
)

_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()

#: Longest pause, in seconds, between two attempts to take a held lock (times 0.5 to 1.5).
_MAX_POLL = 0.05

#: A private generator: the back-off jitter must not consume the global random state.
_JITTER = random.Random()

#: Longest base name used as is in the names of the sidecar files (NAME_MAX is 255).
_MAX_STEM = 180


def hidden_name(target: str, suffix: str) -> str:
    """``dir/.name<suffix>`` for ``dir/name``; a long name is shortened with a hash."""
    folder, name = os.path.split(target)
    if len(name) > _MAX_STEM:
        digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        name = f"{name[:100]}-{digest}"
    return os.path.join(folder, f".{name}{suffix}")


def lock_path(target: str) -> str:
    """The lock file of ``target`` (an absolute, resolved path)."""
    return hidden_name(target, LOCK_SUFFIX)


def _thread_lock(target: str) -> threading.Lock:
    with _THREAD_LOCKS_GUARD:
        return _THREAD_LOCKS.setdefault(target, threading.Lock())


def _holder(lock: str) -> str:
    """Who holds ``lock``, as written in it by :func:`locked` (best effort)."""
    try:
        with open(lock, encoding="utf-8", errors="replace") as f:
            words = f.read(200).split()
    except OSError:
        words = []
    if len(words) >= 2 and words[0].isdigit():
        return f"process {words[0]} on host {words[1]}"
    return "another process (its pid is not recorded in the lock file)"


if sys.platform == "win32":  # pragma: no cover - not tested on this platform
    import msvcrt

    _WIN_OFFSET = 1 << 30  # lock a byte past the pid, which waiters must be able to read

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _WIN_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EDEADLK):
                return False
            raise
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, _WIN_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

    _DELETE_WHILE_LOCKED = False
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    _DELETE_WHILE_LOCKED = True


def _names_file(fd: int, lock: str) -> bool:
    """Whether the path ``lock`` still names the open file ``fd``."""
    try:
        on_disk = os.stat(lock)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (on_disk.st_dev, on_disk.st_ino) == (mine.st_dev, mine.st_ino)


def _open(lock: str, shown: str) -> int:
    """Open (or create) the lock file, writable by whoever may create files beside it."""
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o666)
    except (PermissionError, IsADirectoryError) as exc:
        raise PermissionError(
            exc.errno,
            f"Cannot write {shown!r}: cannot open or create the lock file {lock!r} "
            f"({exc.strerror}). write_root needs write access to the directory, where it "
            "creates a lock file and a temporary file that then replaces the output; make "
            "the directory writable or write elsewhere.",
        ) from None
    except OSError as exc:
        if exc.errno == errno.EROFS:
            raise PermissionError(
                exc.errno,
                f"Cannot write {shown!r}: the directory {os.path.dirname(lock)!r} is on a "
                "read-only filesystem. Write elsewhere.",
            ) from None
        raise
    if os.name == "posix":
        # in a group-writable directory other users must open the lock file for writing
        # too (the umask would make it 0o644): give it the directory's read/write bits
        with contextlib.suppress(OSError):
            mine = os.fstat(fd)
            wanted = stat.S_IMODE(os.stat(os.path.dirname(lock)).st_mode) & 0o666
            if mine.st_uid == os.geteuid() and stat.S_IMODE(mine.st_mode) != wanted:
                os.fchmod(fd, wanted)
    return fd


def _timeout_error(shown: str, lock: str, timeout: float, holder: str) -> TimeoutError:
    return TimeoutError(
        f"write_root({shown!r}) waited {timeout:g} s for the lock file {lock!r}, held by "
        f"{holder}, which is writing this file. Wait for it to finish (pass a larger "
        "lock_timeout, or None to wait without limit). A process that has died does not "
        "hold the lock; if that process is alive but stuck, stop it."
    )


@contextlib.contextmanager
def locked(target: str, timeout: float | None, shown: str) -> Iterator[bool]:
    """Hold the exclusive lock of ``target`` for the ``with`` block.

    Yields True when the lock is held, False when the filesystem does not support locks
    (after a :class:`SklhepWarning`). Raises :class:`TimeoutError` after ``timeout``
    seconds (``None``: no limit).
    """
    lock = lock_path(target)
    deadline = None if timeout is None else time.monotonic() + timeout
    in_process = _thread_lock(target)
    if not in_process.acquire(timeout=-1 if timeout is None else timeout):
        assert timeout is not None
        raise _timeout_error(
            shown, lock, timeout, f"another thread of this process (pid {os.getpid()})"
        )
    try:
        delay = 0.001
        while True:
            fd = _open(lock, shown)
            try:
                got = _try_lock(fd)
            except OSError as exc:
                os.close(fd)
                if exc.errno not in _UNSUPPORTED:
                    raise
                with contextlib.suppress(OSError):
                    os.unlink(lock)
                from sklhep.exceptions import SklhepWarning  # imports scikit-learn

                warnings.warn(
                    f"The filesystem of {os.path.dirname(target)!r} does not support file "
                    f"locks ({exc.strerror}): writing {shown!r} without a lock. Concurrent "
                    "write_root calls on this file from several processes may lose trees "
                    "(mode='update'), and temporary files of killed writers are not "
                    "removed. Write this file from one process at a time, or write to a "
                    "local disk and copy.",
                    SklhepWarning,
                    stacklevel=4,
                )
                yield False
                return
            if got and _names_file(fd, lock):
                break
            if got:  # the holder before us deleted this file: try the new one at once
                _unlock(fd)
                os.close(fd)
                continue
            os.close(fd)
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                assert timeout is not None
                raise _timeout_error(shown, lock, timeout, _holder(lock))
            # jittered exponential back-off, so that waiters do not poll in step
            pause = delay * (0.5 + _JITTER.random())
            if deadline is not None:
                pause = min(pause, deadline - now)
            time.sleep(max(pause, 0.0))
            delay = min(delay * 2, _MAX_POLL)
        try:
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, f"{os.getpid()} {socket.gethostname() or 'unknown'}\n".encode())
        except OSError:
            pass  # the pid only improves a timeout message
        try:
            yield True
        finally:
            if _DELETE_WHILE_LOCKED:
                with contextlib.suppress(OSError):
                    os.unlink(lock)
            try:
                _unlock(fd)
            finally:
                os.close(fd)
            if not _DELETE_WHILE_LOCKED:  # pragma: no cover - Windows
                # fails (harmlessly) while another process has the file open
                with contextlib.suppress(OSError):
                    os.unlink(lock)
    finally:
        in_process.release()
