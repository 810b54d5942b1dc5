"""Writing scores as a flat TTree: :func:`write_root`."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import signal
import stat
import threading
from collections.abc import Iterator, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
import uproot
from numpy.typing import NDArray

from sklhep.io import _lock

__all__ = ["write_root"]

PathLike = str | os.PathLike[str]

#: Entries per basket written (one ``extend`` call per chunk).
_CHUNK = 1_000_000

#: Default of ``write_root(lock_timeout=...)``: the longest wait, in seconds, for another
#: process's write of the same file.
LOCK_TIMEOUT = 600.0

#: Temporary files are ``.<name>.sklhep-tmp-<pid>-<random hex>`` next to ``<name>``.
_TMP_INFIX = ".sklhep-tmp-"

#: Signals whose default action (termination) is deferred until the temporary file is
#: removed, when the process has not installed a handler of its own.
_DEFERRED_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def _columns(data: Any) -> dict[str, NDArray[Any]]:
    """Validate ``data`` into a dict of equally long 1-D numeric arrays."""
    if isinstance(data, pd.DataFrame):
        items = [(c, data[c]) for c in data.columns]
    elif isinstance(data, Mapping):
        items = list(data.items())
    else:
        raise TypeError(
            "data must be a pandas DataFrame or a dict of 1-D arrays, e.g. "
            f"{{'score': clf.predict_proba(X)[:, 1]}}; got {type(data).__name__}."
        )
    if not items:
        raise ValueError("data has no columns: there is nothing to write.")
    columns: dict[str, NDArray[Any]] = {}
    for name, values in items:
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(
                f"Column name {name!r} cannot be a branch name: use non-empty strings without '/'."
            )
        if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
            raise ValueError(
                f"Column {name!r} is categorical; a ROOT branch holds numbers. Write its codes "
                f"(df[{name!r}].cat.codes) or drop it."
            )
        arr = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
        if arr.ndim != 1:
            raise ValueError(
                f"Column {name!r} has shape {arr.shape}; write_root writes one number per "
                "entry. Split a 2-D array into columns, e.g. {'p0': p[:, 0], 'p1': p[:, 1]}."
            )
        if arr.dtype.kind not in "biuf":
            raise ValueError(
                f"Column {name!r} has dtype {arr.dtype}; a ROOT branch written by write_root "
                "holds booleans, integers or floats. Convert or drop it (missing values: "
                "fill them, e.g. with NaN)."
            )
        if arr.dtype == np.float16:
            arr = arr.astype(np.float32)
        columns[name] = np.ascontiguousarray(arr)
    lengths = {name: arr.shape[0] for name, arr in columns.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(
            f"The columns have different lengths {lengths}; a tree needs one value per entry "
            "in every column."
        )
    return columns


def _fill(file: Any, tree: str, columns: dict[str, NDArray[Any]]) -> None:
    if tree in file:
        del file[tree]
    out = file.mktree(tree, {name: arr.dtype for name, arr in columns.items()})
    n = next(iter(columns.values())).shape[0]
    for start in range(0, n, _CHUNK):
        out.extend({name: arr[start : start + _CHUNK] for name, arr in columns.items()})


class _Terminated(SystemExit):
    """Raised by the temporary signal handler; the signal is sent again after cleanup."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


@contextlib.contextmanager
def _cleanup_before_termination() -> Iterator[None]:
    """Let SIGTERM/SIGHUP unwind the ``with`` block (removing the temporary, releasing the
    lock) before the process dies of the signal, as it would have at once.

    Only where the signal has its default action and only in the main thread (where
    Python runs handlers); the previous handlers are always restored.
    """
    if os.name != "posix" or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: Any) -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)
        previous.clear()
        raise _Terminated(signum)

    try:
        for sig in _DEFERRED_SIGNALS:
            if signal.getsignal(sig) is signal.SIG_DFL:
                previous[sig] = signal.signal(sig, handler)
        yield
    except _Terminated as exc:
        signal.signal(exc.signum, signal.SIG_DFL)
        os.kill(os.getpid(), exc.signum)  # dies here, of the signal
        raise  # the signal is blocked: exit with status 128 + signum
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _resolve(path: PathLike) -> tuple[str, str]:
    """``(shown, target)``: the path as given, and the file it names (links resolved)."""
    shown = os.fsdecode(os.fspath(path))
    target = os.path.realpath(shown)
    if os.path.islink(target):
        raise OSError(
            errno.ELOOP,
            f"Cannot write {shown!r}: it is a symbolic link that does not resolve to a file "
            f"(a loop of links at {target!r}). Fix or remove the link.",
        )
    return shown, target


