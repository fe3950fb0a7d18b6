"""The chapter's worked examples, computed by the engine: used by `chainrule tour` and the tests."""
