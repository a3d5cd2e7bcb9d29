"""A demo school: class workbooks filled with plausible, seeded ratings (and a few typical
typing mistakes), then consolidated. Everything is synthetic: names are drawn from common
Danish names, UNI-logins are random strings."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from xlkit.roster import Student, read_roster
from xlkit.showcase import build_showcase
from xlkit.spec import ElevvurderingSpec, load_spec
from xlkit.templates import elevvurdering

SCHOOL = "Bøgebakkeskolen"
CURRENT_SCHOOL_YEAR = 2026  # 2026/27: the efterår 2026 round is the latest one filled in

GIRLS = [
    "Emma", "Ida", "Clara", "Freja", "Alma", "Ella", "Sofia", "Karla", "Anna", "Laura", "Josefine",
    "Agnes", "Olivia", "Ellen", "Asta", "Nora", "Lærke", "Mathilde", "Signe", "Maja", "Frida", "Sofie",
    "Caroline", "Vigga", "Esther", "Rosa", "Liva", "Marie", "Luna", "Astrid",
]
BOYS = [
    "William", "Noah", "Oscar", "Lucas", "Carl", "Malthe", "Alfred", "Valdemar", "Emil", "Oliver",
    "Magnus", "Frederik", "Aksel", "Elias", "Victor", "August", "Anton", "Mikkel", "Storm", "Theo",
    "Johan", "Villads", "Bertram", "Søren", "Asger", "Mads", "Nikolaj", "Jonas", "Rasmus", "Tobias",
]
SURNAMES = [
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen",
    "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen", "Jakobsen", "Mikkelsen", "Frederiksen",
    "Lauridsen", "Holm", "Schmidt", "Kjær", "Dahl", "Bach", "Østergaard", "Lund", "Winther", "Skov",
]
BASE_WEIGHTS = {1: 0.02, 2: 0.05, 3: 0.27, 4: 0.46, 5: 0.20}


@dataclass(frozen=True)
class DemoResult:
    folder: Path
    class_files: list[Path]
    template_file: Path
    roster_file: Path
    showcase_file: Path


def make_students(rng: random.Random, count: int) -> list[Student]:
    names: set[str] = set()
    students = []
    while len(students) < count:
        first = rng.choice(GIRLS if rng.random() < 0.5 else BOYS)
        name = f"{first} {rng.choice(SURNAMES)}"
        if name in names:
            continue
        names.add(name)
        login = "".join(rng.choice("abcdefghijkmnopqrstuvwxyz") for _ in range(4)) + f"{rng.randrange(1000, 9999)}"
        students.append(Student(name, login))
    return students


def make_ratings(rng: random.Random, spec: ElevvurderingSpec, students: int, terms: int) -> dict:
    """Each student has a level per subject; ratings vary around it, and a few students
    have a real setback that lasts (which the focus rule should catch)."""
    ratings = {}
    for row in range(students):
        for subject in spec.subjects:
            level = rng.choices(list(BASE_WEIGHTS), weights=list(BASE_WEIGHTS.values()))[0]
            for term in range(1, terms + 1):
                if term > 1 and rng.random() < 0.015:
                    level -= 2
                noise = rng.choices((-1, 0, 1), weights=(0.07, 0.85, 0.08))[0]
                value = max(spec.scale.low, min(spec.scale.high, level + noise))
                if rng.random() < 0.02:
                    continue  # not rated this time (ill, new in class)
                ratings[(row, term, subject.id)] = value
    return ratings


# Typical mistakes, so the problems sheet shows what the reader catches:
# (class file key, student row, term offset from latest, subject id, what was typed)
MISTAKES = [
    ("8B", 3, 0, "dansk", "4,0"),
    ("8B", 7, 0, "soc", " 3 "),
    ("9A", 2, 0, "mat", "gul"),
    ("7B", 5, 0, "dansk", 6),
    ("9B", 11, 0, "soc", "x"),
    ("7A", 4, 0, "mat", 3.5),
]


def build_demo(folder: str | Path, seed: int = 2026) -> DemoResult:
    """Write the demo school's workbooks under `folder` (nothing is consolidated here)."""
    folder = Path(folder)
    spec = load_spec()
    rng = random.Random(seed)
    classes_dir = folder / "klasser"
    classes_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for grade in spec.grades:
        for letter in ("A", "B"):
            key = f"{grade}{letter}"
            size = rng.randint(20, 27)
            students = make_students(rng, size)
            start_year = CURRENT_SCHOOL_YEAR - (grade - spec.grades[0])
            terms = (grade - spec.grades[0]) * len(spec.seasons) + 1
            ratings = make_ratings(rng, spec, size, terms)
            for mistake_key, row, offset, subject, typed in MISTAKES:
                if mistake_key == key:
                    ratings[(row, terms - offset, subject)] = typed
            if key == "8A":  # the same name twice, as happens with a copy-paste
                students[9] = Student(students[2].name, students[9].uni_login)
            path = classes_dir / f"elevvurdering_{key}.xlsx"
            elevvurdering.build(spec, path, SCHOOL, letter, start_year, students=students, ratings=ratings)
            files.append(path)

    templates_dir = folder / "skabeloner"
    templates_dir.mkdir(exist_ok=True)
    roster = templates_dir / "elevliste_7C.csv"
    with roster.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Navn", "UNI-login"])
        for student in make_students(rng, 22):
            writer.writerow([student.name, student.uni_login])
    template = templates_dir / "elevvurdering_7C_tom.xlsx"
    elevvurdering.build(spec, template, SCHOOL, "C", CURRENT_SCHOOL_YEAR, students=read_roster(roster))
    showcase = build_showcase(folder / "xlwings_funktioner.xlsx")
    return DemoResult(folder, files, template, roster, showcase)
