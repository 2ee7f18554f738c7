"""跨省转籍: a private car's registration moved to another province."""
