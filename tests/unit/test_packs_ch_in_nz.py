"""The Swiss, Indian and New Zealand packs through the real Preprocessor and the
DisclosureAuditor (rules only), with captions written for these tests."""

from __future__ import annotations

import pytest

from nlp.preprocess import Preprocessor
from nlp.results import Finding
from nlp.rules import RulePackRegistry
from nlp.signals.disclosure import DisclosureAuditor
from tests.fixtures.disclosure import audit, buried, disclosure_of

NEW = ["ch", "in", "nz"]


# (pack, caption, verdict, reasons that must be present)
CASES: list[tuple[str, str, str, set[str]]] = [
    # --- Switzerland: 'Werbung' / 'Anzeige' (DE), 'Publicité' (FR)
    (
        "ch",
        "Werbung | Neue Uhr von @zeitwerkch, mit dem Code NINA15 gibt es 15%",
        "compliant",
        set(),
    ),
    ("ch", "#Anzeige Neue Uhr von @zeitwerkch, mit dem Code NINA15", "compliant", set()),
    ("ch", "Publicité : ma nouvelle montre de @horlogeleman, code NINA15", "compliant", set()),
    ("ch", "#publicite Ma nouvelle montre de @horlogeleman, code NINA15", "compliant", set()),
    (
        "ch",
        "Neue Uhr von @zeitwerkch, mit dem Code NINA15 gibt es 15% Rabatt",
        "undisclosed",
        {"commercial_cues_without_label"},
    ),
    (
        "ch",
        "Ma nouvelle montre de @horlogeleman, code NINA15 pour 15 % de réduction",
        "undisclosed",
        {"commercial_cues_without_label"},
    ),
    # English '#ad': offered in an undertaking the SLK took note of, 'not safe' per HSLU
    ("ch", "#ad Neue Uhr von @zeitwerkch, mit dem Code NINA15", "needs_review", {"wrong_language"}),
    (
        "ch",
        "#sponsoredby @zeitwerkch Neue Uhr, mit dem Code NINA15",
        "needs_review",
        {"wrong_language"},
    ),
    # the German pack's flags, no Swiss ruling: review
    (
        "ch",
        "In Kooperation mit @zeitwerkch: neue Uhr, mit dem Code NINA15",
        "needs_review",
        {"ambiguous_wording"},
    ),
    (
        "ch",
        "#sponso Ma nouvelle montre de @horlogeleman, code NINA15",
        "needs_review",
        {"ambiguous_wording"},
    ),
    # agency-only wording and Italian: no Swiss source, review (never compliant)
    (
        "ch",
        "Bezahlte Partnerschaft mit @zeitwerkch, mit dem Code NINA15",
        "needs_review",
        {"unlisted_wording"},
    ),
    (
        "ch",
        "Pubblicità: il mio nuovo orologio di @orologioticino, codice NINA15",
        "needs_review",
        {"unlisted_wording"},
    ),
    (
        "ch",
        buried("Neue Uhr von @zeitwerkch, mit dem Code NINA15", "#uhr #style #zürich", "#werbung"),
        "inadequate",
        {"buried_in_hashtags"},
    ),
    # everyday prose, not a label; a church's partner, not a sponsor
    ("ch", "Diese Werbung im Tram nervt mich jeden Morgen", "not_commercial", set()),
    (
        "ch",
        "Messe en direct depuis la cathédrale, en partenariat avec la paroisse",
        "not_commercial",
        set(),
    ),
    (
        "ch",
        "Grosse Annonce : nous attendons un bébé ! #annonce #famille",
        "not_commercial",
        set(),
    ),
    # --- India: ASCI labels, DoCA
    ("in", "#ad My new kurta from @desithreads, use code PRIYA20 for 20% off", "compliant", set()),
    ("in", "Sponsored | Weekend glow with @glowherbal, code PRIYA20", "compliant", set()),
    ("in", "#Collaboration with @glowherbal: my skincare, code PRIYA20", "compliant", set()),
    ("in", "In partnership with @glowherbal, code PRIYA20 for 20% off", "compliant", set()),
    ("in", "#FreeGift from @glowherbal, loving the face oil", "compliant", set()),
    ("in", "Affiliate link: my favourite serum https://amzn.to/3xYz12", "compliant", set()),
    (
        "in",
        "My new kurta from @desithreads, use code PRIYA20 for 20% off",
        "undisclosed",
        {"commercial_cues_without_label"},
    ),
    # a gift counts even unsolicited (ASCI: 'with or without any conditions')
    (
        "in",
        "Got this PR package from @glowherbal, love the face oil",
        "undisclosed",
        {"commercial_cues_without_label"},
    ),
    (
        "in",
        "#spon My new kurta from @desithreads, use code PRIYA20",
        "inadequate",
        {"ambiguous_wording"},
    ),
    (
        "in",
        "#sp My new kurta from @desithreads, use code PRIYA20",
        "inadequate",
        {"ambiguous_wording"},
    ),
    # '#collab' was in the 2021 draft's list only: review
    (
        "in",
        "#collab My new kurta from @desithreads, use code PRIYA20",
        "needs_review",
        {"ambiguous_wording"},
    ),
    ("in", "#collab Diwali vibes with @desithreads", "needs_review", {"ambiguous_wording"}),
    (
        "in",
        "#gifted My new kurta from @desithreads, use code PRIYA20",
        "needs_review",
        {"ambiguous_wording"},
    ),
    (
        "in",
        buried("My new kurta from @desithreads, code PRIYA20", "#diwali #ethnic #fashion", "#ad"),
        "inadequate",
        {"buried_in_hashtags"},
    ),
    # everyday words: a business-enquiry line is not a label
    (
        "in",
        "Lovely trip to Goa! For collaboration mail me at priya@example.com",
        "not_commercial",
        set(),
    ),
    # --- New Zealand: only Ad / Advert / Advertisement
    ("nz", "Ad | New merino jumper from @kiwiknit, code AROHA15 for 15% off", "compliant", set()),
    ("nz", "#advert Cosy in my new jumper from @kiwiknit, code AROHA15", "compliant", set()),
    ("nz", "Advertisement: new jumper from @kiwiknit, code AROHA15", "compliant", set()),
    (
        "nz",
        "New merino jumper from @kiwiknit, code AROHA15 for 15% off",
        "undisclosed",
        {"commercial_cues_without_label"},
    ),
    (
        "nz",
        "Sponsored by @kiwiknit! New merino jumper, code AROHA15",
        "inadequate",
        {"ambiguous_wording"},
    ),
    (
        "nz",
        "#gifted New merino jumper from @kiwiknit, so cosy",
        "inadequate",
        {"ambiguous_wording"},
    ),
    ("nz", "#spon New jumper from @kiwiknit, code AROHA15", "inadequate", {"ambiguous_wording"}),
    ("nz", "#sp New jumper from @kiwiknit, code AROHA15", "inadequate", {"ambiguous_wording"}),
    ("nz", "#collab New jumper from @kiwiknit, code AROHA15", "inadequate", {"ambiguous_wording"}),
    (
        "nz",
        "#PRSample New jumper from @kiwiknit, so cosy",
        "inadequate",
        {"ambiguous_wording"},
    ),
    (
        "nz",
        "#ambassador New jumper from @kiwiknit, code AROHA15",
        "inadequate",
        {"ambiguous_wording"},
    ),
    # 'Ad' first, then other words: fine
    ("nz", "#ad #gifted New merino jumper from @kiwiknit, so cosy", "compliant", set()),
    (
        "nz",
        buried("New jumper from @kiwiknit, code AROHA15", "#merino #winter #nz", "#ad"),
        "inadequate",
        {"buried_in_hashtags"},
    ),
    ("nz", "The new advert for the rugby is hilarious", "not_commercial", set()),
]


