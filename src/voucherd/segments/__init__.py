"""Customer segments: static lists and filters that customers enter and leave."""
