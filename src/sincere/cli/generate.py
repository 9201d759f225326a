"""`sincere generate`: answer prompts or chat files with any engine (a smoke test of a model)."""

from __future__ import annotations

from sincere import generate as generate_mod
from sincere.cli import fields
from sincere.cli.app import app, err, out
from sincere.errors import SincereError


def run_generate(config: generate_mod.GenerateConfig) -> None:
    """Generate replies with a model, batched and cached; interrupted runs resume."""
    result = generate_mod.run(config)
    err.print(f"{len(result.lines)} replies: {result.fresh} generated, {len(result.lines) - result.fresh} "
              "from the cache")
    if config.out:
        out.print(f"wrote {len(result.lines)} replies to {config.out}")
    else:
        for line in result.lines:
            out.print(line, markup=False, highlight=False, soft_wrap=True)
    if result.skipped:
        raise SincereError(f"INCOMPLETE: {len(result.skipped)} input(s) were skipped (listed above); "
                           "the output holds the replies to the others")


fields.command(app, "generate", generate_mod.GenerateConfig, run_generate)
