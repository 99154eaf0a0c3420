"""Event-log exports for process-mining tools: XES (IEEE 1849) and OCEL 2.0 JSON.

The exports' front door: code outside `engine/export` imports from here.
"""

from engine.export.log import LoggedEvent, LoggedInstance, Trace, read_traces
from engine.export.ocel import write_ocel
from engine.export.xes import write_xes

__all__ = ["LoggedEvent", "LoggedInstance", "Trace", "read_traces", "write_ocel", "write_xes"]