@pytest.mark.parametrize(("code", "text", "verdict", "reasons"), CASES)
def test_ch_in_nz_table(
    pre: Preprocessor,
    auditor: DisclosureAuditor,
    code: str,
    text: str,
    verdict: str,
    reasons: set[str],
) -> None:
    f = disclosure_of(pre, auditor, text, code)
    assert f.verdict.value == verdict, (code, text, f.verdict.value, f.reasons)
    assert reasons <= set(f.reasons), (code, text, f.reasons)
    assert f.rule_pack == f"{code}@{RulePackRegistry.default().get(code).version}"
    assert f.rule_ids and all(r.startswith(code + ".") for r in f.rule_ids)


def test_nz_sponsored_alone_is_never_compliant(
    pre: Preprocessor, auditor: DisclosureAuditor
) -> None:
    f = disclosure_of(pre, auditor, "Sponsored by @kiwiknit. Use code AROHA15 for 15% off", "nz")
    assert f.verdict.value != "compliant"
    assert f.verdict.value == "inadequate"
    assert f.fix and "Ad" in f.fix


def test_nz_gift_alone_is_commercial(pre: Preprocessor, auditor: DisclosureAuditor) -> None:
    """All gifts must be identified as advertising (AdHelp): unlike the UK, no review."""
    text = "Got this PR package from @kiwiknit, love the jumper"
    assert disclosure_of(pre, auditor, text, "nz").verdict.value == "undisclosed"
    assert disclosure_of(pre, auditor, text, "uk").verdict.value != "undisclosed"


