"""The offline extractor's rules (unibench/extract/wordfind.py), one worked example each, the Chinese vocabulary of
the native lexicon, the bilingual check set, and the `description_target_met` flag against the measurement."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from unibench.lexicon.native import load_native

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def native():
    return load_native(embedding_fallback=False)


@pytest.fixture(scope="module")
def find(native):
    from unibench.extract.wordfind import WordFinder

    return WordFinder(native).find


@pytest.mark.parametrize("text,want", [
    # list answers: copied item by item, degree words dropped, at most four items (as the LLM keeps them)
    ("The character's emotional state is tense, hopeful, tired.", ["tense", "hopeful", "tired"]),
    ("The character's emotional state is a bit nervous, curious.", ["nervous", "curious"]),
    ("The character's emotional state is anger, frustration, anxiety, dissatisfaction, resentment.",
     ["anger", "frustration", "anxiety", "dissatisfaction"]),
    ("The character's emotional state is happy or sad.", ["happy", "sad"]),
    # the concluding statement outweighs passing mentions
    ("He looks tense at first and fidgets. Overall, his emotional state is calm and content.", ["calm", "content"]),
    ("She was relaxed this morning. Therefore, she is confused and worried now.", ["confused", "worried"]),
    # ... but a thin conclusion (one word said once) does not: every kept word counts
    ("She smiles and seems happy, then a little nervous. Overall, she is excited.", ["happy", "nervous", "excited"]),
    # ... a short conclusion keeps an earlier enumeration of the person's emotions along; a longer one does not
    ("She might be feeling a mix of emotions such as shock, grief or anxiety. In conclusion, she seems sad and "
     "tired.", ["sad", "tired", "shock", "grief", "anxiety"]),
    ("She might be feeling a range of emotions, including shock and grief. In conclusion, she seems sad, tired and "
     "worried.", ["sad", "tired", "worried"]),
    # ... and the points of a justification after the answer are not the answer
    ("He sounds angry. In the text, the character's emotional state is anger. The reasoning: 1. The voice is "
     "angry. 2. The subtitle shows dissatisfaction and doubt.", ["anger"]),
    # someone else's emotions are dropped
    ("The other person seems angry, but she is happy.", ["happy"]),
    ("The audience is laughing and cheerful while he looks sad.", ["sad"]),
    # hypothetical, with the consequence clause of an if-clause
    ("If he were angry, he would shout; he is calm.", ["calm"]),
    ("It is unclear whether she is happy.", []),
    # negated or ruled out
    ("She shows no sign of fear.", []),
    ("He is frustrated rather than angry.", ["frustrated"]),
    ("She is disappointed instead of angry.", ["disappointed"]),
    ("He is not only happy but also excited.", ["happy", "excited"]),
    ("Anger is ruled out; he is just tired.", ["tired"]),
    ("I am not happy about it.", ["not happy"]),  # a listed negated phrase (the native pivots: sad)
    # hedged alternatives kept in order
    ("She may be anxious or worried.", ["anxious", "worried"]),
    # quoted speech is what someone said; read only when nothing is said outside it
    ('The speaker sounds sad. He says "I am happy for you".', ["sad"]),
    ('The audio is of a man saying, "I am so happy today".', ["happy"]),
    # the scene, an activity, the noun "content", manner adverbs are not the person's feeling
    ("The room has a peaceful atmosphere; she seems anxious.", ["anxious"]),
    ("The environment is somber. He is relaxed.", ["relaxed"]),
    ("She is enjoying her meal and seems content.", ["content"]),
    ("The subtitle content suggests that he is worried.", ["worried"]),
    ("He speaks confidently and seems proud.", ["proud"]),
    # modifiers go, as an LLM writes the label; one word per lexeme
    ("She is feeling very happy and a little stressed.", ["happy", "stressed"]),
    ("He is disappointed; his disappointment shows.", ["disappointed"]),
    # polarity words as the person's state, not as a descriptor
    ("His tone sounds negative.", ["negative"]),
    ("She is experiencing positive emotions and seems calm.", ["calm"]),
])
def test_english_rules(find, text, want):
    assert find(text) == want


@pytest.mark.parametrize("text,want", [
    ("该角色的情绪状态是紧张、焦虑、非常疲惫。", ["紧张", "焦虑", "疲惫"]),           # a list answer, 、 and degree words
    ("这位女士的情绪状态可能是开心或愉快。", ["开心", "愉快"]),                        # 或 separates hedged items
    ("他看起来很开心，但并不兴奋。", ["开心"]),                                      # 并不: negated
    ("她不是生气，而是伤心。", ["伤心"]),                                            # 不是 ... 而是
    ("她是失望，而不是生气。", ["失望"]),                                            # 而不是: ruled out
    ("如果他生气了，他会离开。", []),                                                # hypothetical and its consequence
    ("他是否开心还不清楚，但他很平静。", ["平静"]),                                    # 是否: not asserted
    ("对方很生气，但他很平静。", ["平静"]),                                          # someone else's
    ("起初她很好奇。总的来说，她很兴奋，也很开心。", ["兴奋", "开心"]),                # the conclusion
    ("他不开心。", ["不开心"]),                                                      # a lexicalised negative
    ("这能提高兴趣。", []),                                                          # 高兴 inside 提高兴趣: blocked
    ("她独自在家过生日。", []),                                                      # 自在 inside 独自在家: blocked
    ('The audio is of a man saying, "我真的很生气".', ["生气"]),                      # Chinese inside English
])
def test_chinese_rules(find, text, want):
    assert find(text) == want


def test_chinese_words_map_as_their_glosses(native):
    for zh, en in (("开心", "happy"), ("生气", "angry"), ("担心", "worried"), ("非常开心的", "happy")):
        assert [native.map_word(zh, w, "level1") for w in native.wheels] == \
               [native.map_word(en, w, "level1") for w in native.wheels]
    assert native.explain("开心")["reason"] == "chinese"
    assert all(native.map_word("不生气", w, "level1") is None for w in native.wheels)  # negated: nothing
    assert native.explain("不生气")["reason"] == "negated"
    assert native.languages == ("en", "zh")


def test_chinese_vocabulary_is_complete_and_consistent(native):
    words = native._zh
    assert len(words) >= 250
    unmapped = [w for w in words if not native.rule_match(w)]
    assert unmapped == []  # every entry reaches some wheel through a gloss
    blocked = [w for w, g in native.chinese_words.items() if not g]
    assert blocked and all(not native.rule_match(w) for w in blocked)
    assert all(len(w) >= 2 for w in words)  # no single characters (see chinese.yaml)


def test_chinese_family_duplicates_are_errors(tmp_path):
    from unibench.lexicon.native_data import read_chinese

    doc = {"families": {"a": {"words": {"开心": ["happy"]}}, "b": {"words": {"开心": ["joy"]}}}}
    with pytest.raises(ValueError, match="listed twice"):
        read_chinese(doc, tmp_path / "chinese.yaml")


@pytest.mark.parametrize("text,want", [
    ("The character's emotional state is calm, neutral.", "neutral"),     # names neutral, one polar word more
    ("The character's emotional state is neutral, happy, excited.", "positive"),  # two more: polar wins
    ("该角色的情绪状态是开心、兴奋。", "positive"),
    ("她很难过。", "negative"),
    ("The character's emotional state is anxious, excited.", "positive"),  # a tie: the last polar word decides
    ("The character's emotional state is excited, angry.", "negative"),
    ("The man sits at a table and looks at the camera.", "neutral"),      # no polar word
])
def test_sentiment_rule(native, text, want):
    from unibench.extract.wordfind import SentimentFinder

    assert SentimentFinder(native).sentiment(text) == want


def test_extractor_version_digests_its_rule_modules():
    from unibench.extract.lexicon import LexiconExtractor

    ex = LexiconExtractor()
    assert "unibench.extract.wordfind" in ex.rules and "unibench.extract.lexicon" in ex.rules
    assert ex.settings()["native_lexicon"] == load_native().version  # native data and rules shape the output


def test_bilingual_check():
    """The same 216 responses in English and Chinese score within 2 points (EW-F, native lexicon)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from extraction_fidelity import BILINGUAL_TOLERANCE, bilingual

    got = bilingual()
    assert got["n"] >= 200
    assert abs(got["en"] - got["zh"]) <= BILINGUAL_TOLERANCE, got


def test_description_target_flag_matches_the_measurement(reference):
    """`LexiconExtractor.description_target_met` says whether the OV-MER description target is met on the
    held-out half (benchmarks/extraction_fidelity.py). A False flag is proven by one run that misses it (the short
    Qwen-Audio runs are checked first, being cheap); a True flag needs every run."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from extraction_fidelity import ov_target, ovmer_rows
    from unibench.extract.lexicon import LexiconExtractor
    from unibench.lexicon.registry import load_lexicon

    lexicon = load_lexicon(f"affectgpt:{reference / 'AffectGPT' / 'emotion_wheel'}")
    if LexiconExtractor.description_target_met:
        assert ov_target(ovmer_rows(reference, lexicon, "held-out"))[0]
    else:
        rows = ovmer_rows(reference, lexicon, "held-out", models=("Qwen-Audio",))
        assert not ov_target(rows)[0]
