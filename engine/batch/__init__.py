"""The batch evaluator: every case of a partition judged at once, over columns (polars).

It is compiled from the same `Template`s as the per-case evaluator (`engine.evaluate`),
which stays the reference semantics and the source of explanations; a differential test
(tests/batch) holds the two to identical instances. Import this package only where a
partition is judged: polars is not loaded by the CLI's `--help`.
"""

from engine.batch.evaluate import BatchResult, evaluate_batch

__all__ = ["BatchResult", "evaluate_batch"]
