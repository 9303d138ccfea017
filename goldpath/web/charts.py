"""Plotly figures for the dashboard and the report, built from what the Workspace stored.

Nothing here scores: every number plotted is a stored score, ARR or count. The matrix's tier
zones are drawn from the model's own tier rules (:class:`goldpath.model.spec.TierRule`): each
rule is a box on the two axes (``when.box``), first match wins, so the rules are painted
last to first and each earlier rule covers the later ones where they overlap. What a box
cannot show is said in the chart's notes: trend conditions (a rule that also needs a rising
axis), coverage minimums (``insufficient data``) and GOLD, which is an evidence gate on Green
accounts rather than a region of the plane.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from goldpath.model.spec import AXES, TierRule
from goldpath.scoring.tiers import INSUFFICIENT, TIER_ORDER

TIER_COLOR = {
    "gold": "#b8860b",
    "green": "#2f9e55",
    "yellow": "#e6ac00",
    "red": "#d64545",
    INSUFFICIENT: "#8a9099",
    "not in portfolio": "#c5cad3",
}
OVERRIDE_RING = "#17212e"
"""Outline of a bubble whose tier was set by an override."""
ZONE_COLOR = {"green": "rgba(47,158,85,0.13)", "yellow": "rgba(230,172,0,0.14)", "red": "rgba(214,69,69,0.11)"}
BEST_FIRST = list(reversed(TIER_ORDER)) + [INSUFFICIENT]
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"


def _accounts(n: int) -> str:
    return f"{n:,} account" if n == 1 else f"{n:,} accounts"


def tier_label(tier: str) -> str:
    """``GOLD`` in capitals, other tiers as stored."""
    return "GOLD" if tier == "gold" else tier


def _layout(fig: go.Figure, height: int = 420, **kw: object) -> go.Figure:
    fig.update_layout(
        height=height, margin={"l": 56, "r": 16, "t": 28, "b": 48}, font={"family": FONT, "size": 12},
        paper_bgcolor="white", plot_bgcolor="white", legend={"orientation": "h", "y": -0.18}, **kw,
    )
    return fig


def zone_notes(rules: list[TierRule]) -> list[str]:
    """What the zones of ``rules`` leave out, in words."""
    notes = []
    for r in rules:
        trend = [f"{k} {v.describe(k).split(k, 1)[1].strip()}" for k, v in r.when.items() if k.endswith("_trend")]
        if trend:
            notes.append(f"{r.tier} also needs {' and '.join(trend)}: the zone shows the axis conditions only")
    notes.append("GOLD is Green plus acknowledged value (evidence, not a zone): GOLD accounts are the stars")
    return notes


def matrix_figure(scores: pd.DataFrame, rules: list[TierRule], title: str = "") -> go.Figure:
    """Engagement x Indispensability: the rules' tier zones and one bubble per account (size = ARR).

    Parameters
    ----------
    scores
        Stored scores of one date (``Workspace.scores``): axes, ``tier``, ``arr``, ids.
    rules
        The tier rules whose zones are drawn (one model segment's list).
    """
    fig = go.Figure()
    for rule in reversed(rules):  # first match wins: earlier rules are painted over later ones
        (x0, x1), (y0, y1) = rule.when.box("engagement"), rule.when.box("indispensability")
        fig.add_shape(type="rect", x0=x0, x1=x1, y0=y0, y1=y1, line={"width": 0},
                      fillcolor=ZONE_COLOR.get(rule.tier, "rgba(0,0,0,0.05)"), layer="below")
        fig.add_shape(type="rect", x0=x0, x1=x1, y0=y0, y1=y1, fillcolor="rgba(0,0,0,0)",
                      line={"width": 1, "color": TIER_COLOR[rule.tier], "dash": "dot"}, layer="below")
        if rule.when.items():  # the rule in the legend, its name above the plot at the zone's left edge
            fig.add_trace(go.Scatter(
                x=[None], y=[None], mode="markers", name=rule.describe(), legendgroup="zones", hoverinfo="skip",
                marker={"symbol": "square", "size": 13, "color": ZONE_COLOR.get(rule.tier, "rgba(0,0,0,0.05)"),
                        "line": {"width": 1, "color": TIER_COLOR[rule.tier]}},
            ))
            fig.add_annotation(x=x0, y=1, yref="paper", xanchor="left", yanchor="bottom", showarrow=False,
                               text=f"{tier_label(rule.tier)} zone &#9656;", font={"size": 11, "color": TIER_COLOR[rule.tier]})
    plotted = scores.dropna(subset=list(AXES))
    over = plotted["override"].notna() if "override" in plotted else pd.Series(False, index=plotted.index)
    plotted = plotted.assign(_over=over.to_numpy())
    peak = float(plotted["arr"].max()) if len(plotted) else 1.0
    sizeref = 2.0 * peak / (38.0 ** 2)
    for tier in reversed(BEST_FIRST):  # GOLD drawn last, on top
        g = plotted[plotted["tier"] == tier]
        if g.empty:
            continue
        fig.add_trace(go.Scatter(
            x=g["engagement"], y=g["indispensability"], mode="markers", name=f"{tier_label(tier)} ({_accounts(len(g))})",
            customdata=g[["account_id"]].to_numpy(),
            text=[f"{r.account_id} {r.name}<br>ARR {r.arr:,.0f}<br>engagement {r.engagement:.2f}, "
                  f"indispensability {r.indispensability:.2f}<br>{tier_label(r.tier)}"
                  + (f" by override (computed {tier_label(r.computed_tier)})" if over else "")
                  for r, over in zip(g.itertuples(index=False), g["_over"])],
            hovertemplate="%{text}<extra></extra>",
            marker={"size": g["arr"].clip(lower=0).to_numpy(), "sizemode": "area", "sizeref": sizeref, "sizemin": 4,
                    "color": TIER_COLOR[tier], "symbol": "star" if tier == "gold" else "circle",
                    "line": {"width": [2.5 if o else 1 for o in g["_over"]],
                             "color": [OVERRIDE_RING if o else "white" if tier != "gold" else "#5c4400" for o in g["_over"]]},
                    "opacity": 0.85},
        ))
    _layout(fig, height=560, title={"text": title, "x": 0, "font": {"size": 13}} if title else None,
            legend_traceorder="reversed")
    fig.update_layout(margin={"t": 40, "b": 110}, legend={"y": -0.16})
    fig.update_xaxes(title="Engagement", range=[-2, 102], gridcolor="#eef0f3", zeroline=False)
    fig.update_yaxes(title="Indispensability", range=[-2, 102], gridcolor="#eef0f3", zeroline=False)
    return fig


def date_axis(fig: go.Figure, dates: pd.Series) -> go.Figure:
    """An x axis of calendar dates, also with one date (plotly would zoom to fractions of a millisecond)."""
    days = pd.to_datetime(pd.Series(dates)).dropna()
    fig.update_xaxes(type="date", tickformat="%Y-%m-%d", gridcolor="#eef0f3")
    if len(days) and days.max() - days.min() < pd.Timedelta(days=14):
        mid = days.min() + (days.max() - days.min()) / 2
        fig.update_xaxes(range=[mid - pd.Timedelta(days=10), mid + pd.Timedelta(days=10)], dtick=7 * 86_400_000)
    return fig


def tiers_over_time_figure(history: pd.DataFrame, value: str = "accounts") -> go.Figure:
    """Stacked areas of accounts (or ARR) per tier on every stored date.

    ``history`` has ``as_of, tier, accounts, arr`` (``Workspace.portfolio_history``).
    """
    fig = go.Figure()
    for tier in reversed(BEST_FIRST):  # red at the bottom, GOLD on top
        g = history[history["tier"] == tier].sort_values("as_of")
        if g.empty:
            continue
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(g["as_of"]), y=g[value], name=tier_label(tier), mode="lines", stackgroup="one",
            line={"width": 0.5, "color": TIER_COLOR[tier]}, fillcolor=TIER_COLOR[tier],
            hovertemplate=f"{tier_label(tier)} %{{y:,.0f}}<extra></extra>",
        ))
    _layout(fig, height=320, hovermode="x unified")
    date_axis(fig, history["as_of"])
    fig.update_yaxes(title="ARR" if value == "arr" else "accounts", gridcolor="#eef0f3")
    return fig


def migration_figure(counts: pd.DataFrame, arr: pd.DataFrame, start: str, end: str) -> go.Figure:
    """Heatmap of accounts moving from each tier (rows, ``start``) to each tier (columns, ``end``)."""
    rows, cols = [tier_label(t) for t in counts.index], [tier_label(t) for t in counts.columns]
    text = [[f"{int(counts.iloc[i, j])}" if counts.iloc[i, j] else "" for j in range(counts.shape[1])]
            for i in range(counts.shape[0])]
    hover = [[f"{rows[i]} -> {cols[j]}: {_accounts(int(counts.iloc[i, j]))}, ARR {arr.iloc[i, j]:,.0f}"
              for j in range(counts.shape[1])] for i in range(counts.shape[0])]
    fig = go.Figure(go.Heatmap(
        z=counts.to_numpy(), x=cols, y=rows, text=text, texttemplate="%{text}", customdata=hover,
        hovertemplate="%{customdata}<extra></extra>", colorscale=[[0, "#ffffff"], [1, "#2f6fb0"]], showscale=False,
    ))
    _layout(fig, height=380)
    fig.update_xaxes(title=f"tier on {end}", side="top")
    fig.update_yaxes(title=f"tier on {start}", autorange="reversed")
    return fig


def account_trend_figure(history: pd.DataFrame, green_min: dict[str, float] | None = None) -> go.Figure:
    """Both axes of one account over its snapshots, tier as the marker colour.

    ``green_min`` draws the Green rule's axis minimums (from the model) as dotted lines.
    """
    fig = go.Figure()
    x = pd.to_datetime(history["as_of"])
    for axis, dash in zip(AXES, ("solid", "dash")):
        fig.add_trace(go.Scatter(
            x=x, y=history[axis], name=axis, mode="lines+markers", line={"color": "#44505f", "dash": dash, "width": 1.5},
            marker={"color": [TIER_COLOR.get(t, "#888") for t in history["tier"]], "size": 7},
            text=[tier_label(t) for t in history["tier"]],
            hovertemplate=f"{axis} %{{y:.2f}} (%{{text}})<extra></extra>",
        ))
    lines: dict[float, list[str]] = {}
    for axis, v in (green_min or {}).items():
        lines.setdefault(v, []).append(axis)
    for v, names in lines.items():
        fig.add_hline(y=v, line={"dash": "dot", "color": TIER_COLOR["green"], "width": 1},
                      annotation_text=f"green needs {' and '.join(names)} >= {v:g}", annotation_font_size=10,
                      annotation_position="bottom right")
    _layout(fig, height=300, hovermode="x unified")
    date_axis(fig, history["as_of"])
    fig.update_yaxes(range=[-2, 102], gridcolor="#eef0f3")
    return fig


def backtest_figure(tiers: pd.DataFrame) -> go.Figure:
    """Renewal rate per tier with its 95% Wilson interval."""
    t = tiers[tiers["tier"] != "all"]
    fig = go.Figure(go.Bar(
        x=[tier_label(x) for x in t["tier"]], y=t["renewal_rate"] * 100,
        marker_color=[TIER_COLOR.get(x, "#888") for x in t["tier"]],
        error_y={"type": "data", "symmetric": False, "array": (t["renewal_high"] - t["renewal_rate"]) * 100,
                 "arrayminus": (t["renewal_rate"] - t["renewal_low"]) * 100, "color": "#44505f"},
        text=[f"{r:.1%} of {n}" for r, n in zip(t["renewal_rate"], t["renewals"])], textposition="inside",
        insidetextanchor="start", textangle=0,  # at the bar's foot, clear of the interval's whisker on top
        hovertemplate="%{x}: %{text}<extra></extra>",
    ))
    _layout(fig, height=340)
    fig.update_yaxes(title="renewal rate (%)", range=[0, 105], gridcolor="#eef0f3")
    return fig


def calibration_figure(calibration: pd.DataFrame) -> go.Figure:
    """Renewal rate by score quintile (mean of the two axes)."""
    fig = go.Figure(go.Scatter(
        x=calibration["mean_score"], y=calibration["renewal_rate"] * 100, mode="lines+markers+text",
        text=[f"n={n}" for n in calibration["renewals"]], textposition="bottom center", line={"color": "#2f6fb0"},
        cliponaxis=False, hovertemplate="mean score %{x:.1f}: %{y:.1f}% renewed (%{text})<extra></extra>",
    ))
    _layout(fig, height=300)
    fig.update_xaxes(title="mean score of the quintile", range=[0, 100], gridcolor="#eef0f3")
    fig.update_yaxes(title="renewal rate (%)", range=[0, 105], gridcolor="#eef0f3")
    return fig


def to_div(fig: go.Figure, div_id: str, link: str | None = None) -> str:
    """The figure as an HTML ``div`` and the script that draws it (plotly.js loaded separately).

    ``link`` (such as ``/accounts/``) opens that URL plus the account id on a click on a point
    (``customdata`` = account id).
    """
    html = pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": True})
    if link:
        html += (f"<script>document.getElementById('{div_id}').on('plotly_click', function (e) {{"
                 f" var p = e.points[0]; if (p && p.customdata) window.location.href = '{link}' +"
                 f" encodeURIComponent(p.customdata[0]); }});</script>")
    return html


def nice(x: float | None, fmt: str = "{:.2f}") -> str:
    """A number for display; ``-`` when missing."""
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x) else fmt.format(x)
