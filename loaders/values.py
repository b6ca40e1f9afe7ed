"""Cell values as clerks type them: text, dates, yes/no, 身份证号 (GB 11643), phone numbers.

Each parser returns the normalised value or raises ``ValueError`` with the reason and what
to do, in the data's language; the caller adds file, sheet, row and column.

Characters no roster cell may hold (:func:`bad_character`): control characters (NUL, ESC,
vertical tab …; a tab or line break is allowed in free text), the Unicode line and paragraph
separators, U+FFFD (what a failed decoding leaves behind), non-characters and the bidi
controls that reorder what a reader sees (U+202E …). Names and ids (:func:`parse_name`) are
stricter: no tab, line break or invisible character at all, and at most 64 characters.

Dates (:func:`parse_date`): nothing before 1949-10-01 is a plausible date for these rosters
(``1582-10-10`` is a typo, not a date); ``9999-12-31`` (any day of year 9999) is how
spreadsheets write "no end" and reads as open (None). A time after the date must be a real
time. An Excel date serial (days since 1899-12-30) is read from a workbook's number cell, and
from a CSV only when it is clearly one: five digits whose date lies between 1949-10-01 and a
year from today (``43466`` = 2019-01-01, as a CSV export of a date column leaves it); any
other bare number (``2019``, ``80000`` = 2119) is refused, naming the date it would be. :func:`parse_start_date` (起始日期, 发现日期, 制定日期 …) also
refuses a date more than a year after today; :func:`parse_end_date` (终止日期) reads
9999-12-31 as open and otherwise accepts any plausible date.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from functools import lru_cache

from ..graph.schema import name_key

__all__ = ["text", "key", "parse_date", "parse_start_date", "parse_end_date", "parse_bool", "parse_id_number",
           "parse_name", "bad_character", "check_digit", "day_before", "EARLIEST", "MAX_CELL", "MAX_NAME"]

#: The earliest plausible date of any roster fact: the founding of the PRC.
EARLIEST = date(1949, 10, 1)
#: Longest cell of any kind, and longest name or id, in characters.
MAX_CELL = 4000
MAX_NAME = 64

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                   r"(?:[\sT]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$")
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"

# Refused in any cell. \t \n \r are allowed (free-text notes keep their line breaks).
_BAD_ANY = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                      "\ufffd\ufffe\uffff\U000e0001-\U000e007f]")
# Refused in names and ids as well: tab and line breaks, and invisible characters.
_BAD_NAME = re.compile("[\t\n\r\u00ad\u061c\u180e\u200b-\u200f\u2060-\u2065\ufeff]")
_CHAR_NAMES = {
    "\x00": "NUL（空字符）", "\x1b": "ESC（转义控制符）", "\x0b": "垂直制表符", "\x0c": "换页符", "\x7f": "DEL 控制符",
    "\u2028": "U+2028 行分隔符", "\u2029": "U+2029 段分隔符", "\ufffd": "U+FFFD 替换字符（文件编码转换时损坏的字）",
    "\u202e": "U+202E 从右向左改写符", "\u202d": "U+202D 从左向右改写符", "\t": "制表符", "\n": "换行符", "\r": "回车符",
    "\u200b": "U+200B 零宽空格", "\ufeff": "U+FEFF 零宽不换行空格（BOM）",
}


def char_name(ch: str) -> str:
    """How a message names an unwanted character: its Chinese name, else its code point."""
    return _CHAR_NAMES.get(ch) or f"U+{ord(ch):04X}（{unicodedata.name(ch, '控制字符')}）"


def bad_character(value: str, *, name: bool = False) -> str | None:
    """The reason ``value`` may not be a cell (or, with ``name``, a name or id), or None."""
    m = _BAD_ANY.search(value) or (_BAD_NAME.search(value) if name else None)
    if m is None:
        return None
    where = f"第{m.start() + 1}个字符" if len(value) > 1 else ""
    return f"含有不可见或控制字符 {char_name(m.group())}{'（' + where + '）' if where else ''}；请删除后重新录入"


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


def parse_name(value: object) -> str:
    """A name or an id (乡镇, 村, 姓名, ids …) as display text: refused when it holds a
    control, invisible or bidi character, or is longer than :data:`MAX_NAME` characters."""
    s = text(value)
    reason = bad_character(s, name=True)
    if reason:
        raise ValueError(reason)
    if len(s) > MAX_NAME:
        raise ValueError(f"长度 {len(s)} 个字符，名称或编号最多 {MAX_NAME} 个字符；请核对是否把几列内容填进了一格")
    return s


def parse_date(value: object) -> str | None:
    """``2019-03-01``, ``2019/3/1``, ``2019.3.1``, ``2019年3月1日`` or a date cell → ISO date;
    '' and 9999-12-31 (no end) → None. Dates before 1949-10-01 are refused."""
    if isinstance(value, datetime):
        return _plausible(value.date())
    if isinstance(value, date):
        return _plausible(value)
    if type(value) is str:
        return _parse_date_text(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(value)
    return _parse_date_text(text(value))


def parse_start_date(value: object) -> str | None:
    """A date something began or was found (起始日期, 发现日期, 制定日期): :func:`parse_date`,
    and not 9999-12-31 nor more than a year after today."""
    if isinstance(value, date):
        far = value.year == 9999
    else:
        far = not isinstance(value, (int, float)) and key(text(value)).startswith("9999")
    if far:
        raise ValueError("9999年的日期表示“至今/无终止”，只能用于终止日期；请填写实际的开始日期")
    iso = parse_date(value)
    if iso is not None and date.fromisoformat(iso) > _latest():
        raise ValueError(f"晚于今天一年以上（最晚 {_latest().isoformat()}）；请核对年份")
    return iso


def parse_end_date(value: object) -> str | None:
    """A date something ended (终止日期): :func:`parse_date`; empty or 9999-12-31 → open (None)."""
    return parse_date(value)


def _latest() -> date:
    today = date.today()
    return today + timedelta(days=366)


def _plausible(day: date) -> str | None:
    if day.year == 9999:
        return None
    if day < EARLIEST:
        raise ValueError(f"早于 {EARLIEST.isoformat()}，不是合理的日期；请核对年份")
    return day.isoformat()


def _serial(number: float) -> str | None:
    """A workbook's number cell in a date column: an Excel date serial (days since 1899-12-30)."""
    if number != number or not (0 < number < 2958466):  # NaN, or past 9999-12-31
        raise ValueError("无法识别的日期；请写成 2019-03-01、2019/3/1 或 2019年3月1日")
    day = date(1899, 12, 30) + timedelta(days=int(number))
    try:
        return _plausible(day)
    except ValueError:
        raise ValueError(f"是一个数字，按 Excel 日期序号为 {day.isoformat()}，早于 {EARLIEST.isoformat()}；"
                         "请把该列设为日期格式并核对") from None