def test_platform_label_policies(pre: Preprocessor, auditor: DisclosureAuditor) -> None:
    text = "Weekend look with @kiwiknit, code AROHA15"
    # India: ASCI lists the Instagram 'Paid Partnership' tag as a label
    f = disclosure_of(pre, auditor, text, "in", platform_paid_label=True)
    assert (f.verdict.value, f.reasons) == ("compliant", ["platform_label"])
    for code in ("ch", "nz"):
        f = disclosure_of(pre, auditor, text, code, platform_paid_label=True)
        assert f.verdict.value == "needs_review", code
        assert "platform_label_only" in f.reasons


def test_stories_go_to_review(pre: Preprocessor, auditor: DisclosureAuditor) -> None:
    for code, text in [
        ("ch", "Werbung: neue Uhr von @zeitwerkch, Code NINA15"),
        ("in", "#ad New kurta from @desithreads, code PRIYA20"),
        ("nz", "#ad New jumper from @kiwiknit, code AROHA15"),
    ]:
        f = disclosure_of(pre, auditor, text, code, format="story")
        assert f.verdict.value == "needs_review", code
        assert "every_frame_unverifiable" in f.reasons


def test_required_disclaimers_india(pre: Preprocessor, auditor: DisclosureAuditor) -> None:
    def category(text: str) -> Finding:
        (f,) = [f for f in audit(pre, auditor, text, "in") if f.kind == "category"]
        return f

    bare = "#ad Trade bitcoin on @coinbazaar, code PRIYA20 for zero fees"
    f = category(bare)
    assert f.verdict.value == "inadequate" and "missing_required_label" in f.reasons
    ok = (
        "#ad Trade bitcoin on @coinbazaar, code PRIYA20. Crypto products and NFTs are "
        "unregulated and can be highly risky. There may be no regulatory recourse for any loss "
        "from such transactions."
    )
    assert category(ok).reasons == ["restricted_category"]
    game = "#ad Fantasy cricket on @teamking11, code PRIYA20"
    assert "missing_required_label" in category(game).reasons
    game_ok = game + (
        ". This game involves an element of financial risk and may be addictive. "
        "Please play responsibly and at your own risk."
    )
    assert category(game_ok).reasons == ["restricted_category"]


def test_ch_in_nz_aliases_resolve() -> None:
    reg = RulePackRegistry.default()
    for alias, code in [
        ("Schweiz", "ch"),
        ("Suisse", "ch"),
        ("Svizzera", "ch"),
        ("Switzerland", "ch"),
        ("CHE", "ch"),
        ("India", "in"),
        ("Bharat", "in"),
        ("IND", "in"),
        ("Aotearoa", "nz"),
        ("New Zealand", "nz"),
        ("NZL", "nz"),
        (" NZ ", "nz"),
    ]:
        assert reg.get(alias).id == code, alias
    assert [p.id for p in reg.resolve("Schweiz, india,NZL")] == ["ch", "in", "nz"]


def test_ch_in_nz_policies() -> None:
    reg = RulePackRegistry.default()
    ch, ind, nz = (reg.get(c) for c in NEW)
    assert ch.audience_languages == ["de", "fr", "it"]
    assert set(ch.disclosure.accepted) == {"de", "fr"}
    assert set(nz.disclosure.accepted) == {"en"}
    assert {ch.disclosure.platform_label, nz.disclosure.platform_label} == {"review"}
    assert ind.disclosure.platform_label == "sufficient"
    for pack in (ch, ind, nz):
        assert tuple(map(int, pack.version.split("."))) >= (2026, 4)  # written in 2026.4
        assert pack.placement.not_in_trailing_hashtags
        assert any("not found" in n for n in pack.notes), pack.id
    assert "gifting" in ind.commercial.strong_cues and "gifting" in nz.commercial.strong_cues
    assert "gifting" in ch.commercial.strong_with_brand
    crypto = next(c for c in ind.categories if c.rule == "in.category.crypto")
    assert "crypto products and nfts are unregulated and can be highly risky" in (
        crypto.required_labels
    )
