"""Adoptions (复用): a region asks to reuse a published app, the publisher answers, the adopter
records deployment, go-live, feedback and savings. Not wired yet: see ``WIRING.md`` here."""
