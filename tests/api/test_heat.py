"""The national page's heat-map table: its colours are the charts' scale, every cell's
text meets WCAG AA contrast, and each figure gets the class of its step of the scale."""

from __future__ import annotations

from engine.api import assets, heat
from engine.reports.svg import NO_DATA, WITHHELD, colour


def test_every_cell_colour_has_text_of_at_least_aa_contrast() -> None:
    fills = heat.fills()
    assert len(fills) == 13
    assert fills["app-h0"] == colour(0) == "#440154" and fills["app-h10"] == "#fde725"
    assert (fills["app-hn"], fills["app-hw"]) == (NO_DATA, WITHHELD)
    assert min(heat.contrast(f, heat.ink(f)) for f in fills.values()) >= 4.5
    assert heat.ink("#21918c") == "#0b0c0c" and heat.ink("#2b788c") == "#ffffff"


def test_cells_take_the_class_of_their_rate_or_say_none_due_or_withheld() -> None:
    assert heat.cell_class(None) == "app-hn"
    assert heat.cell_class({"due": 0, "rate": None}) == "app-hn"
    assert heat.cell_class({"due": "[c]", "rate": None}) == "app-hw"
    assert heat.cell_class({"due": 12, "rate": 0.0}) == "app-h0"
    assert heat.cell_class({"due": 12, "rate": 0.049}) == "app-h0"
    assert heat.cell_class({"due": 12, "rate": 0.05}) == "app-h1"
    assert heat.cell_class({"due": 12, "rate": 0.75}) == "app-h8"
    assert heat.cell_class({"due": 12, "rate": 1.0}) == "app-h10"


def test_the_dashboard_stylesheet_carries_the_colour_rules() -> None:
    body = assets.assets()["dashboard"].body.decode()
    assert body.endswith(heat.stylesheet())
    assert ".app-h5{background:#21918c;color:#0b0c0c}" in body
