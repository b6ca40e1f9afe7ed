"""Cell values as clerks type them: text, dates, yes/no, 身份证号 (GB 11643), phone numbers.

Each parser returns the normalised value or raises ``ValueError`` with the reason and what
to do, in the data's language; the caller adds file, sheet, row and column.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from functools import lru_cache

from ..graph.schema import name_key

__all__ = ["text", "key", "parse_date", "parse_bool", "parse_id_number", "check_digit", "day_before"]

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"


def text(value: object) -> str:
    """A cell as display text: trimmed (ideographic space too), integral floats without .0."""
    if type(value) is str:  # the common case first: most cells of most rosters are text
        return (value.replace("\u3000", " ") if "\u3000" in value else value).strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if not (value.hour or value.minute or value.second) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("\u3000", " ").strip()


def key(value: object) -> str:
    """The matching key of a cell: :func:`zeren.graph.schema.name_key` of its text."""
    return name_key(value if type(value) is str else text(value))


def parse_date(value: object) -> str | None:
    """``2019-03-01``, ``2019/3/1``, ``2019.3.1``, ``2019年3月1日`` or a date cell → ISO date; '' → None."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if type(value) is str:
        return _parse_date_text(value)
    return _parse_date_text(text(value))


@lru_cache(maxsize=4096)
def _parse_date_text(value: str) -> str | None:
    raw = key(value)
    if not raw:
        return None
    if raw.isdigit() and len(raw) == 5 and 20000 <= int(raw) <= 80000:
        # An Excel date serial (days since 1899-12-30) that a CSV export left as a number.
        return (date(1899, 12, 30) + timedelta(days=int(raw))).isoformat()
    m = _DATE.match(unicodedata.normalize("NFKC", text(value)))
    if not m:
        raise ValueError("无法识别的日期；请写成 2019-03-01、2019/3/1 或 2019年3月1日")
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        raise ValueError("不存在的日期；请核对年月日") from None


def parse_bool(value: object) -> bool:
    raw = key(value).lower()
    if raw in {"是", "y", "yes", "true", "1", "贫困村", "√"}:
        return True
    if raw in {"否", "n", "no", "false", "0", "非贫困村", ""}:
        return False
    raise ValueError("应填“是”或“否”")


def check_digit(first17: str) -> str:
    return _ID_CHECK[sum(map(int.__mul__, map(int, first17), _ID_WEIGHTS)) % 11]


def parse_id_number(value: object) -> str:
    """An 18-character 身份证号 with a valid GB 11643 check digit (X allowed); '' stays ''."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(
            "身份证号被 Excel 存成了数字（只保留15位有效数字，末几位已丢失，无法恢复）；"
            "请把该列设为“文本”格式后重新录入"
        )
    raw = key(value).upper()
    if not raw:
        return ""
    if re.fullmatch(r"\d(\.\d+)?E\+?\d+", raw):
        raise ValueError(
            "身份证号以科学计数法出现（Excel 只保留15位有效数字，末几位已丢失，无法恢复）；"
            "请把该列设为“文本”格式后重新录入"
        )
    if not re.fullmatch(r"\d{17}[\dX]", raw):
        raise ValueError("身份证号应为18位（最后一位可为X）")
    if check_digit(raw[:17]) != raw[17]:
        raise ValueError(f"身份证号校验位不对（按 GB 11643 应为 {check_digit(raw[:17])}）；请核对原件")
    return raw


def day_before(iso: str) -> str:
    return (date.fromisoformat(iso) - timedelta(days=1)).isoformat()
