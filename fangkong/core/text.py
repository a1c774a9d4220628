"""Chinese text helpers: pinyin for search, and the user's script for display."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=20000)
def _char_pinyin(char: str) -> tuple[str, str]:
    full = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
    if not full:
        return ("", "")
    return (full[0].lower(), full[0][:1].lower())


def pinyin_of(name: str) -> tuple[str, str]:
    """Full pinyin (``zhangsan``) and initials (``zs``) of a name; Latin letters kept as is."""
    full, initials = [], []
    for char in name.strip():
        if char.isascii():
            if char.isalnum():
                full.append(char.lower())
                initials.append(char.lower())
            continue
        syllable, initial = _char_pinyin(char)
        full.append(syllable)
        initials.append(initial)
    return "".join(full), "".join(initials)


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("s2t")


@lru_cache(maxsize=20000)
def to_traditional(text: str) -> str:
    return _converter().convert(text)


def in_script(text: str, language: str | None) -> str:
    """Place names are stored in Simplified Chinese and shown in the reader's script."""
    if text and language and language.lower() in ("zh-hant", "zh-tw", "zh-hk"):
        return to_traditional(text)
    return text
