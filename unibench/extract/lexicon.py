"""`--extractor lexicon`: labels from free text by finding emotion words through a lexicon; offline, no LLM.

The word finder is `unibench.extract.wordfind` (rules there: phrases, native normalisation, negation guard,
sentiment rule). By default it uses the run's lexicon (`--lexicon`, native when not given), so the words it keeps
are exactly those that lexicon can score; the sentiment word of sentiment sets always comes from the native
lexicon's valences. Structured responses (a list of labels, one label, class probabilities, a valence) are taken
as given: text is searched only when no structured prediction is present.
"""

from __future__ import annotations

from typing import Mapping

from unibench.extract.base import Extractor, label_string
from unibench.schema import Extraction, Response


def _sign(valence: float) -> str:
    return "positive" if valence > 0 else "negative" if valence < 0 else "neutral"


class LexiconExtractor(Extractor):
    id = "lexicon"
    rules = ("unibench.extract.lexicon", "unibench.extract.wordfind")
    description = ("offline word finder: emotion words in the response through the run's lexicon (longest phrase "
                   "first, native normalisation, negation guard); sentiment from the native valences")

    def __init__(self, lexicon=None):
        self._finder = None
        self._sentiment = None
        if lexicon is not None:
            self.bind_lexicon(lexicon)

    def bind_lexicon(self, lexicon) -> None:
        """Bind the run's lexicon (the runner calls this); a run without a wheel lexicon uses the native one."""
        from unibench.extract.wordfind import WordFinder

        if lexicon is None:
            from unibench.lexicon.native import load_native

            lexicon = load_native()
        self._finder = WordFinder(lexicon)

    def settings(self) -> dict:
        """The sentiment word always comes from the native lexicon, so its identity shapes the output."""
        return {"sentiment_lexicon": self.sentiment_finder().native.version}

    def sentiment_finder(self):
        if self._sentiment is None:
            from unibench.extract.wordfind import SentimentFinder

            self._sentiment = SentimentFinder()
        return self._sentiment

    def one(self, r: Response, task: str) -> Extraction:
        if self._finder is None:
            self.bind_lexicon(None)
        if r.labels is not None or r.label is not None or r.probs:
            if r.labels is not None:
                words = list(r.labels)
            elif r.label is not None:
                words = [r.label]
            else:
                words = [max(r.probs, key=lambda k: r.probs[k])]
        else:
            words = self._finder.find(r.text)
        if task != "sentiment":
            return Extraction(labels=label_string(words))
        if r.valence is not None:
            sentiment = _sign(float(r.valence))
        elif r.structured:
            from unibench.extract.wordfind import sentiment_of

            sentiment = sentiment_of(words, self.sentiment_finder().native)
        else:
            sentiment = self.sentiment_finder().sentiment(r.text)
        return Extraction(labels=label_string(words), sentiment=sentiment)

    def extract(self, checkpoint, task: str, outputs: Mapping[str, Response] | None = None) -> dict[str, Extraction]:
        if outputs is None:
            raise ValueError("the lexicon extractor needs the model outputs")
        return {k: self.one(r if isinstance(r, Response) else Response(text=str(r)), task)
                for k, r in outputs.items()}
