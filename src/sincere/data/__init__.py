"""Training data tools: the scorers applied to training conversations, the conditions to items.

- `formats`, `sources`: read chat data (`messages`, `prompt`/`completion`, `prompt`/`chosen`/
  `rejected`; JSONL/JSON, `hf:NAME`, `builtin:corpus`) as a stream of `Example`s, malformed
  records counted and listed;
- `audit` (with `analyse`, `summary`, `report`): per-example warmth, query type, claims,
  correctness, length, near-duplicates and drift; summary.json and report.html;
- `rebalance`: a target mix over query types and warmth levels, with a manifest of drops;
- `rewrite` (with `restyle`, `drift`): warm/cold restyling by a teacher or by rules, every
  rewrite checked for meaning drift and changed facts;
- `augment` (with `overlap`): adversarial examples from training items under the audit's
  conditions, preference pairs, synthetic claims, and the train/evaluation overlap guard.

Submodules are imported on use, so `import sincere.data` stays cheap.
"""

__all__ = ["analyse", "audit", "augment", "claims", "drift", "embed", "formats", "overlap", "queries",
           "rebalance", "report", "restyle", "rewrite", "sources", "summary"]
