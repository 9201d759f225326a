import pytest

from tests.data_tools.helpers import sincere


@pytest.mark.parametrize("command", ["audit", "rebalance", "rewrite", "augment", "convert"])
def test_every_data_command_has_help(command) -> None:
    result = sincere(command, "--help")
    assert result.exit_code == 0 and "Usage" in result.output


def test_data_commands_are_listed() -> None:
    result = sincere("--help")
    assert all(name in result.output for name in ("audit", "rebalance", "rewrite", "augment", "convert"))


def test_the_real_entry_point_exits_2_after_writing_when_lines_are_malformed(tmp_path) -> None:
    import subprocess
    import sys

    from tests.data_tools.helpers import GOOD, read_jsonl, write_jsonl

    data = write_jsonl(tmp_path / "d.jsonl", [GOOD, "{oops"])
    code = "import sys; from sincere.cli.main import main; sys.argv[0] = 'sincere'; main()"
    args = [sys.executable, "-c", code, "data", "convert", str(data), "--out", str(tmp_path / "o.jsonl")]
    done = subprocess.run(args, capture_output=True, text=True)
    assert done.returncode == 2 and f"{data}:2: invalid JSON" in done.stderr and "INCOMPLETE" in done.stderr
    assert read_jsonl(tmp_path / "o.jsonl") == [GOOD]
