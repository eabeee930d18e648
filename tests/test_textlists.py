from unibench.textlists import normalise_words, string_to_list


def test_string_to_list_upstream_semantics():
    assert string_to_list("[happy, sad, angry]") == ["happy", "sad", "angry"]
    assert string_to_list("['happy', \"sad\"]") == ["happy", "sad"]
    assert string_to_list("[]") == []
    assert string_to_list("happy; sad and angry") == ["happy; sad and angry"]  # only , ' " separate
    assert string_to_list("[[happy]]") == ["[happy]"]  # exactly one bracket pair stripped
    assert string_to_list(None) == [] and string_to_list(float("nan")) == []
    assert normalise_words("[ Happy , SAD ]") == ["happy", "sad"]


def test_normalise_words_is_string_to_list_then_lower_strip():
    """The one-pass split gives what its definition gives, on strings built from the characters that matter:
    brackets at either end or inside, every separator, spaces and newlines, case (final sigma included)."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    chars = st.sampled_from(list("[]'\",; aBc\u00c9\u03a3\u4e2d\t\n\x1f"))

    @settings(max_examples=500, deadline=None)
    @given(st.lists(chars, max_size=14).map("".join))
    def check(value):
        assert normalise_words(value) == [w.lower().strip() for w in string_to_list(value)]

    check()
    assert normalise_words(["A ", "b"]) == ["a", "b"] and normalise_words(None) == []
