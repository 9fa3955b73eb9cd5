"""The folder tree is the architecture: layers, no circles, true DVC deps, small modules."""

from __future__ import annotations

import ast

import pytest
import yaml

from pipelines.core.errors import StageError
from pipelines.core.settings import Settings, load_settings

from .helpers.imports import (
    PACKAGE,
    ROOT,
    all_modules,
    direct_imports,
    has_code,
    module_path,
    required_deps,
    stage_entry_modules,
)

# Each layer may import itself and the layers listed for it, nothing above.
ALLOWED = {
    "core": {"core"},
    "engines": {"core", "engines"},
    "tagging": {"core", "engines", "tagging"},
    "labelstudio": {"core", "tagging", "labelstudio"},
    "publish": {"core", "tagging", "publish"},  # human work arrives as core.reviews records
    "training": {"core", "training"},
    "evaluation": {"core", "engines", "training", "evaluation"},
    "run": {"core", "run"},  # executors, warm server, incremental state, fingerprints, command runner
    "stages": {"core", "run", "engines", "tagging", "publish", "training"},  # Label Studio: CLI commands only
    "cli": {"core", "run", "engines", "tagging", "labelstudio", "publish", "training", "evaluation", "stages", "cli"},
}


# engines/ by concern: which sub-packages each may import (deliberate, few edges). NER reads the
# gloss's dictionary (a word's translations are a feature), nothing else of translation.
ENGINE_GROUPS = {
    "text": {"text"},
    "vectors": {"vectors"},
    "translate": {"translate", "vectors", "text"},
    "align": {"align", "vectors", "text"},
    "ner": {"ner", "vectors", "text", "translate.gloss"},
}


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "package"


def test_every_module_belongs_to_a_layer() -> None:
    assert {layer(m) for m in all_modules()} <= {*ALLOWED, "package"}


def test_layers_import_only_downwards() -> None:
    wrong = [
        f"{module} imports {imported}"
        for module in all_modules()
        if layer(module) in ALLOWED
        for imported in direct_imports(module)
        if layer(imported) not in ALLOWED[layer(module)]
    ]
    assert wrong == []


def test_engines_are_grouped_by_concern_and_import_each_other_deliberately() -> None:
    modules = [m for m in all_modules() if layer(m) == "engines"]
    engines = [m for m in modules if len(m.split(".")) == 4]  # pipelines.engines.<group>.<module>
    loose = [m for m in modules if len(m.split(".")) > 3 and m not in engines]
    assert loose == [] and [p.name for p in (PACKAGE / "engines").glob("*.py")] == ["__init__.py"]
    assert {m.split(".")[2] for m in engines} == set(ENGINE_GROUPS)
    wrong = []
    for module in engines:
        group = module.split(".")[2]
        for imported in direct_imports(module):
            parts = imported.split(".")
            if layer(imported) != "engines" or parts[2] == group:
                continue
            if parts[2] not in ENGINE_GROUPS[group] and ".".join(parts[2:4]) not in ENGINE_GROUPS[group]:
                wrong.append(f"{module} imports {imported}")
    assert wrong == []
    for group in ENGINE_GROUPS:  # each sub-package says what it holds
        assert has_docstring(PACKAGE / "engines" / group / "__init__.py"), group


def test_no_stage_imports_another_stage() -> None:
    stages = [m for m in all_modules() if layer(m) == "stages"]
    wrong = [f"{m} imports {i}" for m in stages for i in direct_imports(m) if layer(i) == "stages"]
    assert wrong == []


def test_no_import_circles() -> None:
    """Depth-first search over every import (top level and inside functions)."""
    state: dict[str, str] = {}
    circles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for imported in sorted(direct_imports(module)):
            if state.get(imported) == "open":
                circles.append([*path[path.index(imported) :], imported])
            elif imported not in state:
                visit(imported, [*path, imported])
        state[module] = "done"

    for module in all_modules():
        if module not in state:
            visit(module, [module])
    assert circles == []


