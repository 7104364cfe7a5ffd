"""The report store: SQLAlchemy models, migrations, and the repository the bot files into."""
