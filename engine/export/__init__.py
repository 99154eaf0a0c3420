"""Event-log exports for process-mining tools: XES (IEEE 1849) and OCEL 2.0 JSON."""
