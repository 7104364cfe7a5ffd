"""bot/runtime/graph_runner.py: the graph run without dask gives what dask's run gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.exceptions import GraphComponentException, GraphRunError
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage

from bot.runtime.graph_runner import SequentialGraphRunner

CALLS: list[str] = []


class Add(GraphComponent):
    """Adds its inputs; counts its calls."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: Any, resource: Any,
               execution_context: ExecutionContext) -> Add:
        return cls()

    def add(self, first: Any, second: Any = 0) -> Any:
        CALLS.append(f"{first}+{second}")
        if first == "boom":
            raise ValueError("boom")
        return first + second


def node(**needs: str) -> SchemaNode:
    return SchemaNode(needs=needs, uses=Add, constructor_name="create", fn="add", config={})


# a diamond: `a` is needed twice and must run once; `unused` is outside the targets
SCHEMA = GraphSchema({
    "a": node(first="__x__"),
    "b": node(first="a", second="__y__"),
    "c": node(first="a", second="b"),
    "unused": node(first="__x__"),
})


def run(runner_class: type[DaskGraphRunner], tmp_path: Path, inputs: dict[str, Any],
        targets: list[str]) -> tuple[dict[str, Any], list[str]]:
    runner = runner_class(SCHEMA, LocalModelStorage(tmp_path), ExecutionContext(SCHEMA))
    CALLS.clear()
    result = runner.run(inputs=inputs, targets=targets)
    return result, list(CALLS)


@pytest.mark.parametrize("targets", [["c"], ["b", "c"], ["a"]])
def test_the_same_results_from_each_node_called_once(tmp_path: Path,
                                                      targets: list[str]) -> None:
    inputs = {"__x__": 1, "__y__": 10}
    expected, dask_calls = run(DaskGraphRunner, tmp_path / "d", inputs, targets)
    result, calls = run(SequentialGraphRunner, tmp_path / "s", inputs, targets)
    assert result == expected
    assert sorted(calls) == sorted(dask_calls)
    assert len(calls) == len(set(calls))  # `a` once, `unused` never
    if targets == ["c"]:
        assert result == {"c": 1 + 11}


def test_a_failing_node_raises_what_dask_raises(tmp_path: Path) -> None:
    for runner_class in (DaskGraphRunner, SequentialGraphRunner):
        with pytest.raises(GraphComponentException, match="Error running graph component"):
            run(runner_class, tmp_path / runner_class.__name__, {"__x__": "boom", "__y__": 1},
                ["c"])


def test_an_input_named_like_a_node_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GraphRunError, match="clashes with a node name"):
        run(SequentialGraphRunner, tmp_path, {"__x__": "a", "__y__": 1}, ["c"])
