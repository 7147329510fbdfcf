#!/usr/bin/env python3
"""Writes plans/data/passengers.csv: synthetic Titanic-style passenger records
for the demo API, from a fixed seed (the same file every time).

The values are made up by this script: names from small lists, ages, fares
and cabins drawn at random, with the gaps (no age, no cabin, no port) that
real passenger lists have.

    python3 scripts/make_passengers.py [ROWS]     (default 400)
"""
import csv
import pathlib
import random
import sys

SURNAMES = ["Abbott", "Baker", "Carter", "Dalton", "Ellis", "Fischer", "Garcia", "Hansen",
            "Ivanov", "Jensen", "Kelly", "Larsen", "Moreau", "Nilsson", "Olsen", "Petrov",
            "Quinn", "Rossi", "Sato", "Taylor", "Urban", "Varga", "Walsh", "Young", "Zeller"]
MEN = ["Arthur", "Bernard", "Carl", "David", "Edward", "Frank", "George", "Henry", "Jan", "Karl"]
WOMEN = ["Alice", "Bertha", "Clara", "Dora", "Edith", "Flora", "Grace", "Helen", "Ida", "Jane"]


def passenger(rng, pid):
    pclass = rng.choices([1, 2, 3], weights=[2, 2, 5])[0]
    sex = rng.choice(["male", "female"])
    age = None if rng.random() < 0.2 else round(rng.uniform(0.5, 75) * 2) / 2
    if sex == "male":
        title = "Master" if age is not None and age < 13 else "Mr"
        given = rng.choice(MEN)
    else:
        title = rng.choice(["Miss", "Mrs"])
        given = rng.choice(WOMEN)
    fare = round(rng.uniform(*{1: (30, 260), 2: (10, 40), 3: (6, 25)}[pclass]), 4)
    if rng.random() < 0.5:
        ticket = str(rng.randint(100000, 399999))
    else:
        ticket = f"{rng.choice(['A/5', 'PC', 'STON/O2.', 'C.A.', 'SOTON/OQ'])} {rng.randint(1000, 99999)}"
    cabin = ""
    if pclass == 1 and rng.random() < 0.8:
        cabin = f"{rng.choice('ABCDE')}{rng.randint(1, 130)}"
    embarked = "" if rng.random() < 0.01 else rng.choices(["S", "C", "Q"], weights=[7, 2, 1])[0]
    return {
        "PassengerId": pid,
        "Pclass": pclass,
        "Name": f"{rng.choice(SURNAMES)}, {title}. {given}",
        "Sex": sex,
        "Age": "" if age is None else age,
        "SibSp": rng.choices([0, 1, 2, 3], weights=[12, 5, 1, 1])[0],
        "Parch": rng.choices([0, 1, 2], weights=[14, 3, 2])[0],
        "Ticket": ticket,
        "Fare": fare,
        "Cabin": cabin,
        "Embarked": embarked,
    }


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    rng = random.Random(1912)
    out = pathlib.Path(__file__).resolve().parent.parent / "plans" / "data" / "passengers.csv"
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(passenger(random.Random(0), 0)))
        writer.writeheader()
        for pid in range(1, rows + 1):
            writer.writerow(passenger(rng, pid))
    print(f"wrote {rows} rows to {out}")


if __name__ == "__main__":
    main()
