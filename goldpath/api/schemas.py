"""Request and response models of the REST API (they make the published OpenAPI schema).

Requests are strict (unknown fields are refused) and carry examples from the bundled example
workspace. Validation that needs the data (an unknown outcome, an acknowledgement before its
outcome was defined...) happens in the Workspace and comes back as a 422 naming the field.
"""

from __future__ import annotations

import datetime as dt_
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from goldpath.store.ledger import FIRST_DATE, LAST_DATE, MAX_TEXT

Role = Literal["team", "sponsor", "stakeholder", "finance"]
#: A finite JSON number (true/false and numbers in strings are refused).
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
#: A date from 1900 to 2199.
Day = Annotated[dt_.date, Field(ge=FIRST_DATE, le=LAST_DATE)]
#: Text of at most MAX_TEXT characters.
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContactIn(_In):
    """A person at the customer who can acknowledge value."""

    account_id: Text = Field(examples=["A092"])
    name: Text = Field(min_length=1, examples=["Chief Financial Officer of Tidewater Outfitters"])
    role: Role = Field(examples=["finance"])
    joined: Day | None = Field(None, description="When the contact took the role.", examples=["2022-06-01"])


class ContactLeftIn(_In):
    """The day a contact left; their acknowledgements lapse from then."""

    left: Day = Field(examples=["2022-12-30"])


class OutcomeIn(_In):
    """A value outcome: what the customer wants to achieve, with a metric, a baseline and a target."""

    account_id: Text = Field(examples=["A092"])
    title: Text = Field(min_length=1, examples=["Cut quote turnaround"])
    metric: Text = Field(min_length=1, examples=["hours from request to quote"])
    baseline: Number = Field(examples=[48])
    target: Number = Field(description="May be below the baseline.", examples=[24])
    defined_at: Day = Field(examples=["2022-03-01"])
    achieved: Number | None = Field(None, description="Latest measured value.", examples=[20])
    achieved_at: Day | None = Field(None, examples=["2022-12-01"])
    annual_value: Number | None = Field(None, ge=0, examples=[30000])
    cost: Number | None = Field(None, ge=0, description="Annual cost of the product, for ROI.", examples=[17400])


class AchievementIn(_In):
    """A new measured value of an outcome."""

    achieved: Number = Field(examples=[22])
    achieved_at: Day = Field(examples=["2022-12-20"])


class AcknowledgementIn(_In):
    """A contact's dated statement that an outcome's value is real."""

    outcome_id: Text = Field(examples=["A092-O1"])
    contact_id: Text = Field(examples=["A092-C3"])
    date: Day = Field(examples=["2022-12-28"])
    statement: Text | None = Field(None, examples=["CFO confirms the pipeline growth in the value review"])


class PlanIn(_In):
    """The success plan agreed at the sale: processes to run and the value hypothesis."""

    processes: dict[Text, Number] = Field(
        min_length=1, description="Process -> criticality 0..5: the account's process scope (other processes count 0).",
        examples=[{"contact_management": 5, "pipeline": 4, "meetings": 3}],
    )
    metric: Text = Field(min_length=1, examples=["won deal value per 90 days"])
    baseline: Number = Field(examples=[100000])
    target: Number = Field(examples=[130000])
    closed_on: Day = Field(examples=["2022-09-01"])
    title: Text | None = Field(None, examples=["Grow won deal value by 30%"])
    annual_value: Number | None = Field(None, ge=0, examples=[40000])
    expected_version: int | None = Field(
        None, ge=0, strict=True, description="Refuse the write (409 Conflict) unless the stored plan has this version (0: none yet).",
    )


class OverrideIn(_In):
    """A manual override of an account's tier, or of one measure's score."""

    account_id: Text = Field(examples=["A099"])
    reason: Text = Field(min_length=1, examples=["exec escalation"])
    expires: Day = Field(examples=["2023-03-31"])
    starts: Day | None = None
    tier: Literal["red", "yellow", "green"] | None = Field(None, examples=["yellow"])
    measure: Text | None = None
    score: Number | None = Field(None, ge=0, le=100)


