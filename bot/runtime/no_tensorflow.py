"""Keep TensorFlow out of a Rasa server whose model needs none (#21).

The model's graph uses no TensorFlow component (config.yml: linear classifiers, Memoization
and Rule policies), yet Rasa 3.6 imports TensorFlow anyway: `rasa.core.agent` reaches
`rasa.utils.train_utils`, which imports TensorFlow and Keras, and a few modules on that path
define Keras subclasses and `tf.function`s at import time. That import costs about 300 MiB
of memory per Rasa server (half of it) and 2 s of its start, for code that never runs.

`keep_out()` makes `import tensorflow` (and `keras`, `tensorflow_addons`, ...) give a
stand-in module instead. Import-time uses work: reading attributes, subclassing (the class
is a plain object subclass, never instantiated here), decorating (`@tf.function` returns
the function), calls made by module or class bodies. Anything that *runs* TensorFlow later,
from inside a function, raises `TensorFlowKeptOut`, which says what happened and what to
do, so a model that does need TensorFlow can never half-work on the stand-in.

Whether a model needs TensorFlow is read from its own metadata (the components of its
prediction graph), not from config.yml: `tensorflow_needed()` lists every component that is
neither ours (`bot.`: scikit-learn) nor one of Rasa's known TensorFlow-free classes. An
unknown component counts as needing it. BALAGH_TENSORFLOW=load always loads the real one.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import os
import sys
import tarfile
import types
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ENVIRONMENT = "BALAGH_TENSORFLOW"
# the packages served by the stand-in: TensorFlow and the packages that exist only on top
# of it (each imports TensorFlow first)
STAND_IN_ROOTS = frozenset(
    {"tensorflow", "keras", "tensorflow_addons", "tensorflow_hub", "tensorflow_text",
     "tensorflow_probability", "tensorflow_estimator", "tensorboard"}
)
# Rasa components that import no TensorFlow when they run (their modules import it only
# through Rasa's shared utilities, served by the stand-in)
TENSORFLOW_FREE_RASA = frozenset(
    {
        "rasa.core.policies.ensemble.DefaultPolicyPredictionEnsemble",
        "rasa.core.policies.memoization.MemoizationPolicy",
        "rasa.core.policies.memoization.AugmentedMemoizationPolicy",
        "rasa.core.policies.rule_policy.RulePolicy",
        "rasa.graph_components.converters.nlu_message_converter.NLUMessageConverter",
        "rasa.graph_components.providers.domain_provider.DomainProvider",
        "rasa.graph_components.providers.rule_only_provider.RuleOnlyDataProvider",
        "rasa.nlu.classifiers.fallback_classifier.FallbackClassifier",
        "rasa.nlu.classifiers.keyword_intent_classifier.KeywordIntentClassifier",
        "rasa.nlu.classifiers.logistic_regression_classifier.LogisticRegressionClassifier",
        "rasa.nlu.classifiers.regex_message_handler.RegexMessageHandler",
        "rasa.nlu.extractors.crf_entity_extractor.CRFEntityExtractor",
        "rasa.nlu.extractors.entity_synonyms.EntitySynonymMapper",
        "rasa.nlu.extractors.regex_entity_extractor.RegexEntityExtractor",
        "rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer.CountVectorsFeaturizer",
        "rasa.nlu.featurizers.sparse_featurizer.lexical_syntactic_featurizer.LexicalSyntacticFeaturizer",
        "rasa.nlu.featurizers.sparse_featurizer.regex_featurizer.RegexFeaturizer",
        "rasa.nlu.tokenizers.whitespace_tokenizer.WhitespaceTokenizer",
    }
)
OUR_PACKAGE = "bot."
# CO_OPTIMIZED: set on function code, not on module or class bodies
_FUNCTION_CODE = 0x1


class TensorFlowKeptOut(RuntimeError):
    """TensorFlow was asked to run in a process that was started without it."""


def _refuse(what: str) -> TensorFlowKeptOut:
    return TensorFlowKeptOut(
        f"{what}: TensorFlow is not loaded in this process, because the model's components "
        f"need none (bot/runtime/no_tensorflow.py). If the model does need it, this is a "
        f"bug in that check; {ENVIRONMENT}=load starts the server with the real TensorFlow."
    )


def _called_at_import(depth: int = 2) -> bool:
    """Whether the call comes from a module or class body (code run while importing)."""
    frame = sys._getframe(depth)
    return not frame.f_code.co_flags & _FUNCTION_CODE


class StandIn:
    """Any TensorFlow object, for code that is imported but never run."""

    __slots__ = ("_stand_in_name",)

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_stand_in_name", name)

    def __getattr__(self, attribute: str) -> StandIn:
        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(attribute)
        return StandIn(f"{self._stand_in_name}.{attribute}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not _called_at_import():
            raise _refuse(f"{self._stand_in_name}() was called")
        # `@tf.function` over a function or method: the function itself
        if len(args) == 1 and not kwargs and callable(args[0]) and not isinstance(args[0], StandIn):
            return args[0]
        return StandIn(f"{self._stand_in_name}()")

    def __mro_entries__(self, bases: tuple[Any, ...]) -> tuple[type, ...]:
        # `class RasaModel(tf.keras.models.Model)`: a plain class, never instantiated here
        return (object,)

    def __instancecheck__(self, instance: Any) -> bool:
        return False  # no TensorFlow object exists in this process

    def __subclasscheck__(self, subclass: Any) -> bool:
        return False

    def __getitem__(self, key: Any) -> StandIn:  # type hints: tf.Tensor[...]
        return self

    def __or__(self, other: Any) -> StandIn:  # type hints: tf.Tensor | None
        return self

    __ror__ = __or__

    def __bool__(self) -> bool:
        if not _called_at_import():
            raise _refuse(f"{self._stand_in_name} was tested")
        return True

    def __repr__(self) -> str:
        return f"<TensorFlow kept out: {self._stand_in_name}>"


class StandInModule(types.ModuleType):
    """A module of the stand-in package: every attribute is a `StandIn`."""

    def __getattr__(self, attribute: str) -> StandIn:
        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(attribute)
        return StandIn(f"{self.__name__}.{attribute}")


class StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves `StandInModule`s for TensorFlow's packages, and records what was asked for."""

    def __init__(self) -> None:
        self.served: list[str] = []

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname.partition(".")[0] not in STAND_IN_ROOTS:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = StandInModule(spec.name)
        module.__path__ = []  # a package: its submodules come here too
        module.__version__ = "0+kept-out"
        self.served.append(spec.name)
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def components_of(model: Path) -> list[str]:
    """The classes of the model's prediction graph, read from its metadata.json."""
    with tarfile.open(model, "r:gz") as archive:
        member = next(
            (m for m in archive.getmembers() if m.name.lstrip("/") == "metadata.json"), None
        )
        if member is None:
            raise ValueError(f"{model}: no metadata.json, not a Rasa 3 model")
        handle = archive.extractfile(member)
        assert handle is not None
        metadata = json.load(handle)
    return sorted({node["uses"] for node in metadata["predict_schema"]["nodes"].values()})


