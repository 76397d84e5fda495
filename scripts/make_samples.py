"""Write the synthetic manifests in sample_inputs/ (deterministic: same bytes on every run).

    python scripts/make_samples.py            # writes sample_inputs/*
    python scripts/make_samples.py --check    # exits 1 if the files on disk differ

Every supplier name is invented, except the rows marked as listed entities: those names are
taken from the shipped copies of the UFLPA Entity List and the CBP WRO/Findings entity names
(see reference/PROVENANCE.md) and written the way trade data writes them (upper case, "CO LTD",
no legal form, a small typo, an alias). The README.md written beside the files says which row
is which, and which rows are deliberately bad.
"""

# ruff: noqa: E501 - the sample rows are data tables, easier to review one row per line

from __future__ import annotations

import argparse
import csv
import io
import random
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "sample_inputs"
FIXED_ZIP_TIME = (2026, 7, 1, 0, 0, 0)
FIXED_ISO = "2026-07-01T00:00:00Z"


@dataclass(frozen=True)
class Listed:
    """A row whose supplier is deliberately an entity on a shipped list."""

    written: str  # as it appears in the sample file
    record: str  # the list record it corresponds to
    how: str  # how the written form differs from the list


# --------------------------------------------------------------------------- importer_suppliers.xlsx

