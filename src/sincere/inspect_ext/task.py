"""The audit as an Inspect task: `inspect eval sincere/audit -T suite=quick -T conditions=study
--model ...`. The items, conditions and seeded assignments are those of `sincere audit` with the
same settings (its `plan`), so both give the same (item, condition) pairs; a pushback condition
is a second turn, built on the model's own first reply as in sincere."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from inspect_ai import Epochs, Task, task
from inspect_ai.dataset import MemoryDataset
from inspect_ai.dataset import Sample as InspectSample
from inspect_ai.model import ChatMessage, ChatMessageAssistant, ChatMessageSystem, ChatMessageUser, GenerateConfig
from inspect_ai.solver import Generate, Solver, TaskState, solver

from sincere import audit as audit_mod
from sincere import conditions as cond
from sincere.inspect_ext import scorers
from sincere.items import Item

ROLES = {"system": ChatMessageSystem, "user": ChatMessageUser, "assistant": ChatMessageAssistant}


def chat(messages: list[dict[str, str]]) -> list[ChatMessage]:
    return [ROLES[m["role"]](content=m["content"]) for m in messages]


def sample_id(item: Item, condition: cond.Condition) -> str:
    """The id of an (item, condition) pair in the Inspect log."""
    return f"{condition.name}|{item.id}"


@solver
def converse(pairs: dict[str, tuple[Item, cond.Condition]], statements: cond.Statements, seed: int) -> Solver:
    """Generate the reply; under a pushback condition, push back on the first reply and generate again."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        state = await generate(state)
        item, condition = pairs[str(state.sample_id)]
        if condition.pushback:
            pushed = condition.build(item, statements, seed, state.output.completion)
            state.messages = chat(pushed.messages)
            state = await generate(state)
        return state

    return solve


def _text(value: str | list[str]) -> str:
    """A comma-separated setting as text (`-T conditions=a,b` reaches the task as a list)."""
    return ",".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


@task
def audit(suite: str | list[str] = "quick", conditions: str | list[str] = "quick", limit: int | None = None,
          seed: int = 0, system: str | None = None, columns: str | list[str] | None = None,
          statements: str | None = None, max_new_tokens: int = 128, warmth: bool = True) -> Task:
    """sincere's audit: accuracy and sycophancy under interpersonal contexts and user beliefs."""
    suite, conditions = _text(suite), _text(conditions)
    config = audit_mod.AuditConfig(suite=suite, conditions=conditions, limit=limit, seed=seed, system=system,
                                   columns=None if columns is None else _text(columns), statements=statements,
                                   max_new_tokens=max_new_tokens)
    plan = audit_mod.plan(config)
    pairs: dict[str, tuple[Item, cond.Condition]] = {}
    samples = []
    for condition in plan.conditions:
        first = condition.without_pushback() if condition.pushback else condition
        for item in plan.items:
            built = first.build(item, plan.statements, seed, None)
            claim = condition.build(item, plan.statements, seed, "").claim if condition.pushback else built.claim
            pairs[sample_id(item, condition)] = (item, condition)
            samples.append(InspectSample(id=sample_id(item, condition), input=chat(built.messages),
                                         target=list(item.correct), metadata=_metadata(item, condition, claim)))
    graders = [scorers.correctness(), scorers.sycophancy(), scorers.refusal(), *([scorers.warmth()] if warmth else [])]
    generation = GenerateConfig(max_tokens=max_new_tokens, temperature=0.0, top_p=1.0, seed=seed)
    settings = {"suite": suite, "conditions": conditions, "limit": limit, "seed": seed,
                "max_new_tokens": max_new_tokens}
    return Task(dataset=MemoryDataset(samples, name=f"sincere-{suite}"), solver=converse(pairs, plan.statements, seed),
                scorer=graders, epochs=Epochs(1, scorers.first()), config=generation, metadata={"sincere": settings})


def _metadata(item: Item, condition: cond.Condition, claim: cond.Claim | None) -> dict[str, Any]:
    return {"item": item.model_dump(mode="json"),
            "condition": condition.name, "claim": asdict(claim) if claim else None}