def test_dvc_deps_list_every_imported_module_and_data_file() -> None:
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    missing = {}
    for name, module in stage_entry_modules().items():
        stage = stages[name].get("do") or stages[name]
        listed = set(stage["deps"])
        covered = {dep for dep in required_deps(module) if not any(dep == d or dep.startswith(d + "/") for d in listed)}
        if covered:
            missing[name] = sorted(covered)
        stale = [d for d in listed if d.startswith("pipelines/") and not (ROOT / d).exists()]
        assert stale == [], f"{name}: deps name files that do not exist"
    assert missing == {}


def test_the_deps_check_sees_data_files_and_deep_imports() -> None:
    tag_deps = required_deps("pipelines.stages.tag")
    assert "pipelines/tagging/data/event_rules.yaml" in tag_deps
    assert "pipelines/engines/translate/gloss.py" in tag_deps  # imported through tagging.entities
    assert "pipelines/publish/templates/dataset_card.md" in required_deps("pipelines.stages.export")


# Label Studio's own JSON (results, regions, exports) is read and written only in labelstudio/
LABEL_STUDIO_JSON = ('"from_name"', '"to_name"', '"from_id"', '"was_cancelled"')


def test_label_studio_json_stays_in_its_layer() -> None:
    outside = {
        str(p.relative_to(ROOT)): [key for key in LABEL_STUDIO_JSON if key in p.read_text()]
        for p in PACKAGE.rglob("*.py")
        if "labelstudio" not in p.parts
    }
    assert {path: keys for path, keys in outside.items() if keys} == {}


def has_docstring(path) -> bool:
    return bool(ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))))


def test_modules_stay_small() -> None:
    long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}


