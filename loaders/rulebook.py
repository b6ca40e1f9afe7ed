"""Rulebook sources: the built-in rulebooks and rulebook files (YAML or TOML).

A rulebook file comes from outside, so it is read defensively, each limit checked before
the cost it guards against is paid: at most :data:`MAX_BYTES`; YAML through the safe loader
only, after a scan of its tokens (linear, nothing built yet) has refused anchors and aliases
(``&x``/``*x``: a 389-byte file of nested aliases expands to gigabytes, and ``a: &x [1, *x]``
refers to itself) and nesting deeper than :data:`MAX_DEPTH`; TOML checked for depth once
parsed. Each refusal is one line naming the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..graph.errors import Problem, RulebookError
from ..graph.rules import Rulebook, parse_rulebook

__all__ = ["BUILTIN", "DEFAULT_RULEBOOK", "builtin_names", "load_rulebook", "read_rulebook_data", "expand_uses"]

BUILTIN = Path(__file__).parent / "rulebooks"
#: Largest rulebook file read, and deepest nesting of lists and mappings in it.
MAX_BYTES = 4 * 2**20
MAX_DEPTH = 40
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
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise RulebookError([Problem(str(path), f"文件过大（{size:,} 字节，规则手册最多 {MAX_BYTES:,} 字节）")])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RulebookError([Problem(str(path), f"规则手册应为 UTF-8 编码（{err.reason}）")]) from None
    try:
        if path.suffix.lower() == ".toml":
            import tomllib

            data = tomllib.loads(text)
            _check_depth(data, str(path))
        else:
            data = _safe_yaml(text, str(path))
    except RulebookError:
        raise
    except RecursionError:
        raise RulebookError([Problem(str(path), f"嵌套过深（列表或映射最多 {MAX_DEPTH} 层）")]) from None
    except Exception as err:  # yaml.YAMLError, tomllib.TOMLDecodeError
        raise RulebookError([Problem(str(path), f"无法解析：{err}".replace("\n", " "))]) from None
    return data, str(path)


def _safe_yaml(text: str, source: str) -> Any:
    """YAML through the safe loader, after its tokens showed no alias, anchor or deep nesting."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth = 0
    for token in yaml.scan(text, Loader=loader):
        kind = type(token).__name__
        if kind in ("AnchorToken", "AliasToken"):
            line = token.start_mark.line + 1
            raise RulebookError([Problem(source, "规则手册不允许使用 YAML 锚点或别名（&名称 / *名称）；请把引用的内容直接写出",
                                         row=line)])
        if kind in ("BlockMappingStartToken", "BlockSequenceStartToken", "FlowMappingStartToken",
                    "FlowSequenceStartToken"):
            depth += 1
            if depth > MAX_DEPTH:
                raise RulebookError([Problem(source, f"嵌套过深（列表或映射最多 {MAX_DEPTH} 层）",
                                             row=token.start_mark.line + 1)])
        elif kind in ("BlockEndToken", "FlowMappingEndToken", "FlowSequenceEndToken"):
            depth -= 1
    return yaml.load(text, Loader=loader)  # noqa: S506 — the safe loader


def _check_depth(data: Any, source: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH (iteratively: the check itself must not recurse)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                raise RulebookError([Problem(source, f"嵌套过深（列表或映射最多 {MAX_DEPTH} 层）")])
            children = value.values() if isinstance(value, dict) else value
            stack.extend((c, depth + 1) for c in children)


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
