"""A dependency-free text progress bar for CoarseGrainer runs (stderr, redrawn in place)."""
import sys
import time

from . import effpot_swig as _swig


class TextProgress(_swig.ProgressReporter):
    """Draws `stage [#####.....] 52% 3.1 s` on a stream; one line per stage."""

    def __init__(self, stream=None, width=30):
        super().__init__()
        self.stream = stream or sys.stderr
        self.width = width
        self.stage = None
        self.start = time.perf_counter()

    def report(self, stage, done, total):
        fraction = done / total if total else 1.0
        if stage != self.stage:
            if self.stage is not None:
                self.stream.write("\n")
            self.stage = stage
            self.start = time.perf_counter()
            self.shown = -1
        percent = int(100 * fraction)
        if percent == self.shown:
            return
        self.shown = percent
        filled = int(round(fraction * self.width))
        elapsed = time.perf_counter() - self.start
        self.stream.write(f"\r{stage:<28} [{'#' * filled}{'.' * (self.width - filled)}] {100 * fraction:3.0f}% "
                          f"{elapsed:6.1f} s")
        if done >= total and stage == "fit":
            self.stream.write("\n")
        self.stream.flush()


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
