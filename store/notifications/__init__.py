"""Notifications: the inbox, its unread count, and optional e-mail delivery."""
