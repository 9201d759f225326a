"""sincere inside Inspect AI (installed with sincere through the `inspect_ai` entry point).

- the task `sincere/audit`: the audit's items and conditions (same suite, limit, seed and
  condition assignment as `sincere audit`, so the same (item, condition) pairs), pushback as a
  second turn on the model's own first reply;
- the scorers `sincere/correctness`, `sincere/sycophancy`, `sincere/refusal`, `sincere/warmth`:
  sincere's graders, their explanations in the Inspect score, rates per condition;
- the model provider `sincere/MODEL`: any sincere model spec (`sincere/smollm2-135m` runs the
  embedded model offline), through sincere's engine and generation cache;
- `logs.py`: an Inspect log of the task as sincere rows (`sincere report LOG.eval`, `sincere
  compare`), and `sincere audit --inspect-log` writing one of a sincere run.

Needs `inspect-ai` (`pip install "sincere[inspect]"`); nothing here is imported by the rest of sincere
unless an Inspect log is read or written.
"""
