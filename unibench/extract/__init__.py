"""Extractors turn a model's free-text responses into labels (and a sentiment word for sentiment sets).

Results record the extractor id and version; scores from different extractors never share a column.
"""

from unibench.registry import Registry

EXTRACTORS = Registry("extractor", entry_point_group="unibench.extractors")
EXTRACTORS.register("cache", "unibench.extract.cache:CacheExtractor")
EXTRACTORS.register("given", "unibench.extract.given:GivenExtractor")
EXTRACTORS.register("llm", "unibench.extract.llm:LLMExtractor")
EXTRACTORS.register("lexicon", "unibench.extract.lexicon:LexiconExtractor")
EXTRACTORS.register("answer-tag", "unibench.extract.answer_tag:AnswerTagExtractor")
