"""The lean decode loop (sincere.engines.decode) against `model.generate`, on tiny random models.

No network: models and tokenizer are built here. fp32 throughout, where batched greedy output
must equal unbatched greedy output exactly.
"""

from __future__ import annotations

import pytest
import torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import AutoConfig, AutoModelForCausalLM, PreTrainedTokenizerFast

from sincere.engines import decode
from sincere.engines.base import GenParams
from sincere.engines.hf import HFEngine
from sincere.errors import SincereError

VOCAB = 96
WORDS = ["<unk>", "<|im_start|>", "<|im_end|>", "system", "user", "assistant"] + [
    f"w{i}" for i in range(VOCAB - 6)
]
TEMPLATE = (
    "{% for m in messages %}<|im_start|> {{ m['role'] }} {{ m['content'] }} <|im_end|> {% endfor %}"
    "{% if add_generation_prompt %}<|im_start|> assistant {% endif %}"
)
SHARED = [1, 3, 7, 9, 11, 13]  # a common prefix, like a chat template's system prompt
PROMPTS = [SHARED + [20, 21, 22, 23, 24, 25, 26], SHARED + [30], SHARED + [40, 41, 42], [5, 6]]


def tiny_model(model_type: str = "llama", **extra: object) -> torch.nn.Module:
    """A random 2-layer causal LM with grouped-query attention and peaked logits."""
    config = AutoConfig.for_model(
        model_type,
        vocab_size=VOCAB,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        initializer_range=0.2,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=2,
        **extra,
    )
    torch.manual_seed(0)
    return AutoModelForCausalLM.from_config(config, dtype=torch.float32).eval()


def reference(model: torch.nn.Module, prompt: list[int], new: int, stops: list[int]) -> list[int]:
    """Greedy continuation by `model.generate`, cut after the first stop token."""
    with torch.inference_mode():
        out = model.generate(
            torch.tensor([prompt]),
            max_new_tokens=new,
            do_sample=False,
            eos_token_id=stops,
            pad_token_id=0,
        )[0, len(prompt) :].tolist()
    ends = [i for i, token in enumerate(out) if token in stops]
    return out[: ends[0] + 1] if ends else out


@pytest.mark.parametrize("model_type", sorted(decode.SUPPORTED_MODEL_TYPES))
def test_batched_greedy_equals_generate_and_unbatched(model_type: str) -> None:
    model = tiny_model(model_type)
    assert decode.supports(model, 64)
    stops = [2]
    expected = [reference(model, prompt, 10, stops) for prompt in PROMPTS]
    decoder = decode.Decoder(model, stops)
    params = GenParams(max_new_tokens=10)
    assert decoder.generate(PROMPTS, params) == expected
    assert decoder.generate(PROMPTS[:3], params) == expected[:3]  # with a shared prefix
    assert [decoder.generate([prompt], params)[0] for prompt in PROMPTS] == expected


def test_stop_tokens_end_rows_and_finished_rows_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    model = tiny_model()
    free = [reference(model, prompt, 12, []) for prompt in PROMPTS]
    stops = [free[0][3], free[2][5]]  # rows end at different steps, others may too
    expected = [reference(model, prompt, 12, stops) for prompt in PROMPTS]
    assert any(len(row) < 12 for row in expected)
    kept: list[int] = []
    keep = decode.SlabCache.keep
    monkeypatch.setattr(decode.SlabCache, "keep", lambda self, index: (kept.append(len(index)), keep(self, index)))
    assert decode.Decoder(model, stops).generate(PROMPTS, GenParams(max_new_tokens=12)) == expected
    assert kept, "finished rows were never dropped"


def test_dropping_rows_moves_the_kept_ones_up_in_place() -> None:
    cache = decode.SlabCache(layers=2, batch=4, capacity=3)
    states = torch.arange(4 * 2 * 3 * 5, dtype=torch.float32).reshape(4, 2, 3, 5)
    for layer in range(2):
        cache.update(states, -states, layer)
    storage = cache.layers[0].keys.untyped_storage().data_ptr()
    cache.keep([1, 3])
    for layer in cache.layers:
        assert torch.equal(layer.keys, states[[1, 3]]) and torch.equal(layer.values, -states[[1, 3]])
    assert cache.layers[0].keys.untyped_storage().data_ptr() == storage  # no second slab


