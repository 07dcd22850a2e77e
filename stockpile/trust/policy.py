"""The permission table: role × action → scope (POLICY), every use case's action (USE_CASES) and the functions
that take a unit of work without being a user action (NOT_USER_ACTIONS), each with its reason.

`authz` checks these tables on every call and re-exports them; tests/unit/stockpile/test_policy.py holds them
against a contract written out independently and against the use-case packages' public functions.
"""

from __future__ import annotations

from enum import StrEnum

ROLES = ("keeper", "dispatcher", "planner", "admin", "informant", "province")


class Scope(StrEnum):
    """OWN: every depot (for an informant: every township) the command touches is assigned to the user. ALL: any
    depot or township, or none."""

    OWN = "own"
    ALL = "all"


K, A = Scope.OWN, Scope.ALL
# role × action → scope rule. A (role, action) pair that is absent is denied.
POLICY: dict[tuple[str, str], Scope] = {
    # read side
    ("keeper", "view_stock"): K,
    ("dispatcher", "view_stock"): A,
    ("planner", "view_stock"): A,
    ("admin", "view_stock"): A,
    # 省级查看: a county grants the province's reader the county's stock, gaps and coverage, nothing else
    ("province", "view_stock"): A,
    ("province", "view_rollup"): A,
    ("keeper", "export"): K,
    ("dispatcher", "export"): A,
    ("planner", "export"): A,
    ("admin", "export"): A,
    # keeper postings on own depots (admin acts only through an audited keeper grant)
    ("keeper", "receive"): K,
    ("keeper", "issue"): K,
    ("keeper", "count"): K,
    ("keeper", "adjust"): K,
    ("keeper", "import"): K,
    ("keeper", "transfer_out"): K,
    ("keeper", "transfer_in"): K,
    ("keeper", "reverse"): K,
    # admin: only on depots granted to them (audited `set_sites`), and may backdate there
    ("admin", "receive"): K,
    ("admin", "issue"): K,
    ("admin", "count"): K,
    ("admin", "import"): K,
    # 报废 four-eyes: keeper proposes, an admin other than the proposer approves
    ("keeper", "propose_write_off"): K,
    ("keeper", "view_write_offs"): K,
    ("admin", "view_write_offs"): A,
    ("admin", "approve_write_off"): A,
    # dispatch
    ("dispatcher", "reserve"): A,
    ("dispatcher", "resolve_reservation"): A,  # plus: only the plan owner (checked in the use case)
    ("dispatcher", "expire_reservations"): A,
    ("admin", "expire_reservations"): A,
    ("dispatcher", "confirm_dispatch"): A,
    (
        "dispatcher",
        "issue_reservation",
    ): A,  # a dispatcher only for holds of own plans (checked in the use case)
    ("keeper", "issue_reservation"): K,  # 装车发运: the depot's keeper issues the held stock
    ("dispatcher", "run_scenario"): A,
    # orders after confirmation: a keeper sees and picks the parts at own depots; the dispatcher voids, records
    # the receipt (签收, for the township or the driver) and closes
    ("keeper", "view_orders"): K,
    ("dispatcher", "view_orders"): A,
    ("planner", "view_orders"): A,
    ("admin", "view_orders"): A,
    ("keeper", "pick_order"): K,
    ("dispatcher", "pick_order"): A,
    ("dispatcher", "manage_orders"): A,
    ("admin", "manage_orders"): A,
    ("dispatcher", "receive_dispatch"): A,
    ("admin", "receive_dispatch"): A,
    ("planner", "run_scenario"): A,
    ("admin", "run_scenario"): A,
    # the scenario's confirmed plan (its routes on the 应急一张图): every role that may plan a scenario; not the
    # province's reader (granted stock, gaps and coverage only) nor a keeper (own depots' order parts only)
    ("dispatcher", "view_plans"): A,
    ("planner", "view_plans"): A,
    ("admin", "view_plans"): A,
    # reserve planning (储备规划): agreements, call-offs, the annual review; master data
    ("planner", "verify_agreement"): A,
    ("admin", "verify_agreement"): A,
    ("dispatcher", "call_off_agreement"): A,
    ("admin", "call_off_agreement"): A,
    ("planner", "prepare_review"): A,
    ("admin", "prepare_review"): A,
    ("planner", "review_plan"): A,
    ("admin", "review_plan"): A,
    ("admin", "approve_review"): A,  # and approver ≠ preparer (a CHECK and the use case)
    # reserve standards, agreements, check intervals, contracted transport: planner and admin
    ("planner", "manage_reserve_plan"): A,
    ("admin", "manage_reserve_plan"): A,
    ("admin", "manage_master_data"): A,
    # administration
    ("admin", "manage_users"): A,
    ("admin", "view_audit"): A,
    ("admin", "set_freeze_date"): A,  # also the backdate window `backdate_days`
    # jobs (作业): long work run by a worker; a user reads and cancels own jobs, an admin everybody's
    ("dispatcher", "run_job"): A,
    ("planner", "run_job"): A,
    ("admin", "run_job"): A,
    ("dispatcher", "view_jobs"): A,
    ("planner", "view_jobs"): A,
    ("admin", "view_jobs"): A,
    ("dispatcher", "cancel_job"): A,
    ("planner", "cancel_job"): A,
    ("admin", "cancel_job"): A,
    # disaster events (灾情): an informant (灾情信息员) reports and requests for own townships; the county decides
    ("dispatcher", "manage_events"): A,
    ("admin", "manage_events"): A,
    ("informant", "view_events"): K,
    ("dispatcher", "view_events"): A,
    ("planner", "view_events"): A,
    ("admin", "view_events"): A,
    ("informant", "report_disaster"): K,
    ("dispatcher", "report_disaster"): A,
    ("admin", "report_disaster"): A,
    ("informant", "request_materials"): K,
    ("dispatcher", "request_materials"): A,
    ("admin", "request_materials"): A,
    ("dispatcher", "approve_request"): A,
    ("admin", "approve_request"): A,
    # 征用 and 捐赠 registers and the information publication; goods enter stock through the keeper's `receive`
    ("dispatcher", "manage_registers"): A,
    ("admin", "manage_registers"): A,
    ("dispatcher", "view_registers"): A,
    ("planner", "view_registers"): A,
    ("admin", "view_registers"): A,
    ("dispatcher", "view_publication"): A,
    ("planner", "view_publication"): A,
    ("admin", "view_publication"): A,
}
ACTIONS = tuple(sorted({a for _, a in POLICY}))

