"""The learned line classifier (issue 24): loads offline, deterministic features, beats all-body on a
family it never saw, no invented title, and a kind for every line in linear time on odd pages."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
MODEL = "models/line_model"
LONG = ("The municipal ecology and environment bureau said on Monday that the average concentration of fine "
        "particulate matter fell by a tenth last year, and that the city will close more small coal boilers.")


@pytest.fixture(scope="module")
def clf():
    from pipeline.stages.segment.lines import LineClassifier

    return LineClassifier(model=MODEL)


def test_model_loads_offline_and_is_small(clf):
    assert clf.model is not None and clf.model.rule_id == "line_model.crf.v1"
    assert (REPO / MODEL / "model.crfsuite").stat().st_size < 5_000_000
    assert {"title", "body", "boilerplate"} <= clf.model.labels


def test_features_are_deterministic():
    from pipeline.stages.segment.line_model import line_features

    lines = ["Home | News | Environment", "River chiefs step up patrols", "Updated: 2024-05-02 10:31", LONG, LONG, "Share", ""]
    assert line_features(lines) == line_features(list(lines))
    idx, feats = line_features(lines)
    assert idx == [0, 1, 2, 3, 4, 5]                 # blank lines carry no features
    assert "run=in" in feats[3] and "run=in" not in feats[0]


def test_every_line_has_a_kind_and_a_rule(clf):
    text = "Home | News\nRiver chiefs step up patrols\n\n" + LONG + "\nLike(0)\nShare:"
    lines = clf.classify(text)
    assert len(lines) == len(text.split("\n"))
    assert all(ln["kind"] in ("title", "heading", "caption", "metadata", "boilerplate", "body") and ln["rule"] for ln in lines)
    assert [ln["kind"] for ln in lines][-2:] == ["boilerplate", "boilerplate"]     # exact rules still decide these
    assert lines[-1]["rule"] == "bp_button_only"


def test_trained_model_beats_all_body_on_a_held_out_train_family(tmp_path):
    sys.path.insert(0, str(REPO / "bench"))
    from train_line_model import load_articles, write_model

    from pipeline.stages.segment.lines import LineClassifier

    articles = load_articles(("train",))
    families = sorted({a["family"] for a in articles if sum(b["family"] == a["family"] for b in articles) >= 4})
    held_family = families[0]
    held = [a for a in articles if a["family"] == held_family]
    write_model([a for a in articles if a["family"] != held_family], tmp_path)
    model_clf = LineClassifier(model=str(tmp_path))
    total = model_ok = body_ok = 0
    for art in held:
        got = [ln["kind"] for ln in model_clf.classify(art["text"])]
        total += len(got)
        model_ok += sum(g == k for g, k in zip(got, art["kinds"]))
        body_ok += sum(k == "body" for k in art["kinds"])
    assert model_ok > body_ok, (held_family, model_ok, body_ok, total)


def test_a_page_without_a_title_line_gets_none(clf):
    text = "\n".join([LONG, LONG.replace("Monday", "Tuesday"), LONG.replace("last year", "in 2023")])
    assert not any(ln["kind"] == "title" for ln in clf.classify(text))


def test_at_most_one_title(clf):
    text = "Home | News\nRiver chiefs step up patrols\nCity opens wetland park\n" + "\n".join([LONG] * 4)
    assert sum(ln["kind"] == "title" for ln in clf.classify(text)) <= 1


def test_pure_chrome_page(clf):
    text = "Home | News | About\nLike(0)\nCollect\nShare:\nCopyright © 2024. All rights reserved.\nPrivacy policy"
    lines = clf.classify(text)
    assert len(lines) == 6 and all(ln["kind"] in ("boilerplate", "metadata") for ln in lines)


def test_one_giant_line_is_linear_and_body(clf):
    text = " ".join([LONG] * 20_000)                  # ~ 640,000 words on one line
    t0 = time.perf_counter()
    lines = clf.classify(text)
    assert time.perf_counter() - t0 < 2.0
    assert [ln["kind"] for ln in lines] == ["body"]


def test_ten_thousand_short_lines_in_linear_time(clf):
    def timed(n: int) -> float:
        text = "\n".join(f"Item {i} of the list" for i in range(n))
        t0 = time.perf_counter()
        lines = clf.classify(text)
        assert len(lines) == n and all(ln["kind"] for ln in lines)
        return time.perf_counter() - t0

    t10 = timed(10_000)
    t20 = timed(20_000)
    assert t10 < 10.0 and t20 < 4 * t10 + 0.5        # linear, not quadratic


# -- the cue-word rules that act only without the model (line_model = null; issue 19) --------------------
# bp_site_suffix, bp_phone_line, md_release_time and md_dateline_only are not exact: with the model (the
# default) they never decide a line, so no corpus record names them. Each gets a positive and a negative
# case under the rules-only classifier, and a check that the model, not the rule, decides them by default.
RULES_ONLY = [
    ("bp_site_suffix", "Provincial Environment Net", "Our new network went online"),
    ("bp_phone_line", "Report phone: 023-63907116", "The phone line opens on Monday for farmers who need help."),
    ("md_release_time", "Release Time2 months ago", "Published in 2023, the plan sets targets for every district of the province."),
    ("md_dateline_only", "2024-05-20 21:59", "May 20, 2024 was the deadline for the district plans."),
]


@pytest.fixture(scope="module")
def rules_clf():
    from pipeline.stages.segment.lines import LineClassifier

    return LineClassifier(model=None)


@pytest.mark.parametrize("rule_id,positive,negative", RULES_ONLY, ids=[r[0] for r in RULES_ONLY])
def test_rules_only_line_rule_fires_on_its_case_and_not_on_a_near_miss(rules_clf, rule_id, positive, negative):
    hit = rules_clf.rule_kind(positive)
    assert hit is not None and hit[1] == rule_id, hit
    miss = rules_clf.rule_kind(negative)
    assert miss is None or miss[1] != rule_id, miss


@pytest.mark.parametrize("rule_id,positive,negative", RULES_ONLY, ids=[r[0] for r in RULES_ONLY])
def test_rules_only_line_rule_is_not_applied_with_the_model(clf, rule_id, positive, negative):
    assert all(r.id != rule_id for r in clf.exact_rules)
    lines = clf.classify("River chiefs step up patrols\n" + positive + "\n" + LONG)
    assert all(entry["rule"] != rule_id for entry in lines)


def test_every_line_rule_example_yields_its_rule_id():
    """Each rule of line_rules.jsonl claims its own example (rules that are not exact: without the model)."""
    from pipeline.resources import load_rows
    from pipeline.stages.segment.lines import LineClassifier

    rules_only, with_model = LineClassifier(model=None), LineClassifier(model=MODEL)
    for row in load_rows("segment", "line_rules"):
        clf_ = with_model if row.get("exact") else rules_only
        entries = clf_.classify(row["example"])
        assert [e["rule"] for e in entries] == [row["id"]], (row["id"], entries)


# -- feature groups of the second pass (issue 24: metadata shapes, page anchors, title and heading shapes) -----
def test_metadata_shapes_fire_on_dates_bylines_and_labels():
    from pipeline.stages.segment.line_model import line_features

    lines = ["By Jane Doe | March 4, 2023", "Posted 4 March 2023, 09:10", "12.03.2023 – 14:05 CET",
             "Monday, 16 May 2022", "Topics: Water, Recycling", LONG, "The plan was made by the council in May."]
    _, feats = line_features(lines, groups=("meta",))
    assert "md_byline" in feats[0] and "md_date=month" in feats[0]
    assert {"md_date=month", "md_clock"} <= set(feats[1])
    assert {"md_date=num", "md_clock", "md_date_share=3"} <= set(feats[2])   # the line is nearly all date and time
    assert "md_weekday_date" in feats[3]
    assert "md_label" in feats[4]
    assert not any(k.startswith("md_") for k in feats[5]) and "md_byline" not in feats[6]
    assert "p1:md_label" in feats[5]                     # neighbours see the shapes too


def test_feature_groups_are_optional_and_off_means_off():
    from pipeline.stages.segment.line_model import line_features

    lines = ["Home | News", "River chiefs step up patrols", "By Jane Doe | March 4, 2023", LONG, "Background", LONG]
    _, none = line_features(lines, groups=())
    assert not any(k.split(":")[-1].startswith(("md_", "fl", "title_rank", "hd_")) for f in none for k in f)
    _, page = line_features(lines, groups=("anchor", "title", "heading"))
    assert "fl_d=0" in page[3] and "fl_d=-3" in page[0]
    assert "title_rank=0" in page[1]
    assert "hd_between_prose" in page[4]


def test_shipped_model_names_its_feature_groups(clf):
    from pipeline.stages.segment.line_model import FEATURE_GROUPS

    assert clf.model is not None and clf.model.groups <= set(FEATURE_GROUPS)
    assert clf.model.meta["feature_groups"] == sorted(clf.model.meta["feature_groups"], key=FEATURE_GROUPS.index)


def test_an_unknown_feature_group_fails_at_load_time(tmp_path):
    import json
    import shutil

    from pipeline.stages.segment.line_model import LineModel

    for name in ("model.crfsuite", "meta.json"):
        shutil.copy(REPO / MODEL / name, tmp_path / name)
    meta = json.loads((tmp_path / "meta.json").read_text(encoding="utf-8"))
    meta["feature_groups"] = ["meta", "publisher_names"]
    (tmp_path / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ValueError, match="publisher_names"):
        LineModel(tmp_path)