def _existing(target: str, shown: str) -> os.stat_result | None:
    """The status of the file to be replaced, None if there is none; errors for paths that
    cannot be replaced."""
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(
            errno.EISDIR,
            f"Cannot write {shown!r}: it is a directory. Pass the path of a file in it, "
            f"e.g. {os.path.join(shown, 'scores.root')!r}.",
        )
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(
            f"Cannot write {shown!r}: it exists and is not a regular file (a device, a "
            "pipe or a socket). Pass the path of a regular file."
        )
    if not os.access(target, os.W_OK):
        raise PermissionError(
            errno.EACCES,
            f"Cannot write {shown!r}: the file is write-protected (mode "
            f"{stat.filemode(st.st_mode)}). write_root does not replace a file you may not "
            "write; make it writable (chmod u+w) or remove it first.",
        )
    return st


def _remove_stale_temporaries(target: str) -> None:
    """Remove the temporary files of earlier writers of ``target``.

    Called with the lock held. Every writer creates its temporary file after taking the
    lock and removes or renames it before releasing it, so any temporary present now was
    left by a writer that was killed (a pid check would be wrong on shared filesystems,
    where the writer may have run on another host, and after pid reuse).
    """
    folder = os.path.dirname(target)
    prefix = os.path.basename(_lock.hidden_name(target, _TMP_INFIX))
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.startswith(prefix):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))


def _create_temporary(target: str) -> tuple[str, int]:
    """Create an empty, owner-only temporary file for ``target``.

    Returns its path and the mode a new file gets here (``0o666`` less the umask, or what
    the directory's default ACL gives), read from the file as created.
    """
    base = _lock.hidden_name(target, _TMP_INFIX)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = f"{base}{os.getpid()}-{secrets.token_hex(4)}"
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        try:
            new_file_mode = stat.S_IMODE(os.fstat(fd).st_mode)
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o600)  # private until written; the final mode is set last
        except BaseException:
            os.close(fd)
            os.unlink(tmp)
            raise
        os.close(fd)
        return tmp, new_file_mode
    raise FileExistsError(errno.EEXIST, f"Cannot create a temporary file like {base!r}.")


