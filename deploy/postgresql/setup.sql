-- PostgreSQL for Cercanía, run once as the postgres superuser:
--   sudo -u postgres psql -v ON_ERROR_STOP=1 -v password='…' -f /srv/cercania/deploy/postgresql/setup.sql
-- The role owns its database and nothing else (no superuser, no CREATEDB).
CREATE ROLE cercania LOGIN PASSWORD :'password' NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE DATABASE cercania OWNER cercania ENCODING 'UTF8' TEMPLATE template0;
\connect cercania
-- The no-overlap exclusion constraint of appointments needs btree_gist. The first
-- migration (scheduling 0002) runs CREATE EXTENSION IF NOT EXISTS btree_gist,
-- which the owner may do itself since PostgreSQL 13 (a trusted extension);
-- creating it here as superuser also covers older servers and locked-down setups.
CREATE EXTENSION IF NOT EXISTS btree_gist;
-- Since PostgreSQL 15 only the owner may create in the public schema: the role is it.
ALTER SCHEMA public OWNER TO cercania;
