"""Entity typing and event coding over the tagger's analyses; word lists and rules are data."""
