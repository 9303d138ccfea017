"""The scoring model file (YAML), validated by pydantic with messages that name the key.

A model defines, per axis, the measures with their scheme, weight and missing-data rule;
the tier rules per segment; and the GOLD evidence requirements. Its version is a content
hash of the file, stored on every score.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from goldpath.errors import ConfigError
from goldpath.model.schemes import Scheme

Axis = Literal["engagement", "indispensability"]
AXES: tuple[Axis, ...] = ("engagement", "indispensability")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: Every measure the engine computes, with its axis and what its raw value means.
MEASURES: dict[str, tuple[Axis, str]] = {
    "active_seat_ratio": ("engagement", "users active in the window / licensed seats"),
    "stickiness": ("engagement", "mean daily active users / users active in the window"),
    "active_days_per_active_user": ("engagement", "mean number of days each active user was active in the window"),
    "key_feature_adoption": (
        "engagement",
        "share of the segment's key features used by at least `min_users` users in the window",
    ),
    "process_coverage": (
        "indispensability",
        "criticality-weighted share of the account's business processes run in the window",
    ),
    "critical_process_regularity": (
        "indispensability",
        "criticality-weighted share of working days on which each critical process ran",
    ),
    "critical_process_reach": ("indispensability", "share of active users who ran a critical process"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MeasureSpec(_Strict):
    """One measure on an axis: its scheme, weight and what to do without data.

    A measure is either one the engine computes from usage (its name is a key of
    :data:`MEASURES`) or reads an account-level signal (``signal: nps``): the latest value
    of that metric dated within ``freshness_days`` before the as-of date.
    """

    weight: float = Field(gt=0, description="Relative weight on its axis.")
    scheme: Scheme
    signal: str | None = Field(None, description="Metric of the signals table this measure reads.")
    freshness_days: int = Field(90, ge=1, description="A signal older than this many days is missing.")
    missing: Literal["exclude", "zero", "neutral", "last_value"] = Field(
        "exclude",
        description="Without data: exclude and renormalise the other weights, score 0, score `neutral_score`, "
        "or reuse the last stored raw value if it is at most `staleness_days` old.",
    )
    neutral_score: float = Field(50, ge=0, le=100)
    staleness_days: int = Field(28, ge=1, description="How old a last known value may be (missing: last_value).")


class AxisSpec(_Strict):
    """The measures of one axis and the coverage it needs to be trusted."""

    measures: dict[str, MeasureSpec] = Field(min_length=1)
    min_coverage: float = Field(
        0.5, ge=0, le=1, description="Below this share of weight with data the tier is 'insufficient data'."
    )


class Range(_Strict):
    """Inclusive bounds on an axis score (0..100)."""

    min: float | None = Field(None, ge=0, le=100)
    max: float | None = Field(None, ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> "Range":
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}: the rule can never match")
        return self

    def describe(self, axis: str) -> str:
        """Text such as ``engagement >= 60``."""
        parts = []
        if self.min is not None:
            parts.append(f"{axis} >= {self.min:g}")
        if self.max is not None:
            parts.append(f"{axis} <= {self.max:g}")
        return " and ".join(parts) or f"any {axis}"


class TrendRange(_Strict):
    """Inclusive bounds on an axis's change in points since the snapshot ``trend_days`` earlier."""

    min: float | None = Field(None, ge=-100, le=100)
    max: float | None = Field(None, ge=-100, le=100)

    describe = Range.describe


class TierCondition(_Strict):
    """Conditions of a tier rule; all that are set must hold.

    ``{axis}_trend`` bounds the change of the axis since the stored snapshot ``trend_days``
    earlier (``engagement_trend: {min: 0}`` is "engagement not falling"); without such a
    snapshot a trend condition holds, so a first run is never demoted for lack of history.
    """

    engagement: Range | None = None
    indispensability: Range | None = None
    engagement_trend: TrendRange | None = None
    indispensability_trend: TrendRange | None = None

    def items(self) -> list[tuple[str, Range | TrendRange]]:
        """The conditions that are set, as ``(name, range)``."""
        return [(k, v) for k, v in ((k, getattr(self, k)) for k in type(self).model_fields) if v is not None]

    def box(self, axis: str) -> tuple[float, float]:
        """The closed interval this condition allows on an axis (0..100 when unset)."""
        r = getattr(self, axis)
        lo = 0.0 if r is None or r.min is None else r.min
        hi = 100.0 if r is None or r.max is None else r.max
        return lo, hi

    @property
    def has_trend(self) -> bool:
        """Whether a trend condition is set."""
        return self.engagement_trend is not None or self.indispensability_trend is not None


