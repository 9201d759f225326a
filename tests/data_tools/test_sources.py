import json

import pytest

from sincere.data import sources
from sincere.errors import SincereError
from tests.data_tools.helpers import GOOD, write_jsonl


def test_malformed_lines_are_counted_and_listed_with_line_numbers(tmp_path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [GOOD, "not json", "", "[1, 2]", {"messages": []}, GOOD])
    problems = sources.Problems()
    found = list(sources.examples(str(path), problems))
    assert len(found) == 2 and [e.source for e in found] == [f"{path}:1", f"{path}:6"]
    assert problems.count == 3 and not problems.complete
    assert [(p["line"], p["reason"][:20]) for p in problems.listed] == [
        (2, "invalid JSON (Expect"), (4, "expected a JSON obje"), (5, "'messages' must be t")]


def test_json_array_files_and_the_builtin_corpus(tmp_path) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps([GOOD, 3]), encoding="utf-8")
    problems = sources.Problems()
    assert len(list(sources.examples(str(path), problems))) == 1 and problems.count == 1
    assert sources.count("builtin:corpus") == 322
    assert len(list(sources.examples("builtin:corpus", sources.Problems()))) == 322


def test_hf_datasets_by_name_from_a_local_folder_offline(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    folder = tmp_path / "ds"
    (folder / "data").mkdir(parents=True)
    write_jsonl(folder / "data" / "train.jsonl", [GOOD, {"prompt": "q", "completion": "a"}])
    problems = sources.Problems()
    found = list(sources.examples(f"hf:{folder}", problems))
    assert [e.kind for e in found] == ["messages", "prompt_completion"] and problems.complete
    assert sources.input_paths(f"hf:{folder}") == (folder / "data" / "train.jsonl",)

    import datasets

    datasets.Dataset.from_list([{"prompt": "q", "completion": "a"}]).save_to_disk(str(tmp_path / "saved"))
    assert len(list(sources.examples(f"hf:{tmp_path / 'saved'}", problems))) == 1


def test_missing_inputs_are_one_line_errors(tmp_path) -> None:
    with pytest.raises(SincereError, match="no such file"):
        list(sources.examples(str(tmp_path / "nope.jsonl"), sources.Problems()))
    with pytest.raises(SincereError, match="cannot load dataset"):
        list(sources.examples(f"hf:{tmp_path / 'nope'}", sources.Problems()))
