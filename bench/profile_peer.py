#!/usr/bin/env python3
"""Independent peer of `vigil profile` for bench/import_profile.sh.

Computes, from a CTDC-layout CSV file with nothing but Python's csv module,
the figures of a country profile that a reader checks first:

  total        records whose country of exploitation is the country
  domestic     ... whose citizenship is the country
  foreign      ... whose citizenship is known and another country
  by_year      ... per known year of registration
  citizenship  ... per known citizenship (alpha-3 -> count, every country)
  destinations_abroad
               the country's citizens exploited in another known country
  labour_sector
               flag counts over the described records, and the CTDC codebook
               (v2024, section 6) denominator: records with at least one
               labour-sector flag equal to 1; missing = total - denominator

It is written from the codebook and vigil's documented input rules, not from
vigil's code, so that an agreement means something. Subcommands:

  profile_peer.py csv FILE --country KZ      peer figures as JSON on stdout
  profile_peer.py check VIGIL.json PEER.json [--label TEXT]
                                             exit 1, listing every difference

The same figures from vigil's SQLite store come from bench/profile_peer.sql
run by the sqlite3 shell; `check` accepts its output as PEER.json too.
"""

import argparse
import csv
import json
import sys

ISO_CODES_JSON = "/usr/share/iso-codes/json/iso_3166-1.json"



def is_missing(value):
    """vigil's documented missing values (src/io/case_csv.hpp): empty, -99,
    NULL in any case, NA."""
    return value in ("", "-99", "NA") or value.upper() == "NULL"


# CTDC column -> vigil JSON key, for the labour-sector group (2018 names; the
# 2024 layout keeps four of them).
LABOUR_COLUMNS = {
    "typeOfLabourAgriculture": "labour_agriculture",
    "typeOfLabourAquafarming": "labour_aquafarming",
    "typeOfLabourBegging": "labour_begging",
    "typeOfLabourConstruction": "labour_construction",
    "typeOfLabourDomesticWork": "labour_domestic_work",
    "typeOfLabourHospitality": "labour_hospitality",
    "typeOfLabourIllicitActivities": "labour_illicit_activities",
    "typeOfLabourManufacturing": "labour_manufacturing",
    "typeOfLabourMiningOrDrilling": "labour_mining_or_drilling",
    "typeOfLabourPeddling": "labour_peddling",
    "typeOfLabourTransportation": "labour_transportation",
    "typeOfLabourOther": "labour_other",
}
LABOUR_KEYS = list(LABOUR_COLUMNS.values())


def load_alpha3():
    """alpha-2 and alpha-3 (upper case) -> alpha-3, from Debian's iso-codes."""
    with open(ISO_CODES_JSON, encoding="utf-8") as handle:
        table = json.load(handle)["3166-1"]
    mapping = {}
    for entry in table:
        mapping[entry["alpha_2"]] = entry["alpha_3"]
        mapping[entry["alpha_3"]] = entry["alpha_3"]
    return mapping


def peer_from_csv(path, country):
    alpha3 = load_alpha3()
    target = alpha3[country.upper()]
    with open(path, newline="", encoding="utf-8-sig") as handle:
        first = handle.readline()
        # CTDC exports come with ',' or ';' separators.
        delimiter = ";" if first.count(";") > first.count(",") else ","
        header = next(csv.reader([first], delimiter=delimiter))
        where = {name.strip().lower(): index for index, name in enumerate(header)}

        def column(name):
            return where.get(name.lower())

        year_col = column("yearOfRegistration")
        cit_col = column("citizenship")
        exp_col = column("CountryOfExploitation")
        labour_cols = [(column(name), key) for name, key in LABOUR_COLUMNS.items()]
        labour_cols = [(index, key) for index, key in labour_cols if index is not None]

        def country_of(value):
            value = value.strip()
            if is_missing(value):
                return None
            return alpha3[value.upper()]

        total = domestic = foreign = denominator = 0
        by_year, citizenship, destinations = {}, {}, {}
        labour = dict.fromkeys(LABOUR_KEYS, 0)
        for row in csv.reader(handle, delimiter=delimiter):
            exploited = country_of(row[exp_col])
            cit = country_of(row[cit_col])
            if cit == target and exploited is not None and exploited != target:
                destinations[exploited] = destinations.get(exploited, 0) + 1
            if exploited != target:
                continue
            total += 1
            if cit is not None:
                citizenship[cit] = citizenship.get(cit, 0) + 1
                if cit == target:
                    domestic += 1
                else:
                    foreign += 1
            year = row[year_col].strip()
            if not is_missing(year):
                if year.endswith(".0"):
                    year = year[:-2]
                year = str(int(year))
                by_year[year] = by_year.get(year, 0) + 1
            informed = False
            for index, key in labour_cols:
                value = row[index].strip()
                if value in ("1", "1.0") or value.lower() == "true":
                    labour[key] += 1
                    informed = True
            denominator += informed
    return {
        "total": total,
        "domestic": domestic,
        "foreign": foreign,
        "by_year": by_year,
        "citizenship": citizenship,
        "destinations_abroad": destinations,
        "labour_sector": {
            "counts": labour,
            "denominator": denominator,
            "missing": total - denominator,
        },
    }