def tensorflow_needed(components: Iterable[str]) -> list[str]:
    """The components that may need TensorFlow (not ours, not known to be free of it)."""
    return [
        name for name in components
        if not name.startswith(OUR_PACKAGE) and name not in TENSORFLOW_FREE_RASA
    ]


def model_argument(argv: list[str]) -> Path | None:
    """The `--model`/`-m` argument of a `rasa run` command line, if any."""
    for index, argument in enumerate(argv):
        for option in ("--model", "-m"):
            if argument == option and index + 1 < len(argv):
                return Path(argv[index + 1])
            if argument.startswith(option + "="):
                return Path(argument.split("=", 1)[1])
    return None


def keep_out() -> StandInFinder:
    """Serve the stand-in for TensorFlow's packages from now on, in this process."""
    loaded = sorted(name for name in sys.modules if name.partition(".")[0] in STAND_IN_ROOTS)
    if loaded:
        raise RuntimeError(f"TensorFlow is already imported ({loaded[0]}): too late to keep it out")
    finder = StandInFinder()
    sys.meta_path.insert(0, finder)
    return finder


def keep_out_if_unneeded(model: Path | None) -> tuple[bool, str]:
    """Keep TensorFlow out when the setting allows it and `model` needs none.

    Returns whether it is kept out, and why (for the server's start-up line)."""
    setting = os.environ.get(ENVIRONMENT, "auto").strip().lower() or "auto"
    if setting not in ("auto", "load"):
        raise ValueError(f"{ENVIRONMENT} must be 'auto' or 'load', not {setting!r}")
    if setting == "load":
        return False, f"loaded ({ENVIRONMENT}=load)"
    if model is None or not model.is_file():
        return False, "loaded (no model file named on the command line to check)"
    needing = tensorflow_needed(components_of(model))
    if needing:
        return False, f"loaded (the model uses {', '.join(needing)})"
    keep_out()
    return True, "kept out (no component of the model needs it)"
