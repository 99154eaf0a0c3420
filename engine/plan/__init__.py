"""Plans: what a change of rules would do, by replaying stored cases in memory.

`framework_plan` replays under a draft national framework (overlays rebuilt on top),
`variant_plan` replays one area under another's variant or the bare national floor, and
`liaison plan AREA` (engine.deploy) replays an area's candidate overlay: all three go
through `engine.plan.replay.replay`, so a figure means the same in each.
"""

from engine.plan.make import PlanRefused, PlanResult, framework_plan, variant_plan

__all__ = ["PlanRefused", "PlanResult", "framework_plan", "variant_plan"]
