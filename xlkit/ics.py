"""The årshjul in the calendars teachers already use: one iCalendar file per class and per
responsible person, each planned activity an all-day event over its school week(s)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections import Counter
from pathlib import Path

from icalendar import Calendar, Event, vText

from xlkit.errors import XlkitError
from xlkit.plan import canonical, school_weeks
from xlkit.spec import Assignment, PlanSpec

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _one_line(text: str) -> str:
    """Text without control characters or line breaks, which RFC 5545 does not allow raw."""
    return " ".join(CONTROL_CHARACTERS.sub(" ", text).split())


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//xlkit//årshjul//DA")
    calendar.add("version", "2.0")
    # icalendar writes X- properties as they are unless told they are text: a line break typed
    # in a cell (Alt+Enter) stopped the export, and a comma, semicolon or backslash went unescaped
    calendar.add("x-wr-calname", vText(_one_line(name)))
    return calendar


MAX_STEM = 60  # characters of the name kept in a file name; file systems allow 255 bytes in all


def _file_name(prefix: str, name: str) -> str:
    """klasse_7_A.ics, ansvarlig_Hanne_Jensen.ics; a long name (a whole sentence typed as
    the responsible person) is cut, with a short hash so two of them stay apart."""
    stem = re.sub(r"[^0-9A-Za-zÆØÅæøå]+", "_", name).strip("_")
    if len(stem) > MAX_STEM:
        stem = f"{stem[:MAX_STEM]}_{hashlib.sha1(name.encode()).hexdigest()[:8]}"
    return f"{prefix}_{stem}.ics"


def _uid(school: str, a: Assignment, occurrence: int) -> str:
    """The event's persistent identity (RFC 5545 3.8.4.7): the activity, the class and which of
    the pair's rows it is, in plan order; never its week or sheet row, or a moved test came
    back as a second event beside the old one when the calendar was imported again (found by
    the red team)."""
    identity = f"{school}|{a.activity}|{a.class_name}|{occurrence}"
    return hashlib.sha1(identity.encode()).hexdigest() + "@xlkit"


def write_calendars(spec: PlanSpec, plan: list[Assignment], folder: Path, calendar_id: str = "",
                    with_notes: bool = True) -> tuple[list[Path], list[Assignment]]:
    """Write klasse_<klasse>.ics and ansvarlig_<navn>.ics; returns the files written and the
    rows left out (an unknown activity or class, or no school week). Names are matched without regard
    to case, as the Tjek sheet and `plan check` do: "2.a" is 2.A's row (found in review).
    `calendar_id` is the årshjul's own (aarshjul.stored_calendar_id), so two schools' events differ.
    Without `with_notes`, the notes (which may name students) are left out of the events."""
    mondays = {w.week: w.monday for w in school_weeks(spec)}
    classes = set(spec.classes)
    by_class: dict[str, Calendar] = {}
    by_person: dict[str, Calendar] = {}
    left_out: list[Assignment] = []
    stamp = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    school = f"{calendar_id}|{spec.id}|{spec.title}|{spec.school_year}"  # an older årshjul has no calendar_id
    occurrences: Counter = Counter()
    for a in canonical(spec, plan):
        occurrences[(a.activity, a.class_name)] += 1
        activity = spec.activity(a.activity)
        if activity is None or a.week not in mondays or a.class_name not in classes:  # an unknown class: a file of its own
            left_out.append(a)
            continue
        start = mondays[a.week]
        # "Åse" pasted from a Mac (A and a ring) or with a double space is the same person: it made
        # a second calendar beside hers (found by the red team)
        person = " ".join(unicodedata.normalize("NFC", a.responsible or activity.responsible).split())
        event = Event()
        event.add("uid", _uid(school, a, occurrences[(a.activity, a.class_name)]))
        event.add("dtstamp", stamp)
        event.add("summary", _one_line(f"{activity.name} ({a.class_name})"))
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(days=7 * (activity.duration - 1) + 5))  # Monday to Friday, exclusive end
        # a test week is no meeting: without this (OPAQUE by default) Outlook and Google showed every
        # teacher of the class as busy all week to anyone booking a meeting (found by the red team)
        event.add("transp", "TRANSPARENT")
        notes = a.note.splitlines() if with_notes else []
        event.add("description", _one_line(f"Ansvarlig: {person}") + "".join(f"\n{_one_line(line)}" for line in notes))
        event.add("categories", [activity.kind])
        for calendars, key, prefix in ((by_class, a.class_name, "Klasse"), (by_person, person, "Ansvarlig")):
            calendars.setdefault(key, _calendar(f"Årshjul {spec.school_year_label}: "
                                                f"{prefix.lower()} {key}")).add_component(event)
    files: dict[Path, Calendar] = {}
    for calendars, prefix in ((by_class, "klasse"), (by_person, "ansvarlig")):
        for key, calendar in sorted(calendars.items()):
            name = _file_name(prefix, key)
            # "Anne-Marie" and "Anne Marie", or "Anne" and "anne" on Windows and macOS, must not overwrite each other
            while any(name.casefold() == path.name.casefold() for path in files):
                name = name[:-4] + "_2.ics"
            files[folder / name] = calendar
    existing = [path.name for path in files if path.exists()]
    if existing:  # like every other command: nothing is overwritten
        raise XlkitError(f"{existing[0]} findes allerede i {folder}. Vælg en ny mappe, så intet overskrives.")
    folder.mkdir(parents=True, exist_ok=True)
    for path, calendar in files.items():
        path.write_bytes(calendar.to_ical())
    return list(files), left_out
