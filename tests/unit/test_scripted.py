"""Scripted copy: one brand brief pasted across creators with small edits is clustered; a
creator's own repeated captions are not."""

from __future__ import annotations

from nlp.signals.scripted import ScriptedCopyDetector, normalise_words

BRIEF = (
    "Obsessed with the new GlowSkin Vitamin C serum! It brightens my skin in just seven days "
    "and feels so light. Use my code GLOW20 for 20% off at glowskin.com @glowskin"
)
PASTES = [
    ("p1", "amy", BRIEF + " #glowskinpartner"),
    ("p2", "ben", BRIEF.replace("Obsessed with", "Totally obsessed with") + " ✨ #ad"),
    ("p3", "cleo", BRIEF.replace("seven days", "7 days").replace("so light", "super light")),
    (
        "p4",
        "dan",
        "OBSESSED with the new GlowSkin vitamin C serum!! It brightens my skin in just "
        "seven days and feels so light. Use my code GLOW20 for 20% off at glowskin.com 💛",
    ),
]
UNRELATED = [
    (
        "u1",
        "amy",
        "Sunday hike up the Malvern hills with the dog, muddy boots and a flask of tea "
        "at the top, best way to end the week",
    ),
    (
        "u2",
        "ben",
        "Finally finished my marathon training block. Sixteen weeks, three injuries "
        "and one very patient physio later, race day is next Sunday",
    ),
    ("u3", "cleo", "Happy new year ✨"),
    ("u4", "dan", "Happy new year ✨"),
]


def test_scripted_brief_pasted_across_creators_is_one_cluster() -> None:
    report = ScriptedCopyDetector().detect(PASTES + UNRELATED)
    assert len(report.clusters) == 1
    cl = report.clusters[0]
    assert cl.members == ["p1", "p2", "p3", "p4"]
    assert cl.creators == ["amy", "ben", "cleo", "dan"]
    assert cl.cluster_id.startswith("sc-") and cl.similarity >= 0.5
    assert not {"u1", "u2", "u3", "u4"} & set(report.by_post)
    # the id is a function of the members: same input, same id
    assert (
        ScriptedCopyDetector().detect(list(reversed(PASTES + UNRELATED))).clusters[0].cluster_id
        == cl.cluster_id
    )


def test_scripted_own_repeated_captions_are_not_cross_creator() -> None:
    own = [(f"a{i}", "amy", BRIEF + f" day {i}") for i in range(5)]
    report = ScriptedCopyDetector().detect(own + UNRELATED)
    assert report.clusters == []


def test_scripted_own_repeats_join_only_through_another_creator() -> None:
    own = [(f"a{i}", "amy", BRIEF + f" day {i}") for i in range(3)]
    report = ScriptedCopyDetector().detect(own + [("b1", "ben", BRIEF + " #ad")])
    assert len(report.clusters) == 1
    assert report.clusters[0].creators == ["amy", "ben"]
    assert "b1" in report.clusters[0].members


def test_scripted_short_captions_are_never_clustered_and_not_marked_checked() -> None:
    report = ScriptedCopyDetector().detect(UNRELATED[2:])
    assert report.clusters == [] and report.checked == set()


def test_scripted_normalisation_drops_tags_links_and_accents() -> None:
    assert normalise_words("Café @brand #Ad https://x.co/a NICE!") == ["cafe", "nice"]