def test_prefill_split_into_several_packed_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    model = tiny_model()
    expected = [reference(model, prompt, 6, [2]) for prompt in PROMPTS]
    monkeypatch.setattr(decode, "PACK_TOKENS", 4)
    assert decode._packs([7, 1, 3, 2], 8) == [[0, 1], [2, 3]]
    passes: list[int] = []
    pack_pass = decode.Decoder._pack_pass
    monkeypatch.setattr(
        decode.Decoder, "_pack_pass", lambda self, *args: (passes.append(1), pack_pass(self, *args))[1]
    )
    decoder = decode.Decoder(model, [2])
    assert decoder.generate(PROMPTS, GenParams(max_new_tokens=6)) == expected
    assert decoder.generate(PROMPTS[:3], GenParams(max_new_tokens=6)) == expected[:3]
    assert len(passes) > 2


def test_eager_attention_takes_an_additive_mask() -> None:
    model = tiny_model(attn_implementation="eager")
    expected = [reference(model, prompt, 6, [2]) for prompt in PROMPTS]
    assert decode.Decoder(model, [2]).generate(PROMPTS, GenParams(max_new_tokens=6)) == expected


def test_seeded_sampling() -> None:
    decoder = decode.Decoder(tiny_model(), [2])
    hot = GenParams(max_new_tokens=8, temperature=1.5, seed=7)
    first = decoder.generate(PROMPTS, hot)
    assert decoder.generate(PROMPTS, hot) == first
    others = [decoder.generate(PROMPTS, GenParams(8, 1.5, 1.0, seed)) for seed in range(1, 4)]
    assert any(other != first for other in others)
    greedy = decoder.generate(PROMPTS, GenParams(max_new_tokens=8))
    assert decoder.generate(PROMPTS, GenParams(8, 1.5, 1e-6, 3)) == greedy  # top_p keeps the best


def test_pick_top_p_keeps_the_smallest_set_reaching_p() -> None:
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    generator = torch.Generator().manual_seed(0)
    params = GenParams(temperature=1.0, top_p=0.8)
    seen = {decode.pick(logits, params, generator).item() for _ in range(200)}
    assert seen == {0, 1}


def test_unsupported_models_are_refused() -> None:
    assert not decode.supports(tiny_model("gpt2", n_embd=64, n_layer=2, n_head=4), 64)
    assert not decode.supports(tiny_model("mistral", sliding_window=32), 64)
    assert decode.supports(tiny_model("mistral", sliding_window=32), 32)


def tiny_chat_dir(tmp_path: object, model: torch.nn.Module) -> str:
    """A saved model folder with a word-level chat tokenizer, loadable by HFEngine."""
    vocab = {word: i for i, word in enumerate(WORDS)}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, eos_token="<|im_end|>", pad_token="<|im_end|>", unk_token="<unk>"
    )
    tokenizer.chat_template = TEMPLATE
    folder = str(tmp_path)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def chats() -> list[list[dict[str, str]]]:
    texts = ["w1 w2 w3 w4 w5 w6 w7", "w8", "w9 w10 w11", "w12 w13 w14 w15 w16"]
    return [[{"role": "user", "content": text}] for text in texts]


def test_engine_batched_equals_unbatched_and_the_fallback(tmp_path: object) -> None:
    folder = tiny_chat_dir(tmp_path, tiny_model())
    engine = HFEngine(folder, dtype="fp32", device="cpu")
    params = GenParams(max_new_tokens=8)
    batched = engine.generate(chats(), params)
    assert engine._decoder is not None, "the lean loop did not run"
    engine.batch_size = 1
    assert engine.generate(chats(), params) == batched
    engine.batch_size = None
    slow = [engine._decode(row) for row in engine._generate_with_hf(engine.encode(chats()), params)]
    assert slow == batched