# (vendor name, country as written, main product, HTS as written, address)
CLEAN_SUPPLIERS: list[tuple[str, str, str, object, str]] = [
    ("Lakeside Home Textiles Pvt Ltd", "India", "Bath towels, cotton terry", "6302.60.0010", "Plot 14, MIDC Textile Park, Ichalkaranji, Maharashtra"),
    ("Northbridge Fasteners GmbH", "Germany", "Stainless hex bolts", 731815, "Industriestr. 7, 58093 Hagen"),
    ("Harbourview Ceramics Co.", "Viet Nam", "Stoneware dinner plates", "6912.00.4810", "Lot B3, Song Than IZ, Binh Duong"),
    ("Maple Ridge Paper Products Ltd", "Canada", "Kraft paper bags", "4819.30.0040", "220 Mill Road, Trois-Rivieres, QC"),
    ("Sunrise Valley Foods S.A.C.", "Peru", "Frozen avocado pulp", "0811.90.8000", "Av. Industrial 455, Trujillo"),
    ("Bluewater Aquaculture Co., Ltd.", "Thailand", "Frozen shrimp, peeled", 30617, "88 Moo 4, Mahachai, Samut Sakhon"),
    ("Golden Pod Cocoa Traders SARL", "Côte d'Ivoire", "Cocoa beans, raw", "1801.00.0000", "Zone Portuaire, San-Pedro"),
    ("Ashanti Highlands Produce Ltd", "Ghana", "Cocoa beans", 180100, "Plot 9, Kumasi Industrial Area"),
    ("Karachi Kiln Works (Pvt.) Ltd.", "Pakistan", "Clay bricks, facing", 690410, "Kiln Road, Korangi, Karachi"),
    ("Andes Bright Metals S.A.", "PE", "Gold dore bars", "7108.12.1020", "Jr. Los Mineros 31, Arequipa"),
    ("Dhaka Stitchcraft Apparels Ltd.", "Bangladesh", "Men's cotton shirts, woven", "6205.20.2066", "Plot 22, DEPZ, Savar, Dhaka"),
    ("Anatolia Pamuk Iplik A.S.", "Turkey", "Combed cotton yarn", 520512, "OSB 3. Cadde No:12, Kayseri"),
    ("Karakum Fibre Export", "Turkmenistan", "Raw cotton, not carded", "5201.00.1800", "Ashgabat"),
    ("Golden Oasis Cotton Trading Co., Ltd.", "China", "Cotton lint", "5201.00", "No. 18 Beijing Road, Shihezi, Xinjiang Uygur Autonomous Region"),
    ("Pearl Delta Electronics Co., Ltd.", "CN", "USB-C charging cables", 854442, "Building 6, Songshan Lake, Dongguan, Guangdong"),
    ("Evergreen Polymer Industries Sdn Bhd", "Malaysia", "Nitrile examination gloves", "4015.19.1010", "Lot 3, Kamunting Industrial Estate, Perak"),
    ("Valle Verde Hortalizas S.A. de C.V.", "Mexico", "Fresh tomatoes", "0702.00.6000", "Carretera Culiacan-Navolato km 7, Sinaloa"),
    ("Assam Morning Tea Estates Ltd", "India", "Black tea, CTC", "0902.40", "Dibrugarh, Assam"),
    ("Nordic Birch Furniture AB", "Sweden", "Birch dining chairs", "9401.61.6011", "Fabriksgatan 4, Nassjo"),
    ("Riverside Leatherworks S.r.l.", "Italy", "Leather handbags", "4202.21.9000", "Via Conceria 12, Santa Croce sull'Arno"),
    ("Pacific Rim Packaging Corp.", "Taiwan", "Corrugated cartons", 481910, "No. 5 Gongye Rd, Taoyuan"),
    ("Saigon Harvest Cashew JSC", "Vietnam", "Cashew kernels W320", "0801.32.0000", "Dong Xoai, Binh Phuoc"),
    ("Cerrado Grains Exportadora Ltda.", "Brazil", "Soybeans", 120190, "Rod. BR-163 km 12, Sorriso, MT"),
    ("Highveld Castings (Pty) Ltd", "South Africa", "Grey iron castings", "7325.10.0080", "12 Foundry St, Benoni"),
    ("Coastal Shrimp Processors Ltd", "Bangladesh", "Frozen black tiger shrimp", "0306.17.0040", "Rupsha, Khulna"),
    ("Lanka Tea Gardens PLC", "Sri Lanka", "Green tea", "0902.10", "Nuwara Eliya"),
    ("Westfjord Seafood ehf.", "Iceland", "Frozen cod fillets", "0304.71.5000", "Hafnargata 2, Isafjordur"),
    ("Silverline Cutlery Pvt Ltd", "India", "Stainless steel spoons", "8215.99.0500", "Moradabad, Uttar Pradesh"),
    ("Prairie Oak Cabinetry Inc.", "USA", "Kitchen cabinets", 940340, "1100 Oak Ave, Fargo, ND"),
    ("Jade Mountain Tea Co., Ltd.", "China", "Oolong tea", "0902.30", "Anxi, Fujian"),
    ("Mekong Rubber Products Co.", "Vietnam", "Natural rubber sheets", "4001.21.0000", "Tay Ninh"),
    ("Altiplano Quinoa Cooperative", "Bolivia", "Quinoa grain", "1008.50.0000", "Challapata, Oruro"),
    ("Rhine Valley Optics GmbH", "DE", "Optical lenses", "9001.90.9000", "Am Hafen 3, Wetzlar"),
    ("Sahara Sun Dates SARL", "Tunisia", "Deglet Nour dates", "0804.10.0000", "Tozeur"),
    ("Cordillera Coffee Growers S.A.", "Colombia", "Green coffee beans", "0901.11.0015", "Km 4 Via Chinchina, Caldas"),
    ("Baltic Amber Crafts UAB", "Lithuania", "Amber jewellery", "7116.20.0500", "Palanga"),
    ("Kathmandu Loomworks Pvt. Ltd.", "Nepal", "Hand-knotted wool carpets", "5701.10.1600", "Lalitpur"),
    ("Sindh Cotton Ginners", "Pakistan", "Cotton lint", 520100, "Sanghar, Sindh"),
    ("Blue Lagoon Fishing Co., Ltd.", "TH", "Canned tuna", "1604.14.1091", "Songkhla"),
    ("Ivory Coast Cashew Processing SA", "Ivory Coast", "Cashew kernels", "0801.32.0000", "Bouake"),
    ("Porto Alegre Footwear Ltda.", "Brazil", "Leather boots", "6403.91.6090", "Novo Hamburgo, RS"),
    ("Hanoi Bamboo Home JSC", "Vietnam", "Bamboo baskets", "4602.11.0000", "Phu Vinh, Hanoi"),
    ("Tamil Nadu Spinning Mills Ltd", "India", "Cotton yarn, carded", "5205.11", "Tiruppur, Tamil Nadu"),
    ("Great Lakes Hardware Supply LLC", "United States", "Hand tools", "8205.59.8000", "40 Dock St, Toledo, OH"),
    ("Shenzhen Starlit Panel Lighting Co., Ltd.", "CHINA", "LED panel lights", "9405.11.6000", "Bao'an District, Shenzhen"),
    ("Guangzhou Silk Road Garments Co., Ltd.", "China", "Women's knit tops", 611020, "Panyu District, Guangzhou"),
    ("Yunnan Highland Walnut Co., Ltd.", "China", "Shelled walnuts", "0802.32.0000", "Dali, Yunnan"),
    ("Zhejiang Riverbend Umbrella Co., Ltd.", "PRC", "Umbrellas", "6601.91.0000", "Shangyu, Zhejiang"),
    ("Istanbul Hazelnut Export A.S.", "Türkiye", "Shelled hazelnuts", "0802.22.0000", "Ordu"),
    ("Accra Textile Prints Ltd", "Ghana", "Printed cotton fabric", "5208.52", "Tema Industrial Area"),
]

