"""The review gate after publication: pending versions, files and screenshots, and edits."""