def test_engine_falls_back_to_generate_for_other_architectures(tmp_path: object) -> None:
    folder = tiny_chat_dir(tmp_path, tiny_model("gpt2", n_embd=64, n_layer=2, n_head=4))
    engine = HFEngine(folder, dtype="fp32", device="cpu")
    replies = engine.generate(chats(), GenParams(max_new_tokens=5))
    assert engine._decoder is None
    assert all(1 <= reply.tokens <= 5 for reply in replies)


def test_bf16_prepacked_weights_change_nothing_and_are_put_away() -> None:
    model = tiny_model().to(torch.bfloat16).requires_grad_(False)
    decoder = decode.Decoder(model, [2])
    assert decoder.prepack == decode._can_prepack()
    params = GenParams(max_new_tokens=6)
    packed = decoder.generate(PROMPTS, params)
    assert all("forward" not in vars(module) for module in model.modules())
    decoder.prepack = False
    assert decoder.generate(PROMPTS, params) == packed
    assert all(1 <= len(row) <= 6 for row in packed)
    if decode._can_prepack():
        decoder.prepack = True
        key = decoder._packed[model.model.layers[0].mlp.down_proj][0]
        with torch.no_grad():
            model.model.layers[0].mlp.down_proj.weight.mul_(-1)  # changed in place: packed again
        assert decoder.generate(PROMPTS, params) != packed
        assert decoder._packed[model.model.layers[0].mlp.down_proj][0] != key


def test_trainable_weights_are_read_fresh_after_a_fused_optimiser_step() -> None:
    """Fused AdamW changes weights in place without bumping their version: never pack trainable ones."""
    model = tiny_model().to(torch.bfloat16)
    model.requires_grad_(False)
    trained = model.model.layers[0].mlp.down_proj.weight
    trained.requires_grad_(True)
    decoder = decode.Decoder(model, [2])
    params = GenParams(max_new_tokens=6)
    before = decoder.generate(PROMPTS, params)
    optimiser = torch.optim.AdamW([trained], lr=1.0, fused=True)
    trained.grad = torch.randn_like(trained)
    optimiser.step()
    after = decoder.generate(PROMPTS, params)
    decoder.prepack = False
    assert after == decoder.generate(PROMPTS, params) != before
    assert model.model.layers[0].mlp.down_proj not in decoder._packed


def test_decode_loop_choice(tmp_path: object) -> None:
    """auto: lean on CPU, generate on accelerators; generate: always; both give the same replies."""
    folder = tiny_chat_dir(tmp_path, tiny_model())
    lean = HFEngine(folder, dtype="fp32", device="cpu")
    assert lean._lean_decoder(32) is not None
    lean.device = "cuda"  # only the choice is looked at here
    assert lean._lean_decoder(32) is None
    lean.loop = "lean"
    assert lean._lean_decoder(32) is not None
    lean.device, lean.loop = "cpu", "auto"
    generate = HFEngine(folder, dtype="fp32", device="cpu", loop="generate")
    params = GenParams(max_new_tokens=6)
    assert generate.generate(chats(), params) == lean.generate(chats(), params)
    assert generate._decoder is None
    with pytest.raises(SincereError, match="unknown decode loop"):
        HFEngine(folder, device="cpu", loop="fast")


def test_engine_from_a_loaded_model_answers_like_one_from_disk(tmp_path: object) -> None:
    from transformers import AutoTokenizer

    folder = tiny_chat_dir(tmp_path, tiny_model())
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    loaded = HFEngine.from_loaded(model, AutoTokenizer.from_pretrained(folder), name="mine")
    assert (loaded.fingerprint, loaded.device, loaded.dtype) == ("loaded:mine", "cpu", torch.float32)
    params = GenParams(max_new_tokens=6)
    assert loaded.generate(chats(), params) == HFEngine(folder, dtype="fp32", device="cpu").generate(chats(), params)
