"""The cql2-text grammar patch is checked at start-up: a pygeofilter it does not fit stops the app."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import ApiSettings
from layers.reads import cql
from layers.store.db import DatabaseSettings


def test_the_installed_grammar_takes_the_patch():
    cql.check_filter_parser()  # raises if S_DWITHIN_M or '' escapes do not parse
    tree = cql.parse_filter("S_DWITHIN_M(geom, POINT(1 2), 3)")
    assert tree.name == "s_dwithin_m"


def test_a_grammar_without_the_patched_rules_is_refused():
    with pytest.raises(cql.FilterGrammarError, match="spatial_predicate"):
        cql.patched_grammar('?predicate: comparison_predicate\nSINGLE_QUOTED: "\'" /.*?/ "\'"\n')


def test_a_grammar_whose_patch_does_not_take_stops_start_up(monkeypatch):
    # an edit that applies but leaves S_DWITHIN_M out of the grammar
    monkeypatch.setattr(
        cql,
        "GRAMMAR_EDITS",
        (cql.GRAMMAR_EDITS[1], ("          | spatial_predicate\n",) * 2),
    )
    cql._text_parser.cache_clear()
    app = create_app(
        ApiSettings(_env_file=None),
        DatabaseSettings(url="postgresql://nobody@127.0.0.1:1/none", _env_file=None),
    )
    try:
        with pytest.raises(cql.FilterGrammarError), TestClient(app):
            pass
    finally:
        cql._text_parser.cache_clear()
