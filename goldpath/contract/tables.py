"""Data contract v1: every input table goldpath reads, column by column.

The specs here are the single source of truth: validation reads them, and
``docs/data-contract.md`` is generated from them (``python -m goldpath.contract.docs``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["string", "integer", "number", "date", "timestamp"]

CONTACT_ROLES = ("team", "sponsor", "stakeholder", "finance")
RENEWAL_OUTCOMES = ("renewed", "expanded", "contracted", "churned")


@dataclass(frozen=True)
class Column:
    """One column of an input table.

    Parameters
    ----------
    name
        Column name in the contract (sources may map their own names onto it).
    type
        Logical type; validation casts text to it and quarantines rows that do not parse.
    meaning
        What the column holds, for the documentation.
    required
        A required column must be present in the file and non-empty on every row.
    min_value, min_inclusive
        Lower bound for numbers (``seats`` must be > 0, money must be >= 0).
    max_value
        Inclusive upper bound for numbers (criticality is at most 5).
    choices
        Allowed values for a categorical column.
    timezone
        The value must be an IANA time zone name.
    """

    name: str
    type: ColumnType
    meaning: str
    required: bool = True
    min_value: float | None = None
    min_inclusive: bool = True
    max_value: float | None = None
    choices: tuple[str, ...] | None = None
    timezone: bool = False

    def expectation(self) -> str:
        """Describe, in words, what a valid value looks like."""
        base = {
            "string": "text",
            "integer": "a whole number",
            "number": "a number",
            "date": "a date YYYY-MM-DD",
            "timestamp": "an ISO 8601 timestamp (YYYY-MM-DD HH:MM:SS, optional offset; UTC if none)",
        }[self.type]
        if self.min_value is not None:
            op = ">=" if self.min_inclusive else ">"
            base += f" {op} {self.min_value:g}"
        if self.max_value is not None:
            base += f" and <= {self.max_value:g}" if self.min_value is not None else f" <= {self.max_value:g}"
        if self.choices:
            base = "one of " + ", ".join(self.choices)
        if self.timezone:
            base = "an IANA time zone name such as Europe/Berlin"
        return base


@dataclass(frozen=True)
class Reference:
    """A column whose values must exist in another table's key."""

    column: str
    table: str
    target: str


@dataclass(frozen=True)
class TableSpec:
    """One input table of the contract."""

    name: str
    meaning: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    required: bool = True
    after_columns: tuple[tuple[str, str], ...] = field(default=())
    """Pairs (later, earlier): the later date column must not precede the earlier one."""

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        """Names of all columns, in contract order."""
        return [c.name for c in self.columns]


def _money(name: str, meaning: str, required: bool = True) -> Column:
    return Column(name, "number", meaning, required=required, min_value=0)


