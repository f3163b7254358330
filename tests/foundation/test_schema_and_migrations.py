"""schema.graphql and the migrations stay in step with the code."""

import subprocess
import sys
from pathlib import Path

from src.schema import SCHEMA_FILE, export_schema_sdl

PASAR = str(Path(sys.executable).parent / "pasar")


def test_schema_file_is_current() -> None:
    assert SCHEMA_FILE.exists(), "run `pasar export-schema`"
    assert SCHEMA_FILE.read_text() == export_schema_sdl(), "schema.graphql is stale: run `pasar export-schema`"


def test_models_and_migrations_do_not_drift() -> None:
    # In a separate process: initialising the models for another database would rebind the session's models.
    result = subprocess.run([PASAR, "check-migrations"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "match" in result.stdout


def test_a_model_change_without_migration_is_detected(tmp_path: Path) -> None:
    # The same check, fed a model the migrations do not know, must fail.
    module = tmp_path / "extra_models.py"
    module.write_text(
        "from tortoise import fields\nfrom tortoise.models import Model\n\n"
        "class Unmigrated(Model):\n    id = fields.IntField(primary_key=True)\n"
    )
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import src.db as d; d.MODEL_MODULES.append('extra_models');"
        "from src.cli import main; main(['check-migrations'])"
    )
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "Unmigrated" in result.stderr


def test_model_descriptions_have_no_semicolons() -> None:
    # Tortoise's SQLite migrations split statements on ";", and table comments come from model docstrings.
    import importlib
    import inspect

    from tortoise.models import Model

    from src import db

    for module_name in db.MODEL_MODULES:
        module = importlib.import_module(module_name)
        for name, model in inspect.getmembers(module, inspect.isclass):
            if issubclass(model, Model) and model.__module__ == module_name:
                assert ";" not in (model.__doc__ or ""), name
