"""The physical lines of an input (contract §3): what a line number counts.

Lines end at '\\n' only, as the line numbers people see in an editor do, and a '\\r'
before it is dropped. A line longer than MAX_LINE_CHARS is not read: it comes out as
None (a reject with its number) and is skipped in bounded pieces, never held whole,
so a hostile input cannot make the reader hold a gigabyte.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

# The longest line read, in characters before its newline (an event is under 1,000).
MAX_LINE_CHARS = 65_536
READ_BLOCK = 1 << 20  # characters read at a time


def physical_lines(stream: IO[str]) -> Iterator[str | None]:
    """Each line of `stream` without its newline, or None for a line longer than
    MAX_LINE_CHARS (skipped in bounded pieces, never held whole). Lines end at '\\n'
    only, as the line numbers people see in an editor do; a '\\r' before it is dropped."""
    for lines in physical_line_lists(stream):
        yield from lines


def physical_line_lists(stream: IO[str], size: int = 1000) -> Iterator[list[str | None]]:
    """`physical_lines` in lists of `size` (the last may be shorter), read a block at a
    time: splitting a block is a few C calls, where reading a line at a time is a
    Python call per line. At most a block and one line's limit are held at once."""
    out: list[str | None] = []
    carry = ""  # the start of a line that ends in a later block
    over = False  # the current line is already past the limit (its text is dropped)
    while block := stream.read(READ_BLOCK):
        parts = block.split("\n")
        if len(parts) == 1:  # no line ends in this block
            carry, over = _carried(carry + block, over)
            continue
        head = None if over or len(carry) + len(parts[0]) > MAX_LINE_CHARS else carry + parts[0]
        out.append(head if head is None or not head.endswith("\r") else head.rstrip("\r"))
        middle: list[str | None] = list(parts[1:-1])
        if "\r" in block or max(map(len, parts), default=0) > MAX_LINE_CHARS:
            middle = [p.rstrip("\r") if len(p) <= MAX_LINE_CHARS else None
                      for p in parts[1:-1]]
        out.extend(middle)
        carry, over = _carried(parts[-1], False)
        while len(out) >= size:
            yield out[:size]
            del out[:size]
    if over:
        out.append(None)
    elif carry:
        out.append(carry.rstrip("\r"))
    while out:
        yield out[:size]
        del out[:size]


def _carried(text: str, over: bool) -> tuple[str, bool]:
    """The unfinished line carried to the next block: its text while within the limit."""
    if over or len(text) > MAX_LINE_CHARS:
        return "", True
    return text, False