def test_one_name_per_class() -> None:
    """One concept, one home: two classes of one name (two ``Candidate``s, two ``Coding``s) were
    two concepts a reader took for one."""
    import ast

    homes: dict[str, list[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef):
                homes.setdefault(node.name, []).append(str(path.relative_to(ROOT)))
    assert {name: where for name, where in homes.items() if len(where) > 1} == {}


def test_records_travel_typed() -> None:
    """An alignment's candidates are one record type from the aligner to the task, the rows and
    the report; a tagger's event becomes the review's coded event in one conversion."""
    from pipelines.core.records import Alignment, AlignmentCandidate, CandidateTarget

    assert Alignment.model_fields["candidates"].annotation == list[AlignmentCandidate]
    assert Alignment.model_fields["best_candidate"].annotation == CandidateTarget | None
    sources = {p: p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py")}
    built = sorted(str(p.relative_to(ROOT)) for p, text in sources.items() if "CodedEvent(" in text)
    # the conversion from a tagger's Event, and the one from a Label Studio result
    assert built == ["pipelines/core/reviews.py", "pipelines/labelstudio/results.py"]


def test_package_init_files_hold_no_code() -> None:
    """They are skipped when deriving deps, which is right only while they hold just a docstring."""
    with_code = [str(p) for p in PACKAGE.rglob("__init__.py") if has_code(p)]
    assert with_code == []


def test_settings_come_only_from_typed_models() -> None:
    sources = {p: p.read_text() for p in PACKAGE.rglob("*.py")}
    untyped = [str(p) for p, text in sources.items() if "params.get(" in text or "stage_params(" in text]
    assert untyped == []
    assert module_path("pipelines.core.settings") is not None


def test_params_file_matches_the_settings_models() -> None:
    settings = load_settings(ROOT / "params.yaml")
    raw = yaml.safe_load((ROOT / "params.yaml").read_text())
    assert set(raw) == set(Settings.model_fields)
    for section, values in raw.items():
        assert set(values) <= set(type(getattr(settings, section)).model_fields), section


def test_unknown_or_bad_settings_are_named(tmp_path) -> None:
    path = tmp_path / "params.yaml"
    path.write_text("align:\n  treshold: 1.2\n")
    with pytest.raises(StageError, match=r"params\.yaml: align\.treshold: unknown key"):
        load_settings(path)
    path.write_text("translate:\n  beam_size: many\n")
    with pytest.raises(StageError, match=r"translate\.beam_size: Input should be a valid integer"):
        load_settings(path)
    path.write_text("segment:\n  engine: magic\n")
    with pytest.raises(StageError, match=r"segment\.engine"):
        load_settings(path)


def test_relative_paths_resolve_against_the_params_file(tmp_path) -> None:
    (tmp_path / "params.yaml").write_text("translate:\n  cache_path: .cache/t.sqlite\n")
    settings = load_settings(tmp_path / "params.yaml")
    assert settings.translate.cache_path == tmp_path / ".cache" / "t.sqlite"
    assert settings.align.cache_path == tmp_path / ".cache" / "embeddings.sqlite"


def test_every_stage_declares_its_contract_as_dvc_yaml_has_it() -> None:
    """Data deps, outs, metrics, plots and params: declared once in the stage's module
    (``CONTRACT``), and ``dvc.yaml`` must say the same (code deps are checked from the imports)."""
    import importlib

    from pipelines.run.contract import StageContract

    def paths(entries: list) -> list[str]:
        return [next(iter(e)) if isinstance(e, dict) else e for e in entries or []]

    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    contracts = {}
    for module_file in sorted((ROOT / "pipelines" / "stages").glob("*.py")):
        module = importlib.import_module(f"pipelines.stages.{module_file.stem}")
        contract = getattr(module, "CONTRACT", None)
        if isinstance(contract, StageContract):
            contracts[contract.name] = contract
    assert set(contracts) == set(stages)
    for name, stage in stages.items():
        declared = {
            "deps": [d for d in paths(stage.get("deps")) if not d.startswith("pipelines/")],
            "outs": paths(stage.get("outs")),
            "metrics": paths(stage.get("metrics")),
            "plots": paths(stage.get("plots")),
            "params": stage.get("params") or [],
        }
        assert contracts[name].as_dvc() == declared, name


PATH_ANNOTATIONS = {"Path", "Path | None", "list[Path]"}


def test_every_stage_runs_in_one_shape() -> None:
    """``run(inputs…, outputs…, settings, *, options…) -> figures``: paths first, then the stage's
    settings (a stage without parameters has none), then keyword-only options with defaults."""
    import importlib
    import inspect

    wrong = {}
    for module_file in sorted((ROOT / "pipelines" / "stages").glob("*.py")):
        if module_file.name == "__init__.py":
            continue
        run = importlib.import_module(f"pipelines.stages.{module_file.stem}").run
        parameters = list(inspect.signature(run).parameters.values())
        positional = [p for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
        options = [p for p in parameters if p.kind is p.KEYWORD_ONLY]
        paths = positional[:-1] if str(positional[-1].annotation).endswith("Settings") else positional
        problems = [f"{p.name}: {p.annotation}" for p in paths if p.annotation not in PATH_ANNOTATIONS]
        problems += [f"{p.name}: keyword-only options need a default" for p in options if p.default is p.empty]
        problems += ["other parameter kinds"] if len(positional) + len(options) != len(parameters) else []
        problems += [] if str(inspect.signature(run).return_annotation).startswith("dict[") else ["returns no figures"]
        if problems:
            wrong[module_file.stem] = problems
    assert wrong == {}


def test_translation_engines_come_from_one_registry_that_the_settings_name() -> None:
    """`translate.engine` accepts exactly the registered engines (plus auto); no if-chain on names."""
    from typing import get_args

    from pipelines.core.settings import TranslateSettings
    from pipelines.engines.translate import translators

    assert set(get_args(TranslateSettings.model_fields["engine"].annotation)) == {"auto", *translators.ENGINES}
    source = module_path("pipelines.engines.translate.translators").read_text(encoding="utf-8")
    assert 'kind == "' not in source and "kind == '" not in source


def test_ner_learners_come_from_one_registry_that_the_settings_name() -> None:
    """`train_ner.learner` accepts exactly the registered learners; their files and how the tag
    stage runs their models are keyed by the same names; no if-chain on a learner's name."""
    from typing import get_args

    from pipelines.core.settings import TrainNerSettings
    from pipelines.engines.ner import learners, ner_model, tagger

    names = set(get_args(TrainNerSettings.model_fields["learner"].annotation))
    assert names == set(learners.LEARNERS) == set(ner_model.LEARNER_FILES) == set(tagger.RUNNERS)
    chains = [str(p) for p in PACKAGE.rglob("*.py") if 'learner == "' in p.read_text(encoding="utf-8")]
    assert chains == []
