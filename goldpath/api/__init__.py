"""The server: REST API and the web dashboard (goldpath.web) on one FastAPI app."""
