"""The demo's synthetic outfall histories: stage on the release day, order in time, a mix."""

from collections import Counter
from datetime import date

from layers.demo.outfall_histories import LAST_DAY, histories
from layers.store.models import OUTFALL_STAGES

RELEASE_DAY = date(2024, 1, 1)


def test_histories_reach_the_layer_status_on_the_release_day_and_go_forward_in_time():
    outfalls = [(f"PWK{i:04d}", OUTFALL_STAGES[i % 5]) for i in range(500)]
    events = histories(outfalls, RELEASE_DAY)
    by_code: dict[str, list] = {}
    for e in events:
        by_code.setdefault(e.code, []).append(e)
    for code, status in outfalls:
        mine = by_code[code]
        assert [e.stage for e in mine] == list(OUTFALL_STAGES[: len(mine)])
        assert [e.date for e in mine] == sorted(e.date for e in mine)
        before = [e for e in mine if e.date < RELEASE_DAY]
        assert before[-1].stage == status
        assert all(e.date <= LAST_DAY for e in mine)
        assert all("合成" in e.document for e in mine)
    closed = Counter(by_code[c][-1].stage == "销号" for c, _ in outfalls)
    assert 0.5 < closed[True] / len(outfalls) < 0.95  # most closed, some not
    assert histories(outfalls[:3], RELEASE_DAY) == histories(outfalls[:3], RELEASE_DAY)


def test_an_outfall_without_status_is_surveyed_after_the_release_day():
    events = histories([(f"PWK9{i:03d}", None) for i in range(50)], RELEASE_DAY)
    firsts = {e.code: e for e in reversed(events)}
    assert len(firsts) > 30  # most get surveyed after all (late)
    assert all(e.stage == "排查" and e.date > RELEASE_DAY for e in firsts.values())
