"""In-process fakes of the stores the loyalty service talks to, and data generators for them."""
