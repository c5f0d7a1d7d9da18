"""A small TOML writer for effpot's configurations (tables of strings, numbers, booleans, lists of them and inline
tables, such as [compare] extra_surrogates): Python's tomllib reads TOML but does not write it."""
import json
import math
import re


def _key(key):
    """A bare key where TOML allows one, else a quoted one."""
    key = str(key)
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        if "\n" in value and '"""' not in value and "\\" not in value and not value.endswith('"') and \
                all(c == "\n" or c == "\t" or ord(c) >= 0x20 for c in value):
            # A multi-line basic string, as a person writes an energy expression (a newline right after the
            # opening quotes is not part of the value).
            return '"""\n' + value + '"""'
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string: the same escapes as JSON
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        # An inline table (TOML 1.0: on one line), e.g. each entry of [compare] extra_surrogates.
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    if hasattr(value, "tolist"):
        return _value(value.tolist())
    raise TypeError(f"cannot write {type(value).__name__} as a TOML value")


def dumps(config, comments=None):
    """TOML text of {section: {key: value}}; plain keys before the tables. `comments` maps a section (or None, the
    top) to lines written as # comments above it."""
    comments = comments or {}
    lines = [f"# {line}" for line in comments.get(None, [])]
    plain = {k: v for k, v in config.items() if not isinstance(v, dict)}
    for key, value in plain.items():
        lines.append(f"{_key(key)} = {_value(value)}")
    for section, table in config.items():
        if not isinstance(table, dict):
            continue
        if lines:
            lines.append("")
        lines += [f"# {line}" for line in comments.get(section, [])]
        lines.append(f"[{_key(section)}]")
        for key, value in table.items():
            lines.append(f"{_key(key)} = {_value(value)}")
    return "\n".join(lines) + "\n"
