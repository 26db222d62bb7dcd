"""Adoption integration tests: the permission rules are installed by ``store.rules`` like every
feature's; nothing else is special here."""
