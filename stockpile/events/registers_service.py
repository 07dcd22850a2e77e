"""The 征用 and 捐赠 registers and the information publication as the app and the CLI call them (`svc.registers`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from stockpile.domain.city_requests import CityRequest, Shortfall
from stockpile.domain.registers import (
    CompensationRule,
    Donation,
    DonationUse,
    Owed,
    Publication,
    PublicDonation,
    Requisition,
)
from stockpile.events import city_requests, donations, publication, requisitions
from stockpile.events.access import RepoOf
from stockpile.events.city_requests import CityOf
from stockpile.events.names import Names
from stockpile.events.requisitions import RegsOf
from stockpile.ledger.posting import PostingResult
from stockpile.ports.uow import AbstractUnitOfWork


@dataclass(frozen=True)
class RegisterService:
    uow: Callable[[], AbstractUnitOfWork]
    repo: RepoOf
    regs: RegsOf
    rule: CompensationRule = field(default_factory=CompensationRule)
    city: CityOf | None = None  # outgoing requests to the city (请调函)
    bureau: Callable[[str], str] = lambda lang: ""  # the county's bureau (县情) printed on the letter

    def _city(self) -> CityOf:
        assert self.city is not None, "bootstrap wires the city-requests repository"
        return self.city

    # ---- 请调函: outgoing requests to the city ----
    def shortfall(self, event: str, actor: str) -> list[Shortfall]:
        return city_requests.shortfall(event, actor, self.uow(), self.repo, self._city())

    def record_city_request(self, r: CityRequest, actor: str, now: datetime | None = None) -> CityRequest:
        return city_requests.record_city_request(r, actor, self.uow(), self.repo, self._city(), now)

    def city_requests(self, event: str | None, actor: str) -> list[CityRequest]:
        return city_requests.list_city_requests(event, actor, self.uow(), self.repo, self._city())

    def city_request(self, rid: int, actor: str) -> CityRequest:
        return city_requests.city_request(rid, actor, self.uow(), self._city())

    def event_name(self, code: str) -> str:
        """The event's name for the letter (its code when unknown)."""
        with self.uow() as u:
            ev = self.repo(u).event(code)
        return ev.name if ev is not None else code

    # ---- 征用 and 补偿 ----
    def record_requisition(self, r: Requisition, actor: str, now: datetime | None = None) -> Requisition:
        return requisitions.record_requisition(r, actor, self.uow(), self.repo, self.regs, now)

    def receive_requisition(
        self, rid: int, site: str, lot_no: str, actor: str, now: datetime | None = None
    ) -> PostingResult:
        return requisitions.receive_requisition(rid, site, lot_no, actor, self.uow(), self.regs, now)

    def close_requisition(
        self, rid: int, consumed: bool, actor: str, at: datetime | None = None
    ) -> Requisition:
        return requisitions.close_requisition(rid, consumed, actor, self.uow(), self.regs, at)

    def return_goods(
        self, rid: int, qty: int, actor: str, client_id: uuid.UUID | None = None, now: datetime | None = None
    ) -> Requisition:
        return requisitions.return_goods(rid, qty, actor, self.uow(), self.regs, client_id, now)

    def keeper_requisitions(self, actor: str) -> list[Requisition]:
        return requisitions.keeper_requisitions(actor, self.uow(), self.regs)

    def requisitions(self, event: str | None, actor: str) -> list[Requisition]:
        return requisitions.list_requisitions(event, actor, self.uow(), self.repo, self.regs)

    def compensation(self, event: str | None, actor: str, now: datetime | None = None) -> list[Owed]:
        return requisitions.compensation(event, actor, self.uow(), self.repo, self.regs, self.rule, now)

    # ---- 捐赠 ----
    def receive_donation(
        self,
        d: Donation,
        inspection_passed: bool,
        actor: str,
        client_id: uuid.UUID | None = None,
        now: datetime | None = None,
    ) -> Donation:
        return donations.receive_donation(
            d, inspection_passed, actor, self.uow(), self.repo, self.regs, client_id, now
        )

    def use_donation(
        self,
        donation_id: int,
        event: str,
        village: str,
        qty: int,
        actor: str,
        client_id: uuid.UUID | None = None,
        now: datetime | None = None,
    ) -> DonationUse:
        return donations.use_donation(
            donation_id, event, village, qty, actor, self.uow(), self.repo, self.regs, client_id, now
        )

    def donations(self, event: str | None, actor: str) -> tuple[list[Donation], list[DonationUse]]:
        return donations.list_donations(event, actor, self.uow(), self.repo, self.regs)

    def public_donations(self, event: str | None, actor: str, anonymous: str) -> list[PublicDonation]:
        return donations.public_donations(event, actor, self.uow(), self.repo, self.regs, anonymous)

    def names(self) -> tuple[dict[str, str], dict[str, tuple[str, str, str]]]:
        """Master data for tables: area code → name, item code → (name zh, name en, unit)."""
        with self.uow() as u:
            regs = self.regs(u)
            return {c: n for c, (n, _) in regs.area_names().items()}, regs.item_names()

    def site_names(self) -> dict[str, str]:
        """Depot code → name, for the registers' tables."""
        with self.uow() as u:
            return self.regs(u).site_names()

    def namer(self) -> Names:
        """Places and items by name for the lists a person reads (the CLI's and the pages')."""
        areas, items = self.names()
        return Names({**self.site_names(), **areas}, items)

    # ---- information publication ----
    def publication(self, event: str, actor: str) -> Publication:
        return publication.publication(event, actor, self.uow(), self.repo, self.regs)