# Every public use case (a function of a use-case package taking a unit of work) → the action it checks.
USE_CASES: dict[str, str] = {
    "ledger.stock.record_receipt": "receive",
    "ledger.stock.issue_stock": "issue",
    "ledger.stock.record_receipt_then": "receive",
    "ledger.stock.issue_stock_then": "issue",
    "ledger.stock.suggest_fefo": "view_stock",
    "ledger.stock.ship_transfer": "transfer_out",
    "ledger.stock.receive_transfer": "transfer_in",
    "ledger.stock.record_count": "count",
    "ledger.stock.adjust_stock": "adjust",
    "ledger.stock.reverse_posting": "reverse",
    "ledger.write_offs.propose_write_off": "propose_write_off",
    "ledger.write_offs.approve_write_off": "approve_write_off",
    "ledger.write_offs.reject_write_off": "approve_write_off",
    "ledger.write_offs.pending_write_offs": "view_write_offs",
    "ledger.reservations.reserve": "reserve",
    "ledger.reservations.resolve_reservation": "resolve_reservation",
    "ledger.reservations.expire_due_reservations": "expire_reservations",
    "imports.ledger_files.import_movements": "import",
    "trust.authz.visible_site_codes": "view_stock",
    # scoped reads: one depot → PermissionDenied unless the actor's; lists → the actor's depots
    **{
        f"trust.scoped_reads.{f}": "view_stock"
        for f in (
            "site_scope",
            "sites",
            "stock",
            "stock_by_item",
            "available",
            "balance",
            "bin_card",
            "ledger",
            "in_transit",
            "kpis",
            "map_layers",
            "expiry_dashboard",
        )
    },
    **{f"trust.scoped_reads.{f}": "export" for f in ("recent_postings", "count_sheet_pdf", "voucher_pdf")},
    "trust.scoped_reads.rollup_reader": "view_rollup",
    "trust.users.add_user": "manage_users",
    "trust.users.set_role": "manage_users",
    "trust.users.set_active": "manage_users",
    "trust.users.set_sites": "manage_users",
    "trust.users.reset_password": "manage_users",
    "trust.users.list_users": "manage_users",
    "trust.users.audit_log": "view_audit",
    "trust.users.set_freeze_date": "set_freeze_date",
    "trust.users.set_backdate_days": "set_freeze_date",
    "dispatch.confirm.confirm_plan": "confirm_dispatch",
    "dispatch.orders.list_orders": "view_orders",
    "dispatch.orders.show_order": "view_orders",
    "dispatch.orders.void_plan": "manage_orders",
    "dispatch.orders.close_order": "manage_orders",
    "dispatch.orders.pick_depot": "pick_order",
    "dispatch.shipping.ship_depot": "issue_reservation",
    "dispatch.delivery.receive_order": "receive_dispatch",
    "dispatch.replan.replan_open": "run_scenario",
    "dispatch.replan.confirm_replan": "confirm_dispatch",
    "dispatch.replan.confirmed_plan": "view_plans",
    "imports.masterdata.import_items": "manage_master_data",
    "imports.masterdata.import_sites": "manage_master_data",
    "onboarding.county.import_county": "manage_master_data",
    "onboarding.county.export_county": "manage_master_data",
    "onboarding.county.export_boundaries": "manage_master_data",
    "planning.agreements.record_verification": "verify_agreement",
    "planning.agreements.call_off": "call_off_agreement",
    "planning.agreements.set_check_interval": "manage_reserve_plan",
    "planning.agreements.save_transport": "manage_reserve_plan",
    "planning.standards_import.import_standards": "manage_reserve_plan",
    "planning.standards_import.import_agreements": "manage_reserve_plan",
    "planning.review.prepare_review": "prepare_review",
    "planning.review.mark_reviewed": "review_plan",
    "planning.review.approve": "approve_review",
    "dispatch.scenario.save_demand": "run_scenario",
    "dispatch.scenario.rebase_scenario": "run_scenario",
    "jobs.jobs.submit_job": "run_job",
    "jobs.jobs.get_job": "view_jobs",
    "jobs.jobs.list_jobs": "view_jobs",
    "jobs.jobs.cancel_job": "cancel_job",
    "trust.oidc.link_identity": "manage_users",
    "trust.oidc.unlink_identity": "manage_users",
    "trust.oidc.list_identities": "manage_users",
    "events.reports.new_event": "manage_events",
    "events.reports.list_events": "view_events",
    "events.reports.add_report": "report_disaster",
    "events.reports.list_reports": "view_events",
    "events.reports.set_informant_townships": "manage_users",
    "events.reports.informant_townships": "manage_users",
    "events.requests.add_request": "request_materials",
    "events.requests.decide_request": "approve_request",
    "events.requests.list_requests": "view_events",
    "events.scenario.scenario_from_event": "run_scenario",
    "events.city_requests.shortfall": "view_registers",
    "events.city_requests.record_city_request": "approve_request",
    "events.city_requests.list_city_requests": "view_registers",
    "events.city_requests.city_request": "view_registers",
    "events.requisitions.record_requisition": "manage_registers",
    "events.requisitions.receive_requisition": "receive",
    "events.requisitions.close_requisition": "manage_registers",
    "events.requisitions.return_goods": "issue",
    "events.requisitions.keeper_requisitions": "receive",
    "events.requisitions.list_requisitions": "view_registers",
    "events.requisitions.compensation": "view_registers",
    "events.donations.receive_donation": "receive",
    "events.donations.use_donation": "issue",
    "events.donations.list_donations": "view_registers",
    "events.donations.public_donations": "view_publication",
    "events.publication.publication": "view_publication",
    "events.scenario_edit.show_scenario": "run_scenario",
    "events.scenario_edit.clone_scenario": "run_scenario",
    "events.scenario_edit.set_conditions": "run_scenario",
}
# Functions that take a unit of work but are not user actions, with the reason.
_PLAN_READ = "read-only planning figures that every signed-in role may see"
NOT_USER_ACTIONS: dict[str, str] = {
    "jobs.jobs.run_job": "the worker's side of a job submit_job authorised; runs the submitter's own request",
    "dispatch.confirm.mark_shipped": "the `relief ship` alias: calls shipping.ship_depot per depot (issue_reservation"
    " checked on each depot)",
    "dispatch.orders.stored_order_no": "which stored number a typed order number means (no order content); the step"
    " it is typed for is the checked one",
    "dispatch.orders.order_sheet": "read of a confirmed order for printing; show_order is the checked read",
    "dispatch.orders.depot_part": "the check itself inside pick_depot and shipping.ship_depot (their action, on the"
    " depot named)",
    "ledger.reservations.issue_holds": "engine step inside an authorised use case (shipping.ship_depot)",
    "ledger.reservations.ship_holds": "engine step inside an authorised use case (shipping.ship_depot)",
    "ledger.reservations.release_holds": "engine step inside an authorised use case (orders.void_plan)",
    "dispatch.plan.plan_dispatch": "what-if in memory, writes nothing; confirm_plan is the checked step",
    "dispatch.scenario.load_world": "read model for planning",
    "dispatch.confirm.reserve": "engine step inside confirm_plan and confirm_replan (confirm_dispatch checked there)",
    "dispatch.edit.edit_plan": "what-if in memory, writes nothing; confirming the edited plan is the checked step",
    "dispatch.replan.load_base": "read model for replan_open (run_scenario checked there)",
    "dispatch.replan_demand.new_demand": "read model for replan_open (run_scenario checked there)",
    "dispatch.scenario.scenario_demand": "read model for planning",
    "events.access.township_scope": "the events' policy check itself (an informant's townships), called inside"
    " the events use cases",
    "planning.agreements.fleet_pool": _PLAN_READ,
    "planning.agreements.item_code_or_raise": "validation helper inside the gated planning writes",
    "planning.gap.load_data": _PLAN_READ,
    "planning.gap.gap_report": _PLAN_READ,
    "planning.gap.expiry_dashboard": _PLAN_READ,
    "planning.review.build_document": _PLAN_READ,
    "planning.review.current_review": _PLAN_READ,
    "planning.rotation.rotation_plan": _PLAN_READ,
    "ledger.posting.replay": "engine step inside an authorised use case",
    "ledger.posting.post_batch": "engine step inside an authorised use case",
    "ledger.checks.verify_ledger": "integrity check for tests and the operator's console; returns no stock figures",
    "trust.users.login": "before authentication: checks the password itself",
    "trust.users.open_session": "engine step of a login that has already authenticated the user",
    "trust.oidc.login_oidc": "before authentication: the identity provider proved (iss, sub); only a linked, active"
    " local user is admitted",
    "trust.users.logout": "ends the caller's own login (token holder)",
    "trust.users.session_user": "resolves the caller's own login token",
    "trust.users.change_password": "the user's own password; needs the current password",
    "trust.users.bootstrap_admin": "first-run CLI only: refuses when any user exists",
    "trust.first_login.set_first_password": "before authentication: proves the account's one-time setup code",
    "onboarding.users.apply_users": "engine step inside onboarding.county.import_county (manage_master_data)",
    "onboarding.boundaries.apply_boundaries": "engine step inside onboarding.county.import_county"
    " (manage_master_data)",
    **{
        f"trust.authz.{f}": "the policy machinery itself, called inside use cases"
        for f in (
            "load_actor",
            "require",
            "require_role",
            "guarded",
            "check",
            "write_as",
            "record_denial",
            "audit_ok",
            "on_hand_before",
            "audit_legs",
        )
    },
}
