import sitroom


def test_public_api_is_pinned():
    # Changing the public surface is a deliberate act: update this list with it.
    assert sorted(sitroom.__all__) == ["STAGES", "Settings", "__version__", "open_store", "process", "run"]
    for name in sitroom.__all__:
        assert hasattr(sitroom, name)
