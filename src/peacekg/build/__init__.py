"""The build: assemble, reason, check, validate, then write the store and dumps as a release."""
