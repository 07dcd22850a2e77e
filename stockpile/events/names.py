"""Names for what a person reads: places (村、乡镇、避难场所、库点) as 「name（code）」, items by their name in the
reader's language with the base unit. A code the county does not know stays as given."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Names:
    places: Mapping[str, str]  # area, shelter and depot code → name
    items: Mapping[str, tuple[str, str, str]]  # item code → (name zh, name en, base unit)

    def place(self, code: str) -> str:
        name = self.places.get(code)
        return f"{name}（{code}）" if name and name != code else code

    def item(self, code: str, lang: str) -> str:
        """The item's name in ``lang``; its Chinese name where the county gave no English one."""
        zh, en, _ = self.items.get(code, (code, "", ""))
        return (en or zh) if lang == "en" else zh

    def unit(self, code: str) -> str:
        return self.items.get(code, ("", "", ""))[2]

    def words(self, lang: str) -> dict[str, tuple[str, str]]:
        """Item code → (its name in ``lang``, base unit): read once, for a loop over lines."""
        return {code: (self.item(code, lang), self.unit(code)) for code in self.items}

    def goods(self, code: str, qty: int, lang: str) -> str:
        return f"{self.item(code, lang)} {qty}{self.unit(code)}"
