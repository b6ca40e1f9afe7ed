"""Rulebook sources: the built-in rulebooks and rulebook files (YAML or TOML)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..graph.errors import Problem, RulebookError
from ..graph.rules import Rulebook, parse_rulebook

__all__ = ["BUILTIN", "DEFAULT_RULEBOOK", "builtin_names", "load_rulebook", "read_rulebook_data"]

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


def load_rulebook(name_or_file: str = DEFAULT_RULEBOOK) -> Rulebook:
    """Read and validate a rulebook; raise RulebookError naming file, clause and key."""
    data, source = read_rulebook_data(name_or_file)
    return parse_rulebook(_plain(data), source)


def _plain(value: Any) -> Any:
    """YAML dates and other scalars as JSON-safe plain values."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
