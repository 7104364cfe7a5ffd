"""bot/runtime/no_tensorflow.py: a Rasa server whose model needs no TensorFlow runs without it.

The import of Rasa on the stand-in runs in a subprocess (this one already has TensorFlow).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import pytest
import yaml

from bot.runtime import no_tensorflow
from bot.runtime.no_tensorflow import StandIn, TensorFlowKeptOut

ROOT = Path(__file__).resolve().parents[2]
OURS = ["bot.nlu.components.ArabicNormaliser", "bot.nlu.linear_intents.LinearIntentClassifier"]
RASA_FREE = [
    "rasa.core.policies.rule_policy.RulePolicy",
    "rasa.nlu.tokenizers.whitespace_tokenizer.WhitespaceTokenizer",
]
DIET = "rasa.nlu.classifiers.diet_classifier.DIETClassifier"


def a_model(path: Path, components: list[str]) -> Path:
    """A model archive with only the metadata.json that names `components` (as Rasa writes
    it: member names with a leading slash)."""
    nodes = {f"node{i}": {"uses": name} for i, name in enumerate(components)}
    data = json.dumps({"predict_schema": {"nodes": nodes}}).encode()
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("/metadata.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


def test_components_are_read_from_the_models_metadata(tmp_path: Path) -> None:
    model = a_model(tmp_path / "m.tar.gz", [*RASA_FREE, *OURS, RASA_FREE[0]])
    assert no_tensorflow.components_of(model) == sorted({*RASA_FREE, *OURS})


def test_ours_and_known_rasa_components_need_none_the_rest_may() -> None:
    assert no_tensorflow.tensorflow_needed([*OURS, *RASA_FREE]) == []
    assert no_tensorflow.tensorflow_needed([*OURS, DIET]) == [DIET]
    unknown = "somebody.else.Component"
    assert no_tensorflow.tensorflow_needed([unknown]) == [unknown]


def test_the_projects_pipeline_and_policies_need_none() -> None:
    """config.yml names every component by its short name: each is ours or known to be free."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [entry["name"] for entry in config["pipeline"] + config["policies"]]
    free_short = {path.rsplit(".", 1)[1] for path in no_tensorflow.TENSORFLOW_FREE_RASA}
    assert [n for n in names if not n.startswith("bot.") and n not in free_short] == []


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "--model", "models/a.tar.gz", "--port", "1"], Path("models/a.tar.gz")),
        (["run", "-m", "b.tar.gz"], Path("b.tar.gz")),
        (["run", "--model=c.tar.gz"], Path("c.tar.gz")),
        (["run", "--port", "1"], None),
    ],
)
def test_the_model_argument_of_rasa_run(argv: list[str], expected: Path | None) -> None:
    assert no_tensorflow.model_argument(argv) == expected


def test_a_model_with_diet_or_the_setting_load_gets_the_real_tensorflow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    diet = a_model(tmp_path / "diet.tar.gz", [*OURS, DIET])
    kept, why = no_tensorflow.keep_out_if_unneeded(diet)
    assert not kept and DIET in why
    free = a_model(tmp_path / "free.tar.gz", OURS)
    monkeypatch.setenv(no_tensorflow.ENVIRONMENT, "load")
    assert no_tensorflow.keep_out_if_unneeded(free) == (False, "loaded (BALAGH_TENSORFLOW=load)")
    monkeypatch.setenv(no_tensorflow.ENVIRONMENT, "maybe")
    with pytest.raises(ValueError, match="'auto' or 'load'"):
        no_tensorflow.keep_out_if_unneeded(free)


def test_too_late_once_tensorflow_is_imported() -> None:
    pytest.importorskip("tensorflow")
    with pytest.raises(RuntimeError, match="already imported"):
        no_tensorflow.keep_out()


def test_the_stand_in_serves_imports_and_refuses_to_run() -> None:
    tf = StandIn("tensorflow")

    class Model(tf.keras.models.Model):  # a class body: allowed
        @tf.function(jit_compile=True)
        def call(self, x: tf.Tensor) -> tf.Tensor | None:
            return x

    assert Model.__mro__ == (Model, object)
    assert Model().call(3) == 3  # the decorator gave the function back
    assert not isinstance(3, tf.Tensor)
    with pytest.raises(TensorFlowKeptOut, match=r"tensorflow\.constant\(\) was called.*=load"):
        tf.constant(1)
    with pytest.raises(TensorFlowKeptOut, match="was tested"):
        bool(tf.executing_eagerly)


def test_rasa_loads_on_the_stand_in_and_tensorflow_is_never_imported(tmp_path: Path) -> None:
    """What the Rasa server imports (the agent, the server, every TensorFlow-free component
    listed) imports on the stand-in, and no real TensorFlow module is loaded. Fails when a
    Rasa upgrade needs more of TensorFlow at import time than the stand-in gives."""
    script = textwrap.dedent(
        f"""
        import importlib, sys, types
        from bot.runtime import no_tensorflow
        finder = no_tensorflow.keep_out()
        import rasa.core.agent, rasa.server, rasa.core.run, rasa.__main__
        for path in {sorted(no_tensorflow.TENSORFLOW_FREE_RASA)!r}:
            module, _, name = path.rpartition(".")
            getattr(importlib.import_module(module), name)
        real = [n for n, m in sys.modules.items()
                if n.partition(".")[0] in no_tensorflow.STAND_IN_ROOTS
                and not isinstance(m, no_tensorflow.StandInModule)]
        print("REAL", real)
        print("SERVED", "tensorflow" in finder.served)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "REAL []" in result.stdout
    assert "SERVED True" in result.stdout
