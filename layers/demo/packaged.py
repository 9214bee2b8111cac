"""Reading the YAML data files shipped inside this package, validated on load."""

from __future__ import annotations

from importlib.resources import files
from typing import TypeVar

import yaml
from pydantic import BaseModel

Model = TypeVar("Model", bound=BaseModel)


def read_packaged(name: str, model: type[Model]) -> Model:
    """Parse the package data file ``name`` (a path below ``layers/demo``) as ``model``.

    Raises:
        pydantic.ValidationError: the file does not match ``model`` (an unknown or
            missing key, a wrong type, a failed cross-check).
        yaml.YAMLError: the file is not valid YAML.
    """
    text = files("layers.demo").joinpath(name).read_text(encoding="utf-8")
    return model.model_validate(yaml.safe_load(text), context={"file": name})
