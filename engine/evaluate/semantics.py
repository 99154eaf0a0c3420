"""The evaluator's semantics version.

Bump it whenever a change to the evaluator can change a verdict for the same events and
templates (a new rule for inclusive instants, a fixed recurring-step edge, a new
condition form). It is part of every area's rules key in the store, so the next
incremental sweep re-evaluates every case after an upgrade, without anyone having to
remember `sweep --full`. Refactors that cannot change a verdict leave it alone.
"""

SEMANTICS_VERSION = "2026.11.1"
