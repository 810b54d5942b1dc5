"""write_root under real use: concurrent writers, killed writers, permissions, symlinks.

The multi-process tests run a few long-lived worker processes (started once for the
module: importing sklhep takes seconds) that call ``write_root`` on command. A worker can
be made to pause inside the write (after taking the lock, with the temporary file
written) by replacing ``sklhep.io._write._fill``, so that races and kills are
deterministic rather than left to timing.
"""

from __future__ import annotations

import errno
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pytest
import uproot

import sklhep.io._write as write_module
from sklhep.exceptions import SklhepWarning
from sklhep.io import write_root

Mode = Literal["recreate", "update"]
#: Where the workers import sklhep from: where this process did.
SKLHEP_ROOT = str(Path(write_module.__file__).resolve().parents[2])
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and permissions")
not_root = pytest.mark.skipif(
    os.name == "posix" and os.geteuid() == 0, reason="root ignores permission bits"
)

#: A worker: reads one JSON job per line on stdin, answers one JSON line per job. It
#: imports ``sklhep.io._write`` without the package's ``__init__`` (which imports
#: scikit-learn and dask), to start in a second rather than three; write_root is the same.
WORKER = r"""
import json, os, sys, time, types
import sklhep
package = types.ModuleType("sklhep.io")
package.__path__ = [os.path.join(os.path.dirname(sklhep.__file__), "io")]
sys.modules["sklhep.io"] = package
import numpy as np
import sklhep.io._write as w
from sklhep.io._write import write_root

real_fill = w._fill
job = {}

def wait_for(path):
    deadline = time.monotonic() + 120
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.005)

def fill(file, tree, columns):
    time.sleep(job.get("delay", 0.0))
    if job.get("pause") == "after":
        real_fill(file, tree, columns)
        file.file.sink.flush()
    if job.get("ready"):
        open(job["ready"], "w").close()
    if job.get("release"):
        wait_for(job["release"])
    if job.get("pause") != "after":
        real_fill(file, tree, columns)

w._fill = fill
print(json.dumps({"pid": os.getpid()}), flush=True)
for line in sys.stdin:
    job = json.loads(line)
    if job.get("go"):
        wait_for(job["go"])
    start = time.monotonic()
    try:
        values = np.arange(job["n"], dtype=np.float64) + job["value"]
        write_root(job["path"], {"v": values}, tree=job["tree"], mode=job["mode"])
        reply = {"ok": True}
    except BaseException as exc:
        reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    reply.update(start=start, end=time.monotonic())
    print(json.dumps(reply), flush=True)
"""


