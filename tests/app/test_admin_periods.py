"""AppTest: the admin page's 账期 tab sets the freeze date and the backdate window through the services."""

from __future__ import annotations

from datetime import date

from tests.app.conftest import page


def test_admin_sets_freeze_date_and_backdate_window_on_the_periods_tab(services):
    """The admin enters a freeze date and N days; both are stored (and re-read by every posting)."""
    at = page("admin_users", services)
    at.run()
    assert not at.exception
    at.date_input(key="admin.freeze_date").set_value(date(2026, 3, 31))
    at.number_input(key="admin.backdate_days").set_value(14)
    at.button(key="admin.set_freeze_date").click().run()
    at.number_input(key="admin.backdate_days").set_value(14)
    at.button(key="admin.set_backdate_days").click().run()
    assert not at.exception and not at.error
    assert services.ledger.posting_window() == (date(2026, 3, 31), 14)


def test_admin_links_and_unlinks_an_identity_on_the_identities_tab(services):
    """The admin links an IdP account (iss, sub) to a local user and removes it again; both through the services."""
    at = page("admin_users", services)
    at.run()
    at.selectbox(key="admin.id_user").set_value("planner")
    at.text_input(key="admin.id_issuer").input("https://idp.county.example")
    at.text_input(key="admin.id_subject").input("sub-9")
    at.button(key="admin.link_identity").click().run()
    assert not at.exception and not at.error
    [link] = services.trust.list_identities("admin")
    assert (link.username, link.subject) == ("planner", "sub-9")
    at.button(key="admin.unlink_identity").click().run()
    assert not at.exception and not at.error
    assert services.trust.list_identities("admin") == []
