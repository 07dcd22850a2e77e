"""The POLICY table: deny by default, role × action × scope, and every use case covered."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockpile.domain.model import Actor
from stockpile.trust import authz
from stockpile.trust.authz import POLICY, ROLES, allowed

STOCKPILE = Path(__file__).resolve().parents[3] / "stockpile"
USE_CASE_PACKAGES = (
    "ledger",
    "imports",
    "coverage",
    "dispatch",
    "planning",
    "trust",
    "onboarding",
    "jobs",
    "events",
)
OWN, OTHER = 1, 2
SCOPES = {"own": frozenset({OWN}), "other": frozenset({OTHER}), "all": None}

# The access contract written out independently of POLICY: (role, action) → scopes allowed.
CONTRACT: dict[tuple[str, str], set[str]] = {
    ("keeper", "view_orders"): {"own"},
    ("keeper", "pick_order"): {"own"},
    **{
        (r, a): {"own", "other", "all"}
        for r, a in (
            ("dispatcher", "view_orders"),
            ("planner", "view_orders"),
            ("admin", "view_orders"),
            ("dispatcher", "pick_order"),
            ("dispatcher", "manage_orders"),
            ("admin", "manage_orders"),
            ("dispatcher", "receive_dispatch"),
            ("admin", "receive_dispatch"),
        )
    },
    ("keeper", "view_stock"): {"own"},
    ("dispatcher", "view_stock"): {"own", "other", "all"},
    ("planner", "view_stock"): {"own", "other", "all"},
    ("admin", "view_stock"): {"own", "other", "all"},
    ("keeper", "export"): {"own"},
    ("dispatcher", "export"): {"own", "other", "all"},
    ("planner", "export"): {"own", "other", "all"},
    ("admin", "export"): {"own", "other", "all"},
    **{
        ("keeper", a): {"own"}
        for a in (
            "receive",
            "issue",
            "count",
            "adjust",
            "import",
            "transfer_out",
            "transfer_in",
            "reverse",
            "propose_write_off",
            "view_write_offs",
        )
    },
    # receive, issue, count, import: admin only via an audited keeper grant (depots assigned to the admin)
    **{("admin", a): {"own"} for a in ("receive", "issue", "count", "import")},
    ("admin", "view_write_offs"): {"own", "other", "all"},
    ("admin", "approve_write_off"): {"own", "other", "all"},
    ("dispatcher", "reserve"): {"own", "other", "all"},
    ("dispatcher", "resolve_reservation"): {"own", "other", "all"},
    ("dispatcher", "expire_reservations"): {"own", "other", "all"},
    ("admin", "expire_reservations"): {"own", "other", "all"},
    ("dispatcher", "run_scenario"): {"own", "other", "all"},
    ("planner", "run_scenario"): {"own", "other", "all"},
    ("admin", "run_scenario"): {"own", "other", "all"},
    # the confirmed plan's routes: the scenario roles; not the province's reader, not a keeper
    ("dispatcher", "view_plans"): {"own", "other", "all"},
    ("planner", "view_plans"): {"own", "other", "all"},
    ("admin", "view_plans"): {"own", "other", "all"},
    # reserve standards, 年度储备计划: planner and admin; approval: admin (≠ preparer);
    # agreement call-off is a dispatch action; master data: admin
    ("planner", "verify_agreement"): {"own", "other", "all"},
    ("admin", "verify_agreement"): {"own", "other", "all"},
    ("dispatcher", "call_off_agreement"): {"own", "other", "all"},
    ("admin", "call_off_agreement"): {"own", "other", "all"},
    ("planner", "prepare_review"): {"own", "other", "all"},
    ("admin", "prepare_review"): {"own", "other", "all"},
    ("planner", "review_plan"): {"own", "other", "all"},
    ("admin", "review_plan"): {"own", "other", "all"},
    ("admin", "approve_review"): {"own", "other", "all"},
    # standards, agreements, check intervals, contracted transport: planner and admin write, others only read
    ("planner", "manage_reserve_plan"): {"own", "other", "all"},
    ("admin", "manage_reserve_plan"): {"own", "other", "all"},
    ("admin", "manage_master_data"): {"own", "other", "all"},
    ("dispatcher", "confirm_dispatch"): {"own", "other", "all"},
    ("dispatcher", "issue_reservation"): {"own", "other", "all"},
    ("keeper", "issue_reservation"): {"own"},
    ("admin", "manage_users"): {"own", "other", "all"},
    ("admin", "view_audit"): {"own", "other", "all"},
    ("admin", "set_freeze_date"): {"own", "other", "all"},
    # jobs: dispatcher, planner and admin submit, read and cancel (own jobs; an admin any: checked in the use case)
    **{
        (r, a): {"own", "other", "all"}
        for r in ("dispatcher", "planner", "admin")
        for a in ("run_job", "view_jobs", "cancel_job")
    },
    # disaster events: an informant reports, requests and reads for own townships only; the county decides
    **{(r, "manage_events"): {"own", "other", "all"} for r in ("dispatcher", "admin")},
    # 征用 and 捐赠 registers: the county's dispatchers and admins keep them; the publication is read county-wide
    **{(r, "manage_registers"): {"own", "other", "all"} for r in ("dispatcher", "admin")},
    **{(r, "view_registers"): {"own", "other", "all"} for r in ("dispatcher", "planner", "admin")},
    **{(r, "view_publication"): {"own", "other", "all"} for r in ("dispatcher", "planner", "admin")},
    **{(r, "view_events"): {"own", "other", "all"} for r in ("dispatcher", "planner", "admin")},
    **{
        (r, a): {"own", "other", "all"}
        for r in ("dispatcher", "admin")
        for a in ("report_disaster", "request_materials")
    },
    **{("informant", a): {"own"} for a in ("view_events", "report_disaster", "request_materials")},
    **{(r, "approve_request"): {"own", "other", "all"} for r in ("dispatcher", "admin")},
    # the province's reader (省级查看): the county's stock (and with it its gaps and coverage) and nothing else
    ("province", "view_stock"): {"own", "other", "all"},
    ("province", "view_rollup"): {"own", "other", "all"},
}

MATRIX = list(itertools.product(ROLES, authz.ACTIONS, SCOPES))


@pytest.mark.parametrize(("role", "action", "scope"), MATRIX, ids=["-".join(c) for c in MATRIX])
def test_policy_matrix_cell_matches_the_contract(role, action, scope):
    """Each role × action × scope {own, other, all} is allowed exactly as CONTRACT says; absent pairs are denied."""
    actor = Actor("u", role, frozenset({OWN}))
    assert allowed(actor, action, SCOPES[scope]) == (scope in CONTRACT.get((role, action), set()))


def test_policy_table_has_no_pair_the_contract_lacks():
    """POLICY grants nothing beyond the written contract (deny by default)."""
    assert set(POLICY) == set(CONTRACT)


def test_keeper_without_depots_may_do_nothing_depot_bound():
    """An unassigned keeper is denied everywhere, even on an empty target set."""
    actor = Actor("u", "keeper", frozenset())
    for action in authz.ACTIONS:
        assert not allowed(actor, action, frozenset({OWN}))
        assert not allowed(actor, action, frozenset())


def test_unknown_role_or_action_is_denied():
    """Deny by default: a role or action the table does not name gets nothing."""
    assert not allowed(Actor("u", "superuser", frozenset({OWN})), "receive", frozenset({OWN}))
    assert not allowed(Actor("u", "admin"), "drop_database", None)


@given(
    role=st.sampled_from([*ROLES, "guest"]),
    action=st.sampled_from([*authz.ACTIONS, "other"]),
    own=st.frozensets(st.integers(1, 6), max_size=4),
    target=st.one_of(st.none(), st.frozensets(st.integers(1, 6), max_size=4)),
)
def test_random_calls_agree_with_policy(role, action, own, target):
    """P: any (role, depots, action, target) is allowed iff the rule is ALL, or OWN with target ⊆ own ≠ ∅."""
    rule = POLICY.get((role, action))
    expect = rule is authz.Scope.ALL or (rule is authz.Scope.OWN and bool(target) and target <= own)
    assert allowed(Actor("u", role, own), action, target) == expect


def _public_use_cases() -> list[str]:
    """Public functions of the use-case packages that take a unit of work (parameter `uow`), as package.module.name."""
    out = []
    for path in sorted(p for pkg in USE_CASE_PACKAGES for p in (STOCKPILE / pkg).glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            public = isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
            if public and any(a.arg == "uow" for a in node.args.args):
                out.append(f"{path.parent.name}.{path.stem}.{node.name}")
    return out


def test_every_public_use_case_has_a_policy_entry():
    """Meta: a new use case without a POLICY action (or a stated reason to have none) fails here."""
    missing = [f for f in _public_use_cases() if f not in authz.USE_CASES and f not in authz.NOT_USER_ACTIONS]
    assert not missing, f"use cases without a POLICY action: {missing}"
    assert len(_public_use_cases()) >= 20


def test_every_use_case_action_is_in_policy():
    """Each mapped action is granted to at least one role (else the use case could never run)."""
    granted = {a for _, a in POLICY}
    assert {a for a in authz.USE_CASES.values()} <= granted


def test_every_mapped_use_case_calls_the_policy():
    """Each mapped use case's body calls authz (require/require_role/guarded) or an admin helper that does."""
    for name in authz.USE_CASES:
        package, module, fn = name.split(".")
        tree = ast.parse((STOCKPILE / package / f"{module}.py").read_text(encoding="utf-8"))
        node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == fn)
        src = ast.unparse(node)
        assert any(
            k in src
            for k in (
                "authz.",
                "require(",
                "require_role(",
                "records_denials",
                "_admin_op(",
                "_run(",
                "guarded(",
            )
        ), name
