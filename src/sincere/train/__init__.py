"""Training: the scorers as rewards (with a constraint), the audit as a monitor, recipes on TRL.

- `recipe`, `recipe_io`: one dataclass per trainer (SFT, DPO, GRPO), read from YAML and CLI flags;
- `datasets`: training records built with the data tools (restyle, augment) from training-split items;
- `rewards`: TRL reward functions around the audit's Scorer objects;
- `constraint`: the accuracy floor as a Lagrange multiplier (PPO-Lagrangian);
- `monitor`, `probes`, `guardrails`, `live`: a mini-audit every N steps, logged through the trainer;
- `run`, `configs`, `model`, `report`: a run folder from a recipe; `sweep`: the warmth-error front.

Submodules import torch and TRL on use, so `import sincere.train` stays cheap.
"""

from __future__ import annotations

from sincere import lazy

__all__ = ["Lagrangian", "MonitorCallback", "load_recipe", "reward_functions", "train"]

_LAZY = {
    "Lagrangian": "constraint",
    "MonitorCallback": "monitor",
    "load_recipe": "recipe_io:load",
    "reward_functions": "rewards:build",
    "train": "run",
}


__getattr__ = lazy.exports(__name__, _LAZY)
