"""Dependency-free text progress for CoarseGrainer runs and the ``effpot`` command (stderr).

On a terminal: one bar per stage, redrawn in place (``\\r``), with the elapsed time and an ETA. Anywhere else (a
pipe, a log file, a CI job): plain lines without ``\\r``, at most one per stage every ``interval`` seconds plus
one when the stage is done, each with its ETA.
"""
import shutil
import sys
import time

from .. import effpot_swig as _swig


def _duration(seconds):
    """A duration for people: 0.4 s, 12 s, 3 min 05 s, 1 h 02 min."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


def _is_terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def bar_line(stage, fraction, elapsed, eta, width, columns):
    """One bar line that fits `columns` (the terminal's width, less one so that it never wraps): the label column,
    then the bar (at most `width` characters, shrunk first, dropped on a very narrow terminal), then the
    percentage, elapsed time and ETA; a label too long for what is left is cut with an ellipsis. A line longer than
    the terminal would wrap, and each redraw with ``\r`` would then add a line instead of replacing it."""
    tail = f" {100 * fraction:3.0f}% {_duration(elapsed)}, {eta}"
    room = columns - 1 - len(tail)
    label = f"{stage:<28}"
    bar = min(width, room - len(label) - 3)
    if bar < 10:  # a narrow terminal: a short bar (or none) and the label cut to what is left
        bar = 10 if room >= 10 + 3 + 8 else 0
        keep = room - (bar + 3 if bar else 0)
        label = stage if len(stage) <= keep else stage[:max(keep - 1, 0)] + "\u2026"
        label = f"{label:<{min(28, max(keep, 0))}}"[:max(keep, 0)]  # padded as far as it fits: bars stay aligned
    filled = int(round(fraction * bar))
    line = label + (f" [{'#' * filled}{'.' * (bar - filled)}]" if bar else "")
    return (line + tail)[:max(columns - 1, 1)]


class TextProgress(_swig.ProgressReporter):
    """Draws ``stage [#####.....] 52%  3.1 s, ETA 2.9 s`` on a terminal, or prints plain lines elsewhere.

    Parameters
    ----------
    stream : file, optional
        Where to write (default sys.stderr).
    width : int
        Bar width in characters.
    terminal : bool, optional
        Force the bar (True) or plain lines (False); default: whether the stream is a TTY.
    interval : float
        Seconds between two plain lines of the same stage (not on a terminal).
    """

    def __init__(self, stream=None, width=30, terminal=None, interval=10.0):
        super().__init__()
        self.stream = stream or sys.stderr
        self.width = width
        self.terminal = _is_terminal(self.stream) if terminal is None else bool(terminal)
        self.interval = float(interval)
        self.stage = None
        self.start = time.perf_counter()
        self.open_line = False

    def _eta(self, fraction, elapsed):
        if fraction >= 1.0:
            return "done"
        if fraction <= 0.0:
            return "ETA --"
        return f"ETA {_duration(elapsed * (1.0 - fraction) / fraction)}"

    def report(self, stage, done, total):
        fraction = min(1.0, done / total) if total else 1.0
        now = time.perf_counter()
        if stage != self.stage:
            self.finish()
            self.stage = stage
            self.start = now
            self.shown = -1
            self.last_line = now
            self.finished = False
        elapsed = now - self.start
        if self.terminal:
            percent = int(100 * fraction)
            if percent == self.shown:
                return
            self.shown = percent
            columns = shutil.get_terminal_size(fallback=(80, 24)).columns
            # "\x1b[K" clears what a longer line before this one left on the right.
            self.stream.write("\r" + bar_line(stage, fraction, elapsed, self._eta(fraction, elapsed), self.width,
                                              columns) + "\x1b[K")
            self.open_line = True
            if done >= total and stage == "fit":
                self.finish()
        else:
            if self.finished:
                return
            if fraction >= 1.0:
                self.finished = True
            elif now - self.last_line < self.interval:
                return
            self.last_line = now
            self.stream.write(f"{stage}: {100 * fraction:.0f}% after {_duration(elapsed)}, "
                              f"{self._eta(fraction, elapsed)}\n")
        self.stream.flush()

    def finish(self):
        """End the bar's line (on a terminal); nothing to do for plain lines."""
        if self.open_line:
            self.stream.write("\n")
            self.stream.flush()
            self.open_line = False


class CallbackProgress(_swig.ProgressReporter):
    """Forwards reports to a Python callable f(stage, done, total)."""

    def __init__(self, function):
        super().__init__()
        self.function = function

    def report(self, stage, done, total):
        self.function(stage, done, total)


class SilentProgress(_swig.ProgressReporter):
    """Draws nothing. A long C++ call (CoarseGrainer.run, a piece of it, the fit) holds the interpreter; with this
    reporter it returns to Python at every report (a few times per second), which is where Python runs its signal
    handlers: Ctrl-C (KeyboardInterrupt) and the CLI's SIGTERM/SIGHUP handler then stop the call within a second."""

    def report(self, stage, done, total):
        pass
