"""The scoring model: pydantic classes loaded from YAML."""

from goldpath.model.spec import Model, load_model

__all__ = ["Model", "load_model"]