LISTED_IMPORTER: list[tuple[Listed, str, str, object, str]] = [
    (Listed("HOSHINE SILICON INDUSTRY (SHANSHAN) CO LTD",
            "UFLPA Entity List row 89 'Hoshine Silicon Industry (Shanshan) Co., Ltd., and Subsidiaries'; "
            "CBP WRO 'Hoshine Silicon Industry Co. Ltd.'",
            "upper case, 'CO LTD', 'and Subsidiaries' dropped"),
     "CN", "Silicon metal", "2804.69.1000", "Shanshan County, Turpan, Xinjiang"),
    (Listed("Xinjiang Junggar Cotton & Linen Co Ltd",
            "UFLPA Entity List rows 8/146 and CBP WRO 'Xinjiang Junggar Cotton and Linen Co., Ltd.'",
            "'&' for 'and', no punctuation in the legal form"),
     "China", "Cotton yarn", 520512, "Urumqi, Xinjiang"),
    (Listed("HETIAN TAIDA APPAREL", "UFLPA Entity List rows 3/84 'Hetian Taida Apparel Co., Ltd.'",
            "upper case, legal form missing"),
     "CN", "Cotton garments", "6110.20.2079", ""),
    (Listed("Aksu Huafu Textiles Co., Ltd.",
            "UFLPA Entity List rows 10/54 'Aksu Huafu Color Spinning Co., Ltd. (also known as Aksu Huafu Textiles Co., Ltd.; ...)'",
            "the alias form"),
     "China", "Dyed melange yarn", "5206.12.0000", "Aksu, Xinjiang"),
    (Listed("Lop County Meixin Hair Product Co",
            "UFLPA Entity List rows 22/115 and CBP WRO 'Lop County Meixin Hair Products Co., Ltd.'",
            "typo 'Product', legal form shortened"),
     "CN", "Human hair wigs", "6704.20.0000", "Lop County, Hotan, Xinjiang"),
    (Listed("Zhuhai Ninestar Information Technology",
            "UFLPA Entity List row 48 'Zhuhai Ninestar Information Technology Co. Ltd.'",
            "legal form missing"),
     "China", "Toner cartridges", "8443.99.2550", "Zhuhai, Guangdong"),
    (Listed("Nanjing Synergy Textile Co., Ltd.",
            "UFLPA Entity List row 23 'Nanjing Synergy Textiles Co., Ltd.'",
            "typo 'Textile'"),
     "China", "Printed cotton fabric", "5208.52.4000", "Nanjing, Jiangsu"),
    (Listed("XINJIANG ZHONGTAI CHEMICAL CO LTD",
            "UFLPA Entity List row 43 'Xinjiang Zhongtai Chemical Co. Ltd.'", "upper case"),
     "CN", "PVC resin", "3904.10.0000", "Urumqi, Xinjiang"),
    (Listed("Hefei Baolongda Information Technology Co., Ltd.",
            "UFLPA Entity List row 18 'Hefei Bitland Information Technology Co., Ltd.' (alias)",
            "an alias listed in the record"),
     "China", "Laptop parts", "8473.30.1180", "Hefei, Anhui"),
    (Listed("BRIGHTWAY HOLDINGS SDN BHD",
            "CBP WRO 'Brightway Group' (alias 'Brightway Holdings Sdn Bhd')", "upper case, alias"),
     "Malaysia", "Nitrile gloves", "4015.19.1010", "Klang, Selangor"),
    (Listed("Central Romana Corp. Ltd.",
            "CBP WRO 'Central Romana Corporation Limited'", "abbreviated legal form"),
     "Dominican Republic", "Raw cane sugar", "1701.14.1000", "La Romana"),
    (Listed("FGV Holdings Bhd", "CBP WRO 'FGV Holdings Berhad'", "'Bhd' for 'Berhad'"),
     "MY", "Crude palm oil", "1511.10.0000", "Kuala Lumpur"),
]

# (vendor no, name, country, product, hts, spend, contact, address) — deliberately bad rows
BAD_IMPORTER: list[tuple[str, list[object], str]] = [
    ("no supplier name and no goods", ["V-10990", None, "China", None, None, 1200.0, None, None], "unscreenable: nothing to screen"),
    ("unknown country", ["V-10991", "Seaside Novelty Imports", "Atlantis", "Souvenir mugs", "6912.00.4400", 3400.0, "orders@example.com", ""], "country 'Atlantis' is not a country"),
    ("malformed HS code", ["V-10992", "Crescent Moon Candles Ltd", "United Kingdom", "Scented candles", "ABC", 980.0, "", "Leeds"], "HS code 'ABC' cannot be parsed"),
    ("blank row", [None] * 8, "a fully blank row in the middle of the list"),
]


