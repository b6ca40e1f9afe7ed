"""Rulebook sources: the built-in rulebooks and rulebook files (YAML or TOML)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..graph.errors import Problem, RulebookError
from ..graph.rules import Rulebook, parse_rulebook

__all__ = ["BUILTIN", "DEFAULT_RULEBOOK", "builtin_names", "load_rulebook", "read_rulebook_data", "expand_uses"]

BUILTIN = Path(__file__).parent / "rulebooks"
DEFAULT_RULEBOOK = "tongwei-2018"


def builtin_names() -> list[str]:
    return sorted(p.stem for p in BUILTIN.glob("*.yaml"))


def read_rulebook_data(name_or_file: str) -> tuple[dict[str, Any], str]:
    """Read a built-in rulebook by name, or a .yaml/.yml/.toml file; return (data, source)."""
    path = Path(name_or_file)
    if not path.exists():
        builtin = BUILTIN / f"{name_or_file}.yaml"
        if not builtin.exists():
            raise RulebookError([Problem(
                name_or_file, f"既不是文件，也不是内置规则手册（内置：{', '.join(builtin_names())}）")])
        path = builtin
    text = path.read_bytes()
    try:
        if path.suffix.lower() == ".toml":
            import tomllib

            data = tomllib.loads(text.decode("utf-8"))
        else:
            import yaml

            data = yaml.safe_load(text.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise RulebookError([Problem(str(path), f"规则手册应为 UTF-8 编码（{err.reason}）")]) from err
    except Exception as err:  # yaml.YAMLError, tomllib.TOMLDecodeError
        raise RulebookError([Problem(str(path), f"无法解析：{err}".replace("\n", " "))]) from err
    return data, str(path)


#: What a rulebook takes from the pack it ``uses`` when it does not say it itself.
PACK_KEYS = ("model", "rosters", "gaps", "org")


def load_rulebook(name_or_file: str = DEFAULT_RULEBOOK) -> Rulebook:
    """Read and validate a rulebook; raise RulebookError naming file, clause and key.

    A rulebook may write ``uses: NAME`` to take the model, rosters, gaps and org chart of
    another (built-in) rulebook: a county's second list over the same rosters needs only its
    clauses and rules.
    """
    data, source = read_rulebook_data(name_or_file)
    return parse_rulebook(expand_uses(_plain(data), source), source)


def expand_uses(data, source: str, seen: tuple[str, ...] = ()):
    """``data`` with the pack keys of the rulebook it ``uses`` filled in (recursively)."""
    if not isinstance(data, dict) or not data.get("uses"):
        return data
    name = str(data["uses"])
    if name in seen:
        raise RulebookError([Problem(source, f"uses 循环引用：{' → '.join((*seen, name))}", column="uses")])
    base, base_source = read_rulebook_data(name)
    base = expand_uses(_plain(base), base_source, (*seen, name))
    merged = {k: v for k, v in data.items() if k != "uses"}
    for key in PACK_KEYS:
        if key not in merged and isinstance(base, dict) and key in base:
            merged[key] = base[key]
    return merged


def _plain(value: Any) -> Any:
    """YAML dates and other scalars as JSON-safe plain values."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
