"""animegan.inference."""
