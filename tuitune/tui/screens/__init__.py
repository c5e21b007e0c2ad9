"""One module (and one ``.tcss``) per pane of the tuning loop."""
