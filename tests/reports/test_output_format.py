"""How figures and instants read in the HTML."""

from engine.reports.output import cell, when


def test_instants_read_in_london_time_and_deadlines_as_the_end_of_a_day():
    assert when("2023-12-12T23:59:59.999000+00:00") == "end of Tue 12 Dec 2023"
    assert when("2026-06-30T23:59:59.999000+01:00") == "end of Tue 30 Jun 2026"
    assert when("2026-06-30T12:00:00+00:00") == "Tue 30 Jun 2026 13:00"  # BST
    assert when(None) == "–"


def test_cells_show_figures_as_rounded_intervals_as_ranges_and_gaps_as_dashes():
    assert cell(None) == "–"
    assert cell(0.8571) == "0.8571"
    assert cell(27.5) == "27.5"
    assert cell(1.0) == "1"
    assert cell([0.5, 0.75]) == "0.5 – 0.75"
    assert cell("<5") == "<5"
    assert cell(12) == "12"
