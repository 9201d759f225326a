"""Local generation with transformers: length-sorted batches, bf16 where it pays.

On CPU, Llama-style models run through a lean decode loop (`sincere.engines.decode`: packed
prefill, a shared prompt prefix computed once, an in-place KV cache); other models, and every
model on an accelerator (where `generate` measured faster), go through `model.generate` on
left-padded batches. `loop=` overrides the choice.

The engine keeps `model` and `tokenizer` public so that other parts of sincere (warmth scoring,
activation monitoring, steering hooks) can reuse the loaded weights.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sincere import models
from sincere.engines.base import Conversation, Engine, Generation, GenParams, check_conversation, neutralised
from sincere.errors import SincereError

logger = logging.getLogger(__name__)

#: On CPU a batch is sized by the keys and values it holds (the lean loop preallocates them for
#: every row's prompt and new tokens: 1 GiB, or half the weights' size for a bigger model) and by
#: a row count: below about 128 rows a decode step's matmuls wait on reading the weights from
#: memory, above it they are bound by arithmetic.
CPU_KV_BYTES = 1 << 30
CPU_MAX_ROWS = 128
#: Tokens (prompt + new) per batch on a GPU.
GPU_TOKEN_BUDGET = 262_144


def best_device() -> str:
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


@functools.cache
def cpu_has_bf16() -> bool:
    """True when the CPU has native bf16 matmuls (AVX512-BF16 or AMX); read once per process."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return any(flag in flags for flag in ("avx512_bf16", "amx_bf16"))


def pick_dtype(device: str, requested: str = "auto") -> Any:
    """bf16 on hardware that runs it natively, fp32 otherwise (or what the user asked for)."""
    import torch

    table = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}
    if requested != "auto":
        if requested not in table:
            raise SincereError(f"unknown dtype {requested!r}; choose auto, bf16, fp16 or fp32")
        return table[requested]
    if device == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device == "cpu" and cpu_has_bf16():
        return torch.bfloat16
    return torch.float32


def resolve(name: str) -> str:
    """A loadable path or hub id for a model name (embedded names become their cache folder)."""
    if name in models.EMBEDDED:
        if models.EMBEDDED[name].role != "chat":
            raise SincereError(f"{name} is an embedding model, not a chat model")
        return str(models.embedded_dir(name))
    return name


def fingerprint_of(path_or_id: str) -> str:
    """Identity of a model's weights: a content hash for local folders, id@revision for the hub."""
    path = Path(path_or_id)
    if not path.is_dir():
        return f"hub:{path_or_id}"
    digest = hashlib.sha256()
    for file in sorted(path.iterdir()):
        if file.suffix in (".safetensors", ".bin", ".json", ".gguf") and file.is_file():
            digest.update(file.name.encode())
            digest.update(models.cached_sha256(file).encode())
    return "local:" + digest.hexdigest()[:32]


#: Decode loops: "lean" takes the lean loop (sincere.engines.decode) where it supports the model,
#: "generate" always uses transformers' `model.generate`, "auto" takes the lean loop on CPU only.
#: Measured (benchmarks/bench_generation.py --compare-loops, greedy, 48 new tokens): lean / generate
#: 1.49x on a 2-core CPU (SmolLM2-135M, 64 prompts), but 0.88x (135M) and 0.50x (1.7B shapes) on
#: an H100 (128 prompts).
LOOPS = ("auto", "lean", "generate")


