"""Find emotion words in free text through a lexicon: the shared core of `--extractor lexicon` and the
`text-lexicon` baseline. Offline and deterministic.

Rules:
* text is lower-cased and split into clauses at . ; : ! ? , newlines and the words "but" / "although" / "though";
  tokens are letter runs with inner hyphens or apostrophes ("light-hearted", "isn't");
* in each clause, the longest n-gram (up to 4 tokens) that the lexicon maps on at least one wheel is taken, left to
  right, so phrases ("let down", "very angry", "stressed out") win over their words. With the native lexicon
  "maps" means a rule reaches it (exact, lemma, derivation, phrase, antonym pivots), never the embedding fallback:
  on arbitrary text the fallback would turn ordinary words into emotions. With an upstream lexicon it means the
  word has a cluster on some wheel (its forms and synonym tables);
* negation guard: a match preceded, within NEG_WINDOW tokens of its clause, by a negator ("not", "never", "no",
  "without", any "...n't", the native guard list) is dropped ("not happy" never yields happy; "doesn't seem angry"
  never yields angry), unless the negated phrase itself maps (the native lexicon lists e.g. "not happy" with
  explicit pivots such as sad);
* meta words name emotions rather than being one and are never taken alone: "emotion(s)", "emotional(ly)",
  "feeling(s)", "mood", "sentiment" (LLMs' "The character's emotional state is ..."), and a valence word before
  one ("positive emotions", "negative mood": an LLM extractor keeps these as one unmapped item) is skipped too,
  except by the sentiment finder, for which it is the signal;
* the words are returned once each, in order of appearance, as written (the scorer's lexicon normalises them);
* a response that is just a list ("The character's emotional state is tense, hopeful, tired.") is copied
  item by item, as an LLM extractor (upstream prompt A) does: one sentence, a lead-in ending in "is"/"are"/
  "seems"/":", then items of at most MAX_ITEM tokens separated by commas or "and".
  Items are kept as written (multi-word items such as "emotional detachment" stay whole, whether or not the lexicon
  maps them: the scorer drops what it cannot map), meta-only items are skipped, and a negated item is kept only when
  the lexicon maps the negated phrase itself; a leading degree word ("very", "a bit") is dropped.

Sentiment (for sentiment sets) always uses the native lexicon's root valences, whatever lexicon found the labels
(the upstream tables carry no valence): the text is scanned with the native finder, each word gets the valence its
wheels agree on (words whose wheels disagree, and neutral roots such as surprise, count for neither side), and the
explicit polarity words "positive" / "negative" count too. A text whose first word is "neutral" is neutral. More
positive than negative words -> positive, more negative -> negative; otherwise (no polar word, or a tie: mixed
evidence) -> neutral, which the binary metric counts as negative, as upstream. Measured against the upstream Qwen
sentiment caches (benchmarks/extraction_fidelity.py), the tie -> neutral and leading-"neutral" rules bring the
lexicon route closest on CMU-MOSI and CH-SIMS.
"""

from __future__ import annotations

import re

NEG_WINDOW = 4
MAX_NGRAM = 4
MAX_ITEM = 3  # tokens per item of a plain list response
_TOKEN = re.compile(r"[a-z]+(?:['-][a-z]+)*")
_CLAUSE = re.compile(r"[.;:!?,\n\r()\[\]\"]+|\b(?:but|although|though|whereas)\b")
_NEGATORS = frozenset({"not", "never", "no", "nor", "without", "hardly", "barely", "scarcely", "lack", "lacking",
                       "cannot", "neither", "none", "nobody", "nothing"})
POLARITY_WORDS = {"positive": "positive", "negative": "negative"}
_LEAD_IN = re.compile(r"^(?:[^,]*?\b(?:is|are|was|were|seems?|appears?)\b|[^,]*?:)\s+")
_ITEMS = re.compile(r"\s*(?:,|\band\b)\s*")
# leading degree words dropped from list items ("a bit nervous" -> "nervous"), as an LLM extractor does
_DEGREE = ("a little bit", "a bit", "a little", "very", "slightly", "somewhat", "quite", "rather", "extremely",
           "really", "deeply", "highly", "mildly", "fairly", "overly", "so", "too", "more", "less", "a lot")
_META = frozenset({"emotional", "emotionally", "emotion", "emotions", "feeling", "feelings", "affective", "mood",
                   "moods", "sentiment", "sentiments"})


