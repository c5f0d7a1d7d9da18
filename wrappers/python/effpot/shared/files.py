"""Atomic file writes: a crash or an interrupt never leaves half a file where a user's file was."""
import os
import tempfile


def _temporary(folder, path, suffix):
    """A temporary file next to path; an error names path (not the temporary name)."""
    try:
        return tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix)
    except OSError as error:
        raise OSError(error.errno, error.strerror, path) from None  # names path, not the temporary file


def _target(path):
    """path as a file name to write, and its folder; an empty name or a directory is refused naming it (the rename
    would otherwise fail naming the temporary file)."""
    path = os.fspath(path)
    if path == "":
        raise FileNotFoundError(2, "an empty file name; give the file to write", path)
    if os.path.isdir(path):
        raise IsADirectoryError(21, "is a directory; give the file to write in it", path)
    return path, os.path.dirname(os.path.abspath(path))


def _replace(temporary, path):
    """os.replace, with an error that names path."""
    try:
        os.replace(temporary, path)
    except OSError as error:
        raise type(error)(error.errno, error.strerror, path) from None


def atomic_write_text(path, text):
    """Write text to path through a temporary file in the same folder, then rename it over path."""
    path, folder = _target(path)
    handle, temporary = _temporary(folder, path, ".part")
    try:
        # mkstemp creates the file private (0600): give it the mode a plain open() would (or the old file's).
        try:
            mode = os.stat(path).st_mode & 0o777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.fchmod(handle, mode)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        _replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def atomic_save_figure(figure, path, **options):
    """Save a matplotlib figure to path through a temporary file in the same folder, then rename it over path."""
    path, folder = _target(path)
    handle, temporary = _temporary(folder, path, os.path.splitext(path)[1])
    os.close(handle)
    try:
        figure.savefig(temporary, **options)
        os.chmod(temporary, 0o644)
        _replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def atomic_write_bytes(path, write):
    """Call write(stream) on a binary temporary file in path's folder, then rename it over path (0644)."""
    path, folder = _target(path)
    handle, temporary = _temporary(folder, path, ".part")
    try:
        os.fchmod(handle, 0o644)
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        _replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
