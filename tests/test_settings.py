"""Settings dataclasses are the flags and the YAML keys of their command (issue 15, item 1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer.main
import yaml

from sincere import audit
from sincere.cli import fields
from sincere.cli.main import app
from sincere.settings import ConfigError, at_least, build, flag_names, load, read_yaml, setting


@dataclass
class Demo:
    size: int = setting(3, "How many.", check=at_least(1))
    name: str | None = setting(None, "A name.", flags=("--name", "-N"))
    loud: bool = setting(False, "Shout.")


def test_build_types_checks_and_names_the_key_or_flag() -> None:
    assert build(Demo, {"size": "5", "loud": "yes"}, "d.yaml", {"name": "none"}) == Demo(5, None, True)
    with pytest.raises(ConfigError, match=r"d.yaml: unknown key 'sise' \(did you mean 'size'\?\)"):
        build(Demo, {"sise": 2}, "d.yaml")
    with pytest.raises(ConfigError, match="d.yaml: size: must be at least 1, got 0"):
        build(Demo, {"size": 0}, "d.yaml")
    with pytest.raises(ConfigError, match="^--size: expected a whole number"):
        build(Demo, overrides={"size": "many"}, flags=True)
    with pytest.raises(ConfigError, match="^loud: expected true or false"):
        build(Demo, overrides={"loud": 3})


def test_a_missing_or_bad_yaml_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such"):
        read_yaml(tmp_path / "none.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="mapping of field: value"):
        read_yaml(tmp_path / "list.yaml")


def generated_commands() -> dict[str, type]:
    """Every command whose flags come from a settings class, by its path (e.g. 'train sft')."""
    found: dict[str, type] = {}

    def walk(command: object, path: list[str]) -> None:
        settings_class = getattr(getattr(command, "callback", None), "__settings__", None)
        if settings_class is not None:
            found[" ".join(path)] = settings_class
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def leaf_commands() -> dict[str, object]:
    """Every command (not group) of the CLI by its path, with its click command."""
    found: dict[str, object] = {}

    def walk(command: object, path: list[str]) -> None:
        subs = getattr(command, "commands", None)
        if subs is None:
            found[" ".join(path)] = command
        for name, sub in (subs or {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def test_every_command_with_settings_has_its_flags_generated() -> None:
    generated = generated_commands()
    by_hand = [path for path, command in leaf_commands().items()
               if path not in generated and [p for p in command.params if p.name != "help"]]
    assert by_hand == []
    assert len(generated) >= 20


def test_every_config_field_has_help_text_and_a_flag() -> None:
    commands = generated_commands()
    assert {"audit", "grade", "train sft", "train dpo", "train grpo"} <= set(commands)
    root = typer.main.get_command(app)
    for path, cls in commands.items():
        command = root
        for name in path.split():
            command = command.commands[name]
        params = {p.name: p for p in command.params}
        for f in fields.cli_fields(cls):
            assert f.metadata["help"].strip(), f"{path}: {f.name} has no help text"
            assert f.name in params, f"{path}: {f.name} has no flag"
            declared = [n for n in flag_names(f) if n.startswith("-")]
            assert set(declared) <= set(params[f.name].opts) | {o.split("/")[0] for o in params[f.name].opts}, (
                path, f.name)


def test_the_audit_flags_keep_their_names_and_short_forms() -> None:
    root = typer.main.get_command(app)
    opts = {o for p in root.commands["audit"].params for o in p.opts}
    for old in ("--model", "-m", "--suite", "-s", "--conditions", "-c", "--limit", "-n", "--warmth-model",
                "--warmth", "--out", "-o", "--batch-size", "--dtype", "--steer", "--vectors", "--config"):
        assert old in opts, old
    assert "--no-cache" in {o for p in root.commands["audit"].params for o in p.secondary_opts}


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sincere", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def test_audit_config_file_sets_the_run_and_the_folder_keeps_it(tiny_model: Path, tmp_path: Path) -> None:
    env = {**os.environ, "SINCERE_CACHE": str(tmp_path / "cache.sqlite")}
    config = tmp_path / "my.yaml"
    config.write_text(yaml.safe_dump({"model": str(tiny_model), "suite": "trivia", "limit": 2,
                                      "conditions": "unmodified", "warmth": "none", "max_new_tokens": 4,
                                      "out": str(tmp_path / "run"), "seed": 3}))
    result = run("audit", "--config", str(config), "--seed", "5", env=env)  # a flag overrides the file
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["config"]["seed"] == 5 and summary["n_items"] == 2
    kept = load(audit.AuditConfig, tmp_path / "run" / "config.yaml")
    assert kept == audit.AuditConfig(model=str(tiny_model), suite="trivia", limit=2, conditions="unmodified",
                                     warmth=None, max_new_tokens=4, out=str(tmp_path / "run"), seed=5)
    again = run("audit", "--config", str(tmp_path / "run" / "config.yaml"), "--no-cache", env=env)
    assert again.returncode == 0, again.stderr  # the same audit (cache is how, not what): same folder accepted


def test_a_bad_config_file_or_flag_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("suite: trivia\nlimt: 3\n")
    result = run("audit", "--config", str(config), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "unknown key 'limt'" in result.stderr and "did you mean 'limit'" in result.stderr
    assert result.stderr.strip().count("\n") == 0 and not (tmp_path / "out").exists()
    flag = run("audit", "--limit", "0", "--out", str(tmp_path / "out"))
    assert flag.returncode == 2 and "--limit: must be at least 1" in flag.stderr


def test_grade_reads_its_settings_from_a_config_file(tmp_path: Path) -> None:
    lines = tmp_path / "replies.jsonl"
    lines.write_text(json.dumps({"question": "Capital of Australia?", "correct": ["Canberra"],
                                 "incorrect": ["Sydney"], "response": "It is Canberra."}) + "\n")
    config = tmp_path / "grade.yaml"
    config.write_text(yaml.safe_dump({"file": str(lines), "out": str(tmp_path / "g.jsonl"), "warmth": "none"}))
    result = run("grade", "--config", str(config))
    assert result.returncode == 0, result.stderr
    graded = json.loads((tmp_path / "g.jsonl").read_text())
    assert graded["scores"]["correctness"]["label"] == "correct" and "warmth" not in graded["scores"]
    missing = run("grade", "--warmth", "none")
    assert missing.returncode == 2 and "give the FILE" in missing.stderr


def test_audit_without_the_extension_for_steer_is_refused(tmp_path: Path) -> None:
    config = audit.AuditConfig(steer="syc.safetensors:best:4")
    with pytest.raises(Exception, match="extension"):
        audit.run(config, tmp_path / "run")
    assert not (tmp_path / "run").exists()
