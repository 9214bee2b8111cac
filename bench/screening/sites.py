"""Random sites over Jiangsu for the screen-batch benchmark (deterministic per seed).

uv run python bench/screening/sites.py /tmp/scratch/sites.csv [--n 10000] [--seed 42]
"""

from __future__ import annotations

import argparse
import csv
import random

INDUSTRIES = ["化工", "电镀", "钢铁", "印染", "制革", "食品", "其他"]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    with open(a.out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["name", "lon", "lat", "industry", "kind"])
        for i in range(a.n):
            lon, lat = round(rnd.uniform(116.02, 122.48), 6), round(rnd.uniform(30.72, 35.18), 6)
            w.writerow(
                [
                    f"site {i}",
                    lon,
                    lat,
                    rnd.choice(INDUSTRIES),
                    rnd.choice(["新建", "扩建", "改建"]),
                ]
            )


if __name__ == "__main__":
    main()
