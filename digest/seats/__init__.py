"""Westminster seats: the shipped gazetteer and the tagger that finds seats in text."""
