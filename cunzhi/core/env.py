"""Typed helpers for reading settings from the environment.

Every deployable setting comes from the environment so one settings file serves the demo,
the test suite and production.
"""

import datetime as dt
import os

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_time_ranges(name: str, default: str) -> tuple[tuple[dt.time, dt.time], ...]:
    """Periods of the day such as "08:30-12:00,14:00-17:30", in order; each must end after it starts
    and none may overlap (a typo stops the start, rather than silently changing a legal clock)."""
    raw = os.environ.get(name)
    text = default if raw is None or not raw.strip() else raw
    periods = []
    try:
        for part in text.split(","):
            start, end = (dt.time.fromisoformat(t.strip()) for t in part.split("-"))
            periods.append((start, end))
    except ValueError as exc:
        raise ValueError(f"{name} must look like 08:30-12:00,14:00-17:30, got {text!r}") from exc
    periods.sort()
    for (s1, e1), (s2, _e2) in zip(periods, [*periods[1:], (None, None)]):
        if e1 <= s1 or (s2 is not None and s2 < e1):
            raise ValueError(f"{name}: each period must end after it starts and periods may not overlap, got {text!r}")
    return tuple(periods)


def env_map(name: str) -> dict[str, str]:
    """Overrides per key, such as "emergency=4,general=120" (empty: none). A malformed pair stops the
    start with a clear message instead of being skipped."""
    raw = os.environ.get(name, "")
    pairs = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"{name} must look like key=value,key=value, got {raw!r}")
        pairs[key.strip()] = value.strip()
    return pairs


def env_int_map(name: str) -> dict[str, int]:
    try:
        return {k: int(v) for k, v in env_map(name).items()}
    except ValueError as exc:
        raise ValueError(f"{name} must look like key=number,key=number, got {os.environ.get(name)!r}") from exc