class WordFinder:
    """Emotion words of a text under one lexicon (memoised per phrase)."""

    def __init__(self, lexicon, extra: frozenset[str] = frozenset()):
        self.lexicon = lexicon
        self._memo: dict[str, bool] = {w: True for w in extra}  # words taken whatever the lexicon says
        self._extra = extra
        self._rule_match = getattr(lexicon, "rule_match", None)  # the native lexicon: rules only
        self.negators = _NEGATORS | frozenset(getattr(lexicon, "_negators", ()) or ())

    def maps(self, phrase: str) -> bool:
        got = self._memo.get(phrase)
        if got is None:
            if self._rule_match is not None:
                got = bool(self._rule_match(phrase))
            else:
                got = any(self.lexicon.map_word(phrase, w, "level1") is not None for w in self.lexicon.wheels)
            self._memo[phrase] = got
        return got

    def _negator(self, token: str) -> bool:
        return token in self.negators or token.endswith("n't")

    def list_items(self, norm: str) -> list[str] | None:
        """The items of a plain list response, or None when the text is prose (rule in the module docstring)."""
        body = norm.strip().rstrip(".!").strip()
        if not body or re.search(r"[.;!?\n()\[\]\"]", body):
            return None
        m = _LEAD_IN.match(body)
        # only "... is a, b, c" answers: a bare "not angry, just tired" is prose (a subtitle), and a negated lead-in
        # ("she doesn't seem angry, just tired") is prose too
        if m is None or any(self._negator(t) for t in _TOKEN.findall(m.group(0))):
            return None
        body = body[m.end():]
        items = [i.strip() for i in _ITEMS.split(body) if i.strip()]
        toks = [_TOKEN.findall(i) for i in items]
        if not items or any(not t or len(t) > MAX_ITEM or " ".join(t) != i for t, i in zip(toks, items)):
            return None
        out: dict[str, None] = {}
        for item, t in zip(items, toks):
            for d in _DEGREE:
                if item.startswith(d + " "):
                    item, t = item[len(d) + 1:], t[len(d.split()):]
                    break
            if all(w in _META for w in t) or (len(t) > 1 and t[0] in POLARITY_WORDS and t[0] not in self._extra
                                                 and t[1] in _META):
                continue  # "emotional", "positive emotions": descriptors, not emotions (the sentiment finder keeps
                #           the latter: they are its signal)
            if self._negator(t[0]) or (len(t) > 1 and self._negator(t[1])):
                if self.maps(item):  # a listed negated phrase with explicit pivots (native)
                    out.setdefault(item)
                continue
            out.setdefault(item)
        return list(out)

    def find(self, text: str | None) -> list[str]:
        if not text:
            return []
        out: dict[str, None] = {}
        norm = str(text).replace("\u2019", "'").lower()
        items = self.list_items(norm)
        if items is not None:
            return items
        for clause in _CLAUSE.split(norm):
            toks = _TOKEN.findall(clause or "")
            i = 0
            while i < len(toks):
                hit = 0
                for n in range(min(MAX_NGRAM, len(toks) - i), 0, -1):
                    phrase = " ".join(toks[i:i + n])
                    if not self._negator(toks[i]) and self.maps(phrase):
                        hit = n
                        break
                if hit == 1 and (toks[i] in _META or (toks[i] in POLARITY_WORDS and toks[i] not in self._extra
                                                      and i + 1 < len(toks) and toks[i + 1] in _META)):
                    hit = 0  # "emotional state", "positive emotions": descriptors, not emotions
                if not hit:
                    i += 1
                    continue
                phrase = " ".join(toks[i:i + hit])
                before = toks[max(0, i - NEG_WINDOW):i]
                neg = next((k for k in range(len(before) - 1, -1, -1) if self._negator(before[k])), None)
                if neg is None:
                    out.setdefault(phrase)
                else:
                    negated = " ".join(before[neg:] + [phrase])
                    if self.maps(negated):  # a listed negated phrase with explicit pivots (native)
                        out.setdefault(negated)
                i += hit
        return list(out)


def word_valence(native, word: str) -> str | None:
    head, _, rest = word.partition(" ")
    if head in POLARITY_WORDS and (not rest or rest in _META):  # "positive", "negative emotions"
        return POLARITY_WORDS[head]
    return native.evidence_valence(word)


def sentiment_of(words: list[str], native) -> str:
    """positive / negative / neutral from the words' native valences (rule in the module docstring)."""
    if words and words[0] == "neutral":  # a text that opens with "neutral" says so first
        return "neutral"
    signs = [s for s in (word_valence(native, w) for w in words) if s in ("positive", "negative")]
    pos, neg = signs.count("positive"), signs.count("negative")
    if pos != neg:
        return "positive" if pos > neg else "negative"
    return "neutral"  # no polar word, or as many positive as negative: mixed evidence


class SentimentFinder:
    """The native finder plus the polarity words: text -> sentiment word."""

    def __init__(self, native=None):
        if native is None:
            from unibench.lexicon.native import load_native

            native = load_native()
        self.native = native
        self.finder = WordFinder(native, extra=frozenset(POLARITY_WORDS))

    def words(self, text: str | None) -> list[str]:
        return self.finder.find(text)

    def sentiment(self, text: str | None) -> str:
        return sentiment_of(self.words(text), self.native)
