"""Printing step instances for people: one line each, the explanation beneath it.

Explanations are printed as plain text, never as Rich markup: they hold [brackets]
(the rule's verification and source) that markup would swallow.
"""

from __future__ import annotations

from rich.console import Console
from rich.padding import Padding
from rich.text import Text

STYLE = {
    "missed": "bold red",
    "violated": "bold magenta",
    "late": "yellow",
    "due_soon": "cyan",
    "met": "green",
    "due": "white",
    "cancelled": "dim",
}


def instance_line(out: Console, step: str, status: str, owner: str, due: str | None,
                  explanation: str | None) -> None:
    """`status step · owner · due`, then the explanation (when given) indented beneath."""
    shown = (due or "no deadline")[:16].replace("T", " ")
    line = Text("  ")
    line.append(f"{status:<9}", style=STYLE.get(status, ""))
    line.append(f" {step} · {owner} · due {shown}")
    out.print(line, soft_wrap=False)
    if explanation:
        out.print(Padding(Text(explanation, style="dim"), (0, 0, 0, 12)), soft_wrap=False)
