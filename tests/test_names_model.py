"""The trained name models load offline and recognise agencies in held-back sentences.

The sentences below were written for this test (not taken from the corpus, the gold or the
gazetteer, and not used in training): provinces, cities and bodies that the training data
does not name. The spaCy NER (models/names_ner) is fast and always tested; anything that
loads the MiniLM classifier (models/names_minilm) is marked ``slow``.
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NER = REPO / "models" / "names_ner"
MINILM = REPO / "models" / "names_minilm"

# (sentence, an agency name it contains)
HELD_BACK = [
    ("On Monday the Guizhou Provincial Department of Ecology and Environment said that 14 rivers met the standard.",
     "Guizhou Provincial Department of Ecology and Environment"),
    ("Inspectors from the Hunan Provincial Forestry Bureau visited three nature reserves in May.",
     "Hunan Provincial Forestry Bureau"),
    ("The Xiamen Municipal Bureau of Ecology and Environment fined two shipyards for illegal discharges.",
     "Xiamen Municipal Bureau of Ecology and Environment"),
    ("According to the Ministry of Natural Resources, the coastline survey will be finished next year.",
     "Ministry of Natural Resources"),
    ("Officials of the Qinghai Provincial Water Resources Department inspected the reservoir on Friday.",
     "Qinghai Provincial Water Resources Department"),
    ("The Lanzhou Municipal People's Government announced new limits on coal heating last winter.",
     "Lanzhou Municipal People's Government"),
]


def _no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted while loading a model")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _found(ents, text: str, name: str) -> bool:
    start = text.index(name)
    end = start + len(name)
    return any(label == "AGENCY" and s < end and start < e for s, e, label in ents)


@pytest.fixture(scope="module")
def ner():
    import spacy

    return spacy.load(NER)


def test_ner_model_is_small_and_complete():
    size = sum(p.stat().st_size for p in NER.rglob("*") if p.is_file())
    assert size < 20_000_000, f"models/names_ner is {size / 1e6:.1f} MB"
    assert (NER / "config.cfg").exists() and (NER / "meta.json").exists()
    assert not (NER / "model-last").exists() and not (NER / "model-best").exists()
    meta = json.loads((NER / "meta.json").read_text())
    assert set(meta["labels"]["ner"]) == {"AGENCY", "PROGRAMME"}


def test_ner_model_records_how_it_was_trained():
    """Issue 25: the shipped model names its recipe (bench/train_names_ner.py), seed 0, and the epoch kept on dev."""
    training = json.loads((NER / "meta.json").read_text())["govnews_training"]
    assert training["arch"] in ("sm", "blank") and training["seed"] == 0
    assert 1 <= training["kept_epoch"] <= training["epochs"] == len(training["history"])


# --- the trainer never reads sealed material (annotations/splits.json) -------------------------------
@pytest.fixture(scope="module")
def trainer():
    sys.path.insert(0, str(REPO / "bench"))
    import train_names_ner

    return train_names_ner


def test_trainer_refuses_the_test_split(trainer):
    with pytest.raises(trainer.SealedError):
        trainer.gold_examples("test")


def test_trainer_refuses_test_family_articles(trainer):
    splits = json.loads((REPO / "annotations" / "splits.json").read_text())
    test_families = set(splits["families"]["test"])
    man = trainer.manifest()
    sealed_family_article = next(d for d, m in man.items() if m.get("family") in test_families)
    legacy_test_article = splits["legacy_test"][0]
    for doc_id in (sealed_family_article, legacy_test_article):
        with pytest.raises(trainer.SealedError):
            trainer.examples_for([splits["train"][0], doc_id])


def test_training_ids_hold_no_sealed_article(trainer):
    splits = json.loads((REPO / "annotations" / "splits.json").read_text())
    test_families = set(splits["families"]["test"])
    man = trainer.manifest()
    for split in ("train", "dev"):
        ids = trainer.open_ids(split)
        assert ids and not set(ids) & set(splits["test"])
        assert not any(man[d].get("family") in test_families for d in ids)


def test_family_folds_keep_families_whole(trainer):
    folds = trainer.family_folds(4)
    man = trainer.manifest()
    families = [{trainer.family_of(d, man) for d in f} for f in folds]
    for i, a in enumerate(families):
        for b in families[i + 1:]:
            assert not a & b, f"a family in two folds: {a & b}"
    assert sorted(d for f in folds for d in f) == sorted(trainer.open_ids(None))


def test_ner_loads_offline_with_plain_spacy():
    """spacy.load(path) alone, in a fresh interpreter that imports nothing of govnews itself, no network."""
    code = (
        "import socket, sys\n"
        "def refuse(*a, **k): raise OSError('network')\n"
        "socket.socket.connect = refuse\n"
        "import spacy\n"
        f"nlp = spacy.load({str(NER)!r})\n"
        "print(nlp.pipe_names)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd="/")
    assert out.returncode == 0, out.stderr
    assert "ner" in out.stdout


def test_ner_tokenizer_splits_glued_words(ner):
    doc = ner.make_doc("the Chongqing Municipal Forestry BureauThe city")
    assert [t.text for t in doc][-3:] == ["Bureau", "The", "city"]


@pytest.mark.parametrize("sentence,name", HELD_BACK, ids=[n for _, n in HELD_BACK])
def test_ner_recognises_held_back_agency(ner, monkeypatch, sentence, name):
    _no_network(monkeypatch)
    doc = ner(sentence)
    ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    assert _found(ents, sentence, name), f"{name!r} not found; entities: {[(e.text, e.label_) for e in doc.ents]}"


def test_pipeline_with_ner_model_merges_names():
    """The names stage's `model` option loads the NER and still emits rule names (rules win on overlap)."""
    from pipeline.nlp import build, make_doc

    nlp = build(overrides={"components.govnews_names.model": str(NER)})
    text = "\n\n".join(s for s, _ in HELD_BACK[:3])
    doc = nlp(make_doc(nlp, text, {"doc_id": "held_back", "published": "2024-05"}))
    agencies = [(s.start_char, s.end_char, "AGENCY") for s in doc.spans["agency"]]
    for _, name in HELD_BACK[:3]:
        assert _found(agencies, text, name)
    assert all(s._.canonical for s in doc.spans["agency"])


