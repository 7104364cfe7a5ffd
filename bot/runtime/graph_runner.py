"""Rasa's prediction graph run in plain Python instead of through dask (#21).

Rasa 3.6 runs the NLU pipeline and the policies of every turn (a graph of 8 to 12 nodes)
with `dask.get`: a dask task graph built per run, scheduled and executed by dask's local
scheduler. For graphs this small that is a third of the time outside the nodes themselves.
`SequentialGraphRunner` is DaskGraphRunner with `run` replaced: the same nodes, the same
inputs (each passed as the `(name, value)` pair dask would pass), each needed node called
once, dependencies first, and the minimal schema of a set of targets worked out once.

Rasa picks its runner by name in `rasa.core.processor` (no setting): the `sequential`
change of bot/runtime/rasa_tuning.py swaps this class in there, guarded like the others.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner


class SequentialGraphRunner(DaskGraphRunner):
    """DaskGraphRunner that calls the nodes itself, in dependency order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[tuple[str, ...], GraphSchema] = {}

    def _minimal_schema(self, targets: list[str]) -> GraphSchema:
        key = tuple(targets)
        schema = self._schemas.get(key)
        if schema is None:
            schema = self._schemas[key] = self._graph_schema.minimal_graph_schema(targets)
        return schema

    def run(
        self,
        inputs: dict[str, Any] | None = None,
        targets: list[str] | None = None,
    ) -> dict[str, Any]:
        run_targets = targets if targets else self._graph_schema.target_names
        schema = self._minimal_schema(run_targets)
        graph = self._build_dask_graph(schema)
        if inputs:
            self._add_inputs_to_graph(inputs, graph)  # the same clash check as dask's
        done: dict[str, Any] = {}

        def result(name: str) -> Any:
            if name in done:
                return done[name]
            task = graph[name]
            if inputs and name in inputs:
                value = task  # dask passes an input as the literal (name, value) pair
            else:
                node, *needs = task
                value = node(*(result(need) for need in needs))
            done[name] = value
            return value

        try:
            return dict(result(target) for target in run_targets)
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
