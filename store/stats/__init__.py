"""Statistics: the figures provincial staff and the home page read, computed by aggregate SQL."""
