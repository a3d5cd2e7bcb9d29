"""A demo school: class workbooks filled with plausible, seeded ratings (and a few typical
typing mistakes), then consolidated. Everything is synthetic: names are drawn from common
Danish names, UNI-logins are random strings."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, replace
from pathlib import Path

from xlkit.roster import Student, read_roster
from xlkit.school import overblik_file_name
from xlkit.showcase import build_showcase
from xlkit.plan import suggest
from xlkit.spec import ElevvurderingSpec, load_plan, load_spec, shipped_file
from xlkit.templates import aarshjul, elevvurdering, overblik
from xlkit.testdef import load_test

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
    template_file: Path  # an empty elevvurderingsskema for a new class
    roster_file: Path
    showcase_file: Path
    aarshjul_file: Path


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
    rosters: dict[str, list[Student]] = {}
    for grade in spec.grades:
        for letter in ("A", "B"):
            key = f"{grade}{letter}"
            size = rng.randint(20, 27)
            students = rosters[key] = make_students(rng, size)
            start_year = CURRENT_SCHOOL_YEAR - (grade - spec.grades[0])
            terms = (grade - spec.grades[0]) * len(spec.seasons) + 1
            ratings = make_ratings(rng, spec, size, terms)
            for mistake_key, row, offset, subject, typed in MISTAKES:
                if mistake_key == key:
                    ratings[(row, terms - offset, subject)] = typed
            if key == "8A":  # the same name twice, as happens with a copy-paste
                students = students[:9] + [Student(students[2].name, students[9].uni_login)] + students[10:]
            path = classes_dir / f"elevvurdering_{key}.xlsx"
            elevvurdering.build(spec, path, SCHOOL, letter, start_year, students=students, ratings=ratings)
            files.append(path)
    files += build_overblik_demo(classes_dir, rosters, rng)

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
    year_plan = build_aarshjul_demo(folder / "aarshjul.xlsx")
    return DemoResult(folder, files, template, roster, showcase, year_plan)


# The seed's story (Ullerup Bæk): student 3 struggles across all task types, the whole
# group struggles with "undersøg", and funktioner is harder than matematik i anvendelse.
AREA_EFFECT = {
    "Matematik i anvendelse": 0.10, "Funktioner": -0.16, "Statistik": 0.0, "Sandsynlighed": -0.02,
    "Algebra": -0.05, "Geometri": 0.03, "Læseforståelse": 0.0, "Ordforråd": 0.06, "Retskrivning": -0.10,
    "Sprog og grammatik": -0.03,
}
SIGNAL_EFFECT = {
    "Undersøg": -0.30, "Hvor mange": 0.08, "Vis": 0.03, "Tegn": 0.03, "Beskriv": -0.05, "Giv et …": -0.02,
    "Vurder": -0.22, "Fortolk": -0.08, "Find information": 0.08, "Sæt tegn": 0.04,
}
WEAK_STUDENT = 2  # the third student on the list, as in the seed
OVERBLIK_CLASSES = [  # (class key, test definitions oldest first)
    ("9A", ["prover/matematik_8_terminsprove.yaml", "prover/matematik_9_efteraar.yaml"]),
    ("9B", ["prover/matematik_8_terminsprove.yaml", "prover/matematik_9_efteraar.yaml"]),
    ("8A", ["prover/dansk_7_laesning.yaml", "prover/dansk_8_laesning.yaml"]),
]


def make_points(rng: random.Random, tests, students: int) -> dict:
    """Points per student and task: binomial on each task's maximum, with a probability
    from the student's ability and the task's fagområde and signalord."""
    points = {}
    abilities = [min(0.95, max(0.35, rng.gauss(0.70, 0.11))) for _ in range(students)]
    abilities[WEAK_STUDENT] = 0.22
    for number, test in enumerate(tests):
        for row, ability in enumerate(abilities):
            if number and rng.random() < 0.04:
                continue  # absent on the day
            for task in test.tasks:
                p = ability + 0.04 * number + AREA_EFFECT.get(task.area, 0) + SIGNAL_EFFECT.get(task.signal, 0)
                p = min(0.98, max(0.02, p + rng.gauss(0, 0.05)))
                steps = int(task.max * 2) if test.half_points else int(task.max)
                earned = sum(rng.random() < p for _ in range(steps))
                points[(row, test.short_name, task.id)] = earned / 2 if test.half_points else earned
    return points


def build_overblik_demo(folder: Path, rosters: dict[str, list[Student]], rng: random.Random) -> list[Path]:
    overblik_spec = load_spec(kind="overblik")
    files = []
    for key, definitions in OVERBLIK_CLASSES:
        tests = [load_test(shipped_file(d)) for d in definitions]
        students = rosters[key]
        points = make_points(rng, tests, len(students))
        if key == "9A":  # typical slips: a comma decimal typed as text, more than the maximum
            points[(5, tests[-1].short_name, "1.1")] = "2,0"
            points[(8, tests[-1].short_name, "2.2")] = 4
        path = folder / overblik_file_name(tests[0].subject, key)
        overblik.build(overblik_spec, path, SCHOOL, key[-1], tests, students, points)
        files.append(path)
    return files


CLASH = ("4.A", 44)  # three tests in one week for one class
MISSING = ("6.B", "Nationale færdighedstest, matematik")  # a compulsory test nobody planned
DONE_THROUGH_WEEK = 43  # the autumn weeks up to here are marked done, but for one forgotten row of FORGOTTEN_IN
FORGOTTEN_IN = "7.A"


def build_aarshjul_demo(path: Path) -> Path:
    """The shipped plan, completed by `suggest`, with a deliberate clash and a gap for the checks."""
    spec = load_plan()
    plan = suggest(spec).plan
    class_name, week = CLASH
    clashing = ("Nationale færdighedstest, læsning", "Nationale færdighedstest, matematik", "Læseprøve (ST-prøve)")
    plan = [replace(a, week=week) if a.class_name == class_name and a.activity in clashing else a for a in plan]
    plan = [a for a in plan if (a.class_name, a.activity) != MISSING]
    taken = [i for i, a in enumerate(plan) if 32 <= a.week <= DONE_THROUGH_WEEK]
    forgotten = next(i for i in taken if plan[i].class_name == FORGOTTEN_IN)
    plan = [replace(a, done=True) if i in taken and i != forgotten else a for i, a in enumerate(plan)]
    return aarshjul.build(spec, path, plan)