@lru_cache(maxsize=4096)
def _parse_date_text(value: str) -> str | None:
    raw = key(value)
    if not raw:
        return None
    if raw.isdigit() and len(raw) <= 6:
        serial = date(1899, 12, 30) + timedelta(days=int(raw)) if len(raw) == 5 else None
        if serial is not None and EARLIEST <= serial <= _latest():
            return serial.isoformat()  # an Excel date serial that a CSV export left as a number
        also = f"（若是 Excel 日期序号，即 {serial.isoformat()}，不在合理范围内）" if serial else ""
        raise ValueError(f"只有数字，不是日期{also}；请写成 2019-03-01，或在 Excel 中把该列设为日期格式后重新导出")
    m = _DATE.match(unicodedata.normalize("NFKC", text(value)))
    if not m:
        raise ValueError("无法识别的日期；请写成 2019-03-01、2019/3/1 或 2019年3月1日")
    hour, minute, second = (int(g) if g else 0 for g in m.group(4, 5, 6))
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError("日期后的时间不存在（时应为 0–23，分、秒应为 0–59）；请核对，或只写日期")
    try:
        day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise ValueError("不存在的日期；请核对年月日") from None
    return _plausible(day)


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
    raw = raw.replace("-", "")  # 621121-19700415-9090: the digits are the number
    if not re.fullmatch(r"\d{17}[\dX]", raw):
        raise ValueError("身份证号应为18位（最后一位可为X）")
    if check_digit(raw[:17]) != raw[17]:
        raise ValueError(f"身份证号校验位不对（按 GB 11643 应为 {check_digit(raw[:17])}）；请核对原件")
    return raw


def day_before(iso: str) -> str:
    return (date.fromisoformat(iso) - timedelta(days=1)).isoformat()
