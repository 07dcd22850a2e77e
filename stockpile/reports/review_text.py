"""The annual review's recommended changes as sentences, for the page and the PDF alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stockpile.i18n import format as fmt
from stockpile.i18n import listed, t


def recommendation_text(r: Mapping[str, Any], items: Mapping[str, tuple[str, str]] | None = None) -> str:
    """One recommended change as a sentence: the level translated (县级, 乡（镇）级 …), figures with separators,
    and where ``items`` (code → name in the reader's language, base unit) knows the item, its name and its unit
    (「县级压缩饼干缺口 6,164袋」, not 「6164」)."""
    params: dict[str, Any] = {}
    for k, v in r.items():
        if k in ("code", "item_code", "item_codes", "item_names"):
            continue
        if k == "level":
            params[k] = t(f"scope.{v}")
        elif isinstance(v, int) and not isinstance(v, bool):
            params[k] = fmt.num(v)
        else:
            params[k] = v
    if "item_codes" in r:  # several items by name in the reader's language (the Chinese name where unknown)
        named = zip(r["item_codes"], r.get("item_names") or r["item_codes"], strict=False)
        params["items"] = listed((items or {}).get(c, (zh, ""))[0] for c, zh in named)
    known = (items or {}).get(str(r.get("item_code") or ""))
    if known is not None:
        params["item"], unit = known
        if isinstance(r.get("qty"), int):
            params["qty"] = fmt.qty(r["qty"], unit)
    return t(f"review_doc.rec_{r['code']}", **params)


def absent_channel_texts(doc: Mapping[str, Any]) -> list[str]:
    """One sentence per configured release channel no item may use (协议超市回购 without an agreement partner),
    the channel by its name; none for a review signed before the document carried them."""
    return [
        t("rotation.channel_absent", channel=fmt.enum_text("channel", ch))
        for ch in doc.get("absent_channels") or []
    ]
