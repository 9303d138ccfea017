"""The data contract: input tables, their columns and types, and in-engine validation."""

from goldpath.contract.tables import TABLES, Column, TableSpec

__all__ = ["TABLES", "Column", "TableSpec"]