class AccountRef(BaseModel):
    """The account a write touched, with its tier after the write (the latest date is re-scored)."""

    account_id: str
    as_of: dt_.date | None
    tier: str | None
    gold_evidence: bool | None


class TierChange(BaseModel):
    """A tier a write changed on a stored date."""

    account_id: str
    as_of: dt_.date
    before: str | None
    after: str | None


class Rescored(BaseModel):
    rescored: list[dt_.date] = Field(
        default_factory=list, description="The stored dates the write re-scored (in one pass): those it can affect.")
    tier_changes: list[TierChange] = Field(default_factory=list, description="Every tier that moved on those dates.")
    rescore_seconds: float = Field(0.0, description="How long the rescore took (about 1 s for one date on the "
                                                    "example, 4 s for its 53 stored dates).")


class WriteOut(Rescored):
    """What a write stored (or retracted), who wrote it, the account's tier afterwards and what was re-scored."""

    id: str | int = Field(description="The row's id (contact, outcome, change, acknowledgement or override id).")
    author: str
    row: dict[str, Any]
    account: AccountRef


class PlanOut(BaseModel):
    """A success plan with its progress on ``progress.as_of``."""

    account_id: str
    version: int
    title: str
    metric: str
    baseline: float
    target: float
    closed_on: dt_.date
    annual_value: float | None
    processes: dict[str, float]
    outcome_id: str
    author: str
    created_at: dt_.datetime
    updated_at: dt_.datetime
    progress: dict[str, Any]


class PlanWriteOut(Rescored):
    plan: PlanOut
    account: AccountRef


class TierCount(BaseModel):
    tier: str
    accounts: int
    account_share: float
    arr: float
    arr_share: float


class AccountRow(BaseModel):
    """One account's stored score on a date."""

    model_config = ConfigDict(extra="allow")
    account_id: str
    name: str
    segment: str
    arr: float
    engagement: float | None
    engagement_coverage: float | None
    indispensability: float | None
    indispensability_coverage: float | None
    tier: str = Field(description="The tier in force: the computed tier, or a tier override's.")
    computed_tier: str | None = Field(None, description="The tier the model computed (before a tier override).")
    tier_rule: str | None
    gold_evidence: bool | None
    tier_override: dict[str, Any] | None = Field(
        None, description="The tier override in force: tier, note, author, reason, starts, expires, override_id.")
    measure_overrides: list[dict[str, Any]] = Field(
        default_factory=list, description="Measure overrides in force: measure, value (the score), note, author, "
                                          "reason, starts, expires, override_id.")


class Portfolio(BaseModel):
    as_of: dt_.date
    tiers: list[TierCount]
    accounts: list[AccountRow]


class AccountList(BaseModel):
    as_of: dt_.date
    count: int
    accounts: list[AccountRow]


class AccountDetail(BaseModel):
    """Everything about one account on a date: axes with their exact decomposition, tier, evidence, history, ledger, plan, next steps."""

    as_of: dt_.date
    account: dict[str, Any]
    score: dict[str, Any]
    axes: list[dict[str, Any]] = Field(description="Per axis: score, coverage, contribution_sum and the measure rows.")
    tier: dict[str, Any] = Field(description="tier, computed_tier, axis_tier, rule, override (its note), tier_override, "
                                             "measure_overrides, gold_evidence, gold lines.")
    evidence: list[dict[str, Any]]
    history: dict[str, Any]
    ledger: dict[str, list[dict[str, Any]]]
    plan: PlanOut | None
    next_tier: dict[str, Any] = Field(description="The path to the next tier: axis gaps and measure targets.")
    actions: list[dict[str, Any]] = Field(description="Playbook actions for this account (empty without playbooks).")


class AuditEntry(BaseModel):
    at: dt_.datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]
