"""Stored contributions summed by column expressions equal the sum of each decoded as
JSON, whatever the text: the plain form the sweep writes and anything else (escapes,
spaces, non-ASCII, empty lists, no contribution)."""

from __future__ import annotations

import json
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from engine.store.counts import CountKey, decode_contribution, summed_contributions

PART = st.text(alphabet=st.sampled_from(['a', 'Q', '2', '.', '-', '"', '\\', ',', '[', ']',
                                         'é', ' ', '\u2028']), max_size=6)
ITEM = st.tuples(PART, PART, PART, PART, PART, PART, st.integers(0, 10**6).map(str))


def _compact(items: list[tuple[str, ...]]) -> str:
    return json.dumps([list(i) for i in items], separators=(",", ":"), ensure_ascii=False)


@given(st.lists(st.one_of(
    st.none(),
    st.lists(ITEM, max_size=4).map(_compact),
    st.lists(ITEM, max_size=4).map(lambda items: json.dumps([list(i) for i in items])),
), max_size=8))
def test_sums_equal_decoding_each(texts: list[str | None]) -> None:
    expected: Counter[CountKey] = Counter()
    for text in texts:
        expected.update(decode_contribution(text))
    assert summed_contributions(texts) == +expected


def test_the_plain_form_is_split() -> None:
    texts = ['[["kent","step","2026.1","police","2026Q1","met","3"]]',
             '[["kent","step","2026.1","police","2026Q1","met","2"],'
             '["kent","other","2026.1","cps","","violated","1"]]', "[]", None]
    assert summed_contributions(texts) == Counter({
        ("kent", "step", "2026.1", "police", "2026Q1", "met"): 5,
        ("kent", "other", "2026.1", "cps", "", "violated"): 1})
