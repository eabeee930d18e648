"""Reading the native lexicon's YAML data (data/native/): wheels, derivation families, guards, synonyms, Chinese.

Split from native.py (which holds the mapping rules) to keep both modules small; see native.py for semantics.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).parent / "data" / "native"


@dataclass(frozen=True)
class Wheel:
    id: str
    citation: str
    roots: tuple[str, ...]
    level1: dict  # word -> root
    level2: dict  # word -> level2 cluster
    words: tuple[str, ...]  # the wheel's vocabulary (roots excluded when they are labels), in file order
    valence: dict  # root -> positive / negative / neutral (used only by the embedding valence guard)


def build_wheel(doc: dict) -> Wheel:
    """Level tables of one wheel YAML; raises ValueError on a word under two roots that is not documented."""
    shared = doc.get("shared_words") or {}
    label_roots = bool(doc.get("root_is_label"))
    level1: dict[str, str] = {}
    rank: dict[str, int] = {}  # word -> 0 root, 1 level2, 2 level3; the lowest position wins at level2
    level2: dict[str, str] = {}
    words: list[str] = []

    def put(word: str, root: str, pos: int, cluster2: str) -> None:
        if word in level1 and level1[word] != root and word not in shared:
            raise ValueError(f"wheel {doc['id']}: '{word}' under roots {level1[word]} and {root}")
        if word not in level1:
            words.append(word)
            level1[word] = root
        if pos > 0 and (word not in rank or rank[word] == 0 or (pos == 1 and rank[word] == 2)):
            # level2 self beats level3 parent beats root representative
            rank[word], level2[word] = pos, cluster2

    for root, children in doc["roots"].items():
        if not children:
            raise ValueError(f"wheel {doc['id']}: root '{root}' has no level2 children")
        representative = next(iter(children))
        if not label_roots:
            put(root, root, 0, representative)
            level2.setdefault(root, representative)
            rank.setdefault(root, 0)
        for child, grandchildren in children.items():
            put(child, root, 1, child)
            for g in grandchildren or ():
                put(g, root, 2, child)
    valence = dict(doc.get("valence") or {})
    if set(valence) != set(doc["roots"]) or not set(valence.values()) <= {"positive", "negative", "neutral"}:
        raise ValueError(f"wheel {doc['id']}: valence must give positive/negative/neutral for every root")
    return Wheel(doc["id"], doc["citation"], tuple(doc["roots"]), level1, level2, tuple(words), valence)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser, the same safe constructor


def read_data(data_dir: Path = DATA_DIR):
    """(wheels by id in file order, derivation families, guards, sha256 over the YAML files' bytes); the authored
    synonyms (kind: synonyms) are returned in guards["synonyms"]."""
    digest = hashlib.sha256()
    wheels: dict[str, Wheel] = {}
    families: list[list[str]] = []
    guards: dict = {}
    synonyms: dict = {}
    stance: frozenset = frozenset()
    chinese: dict = {}
    for path in sorted(data_dir.glob("*.yaml")):
        raw = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + raw + b"\0")
        doc = yaml.load(raw, Loader=_LOADER)
        if doc["kind"] == "wheel":
            wheels[doc["id"]] = build_wheel(doc)
        elif doc["kind"] == "derivations":
            families = [list(f) for f in doc["families"]]
        elif doc["kind"] == "guards":
            guards = doc
        elif doc["kind"] == "synonyms":
            synonyms = {str(k): tuple(v or ()) for k, v in (doc.get("synonyms") or {}).items()}
            stance = frozenset(str(w) for w in (doc.get("stance") or ()))
        elif doc["kind"] == "chinese":
            chinese = read_chinese(doc, path)
    order = ("parrott", "plutchik", "willcox", "gew")  # a fixed public order, others after
    wheels = {k: wheels[k] for k in sorted(wheels, key=lambda k: (order.index(k) if k in order else 99, k))}
    return wheels, families, dict(guards, synonyms=synonyms, stance=stance, chinese=chinese), digest.hexdigest()


def read_chinese(doc: dict, path: Path) -> dict:
    """chinese.yaml: {"words": {word: glosses} over all families, "not_emotion", "modifiers", "negators"}; a
    word in two families, or in a family and not_emotion, is an error (its gloss would depend on file order)."""
    words: dict[str, tuple[str, ...]] = {}
    for family, entry in (doc.get("families") or {}).items():
        for word, glosses in (entry.get("words") or {}).items():
            if word in words or not glosses:
                raise ValueError(f"{path.name}: '{word}' ({family}) is listed twice or has no gloss")
            words[str(word)] = tuple(str(g) for g in glosses)
    blocked = [str(w) for w in doc.get("not_emotion") or ()]
    if set(blocked) & set(words):
        raise ValueError(f"{path.name}: {sorted(set(blocked) & set(words))} are both emotion and not_emotion words")
    longest = lambda key: sorted((str(m) for m in doc.get(key) or ()), key=len, reverse=True)  # noqa: E731
    return {"words": words, "not_emotion": blocked, "modifiers": longest("modifiers"), "negators": longest("negators")}
