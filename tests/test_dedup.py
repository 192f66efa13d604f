import numpy as np

from sitroom.dedup import band_keys, lsh_params, shingles, signature, similarity

WIRE = ("Russia and Ukraine exchanged 1,000 prisoners each on Friday in the largest swap of the war, "
        "officials in Moscow and Kyiv said, a week after the first direct talks in three years were held in "
        "Istanbul. The exchange took place on the border with Belarus and was to continue over the weekend.")


def test_shingles():
    assert shingles("a b c d e f", 5) == {b"a b c d e", b"b c d e f"}
    assert shingles("Short text", 5) == {b"short text"}
    assert shingles("", 5) == set()


def test_near_duplicate_similarity():
    reworded = WIRE.replace("on Friday", "on Friday, May 23,") + " More swaps are planned."
    unrelated = "Sanctions on Rosneft and Lukoil were announced by the Treasury on Wednesday. " * 3
    base = signature(WIRE)
    assert similarity(base, signature(WIRE)) == 1.0
    assert similarity(base, signature(reworded)) > 0.6
    assert similarity(base, signature(unrelated)) < 0.1


def test_bands_are_deterministic_and_cover_the_signature():
    bands, rows = lsh_params(0.8, 128)
    assert bands * rows <= 128
    keys = band_keys(signature(WIRE), 0.8)
    assert keys == band_keys(signature(WIRE), 0.8)
    assert len(keys) == bands and all(isinstance(k, str) for _, k in keys)
    assert signature(WIRE).dtype == np.uint64
