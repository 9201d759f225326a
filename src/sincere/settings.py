"""Settings: one dataclass per command whose fields are its YAML keys and its CLI flags.

A field is declared with `setting(default, help)`: the help text is written once, in the
field's metadata, and `sincere <command> --help` shows it (`cli.fields` makes the flags).
`build` reads a YAML file and flag values into the class: unknown keys are errors that name the
key and the nearest known one, values are coerced to the field's type, and a field's `check`
runs with the flag or key named in its error. Cross-field checks live in `__post_init__`.

>>> from dataclasses import dataclass
>>> @dataclass
... class Demo:
...     size: int = setting(3, "How many.", check=at_least(1))
>>> build(Demo, overrides={"size": "5"}).size
5
"""

from __future__ import annotations

import difflib
import json
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import MISSING, Field, asdict, field, fields
from pathlib import Path
from typing import Any, Literal, TypeVar, Union

import yaml

from sincere.errors import SincereError
from sincere.models import scrub

T = TypeVar("T")
NONE_WORDS = ("none", "null")
Check = Callable[[Any], Any]


class ConfigError(SincereError, ValueError):
    """A setting that cannot be used; the message names the key or flag and how to fix it."""


def setting(default: Any, help: str, *, flags: tuple[str, ...] = (), check: Check | None = None,  # noqa: A002
            cli: bool = True, identity: bool = True) -> Any:
    """A settings field. `flags`: the CLI names (default `--field-name`; a name without dashes is the
    positional argument); `check(value)` raises SincereError for a bad value; `cli=False`: YAML and
    Python only; `identity=False`: how a run goes, not what it measures (left out when a run folder
    is matched against a rerun)."""
    meta = {"help": help, "flags": flags, "check": check, "cli": cli, "identity": identity}
    if isinstance(default, dict | list):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


def at_least(low: float) -> Check:
    """A check: the value (when not None) is at least `low`."""
    def check(value: Any) -> Any:
        if value is not None and not value >= low:
            raise ConfigError(f"must be at least {low:g}, got {value}")
        return value
    return check


def between(low: float, high: float) -> Check:
    """A check: the value (when not None) lies in [low, high]."""
    def check(value: Any) -> Any:
        if value is not None and not low <= value <= high:
            raise ConfigError(f"must be between {low:,g} and {high:,g}, got {value}")
        return value
    return check


def settable(cls: type) -> list[Field[Any]]:
    """The fields a YAML file or a flag may set, in declaration order (later definitions win)."""
    return [f for f in fields(cls) if f.init]


def flag_names(f: Field[Any]) -> tuple[str, ...]:
    """The CLI names of a field: its declared flags, or `--field-name`."""
    return tuple(f.metadata.get("flags") or ()) or ("--" + f.name.replace("_", "-"),)