def _finish(tmp: str, mode: int, replaced: os.stat_result | None) -> None:
    """Give ``tmp`` its final owner, group (best effort) and mode, and flush it to disk."""
    if replaced is not None and hasattr(os, "chown"):
        now = os.stat(tmp)
        if (now.st_uid, now.st_gid) != (replaced.st_uid, replaced.st_gid):
            try:
                os.chown(tmp, replaced.st_uid, replaced.st_gid)  # succeeds for root
            except OSError:
                with contextlib.suppress(OSError):
                    os.chown(tmp, -1, replaced.st_gid)  # a group the user is in
    os.chmod(tmp, mode)
    fd = os.open(tmp, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(folder: str) -> None:
    """Make a rename in ``folder`` durable (POSIX; best effort)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write(
    target: str,
    shown: str,
    replaced: os.stat_result | None,
    columns: dict[str, NDArray[Any]],
    tree: str,
    mode: str,
) -> None:
    tmp, new_file_mode = _create_temporary(target)
    try:
        if mode == "update" and replaced is not None:
            shutil.copyfile(target, tmp)
            try:
                file = uproot.update(tmp)
            except Exception as exc:
                raise ValueError(
                    f"mode='update': {shown!r} cannot be opened as a ROOT file "
                    f"({type(exc).__name__}: {exc}). Use mode='recreate' to replace it."
                ) from None
        else:
            file = uproot.recreate(tmp)
        with file:
            _fill(file, tree, columns)
        _finish(
            tmp, new_file_mode if replaced is None else stat.S_IMODE(replaced.st_mode), replaced
        )
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(os.path.dirname(target))


def write_root(
    path: PathLike,
    data: pd.DataFrame | Mapping[str, Any],
    *,
    tree: str = "scores",
    mode: Literal["recreate", "update"] = "recreate",
    lock_timeout: float | None = LOCK_TIMEOUT,
) -> None:
    """Write columns (scores) as a flat TTree, atomically.

    Each column becomes a branch, each row an entry, in order. When the rows are the
    entries of an input tree (from :func:`read_root` without a cut, one file at a time),
    the written tree lines up with it entry by entry and can be used as a friend tree:
    in ROOT ``events->AddFriend("scores", "scores.root")``, with uproot by reading both
    trees and joining the arrays.

    Nothing is written half-way, and several processes may write the same file: see the
    Notes.

    Parameters
    ----------
    path : str or path-like
        The output file. A symbolic link is followed: the file it points to is written
        and the link is kept.
    data : DataFrame or dict of str to 1-D array
        The columns; booleans, integers or floats, all of the same length. A DataFrame's
        index is not written.
    tree : str, default="scores"
        The tree's name (``"dir/name"`` writes it in a sub-directory).
    mode : {"recreate", "update"}, default="recreate"
        ``"recreate"`` replaces the file. ``"update"`` keeps the file's other contents and
        replaces a tree of the same name; the file is created when it does not exist. An
        update copies the existing file first, so that a failure cannot damage it.
    lock_timeout : float or None, default=600
        The longest wait, in seconds, while another process (or thread) writes the same
        file; ``None`` waits without limit, ``0`` does not wait.

    Raises
    ------
    TypeError, ValueError
        Bad ``data`` (not numeric, not 1-D, different lengths), ``mode`` or
        ``lock_timeout``; ``path`` is not a regular file (a pipe, a device);
        ``mode="update"`` of a file that is not a ROOT file.
    FileNotFoundError
        The directory of ``path`` does not exist.
    IsADirectoryError
        ``path`` is a directory.
    PermissionError
        The directory is not writable (a lock file and a temporary file are created in
        it), or the file is write-protected.
    TimeoutError
        Another writer of the same file held its lock for ``lock_timeout`` seconds; the
        message names the lock file and that writer's pid and host.
    OSError
        ``path`` is a symbolic link in a loop of links (``errno.ELOOP``).

    Notes
    -----
    **Atomic.** The tree is written to a temporary file
    ``.<name>.sklhep-tmp-<pid>-<random>`` in the directory of the file, flushed to disk,
    and renamed over the file (:func:`os.replace`). Readers see the old file or the new
    one, never a partial one. If anything fails (an exception, Ctrl-C), the temporary is
    removed and the file is left as it was. A process killed by ``SIGTERM`` or ``SIGHUP``
    while writing removes its temporary first and then dies of the signal, when the
    signal has its default action (no handler installed) and ``write_root`` runs in the
    main thread; the handlers are restored afterwards. Temporaries left by a process that
    could not clean up (``SIGKILL``, a crash, a power cut) are removed by the next write
    of the same file.

    **Locked.** A write holds an exclusive lock on the sidecar file ``.<name>.sklhep-lock``
    (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows) from before it reads the file
    until after the rename, and deletes it when done. Concurrent ``mode="update"`` calls
    from several processes therefore each add their tree; concurrent writes are applied
    one after the other (a ``"recreate"`` keeps only the trees written after it). The
    operating system releases the lock of a process that dies, so a lock file left
    behind never blocks. The lock coordinates ``write_root`` calls only: ROOT or other
    programs writing the file in place do not take it. On a filesystem without lock
    support (some NFS, Lustre or FUSE mounts) a :class:`~sklhep.exceptions.SklhepWarning`
    says so and the write goes ahead unlocked: write such a file from one process at a
    time.

    **Permissions.** A replaced file keeps its permission bits and, where allowed, its
    group (and owner, when run as root); a new file gets ``0o666`` less the umask (or
    the directory's default ACL), like any new file. A write-protected file is not
    replaced (``PermissionError``). Other metadata (ACLs, extended attributes) and hard
    links are not carried over: the file is a new one with the same name.

    **Symbolic links.** ``path`` is resolved with :func:`os.path.realpath`; the temporary
    and the lock file are created next to the link's target, which is replaced, and the
    link itself is left in place.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import uproot
    >>> from sklhep.io import write_root
    >>> tmp = tempfile.mkdtemp()
    >>> path = os.path.join(tmp, "scores.root")
    >>> write_root(path, {"score": np.array([0.9, 0.7, 0.8]), "fold": np.array([0, 1, 2])})
    >>> with uproot.open(path) as f:  # one entry per input event, in order
    ...     f["scores"].arrays(library="pd")  # doctest: +NORMALIZE_WHITESPACE
       score  fold
    0    0.9     0
    1    0.7     1
    2    0.8     2
    >>> write_root(path, {"score_bdt": np.array([0.1, 0.2, 0.3])}, tree="bdt", mode="update")
    >>> with uproot.open(path) as f:  # the "scores" tree is kept
    ...     sorted(f.keys(cycle=False))
    ['bdt', 'scores']
    >>> import shutil; shutil.rmtree(tmp)
    """
    if mode not in ("recreate", "update"):
        raise ValueError(f"mode must be 'recreate' or 'update', got {mode!r}.")
    if not isinstance(tree, str) or not tree.strip("/"):
        raise ValueError(f"tree must be a non-empty name, got {tree!r}.")
    if lock_timeout is not None and (
        isinstance(lock_timeout, bool)
        or not isinstance(lock_timeout, int | float)
        or not lock_timeout >= 0
    ):
        raise ValueError(
            "lock_timeout must be a number of seconds >= 0, or None to wait without limit; "
            f"got {lock_timeout!r}."
        )
    columns = _columns(data)
    shown, target = _resolve(path)
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        where = "" if os.path.abspath(shown) == target else f" (the link points to {target!r})"
        raise FileNotFoundError(
            errno.ENOENT,
            f"Cannot write {shown!r}{where}: the directory {folder!r} does not exist. "
            "Create it first, e.g. os.makedirs(folder, exist_ok=True).",
        )
    _existing(target, shown)  # fail early, before waiting for the lock
    with _cleanup_before_termination(), _lock.locked(target, lock_timeout, shown) as held:
        if held:
            _remove_stale_temporaries(target)
        replaced = _existing(target, shown)  # again: another writer may have changed it
        _write(target, shown, replaced, columns, tree, mode)
