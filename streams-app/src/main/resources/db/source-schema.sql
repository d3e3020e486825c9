-- The source tables cdc-sentinel captures, as described in shared/docs/domain.md ("Source tables").
-- Both naming styles are real: director.* uses customer/profile, the rest customer_id/profile_id.
-- Idempotent: safe to run against a database that already has them.

CREATE SCHEMA IF NOT EXISTS director;
CREATE SCHEMA IF NOT EXISTS historic;
CREATE SCHEMA IF NOT EXISTS app;

CREATE TABLE IF NOT EXISTS director.scorecards (
    customer                text        NOT NULL,
    profile                 text        NOT NULL,
    resource_id             text        NOT NULL,
    template_id             text,
    conversation_id         text,
    scorecard_type          int,
    calibrated_scorecard_id text,
    submission_source       int,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    submitted_at            timestamptz,
    deleted_at              timestamptz,
    PRIMARY KEY (customer, profile, resource_id)
);

CREATE TABLE IF NOT EXISTS director.scores (
    customer      text        NOT NULL,
    profile       text        NOT NULL,
    resource_id   text        NOT NULL,
    scorecard_id  text        NOT NULL,
    criterion_id  text,
    numeric_value numeric,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer, profile, resource_id)
);
-- Guarded (not just IF NOT EXISTS, which locks the table before it checks), like the ALTERs below: the
-- DDL is re-applied to live databases, where a capture or the application holds locks on these tables.
DO $$ BEGIN
    IF to_regclass('director.scores_by_scorecard') IS NULL THEN
        CREATE INDEX scores_by_scorecard ON director.scores (customer, profile, scorecard_id);
    END IF;
END $$;

CREATE TABLE IF NOT EXISTS historic.scorecard_scores (
    customer_id     text        NOT NULL,
    profile_id      text        NOT NULL,
    scorecard_id    text        NOT NULL,
    criterion_id    text        NOT NULL,
    conversation_id text,
    score           numeric,
    scorecard_time  timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, profile_id, scorecard_id, criterion_id)
);

CREATE TABLE IF NOT EXISTS app.chats (
    conversation_id text        NOT NULL,
    customer_id     text        NOT NULL,
    profile_id      text        NOT NULL,
    agent_user_id   text,
    usecase_id      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    ended_at        timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, profile_id, conversation_id)
);

CREATE TABLE IF NOT EXISTS app.chat_events (
    event_id        text        NOT NULL,
    customer_id     text        NOT NULL,
    profile_id      text        NOT NULL,
    conversation_id text        NOT NULL,
    event_type      text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, profile_id, event_id)
);
DO $$ BEGIN
    IF to_regclass('app.chat_events_by_conversation') IS NULL THEN
        CREATE INDEX chat_events_by_conversation ON app.chat_events (customer_id, profile_id, conversation_id);
    END IF;
END $$;

-- Full before-images in the change events (an UPDATE shows what changed; a DELETE carries every
-- column). The topologies do not depend on it: they keep what they need in their own state.
-- Only where it is not set yet: ALTER TABLE takes an AccessExclusiveLock even when nothing changes, and
-- deadlocks with a Debezium snapshot that has read some of the tables (SourceSchemaIT).
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['director.scorecards', 'director.scores', 'historic.scorecard_scores', 'app.chats',
                             'app.chat_events'] LOOP
        IF (SELECT relreplident FROM pg_class WHERE oid = t::regclass) <> 'f' THEN
            EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', t);
        END IF;
    END LOOP;
END $$;
