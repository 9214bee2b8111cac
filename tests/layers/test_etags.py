"""Entity-tag matching of If-Match (strong) and If-None-Match (weak), RFC 9110 §13.1."""

from __future__ import annotations

import pytest

from layers.store.etags import etag_matches

TAG = '"0123abcd"'


@pytest.mark.parametrize(
    "field_value",
    [TAG, "*", " * ", f'"other", {TAG}', f'"a,b",{TAG}', f'  {TAG}  ,"x"'],
)
def test_etag_matches_strong_tags_in_a_list_or_star(field_value):
    assert etag_matches(field_value, TAG, weak=False)
    assert etag_matches(field_value, TAG, weak=True)


@pytest.mark.parametrize("field_value", ['"other"', "0123abcd", '"0123abcd', "", '"a,b"'])
def test_etag_does_not_match_other_or_malformed_tags(field_value):
    assert not etag_matches(field_value, TAG, weak=False)
    assert not etag_matches(field_value, TAG, weak=True)


def test_etag_weak_comparison_ignores_w_prefix_on_either_side():
    assert etag_matches(f"W/{TAG}", TAG, weak=True)
    assert etag_matches(TAG, f"W/{TAG}", weak=True)
    assert etag_matches(f'"x", W/{TAG}', f"W/{TAG}", weak=True)


def test_etag_strong_comparison_never_matches_a_weak_tag():
    assert not etag_matches(f"W/{TAG}", TAG, weak=False)
    assert not etag_matches(TAG, f"W/{TAG}", weak=False)
    assert not etag_matches(f"W/{TAG}", f"W/{TAG}", weak=False)
    assert etag_matches("*", f"W/{TAG}", weak=False)
