-- The province server (`inspect-tool serve`): what it needs to let the store's accounts log in
-- over HTTP. Laptops never hold database passwords.
--
-- The server connects as ONE login role (`db account add NAME --kind server`), member of
-- inspect_server, whose rights are only those granted below (to check passwords and tokens).
-- inspect_server is a member of every account role (`db account add` grants it) but NOINHERIT:
-- it holds none of their rights, it may only take their role. Each transaction that carries a
-- request takes the account's role with SET LOCAL ROLE, so the row-level security of 0001
-- holds for every request whatever the server's own checks do.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'inspect_server') THEN
        CREATE ROLE inspect_server NOLOGIN NOINHERIT;
    END IF;
END
$$;

-- the server password of an account: argon2 (argon2-cffi's encoded form); '' = none, the
-- account cannot log in through the server
ALTER TABLE accounts ADD COLUMN password_hash text NOT NULL DEFAULT '';

-- Tokens: a device token (`db account token`, a laptop's, no expiry) or a login's (POST
-- /login, expires). Only the sha256 of a token is stored; the token is shown once.
CREATE TABLE server_tokens (
    hash text PRIMARY KEY,
    account text NOT NULL REFERENCES accounts (name) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('device', 'login')),
    created timestamptz NOT NULL DEFAULT now(),
    expires timestamptz,
    revoked timestamptz
);
CREATE INDEX server_tokens_account ON server_tokens (account);

-- Failed logins, by the name given (which may be no account): a name with too many recent
-- failures is refused before its password is checked.
CREATE TABLE server_login_failures (
    name text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX server_login_failures_name ON server_login_failures (name, at);

REVOKE ALL ON server_tokens, server_login_failures FROM PUBLIC;
GRANT SELECT ON accounts, inspect_schema TO inspect_server;
GRANT SELECT, INSERT ON server_tokens TO inspect_server;
GRANT SELECT, INSERT, DELETE ON server_login_failures TO inspect_server;

-- accounts made before this migration: the server may act as them too
DO $$
DECLARE
    who text;
BEGIN
    FOR who IN SELECT a.name FROM accounts a JOIN pg_roles r ON r.rolname = a.name LOOP
        EXECUTE format('GRANT %I TO inspect_server', who);
    END LOOP;
END
$$;
