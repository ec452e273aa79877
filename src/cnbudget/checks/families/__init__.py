"""Rule families: each module evaluates the rules of one family over a :class:`Context`."""