class HFEngine(Engine):
    """A causal LM from transformers, answering batches of chats with its chat template."""

    def __init__(
        self,
        name: str,
        *,
        batch_size: int | None = None,
        dtype: str = "auto",
        device: str | None = None,
        loop: str = "auto",
    ) -> None:
        path = resolve(name)
        device = device or best_device()
        torch_dtype = pick_dtype(device, dtype)
        model, tokenizer = load_causal_lm(path, device, torch_dtype)
        fingerprint = fingerprint_of(path)
        if path != name and not Path(name).is_dir():
            fingerprint = f"{name}:{fingerprint}"
        fingerprint += f"@{str(torch_dtype).removeprefix('torch.')}"  # bf16 and fp32 replies differ: cached apart
        self._attach(name, path, model, tokenizer, fingerprint, batch_size, loop)

    @classmethod
    def from_loaded(
        cls, model: Any, tokenizer: Any, *, name: str = "loaded", batch_size: int | None = None, loop: str = "auto"
    ) -> HFEngine:
        """An engine around a model already in memory (the one being trained, say), on its device and dtype.

        Its fingerprint is `loaded:NAME`: the weights may change, so never cache its generations.
        """
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        path = str(getattr(getattr(model, "config", None), "_name_or_path", "") or name)
        engine = cls.__new__(cls)
        engine._attach(name, path, model, tokenizer, f"loaded:{name}", batch_size, loop)
        return engine

    def _attach(self, name: str, path: str, model: Any, tokenizer: Any, fingerprint: str,
                batch_size: int | None, loop: str) -> None:
        if loop not in LOOPS:
            raise SincereError(f"unknown decode loop {loop!r}; choose {' or '.join(LOOPS)}")
        parameter = next(model.parameters())
        self.name, self.path, self.fingerprint = name, path, fingerprint
        self.model, self.tokenizer = model, tokenizer
        self.device, self.dtype = parameter.device.type, parameter.dtype
        self.shares_cpu = self.device == "cpu"
        self.batch_size, self.loop = batch_size, loop
        self._decoder: Any = None  # the lean decode loop (sincere.engines.decode), made on first use

    def encode(self, conversations: Sequence[Conversation]) -> list[list[int]]:
        """Token ids of each conversation with the chat template and the assistant prompt."""
        out = []
        for conversation in conversations:
            check_conversation(conversation)
            ids = self.tokenizer.apply_chat_template(
                neutralised(conversation, self._specials()), add_generation_prompt=True, tokenize=True
            )
            if isinstance(ids, dict) or hasattr(ids, "keys"):
                ids = ids["input_ids"]
            out.append(list(ids))
        return out

    def overflows(self, conversations: Sequence[Conversation], max_new_tokens: int) -> list[str | None]:
        """Why each prompt and its reply cannot fit the model's context (`max_position_embeddings`), or None."""
        limit = getattr(self.model.config, "max_position_embeddings", None)
        if not limit:
            return [None] * len(conversations)
        return [None if len(ids) + max_new_tokens <= limit else
                f"{len(ids):,} prompt tokens + {max_new_tokens:,} new ones exceed its context of {limit:,} tokens"
                for ids in self.encode(conversations)]

    def _specials(self) -> list[str]:
        """The tokenizer's special and added control tokens (as text), which message contents must not form."""
        added = [t.content for t in getattr(self.tokenizer, "added_tokens_decoder", {}).values() if t.special]
        return [*self.tokenizer.all_special_tokens, *added]

    def batches(self, lengths: Sequence[int], max_new_tokens: int) -> list[list[int]]:
        """Indices grouped into batches of similar length (longest first), each sized for its longest row."""
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
        groups: list[list[int]] = []
        size = 0
        for index in order:
            if groups and len(groups[-1]) < size:
                groups[-1].append(index)
            else:
                groups.append([index])
                size = self.batch_size or self._rows(lengths[index] + max_new_tokens)
        return groups

    def _rows(self, width: int) -> int:
        """How many rows of `width` tokens (prompt + new) one batch takes on this device."""
        if self.device == "cuda":
            return max(1, GPU_TOKEN_BUDGET // width)
        weights, per_token = self._sizes
        return max(1, min(CPU_MAX_ROWS, max(CPU_KV_BYTES, weights // 2) // (width * per_token)))

    @functools.cached_property
    def _sizes(self) -> tuple[int, int]:
        """(bytes of the weights, bytes of keys and values per token), read once."""
        config = self.model.config.get_text_config()
        heads = getattr(config, "num_key_value_heads", None) or config.num_attention_heads
        head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
        per_token = 2 * config.num_hidden_layers * heads * head_dim * self.dtype.itemsize  # keys and values
        weights = sum(p.numel() * p.element_size() for p in self.model.parameters())
        return weights, per_token

    def stream(
        self, conversations: Sequence[Conversation], params: GenParams
    ) -> Iterator[tuple[int, Generation]]:
        encoded = self.encode(conversations)
        for group in self.batches([len(ids) for ids in encoded], params.max_new_tokens):
            texts = self._generate_batch([encoded[i] for i in group], params)
            yield from zip(group, texts, strict=True)

    def _generate_batch(self, prompts: list[list[int]], params: GenParams) -> list[Generation]:
        decoder = self._lean_decoder(max(len(p) for p in prompts) + params.max_new_tokens)
        if decoder is not None:
            rows = decoder.generate(prompts, params)
        else:
            rows = self._generate_with_hf(prompts, params)
        return [self._decode(row) for row in rows]

    def _lean_decoder(self, total_length: int) -> Any:
        """The lean decode loop when it supports this model and length, else None (use generate)."""
        if self.loop == "generate" or (self.loop == "auto" and self.device != "cpu"):
            return None
        try:
            from sincere.engines import decode
        except ImportError:  # a transformers without the cache classes the loop builds on
            return None
        if not decode.supports(self.model, total_length):
            return None
        if self._decoder is None:
            self._decoder = decode.Decoder(self.model, self.stop_ids())
        return self._decoder

    def _generate_with_hf(self, prompts: list[list[int]], params: GenParams) -> list[list[int]]:
        """`model.generate` on one left-padded batch: for models the lean loop does not support."""
        import torch

        pad = self.tokenizer.pad_token_id
        width = max(len(p) for p in prompts)
        ids = torch.full((len(prompts), width), pad, dtype=torch.long)
        mask = torch.zeros((len(prompts), width), dtype=torch.long)
        for row, prompt in enumerate(prompts):  # left padding
            ids[row, width - len(prompt) :] = torch.tensor(prompt)
            mask[row, width - len(prompt) :] = 1
        sample = params.temperature > 0
        options: dict[str, Any] = {"do_sample": sample, "max_new_tokens": params.max_new_tokens}
        if sample:
            torch.manual_seed(params.seed)
            options |= {"temperature": params.temperature, "top_p": params.top_p}
        else:
            options |= {"temperature": None, "top_p": None, "top_k": None}
        with torch.inference_mode():
            out = self.model.generate(
                input_ids=ids.to(self.device),
                attention_mask=mask.to(self.device),
                pad_token_id=pad,
                eos_token_id=self.stop_ids(),
                **options,
            )
        return out[:, width:].tolist()

    def stop_ids(self) -> list[int]:
        """Token ids that end a reply: the tokenizer's EOS and the generation config's."""
        ids = {self.tokenizer.eos_token_id}
        configured = self.model.generation_config.eos_token_id
        ids.update(configured if isinstance(configured, list) else [configured])
        return sorted(i for i in ids if i is not None)

    def _decode(self, row: list[int]) -> Generation:
        stops = set(self.stop_ids())
        for position, token in enumerate(row):
            if token in stops:
                text = self.tokenizer.decode(row[:position], skip_special_tokens=True)
                return Generation(text.strip(), position + 1, "stop")
        return Generation(self.tokenizer.decode(row, skip_special_tokens=True).strip(), len(row), "length")


def load_causal_lm(path: str, device: str, dtype: Any) -> tuple[Any, Any]:
    """Load a causal LM and its tokenizer, ready for left-padded batched generation."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype)
    except (OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SincereError(f"cannot load model {path!r}: {first}") from exc
    model.to(device).eval().requires_grad_(False)  # inference only: frozen weights may be prepacked
    tokenizer.padding_side = "left"
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    if tokenizer.chat_template is None:
        raise SincereError(f"model {path!r} has no chat template; use an instruct/chat model")
    return model, tokenizer
