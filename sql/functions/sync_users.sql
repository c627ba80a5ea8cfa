-- SPDX-License-Identifier: GPL-2.0-or-later
-- carbon.sync_users: make the participants' roles and project memberships
-- match a source, for `carbon-report db sync-users`. Re-applied by every db
-- init and db upgrade.
--
-- p_users[i] takes part in project p_projects[i] ('' : in none); p_source
-- is 'sacctmgr' or 'csv'. carbon-report checked every name where it read it;
-- they are checked again here, and reach SQL text only through format('%I').
--   - A user without a role gets one: LOGIN, member of carbon_user.
--   - A user with a login role gets carbon_user, unless the role is one
--     this must never touch: a superuser, carbon_writer / carbon_user /
--     carbon_admin or a member of the first or last, a role with
--     BYPASSRLS, CREATEROLE, CREATEDB or REPLICATION, a group (NOLOGIN, or
--     with members). Those are refused: reported, nothing done to them.
--   - A role sync made or took over (carbon.participant_role, 021) whose
--     user left the source loses carbon_user; the role, and every record
--     with its name, stay.
--   - Memberships of carbon.project_member made here (synced) follow the
--     source; those inserted by hand are left as they are.
-- One row per change; the caller commits, or rolls back for a dry run.
-- Runs with the caller's rights: the database's owner, or a role that may
-- create roles and grant carbon_user.
CREATE OR REPLACE FUNCTION carbon.sync_users(p_users text[], p_projects text[], p_source text)
RETURNS TABLE (change text, member_role text, member_project text, detail text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    u text;
    ro record;
    role_oid oid;
    why text;
    bad text;
    refused text[] := '{}';
    carbon_user_oid oid := (SELECT oid FROM pg_roles WHERE rolname = 'carbon_user');
    is_member boolean;
    known record;
BEGIN
    -- One sync at a time (an arbitrary key, the same in every version).
    PERFORM pg_advisory_xact_lock(6367826102);
    IF p_source NOT IN ('sacctmgr', 'csv') THEN
        RAISE EXCEPTION 'carbon.sync_users: source must be sacctmgr or csv';
    END IF;
    IF coalesce(array_length(p_users, 1), 0) <> coalesce(array_length(p_projects, 1), 0) THEN
        RAISE EXCEPTION 'carbon.sync_users: as many projects as users are needed';
    END IF;
    SELECT x INTO bad FROM unnest(p_users) x
     WHERE x IS NULL OR x !~ '^[A-Za-z0-9_][A-Za-z0-9._@-]{0,62}$' OR lower(x) LIKE 'pg\_%'
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'carbon.sync_users: not a user name: %', quote_literal(bad);
    END IF;
    SELECT x INTO bad FROM unnest(p_projects) x
     WHERE x IS NULL OR x !~ '^[A-Za-z0-9._:+/-]{0,64}$' LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'carbon.sync_users: not a project name: %', quote_literal(bad);
    END IF;

    -- The source's users: a role each.
    FOR u IN SELECT DISTINCT x FROM unnest(p_users) x ORDER BY 1 LOOP
        SELECT r.* INTO ro FROM pg_roles r WHERE r.rolname = u;
        IF NOT FOUND THEN
            EXECUTE format('CREATE ROLE %I LOGIN IN ROLE carbon_user', u);
            INSERT INTO carbon.participant_role AS p (role_name, created, source)
            VALUES (u, true, p_source)
            ON CONFLICT (role_name) DO UPDATE
               SET created = true, active = true, source = p_source, changed_at = now();
            RETURN QUERY SELECT 'create role', u, NULL::text, 'LOGIN, member of carbon_user';
            CONTINUE;
        END IF;
        why := CASE
            WHEN ro.rolsuper THEN 'a superuser'
            WHEN u IN ('carbon_writer', 'carbon_user', 'carbon_admin') THEN 'one of slurm-carbon''s own roles'
            WHEN ro.rolbypassrls THEN 'a role that bypasses row-level security'
            WHEN ro.rolcreaterole OR ro.rolcreatedb OR ro.rolreplication
                THEN 'a role with CREATEROLE, CREATEDB or REPLICATION'
            WHEN pg_has_role(u, 'carbon_admin', 'MEMBER') OR pg_has_role(u, 'carbon_writer', 'MEMBER')
                THEN 'a member of carbon_admin or carbon_writer'
            WHEN NOT ro.rolcanlogin THEN 'a group role (NOLOGIN)'
            WHEN EXISTS (SELECT FROM pg_auth_members m WHERE m.roleid = ro.oid)
                THEN 'a role that other roles are members of'
        END;
        IF why IS NOT NULL THEN
            refused := refused || u;
            RETURN QUERY SELECT 'refuse role', u, NULL::text,
                'an existing role that is ' || why || ': not made a participant';
            CONTINUE;
        END IF;
        is_member := EXISTS (SELECT FROM pg_auth_members m
                             WHERE m.roleid = carbon_user_oid AND m.member = ro.oid);
        SELECT p.active INTO known FROM carbon.participant_role p WHERE p.role_name = u;
        IF is_member AND FOUND AND known.active THEN
            CONTINUE;       -- a participant already
        END IF;
        IF NOT is_member THEN
            EXECUTE format('GRANT carbon_user TO %I', u);
        END IF;
        INSERT INTO carbon.participant_role AS p (role_name, created, source)
        VALUES (u, false, p_source)
        ON CONFLICT (role_name) DO UPDATE
           SET active = true, source = p_source, changed_at = now();
        RETURN QUERY SELECT 'add role', u, NULL::text,
            CASE WHEN is_member THEN 'an existing member of carbon_user, now synced'
                 ELSE 'an existing login role, now a member of carbon_user' END;
    END LOOP;

    -- Roles of users gone from the source: carbon_user revoked, role kept.
    FOR u, role_oid IN SELECT p.role_name, r.oid FROM carbon.participant_role p
                   LEFT JOIN pg_roles r ON r.rolname = p.role_name
                  WHERE p.active AND p.role_name NOT IN (SELECT unnest(p_users))
                  ORDER BY 1 LOOP
        IF EXISTS (SELECT FROM pg_auth_members m
                   WHERE m.roleid = carbon_user_oid AND m.member = role_oid) THEN
            EXECUTE format('REVOKE carbon_user FROM %I', u);
        END IF;
        UPDATE carbon.participant_role SET active = false, changed_at = now()
         WHERE role_name = u;
        RETURN QUERY SELECT 'remove role', u, NULL::text,
            'no longer a member of carbon_user; the role and its records are kept';
    END LOOP;

    -- Memberships: the source's, of the users not refused.
    RETURN QUERY
    WITH w AS (SELECT DISTINCT x.u, x.p FROM unnest(p_users, p_projects) AS x(u, p)
                WHERE x.p <> '' AND x.u NOT IN (SELECT unnest(refused))),
         ins AS (INSERT INTO carbon.project_member AS m (project, member, synced)
                 SELECT w.p, w.u, true FROM w
                 ON CONFLICT (project, member) DO NOTHING
                 RETURNING m.member, m.project)
    SELECT 'add member', ins.member, ins.project, NULL::text FROM ins ORDER BY 2, 3;
    RETURN QUERY
    WITH del AS (DELETE FROM carbon.project_member m
                  WHERE m.synced
                    AND (m.member, m.project) NOT IN
                        (SELECT x.u, x.p FROM unnest(p_users, p_projects) AS x(u, p)
                          WHERE x.u NOT IN (SELECT unnest(refused)))
                 RETURNING m.member, m.project)
    SELECT 'remove member', del.member, del.project, NULL::text FROM del ORDER BY 2, 3;
END
$fn$;
REVOKE ALL ON FUNCTION carbon.sync_users(text[], text[], text) FROM PUBLIC;