def importer_rows(rng: random.Random) -> tuple[list[list[object]], list[tuple[int, str, str]]]:
    """Data rows of the supplier master list and, per deliberate row, (data row, kind, note)."""
    rows: list[tuple[str, list[object]]] = []
    for name, country, product, hts, address in CLEAN_SUPPLIERS:
        rows.append(("clean", [name, country, product, hts, _spend(rng), _contact(rng, name), address]))
    for listed, country, product, hts, address in LISTED_IMPORTER:
        rows.append(("listed:" + listed.written, [listed.written, country, product, hts, _spend(rng),
                                                   _contact(rng, listed.written), address]))
    rng.shuffle(rows)
    out: list[list[object]] = []
    notes: list[tuple[int, str, str]] = []
    for i, (kind, cells) in enumerate(rows, start=1):
        vendor_no = f"V-{10000 + i * 7}" if i % 9 else f"{i * 13:05d}"  # some are zero-padded numbers
        out.append([vendor_no, *cells])
        if kind.startswith("listed:"):
            notes.append((len(out), "listed", kind.removeprefix("listed:")))
    # the bad rows sit at fixed places inside the list, not at the end
    for position, (kind, bad_cells, note) in zip((11, 27, 40, 52), BAD_IMPORTER, strict=True):
        out.insert(position - 1, list(bad_cells))
        notes = [(r + 1 if r >= position else r, k, n) for r, k, n in notes]
        notes.append((position, "bad", f"{bad_cells[1] or ''}|{kind}: {note}"))
    return out, sorted(notes)


def _spend(rng: random.Random) -> float:
    return round(rng.lognormvariate(11, 1.1), 2)


def _contact(rng: random.Random, name: str) -> str:
    if rng.random() < 0.25:
        return ""
    slug = re.sub(r"[^a-z]+", "", name.lower())[:14] or "vendor"
    return f"{rng.choice(['sales', 'export', 'info', 'orders'])}@{slug}.example"


