"""Accounts: users and roles, sign-in sessions, API tokens."""
