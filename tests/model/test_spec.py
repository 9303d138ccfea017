"""Model validation: clear errors naming the key, and a content-hash version."""

from __future__ import annotations

import pytest
import yaml

from goldpath.errors import ConfigError
from goldpath.model.spec import parse_model


def mutate(text: str, change) -> str:
    data = yaml.safe_load(text)
    change(data)
    return yaml.safe_dump(data)


def test_example_model_loads_with_a_version(example_model_text):
    m = parse_model(example_model_text)
    assert m.name == "crm-v1" and len(m.version) == 12
    assert parse_model(example_model_text).version == m.version
    assert parse_model(example_model_text + "\n# comment\n").version != m.version


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["engagement"]["measures"].update(nps={"weight": 1, "scheme": {"type": "linear", "min": 0, "max": 1}}),
         "engagement.measures.nps: unknown measure"),
        (lambda d: d["engagement"]["measures"].update(process_coverage=d["indispensability"]["measures"]["process_coverage"]),
         "belongs to the indispensability axis"),
        (lambda d: d["engagement"]["measures"]["stickiness"].update(weight=0), "greater than 0"),
        (lambda d: d["tiers"]["default"][0]["when"]["engagement"].update(min=120), "less than or equal to 100"),
        (lambda d: d["tiers"]["default"][0]["when"].update(engagement={"min": 70, "max": 60}), "can never match"),
        (lambda d: d["tiers"]["default"].insert(0, {"tier": "red"}), "tiers.default[1] can never match: tiers.default[0] (red (otherwise)) takes every account"),
        (lambda d: d["tiers"]["default"].pop(), "the last rule must have no conditions"),
        (lambda d: d["tiers"].pop("default"), "a `default` list of rules is required"),
        (lambda d: d["tiers"]["default"][0].update(tier="platinum"), "tiers.default.0.tier"),
        (lambda d: d["params"].pop("key_features"), "key_feature_adoption needs key features"),
        (lambda d: d.update(window_days=0), "window_days"),
        (lambda d: d.update(surprise=1), "surprise: Extra inputs are not permitted"),
        (lambda d: d["tiers"].update(onbording=d["tiers"]["default"]), "tiers: onbording is not a segment"),
        (lambda d: d["params"]["key_features"].update(enterprize=["x"]), "params.key_features: enterprize is not a segment"),
    ],
)
def test_invalid_models_name_the_key(example_model_text, change, message):
    with pytest.raises(ConfigError) as info:
        parse_model(mutate(example_model_text, change), "model.yaml")
    assert "model.yaml" in str(info.value)
    assert message in str(info.value)


def test_not_yaml():
    with pytest.raises(ConfigError, match="not valid YAML"):
        parse_model("a: [unclosed", "m.yaml")
