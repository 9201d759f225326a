import pytest

from sincere import models
from sincere.errors import SincereError


def test_parse_hf_and_embedded() -> None:
    assert models.parse("smollm2-135m") == models.ModelSpec("hf", "smollm2-135m")
    assert models.parse("hf:org/name") == models.ModelSpec("hf", "org/name")
    assert models.parse("/some/dir").engine == "hf"


def test_parse_openai() -> None:
    spec = models.parse("openai:llama3@http://localhost:8000/v1/,key_env=MY_KEY")
    assert spec == models.ModelSpec("openai", "llama3", "http://localhost:8000/v1", "MY_KEY")
    assert str(spec) == "openai:llama3@http://localhost:8000/v1"


@pytest.mark.parametrize(
    "bad", ["", "hf:", "openai:", "openai:m@ftp://x", "openai:m@http://x,colour=red"]
)
def test_parse_rejects_bad_specs(bad: str) -> None:
    with pytest.raises(SincereError):
        models.parse(bad)


def test_status_lists_both_embedded_models() -> None:
    rows = {row["name"]: row for row in models.status()}
    assert set(rows) == {"smollm2-135m", "minilm"}
    assert rows["minilm"]["role"] == "embedding"


def test_cached_sha256_matches_and_tracks_changes(tmp_path) -> None:
    path = tmp_path / "w.bin"
    path.write_bytes(b"abc")
    assert models.cached_sha256(path) == models.file_sha256(path)
    path.write_bytes(b"abcd")
    assert models.cached_sha256(path) == models.file_sha256(path)
