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
    """One measure on an axis: its scheme, weight and what to do without data."""

    weight: float = Field(gt=0, description="Relative weight on its axis.")
    scheme: Scheme
    missing: Literal["exclude", "zero", "neutral"] = Field(
        "exclude",
        description="Without data: exclude and renormalise the other weights, score 0, or score `neutral_score`.",
    )
    neutral_score: float = Field(50, ge=0, le=100)


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


class TierRule(_Strict):
    """``tier`` applies when every condition in ``when`` holds; no conditions matches all."""

    tier: Literal["green", "yellow", "red"]
    when: dict[Axis, Range] = Field(default_factory=dict)

    def describe(self) -> str:
        """Text such as ``green when engagement >= 60 and indispensability >= 50``."""
        if not self.when:
            return f"{self.tier} (otherwise)"
        return f"{self.tier} when " + " and ".join(r.describe(a) for a, r in self.when.items())


class GoldSpec(_Strict):
    """The GOLD evidence gate on top of Green."""

    required_roles: list[list[Literal["team", "sponsor", "stakeholder", "finance"]]] = Field(
        default_factory=lambda: [["team"], ["sponsor", "stakeholder"], ["finance"]],
        min_length=1,
        description="Groups of roles; an acknowledgement from any role of each group is needed.",
    )
    validity_days: int = Field(365, ge=1, description="How long an acknowledgement stays valid.")


class MeasureParams(_Strict):
    """Parameters the engine uses to compute raw measures."""

    key_features: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Key features per segment; `default` applies to segments not listed.",
    )
    key_feature_min_users: int = Field(1, ge=1, description="Users needed for a key feature to count as adopted.")
    critical_min: float = Field(4, ge=0, description="Processes with at least this criticality are critical.")


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
    tiers: dict[str, list[TierRule]] = Field(description="Tier rules per segment; `default` is required.")
    gold: GoldSpec = Field(default_factory=GoldSpec)
    version: str = ""

    @model_validator(mode="after")
    def _check(self) -> "Model":
        for axis in AXES:
            for name in getattr(self, axis).measures:
                if name not in MEASURES:
                    known = ", ".join(sorted(MEASURES))
                    raise ValueError(f"{axis}.measures.{name}: unknown measure; known measures: {known}")
                if MEASURES[name][0] != axis:
                    raise ValueError(f"{axis}.measures.{name}: this measure belongs to the {MEASURES[name][0]} axis")
        if "default" not in self.tiers:
            raise ValueError("tiers: a `default` list of rules is required")
        for segment, rules in self.tiers.items():
            if not rules:
                raise ValueError(f"tiers.{segment}: needs at least one rule")
            if rules[-1].when:
                raise ValueError(f"tiers.{segment}: the last rule must have no conditions, so every account gets a tier")
            for i, rule in enumerate(rules[:-1]):
                if not rule.when:
                    raise ValueError(
                        f"tiers.{segment}[{i}]: a rule without conditions matches every account, "
                        f"so the rules after it can never match"
                    )
        if "key_feature_adoption" in self.engagement.measures and not self.params.key_features:
            raise ValueError("params.key_features: key_feature_adoption needs key features (at least a `default` list)")
        return self

    @field_validator("working_days")
    @classmethod
    def _unique_days(cls, v: list[str]) -> list[str]:
        return sorted(set(v), key=WEEKDAYS.index)

    def axis(self, name: Axis) -> AxisSpec:
        """The spec of one axis."""
        return getattr(self, name)

    def tier_rules(self, segment: str) -> list[TierRule]:
        """Rules for a segment, falling back to ``default``."""
        return self.tiers.get(segment, self.tiers["default"])


def _format_error(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
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
