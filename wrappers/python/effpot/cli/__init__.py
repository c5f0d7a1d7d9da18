"""The ``effpot`` command (docs/cli.md): the entry point and learn/compare/demo/export (command.py), the scan
(scan.py), the TOML configuration (config.py), the runs it drives (runs.py), the output folder (output.py),
result.json and report.html (report.py), the figures (figures.py) and a TOML writer (toml_writer.py)."""


def __getattr__(name):
    # effpot.cli.main without importing the command's modules with the package: `python -m effpot.cli.config` then
    # runs config.py once, as the script (an earlier import would make runpy warn).
    if name == "main":
        from .command import main
        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
