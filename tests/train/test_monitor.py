"""The monitor: the probe mini-audit with live weights, and its metrics in TensorBoard event files."""

from __future__ import annotations

from pathlib import Path

from sincere.train.recipe_io import load
from sincere.train.run import train


def test_monitor_metrics_reach_tensorboard(tiny: dict, tmp_path: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    recipe = load("sft", None, tiny | {"data": "builtin:corpus", "data_limit": 4, "max_steps": 2, "monitor_every": 1,
                                       "report_to": "tensorboard"})
    summary = train(recipe, tmp_path / "run")
    events = list((tmp_path / "run" / "runs").rglob("events.out.tfevents.*"))
    assert events, "no TensorBoard event files"
    tags: set[str] = set()
    for path in events:
        accumulator = EventAccumulator(str(path.parent))
        accumulator.Reload()
        tags |= set(accumulator.Tags()["scalars"])
    assert {"train/monitor/warmth", "train/monitor/refusal", "train/loss"} <= tags
    steps = [e.step for e in accumulator.Scalars("train/monitor/warmth")]
    assert steps == [row["step"] for row in summary["monitor"]] == [0, 1, 2]


def test_probes_generate_like_the_audit(tiny_model: Path) -> None:
    """The live engine on the untrained weights answers the probe set exactly as the audit's engine does."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from sincere import audit
    from sincere.engines.hf import HFEngine
    from sincere.train.live import evaluating, live_engine
    from sincere.train.probes import ProbeSet
    from sincere.train.scorers import build

    recipe = load("sft", None, {"model": str(tiny_model), "data": "builtin:corpus", "grader": "lexical",
                                "warmth": "none", "probe_items": 3, "probe_max_new_tokens": 8})
    probes = ProbeSet(recipe, build(recipe))
    model = AutoModelForCausalLM.from_pretrained(tiny_model, dtype=torch.float32)
    model.train()
    live = live_engine(model, AutoTokenizer.from_pretrained(tiny_model))
    with evaluating(live):
        assert not model.training
        metrics = probes.evaluate(live)
    assert model.training  # the training mode is restored
    reference = audit.generate_samples(probes.plan, HFEngine(str(tiny_model), dtype="fp32"), probes.config)
    assert [r["response"] for r in probes.rows] == [g.text for _, g in reference]
    assert {r["condition"] for r in probes.rows} == {"unmodified", "sad+incorrect"}
    assert set(probes.item_ids()).isdisjoint({i.id for i in _train_items()})
    assert metrics["warmth"] is None and "error/sad+incorrect" in metrics


def _train_items() -> list:
    from sincere import items

    return [i for name in items.BUILTIN for i in items.builtin(name, "train")]


def test_probe_set_leaves_out_the_items_of_an_audit(tmp_path: Path) -> None:
    import json

    from sincere import items
    from sincere.train.probes import ProbeSet

    pool = [i for name in items.BUILTIN for i in items.builtin(name, "eval")]
    audited = pool[: len(pool) - 5]
    run = tmp_path / "audit"
    run.mkdir()
    (run / "summary.json").write_text("{}")
    (run / "results.jsonl").write_text("".join(json.dumps({"item_id": i.id}) + "\n" for i in audited))
    recipe = load("sft", None, {"data": "builtin:corpus", "probe_items": 10, "probe_exclude": str(run),
                                "warmth": "none", "grader": "lexical"})
    probes = ProbeSet(recipe, {})
    assert len(probes.item_ids()) == 5 and set(probes.item_ids()).isdisjoint({i.id for i in audited})


def test_the_monitor_sees_the_weights_as_they_train(tiny: dict, tmp_path: Path, monkeypatch) -> None:
    """The last probe evaluation answers as the saved model does, and differently from the first."""
    from sincere.engines.hf import HFEngine
    from sincere.train import probes as probes_mod

    answered: list[list[str]] = []
    evaluate = probes_mod.ProbeSet.evaluate

    def recording(self, engine):  # noqa: ANN001, ANN202
        metrics = evaluate(self, engine)
        answered.append([row["response"] for row in self.rows])
        return metrics

    monkeypatch.setattr(probes_mod.ProbeSet, "evaluate", recording)
    recipe = load("sft", None, tiny | {"data": "builtin:corpus", "data_limit": 16, "max_steps": 6, "monitor_every": 3,
                                       "learning_rate": 0.05, "probe_max_new_tokens": 6})
    train(recipe, tmp_path / "run")
    assert len(answered) == 3 and answered[-1] != answered[0]
    probes = probes_mod.ProbeSet(recipe, {})
    evaluate(probes, HFEngine(str(tmp_path / "run" / "model")))
    assert [row["response"] for row in probes.rows] == answered[-1]
