"""diplocorpus: Russian state diplomatic communication for French-speaking audiences,
built from raw scrapes into a validated Frictionless data package."""

__version__ = "0.1.0"
