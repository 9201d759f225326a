import json

import pytest

from sincere.data.rebalance import RebalanceConfig, fill, quotas
from sincere.errors import SincereError
from sincere.settings import build
from tests.data_tools.helpers import CLAIM, chat, read_jsonl, sincere, write_jsonl


@pytest.fixture
def audited(tmp_path):
    records = [chat(f"What is {i} plus {i}?", f"It is {2 * i}.", query_type="factual") for i in range(8)]
    records += [chat(f"Write a poem about day {i}", f"Day {i} rolls on. You've got this, let's go together!",
                     query_type="creative") for i in range(4)]
    records += [{**CLAIM, "query_type": "factual"}, chat("Tips for sleep?", "Keep a routine. " + "zz " * 700,
                                                          query_type="advice")]
    data = write_jsonl(tmp_path / "d.jsonl", records)
    result = sincere("audit", str(data), "--out", str(tmp_path / "audit"), "--warmth-model", "none",
                     "--embedding-model", "none")
    assert result.exit_code == 0, result.output
    return data, tmp_path / "audit"


def test_rebalance_mix_manifest_and_weights(audited, tmp_path) -> None:
    data, audit = audited
    out = tmp_path / "bal.jsonl"
    result = sincere("rebalance", str(data), "--audit", str(audit), "--out", str(out), "--seed", "3")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "bal.manifest.json").read_text())
    kept = read_jsonl(out)
    assert manifest["n_output"] == len(kept) and manifest["n_output"] + manifest["n_dropped"] == 14
    reasons = {d["id"]: d["reason"] for d in manifest["dropped"]}
    assert reasons["d.jsonl:13"].startswith("flagged incorrect")
    assert sum(r.get("query_type") == "factual" for r in kept) == sum(r.get("query_type") == "creative" for r in kept)
    assert [r.get("weight") for r in kept if r.get("query_type") == "advice"] == [0.5]  # long: down-weighted
    again = tmp_path / "again.jsonl"
    sincere("rebalance", str(data), "--audit", str(audit), "--out", str(again), "--seed", "3")
    assert again.read_text() == out.read_text()


def test_rebalance_with_a_size_and_yaml_config(audited, tmp_path) -> None:
    data, audit = audited
    config = tmp_path / "mix.yaml"
    config.write_text("query_types: {factual: 3, creative: 1}\nsize: 8\nflags: {long: drop}\n")
    out = tmp_path / "bal.jsonl"
    result = sincere("rebalance", str(data), "--audit", str(audit), "--out", str(out), "--config", str(config))
    assert result.exit_code == 0, result.output
    kinds = [r.get("query_type") for r in read_jsonl(out)]
    assert (kinds.count("factual"), kinds.count("creative"), kinds.count("advice")) == (6, 2, 0)


def test_rebalance_checks_the_audit_belongs_to_the_file(audited, tmp_path) -> None:
    data, audit = audited
    data.write_text(data.read_text() + json.dumps(chat("x", "y")) + "\n")
    result = sincere("rebalance", str(data), "--audit", str(audit), "--out", str(tmp_path / "o.jsonl"))
    assert isinstance(result.exception, SincereError) and "data audit" in str(result.exception)


def test_config_errors_and_quota_arithmetic() -> None:
    with pytest.raises(SincereError, match="unknown setting 'colour'"):
        build(RebalanceConfig, overrides={"colour": "red"})
    with pytest.raises(SincereError, match="unknown query_types"):
        build(RebalanceConfig, overrides={"query_types": "poetry=1"})
    with pytest.raises(SincereError, match="query_types: .*is not one of even, keep"):
        build(RebalanceConfig, {"query_types": "balanced"}, "mix.yaml")
    assert fill({"a": 0.5, "b": 0.25, "c": 0.25}, {"a": 10, "b": 100, "c": 3}, 50) == {"a": 10, "b": 37, "c": 3}
    cells = {("factual", "low"): 10, ("factual", "high"): 2, ("creative", "low"): 4}
    assert quotas(cells, RebalanceConfig()) == {("factual", "low"): 3, ("factual", "high"): 1, ("creative", "low"): 4}
