"""The output of the ``effpot`` commands: the names of the files a learned folder holds, the errors a command
reports without a traceback, and the folder itself, assembled under a temporary name and renamed into place so that
an interrupted run leaves no partial output (docs/cli.md); the worker processes of --workers and the progress of
the commands.
"""
import contextlib
import glob
import json
import os
import shutil
import socket
import sys
import tempfile

from ..distributed.executors import local_executor
from ..shared.progress import TextProgress
from .report import plain

RESULT, SAVED_POTENTIAL, FORCE, CONFIG = "result.json", "effective_potential.xml", "potential.xml", "config.toml"


class CommandError(Exception):
    """A problem the user can fix; printed without a traceback."""


class RunFailed(Exception):
    """A run that failed after it started (exit status 1); printed without a traceback."""


def progress_reporter(enabled):
    """A TextProgress (a bar on a terminal, plain lines elsewhere), or None without one."""
    if not enabled:
        return None
    return TextProgress()


_OWNER = ".effpot-owner"


def _owner_alive(staging):
    """Whether the process that made a .DIR.partial-* folder still runs: True, False, or None (unknown)."""
    try:
        with open(os.path.join(staging, _OWNER), encoding="utf-8") as stream:
            host, pid = stream.read().split()
        pid = int(pid)
    except (OSError, ValueError):
        return None
    if host != socket.gethostname():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_partials(folder):
    """Remove the .DIR.partial-* folders that killed runs (SIGKILL, power loss) left next to `folder`; name those
    whose owner is unknown (another machine, an older effpot) instead of touching them."""
    parent, name = os.path.dirname(folder), os.path.basename(folder)
    for staging in sorted(glob.glob(os.path.join(glob.escape(parent), f".{glob.escape(name)}.partial-*"))):
        alive = _owner_alive(staging)
        if alive is False:
            shutil.rmtree(staging, ignore_errors=True)
            print(f"effpot: removed {staging}, left by an earlier run that was killed", file=sys.stderr)
        elif alive is None:
            print(f"effpot: note: {staging} was left by an earlier interrupted run (or one on another machine); "
                  "delete it if no run is writing it", file=sys.stderr)


def check_writable(folder):
    """Write and remove a small file in `folder`: an unwritable output fails before the work, not after it."""
    try:
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".effpot-probe-")
        os.write(handle, b"effpot")
        os.close(handle)
        os.remove(probe)
    except OSError as error:
        raise CommandError(f"cannot write into {folder}: {error.strerror or error}: choose another output "
                           "directory (-o)") from None


def prepare_output(folder, force):
    """A fresh temporary folder next to `folder` (renamed into place at the end), or `folder` itself with --force.
    Everything is checked here, before the work starts: the folder must be new, empty or forced, and writable."""
    folder = os.path.abspath(folder)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise CommandError(f"{folder} exists and is not a directory: choose another output directory (-o)")
    if os.path.isdir(folder) and os.listdir(folder):
        if not force:
            raise CommandError(f"{folder} already exists and is not empty: choose another output directory (-o) "
                               "or pass --force to overwrite its files")
        check_writable(folder)
        return folder, None
    parent = os.path.dirname(folder)
    try:
        os.makedirs(parent, exist_ok=True)
        _remove_stale_partials(folder)
        staging = tempfile.mkdtemp(dir=parent, prefix=f".{os.path.basename(folder)}.partial-")
    except OSError as error:
        raise CommandError(f"cannot create the output directory {folder}: {error.strerror or error}: choose another "
                           "output directory (-o)") from None
    try:
        with open(os.path.join(staging, _OWNER), "w", encoding="utf-8") as stream:
            stream.write(f"{socket.gethostname()} {os.getpid()}\n")
        check_writable(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging, folder


def finish_output(staging, final):
    if final is None:
        return
    os.remove(os.path.join(staging, _OWNER))
    os.chmod(staging, 0o755)
    if os.path.isdir(final):  # an empty folder the user made
        os.rmdir(final)
    os.replace(staging, final)


def rescue(config_text, potential, result, error, folder):
    """Writing the output failed after the learning finished: keep the result elsewhere and say where."""
    for parent in (tempfile.gettempdir(), os.path.expanduser("~"), os.getcwd()):
        try:
            kept = tempfile.mkdtemp(dir=parent, prefix="effpot-rescued-")
            potential.save(os.path.join(kept, SAVED_POTENTIAL))
            with open(os.path.join(kept, CONFIG), "w", encoding="utf-8") as stream:
                stream.write(config_text)
            if result is not None:
                with open(os.path.join(kept, RESULT), "w", encoding="utf-8") as stream:
                    json.dump(plain(result), stream, indent=1)
        except OSError:
            continue
        return RunFailed(f"could not write {folder} ({error.strerror or error}); the learned potential is kept in "
                         f"{kept} ({SAVED_POTENTIAL}, {CONFIG}{', ' + RESULT if result is not None else ''}): copy "
                         "it from there")
    return RunFailed(f"could not write {folder} ({error.strerror or error}), nor keep the result anywhere else "
                     "(temporary folder, home, current folder): free some space and run again")


def worker_executor(workers):
    """Worker processes for --workers N (None: threads in this process, the fastest on one machine)."""
    if workers is None:
        return contextlib.nullcontext(None)
    if workers < 1:
        raise CommandError(f"--workers must be at least 1, got {workers}")
    return local_executor(workers)
