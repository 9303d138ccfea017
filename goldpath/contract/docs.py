"""Render the data contract as Markdown: ``python -m goldpath.contract.docs > docs/data-contract.md``."""

from __future__ import annotations

from goldpath.contract.tables import LOAD_ORDER, TABLES

INTRO = """\
# Data contract v1

Generated from `goldpath/contract/tables.py` by `make docs`; a test keeps the two in step.

goldpath reads each table below from a CSV file (plain or gzipped, comma or tab separated,
UTF-8, one header row), a Parquet file or a PostgreSQL table (`url` and `table`), named in
`goldpath.yaml` under `sources:`, or a dataframe given to `Workspace(path, frames=...)`. Events may
also come as a Segment-style JSON-lines stream of track calls (`format: segment-jsonl`):
`groupId` or `context.groupId` is the account, `userId` (or `anonymousId`) the user, `event` the
feature, `messageId` the event id, `properties.quantity` and `properties.revenue` (or `value`)
quantity and value; lines that are not JSON or not track calls are quarantined with the reason. A source
whose column names differ maps them: `columns: {contract_column: file_column}`. Extra columns
are ignored. Surrounding spaces are trimmed and an empty cell is a missing value.

**Validation** runs inside the engine. A row that fails a check is *quarantined*: it is kept
aside with one line per problem naming the file, the row (counted from 1 after the header), the
column, the value and what was expected; `goldpath quarantine` lists them all. Quarantined
rows are counted in every load report and never silently dropped. A file that cannot be read
at all (missing, empty, not CSV/Parquet, or without a required column) stops the run before
anything is written, so the stored data stay as they were.

Checks, in order: each value parses as its type and lies within its bounds; required values are
present; date pairs are in order; a repeated key keeps its first row and quarantines the others
(naming the first row); references must point at an accepted row of the referenced table.
Acknowledgements must come from a contact of the outcome's own account.

Types: `string` text; `integer` a whole number; `number` a decimal number (no NaN or infinity);
`date` `YYYY-MM-DD`; `timestamp` ISO 8601 such as `2022-03-01 14:05:00`, `2022-03-01T14:05:00Z`
or `2022-03-01T09:05:00-05:00`. Timestamps with an offset are converted to UTC; without one
they are taken as UTC. Day boundaries are drawn in each account's `timezone`.

Events are deduplicated on `event_id`, or on (account, user, feature, timestamp) when the
source has no event id; the load report counts the duplicates dropped.
"""


def render() -> str:
    """The whole contract as Markdown."""
    out = [INTRO]
    for name in LOAD_ORDER:
        t = TABLES[name]
        req = "required" if t.required else "optional"
        out.append(f"\n## `{name}` ({req})\n\n{t.meaning}\n")
        if t.key:
            out.append(f"Key: {', '.join(f'`{k}`' for k in t.key)} (unique).\n")
        for ref in t.references:
            out.append(f"`{ref.column}` must exist in `{ref.table}.{ref.target}`.\n")
        for later, earlier in t.after_columns:
            out.append(f"`{later}` must not precede `{earlier}`.\n")
        out.append("| column | type | required | meaning | valid values |\n|---|---|---|---|---|")
        for c in t.columns:
            out.append(
                f"| `{c.name}` | {c.type} | {'yes' if c.required else 'no'} | {c.meaning} | {c.expectation()} |"
            )
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(render(), end="")
