"""The web dashboard (server-rendered pages) and the offline HTML report."""
