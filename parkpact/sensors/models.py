"""Models of the sensors app."""
