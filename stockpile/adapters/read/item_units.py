"""Read: the units a form may enter an item in — its base unit (factor 1) and its packs (箱 = 24 瓶, …)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from stockpile.adapters.db.engine import readonly
from stockpile.adapters.orm import ledger as orm


class ItemUnits:
    def __init__(self, engine: Engine) -> None:
        self.engine = readonly(engine)

    def of(self, item_code: str) -> list[tuple[str, int]]:
        """[(base unit, 1), (pack unit, factor), ...] by factor; empty for an unknown item."""
        i, p = orm.ItemRow, orm.ItemPackRow
        with self.engine.connect() as c:
            base = c.execute(select(i.id, i.base_unit).where(i.code == item_code)).one_or_none()
            if base is None:
                return []
            packs = c.execute(select(p.unit, p.factor).where(p.item_id == base.id).order_by(p.factor)).all()
        return [(base.base_unit, 1), *((u, int(f)) for u, f in packs if u != base.base_unit)]
