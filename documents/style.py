"""How an official document is set (after GB/T 9704-2012, 党政机关公文格式), in one place.

Word gets the font names an office's Windows machine has (方正小标宋简体 for the title, 仿宋
for the text, 黑体 and 楷体 for the two heading levels); where one is missing Word substitutes.
The PDF is set here, with the CJK fonts Debian installs: Noto Serif CJK SC (a 宋体-like face,
its Bold standing in for 小标宋) and Noto Sans CJK SC for 黑体, WenQuanYi Micro Hei as the last
resort. Sizes follow the Chinese type sizes: 二号 22pt, 三号 16pt, 四号 14pt, 小四 12pt.
"""

from __future__ import annotations

__all__ = ["PAGE", "SIZES", "WORD_FONTS", "PDF_FONTS", "LINE_PITCH_PT"]

#: A4 and the margins of GB/T 9704 (天头 37 mm, 订口 28 mm, 版心 156 × 225 mm), in millimetres.
PAGE = {"width": 210.0, "height": 297.0, "top": 37.0, "bottom": 35.0, "left": 28.0, "right": 26.0}

#: Type sizes in points.
SIZES = {"title": 22.0, "docno": 16.0, "body": 16.0, "heading": 16.0, "table": 12.0, "table_large": 14.0,
         "caption": 12.0, "footer": 14.0}

#: 22 lines a page of 三号 text: a fixed line pitch of about 28.9 pt.
LINE_PITCH_PT = 28.9

WORD_FONTS = {"title": "方正小标宋简体", "body": "仿宋", "heading1": "黑体", "heading2": "楷体",
              "latin": "Times New Roman", "footer": "宋体"}

_FALLBACK = '"Noto Serif CJK SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", serif'
PDF_FONTS = {"title": f'"Noto Serif CJK SC", {_FALLBACK}', "body": _FALLBACK,
             "heading1": '"Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif',
             "heading2": _FALLBACK, "table": _FALLBACK}
