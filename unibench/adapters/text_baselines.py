"""Built-in text baselines: no GPU, no model files beyond MiniLM; they read only the subtitle of each sample.

`--model text-lexicon`  the emotion words the run's lexicon finds in the subtitle (the lexicon extractor's word
                        finder: phrases, native normalisation, negation guard); for sentiment sets the sentiment
                        word of the native valences (rule in unibench.extract.wordfind).
`--model text-embed`    zero-shot all-MiniLM-L6-v2 (English only): cosine between the subtitle and prototypes.
Each follows its corpus card's `language`: a baseline that cannot read it (text-embed on a Chinese corpus, or
text-lexicon with an English-only lexicon such as the upstream tables) refuses the corpus with a one-line error
instead of scoring noise; text-lexicon with the native lexicon reads Chinese subtitles (chinese.yaml).
                        basic sets: the card's label space, argmax (neutral included: an honest classifier);
                        open-vocabulary sets: the TOP_K native wheel words with cosine >= MIN_SIMILARITY (at least
                        the best one); sentiment sets: valence = cos(positive prototype) - cos(negative prototype).
Both return structured responses (labels, valence) plus a readable text; their default extractor is `lexicon`,
which takes structured responses as given. A corpus without a subtitle file is a clear error.
"""

from __future__ import annotations

from typing import Any

from unibench.adapters.base import Checkpoint, ModelAdapter
from unibench.errors import UserError
from unibench.schema import Response

TOP_K = 3
MIN_SIMILARITY = 0.25  # sentence-to-word cosines are low; below this a word is only kept as the single best
TEMPLATE = "I feel {}."  # basic-set prototypes: a first-person sentence, closer to a subtitle than a bare word
POSITIVE = ("I feel good.", "This is wonderful.", "I am happy and pleased.")
NEGATIVE = ("I feel bad.", "This is terrible.", "I am upset and unhappy.")


class _TextBaseline(ModelAdapter):
    takes_arg = False
    needs_subtitles = True

    def default_extractor(self) -> str:
        return "lexicon"

    def __init__(self, arg: str = "", options: dict[str, str] | None = None):
        super().__init__(arg, options)
        self.lexicon: Any = None
        self.card: Any = None

    @property
    def default_name(self) -> str:
        return self.kind

    def bind_lexicon(self, lexicon) -> None:
        self.lexicon = lexicon

    def checkpoints(self, card) -> list[Checkpoint]:
        self.card = card
        return [Checkpoint(name=self.kind)]

    def languages(self) -> tuple[str, ...]:
        return ("en",)

    def texts(self, samples) -> list[str]:
        lang = getattr(self.card, "language", "en") or "en"
        if lang not in self.languages():
            name = getattr(self.card, "name", "dataset")
            raise UserError(f"{name}: --model {self.kind} reads {'/'.join(self.languages())} text only and this "
                            f"corpus's subtitles are '{lang}' (its card's `language`); "
                            + ("use --lexicon native, which reads Chinese" if self.kind == "text-lexicon" else
                               "use --model text-lexicon (the native lexicon reads Chinese)"))
        if samples and all(s.subtitle is None for s in samples):
            spec: dict = self.card.subtitles if self.card is not None else {}
            where = f"{spec['file']} (column {spec['column']})" if spec else "no subtitle file on its card"
            raise UserError(f"{self.card.name if self.card else 'dataset'}: --model {self.kind} reads subtitles, "
                            f"and none were found: {where}; put the subtitle file in the corpus folder")
        return [s.subtitle or "" for s in samples]


class TextLexicon(_TextBaseline):
    kind = "text-lexicon"

    def languages(self) -> tuple[str, ...]:
        return tuple(getattr(self.lexicon, "languages", ("en",))) if self.lexicon is not None else ("en", "zh")

    def outputs(self, checkpoint, samples) -> dict[str, Response]:
        from unibench.extract.base import label_string
        from unibench.extract.wordfind import SentimentFinder, WordFinder

        if self.lexicon is None or getattr(self.lexicon, "id", "none") == "none":
            from unibench.lexicon.native import load_native

            self.lexicon = load_native()
        texts = self.texts(samples)
        finder = WordFinder(self.lexicon)
        sentiment = SentimentFinder() if self.card is not None and self.card.task == "sentiment" else None
        out = {}
        for s, text in zip(samples, texts):
            words = tuple(finder.find(text))
            if sentiment is None:
                out[s.id] = Response(text=label_string(words), labels=words)
            else:
                word = sentiment.sentiment(text)
                val = {"positive": 1.0, "negative": -1.0}.get(word, 0.0)
                out[s.id] = Response(text=f"{label_string(words)} {word}", labels=words, valence=val)
        return out


class TextEmbed(_TextBaseline):
    kind = "text-embed"

    def _backend(self):
        from unibench.lexicon.native_embed import EmbeddingBackend

        backend = EmbeddingBackend()
        if not backend.available:
            raise UserError(f"--model text-embed needs all-MiniLM-L6-v2 ({backend.status}); install the 'embed' "
                            "extra")
        return backend

    def outputs(self, checkpoint, samples) -> dict[str, Response]:
        import numpy as np

        texts = self.texts(samples)
        backend = self._backend()
        emb = backend.encode(texts)
        task = self.card.task if self.card is not None else "open_vocab"
        out = {}
        if task == "sentiment":
            pos, neg = (backend.encode(list(p)).mean(axis=0) for p in (POSITIVE, NEGATIVE))
            val = emb @ pos - emb @ neg
            for s, v in zip(samples, val.tolist()):
                out[s.id] = Response(text=f"valence {v:+.4f}", labels=(), valence=float(v))
            return out
        if task == "discrete" and self.card.label_space:
            labels = list(self.card.label_space)
            sims = emb @ backend.encode([TEMPLATE.format(x) for x in labels]).T
            for s, row in zip(samples, sims):
                best = labels[int(np.argmax(row))]
                out[s.id] = Response(text=f"[{best}]", labels=(best,))
            return out
        from unibench.lexicon.native import load_native

        native = load_native(embedding_fallback=False)
        vocab = sorted({w for wid in native.wheels for w in native.wheel(wid).words})
        sims = emb @ backend.vectors(vocab).T  # word vectors are remembered on disk
        for s, row in zip(samples, sims):
            order = np.argsort(-row, kind="stable")[:TOP_K]
            words = tuple(vocab[i] for i in order if row[i] >= MIN_SIMILARITY) or (vocab[int(order[0])],)
            out[s.id] = Response(text="[" + ", ".join(words) + "]", labels=words)
        return out
