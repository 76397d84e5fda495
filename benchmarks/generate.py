"""Generate realistic SYNTHETIC bill-of-lading manifests for the scale benchmark.

Run:  python -m benchmarks.generate --rows 1000000 -o /tmp/chainscreen-bench/bol_1e6.csv

Every row is made up; nothing here is a real shipment. What is realistic is the shape:

* supplier names built from the parts trade data is full of (a place, a trade name, an activity
  word, a legal form: "Ningbo Golden Sun Textile Co., Ltd.", "Dhaka Apex Knitwear Ltd"), written
  the way bills of lading write them (upper case, punctuation dropped, cut at 35 characters);
* a share (0.5 % of suppliers by default) of REAL entity-list entries (UFLPA Entity List, CBP
  withhold release orders, from ``reference/``) spelt as trade data spells them, so the
  benchmark screens real hits, not only misses;
* a skewed supplier frequency (Zipf-like, exponent 1.1): a few suppliers ship most rows, as in
  real customs data; each supplier has a fixed country, address and one to three product lines;
* a few messy rows: blank origin, HS codes with letters, negative values, several date formats.

Formats: csv (default), parquet, jsonl (from the file extension).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

#: Distinct suppliers per manifest size: 10^6 rows have about 50,000, as in the targets.
SUPPLIERS = {10_000: 2_000, 100_000: 12_000, 1_000_000: 50_000, 10_000_000: 150_000}

PLACES = {
    "CN": ["Ningbo", "Shenzhen", "Guangzhou", "Qingdao", "Xiamen", "Shaoxing", "Wuxi", "Dongguan",
           "Hangzhou", "Suzhou", "Jiangsu", "Zhejiang", "Foshan", "Yiwu", "Tianjin"],
    "VN": ["Hanoi", "Saigon", "Binh Duong", "Dong Nai", "Hai Phong", "Da Nang"],
    "BD": ["Dhaka", "Chittagong", "Gazipur", "Narayanganj"],
    "IN": ["Tirupur", "Mumbai", "Ludhiana", "Chennai", "Surat", "Panipat", "Jaipur"],
    "TR": ["Istanbul", "Bursa", "Denizli", "Izmir", "Gaziantep"],
    "MX": ["Monterrey", "Guadalajara", "Tijuana", "Puebla"],
    "MY": ["Penang", "Kuala Lumpur", "Johor", "Selangor"],
    "PK": ["Karachi", "Lahore", "Faisalabad", "Sialkot"],
    "ID": ["Jakarta", "Bandung", "Surabaya", "Semarang"],
    "TH": ["Bangkok", "Chonburi", "Rayong"],
    "US": ["Dallas", "Atlanta", "Charlotte", "Los Angeles"],
    "DE": ["Hamburg", "Bielefeld", "Stuttgart"],
    "IT": ["Prato", "Biella", "Como"],
    "KH": ["Phnom Penh", "Kampong Speu"],
    "BR": ["Sao Paulo", "Santa Catarina", "Curitiba"],
}
COUNTRY_WEIGHTS = {"CN": 40, "VN": 12, "BD": 6, "IN": 9, "TR": 4, "MX": 6, "MY": 4, "PK": 3,
                   "ID": 4, "TH": 3, "US": 3, "DE": 2, "IT": 2, "KH": 1, "BR": 1}
COUNTRY_SPELLINGS = {"CN": ["CN", "China", "CHINA", "PRC", "CHN"], "VN": ["VN", "Vietnam", "VIET NAM"],
                     "BD": ["BD", "Bangladesh"], "IN": ["IN", "India"], "TR": ["TR", "Turkey", "Türkiye"],
                     "MX": ["MX", "Mexico"], "MY": ["MY", "Malaysia"], "PK": ["PK", "Pakistan"],
                     "ID": ["ID", "Indonesia"], "TH": ["TH", "Thailand"], "US": ["US", "USA"],
                     "DE": ["DE", "Germany"], "IT": ["IT", "Italy"], "KH": ["KH", "Cambodia"],
                     "BR": ["BR", "Brazil"]}
CORES = ("Golden Sun", "Sunrise", "Pacific", "Evergreen", "Great Wall", "Orient", "Apex", "Lotus",
         "Silver Star", "Bright", "Harmony", "Everest", "Kingdom", "Prosperity", "Jade", "Phoenix",
         "Blue Ocean", "Fortune", "Victory", "Unity", "Crown", "Delta", "Summit", "Heng Li",
         "Hua Fu", "Xin Yuan", "Tian Cheng", "Jin Long", "Hong Da", "Minh Phat", "Thanh Cong",
         "Anh Duong", "Rahman", "Karim", "Shanti", "Lakshmi", "Ganesh", "Anadolu", "Yildiz",
         "Ozdemir", "Aztec", "Del Norte", "Sinar", "Mitra", "Siam", "Chao Phraya", "Indus",
         "Crescent", "Meridian", "Nova", "Atlas", "Zenith", "Horizon", "Vertex", "Falcon")
ACTIVITIES = ("Textile", "Garment", "Apparel", "Knitwear", "Home Textiles", "Electronics",
              "Plastic Products", "Hardware", "Furniture", "Footwear", "Toys", "Trading",
              "Import and Export", "Industrial", "Packaging", "Lighting", "Ceramics", "Solar")
LEGAL = {"CN": ["Co., Ltd.", "Co Ltd", "Company Limited", "Co.,Ltd"], "VN": ["Co., Ltd", "JSC"],
         "BD": ["Ltd", "Limited"], "IN": ["Pvt Ltd", "Private Limited", "Exports"],
         "TR": ["A.S.", "San. ve Tic. A.S."], "MX": ["S.A. de C.V."], "MY": ["Sdn Bhd"],
         "PK": ["(Pvt) Ltd"], "ID": ["PT", "Tbk"], "TH": ["Co., Ltd."], "US": ["Inc", "LLC"],
         "DE": ["GmbH"], "IT": ["S.r.l.", "S.p.A."], "KH": ["Co., Ltd."], "BR": ["Ltda"]}
# (description, HS code) product lines; descriptions as shippers write them
PRODUCTS = [
    ("COTTON T-SHIRTS KNITTED", "6109.10"), ("MENS WOVEN COTTON TROUSERS", "6203.42"),
    ("100% COTTON YARN", "5205.12"), ("POLYSILICON", "2804.61"), ("SOLAR PANELS", "8541.43"),
    ("LADIES KNIT SWEATERS", "6110.20"), ("BED LINEN COTTON", "6302.31"), ("TOMATO PASTE", "2002.90"),
    ("PLASTIC TOYS", "9503.00"), ("LED LAMPS", "8539.52"), ("FOOTWEAR RUBBER SOLES", "6404.19"),
    ("STEEL NAILS", "7317.00"), ("WOODEN FURNITURE", "9403.60"), ("CERAMIC TABLEWARE", "6912.00"),
    ("FROZEN SHRIMP", "0306.17"), ("CANNED TUNA", "1604.14"), ("GLOVES NITRILE", "4015.19"),
    ("HUMAN HAIR WIGS", "6704.20"), ("GARMENTS", ""), ("MOBILE PHONE PARTS", "8517.79"),
    ("ALUMINIUM PROFILES", "7604.29"), ("PVC FLOORING", "3918.10"), ("CARPETS HAND KNOTTED", "5701.10"),
    ("COCOA BEANS", "1801.00"), ("SUGAR CANE", "1701.14"), ("CHRISTMAS DECORATIONS", "9505.10"),
    ("TEXTILE FABRIC POLYESTER", "5407.61"), ("COTTON TOWELS", "6302.60"), ("BRICKS", "6904.10"),
    ("ELECTRONIC COMPONENTS", "8542.39"),
]
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d-%b-%Y", "%Y%m%d")


def _trade_spelling(name: str, rng: np.random.Generator) -> str:
    """A name as a bill of lading writes it: upper case, punctuation dropped or kept, cut at 35."""
    out = name
    r = rng.random()
    if r < 0.6:
        out = out.upper()
    if rng.random() < 0.5:
        out = re.sub(r"[.,()]", "", out)
    out = re.sub(r"\s+", " ", out).strip()
    if rng.random() < 0.3:
        out = out[:35]
    return out


def make_suppliers(n: int, rng: np.random.Generator, real_share: float = 0.005) -> list[dict[str, object]]:
    """``n`` synthetic suppliers (country, name, address, product lines), a few of them real list entries."""
    codes = list(COUNTRY_WEIGHTS)
    weights = np.array([COUNTRY_WEIGHTS[c] for c in codes], dtype=float)
    weights /= weights.sum()
    suppliers: list[dict[str, object]] = []
    real = _real_entries()
    n_real = min(len(real), max(1, int(n * real_share))) if real else 0
    picks = rng.choice(len(real), size=n_real, replace=False) if n_real else []
    seen: set[str] = set()
    for k in picks:
        name, country = real[int(k)]
        suppliers.append({"name": _trade_spelling(name, rng), "country": country or "CN",
                          "place": "", "real": True})
    countries = rng.choice(codes, size=n * 2, p=weights)
    i = 0
    while len(suppliers) < n:
        c = str(countries[i % len(countries)])
        i += 1
        place = PLACES[c][int(rng.integers(len(PLACES[c])))]
        core = CORES[int(rng.integers(len(CORES)))]
        act = ACTIVITIES[int(rng.integers(len(ACTIVITIES)))]
        legal = LEGAL[c][int(rng.integers(len(LEGAL[c])))]
        parts = [place, core, act, legal] if rng.random() < 0.7 else [core, act, legal]
        if legal in ("PT",):
            parts = [legal, *parts[:-1]]
        name = " ".join(parts)
        if name in seen:  # make it distinct as real registers do: a number or a second core word
            name = f"{name.rsplit(' ', 1)[0]} No {int(rng.integers(2, 99))} {legal}"
            if name in seen:
                continue
        seen.add(name)
        suppliers.append({"name": _trade_spelling(name, rng), "country": c, "place": place,
                          "real": False})
    for s in suppliers:
        lines = 1 + int(rng.integers(3))
        s["products"] = [PRODUCTS[int(j)] for j in rng.choice(len(PRODUCTS), size=lines, replace=False)]
        s["address"] = (f"NO {int(rng.integers(1, 999))} {str(s['place'] or 'INDUSTRIAL').upper()} "
                        f"ROAD, {s['country']}")
        s["spelling"] = COUNTRY_SPELLINGS.get(str(s["country"]), [str(s["country"])])[
            int(rng.integers(len(COUNTRY_SPELLINGS.get(str(s["country"]), [s["country"]]))))]
    order = rng.permutation(len(suppliers))  # real entries anywhere in the frequency ranking
    return [suppliers[int(j)] for j in order]


def _real_entries() -> list[tuple[str, str | None]]:
    """(name, country) of real entity-list entries shipped in reference/."""
    from chainscreen.reference import load_reference

    return [(e.name, e.country) for e in load_reference().entities]


def generate(rows: int, path: Path, *, suppliers: int | None = None, seed: int = 7,
             batch: int = 500_000) -> dict[str, int]:
    """Write a synthetic manifest of ``rows`` rows to ``path`` (csv, parquet or jsonl by extension)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    n_sup = suppliers or SUPPLIERS.get(rows) or max(10, int(50_000 * (rows / 1e6) ** 0.6))
    sups = make_suppliers(n_sup, rng)
    # Zipf-like frequency: supplier k ships in proportion to 1 / k^1.1
    freq = 1.0 / np.arange(1, n_sup + 1) ** 1.1
    freq /= freq.sum()
    name = np.array([s["name"] for s in sups], dtype=object)
    country = np.array([s["spelling"] for s in sups], dtype=object)
    address = np.array([s["address"] for s in sups], dtype=object)
    n_lines = np.array([len(s["products"]) for s in sups])  # type: ignore[arg-type]
    desc = np.array([[s["products"][j % len(s["products"])][0] for j in range(3)] for s in sups],  # type: ignore[index]
                    dtype=object)
    hs = np.array([[s["products"][j % len(s["products"])][1] for j in range(3)] for s in sups],  # type: ignore[index]
                  dtype=object)
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = path.suffix.lower().lstrip(".")
    writer: object = None
    tmp = path.with_name(path.name + ".part")
    written = 0
    try:
        while written < rows:
            n = min(batch, rows - written)
            k = rng.choice(n_sup, size=n, p=freq)
            line = rng.integers(0, 3, size=n) % n_lines[k]
            c = country[k].copy()
            h = hs[k, line].copy()
            mess = rng.random(n)
            c[mess < 0.01] = ""  # origin not declared
            h[(mess >= 0.01) & (mess < 0.015)] = "61O9.10"  # letter O for zero, as typed
            value = np.round(rng.lognormal(8, 1.5, size=n), 2)
            value[(mess >= 0.015) & (mess < 0.017)] *= -1  # credit notes
            days = rng.integers(0, 3 * 365, size=n)
            base = np.datetime64("2023-01-01")
            dates = (base + days.astype("timedelta64[D]")).astype("datetime64[D]").astype(object)
            fmt_pick = rng.integers(0, len(DATE_FORMATS), size=n)
            date_text = [d.strftime(DATE_FORMATS[f]) for d, f in zip(dates, fmt_pick, strict=True)]
            table = pa.table({
                "Bill of Lading": pa.array([f"BOL{written + i + 1:010d}" for i in range(n)]),
                "Arrival Date": pa.array(date_text),
                "Shipper Name": pa.array(name[k].tolist(), pa.string()),
                "Shipper Address": pa.array(address[k].tolist(), pa.string()),
                "Country of Origin": pa.array(c.tolist(), pa.string()),
                "HS Code": pa.array(h.tolist(), pa.string()),
                "Description of Goods": pa.array(desc[k, line].tolist(), pa.string()),
                "Quantity": pa.array(rng.integers(1, 5000, size=n)),
                "Declared Value USD": pa.array(value),
            })
            if fmt == "parquet":
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table)  # type: ignore[attr-defined]
            elif fmt == "jsonl":
                mode = "a" if written else "w"
                with open(tmp, mode, encoding="utf-8") as fh:
                    import json

                    for rec in table.to_pylist():
                        fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            else:
                if writer is None:
                    writer = pacsv.CSVWriter(tmp, table.schema)
                writer.write_table(table)  # type: ignore[attr-defined]
            written += n
        if writer is not None:
            writer.close()  # type: ignore[attr-defined]
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return {"rows": rows, "suppliers": n_sup, "real_suppliers": sum(1 for s in sups if s["real"]),
            "bytes": path.stat().st_size}


def main(argv: list[str] | None = None) -> None:
    """Command line: write one synthetic manifest."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=float, required=True, help="rows, e.g. 1e6")
    parser.add_argument("-o", "--out", type=Path, required=True, help="output .csv, .parquet or .jsonl")
    parser.add_argument("--suppliers", type=int, help="distinct suppliers (default: by size)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    info = generate(int(args.rows), args.out, suppliers=args.suppliers, seed=args.seed)
    print(f"wrote {args.out}: {info['rows']:,} rows, {info['suppliers']:,} suppliers "
          f"({info['real_suppliers']} real list entries), {info['bytes'] / 2**20:,.0f} MiB",
          file=sys.stderr)


if __name__ == "__main__":
    main()
