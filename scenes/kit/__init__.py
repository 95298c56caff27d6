"""The drawing kit topic scenes are made of: the base scene, layout, theme, i18n, widgets,
and the animations they play. Depends on the engine, never on a topic."""