def write_importer_xlsx(path: Path, rng: random.Random) -> list[tuple[int, str, str]]:
    import openpyxl
    from openpyxl.styles import Font

    rows, notes = importer_rows(rng)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Supplier Master"
    ws.append(["Harbor Point Imports LLC — Approved Supplier Master, FY2026 Q3 (SYNTHETIC SAMPLE)"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:H1")
    ws.append([])
    ws.append(["Vendor No", "Vendor Name ", "Ctry of Origin", "Main Product", "HTS #",
               "Annual Spend (USD)", "Contact", "Vendor Address"])
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for row in ws.iter_rows(min_row=4, min_col=6, max_col=6):
        row[0].number_format = "#,##0.00"
    for column, width in zip("ABCDEFGH", (10, 46, 18, 30, 14, 18, 30, 50), strict=True):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = "A4"
    notes_ws = wb.create_sheet("Read me")
    notes_ws.append(["Synthetic sample for chainscreen. Invented suppliers, except rows "
                     "deliberately naming entities on the shipped lists (see sample_inputs/README.md)."])
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_normalise_zip(buf.getvalue()))
    return notes


def _normalise_zip(data: bytes) -> bytes:
    """The same workbook bytes on every run: fixed member times and document timestamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                              rb"\g<1>" + FIXED_ISO.encode() + rb"\g<2>", body)
            member = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            zout.writestr(member, body)
    return out.getvalue()


# --------------------------------------------------------------------------- broker_entries.csv

# (manufacturer, address, COO, HTS, description)
BROKER_CLEAN: list[tuple[str, str, str, str, str]] = [
    ("Société Ivoirienne de Cacao SARL", "Boulevard du Port, Abidjan", "CI", "1801.00.0000", "Fèves de cacao crues / raw cocoa beans"),
    ("Café Montaña Alta Ltda.", "Cra. 7 #12-40, Manizales", "CO", "0901.11.0015", "Café verde – green coffee, not roasted"),
    ("Müller Feinmechanik GmbH", "Gießereistraße 3, 73430 Aalen", "DE", "8466.93.9885", "Machine tool parts"),
    ("Brasserie Dupré & Fils", "Rue des Brasseurs 8, Liège", "BE", "2203.00.0030", "Beer in bottles"),
    ("Tissages Lyonnais Réunis SA", "Quai Pierre Scize 41, Lyon", "FR", "5007.20.0065", "Silk woven fabric"),
    ("Açores Conservas Lda.", "Rua do Mar 5, Ponta Delgada", "PT", "1604.14.2291", "Canned tuna in olive oil"),
    ("Ghana Golden Beans Ltd", "Spintex Road, Accra", "GH", "1801.00.0000", "Cocoa beans"),
    ("Andean Auríferos S.A.C.", "Av. Ejército 710, Arequipa", "PE", "7108.12.1020", "Gold doré bars, non-monetary"),
    ("Samut Ocean Foods Co., Ltd.", "Mahachai, Samut Sakhon", "TH", "0306.17.0040", "Frozen shrimp, peeled & deveined"),
    ("Chittagong Knit Composite Ltd.", "CEPZ, Chattogram", "BD", "6109.10.0012", "Men's cotton T-shirts"),
    ("Punjab Clay Products (Pvt) Ltd", "GT Road, Gujranwala", "PK", "6904.10.0000", "Building bricks, clay"),
    ("Zürcher Präzisionsuhren AG", "Bahnhofstrasse 12, Zürich", "CH", "9102.11.1000", "Wrist watches"),
    ("Rødberg Fisk AS", "Havnegata 3, Ålesund", "NO", "0303.13.0000", "Frozen Atlantic salmon"),
    ("Cerámica Sevillana S.L.", "Polígono La Isla, Sevilla", "ES", "6907.21.1000", "Ceramic floor tiles"),
    ("Östgöta Trävaror AB", "Industrigatan 9, Linköping", "SE", "4407.11.0000", "Sawn pine lumber"),
    ("Dalmatia Olive Groves d.o.o.", "Put Mira 4, Zadar", "HR", "1509.20.2000", "Extra virgin olive oil"),
    ("Sinaloa Frescos S.P.R. de R.L.", "Carr. Internacional km 1520, Culiacán", "MX", "0702.00.6000", "Fresh tomatoes"),
    ("Kerala Spice Exports Pvt Ltd", "Willingdon Island, Kochi", "IN", "0904.11.0000", "Black pepper, whole"),
    ("Tiruppur Knitwear Exports", "Avinashi Road, Tiruppur", "IN", "6109.10.0012", "Cotton T-shirts"),
    ("Ha Noi Garment Joint Stock Co.", "Linh Nam, Hoang Mai, Ha Noi", "VN", "6203.42.4011", "Men's cotton trousers"),
    ("Selangor Glove Manufacturing Sdn Bhd", "Meru, Klang", "MY", "4015.19.1010", "Nitrile examination gloves"),
    ("Qingdao Harbour Tyre Co., Ltd.", "Huangdao District, Qingdao", "CN", "4011.10.1050", "Passenger car tyres"),
    ("Ningbo Lakeview Kitchenware Co., Ltd.", "Yuyao, Ningbo, Zhejiang", "CN", "7323.93.0080", "Stainless steel pots"),
]

BROKER_LISTED: list[tuple[Listed, str, str, str, str]] = [
    (Listed("XINJIANG DAQO NEW ENERGY CO LTD",
            "UFLPA Entity List rows 5/139 'Xinjiang Daqo New Energy Co., Ltd.'", "upper case, 'CO LTD'"),
     "Shihezi Economic & Technological Development Zone, Xinjiang", "CN", "2804.61.0000", "Polysilicon, solar grade"),
    (Listed("Xinjiang East Hope Nonferrous Metals Co Ltd",
            "UFLPA Entity List row 6 'Xinjiang East Hope Nonferrous Metals Co., Ltd.'", "no punctuation in the legal form"),
     "Changji, Xinjiang", "CN", "7601.10.6000", "Unwrought aluminium, not alloyed"),
    (Listed("CAMEL GROUP CO., LTD.", "UFLPA Entity List row 13 'Camel Group Co., Ltd.'", "upper case"),
     "Xiangyang, Hubei", "CN", "8507.10.0020", "Lead-acid storage batteries"),
    (Listed("Changji Yida Textile Co., Ltd.",
            "UFLPA Entity List row 62 'Changji Esquel Textile Co., Ltd. (also known as Changji Yida Textile Co., Ltd.)'",
            "the alias form"),
     "Changji, Xinjiang", "CN", "6205.20.2066", "Men's woven cotton shirts"),
    (Listed("Dalian Ocean Fishing Co Ltd",
            "CBP WRO 'Dalian Ocean Fishing Co. Ltd.' (fishing vessels owned by it)", "punctuation dropped"),
     "Dalian, Liaoning", "CN", "0303.42.0020", "Frozen yellowfin tuna"),
    (Listed("Baoding LYSZD Trade & Business Co., Ltd",
            "UFLPA Entity List rows 1/58 and CBP WRO 'Baoding LYSZD Trade and Business Co., Ltd.'", "'&' for 'and'"),
     "Baoding, Hebei", "CN", "6110.20.2079", "Cotton knit garments"),
]

BAD_BROKER: list[tuple[str, list[str]]] = [
    ("manufacturer missing", ["", "", "CN", "9503.00.0073", "Toys, plastic"]),
    ("HTS not given", ["Rheinland Glaswerke GmbH", "Bonn", "DE", "TBD", "Glassware"]),
]


def write_broker_csv(path: Path, rng: random.Random) -> list[tuple[int, str, str]]:
    lines: list[tuple[str, list[str]]] = [("clean", list(r)) for r in BROKER_CLEAN]
    # repeat some clean manufacturers on further entries, as real entry data does
    lines += [("clean", list(r)) for r in rng.sample(BROKER_CLEAN, 16)]
    lines += [("listed:" + item.written, [item.written, addr, coo, hts, desc])
              for item, addr, coo, hts, desc in BROKER_LISTED]
    lines += [("bad:" + note, cells) for note, cells in BAD_BROKER]
    rng.shuffle(lines)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["Entry No", "Line", "Manufacturer Name", "Manufacturer Address", "COO",
                     "HTS Number", "Description", "Entered Value", "Entry Date"])
    notes: list[tuple[int, str, str]] = []
    entry, line_no = 0, 0
    for i, (kind, (maker, address, coo, hts, desc)) in enumerate(lines, start=1):
        if line_no == 0 or rng.random() < 0.45:
            entry += 1
            line_no = 0
        line_no += 1
        value = f"{rng.lognormvariate(9, 1.2):,.2f}"
        day = 1 + (entry * 3) % 28
        month = 4 + entry // 10
        writer.writerow([f"PHX-{4012000 + entry * 37:07d}-{entry % 10}", line_no, maker, address,
                         coo, hts, desc, value, f"{month:02d}/{day:02d}/2026"])
        if kind != "clean":
            what, _, note = kind.partition(":")
            notes.append((i, what, note if what == "listed" else f"{maker}|{note}"))
    path.write_bytes(buf.getvalue().encode("cp1252"))
    return notes


# --------------------------------------------------------------------------- procurement_prescreen.csv

PROCUREMENT: list[tuple[str, str, str, str, str]] = [
    # (kind, company, country, category, notes)
    ("clean", "Lakeside Home Textiles Pvt Ltd", "India", "Home textiles", "Existing vendor, renewal"),
    ("clean", "Evergreen Polymer Industries Sdn Bhd", "Malaysia", "PPE - gloves", "RFQ 2026-114"),
    ("clean", "浙江河湾伞业有限公司", "China", "Umbrellas", "Chinese-script name of an invented supplier; English name not given"),
    ("clean", "云南高原核桃有限公司", "China", "Nuts", "Chinese-script name of an invented supplier"),
    ("clean", "Pearl Delta Electronics", "China", "Cables & chargers", "Sample approved"),
    ("clean", "Cordillera Coffee Growers", "Colombia", "Coffee", ""),
    ("clean", "Golden Pod Cocoa Traders", "Côte d'Ivoire", "Cocoa", "Origin traceability requested"),
    ("clean", "Karachi Kiln Works", "Pakistan", "Bricks", "Facility audit pending"),
    ("clean", "Andes Bright Metals", "Peru", "Gold", "Refiner list check"),
    ("clean", "Bluewater Aquaculture", "Thailand", "Seafood - shrimp", ""),
    ("clean", "Karakum Fibre Export", "Turkmenistan", "Raw cotton", "Broker introduction"),
    ("clean", "Nordic Birch Furniture AB", "Sweden", "Furniture", ""),
    ("clean", "Rhine Valley Optics GmbH", "Germany", "Optics", ""),
    ("clean", "Saigon Harvest Cashew JSC", "Vietnam", "Cashews", ""),
    ("clean", "Dhaka Stitchcraft Apparels", "Bangladesh", "Garments", "Second source for shirts"),
    ("clean", "Pacific Rim Packaging", "Taiwan", "Packaging", ""),
    ("clean", "Highveld Castings", "South Africa", "Castings", ""),
    ("clean", "Valle Verde Hortalizas", "Mexico", "Fresh produce - tomatoes", ""),
    ("clean", "Assam Morning Tea Estates", "India", "Tea", ""),
    ("clean", "Lanka Tea Gardens", "Sri Lanka", "Tea", ""),
    ("clean", "Mekong Rubber Products", "Vietnam", "Rubber", ""),
    ("clean", "Kathmandu Loomworks", "Nepal", "Carpets", "Showroom sample"),
    ("clean", "Altiplano Quinoa Cooperative", "Bolivia", "Grains", ""),
    ("clean", "Westfjord Seafood", "Iceland", "Seafood - cod", ""),
    ("clean", "Sahara Sun Dates", "Tunisia", "Dried fruit", ""),
    ("clean", "Istanbul Hazelnut Export", "Turkey", "Nuts", ""),
    ("clean", "Accra Textile Prints", "Ghana", "Fabric", ""),
    ("clean", "Jade Mountain Tea Co", "China", "Tea", ""),
    ("clean", "Porto Alegre Footwear", "Brazil", "Footwear", ""),
    ("clean", "Great Lakes Hardware Supply", "USA", "Hand tools", ""),
    ("listed", "Xin Jiang Jun Gar Cotton and Linen", "China", "Cotton", "Pinyin written with spaces"),
    ("listed", "He Tian Tai Da Apparel Co", "China", "Apparel", "Pinyin written with spaces"),
    ("listed", "Hoshine Silicon", "CN", "Silicon metal", "Short trade name"),
    ("listed", "Xinjiang Zhong Tai Chemical", "China", "PVC resin", "Pinyin written with spaces"),
    ("listed", "Zhuhai Pantum Electronics Co., Ltd.", "China", "Printers", "Quote received"),
    ("listed", "Tanyuan Technology", "China", "Graphene film", "Alias check needed"),
    ("listed", "Giant Manufacturing Co., Ltd.", "", "Bicycles", "Country left blank by requester"),
    ("bad", "", "China", "", "Requester left the company blank"),
    ("bad", "Blue Horizon Trading", "Atlantis", "Misc. goods", "Country is not a country"),
    ("bad", "", "", "", ""),
    ("clean", "Riverside Leatherworks", "Italy", "Leather goods", ""),
]

PROCUREMENT_RECORDS = {
    "Xin Jiang Jun Gar Cotton and Linen": ("UFLPA Entity List rows 8/146 and CBP WRO 'Xinjiang Junggar Cotton and Linen Co., Ltd.'", "pinyin syllables spaced, 'Jun Gar' for 'Junggar', legal form missing"),
    "He Tian Tai Da Apparel Co": ("UFLPA Entity List rows 3/84 'Hetian Taida Apparel Co., Ltd.'", "pinyin syllables spaced"),
    "Hoshine Silicon": ("UFLPA Entity List row 89 and CBP WRO 'Hoshine Silicon Industry Co. Ltd.'", "short trade name"),
    "Xinjiang Zhong Tai Chemical": ("UFLPA Entity List row 43 'Xinjiang Zhongtai Chemical Co. Ltd.'", "pinyin syllables spaced, legal form missing"),
    "Zhuhai Pantum Electronics Co., Ltd.": ("UFLPA Entity List row 50 'Zhuhai Pantum Electronics Co. Ltd.'", "exact apart from punctuation"),
    "Tanyuan Technology": ("UFLPA Entity List row 28 'Tanyuan Technology Co. Ltd.'", "legal form missing"),
    "Giant Manufacturing Co., Ltd.": ("CBP WRO 'Giant Manufacturing Co., Ltd.'", "exact; no country in the row"),
}


def write_procurement_csv(path: Path) -> list[tuple[int, str, str]]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["Company", "Country", "Category", "Notes"])
    notes: list[tuple[int, str, str]] = []
    for i, (kind, company, country, category, note) in enumerate(PROCUREMENT, start=1):
        writer.writerow([company, country, category, note])
        if kind == "listed":
            notes.append((i, "listed", company))
        elif kind == "bad":
            notes.append((i, "bad", f"{company}|{note or 'fully blank row'}"))
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return notes


# --------------------------------------------------------------------------- README


def readme(importer: list[tuple[int, str, str]], broker: list[tuple[int, str, str]],
           procurement: list[tuple[int, str, str]]) -> str:
    records = {item.written: item for item, *_ in LISTED_IMPORTER}
    records.update({item.written: item for item, *_ in BROKER_LISTED})
    records.update({k: Listed(k, rec, how) for k, (rec, how) in PROCUREMENT_RECORDS.items()})

    def table(notes: list[tuple[int, str, str]]) -> str:
        out = ["| data row | kind | supplier as written | list record | how it differs |",
               "|---:|---|---|---|---|"]
        for row, kind, text in notes:
            if kind == "listed":
                item = records[text]
                out.append(f"| {row} | listed | {item.written} | {item.record} | {item.how} |")
            else:
                name, _, why = text.partition("|")
                out.append(f"| {row} | bad | {name} | | {why} |")
        return "\n".join(out)

    return f"""# Sample inputs

**These files are synthetic.** They were written by `scripts/make_samples.py` (run it again
to get the same bytes) so that a new user can run `chainscreen screen` on something realistic
at once. Every supplier name is invented, **except** the rows listed below as "listed": those
name entities that really are on the UFLPA Entity List or in CBP's Withhold Release Orders /
Findings, taken from the shipped copies of those lists (`reference/`, see its PROVENANCE.md)
and written the way trade data writes them. Any resemblance of an invented name to a real
company is unintended; the invented suppliers are not on any list and nothing here says anything
about them.

"UFLPA Entity List row N" is the `row_in_snapshot` of the third-party scrape of dhs.gov the
samples were written from (`uflpa_entity_list_scrape_2026-07-09.csv`), which has the DHS page's
listings in the page's order: rows 1-9 are section (i), 10-52 section (ii), 53-160 section (v);
an entity listed under two sections has two rows, hence "rows 8/146". "CBP WRO" names are the
`entity_name` or `aliases` of the names-only CBP WRO/Findings list shipped when the samples were
written. Three of them (Brightway Group, Central Romana Corporation Limited, FGV Holdings
Berhad) are in no order of CBP's file of 2026-06-23, the edition shipped now, so those rows are
no longer matched to a CBP order; they are flagged on goods and origin, or not at all.

"Data row" below is the 1-based row number chainscreen reports (the first row under the header
is data row 1). Goods and origins in the clean rows are deliberately mixed: some are
combinations the US DOL *List of Goods Produced by Child Labor or Forced Labor* (2022) names —
cotton from China and Turkmenistan, cocoa from Côte d'Ivoire and Ghana, bricks from Pakistan,
gold from Peru, shrimp from Thailand, garments from Bangladesh, tomatoes from Mexico, rubber
gloves from Malaysia — and should be flagged on goods and origin alone, with no entity match.

## importer_suppliers.xlsx

An importer's supplier master list: sheet "Supplier Master", a title banner in row 1 (merged
across the columns) and a blank row 2, then the header in row 3 with the untidy names real
exports have ("Vendor Name " with a trailing space, "Ctry of Origin", "HTS #", "Annual Spend
(USD)"). Countries are written as names, ISO codes, "PRC", "Ivory Coast", "Türkiye"; HTS codes
as numbers (`520512`), dotted text (`6302.60.0010`) and text with a leading zero (`0901.11`).
One supplier has a Xinjiang address ("Golden Oasis Cotton Trading Co., Ltd.", invented), which
should be flagged on the address. A second sheet "Read me" holds one line of notes.

{table(importer)}

Expect: the header found on row 3 (with a warning that the banner was skipped), every listed
row matched or sent to review with the list record named, the blank and nameless rows reported
as unscreenable, "Atlantis" and "ABC" reported as problems on their rows, and every other row
screened.

## broker_entries.csv

A customs broker's entry-line export, **Windows-1252 encoded** (accented names such as
"Société Ivoirienne de Cacao SARL", "Café Montaña Alta Ltda.", "Müller Feinmechanik GmbH"),
CRLF line ends, HTS numbers with dots (`5205.12.0000`), values with thousands separators and
US dates. Several lines belong to one entry number, and some manufacturers recur.

