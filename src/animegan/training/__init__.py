"""animegan.training."""