class Worker:
    """A child process that runs write_root jobs."""

    def __init__(self) -> None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([SKLHEP_ROOT, *sys.path]))
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.pid = -1

    def started(self, timeout: float = 120) -> Worker:
        self.pid = self._line(timeout)["pid"]
        return self

    def _line(self, timeout: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise AssertionError(f"worker {self.proc.pid} did not answer in {timeout} s")
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"worker {self.proc.pid} died (rc {self.proc.poll()})")
        return json.loads(line)

    def send(self, **job: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()

    def reply(self, timeout: float = 120) -> dict[str, Any]:
        return self._line(timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()


class Pool:
    """Worker processes, started together once; dead ones are replaced when taken."""

    def __init__(self, size: int) -> None:
        self.workers = [Worker() for _ in range(size)]
        for worker in self.workers:
            worker.started()

    def take(self, k: int) -> list[Worker]:
        for i, worker in enumerate(self.workers[:k]):
            if worker.proc.poll() is not None:
                worker.stop()
                self.workers[i] = Worker().started()
        return self.workers[:k]

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()


@pytest.fixture(scope="module")
def pool() -> Iterator[Pool]:
    """Four workers (the kill test, which runs last of them, kills two)."""
    if os.name != "posix":
        pytest.skip("the worker protocol uses select() on pipes")
    workers = Pool(4)
    try:
        yield workers
    finally:
        workers.stop()


def _job(path: Path, tree: str, mode: str, value: float, n: int = 100, **extra: Any) -> dict:
    return {"path": str(path), "tree": tree, "mode": mode, "value": value, "n": n, **extra}


def _trees(path: Path) -> dict[str, np.ndarray]:
    with uproot.open(path) as f:
        return {name: f[name]["v"].array(library="np") for name in f.keys(cycle=False)}


def _wait_for(path: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} did not appear in {timeout} s"
        time.sleep(0.01)


def _leftovers(folder: Path, *keep: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


# --------------------------------------------------------------------------------------
# 1. concurrent updates from several processes


def test_concurrent_updates_from_processes_keep_every_tree(pool: Pool, tmp_path: Path) -> None:
    racers = pool.take(4)
    for round_ in range(3):
        path = tmp_path / f"u{round_}.root"
        expected: dict[str, np.ndarray] = {}
        if round_:  # round 0 races to create the file
            write_root(path, {"v": np.full(5, -1.0)}, tree="base")
            expected["base"] = np.full(5, -1.0)
        go = tmp_path / f"go{round_}"
        for i, worker in enumerate(racers):
            value, n = 1000 * round_ + 10 * i, 50 + i
            # every worker reads the file, then sleeps, then writes: without the lock,
            # all read the same original and the last rename wins
            worker.send(**_job(path, f"t{i}", "update", value, n, delay=0.2, go=str(go)))
            expected[f"t{i}"] = np.arange(n, dtype=np.float64) + value
        go.touch()
        replies = [worker.reply() for worker in racers]
        assert all(r["ok"] for r in replies), replies
        got = _trees(path)
        assert sorted(got) == sorted(expected), f"round {round_}: trees lost"
        for name, values in expected.items():
            np.testing.assert_array_equal(got[name], values)
        assert [name for name in _leftovers(tmp_path) if name.startswith(".")] == []


def test_concurrent_recreate_and_update_are_applied_one_after_the_other(
    pool: Pool, tmp_path: Path
) -> None:
    racers = pool.take(4)
    for round_ in range(2):
        path = tmp_path / f"m{round_}.root"
        write_root(path, {"v": np.zeros(3)}, tree="old")
        go = tmp_path / f"go{round_}"
        modes = ["recreate", "update", "recreate", "update"]
        for i, (worker, mode) in enumerate(zip(racers, modes, strict=True)):
            tree = f"{mode[0]}{i}"  # r0, u1, r2, u3
            worker.send(**_job(path, tree, mode, 100 * i, delay=0.1, go=str(go)))
        go.touch()
        replies = {
            f"{m[0]}{i}": w.reply() for i, (w, m) in enumerate(zip(racers, modes, strict=True))
        }
        assert all(r["ok"] for r in replies.values()), replies
        got = _trees(path)  # a valid ROOT file
        assert "old" not in got
        recreated = [t for t in got if t.startswith("r")]
        assert len(recreated) == 1, got.keys()
        for tree, values in got.items():
            np.testing.assert_array_equal(values, np.arange(100.0) + 100 * int(tree[1]))
        # what the timings prove about the order in which the writes were applied
        last_recreate = replies[recreated[0]]
        for tree, times in replies.items():
            if tree.startswith("r") and tree != recreated[0]:
                assert times["start"] < last_recreate["end"]
            if tree.startswith("u") and times["start"] > max(
                replies[r]["end"] for r in ("r0", "r2")
            ):
                assert tree in got
            if tree.startswith("u") and times["end"] < last_recreate["start"]:
                assert tree not in got
        assert _leftovers(tmp_path, path.name, "m0.root", "go0", "go1") == []


# --------------------------------------------------------------------------------------
# the lock: a live holder blocks with a clear timeout; a dead one never blocks


def test_a_live_writer_blocks_with_a_timeout_naming_it(pool: Pool, tmp_path: Path) -> None:
    path = tmp_path / "held.root"
    ready, release = tmp_path / "ready", tmp_path / "release"
    holder = pool.take(1)[0]
    holder.send(**_job(path, "theirs", "update", 7, ready=str(ready), release=str(release)))
    _wait_for(ready)

    start = time.monotonic()
    with pytest.raises(TimeoutError) as info:
        write_root(path, {"v": np.ones(2)}, tree="mine", mode="update", lock_timeout=0.3)
    waited = time.monotonic() - start
    message = str(info.value)
    assert ".held.root.sklhep-lock" in message
    assert f"process {holder.pid} on host" in message
    assert "lock_timeout" in message
    assert 0.3 <= waited < 30

    release.touch()
    assert holder.reply()["ok"]
    write_root(path, {"v": np.ones(2)}, tree="mine", mode="update", lock_timeout=60)
    assert sorted(_trees(path)) == ["mine", "theirs"]
    assert _leftovers(tmp_path, path.name) == ["ready", "release"]


def test_a_stale_lock_file_does_not_block(tmp_path: Path) -> None:
    path = tmp_path / "s.root"
    write_root(path, {"v": np.zeros(2)})
    lock = tmp_path / ".s.root.sklhep-lock"
    lock.write_text("999999999 some-other-host\n")  # left by a process that died
    write_root(path, {"v": np.ones(2)}, tree="new", mode="update", lock_timeout=5)
    assert sorted(_trees(path)) == ["new", "scores"]
    assert _leftovers(tmp_path) == ["s.root"]  # the lock file is removed after use


def test_threads_of_one_process_are_serialised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fill = write_module._fill

    def slow_fill(file: Any, tree: str, columns: Any) -> None:
        time.sleep(0.05)
        real_fill(file, tree, columns)

    monkeypatch.setattr(write_module, "_fill", slow_fill)
    path = tmp_path / "t.root"
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            write_root(path, {"v": np.full(3, float(i))}, tree=f"t{i}", mode="update")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    got = _trees(path)
    assert sorted(got) == ["t0", "t1", "t2", "t3"]
    for i in range(4):
        np.testing.assert_array_equal(got[f"t{i}"], np.full(3, float(i)))
    assert _leftovers(tmp_path) == ["t.root"]


def test_another_thread_holding_the_lock_times_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fill = write_module._fill
    inside, release = threading.Event(), threading.Event()

    def held_fill(file: Any, tree: str, columns: Any) -> None:
        inside.set()
        release.wait(30)
        real_fill(file, tree, columns)

    monkeypatch.setattr(write_module, "_fill", held_fill)
    path = tmp_path / "t.root"
    thread = threading.Thread(target=write_root, args=(path, {"v": np.zeros(2)}))
    thread.start()
    try:
        assert inside.wait(30)
        with pytest.raises(TimeoutError, match="another thread of this process"):
            write_root(path, {"v": np.ones(2)}, lock_timeout=0.1)
    finally:
        release.set()
        thread.join()
    assert _leftovers(tmp_path) == ["t.root"]


def test_unsupported_locks_warn_and_write_anyway(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sklhep.io import _lock

    def no_locks(fd: int) -> bool:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(_lock, "_try_lock", no_locks)
    path = tmp_path / "nfs.root"
    with pytest.warns(SklhepWarning, match="does not support file locks"):
        write_root(path, {"v": np.ones(3)})
    np.testing.assert_array_equal(_trees(path)["scores"], np.ones(3))
    assert _leftovers(tmp_path) == ["nfs.root"]


@pytest.mark.parametrize("bad", [-1, float("nan"), "10", True])
def test_lock_timeout_is_validated(tmp_path: Path, bad: object) -> None:
    with pytest.raises(ValueError, match="lock_timeout must be"):
        write_root(tmp_path / "x.root", {"v": np.ones(2)}, lock_timeout=bad)  # type: ignore[arg-type]
    assert _leftovers(tmp_path) == []


# --------------------------------------------------------------------------------------
# 2. writers killed half-way


@posix_only
def test_killed_writers_leave_nothing_behind(pool: Pool, tmp_path: Path) -> None:
    victims = pool.take(4)[2:]
    cases = {signal.SIGTERM: victims[0], signal.SIGKILL: victims[1]}
    for sig, worker in cases.items():
        folder = tmp_path / sig.name
        folder.mkdir()
        path = folder / "k.root"
        write_root(path, {"v": np.arange(4.0)}, tree="base")
        original = path.read_bytes()
        ready = folder / "ready"
        # paused after writing 200k entries into the temporary, lock held
        worker.send(
            **_job(
                path,
                "big",
                "update",
                0,
                n=200_000,
                pause="after",
                ready=str(ready),
                release=str(folder / "never"),
            )
        )
        _wait_for(ready)
        ready.unlink()
        during = _leftovers(folder, "k.root")  # the temporary (and the lock file)
        temporaries = [name for name in during if not name.endswith("-lock")]
        assert len(temporaries) == 1
        assert (folder / temporaries[0]).stat().st_size > 100_000

        worker.proc.send_signal(sig)
        assert worker.proc.wait(60) == -sig  # it died of the signal, as without sklhep
        assert path.read_bytes() == original
        if sig == signal.SIGTERM:  # it removed its temporary and lock file before dying
            assert _leftovers(folder) == ["k.root"]
        else:  # SIGKILL cannot be caught: both are left, the kernel dropped the lock
            assert _leftovers(folder) == sorted(["k.root", *during])

        write_root(
            path, {"v": np.ones(2)}, tree="next", mode="update", lock_timeout=10
        )  # not blocked
        assert _leftovers(folder) == ["k.root"]
        got = _trees(path)
        assert sorted(got) == ["base", "next"]
        np.testing.assert_array_equal(got["base"], np.arange(4.0))
        # recognisable names, next to the file
        assert during == [".k.root.sklhep-lock", temporaries[0]]
        assert temporaries[0].startswith(f".k.root.sklhep-tmp-{worker.pid}-")


def test_temporaries_of_other_files_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "a.root"
    others = [
        tmp_path / ".b.root.sklhep-tmp-1-abcd",  # another output's
        tmp_path / ".a.root.tmp",  # not ours
        tmp_path / "a.root.sklhep-tmp-1-abcd",  # not hidden: not ours
    ]
    for other in others:
        other.write_bytes(b"x")
    stale = tmp_path / ".a.root.sklhep-tmp-999999999-00ff00ff"
    stale.write_bytes(b"half a ROOT file")
    write_root(path, {"v": np.ones(2)})
    assert _leftovers(tmp_path) == sorted(["a.root", *(p.name for p in others)])


@posix_only
def test_signal_handlers_are_restored_and_own_handlers_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fill = write_module._fill
    seen: list[Any] = []

    def spy_fill(file: Any, tree: str, columns: Any) -> None:
        seen.append(signal.getsignal(signal.SIGTERM))
        real_fill(file, tree, columns)

    monkeypatch.setattr(write_module, "_fill", spy_fill)
    before = signal.getsignal(signal.SIGTERM)
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        write_root(tmp_path / "a.root", {"v": np.ones(2)})
        assert seen[-1] is not signal.SIG_DFL  # cleanup installed during the write
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL

        def own(signum: int, frame: Any) -> None:  # pragma: no cover - never called
            pass

        signal.signal(signal.SIGTERM, own)
        write_root(tmp_path / "a.root", {"v": np.ones(2)})
        assert seen[-1] is own  # a handler of the application is not replaced
        assert signal.getsignal(signal.SIGTERM) is own
    finally:
        signal.signal(signal.SIGTERM, before)


# --------------------------------------------------------------------------------------
# 3. permissions


@posix_only
@pytest.mark.parametrize("mode", ["recreate", "update"])
@pytest.mark.parametrize("bits", [0o640, 0o604, 0o600])
def test_overwriting_keeps_the_permission_bits(tmp_path: Path, mode: Mode, bits: int) -> None:
    path = tmp_path / "p.root"
    write_root(path, {"v": np.zeros(2)})
    os.chmod(path, bits)
    write_root(path, {"v": np.ones(2)}, tree="other", mode=mode)
    assert path.stat().st_mode & 0o7777 == bits


@posix_only
@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002])
def test_a_new_file_gets_the_umask_mode_not_0600(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        write_root(tmp_path / "n.root", {"v": np.zeros(2)})
        write_root(tmp_path / "u.root", {"v": np.zeros(2)}, mode="update")
    finally:
        os.umask(old)
    for name in ("n.root", "u.root"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~umask


@posix_only
def test_overwriting_keeps_the_group(tmp_path: Path) -> None:
    path = tmp_path / "g.root"
    write_root(path, {"v": np.zeros(2)})
    mine = path.stat().st_gid
    if os.geteuid() == 0:
        other = mine + 4242
    else:
        groups = [g for g in os.getgroups() if g != mine]
        if not groups:
            pytest.skip("the user is in no second group")
        other = groups[0]
    os.chown(path, -1, other)
    write_root(path, {"v": np.ones(2)})
    assert path.stat().st_gid == other


@posix_only
@pytest.mark.parametrize(("folder_bits", "lock_bits"), [(0o775, 0o664), (0o755, 0o644)])
def test_the_lock_file_is_writable_by_whoever_may_write_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder_bits: int, lock_bits: int
) -> None:
    real_fill = write_module._fill
    seen: list[int] = []

    def spy_fill(file: Any, tree: str, columns: Any) -> None:
        seen.append((tmp_path / ".a.root.sklhep-lock").stat().st_mode & 0o7777)
        real_fill(file, tree, columns)

    monkeypatch.setattr(write_module, "_fill", spy_fill)
    os.chmod(tmp_path, folder_bits)
    old = os.umask(0o022)  # would give 0o644
    try:
        write_root(tmp_path / "a.root", {"v": np.ones(2)})
    finally:
        os.umask(old)
    assert seen == [lock_bits]
    assert _leftovers(tmp_path) == ["a.root"]


@posix_only
@not_root
def test_a_write_protected_file_is_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "ro.root"
    write_root(path, {"v": np.zeros(2)})
    os.chmod(path, 0o444)
    before = path.read_bytes()
    with pytest.raises(PermissionError, match="write-protected"):
        write_root(path, {"v": np.ones(2)})
    assert path.read_bytes() == before
    assert _leftovers(tmp_path) == ["ro.root"]


# --------------------------------------------------------------------------------------
# 4. symbolic links


@posix_only
@pytest.mark.parametrize("mode", ["recreate", "update"])
def test_writing_through_a_symlink_writes_the_target(tmp_path: Path, mode: Mode) -> None:
    store, work = tmp_path / "store", tmp_path / "work"
    store.mkdir()
    work.mkdir()
    target = store / "scores.root"
    write_root(target, {"v": np.zeros(3)}, tree="old")
    os.chmod(target, 0o640)
    link = work / "link.root"
    link.symlink_to(target)

    write_root(link, {"v": np.ones(3)}, tree="new", mode=mode)
    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert sorted(_trees(target)) == (["new", "old"] if mode == "update" else ["new"])
    np.testing.assert_array_equal(_trees(target)["new"], np.ones(3))
    assert target.stat().st_mode & 0o777 == 0o640
    assert _leftovers(store) == ["scores.root"]
    assert _leftovers(work) == ["link.root"]


@posix_only
def test_symlink_chains_dangling_links_and_loops(tmp_path: Path) -> None:
    target = tmp_path / "real.root"
    (tmp_path / "one.root").symlink_to("two.root")  # relative links, two hops
    (tmp_path / "two.root").symlink_to("real.root")  # dangling: real.root is missing
    write_root(tmp_path / "one.root", {"v": np.ones(2)})
    assert (tmp_path / "one.root").is_symlink()
    assert (tmp_path / "two.root").is_symlink()
    np.testing.assert_array_equal(_trees(target)["scores"], np.ones(2))

    (tmp_path / "loop_a").symlink_to("loop_b")
    (tmp_path / "loop_b").symlink_to("loop_a")
    with pytest.raises(OSError, match="loop of links") as info:
        write_root(tmp_path / "loop_a", {"v": np.ones(2)})
    assert info.value.errno == errno.ELOOP
    assert (tmp_path / "loop_a").is_symlink()

    (tmp_path / "away.root").symlink_to(tmp_path / "missing" / "x.root")
    with pytest.raises(FileNotFoundError, match="the link points to"):
        write_root(tmp_path / "away.root", {"v": np.ones(2)})
    assert _leftovers(tmp_path) == sorted(
        ["real.root", "one.root", "two.root", "loop_a", "loop_b", "away.root"]
    )


# --------------------------------------------------------------------------------------
# 5. bad places to write


def test_path_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "d.root").mkdir()
    for mode in ("recreate", "update"):
        with pytest.raises(IsADirectoryError, match="is a directory"):
            write_root(tmp_path / "d.root", {"v": np.ones(2)}, mode=mode)
    assert _leftovers(tmp_path) == ["d.root"]
    assert list((tmp_path / "d.root").iterdir()) == []


def test_missing_parent_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"does not exist\. Create it first"):
        write_root(tmp_path / "no" / "such" / "s.root", {"v": np.ones(2)}, mode="update")
    assert _leftovers(tmp_path) == []


@posix_only
def test_read_only_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "s.root"
    write_root(path, {"v": np.zeros(2)})
    before = path.read_bytes()
    if os.geteuid() == 0:  # root writes anyway: refuse the directory as a kernel would
        real_open = os.open

        def refusing_open(name: Any, *args: Any, **kwargs: Any) -> int:
            if os.path.dirname(os.fspath(name)) == str(folder) and name != str(folder):
                raise PermissionError(errno.EACCES, "Permission denied", name)
            return real_open(name, *args, **kwargs)

        monkeypatch.setattr(os, "open", refusing_open)
    os.chmod(folder, 0o555)
    try:
        for mode in ("recreate", "update"):
            with pytest.raises(PermissionError, match="needs write access to the directory"):
                write_root(path, {"v": np.ones(2)}, mode=mode)
    finally:
        os.chmod(folder, 0o755)
        monkeypatch.undo()
    assert path.read_bytes() == before
    assert _leftovers(folder) == ["s.root"]


def test_a_long_file_name(tmp_path: Path) -> None:
    name = "s" * 240 + ".root"  # the temporary's name would pass NAME_MAX unshortened
    path = tmp_path / name
    write_root(path, {"v": np.ones(2)})
    write_root(path, {"v": np.zeros(2)}, tree="two", mode="update")
    assert sorted(_trees(path)) == ["scores", "two"]
    assert _leftovers(tmp_path) == [name]