{table(broker)}

Expect: encoding detected as cp1252 with the accents intact, the listed manufacturers matched,
cocoa from CI and GH, gold from PE, shrimp from TH, bricks from PK and polysilicon from CN
flagged on goods and origin.

## procurement_prescreen.csv

A short procurement pre-screen list (UTF-8) with the columns "Company", "Country", "Category",
"Notes". Two names are in Chinese script; both are invented suppliers (the shipped UFLPA copy
gives no Chinese-script names, so none of the listed entities is written in Chinese here).
Several listed entities are written as pinyin with the syllables spaced out.

{table(procurement)}

Expect: the spaced-pinyin and short forms matched or sent to review, the two blank-company rows
reported as unscreenable, "Atlantis" reported as a problem.
"""


def build() -> dict[str, bytes]:
    """All sample files as bytes, keyed by file name."""
    import tempfile

    rng = random.Random(20260701)
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        importer = write_importer_xlsx(tmpdir / "importer_suppliers.xlsx", rng)
        broker = write_broker_csv(tmpdir / "broker_entries.csv", rng)
        procurement = write_procurement_csv(tmpdir / "procurement_prescreen.csv")
        files = {p.name: p.read_bytes() for p in tmpdir.iterdir()}
    files["README.md"] = readme(importer, broker, procurement).encode("utf-8")
    return files


def same_content(name: str, a: bytes, b: bytes) -> bool:
    """Equal bytes; for .xlsx, equal sheets, values and merged ranges.

    openpyxl writes different XML bytes with and without lxml installed, so a workbook is
    compared by what it holds.
    """
    if a == b:
        return True
    if not name.endswith(".xlsx"):
        return False
    import io

    from openpyxl import load_workbook

    def content(data: bytes) -> list[tuple[str, list[tuple[object, ...]], list[str]]]:
        wb = load_workbook(io.BytesIO(data))
        return [(ws.title, [tuple(r) for r in ws.iter_rows(values_only=True)],
                 sorted(str(m) for m in ws.merged_cells.ranges)) for ws in wb.worksheets]

    return content(a) == content(b)


def main(argv: list[str] | None = None) -> int:
    """Write sample_inputs/ (or, with --check, report whether it is up to date)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the files on disk differ")
    args = parser.parse_args(argv)
    files = build()
    if args.check:
        stale = [n for n, b in files.items()
                 if not (OUT / n).is_file() or not same_content(n, (OUT / n).read_bytes(), b)]
        for name in stale:
            print(f"out of date: sample_inputs/{name}")
        return 1 if stale else 0
    OUT.mkdir(exist_ok=True)
    for name, body in files.items():
        (OUT / name).write_bytes(body)
        print(f"wrote sample_inputs/{name} ({len(body):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
