"""Actor linking: dictionaries (Phoenix/PETRARCH and the curated YAML) and the resolver.

``dictionary`` reads the Phoenix text format, ``curated`` the team-written
``data/actors/current.yaml``, and ``resolve`` turns entity mentions into
``ArticleActor`` records (stage ``link_actors``).
"""
