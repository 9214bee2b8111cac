"""`.env.example` names every setting of every settings class, with the default the code has."""

import importlib
import pkgutil
from pathlib import Path
from typing import Any

from pydantic import AliasChoices
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("api", "layers", "web", "gis")


def _settings_classes() -> list[type[BaseSettings]]:
    """Every ``BaseSettings`` subclass defined in the project's packages."""
    found: dict[str, type[BaseSettings]] = {}
    for package in PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            if info.name == "api.main":  # builds the app; its settings are api.settings'
                continue
            module = importlib.import_module(info.name)
            for obj in vars(module).values():
                if (
                    isinstance(obj, type)
                    and issubclass(obj, BaseSettings)
                    and obj.__module__ == module.__name__
                ):
                    found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return [found[k] for k in sorted(found)]


def _env_name(cls: type[BaseSettings], name: str) -> str:
    """The variable a field is read from: its first alias, else prefix + name."""
    alias = cls.model_fields[name].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    if isinstance(alias, str):
        return alias
    return (cls.model_config.get("env_prefix", "") + name).upper()


def _fields(monkeypatch) -> dict[str, tuple[type[BaseSettings], str]]:
    """Each setting's environment name, its class and field (with nothing set)."""
    out: dict[str, tuple[type[BaseSettings], str]] = {}
    for cls in _settings_classes():
        for name in cls.model_fields:
            env = _env_name(cls, name)
            monkeypatch.delenv(env, raising=False)
            out[env] = (cls, name)
    return out


def test_the_settings_classes_are_found():
    names = {cls.__name__ for cls in _settings_classes()}
    assert {"ApiSettings", "DatabaseSettings", "QueueSettings", "RasterSettings"} <= names


def test_every_setting_is_listed_with_its_default(monkeypatch):
    fields = _fields(monkeypatch)
    defaults: dict[str, Any] = {
        env: getattr(cls(_env_file=None), name) for env, (cls, name) in fields.items()
    }
    listed = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            listed[name] = value
    assert sorted(listed) == sorted(defaults)
    for name, value in listed.items():
        monkeypatch.setenv(name, value)
    for env, (cls, name) in fields.items():
        assert getattr(cls(_env_file=None), name) == defaults[env], env
