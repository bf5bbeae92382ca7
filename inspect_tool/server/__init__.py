"""The province server (`inspect-tool serve`): an HTTP JSON API over the central store, for
wards and inspection laptops that are not on the Department's network.

- accounts.py: the store's accounts as the server sees them: argon2 passwords, device and
  login tokens stored hashed, failed logins limited;
- app.py: the routes (Starlette), each request carried to the database as its account's role;
- openapi.py: the API's OpenAPI description, served at /openapi.json and kept in docs/.
"""
