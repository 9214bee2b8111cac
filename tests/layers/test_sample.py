"""The real sample loads, and its facts hold (Yangtze at Jiangyin, 江阴's air stations)."""

from datetime import date

from sqlalchemy import text

from layers.ingest.sample import load_sample


def test_sample_loads_once_and_has_the_yangtze_at_jiangyin(db_session, realdata):
    reports = load_sample(db_session, realdata, valid_from=date(2024, 1, 1))
    assert {r.collection for r in reports} == {
        "water_bodies",
        "admin_divisions",
        "monitoring_stations",
    }
    assert all(r.rejected == 0 for r in reports)
    assert load_sample(db_session, realdata) == []  # second run: nothing new
    mainstem = db_session.execute(
        text(
            "SELECT count(*) FROM water_bodies WHERE yangtze_class = 'mainstem' "
            "AND ST_Intersects(geom, ST_SetSRID(ST_Point(120.27, 31.955), 4326))"
        )
    ).scalar_one()
    assert mainstem == 1
    jiangyin = db_session.execute(
        text(
            "SELECT array_agg(s.code ORDER BY s.code), round(a.area_m2 / 1e6) FROM admin_divisions a "
            "JOIN monitoring_stations s ON ST_Contains(a.geom, s.geom) WHERE a.adcode = '320281' GROUP BY a.area_m2"
        )
    ).one()
    assert jiangyin[0] == ["1999A", "2000A", "2001A"]
    assert 980 <= jiangyin[1] <= 1000  # 989 km² measured on the Tianditu boundary
    # 1999A is 1.63 km from the NGCC 长江 polygon (geodesic)
    d = db_session.execute(
        text(
            "SELECT min(ST_Distance(w.geom::geography, s.geom::geography)) FROM water_bodies w, monitoring_stations s "
            "WHERE w.name = '长江' AND s.code = '1999A'"
        )
    ).scalar_one()
    assert abs(d - 1630) < 20
