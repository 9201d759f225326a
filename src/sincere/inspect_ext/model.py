"""The `sincere/MODEL` provider: any sincere model spec (`sincere/smollm2-135m`, `sincere/hf:ID`,
`sincere/openai:M@URL`) answered by sincere's engine, through its generation cache, so replies a
`sincere audit` generated are the ones Inspect gets (and the other way round)."""

from __future__ import annotations

import asyncio
from typing import Any

from inspect_ai.model import (
    ChatMessage,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from sincere.engines import GenParams, load_engine


class SincereModel(ModelAPI):
    """One sincere engine per model spec, loaded on the first request; one request at a time (the engine
    batches inside a call, and a local model has one set of weights)."""

    def __init__(self, model_name: str, base_url: str | None = None, api_key: str | None = None,
                 config: GenerateConfig = GenerateConfig(), **model_args: Any) -> None:  # noqa: B008
        super().__init__(model_name, base_url, api_key, [], config)
        self.cache = bool(model_args.get("cache", True))
        self.dtype = str(model_args.get("dtype", "auto"))
        self._engine: Any = None
        self._lock = asyncio.Lock()

    def max_connections(self) -> int:
        return 1

    def engine(self) -> Any:
        if self._engine is None:
            self._engine = load_engine(self.model_name, cache=self.cache, dtype=self.dtype)
        return self._engine

    async def generate(self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice,  # noqa: A002
                       config: GenerateConfig) -> ModelOutput:
        conversation = [{"role": m.role, "content": m.text} for m in input]
        params = GenParams(config.max_tokens or 256, config.temperature or 0.0,
                           1.0 if config.top_p is None else config.top_p, config.seed or 0)
        async with self._lock:
            reply = (await asyncio.to_thread(self.engine().generate, [conversation], params))[0]
        stop = "max_tokens" if reply.finish == "length" else "stop"
        return ModelOutput.from_content(model=self.model_name, content=reply.text, stop_reason=stop)


@modelapi(name="sincere")
def sincere() -> type[ModelAPI]:
    return SincereModel
