"""The application behind the CLI: render, batch, gallery, slides, plots and the caches."""
