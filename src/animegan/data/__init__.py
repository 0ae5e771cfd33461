"""animegan.data."""
