"""What features share: errors, guards and policy, templating, i18n, security helpers."""
