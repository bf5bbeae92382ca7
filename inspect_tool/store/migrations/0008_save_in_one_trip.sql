-- A save in one round trip (PgStore.save in inspect_tool/store/postgres.py). A writer that
-- holds the copy it last wrote sends, in one pipeline, the lock, what it expects to find under
-- it (the fingerprint of the assessment's rows, its unit's province, the head of its audit
-- chain), its writes and COMMIT. This function stops the transaction when the expectation is
-- not met, with a SQLSTATE of its own: nothing is written, and the writer reads under the lock
-- and tries again in two round trips, where a stale save is refused exactly as before. Without
-- it every save waited for the server twice; on two cores shared by 50 writers, each wait is
-- a turn in the queue.
CREATE FUNCTION inspect_expect(met boolean) RETURNS boolean
    LANGUAGE plpgsql AS $$
BEGIN
    IF met IS NOT TRUE THEN
        RAISE EXCEPTION 'the stored assessment is not the copy this save was computed on'
            USING ERRCODE = 'IT409';
    END IF;
    RETURN true;
END
$$;
