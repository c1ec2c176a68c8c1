"""The staff workspace: the ``staff`` blueprint (``views.bp``) and its route modules, one per area."""