def compare_country_table(name, rows, summary, peer, total, errors):
    """vigil keeps the top rows (count descending, then alpha-3): check each
    kept row, the order, and the summary against the peer's full table."""
    for row in rows:
        got = peer.get(row["code"], 0)
        if got != row["count"]:
            errors.append(f"{name}[{row['code']}]: vigil {row['count']}, peer {got}")
    expected = sorted(peer.items(), key=lambda item: (-item[1], item[0]))[: len(rows)]
    kept = [(row["code"], row["count"]) for row in rows]
    if kept != expected:
        errors.append(f"{name} rows: vigil {kept}, peer top {len(rows)} {expected}")
    known = sum(peer.values())
    if summary is not None:
        if summary["known"] != known:
            errors.append(f"{name}_summary.known: vigil {summary['known']}, peer {known}")
        if summary["distinct"] != len(peer):
            errors.append(f"{name}_summary.distinct: vigil {summary['distinct']}, peer {len(peer)}")
        if summary["other"] != known - sum(count for _, count in kept):
            errors.append(f"{name}_summary.other: vigil {summary['other']}, "
                          f"peer {known - sum(count for _, count in kept)}")
        if total is not None and summary["missing"] != total - known:
            errors.append(f"{name}_summary.missing: vigil {summary['missing']}, "
                          f"peer {total - known}")
    if not rows and peer:
        errors.append(f"{name}: vigil lists no row, peer has {len(peer)} countries")


def check(vigil_path, peer_path, label):
    with open(vigil_path, encoding="utf-8") as handle:
        vigil = json.load(handle)
    with open(peer_path, encoding="utf-8") as handle:
        peer = json.load(handle)
    errors = []
    for key in ("total", "domestic", "foreign"):
        if vigil.get(key) != peer[key]:
            errors.append(f"{key}: vigil {vigil.get(key)}, peer {peer[key]}")
    peer_years = {str(year): count for year, count in peer["by_year"].items()}
    vigil_years = vigil.get("by_year", {})
    for year in sorted(set(peer_years) | set(vigil_years)):
        if vigil_years.get(year, 0) != peer_years.get(year, 0):
            errors.append(f"by_year[{year}]: vigil {vigil_years.get(year, 0)}, "
                          f"peer {peer_years.get(year, 0)}")
    compare_country_table("citizenship", vigil.get("citizenship", []),
                          vigil.get("citizenship_summary"), peer["citizenship"],
                          peer["total"], errors)
    # Citizens whose country of exploitation is unknown count as missing in
    # vigil's destination table; the peer does not count them, so only the
    # known side of the summary is compared.
    compare_country_table("destinations_abroad", vigil.get("destinations_abroad", []),
                          vigil.get("destinations_abroad_summary"),
                          peer["destinations_abroad"], None, errors)
    labour = vigil.get("labour_sector")
    if labour is None:
        errors.append("labour_sector: missing from vigil's JSON")
    else:
        peer_labour = peer["labour_sector"]
        for key in LABOUR_KEYS:
            got, want = labour["counts"].get(key), peer_labour["counts"].get(key, 0)
            if got != want:
                errors.append(f"labour_sector.counts.{key}: vigil {got}, peer {want}")
        for key in ("denominator", "missing"):
            if labour.get(key) != peer_labour[key]:
                errors.append(f"labour_sector.{key}: vigil {labour.get(key)}, "
                              f"peer {peer_labour[key]}")
    if errors:
        print(f"MISMATCH ({label}): vigil {vigil_path} vs peer {peer_path}", file=sys.stderr)
        for error in errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    print(f"ok: {label}: total {peer['total']}, domestic {peer['domestic']}, "
          f"foreign {peer['foreign']}, {len(peer_years)} years, "
          f"{len(peer['citizenship'])} citizenships, labour denominator "
          f"{peer['labour_sector']['denominator']}")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    from_csv = sub.add_parser("csv", help="peer figures from a CTDC CSV file")
    from_csv.add_argument("file")
    from_csv.add_argument("--country", required=True)
    checker = sub.add_parser("check", help="compare vigil's profile JSON with peer figures")
    checker.add_argument("vigil_json")
    checker.add_argument("peer_json")
    checker.add_argument("--label", default="profile")
    args = parser.parse_args()
    if args.command == "csv":
        json.dump(peer_from_csv(args.file, args.country), sys.stdout, sort_keys=True)
        sys.stdout.write("\n")
        return 0
    return check(args.vigil_json, args.peer_json, args.label)


if __name__ == "__main__":
    sys.exit(main())