def did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def read_yaml(path: str | Path, what: str = "settings", error: type[ConfigError] = ConfigError
              ) -> tuple[str, dict[str, Any]]:
    """(where, mapping) of a YAML settings file; `error` for a missing, unreadable or non-mapping file."""
    where = str(path)
    if not Path(path).is_file():
        raise error(f"{where}: no such {what} file")
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{where}: cannot read as UTF-8 text ({exc})") from None
    except yaml.YAMLError as exc:
        raise error(f"{where}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise error(f"{where}: a {what} file is a mapping of field: value")
    return where, data


def build(cls: type[T], data: dict[str, Any] | None = None, where: str = "settings",
          overrides: dict[str, Any] | None = None, *, flags: bool = False, error: type[ConfigError] = ConfigError,
          what: str = "") -> T:
    """`cls` from defaults, then `data` (read from `where`), then `overrides` (values by field name).

    Errors are of type `error` and name the YAML key (`where: key: ...`) or the override, as its flag
    (`--key: ...`) when `flags`; `what` ends the unknown-key message (e.g. " for a dpo recipe").
    """
    known = {f.name: f for f in settable(cls)}
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for key, value in (data or {}).items():
        if key not in known:
            raise error(f"{where}: unknown key {key!r}{did_you_mean(str(key), known)}{what}")
        values[key] = _value(known[key], hints[key], value, f"{where}: {key}", error)
    for key, value in (overrides or {}).items():
        if key not in known:
            raise error(f"unknown setting {key!r}{did_you_mean(key, known)}{what}")
        values[key] = _value(known[key], hints[key], value, flag_names(known[key])[0] if flags else key, error)
    try:
        return cls(**values)
    except SincereError as exc:
        if data is None or overrides:  # no file, or the setting named may come from a flag: no file to blame
            raise error(str(exc)) from None
        raise error(f"{where}: {exc}") from None


def _value(f: Field[Any], hint: Any, value: Any, label: str, error: type[ConfigError]) -> Any:
    try:
        return checked(f, coerce(hint, value))
    except SincereError as exc:
        raise error(f"{label}: {exc}") from None


def load(cls: type[T], path: str | Path | None = None, overrides: dict[str, Any] | None = None, *,
         flags: bool = False) -> T:
    """`cls` from a YAML file (when given) and overrides: `build` with the file read."""
    where, data = read_yaml(path) if path else ("defaults", None)
    return build(cls, data, where, overrides, flags=flags)


def checked(f: Field[Any], value: Any) -> Any:
    """The value after the field's check (SincereError when it fails)."""
    check = f.metadata.get("check")
    return check(value) if check and value is not None else value


def check_fields(config: Any) -> None:
    """Run every field's check on a constructed config (for Python callers); errors name the field."""
    for f in settable(type(config)):
        try:
            checked(f, getattr(config, f.name))
        except SincereError as exc:
            raise ConfigError(f"{f.name}: {exc}") from None


def identity(config: Any) -> dict[str, Any]:
    """The settings that define what a run measures (credentials scrubbed): the key a rerun is matched on."""
    keep = {f.name for f in settable(type(config)) if f.metadata.get("identity", True)}
    return {k: v for k, v in scrub(asdict(config)).items() if k in keep}


def dump(config: Any, first: dict[str, Any] | None = None) -> str:
    """The config as YAML (credentials scrubbed), loadable again with `build`; `first`: keys written before it."""
    plain = json.loads(json.dumps(scrub(asdict(config)), default=str))  # paths as text
    return yaml.safe_dump({**(first or {}), **plain}, sort_keys=False, allow_unicode=True)


def default_of(f: Field[Any]) -> Any:
    return f.default_factory() if f.default_factory is not MISSING else f.default  # type: ignore[misc]


def optional(hint: Any) -> tuple[Any, bool]:
    """(the type inside `X | None`, whether None is allowed)."""
    if typing.get_origin(hint) in (Union, types.UnionType) and type(None) in typing.get_args(hint):
        args = tuple(a for a in typing.get_args(hint) if a is not type(None))
        return (args[0] if len(args) == 1 else Union[args]), True  # noqa: UP007 (a Union built at runtime)
    return hint, False


def coerce(hint: Any, value: Any) -> Any:
    """A YAML or CLI value as the field's type; ConfigError when it cannot be."""
    inner, nullable = optional(hint)
    if value is None or (nullable and isinstance(value, str) and value.strip().lower() in NONE_WORDS):
        if nullable:
            return None
        raise ConfigError("cannot be none")
    try:
        return _as(inner, value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(str(exc)) from None


def _as(kind: Any, value: Any) -> Any:
    origin = typing.get_origin(kind)
    if origin in (Union, types.UnionType):  # e.g. Literal["even", "keep"] | dict[str, float]
        return _first_of(typing.get_args(kind), value)
    if origin is Literal:
        if value not in typing.get_args(kind):
            raise ValueError(f"{value!r} is not one of {', '.join(map(str, typing.get_args(kind)))}")
        return value
    if origin is dict:
        return _mapping(value, typing.get_args(kind)[1])
    if origin is list:
        return _texts(value)
    return _scalar(kind, value)


def _first_of(kinds: tuple[Any, ...], value: Any) -> Any:
    errors = []
    for kind in kinds:
        try:
            return _as(kind, value)
        except (TypeError, ValueError) as exc:
            errors.append(str(exc))
    raise ValueError(" or ".join(errors))


def _scalar(kind: Any, value: Any) -> Any:
    if kind is bool:
        if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no"):
            return value.lower() in ("true", "yes")
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
        return value
    if kind in (int, float):
        if isinstance(value, bool):
            raise ValueError(f"expected a number, got {value!r}")
        return _number(value) if kind is float else _integer(value)
    if kind in (str, Path):
        if not isinstance(value, str | int | float | Path) or isinstance(value, bool):
            raise ValueError(f"expected text, got {value!r}")
        return kind(str(value))
    raise TypeError(f"unsupported field type {kind}")  # pragma: no cover - a settings field of a new type


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"expected a number, got {value!r}") from None
    return number


def _integer(value: Any) -> int:
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"expected a whole number, got {value}")
    try:
        return int(value) if not isinstance(value, str) else int(value.strip())
    except ValueError:
        raise ValueError(f"expected a whole number, got {value!r}") from None


def _texts(value: Any) -> list[str]:
    """A list of text from a YAML list, a repeated flag or comma-free text."""
    items = value if isinstance(value, list | tuple) else [value]
    if any(not isinstance(v, str | int | float) or isinstance(v, bool) for v in items):
        raise ValueError(f"expected a list of text, got {value!r}")
    return [str(v) for v in items]


def _mapping(value: Any, kind: Any) -> dict[str, Any]:
    """`{name: value}` from a mapping or from text such as `correctness=1,warmth=0.5`, each value as `kind`."""
    if isinstance(value, str):
        pairs = [p.partition("=") for p in value.split(",") if p.strip()]
        if not pairs or any(not sep for _, sep, _ in pairs):
            raise ValueError(f"expected NAME=VALUE pairs such as a=1,b=2, got {value!r}")
        value = {k.strip(): v.strip() for k, _, v in pairs}
    if not isinstance(value, dict):
        raise ValueError(f"expected a mapping of name: value, got {value!r}")
    out = {}
    for key, item in value.items():
        try:
            out[str(key)] = _as(kind, item)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{key}: {exc}") from None
    return out
