"""A folder of finished task results, so that an interrupted run resumes where it stopped.

Each result is one JSON file, written atomically (effpot.shared.files) as soon as it arrives, so a crash never leaves a
half-written result. ``manifest.json`` records what the results belong to (a fingerprint of the settings and of how
the work is split); opening the folder with another fingerprint is refused, since mixing results of different
settings would silently give a wrong answer.
"""
import json
import os
import re
import xml.etree.ElementTree as ElementTree

from ..shared.files import atomic_write_text

__all__ = ["Checkpoint", "CheckpointError"]


class CheckpointError(ValueError):
    """A checkpoint folder that cannot be used: written by another run, or damaged (the message says what to do)."""

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+_-]*$")


class Checkpoint:
    """Results of one run's tasks, stored in `directory` under their task keys.

    Parameters
    ----------
    directory : str or os.PathLike
        Created if missing.
    fingerprint : dict
        Plain data that identifies the run (settings, split, platform). Stored in manifest.json the first time;
        later openings must give the same, else ValueError names the entries that differ.
    details : dict, optional
        Long texts stored beside the manifest (e.g. the settings XML, ``{"settings.xml": text}``), for people and for
        the error message when the fingerprint differs.
    """

    def __init__(self, directory, fingerprint, details=None):
        self.directory = os.fspath(directory)
        self.fingerprint = json.loads(json.dumps(fingerprint))  # as it reads back from the file
        if os.path.exists(self.directory) and not os.path.isdir(self.directory):
            raise CheckpointError(f"checkpoint: {self.directory} is a file, not a folder: give a folder for the "
                                  "checkpoint (a new one, or one an earlier run of the same settings made)")
        os.makedirs(self.directory, exist_ok=True)
        manifest = os.path.join(self.directory, "manifest.json")
        if os.path.exists(manifest):
            try:
                with open(manifest, encoding="utf-8") as stream:
                    stored = json.load(stream).get("fingerprint")
                if not isinstance(stored, dict):
                    raise ValueError(f"its fingerprint is a {type(stored).__name__}, not a table")
            except (ValueError, AttributeError) as error:  # UnicodeDecodeError is a ValueError
                raise CheckpointError(f"checkpoint: {manifest} is damaged ({error}): delete the folder {self.directory} to "
                                 "start over") from None
            if stored != self.fingerprint:
                differ = sorted(k for k in set(stored or {}) | set(self.fingerprint)
                                if (stored or {}).get(k) != self.fingerprint.get(k))
                hint = self._detail_difference(details)
                raise CheckpointError(f"checkpoint: the folder {self.directory} holds results of a different run (differing: "
                                 f"{', '.join(differ)}{hint}); give a new folder, or delete this one to start over")
        else:
            for name, text in (details or {}).items():
                atomic_write_text(os.path.join(self.directory, name), text)
            atomic_write_text(manifest, json.dumps({"format": "effpot checkpoint 1", "fingerprint": self.fingerprint},
                                                   indent=1) + "\n")

    def _detail_difference(self, details):
        # Name the first differing line of a stored detail (for settings XML: the setting that changed).
        for name, text in (details or {}).items():
            path = os.path.join(self.directory, name)
            if not os.path.exists(path):
                continue
            with open(path, encoding="utf-8", errors="replace") as stream:  # a damaged detail still compares
                old = stream.read().splitlines()
            difference = _xml_difference("\n".join(old), text)
            if difference:
                return f"; in {name}: {difference}"
        return ""

    def path(self, key):
        """The file of the result stored under `key` (a safe file name: letters, digits, .+_-)."""
        if not _KEY.match(key):
            raise ValueError(f"checkpoint: task key {key!r} is not a safe file name (letters, digits, .+_-)")
        return os.path.join(self.directory, key + ".json")

    def has(self, key):
        return os.path.exists(self.path(key))

    def load(self, key):
        path = self.path(key)
        try:
            with open(path, encoding="utf-8") as stream:
                return json.load(stream)["result"]
        except (ValueError, KeyError, TypeError) as error:
            raise CheckpointError(f"checkpoint: {path} is damaged ({type(error).__name__}: {error}): delete that file and "
                             "run again (only its piece reruns)") from None

    def save(self, key, result):
        atomic_write_text(self.path(key), json.dumps({"key": key, "result": result}))

    def keys(self):
        """Keys of the stored results."""
        return sorted(name[:-5] for name in os.listdir(self.directory)
                      if name.endswith(".json") and name != "manifest.json")


def _xml_difference(old, new):
    """The first setting that differs between two XML texts, as 'path@attribute: stored X, now Y' ('' if none)."""
    try:
        a, b = ElementTree.fromstring(old), ElementTree.fromstring(new)
    except ElementTree.ParseError:
        return "" if old == new else "the text differs"

    def walk(x, y, path):
        if x.tag != y.tag:
            return f"{path}: stored <{x.tag}>, now <{y.tag}>"
        for name in sorted(set(x.attrib) | set(y.attrib)):
            if x.attrib.get(name) != y.attrib.get(name):
                return f"{path}@{name}: stored {x.attrib.get(name)!r}, now {y.attrib.get(name)!r}"
        xs, ys = list(x), list(y)
        for i, (cx, cy) in enumerate(zip(xs, ys)):
            found = walk(cx, cy, f"{path}/{cx.tag}[{i}]")
            if found:
                return found
        if len(xs) != len(ys):
            return f"{path}: stored {len(xs)} entries, now {len(ys)}"
        return ""
    return walk(a, b, a.tag)
