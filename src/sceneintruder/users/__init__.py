"""Users: accounts, profiles, preferences, and the items and skills a user carries between scenes."""