# --- MiniLM token classifier ---------------------------------------------------------------------
minilm_saved = pytest.mark.skipif(not MINILM.exists(), reason="models/names_minilm not saved (see docs/names_models.md)")


@pytest.fixture(scope="module")
def minilm():
    from pipeline.stages.names.transformer import load

    return load(MINILM)


@pytest.mark.slow
@minilm_saved
def test_minilm_is_under_size_limit():
    size = sum(p.stat().st_size for p in MINILM.rglob("*") if p.is_file())
    assert size < 100_000_000, f"models/names_minilm is {size / 1e6:.1f} MB"


@pytest.mark.slow
@minilm_saved
@pytest.mark.parametrize("sentence,name", HELD_BACK, ids=[n for _, n in HELD_BACK])
def test_minilm_recognises_held_back_agency(minilm, monkeypatch, sentence, name):
    _no_network(monkeypatch)
    ents = minilm.predict(sentence)
    assert _found(ents, sentence, name), f"{name!r} not found; entities: {[(sentence[s:e], t) for s, e, t in ents]}"


@pytest.mark.slow
@minilm_saved
def test_minilm_as_spacy_pipeline(monkeypatch):
    """models/names_minilm is a spaCy directory: spacy.load works once pipeline.stages.names.transformer is imported."""
    import spacy

    import pipeline.stages.names.transformer  # noqa: F401  (registers the component factory)

    _no_network(monkeypatch)
    nlp = spacy.load(MINILM)
    sentence, name = HELD_BACK[0]
    doc = nlp(sentence)
    assert _found([(e.start_char, e.end_char, e.label_) for e in doc.ents], sentence, name)
