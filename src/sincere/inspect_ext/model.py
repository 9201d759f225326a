"""The `sincere/MODEL` provider: any sincere model spec (`sincere/smollm2-135m`, `sincere/hf:ID`,
`sincere/openai:M@URL`) answered by sincere's engine, through its generation cache, so replies a
`sincere audit` generated are the ones Inspect gets (and the other way round).

Inspect sends one request per sample, many at once; the provider gathers those that arrive
together (`Batcher`) into one engine call, which batches them as `sincere audit` does."""

from __future__ import annotations

import asyncio
from typing import Any

from inspect_ai.model import ChatMessage, GenerateConfig, ModelAPI, ModelOutput, modelapi
from inspect_ai.tool import ToolChoice, ToolInfo

from sincere.engines import GenParams, load_engine
from sincere.engines.base import Conversation, Generation

#: Requests Inspect may have in flight at once (the provider batches them), and how long a batch waits
#: for more requests to join it, in seconds.
MOST, GATHER = 64, 0.05


class Batcher:
    """Gathers concurrent requests with the same settings into one `engine.generate` call (in a thread)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.pending: list[tuple[Conversation, GenParams, asyncio.Future[Generation]]] = []
        self.worker: asyncio.Task[None] | None = None

    async def ask(self, conversation: Conversation, params: GenParams) -> Generation:
        reply: asyncio.Future[Generation] = asyncio.get_running_loop().create_future()
        self.pending.append((conversation, params, reply))
        if self.worker is None or self.worker.done():
            self.worker = asyncio.create_task(self._work())
        return await reply

    async def _work(self) -> None:
        while self.pending:
            await asyncio.sleep(GATHER)  # the other requests of this wave arrive meanwhile
            batch, self.pending = self.pending, []
            for params in dict.fromkeys(p for _, p, _ in batch):
                group = [(c, f) for c, p, f in batch if p == params]
                try:
                    replies = await asyncio.to_thread(self.engine().generate, [c for c, _ in group], params)
                except Exception as exc:  # noqa: BLE001 (every waiting request gets the engine's error)
                    for _, future in group:
                        future.set_exception(exc)
                    continue
                for (_, future), reply in zip(group, replies, strict=True):
                    future.set_result(reply)


class SincereModel(ModelAPI):
    """One sincere engine per model spec, loaded on the first request; concurrent requests are batched."""

    def __init__(self, model_name: str, base_url: str | None = None, api_key: str | None = None,
                 config: GenerateConfig = GenerateConfig(), **model_args: Any) -> None:  # noqa: B008
        super().__init__(model_name, base_url, api_key, [], config)
        self.cache = bool(model_args.get("cache", True))
        self.dtype = str(model_args.get("dtype", "auto"))
        self._engine: Any = None
        self.batcher = Batcher(self.engine)

    def max_connections(self) -> int:
        return MOST

    def engine(self) -> Any:
        if self._engine is None:
            self._engine = load_engine(self.model_name, cache=self.cache, dtype=self.dtype)
        return self._engine

    async def generate(self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice,  # noqa: A002
                       config: GenerateConfig) -> ModelOutput:
        conversation = [{"role": m.role, "content": m.text} for m in input]
        params = GenParams(config.max_tokens or 256, config.temperature or 0.0,
                           1.0 if config.top_p is None else config.top_p, config.seed or 0)
        reply = await self.batcher.ask(conversation, params)
        stop = "max_tokens" if reply.finish == "length" else "stop"
        return ModelOutput.from_content(model=self.model_name, content=reply.text, stop_reason=stop)


@modelapi(name="sincere")
def sincere() -> type[ModelAPI]:
    return SincereModel
