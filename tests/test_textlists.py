from unibench.textlists import normalise_words, string_to_list


def test_string_to_list_upstream_semantics():
    assert string_to_list("[happy, sad, angry]") == ["happy", "sad", "angry"]
    assert string_to_list("['happy', \"sad\"]") == ["happy", "sad"]
    assert string_to_list("[]") == []
    assert string_to_list("happy; sad and angry") == ["happy; sad and angry"]  # only , ' " separate
    assert string_to_list("[[happy]]") == ["[happy]"]  # exactly one bracket pair stripped
    assert string_to_list(None) == [] and string_to_list(float("nan")) == []
    assert normalise_words("[ Happy , SAD ]") == ["happy", "sad"]
