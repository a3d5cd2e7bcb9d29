"""Specs: the shipped ones load; bad ones give every fault, in Danish, with file and path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from xlkit.errors import SpecError
from xlkit.spec import default_spec_path, load_spec

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("path", sorted((ROOT / "workbook_templates").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_spec_loads(path):
    kind = yaml.safe_load(path.read_text(encoding="utf-8"))["kind"]
    if kind == "aarshjul":
        from xlkit.spec import load_plan

        assert load_plan(path).kind == "aarshjul"
        return
    spec = load_spec(path, kind)
    assert spec.kind == kind
    if kind == "elevvurdering":
        assert [lv.value for lv in spec.scale.levels] == [1, 2, 3, 4, 5]
    else:
        assert (spec.thresholds.yellow_from, spec.thresholds.green_from) == (0.5, 0.8)


def test_default_spec_is_found_from_the_installed_package():
    assert default_spec_path("elevvurdering").read_text(encoding="utf-8").startswith("#")
    assert load_spec().id == "dagnaes-udskoling"


def _write(tmp_path, data) -> Path:
    path = tmp_path / "skole.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_bad_spec_lists_every_fault_with_its_path(tmp_path):
    data = yaml.safe_load((ROOT / "workbook_templates" / "elevvurdering.yaml").read_text(encoding="utf-8"))
    data["subjects"][2]["label"] = ""
    del data["subjects"][1]["name"]
    data["scale"][0]["color"] = "rød"
    data["max_students"] = 0
    data["grades"] = [9, 8]
    data["colour"] = "x"
    path = _write(tmp_path, data)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    faults = caught.value.faults
    assert "subjects[2].label: skal være en tekst, der ikke er tom" in faults
    assert "subjects[1].name: mangler" in faults
    assert "scale[0].color: 'rød' skal være en farvekode som #FFC000" in faults
    assert "max_students: skal være et helt tal fra 1 til 200" in faults
    assert "grades: klassetrinene skal stå i stigende rækkefølge uden gentagelser" in faults
    assert "colour: ukendt nøgle (stavefejl?)" in faults
    assert str(path) in str(caught.value)


def test_scale_must_be_consecutive(tmp_path):
    data = yaml.safe_load((ROOT / "workbook_templates" / "elevvurdering.yaml").read_text(encoding="utf-8"))
    data["scale"][2]["value"] = 7
    with pytest.raises(SpecError, match="hele tal i træk"):
        load_spec(_write(tmp_path, data))


@pytest.mark.parametrize("seasons, subjects", [
    (["efteraar", "foraar"], ["dansk-1", "dansk_1"]),  # found in review: a rating was read as the other subject's
    (["a", "a_b"], ["b_c", "c"]),  # a_b_c either way
])
def test_ids_that_give_the_same_defined_name_are_a_fault(tmp_path, seasons, subjects):
    data = yaml.safe_load((ROOT / "workbook_templates" / "elevvurdering.yaml").read_text(encoding="utf-8"))
    data["seasons"] = [{**season, "id": id} for season, id in zip(data["seasons"], seasons)]
    data["subjects"] = [{**subject, "id": id, "label": f"FAG{i}"} for i, (subject, id) in enumerate(zip(data["subjects"], subjects))]
    with pytest.raises(SpecError) as caught:
        load_spec(_write(tmp_path, data))
    assert [f for f in caught.value.faults if f.startswith("subjects:")] == [
        "subjects: to fag eller sæsoner får samme navn i skemaet, fordi deres id'er kun adskiller sig ved - og _ "
        "(fx 'dansk-1' og 'dansk_1'); giv dem id'er med kun bogstaver og tal"]


def test_texts_quoted_in_formulas_have_a_length_limit(tmp_path):
    """Excel refuses a string literal over 255 characters (found in review: a long subject
    label made the fokus formula's literals 341 characters)."""
    data = yaml.safe_load((ROOT / "workbook_templates" / "elevvurdering.yaml").read_text(encoding="utf-8"))
    data["subjects"][0]["label"] = "L" * 41
    data["scale"][0]["name"] = "N" * 41
    with pytest.raises(SpecError) as caught:
        load_spec(_write(tmp_path, data))
    assert caught.value.faults == ["subjects[0].label: må højst være 40 tegn", "scale[0].name: må højst være 40 tegn"]
    data["subjects"][0]["label"], data["scale"][0]["name"] = "DAN\x0bSK", "Rød"  # quoted raw in the formulas' XML
    with pytest.raises(SpecError) as caught:
        load_spec(_write(tmp_path, data))
    assert caught.value.faults == ["subjects[0].label: må ikke indeholde kontroltegn eller ugyldige tegn"]


def test_a_spec_whose_fokus_formula_excel_would_refuse_is_not_built(tmp_path):
    """One workbook for 0.–9. klasse with 12 subjects gave an 8,376-character formula (found
    in review); Excel takes 8,192. The formula picks each rating by position now, so only
    the number of subjects makes it longer."""
    from xlkit.errors import XlkitError
    from xlkit.templates import elevvurdering

    data = yaml.safe_load((ROOT / "workbook_templates" / "elevvurdering.yaml").read_text(encoding="utf-8"))
    data["grades"] = list(range(10))
    data["subjects"] = [{"id": f"fag{i}", "label": f"FAG{i}", "name": f"Fag {i}"} for i in range(12)]
    assert elevvurdering.build(load_spec(_write(tmp_path, data)), tmp_path / "s.xlsx", "Skolen", "A", 2026, 0).exists()
    data["subjects"] = [{"id": f"fag{i}", "label": f"FAG{i}", "name": f"Fag {i}"} for i in range(20)]
    with pytest.raises(XlkitError, match="så mange fag, at fokusformlen bliver 8[.][0-9]{3} tegn lang; Excel tillader 8[.]192"):
        elevvurdering.build(load_spec(_write(tmp_path, data)), tmp_path / "t.xlsx", "Skolen", "A", 2026, 0)
    assert not (tmp_path / "t.xlsx").exists()


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "brudt.yaml"
    path.write_text("kind: elevvurdering\nsubjects: [dansk\n", encoding="utf-8")
    with pytest.raises(SpecError, match="linje 3"):
        load_spec(path)


def test_missing_spec_file(tmp_path):
    with pytest.raises(SpecError, match="filen findes ikke"):
        load_spec(tmp_path / "findes-ikke.yaml")


def test_empty_and_non_utf8_files(tmp_path):
    empty = tmp_path / "tom.yaml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_spec(empty)
    assert caught.value.faults == ["(roden): er tom"]
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("navn: Bøgebakke".encode("cp1252"))
    with pytest.raises(SpecError, match="gem den som UTF-8"):
        load_spec(latin)


def test_one_level_scale_is_refused(tmp_path):
    data = yaml.safe_load((ROOT / "workbook_templates" / "elevvurdering.yaml").read_text(encoding="utf-8"))
    data["scale"] = data["scale"][:1]
    data["focus"] = {"at_or_below": 1, "drop_steps": 1}
    with pytest.raises(SpecError) as caught:
        load_spec(_write(tmp_path, data))
    assert "scale: skal have mindst 2 niveauer" in caught.value.faults