class TierRule(_Strict):
    """``tier`` applies when every condition in ``when`` holds; no conditions matches all."""

    tier: Literal["green", "yellow", "red"]
    when: TierCondition = Field(default_factory=TierCondition)

    def describe(self) -> str:
        """Text such as ``green when engagement >= 60 and indispensability >= 50``."""
        conds = self.when.items()
        if not conds:
            return f"{self.tier} (otherwise)"
        return f"{self.tier} when " + " and ".join(r.describe(a) for a, r in conds)

    def covers(self, other: "TierRule") -> bool:
        """Whether every account ``other`` would match is already matched by this rule."""
        if self.when.has_trend:
            return False
        for axis in AXES:
            lo, hi = self.when.box(axis)
            olo, ohi = other.when.box(axis)
            if not (lo <= olo and ohi <= hi):
                return False
        return True


class GoldSpec(_Strict):
    """The GOLD evidence gate on top of Green."""

    required_roles: list[list[Literal["team", "sponsor", "stakeholder", "finance"]]] = Field(
        default_factory=lambda: [["team"], ["sponsor", "stakeholder"], ["finance"]],
        min_length=1,
        description="Groups of roles; an acknowledgement from any role of each group is needed.",
    )
    validity_days: int = Field(365, ge=1, description="How long an acknowledgement stays valid.")
    min_acknowledgements: int = Field(1, ge=1, description="Valid acknowledgements needed from each role group.")
    min_attainment: float = Field(
        1.0, gt=0, description="Share of the way from baseline to target that counts as achieved (1 = target)."
    )
    min_roi: float | None = Field(None, description="Minimum ROI, (annual value - cost) / cost, when set.")


