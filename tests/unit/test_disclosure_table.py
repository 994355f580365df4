"""Table-driven disclosure audit per rule pack, with captions written in each language
(EN, FR, DE, ES, IT, SV, NL), through the real Preprocessor (cues, placement landmarks)."""

from __future__ import annotations

from typing import Any

import pytest

from nlp.posts import Post
from nlp.preprocess import Preprocessor
from nlp.rules import RulePackRegistry
from nlp.signals.disclosure import DisclosureAuditor
from tests.fixtures.disclosure import audit, disclosure

LONG = (
    "What a week it has been, from the early train to the late dinner with everyone who came "
    "along; thank you all for the lovely messages and the energy"
)

# (pack, caption, verdict, reasons that must be present, extra Post fields)
CASES: list[tuple[str, str, str, set[str], dict[str, Any]]] = [
    # --- United Kingdom (EN)
    # describing the tie is not the 'Ad' label the ASA asks for (pack 2025.2)
    (
        "uk",
        "Shop my look via the link in bio (affiliate links) @asos",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    (
        "uk",
        "Big thanks to @audible for sponsoring today's video! Try it free",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    # --- Spain: '#publi' is an attempt the 2025 code no longer lists (pack 2025.2)
    (
        "es",
        "#publi Mi nuevo perfume de @carolinaherrera, código ANA10",
        "needs_review",
        {"ambiguous_wording"},
        {},
    ),
    (
        "es",
        "Mi nuevo perfume de @carolinaherrera, código ANA10 para un 10% #publi",
        "inadequate",
        {"ambiguous_wording", "not_first_line"},
        {},
    ),
    # --- United States: a plain statement of the connection is a disclosure (FTC Disclosures 101)
    (
        "us",
        "Big thanks to @audible for sponsoring today's video! Try it free",
        "compliant",
        set(),
        {},
    ),
    (
        "us",
        "My favourite jeans from @levis (I earn a commission on purchases through these links)",
        "compliant",
        set(),
        {},
    ),
    ("us", "Shop my look, affiliate links below @asos", "needs_review", {"ambiguous_wording"}, {}),
    (
        "uk",
        "#ad Loving my new trainers from @nike, use code SAM10 for 10% off",
        "compliant",
        set(),
        {},
    ),
    ("uk", "Ad | My morning routine with the @glowco serum, code SAM10", "compliant", set(), {}),
    ("uk", f"{LONG} @nike code SAM10 #ad", "inadequate", {"below_fold"}, {}),
    (
        "uk",
        "New trainers @nike code SAM10\n.\n.\n#fitness #running #style #ad",
        "inadequate",
        {"buried_in_hashtags"},
        {},
    ),
    ("uk", "#sp New trainers from @nike, code SAM10", "inadequate", {"ambiguous_wording"}, {}),
    (
        "uk",
        "Sponsored: new trainers from @nike, code SAM10",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    ("uk", "Gifted by @glowco, love it. Code SAM10", "inadequate", {"gift_label"}, {}),
    # a gift is the only tie in the text: 'gifted' fits a gift with no strings, so review
    (
        "uk",
        "Gifted | @selfridges kindly gave me a few bits to try 💄",
        "needs_review",
        {"gift_label"},
        {},
    ),
    (
        "uk",
        "Not sponsored! I just love these @nike trainers, code SAM10",
        "undisclosed",
        {"negated_disclosure"},
        {},
    ),
    (
        "uk",
        "Use my code SAM10 for 20% off at @gymshark",
        "undisclosed",
        {"commercial_cues_without_label"},
        {},
    ),
    ("uk", "Loving this dress @zara", "needs_review", {"commercial_cues_without_label"}, {}),
    ("uk", "Sunday walk in the park with the dog", "not_commercial", set(), {}),
    (
        "uk",
        "New dress @zara, code SAM10",
        "needs_review",
        {"platform_label_only"},
        {"platform_paid_label": True},
    ),
    (
        "uk",
        "#ad Swipe up for my new dress @zara code SAM10",
        "needs_review",
        {"every_frame_unverifiable"},
        {"format": "story"},
    ),
    ("uk", "Publicité : ma robe @zara, code SAM10", "needs_review", {"wrong_language"}, {}),
    ("gb", "Ad: new lipstick @glowco code SAM10", "compliant", set(), {}),
    # --- United States (EN, ES)
    ("us", "#ad Thanks @glowco for the new serum, code SAM10", "compliant", set(), {}),
    ("us", "Sponsored by @glowco: my new serum, code SAM10", "compliant", set(), {}),
    ("us", "My new fave serum! #glowcopartner code SAM10", "compliant", set(), {}),
    ("us", "Thanks @glowco! #spon code SAM10", "inadequate", {"ambiguous_wording"}, {}),
    # an English sponsor statement under a pack of another language: the tie is stated, in
    # the wrong language (it was called undisclosed, or not commercial at all)
    (
        "fr",
        "Thanks to Opera for sponsoring this video! Download it: https://opr.as/x",
        "inadequate",
        {"wrong_language"},
        {},
    ),
    (
        "de",
        "Thanks to Opera for sponsoring this video! Download it: https://opr.as/x",
        "needs_review",
        {"wrong_language"},
        {},
    ),
    # a referral link stated in words ("using my link") is an affiliate cue
    (
        "uk",
        "Get Nebula for 40% off using my link: https://go.nebula.tv/neo",
        "undisclosed",
        {"commercial_cues_without_label"},
        {},
    ),
    (
        "us",
        "My new serum @glowco code SAM10",
        "inadequate",
        {"platform_label_only"},
        {"platform_paid_label": True},
    ),
    ("us", "Publicidad: mi nuevo sérum de @glowco, código ANA10", "compliant", set(), {}),
    # --- France (FR)
    ("fr", "Publicité - Ma nouvelle crème @laroche, code LEA15 pour -15%", "compliant", set(), {}),
    ("fr", "Collaboration commerciale avec @sephora ✨ code LEA15", "compliant", set(), {}),
    ("fr", "#publicite ma routine du soir @sephora code LEA15", "compliant", set(), {}),
    ("fr", "#ad Ma routine du soir @sephora code LEA15", "inadequate", {"wrong_language"}, {}),
    (
        "fr",
        "Ma routine du soir @sephora code LEA15 #sponso",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    (
        "fr",
        "En partenariat avec @sephora, ma routine, code LEA15",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    (
        "fr",
        "Pas sponsorisé, j'adore @sephora, code LEA15",
        "undisclosed",
        {"negated_disclosure"},
        {},
    ),
    (
        "fr",
        "Ma routine @sephora code LEA15",
        "inadequate",
        {"platform_label_only"},
        {"platform_paid_label": True},
    ),
    ("fr", "Balade en forêt ce matin avec les enfants", "not_commercial", set(), {}),
    # --- Germany (DE)
    ("de", "Werbung | Mein neues Serum von @nivea, Code LISA10", "compliant", set(), {}),
    (
        "de",
        "Anzeige: Meine Lieblingsjacke von @zalando, mit dem Code LISA10 gibt es 10%",
        "compliant",
        set(),
        {},
    ),
    (
        "de",
        "Mein neues Serum von @nivea ist super, Code LISA10 #werbung",
        "inadequate",
        {"not_first_line"},
        {},
    ),
    ("de", "#ad Mein neues Serum von @nivea, Code LISA10", "needs_review", {"wrong_language"}, {}),
    (
        "de",
        "Nicht gesponsert, aber ich liebe @nivea, Code LISA10",
        "undisclosed",
        {"negated_disclosure"},
        {},
    ),
    (
        "de",
        "Mein neues Serum von @nivea, Code LISA10",
        "compliant",
        {"platform_label"},
        {"platform_paid_label": True},
    ),
    (
        "de",
        "Unbezahlte Werbung: mein Lieblingsbuch @buchladen",
        "needs_review",
        {"unpaid_advertising_label"},
        {},
    ),
    # --- Spain (ES)
    ("es", "Publicidad | Mi nueva crema de @isdin, código ANA10", "compliant", set(), {}),
    (
        "es",
        "Colaboración pagada con @isdin: mi crema favorita, código ANA10",
        "compliant",
        set(),
        {},
    ),
    ("es", "#ad Mi nueva crema de @isdin, código ANA10", "needs_review", {"disputed_wording"}, {}),
    (
        "es",
        "Mi nueva crema de @isdin, código ANA10 #colab",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    (
        "es",
        "No es publicidad, me encanta @isdin, código ANA10",
        "undisclosed",
        {"negated_disclosure"},
        {},
    ),
    # --- Italy (IT)
    (
        "it",
        "Pubblicità - la mia crema preferita di @collistar, codice GIULIA10",
        "compliant",
        set(),
        {},
    ),
    ("it", "#adv La mia crema preferita di @collistar, codice GIULIA10", "compliant", set(), {}),
    ("it", "Sponsorizzato da @collistar: la mia crema, codice GIULIA10", "compliant", set(), {}),
    (
        "it",
        "Ad esempio questa crema di @collistar, codice GIULIA10",
        "undisclosed",
        {"commercial_cues_without_label"},
        {},
    ),
    (
        "it",
        "La mia crema di @collistar #sp codice GIULIA10",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    # --- Sweden (SV)
    ("se", "Reklam för @hm: min nya jacka, använd koden EMMA10", "compliant", set(), {}),
    ("se", "Annons | Min nya jacka från @hm", "compliant", set(), {}),
    ("se", "#ad Min nya jacka från @hm", "inadequate", {"wrong_language"}, {}),
    # Reklamombudsmannen accepted 'I samarbete med <brand>' opening a story, Konsumentverket
    # asks for 'reklam': review; a bare '#samarbete' in the hashtags stays inadequate
    ("se", "I samarbete med @hm: min nya jacka", "needs_review", {"ambiguous_wording"}, {}),
    (
        "se",
        "Min nya jacka från @hm, rabattkod EMMA10 #samarbete #höst #ootd",
        "inadequate",
        {"ambiguous_wording", "buried_in_hashtags"},
        {},
    ),
    # --- Ireland: the label is the first word (ASAI/CCPC guidance); secondary labels need it
    ("ie", "#Ad @dylanoaks new earrings, code SARAH10", "compliant", set(), {}),
    ("ie", "Jewellery @dylanoaks AD (SARAH10)", "inadequate", {"not_first_line"}, {}),
    (
        "ie",
        "Own brand | our new candles are in, 20% off with code GLOW20",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    ("ie", "#Gifted @glossier sent me the new balm", "needs_review", {"gift_label"}, {}),
    (
        "ie",
        "#Gifted @glossier balm, 15% off with my code AOIFE15",
        "inadequate",
        {"gift_label"},
        {},
    ),
    # --- Netherlands (NL)
    ("nl", "#reclame Mijn nieuwe jas van @zalando, kortingscode EMMA10", "compliant", set(), {}),
    ("nl", "Betaalde samenwerking met @zalando: mijn nieuwe jas", "compliant", set(), {}),
    (
        "nl",
        "#ad Mijn nieuwe jas van @zalando, kortingscode EMMA10",
        "needs_review",
        {"wrong_language"},
        {},
    ),
    (
        "nl",
        "Niet gesponsord hoor, ik ben gewoon fan van @zalando, kortingscode EMMA10",
        "undisclosed",
        {"negated_disclosure"},
        {},
    ),
    ("nl", "Curaçao was geweldig! @byjune.nl #gekregen", "inadequate", {"ambiguous_wording"}, {}),
    # --- Belgium, Ireland, Australia, EU baseline
    ("be", "#publicité Ma nouvelle veste @zalando code EMMA10", "compliant", set(), {}),
    ("be", "#reclame Mijn nieuwe jas @zalando kortingscode EMMA10", "compliant", set(), {}),
    (
        "be",
        "#ad Mijn nieuwe jas @zalando kortingscode EMMA10",
        "needs_review",
        {"wrong_language"},
        {},
    ),
    ("ie", "#Ad My new jacket from @zalando, code EMMA10", "compliant", set(), {}),
    (
        "au",
        "My new jacket from @zalando, code EMMA10",
        "compliant",
        {"platform_label"},
        {"platform_paid_label": True},
    ),
    ("au", "Paid partnership with @zalando: my new jacket", "compliant", set(), {}),
    ("eu", "Werbung: mein neues Serum @nivea Code LISA10", "compliant", set(), {}),
    (
        "eu",
        "In partnership with @nivea: my new serum, code LISA10",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    # --- own brand and shop links (packs 2026.1)
    # own-brand wording next to a brand handle or a shop link: an ad without a label
    (
        "uk",
        "So proud of my brand @annaskin 🥹 new drop Friday at 7pm!",
        "undisclosed",
        {"own_brand_promotion", "commercial_cues_without_label"},
        {},
    ),
    # a restock is availability (like 'available at'), whoever sells it: not own-brand
    (
        "uk",
        "Finally back in stock at @boots, ran to get mine",
        "undisclosed",
        {"commercial_cues_without_label"},
        {},
    ),
    (
        "uk",
        "New merch drop 🔥 hoodies available at shopmyband.com",
        "undisclosed",
        {"own_brand_promotion"},
        {},
    ),
    # own-brand wording alone: a lead for review, not an accusation
    (
        "uk",
        "My new collection is finally here 😭 go go go",
        "needs_review",
        {"own_brand_promotion", "weak_commercial_cues"},
        {},
    ),
    ("uk", "Ad | My new collection is finally here, link in bio", "compliant", set(), {}),
    ("us", "#ad my own brand just launched: glowco.shop", "compliant", set(), {}),
    # outside the UK, own-brand wording is a lead for review only (sources silent on own brand)
    (
        "fr",
        "Ma marque fête ses 2 ans : -20% sur tout le site !",
        "needs_review",
        {"own_brand_promotion", "weak_commercial_cues"},
        {},
    ),
    (
        "uk",
        "My brand turns 2 today: 20% off everything!",
        "undisclosed",
        {"own_brand_promotion"},
        {},
    ),
    (
        "fr",
        "Publicité - Ma marque fête ses 2 ans : -20% sur tout le site !",
        "compliant",
        set(),
        {},
    ),
    # a checkout link that applies a code is a discount code
    (
        "de",
        "Mein Herbstlook 🍂 https://aboutyou.de/discount/LISA10",
        "undisclosed",
        {"commercial_cues_without_label"},
        {},
    ),
    # a shop link next to a brand handle; a product page alone is only a lead
    ("uk", "Wearing @glowco https://glowco.com/products/serum", "undisclosed", set(), {}),
    (
        "uk",
        "my routine https://glowco.com/products/serum",
        "needs_review",
        {"weak_commercial_cues"},
        {},
    ),
    # 'PR' wording is flagged; "I was sent this" is a gift
    (
        "uk",
        "PR product - I was sent this by @drunkelephant, all opinions my own",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    # the model may dismiss a lone brand tag, never a thanks to a brand's handle
    (
        "uk",
        "Dinner tonight with @hellofresh",
        "not_commercial",
        {"model_dismissed_weak_cues"},
        {"commercial_probability": 0.02},
    ),
    (
        "uk",
        "Thank you @hellofresh! Dinner is served",
        "needs_review",
        {"weak_commercial_cues"},
        {"commercial_probability": 0.02},
    ),
    # a bare 'ambassador' does not say it is an ad (ASA, FTC)
    (
        "uk",
        "Brand ambassador for @gymshark 💪 new drop out now",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    ("us", "Proud brand ambassador of @nike", "inadequate", {"ambiguous_wording"}, {}),
    # nor own-brand wording: a low score sends it to review, not to not_commercial
    (
        "fr",
        "Ma marque fête ses 2 ans : -20% sur tout le site !",
        "needs_review",
        {"own_brand_promotion"},
        {"commercial_probability": 0.02},
    ),
    # everyday phrases that are not own-brand promotion
    ("uk", "my brand new car 🚗 and my collection of vinyl", "not_commercial", set(), {}),
    # a sentence that says this post is an ad is the label; "an ad for" in prose is not (2026.2)
    (
        "uk",
        "This post is an ad for @hellofresh, use code JESS60 for £60 off",
        "compliant",
        set(),
        {},
    ),
    ("us", "this is an ad! my routine with @olay, code KIM20", "compliant", set(), {}),
    (
        "uk",
        "Saw an ad for @nike on the tube and laughed, code NOPE10 lol",
        "undisclosed",
        {"commercial_cues_without_label"},
        {},
    ),
    # a German audience: the English sentence is a foreign label, like '#ad'
    (
        "de",
        "This is an ad: mein neues Ritual mit @olay, Code LISA10",
        "needs_review",
        {"wrong_language"},
        {},
    ),
    # 'collab' / 'partnered' / 'teamed up' with a brand's handle state a tie: commercial, unclear
    (
        "uk",
        "Collab with @boohoo 💕 swipe to see all 5 looks, shop via the link in my bio",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    (
        "uk",
        "I've teamed up with @lloydsbank to share my budget",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    ("us", "collab x @olay 🌞 link in bio", "inadequate", {"ambiguous_wording"}, {}),
    ("us", "Partnered with @olay for this one 🌞", "needs_review", {"ambiguous_wording"}, {}),
    ("ie", "Partnered with @boots for this one", "needs_review", {"ambiguous_wording"}, {}),
    # a collab with a person, no handle: stays the everyday word (review next to weak cues)
    (
        "uk",
        "New video up! collab with my sister, link in bio",
        "needs_review",
        {"ambiguous_wording"},
        {},
    ),
    # enclosed capitals ("🅰🅳") are the letters they show
    ("uk", "🅰🅳 my new @nike trainers, code ANNA10", "compliant", set(), {}),
    # a shortening of the mandatory French wording is an attempt, not the wording (2026.2)
    (
        "fr",
        "[Collab commerciale] Ma routine @loreal code LEA15",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    (
        "be",
        "Collab commerciale avec @loreal, code LEA15",
        "needs_review",
        {"ambiguous_wording"},
        {},
    ),
    # a label noun used as an everyday noun is prose, not the label (ruleset 2026.2)
    ("fr", "J'ai vu une publicité pour @nike hier, code LEA10 lol", "undisclosed", set(), {}),
    ("de", "Diese Werbung nervt. Code LISA10 bei @zalando", "undisclosed", set(), {}),
    ("de", "Ich habe Anzeige erstattet. Code LISA10 bei @zalando", "undisclosed", set(), {}),
    ("es", "Trabajo en publicidad desde 2019 💼 código LAURA10 @zara", "undisclosed", set(), {}),
    ("it", "Odio la pubblicità su YouTube, codice GIULIA10 su @zara", "undisclosed", set(), {}),
    ("nl", "Die reclame van @nike is grappig, code SANNE10", "undisclosed", set(), {}),
    ("uk", "Loved the new advert from @nike, code SAM10", "undisclosed", set(), {}),
    ("se", "Jag hatar reklam på YouTube, kod ANNA10 hos @hm", "undisclosed", set(), {}),
    # ... while a sentence saying the post is one is the label
    ("fr", "Ce post est une publicité pour @nike, code LEA10", "compliant", set(), {}),
    ("fr", "Il s’agit d’une publicité pour @nike, code LEA10", "compliant", set(), {}),
    ("de", "Dies ist eine Anzeige für @zalando, Code LISA10", "compliant", set(), {}),
    ("it", "Questo post è una pubblicità di @zara, codice GIULIA10", "compliant", set(), {}),
    ("uk", "This is an advert for @nike, code SAM10", "compliant", set(), {}),
    (
        "de",
        "Unterstützt durch Produktplatzierung. Heute: @dyson, Code LISA10",
        "compliant",
        set(),
        {},
    ),
    (
        "de",
        "Dieses Video beinhaltet keine Produktplatzierung. Code LISA10 @zalando",
        "undisclosed",
        {"negated_disclosure"},
        {},
    ),
    # a tagged brand with its campaign hashtag: a low model score cannot dismiss it
    (
        "uk",
        "Loving my new @danielwellington watch ⌚ #danielwellington #dwpickoftheday",
        "needs_review",
        {"weak_commercial_cues"},
        {"commercial_probability": 0.02},
    ),
    # ... and so can't a handle the words before it make a brand someone endorses (the FTC's
    # 2017 letters quoted "I Love this Dress from @fashionnova!")
    (
        "uk",
        "Loving my new @danielwellington watch ⌚ #watches",
        "needs_review",
        {"weak_commercial_cues"},
        {"commercial_probability": 0.02},
    ),
    (
        "us",
        "I love this dress from @fashionnova!",
        "needs_review",
        {"weak_commercial_cues"},
        {"commercial_probability": 0.02},
    ),
    # a call to follow a link next to a handle that reads as a brand: commercial (ASAI 2019,
    # ASA 2019 rulings on swipe-up stories), even with a low model score
    (
        "uk",
        "The dress is from @missselfridge, swipe up to shop 💕",
        "undisclosed",
        {"commercial_cues_without_label"},
        {"commercial_probability": 0.02},
    ),
    # ... a link call next to a credited handle stays a lead
    (
        "uk",
        "New video up! link in bio 🎥 filmed by @joe.films",
        "needs_review",
        {"weak_commercial_cues"},
        {"commercial_probability": 0.3},
    ),
    # ... while a credited handle ("via @x", "with @x") can be dismissed by the model
    (
        "uk",
        "Sunday walk with @annabelle.m 🌿 #weekend",
        "not_commercial",
        {"model_dismissed_weak_cues"},
        {"commercial_probability": 0.02},
    ),
    (
        "uk",
        "Golden hour in Lisbon via @somewhere.collective",
        "not_commercial",
        {"model_dismissed_weak_cues"},
        {"commercial_probability": 0.02},
    ),
    # '#ad' ending the first line is read with it, not with the hashtag block lines below
    (
        "uk",
        "Loving my new @nike trainers, code SAM10 #ad\n⠀\n⠀\n#fitness #gym #running",
        "compliant",
        set(),
        {},
    ),
    # a handle in the trailing run is the sentence's own: '#ad' is not buried among hashtags
    ("uk", "GENOTEN 🧡🧡 thanks @heinekennl #NIX18 #ad", "compliant", set(), {}),
    ("uk", "Loving these @nike trainers #run #gym #ad", "inadequate", {"buried_in_hashtags"}, {}),
    # ... but a row of hashtags ending the line is the block, whatever follows
    (
        "uk",
        "Loving my new @nike trainers 👟 #fitness #gym #ad\n⠀\n#running #trainers",
        "inadequate",
        {"buried_in_hashtags"},
        {},
    ),
    # plain words that state the tie: enough for the FTC, review where the label is asked for
    ("us", "Thanks @glossier for the free product! Loving this balm", "compliant", set(), {}),
    ("us", "@glossier gave me this balm for free and I love it", "compliant", set(), {}),
    ("us", "I was paid by @glossier to post this, opinions mine", "compliant", set(), {}),
    ("us", "Thanks to @marriott for the free stay! 🏨", "compliant", set(), {}),
    # a call to action is not a statement of the tie
    ("us", "Sign up for the free trial at @calm, code KIM10", "undisclosed", set(), {}),
    ("uk", "I was paid by @glossier to post this 💋", "needs_review", {"ambiguous_wording"}, {}),
    (
        "us",
        "Nobody paid me to say this, I just love @glossier, code KIM10",
        "undisclosed",
        {"negated_disclosure"},
        {},
    ),
    (
        "fr",
        "Je suis rémunérée par @sephora pour ce post, code LEA10",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    ("it", "Pagato da @zara: il mio look, codice G10", "needs_review", {"ambiguous_wording"}, {}),
    # ... a payment that is not the creator's ("l'ho pagato da Zara": I paid for it at Zara)
    ("it", "L'ho pagato da Zara, codice G10 @zara", "undisclosed", set(), {}),
    # "collaboration with" without its preposition, in each language (2026.2)
    (
        "de",
        "Kooperation mit @zalando | Mein Look, Code LISA10",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    # the courteous German formulas are the same tie, not 'Werbung' (2026.5)
    (
        "de",
        "In freundlicher Kooperation mit @mymuesli – mein Frühstück für jeden Tag",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    (
        "de",
        "Mit freundlicher Unterstützung von @rossmann: meine Pflegeroutine",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    ("de", "Werbung | In freundlicher Kooperation mit @mymuesli", "compliant", set(), {}),
    # a commission link named, not the label (2026.5)
    (
        "de",
        "Mein neuer Lippenstift von @mac *Affiliate-Link: Wenn ihr darüber kauft, bekomme ich Provision",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    ("de", "Werbung | Mein neuer Lippenstift von @mac, *Affiliate-Link", "compliant", set(), {}),
    (
        "fr",
        "Mes liens affiliés : Ledger https://www.ledgerwallet.com/r/b05d",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    ("fr", "Publicité | Mon sérum @lancomeofficial (lien affilié)", "compliant", set(), {}),
    # a gift or a sponsor stated in words is not the label (2026.5)
    (
        "de",
        "PR-Sample | Mein neues Serum von @lorealparis",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    (
        "de",
        "Das Serum von @lorealparis wurde mir kostenlos zur Verfügung gestellt.",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    (
        "fr",
        "Produit reçu gratuitement de la part de @nuxe, voici mon avis",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    (
        "uk",
        "This video is brought to you by @nordvpn. Code ERIC for 70% off",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    (
        "uk",
        "My kitchen kit: https://amzn.to/3abc As an Amazon Associate I earn from qualifying purchases",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    (
        "uk",
        "#partnership Check out the new range: https://mamaearth.oia.link/bdfv6 code FLEET20",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    (
        "de",
        "Farben: https://amzn.to/2DYp5cc *Das sind Reflinks, ich bekomme eine kleine Provision.",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    (
        "fr",
        "Certains liens sont affiliés : je perçois une commission sur votre achat https://amzn.to/x1",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    (
        "es",
        "Mi crema: https://amzn.to/abc (enlace de afiliado)",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    (
        "it",
        "Il mio siero: https://amzn.to/abc (link affiliato)",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    (
        "nl",
        "Mijn serum: https://amzn.to/abc (affiliate link)",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    # the same statements in the other English-language packs (2026.5): the FTC's FAQ calls a
    # commission statement adequate, Canada accepts plain words naming the sponsor
    (
        "us",
        "As an Amazon Associate I earn from qualifying purchases: my kitchen kit https://amzn.to/3ab",
        "compliant",
        set(),
        {},
    ),
    (
        "us",
        "This video is brought to you by @nordvpn, code SAM",
        "needs_review",
        {"ambiguous_wording"},
        {},
    ),
    ("ca", "This video is brought to you by @nordvpn, code SAM", "compliant", set(), {}),
    (
        "nz",
        "This video is brought to you by @nordvpn, code SAM",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    (
        "in",
        "This video is brought to you by @nordvpn, code SAM",
        "needs_review",
        {"ambiguous_wording"},
        {},
    ),
    (
        "ie",
        "My kit https://amzn.to/3ab I may earn a small commission",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    ("uk", "#adv Loving my @glossier serum", "needs_review", {"ambiguous_wording"}, {}),
    (
        "uk",
        "#sponsoredpost Loving my @glossier serum, code GLOW10",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    # ... while a sponsor-free 'supported by' is still no evidence of anything
    ("uk", "This project is supported by our amazing community ❤️", "not_commercial", set(), {}),
    (
        "se",
        "Tack @nordvpn för att ni sponsrar den här videon! Rabattkod ERIK ger 70%",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    (
        "de",
        "Dank freundlicher Unterstützung meiner Familie habe ich es geschafft",
        "not_commercial",
        set(),
        {},
    ),
    (
        "es",
        "Colaboración con @zara | mis looks, código LAURA10",
        "needs_review",
        {"ambiguous_wording"},
        {},
    ),
    (
        "it",
        "Collaborazione con @zara: i miei look, codice G10",
        "needs_review",
        {"ambiguous_wording"},
        {},
    ),
    (
        "nl",
        "Samenwerking met @zara | mijn looks, code SANNE10",
        "needs_review",
        {"ambiguous_wording"},
        {},
    ),
    # ... which alone does not make a post commercial
    (
        "de",
        "Tolle Zusammenarbeit mit der Feuerwehr heute beim Stadtfest!",
        "not_commercial",
        set(),
        {},
    ),
    # gifted-product hashtags in Italy; '#adv' in the Netherlands (2026.2)
    ("it", "#prodottofornitodalancome il mio nuovo profumo 💐", "compliant", set(), {}),
    (
        "it",
        "Il mio nuovo profumo 💐 #suppliedby @lancome",
        "needs_review",
        {"ambiguous_wording"},
        {},
    ),
    ("nl", "#adv | Mijn nieuwe sneakers van @nike, code SANNE10", "needs_review", set(), {}),
    # the audience's own label words that a pack does not list are reviewed, not ignored
    (
        "de",
        "Bezahlte Partnerschaft mit @zalando: Code LISA10",
        "needs_review",
        {"unlisted_wording"},
        {},
    ),
    (
        "uk",
        "Paid promotion: my @olay routine, code KIM20",
        "needs_review",
        {"unlisted_wording"},
        {},
    ),
    ("it", "Sponsored: la mia routine @olay, codice G10", "needs_review", {"unlisted_wording"}, {}),
    # terms with an apostrophe match (straight or typographic): here a negation
    (
        "uk",
        "This isn’t an ad, I just love @cerave and bought it myself",
        "needs_review",
        {"negated_disclosure"},
        {},
    ),
]

# Patterns from posts regulators ruled on, each rewritten in our own words (brands and codes
# changed) so that a rule keeps doing what the ruling asks. (pack, caption, verdict, reasons,
# extra Post fields); the ruling each one follows is in the comment.
RULED: list[tuple[str, str, str, set[str], dict[str, Any]]] = [
    # ASA 2020 (Hair Cybele): a personal code and a swipe-up, no label
    ("uk", "Me again! Code LUCY60 for 60% off @curlco Swipe up!", "undisclosed", set(), {}),
    # ASA 2021 (boohooMAN, TikTok): the brand's handle and hashtag only: a person looks
    ("uk", "Which fit wins?\nJacket from @northwear #northwear", "needs_review", set(), {}),
    # ASA 2021 (Calzedonia): '#<Brand>Ambassador' is not 'Ad'
    ("uk", "The @lagoonswim blues! #LagoonSwimAmbassador", "inadequate", {"ambiguous_wording"}, {}),
    # ASA 2021 (Primark): '#iworkwith<brand>' is not 'Ad'
    ("uk", "Comfy jeans from @denimco #iworkwithdenimco", "inadequate", {"ambiguous_wording"}, {}),
    # ASA 2021 (Bulgari): part of the brand's campaign, under its handle, no label; the
    # model may not clear it (low score given)
    (
        "uk",
        "@lumenjewels. What an honour to be part of the new #LumenNight campaign",
        "undisclosed",
        set(),
        {"commercial_probability": 0.02},
    ),
    # a campaign alone (no brand, link or code) is a lead for review, not a breach
    (
        "uk",
        "Proud to be part of the new campaign for cleaner rivers",
        "needs_review",
        set(),
        {"commercial_probability": 0.5},
    ),
    # RO 2016: a swimsuit 'received at home from' the brand's handle, no label
    ("se", "Fick hem denna baddräkt från @wavesofsweden idag!", "undisclosed", set(), {}),
    # RO 2019: a price next to a shop's handle and a link in bio
    ("se", "2 för 35 spänn på @kvarnbutiken, länk i min bio", "undisclosed", set(), {}),
    # ASAI 2025 (affiliate stories): '#Affiliate' / 'AF' only after '#Ad'
    (
        "ie",
        "#Affiliate the charms are linked https://liketk.it/x1",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    ("ie", "#AF link to my dress https://liketk.it/x1", "inadequate", {"ambiguous_wording"}, {}),
    ("ie", "#Ad #Affiliate the charms are linked https://liketk.it/x1", "compliant", set(), {}),
    ("ie", "so tired #af", "not_commercial", set(), {}),
    # RO 2019 (Lyko): '*Reklamlänk' (advertising link) marks the link as advertising
    ("se", "Reklamlänk: glitter från @glitterbox, swipe up", "compliant", set(), {}),
    # ASA 2022 (own brand): '#myownbrand' is not 'Ad'
    ("uk", "Glow serum by @glowlab #myownbrand", "inadequate", {"ambiguous_wording"}, {}),
    # ASA 2024 (Amazon storefront stories): a storefront link earns commission
    (
        "uk",
        "Link to my lamp (on my Amazon storefront)",
        "undisclosed",
        set(),
        {"format": "story", "commercial_probability": 0.9},
    ),
    # ASA 2022 (#ad present but after the 'more' cut-off)
    (
        "uk",
        f"{LONG}\n\n{LONG}\n\nCode TOM10 @brand #ad",
        "inadequate",
        {"below_fold"},
        {},
    ),
    # ASAI (Califia Farms): '#Ad' below the text instead of its first word
    (
        "ie",
        "SO TASTY AND SO HANDY\n@coldbrewco\n#Ad\nOnly €2.50 this week",
        "inadequate",
        {"not_first_line"},
        {},
    ),
    # ASAI (Women's Best): 'Brand ambassador' is a secondary label, not '#Ad'
    (
        "ie",
        "@fitfuel spring sale is live, my code NIAMH for 10% off\nBrand ambassador",
        "inadequate",
        {"ambiguous_wording"},
        {},
    ),
    # FTC 2017 letters: a brand tagged in praise; the model cannot clear it
    (
        "us",
        "Obsessed with this dress from @stylenova!",
        "needs_review",
        set(),
        {"commercial_probability": 0.03},
    ),
    # FTC 2018 (Creaxion): 'thanks @brand' is not a disclosure
    (
        "us",
        "Home safe! Thanks @bugshield for keeping me bite-free on the trip!!",
        "needs_review",
        set(),
        {"commercial_probability": 0.05},
    ),
    # Reklamombudsmannen 2018: '#samarbete' at the end of a hashtag block
    (
        "se",
        "Mysig kväll. Byxor och tröja från @mysbrand, rabattkod MYS15 #samarbete #mys #ootd",
        "inadequate",
        {"ambiguous_wording", "buried_in_hashtags"},
        {},
    ),
    # Reklamombudsmannen 2021: English '#AD' for a Swedish audience
    ("se", "Morgonrutin ☕ #AD @softwear, kod SOFT10", "inadequate", {"wrong_language"}, {}),
    # OLG Celle 2017 (13 U 53/17): '#ad' among the closing hashtags, for a German audience
    (
        "de",
        "Nur morgen 40% Rabatt auf Augen-Make-up in allen Filialen von @drogerie! "
        "#beauty #ad #sale #makeup #angebot",
        "inadequate",
        {"wrong_language"},
        {},
    ),
    # NAD 2024, Ad Standards 2025: 'not an ad' is itself the claim a regulator checks; even with
    # nothing else in the text and a low model score, a person looks
    (
        "us",
        "not an ad, just obsessed 😍",
        "needs_review",
        {"negated_disclosure"},
        {"commercial_probability": 0.02},
    ),
    # JDP 2022 (France): a favourite brand tagged, nothing else: a person looks
    ("fr", "Mon préf @maisonlin", "needs_review", set(), {"commercial_probability": 0.01}),
    # the EU 2024 sweep: 'collaboration' instead of a label, in the audience's own language
    ("fr", "Collab avec @sephora 💄 code LEA20", "inadequate", {"ambiguous_wording"}, {}),
    ("de", "Collab mit @zalando, Code LISA10", "inadequate", {"ambiguous_wording"}, {}),
    # FTC Disclosures 101: 'Brand X gave me this product' in plain words; 'sent me this' too
    ("us", "@glossier sent me this serum and I love it, link in bio", "compliant", set(), {}),
    (
        "uk",
        "@glossier sent me this serum and I love it, link in bio",
        "needs_review",
        {"ambiguous_wording"},
        {},
    ),
    # DGCCRF 2023 (crypto tout): a product the pack bans from promotion, a weak cue and a low
    # model score: a person looks (the model alone may not clear it)
    (
        "fr",
        "Les chéris, avec le bitcoin j'ai mis 1000 euros et j'en ai gagné 800",
        "needs_review",
        {"weak_commercial_cues"},
        {"commercial_probability": 0.04},
    ),
    # Reklamombudsmannen 2019/2021 (a co-founder's launch posts): "the new products we are
    # launching" is the creator's own brand: commercial next to the brand's handle, a lead for
    # review alone
    (
        "uk",
        "Shoot day for @glowco: the new serums that we are launching next month!",
        "undisclosed",
        {"own_brand_promotion"},
        {},
    ),
    (
        "se",
        "Säg hej till vårt nya läppstift som vi lanserar idag! Sammetslen finish",
        "needs_review",
        {"own_brand_promotion"},
        {},
    ),
    (
        "fr",
        "Aujourd'hui nous lançons notre nouvelle gamme de soins, douce et sans parfum",
        "needs_review",
        {"own_brand_promotion"},
        {},
    ),
    # ASAI (a brand's anniversary sale relayed by its athlete): a sale and "the link in their
    # bio" beside the brand's handle
    (
        "ie",
        "@fitfuel turn 5 this week and they are having a huge sale! Link in their bio",
        "undisclosed",
        {"commercial_cues_without_label"},
        {},
    ),
    # ASA 2013 (a prize draw in text-speak): "chance 2 win" is a giveaway
    (
        "uk",
        "Log on to @prizeland 4 your chance 2 win £50k! Have a go x",
        "undisclosed",
        {"commercial_cues_without_label"},
        {},
    ),
    # ASA 2014 (Oreo lick race): a sponsor's thanks, "for making this video possible", and
    # "check out the <brand> site" are leads; the same thanks to a film crew must stay a lead too
    (
        "uk",
        "Lick race! Check out the Snackco site for more ... Thanks to Snackco for making this "
        "video possible!",
        "needs_review",
        {"ambiguous_wording", "commercial_cues_without_label"},
        {},
    ),
    (
        "uk",
        "Thank you to @camjoe and @bluefilms for making this video possible!",
        "needs_review",
        {"weak_commercial_cues"},
        {},
    ),
    # the compliant shapes the same regulators describe
    ("uk", "Ad | Me again! Code LUCY60 for 60% off @curlco", "compliant", set(), {}),
    ("ie", "#Ad SO TASTY AND SO HANDY @coldbrewco, only €2.50 this week", "compliant", set(), {}),
    ("se", "Reklam för @softwear: min morgonrutin, kod SOFT10", "compliant", set(), {}),
    ("de", "Werbung | Nur morgen 40% Rabatt bei @drogerie", "compliant", set(), {}),
]


@pytest.mark.parametrize(("code", "text", "verdict", "reasons", "fields"), CASES + RULED)
def test_disclosure_table(
    pre: Preprocessor,
    auditor: DisclosureAuditor,
    code: str,
    text: str,
    verdict: str,
    reasons: set[str],
    fields: dict[str, Any],
) -> None:
    f = disclosure(audit(pre, auditor, text, code, **fields))
    assert f.verdict.value == verdict, (f.verdict, f.reasons, [e.text for e in f.evidence])
    assert reasons <= set(f.reasons), f.reasons
    pack = RulePackRegistry.default().get(code)
    assert f.rule_pack == pack.ref
    assert f.rule_ids and all(r in pack.rules for r in f.rule_ids)
    assert f.citation
    for e in f.evidence:
        assert text[e.start : e.end] == e.text
    if verdict in ("compliant", "not_commercial"):
        assert f.fix is None
    else:
        assert f.fix


def test_disclosure_fix_is_concrete_for_france(
    pre: Preprocessor, auditor: DisclosureAuditor
) -> None:
    f = disclosure(audit(pre, auditor, "Ma routine @sephora code LEA15", "fr"))
    assert f.verdict.value == "undisclosed"
    assert f.fix is not None and "Publicité" in f.fix and "start of the caption" in f.fix
    assert f.rule_pack.startswith("fr@")
    # an English sponsor statement: the fix names English labels, not only '#ad'
    text = "Thanks to Opera for sponsoring this video! Download it: https://opr.as/x"
    f = disclosure(audit(pre, auditor, text, "fr"))
    assert f.reasons == ["wrong_language"]
    assert f.fix is not None and "'sponsored'" in f.fix and "Publicité" in f.fix


def test_disclosure_fix_for_ambiguous_wording_names_the_label(
    pre: Preprocessor, auditor: DisclosureAuditor
) -> None:
    # the wording's own fix, not the one for a placement problem met on the way (2026.5)
    text = "In freundlicher Kooperation mit @mymuesli: mein Frühstück, *Affiliate-Link in Bio"
    f = disclosure(audit(pre, auditor, text, "de"))
    assert f.verdict.value == "inadequate" and "not_first_line" in f.reasons
    assert f.fix is not None and f.fix.startswith("Ersetze die Formulierung")
    assert "'Werbung' oder 'Anzeige'" in f.fix


def test_disclosure_label_word_boundaries(pre: Preprocessor, auditor: DisclosureAuditor) -> None:
    # "#adidas", "#ads", "made", "@ad", a URL path: none is the label "ad"
    for text in [
        "#adidas new drop @adidas code SAM10",
        "#ads everywhere @nike code SAM10",
        "I made it @nike code SAM10",
        "Say hi to @ad code SAM10",
        "Shop https://shop.example.com/ad code SAM10 @nike",
        "Saw an ad for these trainers @nike, code SAM10",
        "Mail me: ad@nike.com, code SAM10",
        "An ad hoc trip with @nike, code SAM10",
        # compounds and prose nouns, under every pack that reads English "ad"
        "Enjoy ad-free listening with @spotify, code SAM10",
        "AD-HD awareness: my story @nike code SAM10",
        "Ad astra! New telescope from @celestron, code SAM10",
        "My Ad Break podcast is out, code SAM10 @acast",
        "Turned my ad blocker off for @nike, code SAM10",
        # a year, and "ad free" written without its hyphen
        "Kalki 2898 AD tickets: code SAM10 @cinemaworld",
        "Built in 79 AD, visited with @nike, code SAM10",
        "Watch this ad free with @nike, code SAM10",
        # a "#" after a plain word starts no tag
        "Love it#ad @nike code SAM10",
        "Played it in C#ad lib style @nike code SAM10",
    ]:
        for code in ("uk", "us", "de"):
            f = disclosure(audit(pre, auditor, text, code))
            assert f.verdict.value != "compliant", (code, text, f.reasons)
            assert not [e for e in f.evidence if e.label.endswith("disclosure")], (code, text)
    # the label itself next to those words stays the label
    for text in [
        "Ad | Ad-free mornings with @calm, code CALM20",
        "#ad free delivery @nike code X1",
        "Use code ANNA10 AD",
        "Day 2 AD: my routine with @nike, code X1",
        # tags glued into a run are each a tag (Instagram links them one by one)
        "My routine with @nike, code X1 #sun#ad",
        "#ad#nike my routine, code X1",
    ]:
        f = disclosure(audit(pre, auditor, text, "uk"))
        assert f.verdict.value == "compliant", (text, f.reasons)
    # ... and a glued ambiguous tag is read as one too
    f = disclosure(audit(pre, auditor, "Hungry? @snickersUk#hungry#spon", "uk"))
    assert "ambiguous_wording" in f.reasons, f.reasons
    assert [e.text for e in f.evidence if e.label == "ambiguous_disclosure"] == ["#spon"]
    # invisible characters and look-alike letters do not hide the label
    for text in ["#a\u200bd new drop @nike code SAM10", "#\u0430d new drop @nike code SAM10"]:
        f = disclosure(audit(pre, auditor, text, "uk"))
        assert f.verdict.value == "compliant", (text, f.reasons)
        (ev,) = [e for e in f.evidence if e.label == "disclosure"]
        assert ev.text == text[ev.start : ev.end]


def test_disclosure_two_line_feed_fold(pre: Preprocessor, auditor: DisclosureAuditor) -> None:
    text = "Movie night with @friend\nWho spots the legend in photo 3?\n*ad"
    f = disclosure(audit(pre, auditor, text, "uk"))
    assert f.verdict.value == "inadequate" and "below_fold" in f.reasons
    # on X there is no fold: the whole post is shown
    f = disclosure(audit(pre, auditor, text, "uk", platform="x"))
    assert f.verdict.value == "compliant"
    # whatever the line breaks: CRLF from exports, U+2028 from some APIs
    for br in ("\r\n", "\u2028", "\r"):
        f = disclosure(audit(pre, auditor, text.replace("\n", br), "uk"))
        assert f.verdict.value == "inadequate" and "below_fold" in f.reasons, repr(br)
        tail = f"Loving my @nike trainers, code SAM10 #ad{br}.{br}.{br}#fitness #gym #running"
        f = disclosure(audit(pre, auditor, tail, "uk"))
        assert f.verdict.value == "compliant", (repr(br), f.reasons)


def test_disclosure_commercial_hook(pre: Preprocessor, auditor: DisclosureAuditor) -> None:
    weak = "Loving this dress @zara"
    assert (
        disclosure(audit(pre, auditor, weak, "uk", commercial_probability=0.95)).verdict.value
        == "undisclosed"
    )
    assert (
        disclosure(audit(pre, auditor, weak, "uk", commercial_probability=0.6)).verdict.value
        == "needs_review"
    )
    assert (
        disclosure(audit(pre, auditor, weak, "uk", commercial_probability=0.02)).verdict.value
        == "not_commercial"
    )
    f = disclosure(
        audit(pre, auditor, "Best serum ever, go get it", "uk", commercial_probability=0.9)
    )
    assert f.verdict.value == "needs_review" and "model_commercial_no_cues" in f.reasons
    assert (
        disclosure(
            audit(pre, auditor, "Best serum ever", "uk", commercial_probability=0.1)
        ).verdict.value
        == "not_commercial"
    )
    # strong cues decide even when the model disagrees
    f = disclosure(
        audit(pre, auditor, "Use code SAM10 at @gymshark", "uk", commercial_probability=0.01)
    )
    assert f.verdict.value == "undisclosed"
    # a disclosure the word lists miss: needs review, never compliant
    f = disclosure(
        audit(
            pre,
            auditor,
            "This trip was paid for by the tourist board @visitx",
            "uk",
            disclosure_probability=0.95,
        )
    )
    assert f.verdict.value == "needs_review" and "model_only_disclosure" in f.reasons
    # ... but only when the head is sure: at 0.7 it was right 87% of the time on the validation
    # sentences and 58% on Pinterest (a platform it never saw), at 0.9 92% and 75%; a code with
    # no label and a head at 0.84 ("Jacket linked on stories") stays undisclosed
    f = disclosure(
        audit(
            pre,
            auditor,
            "Yo @vavavoom Jacket in my stories. LORNA10 for 10% off.",
            "uk",
            disclosure_probability=0.84,
        )
    )
    assert f.verdict.value == "undisclosed" and "model_only_disclosure" not in f.reasons
    with pytest.raises(ValueError, match="commercial_probability"):
        audit(pre, auditor, "x", "uk", commercial_probability=1.5)


def test_disclosure_confidence_reflects_strength(
    pre: Preprocessor, auditor: DisclosureAuditor
) -> None:
    strong = disclosure(audit(pre, auditor, "Code SAM10 and link amzn.to/abc @nike", "uk"))
    weak = disclosure(audit(pre, auditor, "Loving this dress @zara", "uk"))
    assert strong.verdict.value == "undisclosed" and strong.confidence > weak.confidence


def test_categories_france(pre: Preprocessor, auditor: DisclosureAuditor) -> None:
    fs = audit(
        pre, auditor, "Publicité - Mes nouvelles puffs goût mangue @vapeco, code LEA10", "fr"
    )
    cats = [f for f in fs if f.kind == "category"]
    assert [c.rule_ids for c in cats] == [["fr.category.nicotine"]]
    assert cats[0].verdict.value == "inadequate" and "banned_category" in cats[0].reasons
    text = "Publicité - Pariez sur le match avec @winamax, bonus de bienvenue, code LEA10"
    (g,) = [f for f in audit(pre, auditor, text, "fr") if f.kind == "category"]
    assert g.rule_ids == ["fr.category.gambling"] and "missing_required_label" in g.reasons
    (g,) = [
        f
        for f in audit(pre, auditor, text + ". Interdit aux moins de 18 ans", "fr")
        if f.kind == "category"
    ]
    assert g.verdict.value == "needs_review" and "missing_required_label" not in g.reasons
    # typical cases of the law's bans, in everyday wording (2026.2)
    for text, rule in [
        ("Publicité | Mon nouveau nez grâce au Dr @docteurx en Turquie", "aesthetic"),
        ("Publicité | Ma greffe de cheveux chez @clinicx, -20% code LEA", "aesthetic"),
        ("Publicité | Ce complément remplace mon traitement @naturalab", "medical_substitutes"),
        ("Publicité | Ouvre ton compte sur @etoro et copie mes trades", "risky_finance"),
    ]:
        got = [f.rule_ids for f in audit(pre, auditor, text, "fr") if f.kind == "category"]
        assert any(rule in r for ids in got for r in ids), (text, got)
    # the alcohol warning with its apostrophes counts as the required wording
    warned = (
        "Publicité | Mon vin préféré @chateau. L’abus d’alcool est dangereux pour la santé, "
        "à consommer avec modération."
    )
    (alc,) = [f for f in audit(pre, auditor, warned, "fr") if f.kind == "category"]
    assert "missing_required_label" not in alc.reasons
    # everyday words that are not the category ("rose" is a colour, Trader Joe's a shop)
    for text in ["Publicité | Ma robe rose préférée @zara", "Publicité | Haul Trader Joe's"]:
        assert not [f for f in audit(pre, auditor, text, "fr") if f.kind == "category"], text
    # keywords with an apostrophe, straight or typographic
    for text, rule in [
        ("Publicité - Mes injections d'acide hyaluronique chez @clinic, code LEA", "aesthetic"),
        ("Publicité - Les jeux d’argent avec @winamax, code LEA10", "gambling"),
    ]:
        got = [f.rule_ids for f in audit(pre, auditor, text, "fr") if f.kind == "category"]
        assert got and all(r.startswith("fr.category.") for ids in got for r in ids), text
        assert any(rule in r for ids in got for r in ids), got
    # not commercial: no category finding for a mention
    assert not [
        f
        for f in audit(pre, auditor, "J'ai arrêté la vape il y a un an", "fr")
        if f.kind == "category"
    ]


def test_labels_france_image_retouchee(pre: Preprocessor, auditor: DisclosureAuditor) -> None:
    fs = audit(pre, auditor, "Publicité - Image retouchée. Ma crème @laroche code LEA10", "fr")
    (lab,) = [f for f in fs if f.kind == "label"]
    assert lab.verdict.value == "compliant" and lab.rule_ids == ["fr.label.image_retouchee"]
    fs = audit(pre, auditor, "Publicité - photo avec filtre, ma crème @laroche code LEA10", "fr")
    (lab,) = [f for f in fs if f.kind == "label"]
    assert lab.verdict.value == "needs_review" and lab.fix and "Image retouchée" in lab.fix


def test_categories_us_fake_indicators(pre: Preprocessor, auditor: DisclosureAuditor) -> None:
    fs = audit(pre, auditor, "Buy followers cheap! 10k for $5, code FAST at @growfast", "us")
    (cat,) = [f for f in fs if f.kind == "category"]
    assert cat.rule_ids == ["us.category.fake_indicators"] and "465.8" in cat.citation


def test_categories_uk(pre: Preprocessor, auditor: DisclosureAuditor) -> None:
    # the sector rules behind ASA rulings on influencer posts (pack 2026.3)
    for text, rule, verdict, reason in [
        ("Ad | My anti-wrinkle injections at @glowclinic, code AMY20",
         "prescription_medicines", "inadequate", "banned_category"),
        ("Ad | RELAX WITH 15% OFF – LOUISXMAS15 @relxuk #vape",
         "nicotine_ecigs", "inadequate", "banned_category"),
        ("Ad | 10 free bets with @bet4fun, code SAM10",
         "gambling", "inadequate", "missing_required_label"),
        ("Ad | 10 free bets with @bet4fun, code SAM10. 18+ BeGambleAware",
         "gambling", "needs_review", "restricted_category"),
        ("Ad | Copy my forex trades with @fxpro, code SAM10",
         "financial_promotions", "needs_review", "restricted_category"),
        ("Ad | Summer cocktails with @gordonsgin, code SAM10",
         "alcohol", "needs_review", "restricted_category"),
    ]:  # fmt: skip
        (cat,) = [f for f in audit(pre, auditor, text, "uk") if f.kind == "category"]
        assert cat.rule_ids == [f"uk.category.{rule}"], text
        assert cat.verdict.value == verdict and reason in cat.reasons, (text, cat.reasons)
        assert cat.citation and cat.fix
    # 'ginger' is not gin, time slots are not gambling; nothing for a non-commercial mention
    for text in ["Ad | Ginger tea with @teapigs, code TEA10", "Ad | Booking slots open @salon",
                 "Quit vaping a year ago today"]:  # fmt: skip
        assert not [f for f in audit(pre, auditor, text, "uk") if f.kind == "category"], text


def test_disclosure_several_jurisdictions_one_call(
    pre: Preprocessor, auditor: DisclosureAuditor
) -> None:
    p = pre.process(Post(id="x", text="#ad New serum @glowco code SAM10"))
    fs = [f for f in auditor.audit(p, ["uk", "fr", "de"]) if f.kind == "disclosure"]
    assert [(f.jurisdiction, f.verdict.value) for f in fs] == [
        ("uk", "compliant"),
        ("fr", "inadequate"),
        ("de", "needs_review"),
    ]


def test_disclosure_auditor_takes_another_registry(pre: Preprocessor, fixtures_dir) -> None:  # type: ignore[no-untyped-def]
    reg = RulePackRegistry.from_dir(fixtures_dir / "rules" / "minimal")
    aud = DisclosureAuditor(reg)
    f = disclosure(aud.audit(pre.process(Post(id="z", text="promo new serum, code SAM10")), ["TL"]))
    assert (f.verdict.value, f.rule_pack) == ("compliant", "zz@2030.7")
    assert (
        f.citation == "Test Code art. 1, art. 2"
        and f.citation_url == "https://example.org/test-code"
    )
    f = disclosure(aud.audit(pre.process(Post(id="z", text="new serum promo, code SAM10")), ["zz"]))
    assert f.verdict.value == "inadequate" and f.reasons == ["not_first_line"]
    f = disclosure(
        aud.audit(pre.process(Post(id="z", text="thx for the serum, code SAM10")), ["zz"])
    )
    assert f.verdict.value == "inadequate" and f.reasons == ["ambiguous_wording"]
    assert f.fix == "Start with 'promo'."
