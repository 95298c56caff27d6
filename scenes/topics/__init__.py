"""One module per topic of the course: the scenes a lecturer reads or copies. They draw a
trace with the kit (``explain.scenes.kit``) and never import the engine."""