class AttributeRange(_Strict):
    """Inclusive bounds on an account attribute."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "AttributeRange":
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}: the rule can never match")
        return self


class SegmentCondition(_Strict):
    """Which accounts a segment rule takes; all set conditions must hold."""

    segment: list[str] | None = Field(None, description="Values of the accounts table's `segment` column.")
    arr: AttributeRange | None = None
    seats: AttributeRange | None = None
    tenure_days: AttributeRange | None = Field(None, description="Days from contract start to the as-of date.")


class SegmentRule(_Strict):
    """A model segment: the accounts it takes and, optionally, its own axes.

    Tier rules and key features for the segment are looked up under its ``name`` in
    ``tiers`` and ``params.key_features`` (falling back to ``default``).
    """

    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    when: SegmentCondition = Field(default_factory=SegmentCondition)
    engagement: "AxisSpec | None" = None
    indispensability: "AxisSpec | None" = None


class RollupSpec(_Strict):
    """How a parent account's axes and tier roll up from its children.

    ``arr_weighted``: axes are the ARR-weighted means of the children's axes and the tier
    follows the default tier rules. ``worst_child``: axes are the children's minimums and the
    tier is the worst child's. ``tier_share``: the tier is the best tier such that the
    children at that tier or better hold at least ``tier_share[tier]`` of the children's ARR
    (axes as in ``arr_weighted``).
    """

    method: Literal["arr_weighted", "worst_child", "tier_share"] = "worst_child"
    tier_share: dict[Literal["gold", "green", "yellow"], float] = Field(
        default_factory=lambda: {"gold": 0.5, "green": 0.6, "yellow": 0.6}
    )


class MeasureParams(_Strict):
    """Parameters the engine uses to compute raw measures."""

    key_features: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Key features per segment; `default` applies to segments not listed.",
    )
    key_feature_min_users: int = Field(1, ge=1, description="Users needed for a key feature to count as adopted.")
    critical_min: float = Field(
        4, ge=0, le=5, description="Processes with at least this criticality (0 to 5) are critical."
    )


class Model(_Strict):
    """A whole scoring model.

    Attributes
    ----------
    version
        Content hash of the model file (set on load).
    """

    name: str | None = None
    window_days: int = Field(28, ge=1, le=366)
    working_days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"], min_length=1
    )
    params: MeasureParams = Field(default_factory=MeasureParams)
    engagement: AxisSpec
    indispensability: AxisSpec
    segments: list[SegmentRule] = Field(
        default_factory=list,
        description="Ordered rules resolving each account to a model segment; first match wins, else `default`. "
        "Without rules, an account's `segment` column is its model segment.",
    )
    tiers: dict[str, list[TierRule]] = Field(description="Tier rules per segment; `default` is required.")
    trend_days: int = Field(28, ge=1, description="Trend conditions compare with the snapshot this many days earlier.")
    min_tenure_days: int = Field(
        0, ge=0, description="Accounts younger than this (days since contract start) get 'insufficient data'."
    )
    gold: GoldSpec = Field(default_factory=GoldSpec)
    rollup: RollupSpec = Field(default_factory=RollupSpec)
    version: str = ""

    @model_validator(mode="after")
    def _check(self) -> "Model":
        axes_to_check = [(axis, getattr(self, axis)) for axis in AXES]
        for i, seg in enumerate(self.segments):
            axes_to_check += [(f"segments[{i}].{a}", getattr(seg, a)) for a in AXES if getattr(seg, a) is not None]
        signal_axis: dict[str, str] = {}
        for where, spec in axes_to_check:
            axis = where.rsplit(".", 1)[-1]
            for name, m in spec.measures.items():
                if m.signal is not None:
                    if name in MEASURES:
                        raise ValueError(f"{where}.measures.{name}: a signal measure needs a name of its own")
                    if signal_axis.setdefault(name, axis) != axis:
                        raise ValueError(f"{where}.measures.{name}: used on both axes")
                    continue
                if name not in MEASURES:
                    known = ", ".join(sorted(MEASURES))
                    raise ValueError(
                        f"{where}.measures.{name}: unknown measure; known measures: {known} "
                        f"(or give `signal: METRIC` to read the signals table)"
                    )
                if MEASURES[name][0] != axis:
                    raise ValueError(f"{where}.measures.{name}: this measure belongs to the {MEASURES[name][0]} axis")
        names = [seg.name for seg in self.segments]
        if len(set(names)) != len(names):
            raise ValueError(f"segments: names must be unique, got {names}")
        if "default" in names:
            raise ValueError("segments: `default` is the name of accounts no rule takes; choose another name")
        if self.segments:
            allowed = set(names) | {"default"}
            for where, keys in (("tiers", self.tiers), ("params.key_features", self.params.key_features)):
                unknown = sorted(set(keys) - allowed)
                if unknown:
                    raise ValueError(
                        f"{where}: {', '.join(unknown)} is not a segment; the segments are {', '.join(sorted(allowed))}"
                    )
        if "default" not in self.tiers:
            raise ValueError("tiers: a `default` list of rules is required")
        for segment, rules in self.tiers.items():
            if not rules:
                raise ValueError(f"tiers.{segment}: needs at least one rule")
            if rules[-1].when.items():
                raise ValueError(f"tiers.{segment}: the last rule must have no conditions, so every account gets a tier")
            for j, rule in enumerate(rules):
                for i, earlier in enumerate(rules[:j]):
                    if earlier.covers(rule):
                        raise ValueError(
                            f"tiers.{segment}[{j}] can never match: tiers.{segment}[{i}] "
                            f"({earlier.describe()}) takes every account it would"
                        )
        uses_keys = any("key_feature_adoption" in self.axis("engagement", n).measures for n in [None, *names])
        if uses_keys and not self.params.key_features:
            raise ValueError("params.key_features: key_feature_adoption needs key features (at least a `default` list)")
        return self

    @field_validator("working_days")
    @classmethod
    def _unique_days(cls, v: list[str]) -> list[str]:
        return sorted(set(v), key=WEEKDAYS.index)

    def axis(self, name: Axis, segment: str | None = None) -> AxisSpec:
        """The spec of one axis, for a model segment when it has its own."""
        for seg in self.segments:
            if seg.name == segment and getattr(seg, name) is not None:
                return getattr(seg, name)
        return getattr(self, name)

    def all_measures(self) -> list[tuple[str, MeasureSpec]]:
        """Every (name, spec) of every axis, the default's and each segment's own."""
        specs = [getattr(self, a) for a in AXES] + [
            getattr(seg, a) for seg in self.segments for a in AXES if getattr(seg, a) is not None
        ]
        return [(name, m) for spec in specs for name, m in spec.measures.items()]

    def signal_measures(self) -> dict[str, MeasureSpec]:
        """Every measure that reads the signals table, by name, across all segments."""
        found: dict[str, MeasureSpec] = {}
        for name, m in self.all_measures():
            if m.signal is not None:
                found.setdefault(name, m)
        return found

    def segment_names(self) -> list[str]:
        """Model segments from the rules, then ``default`` (empty when segments come from the data)."""
        return [s.name for s in self.segments] + ["default"] if self.segments else []

    def tier_rules(self, segment: str) -> list[TierRule]:
        """Rules for a segment, falling back to ``default``."""
        return self.tiers.get(segment, self.tiers["default"])


def _format_error(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "model"
        msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"  {loc}: {msg}")
    return "\n".join(lines)


def parse_model(text: str, source: str = "model") -> Model:
    """Parse and validate a model from YAML text.

    Raises
    ------
    ConfigError
        With one line per problem, naming the key.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping at the top level")
    try:
        model = Model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: invalid model\n{_format_error(exc)}") from exc
    model.version = hashlib.sha256(text.encode()).hexdigest()[:12]
    return model


def load_model(path: Path) -> Model:
    """Load a model YAML file; see :func:`parse_model`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the model file: {exc}") from exc
    return parse_model(text, str(path))


SegmentRule.model_rebuild()
