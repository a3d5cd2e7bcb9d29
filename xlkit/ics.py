"""The årshjul in the calendars teachers already use: one iCalendar file per class and per
responsible person, each planned activity an all-day event over its school week(s)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

from icalendar import Calendar, Event

from xlkit.plan import Assignment, PlanSpec, school_weeks


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//xlkit//årshjul//DA")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    return calendar


MAX_STEM = 60  # characters of the name kept in a file name; file systems allow 255 bytes in all


def _file_name(prefix: str, name: str) -> str:
    """klasse_7_A.ics, ansvarlig_Hanne_Jensen.ics; a long name (a whole sentence typed as
    the responsible person) is cut, with a short hash so two of them stay apart."""
    stem = re.sub(r"[^0-9A-Za-zÆØÅæøå]+", "_", name).strip("_")
    if len(stem) > MAX_STEM:
        stem = f"{stem[:MAX_STEM]}_{hashlib.sha1(name.encode()).hexdigest()[:8]}"
    return f"{prefix}_{stem}.ics"


def write_calendars(spec: PlanSpec, plan: list[Assignment], folder: Path) -> list[Path]:
    """Write klasse_<klasse>.ics and ansvarlig_<navn>.ics; returns the files written."""
    mondays = {w.week: w.monday for w in school_weeks(spec)}
    by_class: dict[str, Calendar] = {}
    by_person: dict[str, Calendar] = {}
    stamp = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    for a in plan:
        activity = spec.activity(a.activity)
        if activity is None or a.week not in mondays:
            continue
        start = mondays[a.week]
        person = a.responsible or activity.responsible
        event = Event()
        identity = f"{spec.id}|{a.activity}|{a.class_name}|{a.week}|{a.row}"
        event.add("uid", hashlib.sha1(identity.encode()).hexdigest() + "@xlkit")
        event.add("dtstamp", stamp)
        event.add("summary", f"{activity.name} ({a.class_name})")
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(days=7 * (activity.duration - 1) + 5))  # Monday to Friday, exclusive end
        event.add("description", f"Ansvarlig: {person}" + (f"\n{a.note}" if a.note else ""))
        event.add("categories", [activity.kind])
        for calendars, key, prefix in ((by_class, a.class_name, "Klasse"), (by_person, person, "Ansvarlig")):
            calendars.setdefault(key, _calendar(f"Årshjul {spec.school_year}/{(spec.school_year + 1) % 100:02d}: "
                                                f"{prefix.lower()} {key}")).add_component(event)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    used: set[str] = set()
    for calendars, prefix in ((by_class, "klasse"), (by_person, "ansvarlig")):
        for key, calendar in sorted(calendars.items()):
            name = _file_name(prefix, key)
            while name in used:  # "Anne-Marie" and "Anne Marie" must not overwrite each other
                name = name[:-4] + "_2.ics"
            used.add(name)
            path = folder / name
            path.write_bytes(calendar.to_ical())
            written.append(path)
    return written
