"""Adoptions (复用): a region asks to reuse a published app, the publisher answers, the adopter
records deployment, go-live, feedback and savings. Decisions behind the rules: ARCHITECTURE.md,
"Adoptions: decisions worth knowing"."""
