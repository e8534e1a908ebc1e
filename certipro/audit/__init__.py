"""The append-only audit journal (domain D-41): a leaf that every layer may write to."""