_ACCOUNT = Reference("account_id", "accounts", "account_id")

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        TableSpec(
            "accounts",
            "One row per customer account under contract.",
            (
                Column("account_id", "string", "Unique account identifier."),
                Column("name", "string", "Display name of the account."),
                Column("segment", "string", "Market segment; selects the tier rules and key features."),
                _money("arr", "Annual recurring revenue, in the reporting currency."),
                Column("seats", "integer", "Licensed seats (users the customer pays for).", min_value=0, min_inclusive=False),
                Column("contract_start", "date", "First day of the customer's contract."),
                Column("renewal_date", "date", "Next renewal date (or the end of the last term)."),
                Column("parent_id", "string", "Parent account, for hierarchies.", required=False),
                Column(
                    "timezone",
                    "string",
                    "Reporting time zone for day boundaries; UTC when empty.",
                    required=False,
                    timezone=True,
                ),
            ),
            key=("account_id",),
            after_columns=(("renewal_date", "contract_start"),),
        ),
        TableSpec(
            "events",
            "Product usage events, one row per action a user took.",
            (
                Column("account_id", "string", "Account the user belongs to."),
                Column("user_id", "string", "User who acted; empty when the source has no users.", required=False),
                Column("feature", "string", "Product feature or action (mapped to processes by the catalogue)."),
                Column("timestamp", "timestamp", "When it happened; stored in UTC."),
                Column(
                    "event_id",
                    "string",
                    "Source's event id, used to drop retried duplicates; without it duplicates are "
                    "found on (account, user, feature, timestamp).",
                    required=False,
                ),
                Column("quantity", "number", "Units of work in the event; 1 when empty.", required=False, min_value=0),
                Column("value", "number", "Money the event carried (e.g. a won deal's amount).", required=False),
            ),
            references=(_ACCOUNT,),
        ),
        TableSpec(
            "users",
            "Optional user attributes.",
            (
                Column("account_id", "string", "Account of the user."),
                Column("user_id", "string", "User identifier, as in events."),
                Column("role", "string", "Job role of the user.", required=False),
                Column("team", "string", "Team or department of the user.", required=False),
            ),
            key=("account_id", "user_id"),
            references=(_ACCOUNT,),
            required=False,
        ),
        TableSpec(
            "process_features",
            "Process catalogue, part 1: which feature serves which business process.",
            (
                Column("feature", "string", "Feature name, as in events."),
                Column("process", "string", "Business process the feature serves."),
            ),
            key=("feature", "process"),
        ),
        TableSpec(
            "process_criticality",
            "Process catalogue, part 2: how critical each process is to customers of a segment "
            "(segment `*` applies to every segment without its own row).",
            (
                Column("process", "string", "Business process."),
                Column("segment", "string", "Segment, or `*` for all segments."),
                Column(
                    "criticality", "number", "Weight of the process, 0 (irrelevant) to 5 (critical).",
                    min_value=0, max_value=5,
                ),
            ),
            key=("process", "segment"),
        ),
        TableSpec(
            "criticality_overrides",
            "Process catalogue, part 3 (optional): criticality of a process for one account.",
            (
                Column("account_id", "string", "Account."),
                Column("process", "string", "Business process."),
                Column("criticality", "number", "Weight of the process for this account, 0 to 5.", min_value=0, max_value=5),
            ),
            key=("account_id", "process"),
            references=(_ACCOUNT,),
            required=False,
        ),
        TableSpec(
            "contacts",
            "People at the customer who can acknowledge value.",
            (
                Column("contact_id", "string", "Unique contact identifier."),
                Column("account_id", "string", "Account the contact works for."),
                Column("name", "string", "Contact's name."),
                Column("role", "string", "Role in the value conversation.", choices=CONTACT_ROLES),
                Column("joined", "date", "When the contact took the role.", required=False),
                Column("left", "date", "When the contact left; their acknowledgements lapse then.", required=False),
            ),
            key=("contact_id",),
            references=(_ACCOUNT,),
            required=False,
            after_columns=(("left", "joined"),),
        ),
        TableSpec(
            "outcomes",
            "Value outcomes: the ROI a customer expects from the product, with a metric.",
            (
                Column("outcome_id", "string", "Unique outcome identifier."),
                Column("account_id", "string", "Account."),
                Column("title", "string", "What the customer wants to achieve."),
                Column("metric", "string", "How it is measured."),
                Column("baseline", "number", "Metric value before the product."),
                Column("target", "number", "Metric value that counts as achieved (may be below baseline)."),
                Column("achieved", "number", "Latest measured value of the metric.", required=False),
                _money("annual_value", "Money per year the outcome is worth to the customer.", required=False),
                _money("cost", "Annual cost of the product to the customer, for ROI.", required=False),
                Column("defined_at", "date", "When the outcome was agreed."),
                Column("achieved_at", "date", "When `achieved` was measured.", required=False),
            ),
            key=("outcome_id",),
            references=(_ACCOUNT,),
            required=False,
        ),
        TableSpec(
            "acknowledgements",
            "Dated statements by a contact that an outcome's value is real.",
            (
                Column("outcome_id", "string", "Outcome acknowledged."),
                Column("contact_id", "string", "Contact who acknowledged it."),
                Column("date", "date", "Date of the acknowledgement."),
                Column("statement", "string", "What the contact said or signed.", required=False),
            ),
            key=("outcome_id", "contact_id", "date"),
            references=(
                Reference("outcome_id", "outcomes", "outcome_id"),
                Reference("contact_id", "contacts", "contact_id"),
            ),
            required=False,
        ),
        TableSpec(
            "signals",
            "Account-level signals over time (NPS, CSAT, open tickets, integrations connected...); a measure "
            "with `signal: METRIC` reads the latest value within its freshness limit.",
            (
                Column("account_id", "string", "Account."),
                Column("metric", "string", "Name of the signal, as the model's `signal:` refers to it."),
                Column("value", "number", "Value of the signal."),
                Column("date", "date", "Date the value was observed."),
            ),
            key=("account_id", "metric", "date"),
            references=(_ACCOUNT,),
            required=False,
        ),
        TableSpec(
            "renewals",
            "Renewal decisions, for history and backtests.",
            (
                Column("account_id", "string", "Account."),
                Column("renewal_date", "date", "Date the term ended or renewed."),
                Column("outcome", "string", "What the customer decided.", choices=RENEWAL_OUTCOMES),
                _money("arr_before", "ARR before the decision."),
                _money("arr_after", "ARR after the decision (0 when churned)."),
            ),
            key=("account_id", "renewal_date"),
            references=(_ACCOUNT,),
            required=False,
        ),
    )
}

#: Order in which tables are validated, so references can be checked against accepted keys.
LOAD_ORDER = [
    "accounts",
    "users",
    "process_features",
    "process_criticality",
    "criticality_overrides",
    "contacts",
    "outcomes",
    "acknowledgements",
    "renewals",
    "signals",
    "events",
]
assert sorted(LOAD_ORDER) == sorted(TABLES)
