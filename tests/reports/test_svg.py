"""The static charts are well-formed SVG with one mark per figure and hover text."""

from xml.etree import ElementTree as ET

from engine.reports import svg

NS = {"s": "http://www.w3.org/2000/svg"}


def test_heat_map_draws_one_cell_per_row_and_column_with_its_colour_and_mark():
    cells = {("avon", "step_a"): svg.Cell(1.0, mark="T", hover="avon step_a 100%"),
             ("avon", "step_b"): svg.Cell(None, withheld=True),
             ("kent", "step_a"): svg.Cell(0.0)}
    root = ET.fromstring(svg.heat_map(["avon", "kent"], ["step_a", "step_b"], cells, "Compliance",
                                      legend_marks={"T": "tightened"}))
    groups = root.findall(".//s:g[@class='cell']", NS)
    assert [(g.get("data-row"), g.get("data-col")) for g in groups] == [
        ("avon", "step_a"), ("avon", "step_b"), ("kent", "step_a"), ("kent", "step_b")]
    fills = [g.find("s:rect", NS).get("fill") for g in groups]
    assert fills == [svg.colour(1.0), svg.WITHHELD, svg.colour(0.0), svg.NO_DATA]
    assert groups[0].find("s:rect/s:title", NS).text == "avon step_a 100%"
    assert groups[0].find("s:text", NS).text == "T"
    assert root.find("s:title", NS).text == "Compliance"


def test_colour_scale_runs_from_dark_to_bright_and_clamps():
    assert svg.colour(0.0) == "#440154"
    assert svg.colour(1.0) == "#fde725"
    assert svg.colour(-3) == svg.colour(0.0)
    assert svg.colour(7) == svg.colour(1.0)


def test_funnel_scales_bars_to_the_first_stage_and_hatches_withheld_counts():
    root = ET.fromstring(svg.funnel([("reported", 200), ("charged", 50), ("court", "<5")], "F"))
    rects = root.findall("s:rect", NS)
    assert [float(r.get("width")) for r in rects] == [320.0, 80.0, 6.0]
    assert rects[2].get("fill") == "url(#hatch)"
    assert root.find("s:desc", NS).text == "reported: 200; charged: 50; court: <5"


def test_ageing_draws_median_and_p90_bars_and_says_when_a_stage_is_empty():
    root = ET.fromstring(svg.ageing([("reported", 2.0, 8.0), ("charged", None, None)], "A"))
    widths = [float(r.get("width")) for r in root.findall("s:rect", NS)]
    assert widths == [300.0, 75.0]
    texts = [t.text for t in root.findall("s:text", NS)]
    assert "median 2 · p90 8 working days" in texts and "no cases" in texts
